//! Writing a generation: the statements, their lines, the adjustments they settle and the
//! balances they carry, each in one statement over arrays (`unnest`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{
    Array, BigInt, Bool, Date, Int4, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::currency::Currency;
use crate::domain::enums::IncomeType;
use crate::error::AppError;

/// The month generated.
pub struct Period<'a> {
    pub first: NaiveDate,
    pub zone: &'a str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub currency: Currency,
}

/// Statement columns, one array per column (inserted with `unnest`).
#[derive(Default)]
pub struct Columns {
    pub id: Vec<Uuid>,
    pub influencer_id: Vec<Uuid>,
    pub income_type: Vec<IncomeType>,
    pub legal_entity_id: Vec<Option<Uuid>>,
    pub net_gmv: Vec<Decimal>,
    pub commission: Vec<Decimal>,
    pub agency_share: Vec<Decimal>,
    pub host_share: Vec<Decimal>,
    pub adjustments_total: Vec<Decimal>,
    pub carried_forward: Vec<Decimal>,
    pub payable: Vec<Decimal>,
    pub contract_missing: Vec<bool>,
    pub other_currency_lines: Vec<i64>,
}

#[derive(Default)]
pub struct LineColumns {
    pub statement_id: Vec<Uuid>,
    pub line_no: Vec<i32>,
    pub platform: Vec<String>,
    pub product_id: Vec<Uuid>,
    pub share: Vec<Option<Decimal>>,
    pub orders: Vec<i64>,
    pub units: Vec<i64>,
    pub gross: Vec<Decimal>,
    pub refunded: Vec<Decimal>,
    pub net: Vec<Decimal>,
    pub commission: Vec<Decimal>,
    pub host_share: Vec<Option<Decimal>>,
}

/// Adjustments attached to the drafts, with their figures.
#[derive(Default)]
pub struct Attachments {
    pub id: Vec<i64>,
    pub statement_id: Vec<Uuid>,
    pub commission: Vec<Decimal>,
    pub host_share: Vec<Option<Decimal>>,
}

/// Negative balances brought into the drafts.
#[derive(Default)]
pub struct Carried {
    pub from: Vec<Uuid>,
    pub statement_id: Vec<Uuid>,
    pub amount: Vec<Decimal>,
}

/// Inserts the drafts, or remakes the existing ones in place (same id, next version).
pub async fn statements(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    user_id: Uuid,
    period: &Period<'_>,
    columns: &Columns,
) -> Result<(), AppError> {
    if columns.id.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
            "INSERT INTO statements AS t (agency_id, id, influencer_id, month, time_zone, period_start, period_end, \
                 currency, income_type, legal_entity_id, state, net_gmv, commission, agency_share, host_share, \
                 adjustments_total, carried_forward, payable, contract_missing, other_currency_lines, stale, \
                 generated_by, generated_at) \
             SELECT $1, u.id, u.influencer_id, $2, $3, $4, $5, $6, u.income_type, u.legal_entity_id, 'draft', \
                    u.net_gmv, u.commission, u.agency_share, u.host_share, u.adjustments_total, \
                    u.carried_forward, u.payable, u.contract_missing, u.other_currency_lines, false, $7, $8 \
             FROM unnest($9::uuid[], $10::uuid[], $11::text[], $12::uuid[], $13::numeric[], $14::numeric[], \
                         $15::numeric[], $16::numeric[], $17::numeric[], $18::numeric[], $19::numeric[], \
                         $20::boolean[], $21::bigint[]) \
                  AS u(id, influencer_id, income_type, legal_entity_id, net_gmv, commission, agency_share, \
                       host_share, adjustments_total, carried_forward, payable, contract_missing, other_currency_lines) \
             ON CONFLICT (agency_id, id) DO UPDATE SET \
                 time_zone = EXCLUDED.time_zone, period_start = EXCLUDED.period_start, \
                 period_end = EXCLUDED.period_end, currency = EXCLUDED.currency, \
                 income_type = EXCLUDED.income_type, legal_entity_id = EXCLUDED.legal_entity_id, \
                 net_gmv = EXCLUDED.net_gmv, commission = EXCLUDED.commission, \
                 agency_share = EXCLUDED.agency_share, host_share = EXCLUDED.host_share, \
                 adjustments_total = EXCLUDED.adjustments_total, carried_forward = EXCLUDED.carried_forward, \
                 payable = EXCLUDED.payable, contract_missing = EXCLUDED.contract_missing, \
                 other_currency_lines = EXCLUDED.other_currency_lines, stale = false, \
                 generated_by = EXCLUDED.generated_by, generated_at = EXCLUDED.generated_at, \
                 version = t.version + 1 \
             WHERE t.state = 'draft'",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Date, _>(period.first)
        .bind::<Text, _>(period.zone)
        .bind::<Timestamptz, _>(period.start)
        .bind::<Timestamptz, _>(period.end)
        .bind::<Text, _>(period.currency.code())
        .bind::<SqlUuid, _>(user_id)
        .bind::<Timestamptz, _>(Utc::now())
        .bind::<Array<SqlUuid>, _>(&columns.id)
        .bind::<Array<SqlUuid>, _>(&columns.influencer_id)
        .bind::<Array<Text>, _>(&columns.income_type)
        .bind::<Array<Nullable<SqlUuid>>, _>(&columns.legal_entity_id)
        .bind::<Array<Numeric>, _>(&columns.net_gmv)
        .bind::<Array<Numeric>, _>(&columns.commission)
        .bind::<Array<Numeric>, _>(&columns.agency_share)
        .bind::<Array<Numeric>, _>(&columns.host_share)
        .bind::<Array<Numeric>, _>(&columns.adjustments_total)
        .bind::<Array<Numeric>, _>(&columns.carried_forward)
        .bind::<Array<Numeric>, _>(&columns.payable)
        .bind::<Array<Bool>, _>(&columns.contract_missing)
        .bind::<Array<BigInt>, _>(&columns.other_currency_lines)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn lines(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    lines: &LineColumns,
) -> Result<(), AppError> {
    if lines.statement_id.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
            "INSERT INTO statement_lines (agency_id, statement_id, line_no, platform, product_id, \
                 agency_share_percent, orders, units, gross, refunded, net, commission, host_share) \
             SELECT $1, u.* FROM unnest($2::uuid[], $3::int4[], $4::text[], $5::uuid[], $6::numeric[], \
                 $7::bigint[], $8::bigint[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], \
                 $13::numeric[]) AS u",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(&lines.statement_id)
        .bind::<Array<Int4>, _>(&lines.line_no)
        .bind::<Array<Text>, _>(&lines.platform)
        .bind::<Array<SqlUuid>, _>(&lines.product_id)
        .bind::<Array<Nullable<Numeric>>, _>(&lines.share)
        .bind::<Array<BigInt>, _>(&lines.orders)
        .bind::<Array<BigInt>, _>(&lines.units)
        .bind::<Array<Numeric>, _>(&lines.gross)
        .bind::<Array<Numeric>, _>(&lines.refunded)
        .bind::<Array<Numeric>, _>(&lines.net)
        .bind::<Array<Numeric>, _>(&lines.commission)
        .bind::<Array<Nullable<Numeric>>, _>(&lines.host_share)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn attach(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    attach: &Attachments,
) -> Result<(), AppError> {
    if attach.id.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
            "UPDATE statement_adjustments a SET statement_id = u.statement_id, commission = u.commission, \
                 host_share = u.host_share \
             FROM unnest($2::bigint[], $3::uuid[], $4::numeric[], $5::numeric[]) \
                  AS u(id, statement_id, commission, host_share) \
             WHERE a.agency_id = $1 AND a.id = u.id",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<BigInt>, _>(&attach.id)
        .bind::<Array<SqlUuid>, _>(&attach.statement_id)
        .bind::<Array<Numeric>, _>(&attach.commission)
        .bind::<Array<Nullable<Numeric>>, _>(&attach.host_share)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn carries(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    carried: &Carried,
) -> Result<(), AppError> {
    if carried.from.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO statement_carries (agency_id, from_statement_id, statement_id, amount) \
             SELECT $1, u.* FROM unnest($2::uuid[], $3::uuid[], $4::numeric[]) AS u",
    )
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Array<SqlUuid>, _>(&carried.from)
    .bind::<Array<SqlUuid>, _>(&carried.statement_id)
    .bind::<Array<Numeric>, _>(&carried.amount)
    .execute(conn)
    .await?;
    Ok(())
}
