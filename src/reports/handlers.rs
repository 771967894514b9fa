//! Handlers of `/v1/reports/*`: JSON by default, CSV with `Accept: text/csv`, and a chart.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::chart::{self, ChartData};
use super::export;
use super::gmv::{self, GmvQuery, GmvRow, Grouping};
use super::settlement::{self, SettlementRow};
use crate::agencies::model as agencies;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::Platform;
use crate::domain::money::format_amount;
use crate::error::{AppError, FieldError};
use crate::schema::{influencers, products};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GmvParams {
    /// First local day (YYYY-MM-DD).
    #[param(required = true, value_type = String, format = Date)]
    pub from: Option<String>,
    /// Day after the last (exclusive).
    #[param(required = true, value_type = String, format = Date)]
    pub to: Option<String>,
    /// Comma list of platform, influencer, product, session, day, week, month, city_tier.
    pub group_by: Option<String>,
    /// IANA time zone of the days, weeks and months (default: the agency's).
    pub tz: Option<String>,
    pub influencer_id: Option<Uuid>,
    pub platform: Option<Platform>,
    /// Only lines in this currency (ISO 4217). For the chart: the currency to draw (default:
    /// the one with the most gross).
    #[param(pattern = r"^[A-Z]{3}$")]
    pub currency: Option<String>,
}

/// A GMV report: one row per group and currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct GmvReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tz: String,
    pub group_by: Vec<Grouping>,
    #[schema(value_type = Vec<GmvReportRow>)]
    pub rows: Vec<Map<String, Value>>,
}

/// One GMV row: the group keys asked for in `group_by` (only those; `null` where a line has
/// none, e.g. a sale outside any session), then the figures. Amounts are decimal strings in
/// `currency`. (The shape of the rows [`row_json`] writes.)
#[derive(ToSchema)]
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
    currency: String,
    orders: i64,
    units: i64,
    gross: String,
    refunded: String,
    /// `gross` − `refunded`.
    net: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SettlementParams {
    /// YYYY-MM, in the agency's time zone.
    #[param(required = true, value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}$")]
    pub month: Option<String>,
    /// IANA time zone of the month (default: the agency's).
    pub tz: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementReport {
    pub month: String,
    pub tz: String,
    pub rows: Vec<SettlementRow>,
}

fn parse_date(field: &str, value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match value.map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new(
                field,
                "required",
                format!("{field} is required (YYYY-MM-DD)"),
            ));
            None
        }
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| {
                errors.push(FieldError::new(
                    field,
                    "invalid_date",
                    "a date as YYYY-MM-DD",
                ))
            })
            .ok(),
    }
}

/// The report's time zone (`tz`, or the agency's) and whether it is the agency's own.
async fn time_zone(
    conn: &mut diesel_async::AsyncPgConnection,
    agency_id: Uuid,
    raw: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<(chrono_tz::Tz, bool), AppError> {
    let agency_zone = agencies::defaults(conn, agency_id).await?.time_zone;
    let tz = match raw.map(str::trim).filter(|t| !t.is_empty()) {
        None => agency_zone,
        Some(name) => name.parse::<chrono_tz::Tz>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "tz",
                "invalid_time_zone",
                "not an IANA time zone name",
            ));
            chrono_tz::UTC
        }),
    };
    Ok((tz, tz == agency_zone))
}

async fn gmv_query(
    state: &AppState,
    caller: &Caller,
    params: &GmvParams,
) -> Result<(GmvQuery, crate::db::DbConn), AppError> {
    let mut errors = Vec::new();
    let from = parse_date("from", params.from.as_deref(), &mut errors);
    let to = parse_date("to", params.to.as_deref(), &mut errors);
    if let (Some(from), Some(to)) = (from, to)
        && let Err(error) = gmv::check_range(from, to)
    {
        errors.push(error);
    }
    let group_by = gmv::parse_group_by(params.group_by.as_deref())
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let mut conn = caller.conn(state).await?;
    let (tz, agency_zone) = time_zone(
        &mut conn,
        caller.agency_id,
        params.tz.as_deref(),
        &mut errors,
    )
    .await?;
    let currency = params
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .and_then(|code| {
            crate::domain::money::parse_currency("currency", code)
                .map_err(|e| errors.push(e))
                .ok()
        })
        .map(|currency| currency.code().to_owned());
    match (from, to, errors.is_empty()) {
        (Some(from), Some(to), true) => Ok((
            GmvQuery {
                from,
                to,
                group_by,
                tz,
                influencer_id: params.influencer_id,
                platform: params.platform,
                currency,
                agency_zone,
            },
            conn,
        )),
        _ => Err(AppError::validation(errors)),
    }
}

fn row_json(row: &GmvRow, group_by: &[Grouping]) -> Map<String, Value> {
    let mut map = Map::new();
    for grouping in group_by {
        let value = match (grouping, row.key(*grouping)) {
            (Grouping::CityTier, Some(tier)) => {
                tier.parse::<i64>().map_or(Value::Null, Value::from)
            }
            (_, Some(key)) => Value::String(key.to_owned()),
            (_, None) => Value::Null,
        };
        map.insert(grouping.key().to_owned(), value);
    }
    map.insert("currency".into(), Value::String(row.currency.clone()));
    map.insert("orders".into(), Value::from(row.orders));
    map.insert("units".into(), Value::from(row.units));
    map.insert(
        "gross".into(),
        Value::String(format_amount(row.gross, &row.currency)),
    );
    map.insert(
        "refunded".into(),
        Value::String(format_amount(row.refunded, &row.currency)),
    );
    map.insert(
        "net".into(),
        Value::String(format_amount(row.gross - row.refunded, &row.currency)),
    );
    map
}

fn csv_response(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
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
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    params: web::Query<GmvParams>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (query, mut conn) = gmv_query(&state, &caller, &params).await?;
    let (rows, _) = gmv::run(&mut conn, caller.agency_id, &query).await?;
    let rows: Vec<Map<String, Value>> = rows
        .iter()
        .map(|row| row_json(row, &query.group_by))
        .collect();
    if export::wants_csv(&req) {
        let mut header: Vec<&str> = query.group_by.iter().map(|g| g.key()).collect();
        header.extend(["currency", "orders", "units", "gross", "refunded", "net"]);
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                header
                    .iter()
                    .map(|key| match row.get(*key) {
                        Some(Value::String(text)) => text.clone(),
                        Some(Value::Null) | None => String::new(),
                        Some(other) => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        let body = export::render(&header, &cells)?;
        return Ok(csv_response(
            &format!("gmv-{}-{}.csv", query.from, query.to),
            body,
        ));
    }
    Ok(HttpResponse::Ok().json(GmvReport {
        from: query.from,
        to: query.to,
        tz: query.tz.name().to_owned(),
        group_by: query.group_by,
        rows,
    }))
}

/// The GMV report as an SVG line chart: `group_by` is one period (`day`, `week` or `month`)
/// and at most one other dimension; one line per value of that dimension, net GMV of one
/// currency (`currency`, default the one with the most gross).
#[utoipa::path(
    get, path = "/v1/reports/gmv.svg", tag = "reports", security(("bearer" = [])),
    params(GmvParams),
    responses(
        (status = 200, description = "An SVG chart", content_type = "image/svg+xml", body = String),
        (status = 422, description = "Bad parameters, or not one period and at most one dimension"),
    )
)]
pub async fn gmv_chart(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<GmvParams>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (query, mut conn) = gmv_query(&state, &caller, &params).await?;
    let periods: Vec<Grouping> = query
        .group_by
        .iter()
        .copied()
        .filter(|g| g.is_period())
        .collect();
    let dimensions: Vec<Grouping> = query
        .group_by
        .iter()
        .copied()
        .filter(|g| !g.is_period())
        .collect();
    let (Some(period), true, true) = (
        <[Grouping]>::first(&periods).copied(),
        periods.len() == 1,
        dimensions.len() <= 1,
    ) else {
        return Err(AppError::validation(vec![FieldError::new(
            "group_by",
            "invalid_chart",
            "a chart takes one of day, week or month and at most one other grouping",
        )]));
    };
    let (rows, _) = gmv::run(&mut conn, caller.agency_id, &query).await?;
    let mut gross_by_currency: BTreeMap<String, rust_decimal::Decimal> = BTreeMap::new();
    for row in &rows {
        *gross_by_currency.entry(row.currency.clone()).or_default() += row.gross;
    }
    let currency = query
        .currency
        .clone()
        .or_else(|| {
            gross_by_currency
                .iter()
                .max_by_key(|(_, g)| **g)
                .map(|(c, _)| c.clone())
        })
        .unwrap_or_else(|| "CNY".to_owned());
    let dimension = <[Grouping]>::first(&dimensions).copied();
    let labels = series_labels(&mut conn, caller.agency_id, dimension, &rows).await?;
    let mut series: BTreeMap<String, BTreeMap<String, rust_decimal::Decimal>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.currency == currency) {
        let name = match dimension.and_then(|d| row.key(d)) {
            Some(key) => labels.get(key).cloned().unwrap_or_else(|| key.to_owned()),
            None if dimension.is_some() => "(none)".to_owned(),
            None => "all".to_owned(),
        };
        let at = row.key(period).unwrap_or_default().to_owned();
        *series.entry(name).or_default().entry(at).or_default() += row.gross - row.refunded;
    }
    let by = dimension
        .map(|d| format!(" by {}", d.as_str().replace('_', " ")))
        .unwrap_or_default();
    let svg = chart::render(&ChartData {
        title: format!(
            "Net GMV{by} per {period}, {} to {} ({currency})",
            query.from, query.to
        ),
        y_label: format!("net GMV ({currency})"),
        series,
    });
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

/// Readable names for chart lines: stage names and SKUs instead of ids.
async fn series_labels(
    conn: &mut diesel_async::AsyncPgConnection,
    agency_id: Uuid,
    dimension: Option<Grouping>,
    rows: &[GmvRow],
) -> Result<HashMap<String, String>, AppError> {
    let ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| dimension.and_then(|d| r.key(d)))
        .filter_map(|k| k.parse().ok())
        .collect();
    let pairs: Vec<(Uuid, String)> = match dimension {
        Some(Grouping::Influencer) => {
            influencers::table
                .filter(influencers::agency_id.eq(agency_id))
                .filter(influencers::id.eq_any(&ids))
                .select((influencers::id, influencers::stage_name))
                .load(conn)
                .await?
        }
        Some(Grouping::Product) => {
            products::table
                .filter(products::agency_id.eq(agency_id))
                .filter(products::id.eq_any(&ids))
                .select((products::id, products::sku))
                .load(conn)
                .await?
        }
        _ => Vec::new(),
    };
    Ok(pairs
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect())
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
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    params: web::Query<SettlementParams>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut errors = Vec::new();
    let first = match params.month.as_deref() {
        Some(month) => gmv::parse_month(month).map_err(|e| errors.push(e)).ok(),
        None => {
            errors.push(FieldError::new(
                "month",
                "required",
                "month is required (YYYY-MM)",
            ));
            None
        }
    };
    let mut conn = caller.conn(&state).await?;
    let (tz, agency_zone) = time_zone(
        &mut conn,
        caller.agency_id,
        params.tz.as_deref(),
        &mut errors,
    )
    .await?;
    let (Some(first), true) = (first, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let rows = settlement::run(&mut conn, caller.agency_id, first, tz, agency_zone).await?;
    let month = first.format("%Y-%m").to_string();
    if export::wants_csv(&req) {
        let header = [
            "influencer_id",
            "stage_name",
            "currency",
            "net_gmv",
            "commission",
            "agency_share",
            "host_share",
            "contract_missing",
        ];
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.influencer_id.to_string(),
                    r.stage_name.clone(),
                    r.currency.clone(),
                    r.net_gmv.clone(),
                    r.commission.clone(),
                    r.agency_share.clone().unwrap_or_default(),
                    r.host_share.clone().unwrap_or_default(),
                    r.contract_missing.to_string(),
                ]
            })
            .collect();
        return Ok(csv_response(
            &format!("settlements-{month}.csv"),
            export::render(&header, &cells)?,
        ));
    }
    Ok(HttpResponse::Ok().json(SettlementReport {
        month,
        tz: tz.name().to_owned(),
        rows,
    }))
}
