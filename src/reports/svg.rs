//! Handler of `/v1/reports/gmv.svg`: the GMV report drawn as a line chart.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use rust_decimal::Decimal;

use super::chart::{self, ChartData};
use super::gmv::{self, Grouping};
use super::labels::Labels;
use super::params::{GmvParams, gmv_query};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::{AppError, FieldError};

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
    caller: Caller,
    params: web::Query<GmvParams>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (query, mut conn) = gmv_query(&caller, &params).await?;
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
    let mut gross_by_currency: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in &rows {
        *gross_by_currency
            .entry(row.currency.code().to_owned())
            .or_default() += row.gross;
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
    // Readable names for chart lines: stage names and SKUs instead of ids.
    let named = dimension.filter(|d| matches!(d, Grouping::Influencer | Grouping::Product));
    let labels = Labels::load(&mut conn, caller.agency_id, named.as_slice(), &rows).await?;
    let mut series: BTreeMap<String, BTreeMap<String, Decimal>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.currency.code() == currency) {
        let name = match dimension.and_then(|d| row.key(d)) {
            Some(key) => match named {
                Some(Grouping::Product) => labels.sku(key),
                Some(grouping) => labels.name(grouping, key),
                None => None,
            }
            .unwrap_or(key)
            .to_owned(),
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
