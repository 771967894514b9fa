//! Handlers of `/v1/reports/gmv` and `/v1/reports/settlements`: JSON by default, CSV with
//! `Accept: text/csv`. (The chart is in [`super::svg`].)

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::export;
use super::gmv::{self, Grouping};
use super::labels::Labels;
use super::params::{GmvParams, SettlementParams, gmv_query, settlement_query};
use super::rows::GmvLine;
use super::settlement::{self, SettlementRow};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::Platform;
use crate::error::AppError;

/// A GMV report: one row per group and currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct GmvReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tz: String,
    pub group_by: Vec<Grouping>,
    #[schema(value_type = Vec<GmvReportRow>)]
    pub rows: Vec<GmvLine>,
}

/// The schema of one [`GmvLine`], for the document only.
// The description is the document's, kept word for word (the snapshot test compares it).
#[derive(ToSchema)]
#[schema(
    description = "One GMV row: the group keys asked for in `group_by` (only those; `null` where a line has\nnone, e.g. a sale outside any session), each id with its labels (`stage_name` with\n`influencer_id`, `product_name` and `sku` with `product_id`, `session_title` with `session_id`;\nthe CSV has them in that order, next to the id), then the figures. Amounts are decimal strings\nin `currency`."
)]
#[allow(dead_code)]
pub struct GmvReportRow {
    #[schema(nullable = false)]
    platform: Option<Platform>,
    influencer_id: Option<Uuid>,
    product_id: Option<Uuid>,
    session_id: Option<Uuid>,
    /// A local day.
    day: Option<NaiveDate>,
    /// The Monday of a local week.
    week: Option<NaiveDate>,
    /// A local month, `YYYY-MM`.
    month: Option<String>,
    #[schema(minimum = 1, maximum = 5)]
    city_tier: Option<i16>,
    /// With `influencer`: the host's stage name.
    stage_name: Option<String>,
    /// With `product`: the product's name.
    product_name: Option<String>,
    /// With `product`: the product's SKU.
    sku: Option<String>,
    /// With `session`: the session's title (`null` where the line has no session).
    session_title: Option<String>,
    currency: String,
    orders: i64,
    units: i64,
    gross: String,
    refunded: String,
    /// `gross` − `refunded`.
    net: String,
}

// A month's settlement, one row per host and currency. (No doc comment: it would become the
// schema's description in the document.)
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementReport {
    pub month: String,
    pub tz: String,
    pub rows: Vec<SettlementRow>,
}

/// GMV over local dates `[from, to)`, grouped as asked, never adding different currencies.
/// Refunds count in the period of the sale they refund; cancelled lines count nothing.
/// `Accept: text/csv` answers CSV.
#[utoipa::path(
    get, path = "/v1/reports/gmv", tag = "reports", security(("bearer" = [])),
    params(GmvParams),
    responses(
        (status = 200, description = "Rows of figures per group and currency; with `Accept: text/csv`, the same rows as CSV (a header row of the keys and figures, formula-like cells escaped)", content(
            (GmvReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 422, description = "Bad range, grouping or time zone"),
    )
)]
pub async fn gmv_report(
    caller: Caller,
    req: HttpRequest,
    params: web::Query<GmvParams>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (query, mut conn) = gmv_query(&caller, &params).await?;
    let (rows, _) = gmv::run(&mut conn, caller.agency_id, &query).await?;
    let labels = Labels::load(&mut conn, caller.agency_id, &query.group_by, &rows).await?;
    let lines: Vec<GmvLine> = rows
        .iter()
        .map(|row| GmvLine::new(row, &query.group_by, &labels))
        .collect();
    if export::wants_csv(&req) {
        let records: Vec<Vec<String>> = lines.iter().map(GmvLine::csv_record).collect();
        return export::download(
            &format!("gmv-{}-{}.csv", query.from, query.to),
            &GmvLine::csv_header(&query.group_by),
            &records,
        );
    }
    Ok(HttpResponse::Ok().json(GmvReport {
        from: query.from,
        to: query.to,
        tz: query.tz.name().to_owned(),
        group_by: query.group_by,
        rows: lines,
    }))
}

/// The month's settlement per host and currency: net GMV, commission (each line at its
/// product's rate when recorded), agency and host shares by the contract valid on each sale's
/// date, rounded half to even once per row. `Accept: text/csv` answers CSV.
#[utoipa::path(
    get, path = "/v1/reports/settlements", tag = "reports", security(("bearer" = [])),
    params(SettlementParams),
    responses(
        (status = 200, description = "One row per host and currency; with `Accept: text/csv`, the same rows as CSV", content(
            (SettlementReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 422, description = "Bad month or time zone"),
    )
)]
pub async fn settlement_report(
    caller: Caller,
    req: HttpRequest,
    params: web::Query<SettlementParams>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (query, mut conn) = settlement_query(&caller, &params).await?;
    let rows = settlement::run(
        &mut conn,
        caller.agency_id,
        query.first,
        query.tz,
        query.agency_zone,
    )
    .await?;
    let month = query.first.format("%Y-%m").to_string();
    if export::wants_csv(&req) {
        let records: Vec<Vec<String>> = rows.iter().map(SettlementRow::csv_record).collect();
        return export::download(
            &format!("settlements-{month}.csv"),
            &SettlementRow::CSV_HEADER,
            &records,
        );
    }
    Ok(HttpResponse::Ok().json(SettlementReport {
        month,
        tz: query.tz.name().to_owned(),
        rows,
    }))
}
