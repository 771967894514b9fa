//! Writing checked lines into the ledger: looking up hosts, products and sessions for many
//! lines at once, then inserting new lines, updating known ones whose status or refunds moved,
//! and reporting the rest as duplicates or conflicts. Never overwrites anything else.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::lookup;
use super::model::{self as sales, NewSale, Refund, Sale, SaleStatus};
use super::validate::{HostRef, ProductRef, SaleInput};
use crate::audit::model::{AuditContext, Changes};
use crate::db::KeepPrepared;
use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};
use crate::schema::sales as sales_table;

/// A line whose references were found.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub input: SaleInput,
    pub influencer_id: Uuid,
    pub product_id: Uuid,
    /// The product's commission rate now, kept on the line.
    pub commission_percent: Decimal,
}

/// Looks up the host, product and session of every line; a line whose references do not
/// hold gets its field errors instead.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    inputs: Vec<SaleInput>,
) -> Result<Vec<Result<Resolved, Vec<FieldError>>>, AppError> {
    // Each list is looked up key by key (see `lookup`); an empty one costs no statement.
    let known_hosts = lookup::known_hosts(
        conn,
        agency_id,
        inputs.iter().filter_map(|i| match i.host {
            HostRef::Id(id) => Some(id),
            HostRef::PlatformUser(_) => None,
        }),
    )
    .await?;
    let accounts = lookup::account_hosts(
        conn,
        agency_id,
        inputs.iter().filter_map(|i| match &i.host {
            HostRef::PlatformUser(user) => Some((i.platform, user.as_str())),
            HostRef::Id(_) => None,
        }),
    )
    .await?;
    let known_products = lookup::products_by_id(
        conn,
        agency_id,
        inputs.iter().filter_map(|i| match i.product {
            ProductRef::Id(id) => Some(id),
            ProductRef::Sku(_) => None,
        }),
    )
    .await?;
    let by_sku = lookup::products_by_sku(
        conn,
        agency_id,
        inputs.iter().filter_map(|i| match &i.product {
            ProductRef::Sku(sku) => Some(sku.as_str()),
            ProductRef::Id(_) => None,
        }),
    )
    .await?;
    let session_hosts = lookup::session_hosts(
        conn,
        agency_id,
        inputs.iter().filter_map(|i| i.live_session_id),
    )
    .await?;

    Ok(inputs
        .into_iter()
        .map(|input| {
            let mut errors = Vec::new();
            let host = match &input.host {
                HostRef::Id(id) if known_hosts.contains(id) => Some(*id),
                HostRef::Id(_) => {
                    errors.push(FieldError::new(
                        "influencer_id",
                        "not_found",
                        "no such host in this agency",
                    ));
                    None
                }
                HostRef::PlatformUser(user) => {
                    match accounts.get(&(input.platform, user.clone())) {
                        Some(host) => Some(*host),
                        None => {
                            errors.push(FieldError::new(
                                "platform_user_id",
                                "not_found",
                                format!("no {} account with this platform user id", input.platform),
                            ));
                            None
                        }
                    }
                }
            };
            let product = match &input.product {
                ProductRef::Id(id) if known_products.contains_key(id) => {
                    known_products.get(id).map(|rate| (*id, *rate))
                }
                ProductRef::Id(_) => {
                    errors.push(FieldError::new(
                        "product_id",
                        "not_found",
                        "no such product in this agency",
                    ));
                    None
                }
                ProductRef::Sku(sku) => by_sku.get(sku).copied().or_else(|| {
                    errors.push(FieldError::new(
                        "sku",
                        "not_found",
                        "no product with this SKU",
                    ));
                    None
                }),
            };
            if let (Some(session), Some(host)) = (input.live_session_id, host) {
                match session_hosts.get(&session) {
                    Some(owner) if *owner == host => {}
                    Some(_) => errors.push(FieldError::new(
                        "live_session_id",
                        "not_this_host",
                        "the session is another host's",
                    )),
                    None => errors.push(FieldError::new(
                        "live_session_id",
                        "not_found",
                        "no such session in this agency",
                    )),
                }
            }
            match (host, product, errors.is_empty()) {
                (Some(influencer_id), Some((product_id, commission_percent)), true) => {
                    Ok(Resolved {
                        input,
                        influencer_id,
                        product_id,
                        commission_percent,
                    })
                }
                _ => Err(errors),
            }
        })
        .collect())
}

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

fn new_sale(agency_id: Uuid, line: &Resolved, batch: Option<Uuid>) -> NewSale {
    NewSale {
        agency_id,
        id: Uuid::now_v7(),
        platform: line.input.platform,
        external_order_id: line.input.external_order_id.clone(),
        sold_at: line.input.sold_at,
        influencer_id: line.influencer_id,
        live_session_id: line.input.live_session_id,
        product_id: line.product_id,
        quantity: line.input.quantity,
        unit_price: line.input.unit_price,
        currency: line.input.currency.code().to_owned(),
        gross: line.input.gross(),
        commission_percent: line.commission_percent,
        status: line.input.status,
        refunded_amount: line.input.refunded_amount,
        import_batch_id: batch,
    }
}

/// The fields of a known line that differ from `line` and may not change.
fn conflicts(known: &Sale, line: &Resolved) -> Vec<FieldError> {
    let mut differ = Vec::new();
    let mut check = |field: &str, same: bool| {
        if !same {
            differ.push(FieldError::new(
                field,
                "conflicts",
                format!("differs from the recorded order line ({field} never changes)"),
            ));
        }
    };
    check("sold_at", known.sold_at == line.input.sold_at);
    check("influencer_id", known.influencer_id == line.influencer_id);
    check(
        "live_session_id",
        known.live_session_id == line.input.live_session_id,
    );
    check("product_id", known.product_id == line.product_id);
    check("quantity", known.quantity == line.input.quantity);
    check("unit_price", known.unit_price == line.input.unit_price);
    check("currency", known.currency == line.input.currency.code());
    if line.input.refunded_amount < known.refunded_amount {
        differ.push(FieldError::new(
            "refunded_amount",
            "conflicts",
            "a refund cannot be taken back",
        ));
    }
    if known.status == SaleStatus::Cancelled && line.input.status != SaleStatus::Cancelled {
        differ.push(FieldError::new(
            "status",
            "conflicts",
            "a cancelled order line stays cancelled",
        ));
    }
    differ
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
    let agency_id = writer.audit.agency_id;
    let row = new_sale(agency_id, line, writer.import_batch_id);
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
        diesel::insert_into(crate::schema::refunds::table)
            .values(&initial_refund(
                writer,
                sale.id,
                sale.refunded_amount,
                Utc::now(),
            ))
            .execute(conn)
            .await?;
    }
    Ok(Some(sale))
}

/// The refund entry of a line that arrives already (partly) refunded.
fn initial_refund(
    writer: &Writer,
    sale_id: Uuid,
    amount: Decimal,
    now: chrono::DateTime<Utc>,
) -> Refund {
    Refund {
        agency_id: writer.audit.agency_id,
        id: Uuid::now_v7(),
        sale_id,
        amount,
        reason: Some("refunded on the platform before the line was recorded".to_owned()),
        recorded_by: writer.user_id,
        import_batch_id: writer.import_batch_id,
        created_at: now,
    }
}

/// Writes lines: new ones are inserted (with a refund entry for any refunded amount), known
/// ones are updated when only their status or refunds moved (audited), left alone when equal,
/// and reported as conflicts otherwise.
pub async fn write(
    conn: &mut AsyncPgConnection,
    writer: &Writer,
    lines: Vec<Resolved>,
) -> Result<Vec<Outcome>, AppError> {
    let agency_id = writer.audit.agency_id;
    let keys: Vec<(Platform, String)> = lines
        .iter()
        .map(|l| (l.input.platform, l.input.external_order_id.clone()))
        .collect();
    let mut known: HashMap<(Platform, String), Sale> = sales::find_lines(conn, agency_id, &keys)
        .await?
        .into_iter()
        .map(|s| ((s.platform, s.external_order_id.clone()), s))
        .collect();
    // Lines new to the ledger but repeated within this batch compare against their first copy.
    let mut fresh: HashMap<(Platform, String), (Uuid, Resolved)> = HashMap::new();
    let mut inserts: Vec<NewSale> = Vec::new();
    let mut outcomes = Vec::with_capacity(lines.len());
    let mut updates: Vec<(usize, Sale, Resolved)> = Vec::new();

    for line in lines {
        let key = (line.input.platform, line.input.external_order_id.clone());
        if let Some(sale) = known.get(&key) {
            let differ = conflicts(sale, &line);
            if !differ.is_empty() {
                outcomes.push(Outcome::Conflict(differ));
            } else if sale.status == line.input.status
                && sale.refunded_amount == line.input.refunded_amount
            {
                outcomes.push(Outcome::Duplicate(sale.id));
            } else {
                updates.push((outcomes.len(), sale.clone(), line));
                outcomes.push(Outcome::Updated(Uuid::nil()));
            }
        } else if let Some((id, first)) = fresh.get(&key) {
            let same = first.input.sold_at == line.input.sold_at
                && first.influencer_id == line.influencer_id
                && first.product_id == line.product_id
                && first.input.live_session_id == line.input.live_session_id
                && first.input.quantity == line.input.quantity
                && first.input.unit_price == line.input.unit_price
                && first.input.currency == line.input.currency
                && first.input.status == line.input.status
                && first.input.refunded_amount == line.input.refunded_amount;
            if same {
                outcomes.push(Outcome::Duplicate(*id));
            } else {
                outcomes.push(Outcome::Conflict(vec![FieldError::new(
                    "external_order_id",
                    "conflicts",
                    "the same order line appears earlier in this import with other values",
                )]));
            }
        } else {
            let sale = new_sale(agency_id, &line, writer.import_batch_id);
            outcomes.push(Outcome::Inserted(sale.id));
            fresh.insert(key, (sale.id, line));
            inserts.push(sale);
        }
    }

    if !inserts.is_empty() {
        for chunk in inserts.chunks(1000) {
            diesel::insert_into(sales_table::table)
                .values(chunk)
                .execute(conn)
                .await?;
        }
        let now = Utc::now();
        let initial_refunds: Vec<Refund> = inserts
            .iter()
            .filter(|s| s.refunded_amount > Decimal::ZERO)
            .map(|s| initial_refund(writer, s.id, s.refunded_amount, now))
            .collect();
        for chunk in initial_refunds.chunks(1000) {
            diesel::insert_into(crate::schema::refunds::table)
                .values(chunk)
                .execute(conn)
                .await?;
        }
    }

    for (index, first_seen, line) in updates {
        // The same line may be updated twice in one batch: build on the latest state.
        let key = (first_seen.platform, first_seen.external_order_id.clone());
        let sale = known.get(&key).cloned().unwrap_or(first_seen);
        let differ = conflicts(&sale, &line);
        if !differ.is_empty() {
            outcomes[index] = Outcome::Conflict(differ);
            continue;
        }
        if sale.status == line.input.status && sale.refunded_amount == line.input.refunded_amount {
            outcomes[index] = Outcome::Duplicate(sale.id);
            continue;
        }
        let mut current = sale.clone();
        let increase = line.input.refunded_amount - sale.refunded_amount;
        if increase > Decimal::ZERO {
            let refund = Refund {
                agency_id,
                id: Uuid::now_v7(),
                sale_id: sale.id,
                amount: increase,
                reason: Some("refund reported by the platform".to_owned()),
                recorded_by: writer.user_id,
                import_batch_id: writer.import_batch_id,
                created_at: Utc::now(),
            };
            current = sales::apply_refund(conn, &current, &refund).await?.0;
        }
        if line.input.status == SaleStatus::Cancelled && current.status != SaleStatus::Cancelled {
            current = sales::set_status(conn, &current, SaleStatus::Cancelled).await?;
        }
        let changes = Changes::new()
            .change("status", sale.status, current.status)
            .change(
                "refunded_amount",
                sale.refunded_amount.to_string(),
                current.refunded_amount.to_string(),
            )
            .value("import_batch_id", writer.import_batch_id);
        writer
            .audit
            .record(conn, "sale.update", "sale", Some(sale.id), changes)
            .await?;
        outcomes[index] = Outcome::Updated(current.id);
        known.insert(key, current);
    }
    Ok(outcomes)
}
