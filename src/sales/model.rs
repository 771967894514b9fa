//! Sale, refund and import-batch rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::KeepPrepared;
use crate::domain::currency::Currency;
use crate::domain::enums::Platform;
use crate::pagination::PageRequest;
use crate::schema::{import_batches, refunds, sales};
use crate::text_enum;

text_enum! {
    pub enum SaleStatus {
        Paid => "paid",
        Refunded => "refunded",
        PartiallyRefunded => "partially_refunded",
        Cancelled => "cancelled",
    }
}

impl SaleStatus {
    /// The status a line has after refunds of `refunded` out of `gross` (cancelled stays).
    pub fn after_refunds(self, refunded: Decimal, gross: Decimal) -> SaleStatus {
        if self == SaleStatus::Cancelled {
            SaleStatus::Cancelled
        } else if refunded.is_zero() {
            SaleStatus::Paid
        } else if refunded >= gross {
            SaleStatus::Refunded
        } else {
            SaleStatus::PartiallyRefunded
        }
    }
}

/// An order line. Inserted without `version` and the times, which the database sets: the values
/// a line carries there before its insert are never written.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = sales)]
pub struct Sale {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub platform: Platform,
    pub external_order_id: String,
    pub sold_at: DateTime<Utc>,
    pub influencer_id: Uuid,
    pub live_session_id: Option<Uuid>,
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_price: Decimal,
    pub currency: Currency,
    /// quantity × unit_price (the database checks it).
    pub gross: Decimal,
    /// The product's commission rate when the line was recorded.
    pub commission_percent: Decimal,
    pub status: SaleStatus,
    pub refunded_amount: Decimal,
    pub import_batch_id: Option<Uuid>,
    #[diesel(skip_insertion)]
    pub version: i32,
    #[diesel(skip_insertion)]
    pub created_at: DateTime<Utc>,
    #[diesel(skip_insertion)]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refunds)]
pub struct Refund {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub sale_id: Uuid,
    pub amount: Decimal,
    pub reason: Option<String>,
    pub recorded_by: Uuid,
    pub import_batch_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub async fn find(conn: &mut AsyncPgConnection, agency_id: Uuid, id: Uuid) -> QueryResult<Sale> {
    sales::table
        .find((agency_id, id))
        .select(Sale::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<Sale> {
    sales::table
        .find((agency_id, id))
        .select(Sale::as_select())
        .for_update()
        .first(conn)
        .await
}

/// The recorded lines among (`$2` platform, `$3` external order id) pairs, each looked up and
/// locked on its own through the `(agency_id, platform, external_order_id)` unique key (see
/// [`super::lookup`]): the cost follows the batch, not the agency's ledger. `FOR UPDATE` inside
/// the subquery also keeps the planner from flattening it; the keys come sorted, so concurrent
/// writers lock shared lines in the same order.
///
/// The columns are named (never `*`), so that a statement kept prepared keeps its result type
/// when a migration adds a column while the server runs.
pub const FIND_LINES_SQL: &str = "\
SELECT s.agency_id, s.id, s.platform, s.external_order_id, s.sold_at, s.influencer_id, \
    s.live_session_id, s.product_id, s.quantity, s.unit_price, s.currency, s.gross, \
    s.commission_percent, s.status, s.refunded_amount, s.import_batch_id, s.version, \
    s.created_at, s.updated_at \
FROM unnest($2::text[], $3::text[]) AS k(platform, external_order_id) \
CROSS JOIN LATERAL (SELECT * FROM sales WHERE sales.agency_id = $1 \
    AND sales.platform = k.platform AND sales.external_order_id = k.external_order_id \
    FOR UPDATE) AS s";

/// The known lines among (platform, external order id) pairs, locked for update.
pub async fn find_lines(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    keys: &[(Platform, String)],
) -> QueryResult<Vec<Sale>> {
    let (platforms, ids) = super::lookup::pair_arrays(keys.iter().map(|(p, id)| (*p, id.as_str())));
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    KeepPrepared(
        diesel::sql_query(FIND_LINES_SQL)
            .bind::<diesel::sql_types::Uuid, _>(agency_id)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(platforms)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(ids),
    )
    .load(conn)
    .await
}

pub async fn refunds_of(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    sale_id: Uuid,
) -> QueryResult<Vec<Refund>> {
    refunds::table
        .filter(refunds::agency_id.eq(agency_id))
        .filter(refunds::sale_id.eq(sale_id))
        .order(refunds::id.asc())
        .select(Refund::as_select())
        .load(conn)
        .await
}

/// One refund entry of a sale.
pub async fn find_refund(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    sale_id: Uuid,
    refund_id: Uuid,
) -> QueryResult<Refund> {
    refunds::table
        .filter(refunds::agency_id.eq(agency_id))
        .filter(refunds::sale_id.eq(sale_id))
        .filter(refunds::id.eq(refund_id))
        .select(Refund::as_select())
        .first(conn)
        .await
}

/// Adds a refund entry and moves the sale's refunded amount and status with it. The database
/// refuses refunds beyond the gross (`sales_refund_bounds`). Answers the line and the refund as
/// stored.
pub async fn apply_refund(
    conn: &mut AsyncPgConnection,
    sale: &Sale,
    refund: &Refund,
) -> QueryResult<(Sale, Refund)> {
    // Both kept prepared: diesel prepares an insert with optional columns, and every update,
    // anew each time.
    let stored: Refund = KeepPrepared(
        diesel::insert_into(refunds::table)
            .values(refund)
            .returning(Refund::as_returning()),
    )
    .get_result(conn)
    .await?;
    let refunded = sale.refunded_amount + refund.amount;
    let status = sale.status.after_refunds(refunded, sale.gross);
    KeepPrepared(
        diesel::update(sales::table.find((sale.agency_id, sale.id)))
            .set((
                sales::refunded_amount.eq(refunded),
                sales::status.eq(status),
                sales::version.eq(sales::version + 1),
            ))
            .returning(Sale::as_returning()),
    )
    .get_result(conn)
    .await
    .map(|sale| (sale, stored))
}

/// Sets a line's status (a platform's cancellation).
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    sale: &Sale,
    status: SaleStatus,
) -> QueryResult<Sale> {
    KeepPrepared(
        diesel::update(sales::table.find((sale.agency_id, sale.id)))
            .set((
                sales::status.eq(status),
                sales::version.eq(sales::version + 1),
            ))
            .returning(Sale::as_returning()),
    )
    .get_result(conn)
    .await
}

#[derive(Debug, Default, Clone)]
pub struct SaleFilter {
    pub influencer_id: Option<Uuid>,
    pub platform: Option<Platform>,
    pub external_order_id: Option<String>,
    pub import_batch_id: Option<Uuid>,
    pub live_session_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub status: Option<SaleStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A page of the ledger, newest first, after the page's cursor (sold_at, id).
pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    filter: &SaleFilter,
    page: &PageRequest<(DateTime<Utc>, Uuid)>,
) -> QueryResult<Vec<Sale>> {
    let mut query = sales::table
        .filter(sales::agency_id.eq(agency_id))
        .select(Sale::as_select())
        .order((sales::sold_at.desc(), sales::id.desc()))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(id) = filter.influencer_id {
        query = query.filter(sales::influencer_id.eq(id));
    }
    if let Some(platform) = filter.platform {
        query = query.filter(sales::platform.eq(platform));
    }
    // Each has its own index led by the agency (`sales_external_order_idx`,
    // `sales_import_batch_idx`, the latter in the list's order).
    if let Some(order) = &filter.external_order_id {
        query = query.filter(sales::external_order_id.eq(order.clone()));
    }
    if let Some(batch) = filter.import_batch_id {
        query = query.filter(sales::import_batch_id.eq(batch));
    }
    if let Some(id) = filter.live_session_id {
        query = query.filter(sales::live_session_id.eq(id));
    }
    if let Some(id) = filter.product_id {
        query = query.filter(sales::product_id.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(sales::status.eq(status));
    }
    if let Some(from) = filter.from {
        query = query.filter(sales::sold_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(sales::sold_at.lt(to));
    }
    if let Some((at, id)) = page.after {
        // One row comparison: PostgreSQL makes it a range of `sales_time_idx`, so a deep page
        // costs what the first does (`a < x OR (a = x AND b < y)` would only filter, reading
        // every newer line first).
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(sales.sold_at, sales.id) < (")
                .bind::<diesel::sql_types::Timestamptz, _>(at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(id)
                .sql(")"),
        );
    }
    // One text per combination of filters: kept prepared (the cursor is an SQL fragment).
    KeepPrepared(query).load(conn).await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_batches)]
pub struct ImportBatch {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub uploaded_by: Uuid,
    pub file_name: Option<String>,
    pub content_type: String,
    pub sha256: Vec<u8>,
    pub size_bytes: i64,
    pub on_error: String,
    pub outcome: String,
    pub rows_total: i32,
    pub inserted: i32,
    pub updated: i32,
    pub duplicates: i32,
    pub rejected: i32,
    pub errors: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// `standard`, a built-in format's name, or `mapping`.
    pub format: String,
    pub mapping_id: Option<Uuid>,
    pub conflicts: i32,
    pub not_ours: i32,
    pub not_paid: i32,
    pub needs_mapping: i32,
    /// `{"not_ours_hosts": [...], "needs_mapping": [...]}` (see `sales::dto::ImportSummary`).
    pub summary: serde_json::Value,
}
