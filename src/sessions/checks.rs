//! The field and lineup checks the session handlers share, and the refusals they answer.

use chrono::{DateTime, Duration, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::{LineupItemRequest, Venue};
use super::model::LineupRow;
use crate::compliance::rules::Violation;
use crate::domain::enums::SessionState;
use crate::domain::money::parse_amount;
use crate::domain::{Collect, check_text};
use crate::error::{AppError, FieldError, conflict_on};
use crate::influencers::dto::is_language_tag;
use crate::products::model::{self as products, Product};

/// The most products a lineup holds.
pub const MAX_LINEUP: usize = 200;

/// 422 `compliance_violation` listing every violation.
pub fn compliance_refusal(detail: &str, violations: Vec<Violation>) -> AppError {
    let mut extensions = serde_json::Map::new();
    extensions.insert("violations".to_owned(), serde_json::json!(violations));
    AppError::Unprocessable {
        code: "compliance_violation",
        detail: detail.to_owned(),
        errors: Vec::new(),
        extensions,
    }
}

/// 409 `invalid_transition`: a session in `state` cannot do `action`.
pub fn invalid_transition(state: SessionState, action: &str) -> AppError {
    AppError::Conflict {
        code: "invalid_transition",
        detail: format!("A {state} session cannot {action}."),
    }
}

/// A write of a session's times: an overlap with another session of the host is 409
/// `session_overlap`.
pub fn map_session_error(error: DieselError) -> AppError {
    conflict_on(
        error,
        DatabaseErrorKind::ExclusionViolation,
        "session_overlap",
        "The host already has a session at that time.",
    )
}

/// Checks that a session ends after it starts, within 24 hours.
pub fn check_times(start: DateTime<Utc>, end: DateTime<Utc>, errors: &mut Vec<FieldError>) {
    if end <= start {
        errors.push(FieldError::new(
            "scheduled_end",
            "invalid_range",
            "the end must be after the start",
        ));
    } else if end - start > Duration::hours(24) {
        errors.push(FieldError::new(
            "scheduled_end",
            "too_long",
            "a session lasts at most 24 hours",
        ));
    }
}

/// Checks a session's language (a BCP 47 tag); answers it trimmed.
pub fn check_language(language: &str, errors: &mut Vec<FieldError>) -> String {
    let language = language.trim().to_owned();
    if !is_language_tag(&language) {
        errors.push(FieldError::new(
            "language",
            "invalid_language",
            "a BCP 47 tag such as zh-CN",
        ));
    }
    language
}

/// Checks a venue's city and tier; answers it with the city trimmed.
pub fn check_venue(venue: &Venue, errors: &mut Vec<FieldError>) -> Option<Venue> {
    let city = errors.check(check_text("venue.city", &venue.city, 1, 100));
    if !(1..=5).contains(&venue.city_tier) {
        errors.push(FieldError::new(
            "venue.city_tier",
            "out_of_range",
            "a city tier is 1 to 5",
        ));
    }
    city.map(|city| Venue {
        city,
        ..venue.clone()
    })
}

/// A lineup's (product, planned price) pairs, in order.
pub type PlannedLineup = Vec<(Uuid, Option<Decimal>)>;

/// A checked lineup: its planned pairs, and the products it names as read.
pub type CheckedLineup = (PlannedLineup, Vec<Product>);

/// Checks a lineup's products (of the agency, each once, not archived unless `kept`: already
/// in the session's lineup) and prices (in the product's currency).
pub async fn check_lineup(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    field: &str,
    items: &[LineupItemRequest],
    kept: &[Uuid],
    errors: &mut Vec<FieldError>,
) -> Result<CheckedLineup, AppError> {
    if items.len() > MAX_LINEUP {
        errors.push(FieldError::new(
            field,
            "too_many",
            format!("at most {MAX_LINEUP} products"),
        ));
        return Ok((Vec::new(), Vec::new()));
    }
    let ids: Vec<Uuid> = items.iter().map(|i| i.product_id).collect();
    let catalogue = products::find_many(conn, agency_id, &ids).await?;
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(product) = catalogue.iter().find(|p| p.id == item.product_id) else {
            errors.push(FieldError::new(
                format!("{field}[{index}].product_id"),
                "not_found",
                "no such product in this agency",
            ));
            continue;
        };
        if product.archived_at.is_some() && !kept.contains(&product.id) {
            errors.push(FieldError::new(
                format!("{field}[{index}].product_id"),
                "product_archived",
                "the product is archived: no new lineup features it",
            ));
            continue;
        }
        if !seen.insert(item.product_id) {
            errors.push(FieldError::new(
                format!("{field}[{index}].product_id"),
                "duplicate",
                "a product appears once in a lineup",
            ));
            continue;
        }
        let currency = product.currency;
        let price = match &item.planned_price {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => errors.check(parse_amount(
                &format!("{field}[{index}].planned_price"),
                value,
                currency,
            )),
        };
        rows.push((item.product_id, price));
    }
    Ok((rows, catalogue))
}

/// The rows to store for a checked lineup of `session_id`, positions in order.
pub fn lineup_rows(
    agency_id: Uuid,
    session_id: Uuid,
    items: &[(Uuid, Option<Decimal>)],
) -> Vec<LineupRow> {
    items
        .iter()
        .enumerate()
        .map(|(position, (product_id, planned_price))| LineupRow {
            agency_id,
            session_id,
            position: i16::try_from(position).unwrap_or(i16::MAX),
            product_id: *product_id,
            planned_price: *planned_price,
        })
        .collect()
}
