//! Writing checked lines into the ledger: looking up hosts, products and sessions for many
//! lines at once ([`resolve`]), then inserting new lines, updating known ones whose status or
//! refunds moved, and reporting the rest as duplicates or conflicts. Never overwrites anything
//! else.

mod known;
mod resolve;

pub use resolve::{Accounts, Resolved, Unresolved, resolve, resolve_keeping};

use known::{compare, update_known};

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::model::{self as sales, Refund, Sale};
use crate::audit::model::AuditContext;
use crate::db::KeepPrepared;
use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};
use crate::schema::{refunds, sales as sales_table};

/// What writing a line did.
#[derive(Debug, Clone)]
pub enum Outcome {
    Inserted(Uuid),
    Updated(Uuid),
    Duplicate(Uuid),
    Conflict(Vec<FieldError>),
}

/// Who writes and under which import batch.
#[derive(Debug, Clone)]
pub struct Writer {
    pub audit: AuditContext,
    pub user_id: Uuid,
    pub import_batch_id: Option<Uuid>,
}

impl Writer {
    /// A refund entry of `amount` on the line `sale_id`, recorded by this writer.
    fn refund(&self, sale_id: Uuid, amount: Decimal, reason: &str) -> Refund {
        Refund {
            agency_id: self.audit.agency_id,
            id: Uuid::now_v7(),
            sale_id,
            amount,
            reason: Some(reason.to_owned()),
            recorded_by: self.user_id,
            import_batch_id: self.import_batch_id,
            created_at: Utc::now(),
        }
    }

    /// The refund entry of a line that arrives already (partly) refunded.
    fn initial_refund(&self, sale: &Sale) -> Refund {
        self.refund(
            sale.id,
            sale.refunded_amount,
            "refunded on the platform before the line was recorded",
        )
    }
}

/// The line to insert (`version` and the times are the database's, see [`Sale`]).
fn new_sale(writer: &Writer, line: &Resolved) -> Sale {
    let now = Utc::now();
    Sale {
        agency_id: writer.audit.agency_id,
        id: Uuid::now_v7(),
        platform: line.input.platform,
        external_order_id: line.input.external_order_id.clone(),
        sold_at: line.input.sold_at,
        influencer_id: line.influencer_id,
        live_session_id: line.input.live_session_id,
        product_id: line.product_id,
        quantity: line.input.quantity,
        unit_price: line.input.unit_price,
        currency: line.input.currency,
        gross: line.input.gross,
        commission_percent: line.commission_percent,
        status: line.input.status,
        refunded_amount: line.input.refunded_amount,
        import_batch_id: writer.import_batch_id,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Inserts one line that must be new, with a refund entry for any refunded amount, and answers
/// it as stored; `None` when the order line is already recorded. The insert itself is the
/// look-up of the order line (`ON CONFLICT DO NOTHING` on its unique key), and `RETURNING`
/// answers the row, so the single-sale path neither looks the line up first nor re-reads it.
pub async fn insert_new(
    conn: &mut AsyncPgConnection,
    writer: &Writer,
    line: &Resolved,
) -> Result<Option<Sale>, AppError> {
    let row = new_sale(writer, line);
    let Some(sale) = KeepPrepared(
        diesel::insert_into(sales_table::table)
            .values(&row)
            .on_conflict((
                sales_table::agency_id,
                sales_table::platform,
                sales_table::external_order_id,
            ))
            .do_nothing()
            .returning(Sale::as_returning()),
    )
    .get_result::<Sale>(conn)
    .await
    .optional()?
    else {
        return Ok(None);
    };
    if sale.refunded_amount > Decimal::ZERO {
        diesel::insert_into(refunds::table)
            .values(&writer.initial_refund(&sale))
            .execute(conn)
            .await?;
    }
    Ok(Some(sale))
}

/// Lines inserted by one statement.
const INSERT_CHUNK: usize = 1000;

/// One statement for a chunk of new lines, its columns bound as arrays: the same text whatever
/// the chunk's length, so it stays prepared (a multi-row `VALUES` of 16 parameters a line is
/// planned anew for every chunk, and binds 16,000 parameters).
const INSERT_SALES_SQL: &str = "\
INSERT INTO sales (agency_id, id, platform, external_order_id, sold_at, influencer_id, \
    live_session_id, product_id, quantity, unit_price, currency, gross, commission_percent, status, \
    refunded_amount, import_batch_id) \
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], \
    $6::uuid[], $7::uuid[], $8::uuid[], $9::int4[], $10::numeric[], $11::text[], $12::numeric[], \
    $13::numeric[], $14::text[], $15::numeric[], $16::uuid[])";

/// Inserts `lines` in one statement.
async fn insert_chunk(conn: &mut AsyncPgConnection, lines: &[Sale]) -> Result<(), AppError> {
    use diesel::sql_types::{Array, Int4, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid};
    let column = |f: fn(&Sale) -> Uuid| lines.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&Sale) -> &str| lines.iter().map(f).collect::<Vec<_>>();
    let number = |f: fn(&Sale) -> Decimal| lines.iter().map(f).collect::<Vec<_>>();
    KeepPrepared(
        diesel::sql_query(INSERT_SALES_SQL)
            .bind::<Array<SqlUuid>, _>(column(|l| l.agency_id))
            .bind::<Array<SqlUuid>, _>(column(|l| l.id))
            .bind::<Array<Text>, _>(text(|l| l.platform.as_str()))
            .bind::<Array<Text>, _>(text(|l| l.external_order_id.as_str()))
            .bind::<Array<Timestamptz>, _>(lines.iter().map(|l| l.sold_at).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(column(|l| l.influencer_id))
            .bind::<Array<Nullable<SqlUuid>>, _>(
                lines.iter().map(|l| l.live_session_id).collect::<Vec<_>>(),
            )
            .bind::<Array<SqlUuid>, _>(column(|l| l.product_id))
            .bind::<Array<Int4>, _>(lines.iter().map(|l| l.quantity).collect::<Vec<_>>())
            .bind::<Array<Numeric>, _>(number(|l| l.unit_price))
            .bind::<Array<Text>, _>(text(|l| l.currency.code()))
            .bind::<Array<Numeric>, _>(number(|l| l.gross))
            .bind::<Array<Numeric>, _>(number(|l| l.commission_percent))
            .bind::<Array<Text>, _>(text(|l| l.status.as_str()))
            .bind::<Array<Numeric>, _>(number(|l| l.refunded_amount))
            .bind::<Array<Nullable<SqlUuid>>, _>(
                lines.iter().map(|l| l.import_batch_id).collect::<Vec<_>>(),
            ),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts new lines in chunks, with the refund entries of those that arrive refunded.
async fn insert_all(
    conn: &mut AsyncPgConnection,
    writer: &Writer,
    inserts: &[Sale],
) -> Result<(), AppError> {
    for chunk in inserts.chunks(INSERT_CHUNK) {
        insert_chunk(conn, chunk).await?;
    }
    let initial_refunds: Vec<Refund> = inserts
        .iter()
        .filter(|s| s.refunded_amount > Decimal::ZERO)
        .map(|s| writer.initial_refund(s))
        .collect();
    for chunk in initial_refunds.chunks(1000) {
        diesel::insert_into(refunds::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Writes lines: new ones are inserted (with a refund entry for any refunded amount), known
/// ones are updated when only their status or refunds moved (audited), left alone when equal,
/// and reported as conflicts otherwise.
pub async fn write(
    conn: &mut AsyncPgConnection,
    writer: &Writer,
    lines: Vec<Resolved>,
) -> Result<Vec<Outcome>, AppError> {
    let keys: Vec<(Platform, String)> = lines
        .iter()
        .map(|l| (l.input.platform, l.input.external_order_id.clone()))
        .collect();
    let mut known: HashMap<(Platform, String), Sale> =
        sales::find_lines(conn, writer.audit.agency_id, &keys)
            .await?
            .into_iter()
            .map(|s| ((s.platform, s.external_order_id.clone()), s))
            .collect();
    // Lines new to the ledger but repeated within this batch compare against their first copy.
    let mut fresh: HashMap<(Platform, String), (Uuid, Resolved)> = HashMap::new();
    let mut inserts: Vec<Sale> = Vec::new();
    let mut outcomes = Vec::with_capacity(lines.len());
    let mut updates: Vec<(usize, (Platform, String), Resolved)> = Vec::new();

    for (line, key) in lines.into_iter().zip(keys) {
        if let Some(sale) = known.get(&key) {
            match compare(sale, &line) {
                Some(outcome) => outcomes.push(outcome),
                None => {
                    updates.push((outcomes.len(), key, line));
                    outcomes.push(Outcome::Updated(Uuid::nil()));
                }
            }
        } else if let Some((id, first)) = fresh.get(&key) {
            outcomes.push(if first.same_as(&line) {
                Outcome::Duplicate(*id)
            } else {
                Outcome::Conflict(vec![FieldError::new(
                    "external_order_id",
                    "conflicts",
                    "the same order line appears earlier in this import with other values",
                )])
            });
        } else {
            let sale = new_sale(writer, &line);
            outcomes.push(Outcome::Inserted(sale.id));
            fresh.insert(key, (sale.id, line));
            inserts.push(sale);
        }
    }
    insert_all(conn, writer, &inserts).await?;

    for (index, key, line) in updates {
        // The same line may be updated twice in one batch: build on the latest state.
        let Some(sale) = known.get(&key) else {
            continue;
        };
        outcomes[index] = match compare(sale, &line) {
            Some(outcome) => outcome,
            None => {
                let current = update_known(conn, writer, sale, &line).await?;
                let outcome = Outcome::Updated(current.id);
                known.insert(key, current);
                outcome
            }
        };
    }
    Ok(outcomes)
}
