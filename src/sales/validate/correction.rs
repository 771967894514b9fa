//! The fields of `PATCH /v1/sales/{id}` (a correction of one recorded line), checked by the same
//! field checks as a new line. The platform and its order id identify the line and never
//! change; the currency stays the line's (its refunds are in it); status and refunds move by
//! `.../cancel` and `.../refunds`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use super::ProductRef;
use super::fields::{self, Row, present};
use crate::domain::currency::Currency;
use crate::domain::money::parse_amount;
use crate::domain::{Collect, check_text};
use crate::error::FieldError;

/// The fields a correction may name.
pub const CORRECTION_FIELDS: &[&str] = &[
    "sold_at",
    "influencer_id",
    "live_session_id",
    "product_id",
    "sku",
    "quantity",
    "unit_price",
    "reason",
];

/// A checked correction: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Correction {
    pub sold_at: Option<DateTime<Utc>>,
    pub influencer_id: Option<Uuid>,
    /// `Some(None)`: the line belongs to no session any more.
    pub live_session_id: Option<Option<Uuid>>,
    pub product: Option<ProductRef>,
    pub quantity: Option<i32>,
    /// In the line's currency.
    pub unit_price: Option<Decimal>,
    /// Why, for the audit trail.
    pub reason: Option<String>,
}

/// Checks a correction of a line in `currency`; times without an offset are read in
/// `time_zone`.
pub fn check_correction(
    row: &Row,
    currency: Currency,
    time_zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<Correction, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (key, value) in row {
        if !CORRECTION_FIELDS.contains(&key.as_str()) {
            let key = crate::domain::printable(key);
            errors.push(FieldError::new(
                key.clone(),
                "not_correctable",
                format!("`{key}` is not corrected here (platform and order id never change; the currency stays the line's; cancel or refund instead of a status)"),
            ));
        } else if matches!(value, Value::String(s) if s.contains('\0')) {
            errors.push(crate::domain::nul_error(key));
        }
    }
    let named = |field: &str| row.contains_key(field);
    let mut correction = Correction::default();
    if named("sold_at") {
        correction.sold_at = errors.check(fields::sold_at(row, time_zone, now));
    }
    if named("influencer_id") {
        correction.influencer_id = match errors.check(fields::uuid(row, "influencer_id")) {
            Some(None) => {
                errors.push(fields::missing("influencer_id"));
                None
            }
            found => found.flatten(),
        };
    }
    if named("live_session_id") {
        correction.live_session_id = errors.check(fields::uuid(row, "live_session_id"));
    }
    if named("product_id") || named("sku") {
        correction.product = errors.check(fields::reference(
            row,
            ("product_id", "sku"),
            "name the product by product_id or sku",
            ProductRef::Id,
            ProductRef::Sku,
        ));
    }
    if named("quantity") {
        correction.quantity = errors.check(fields::quantity(row));
    }
    if named("unit_price") {
        correction.unit_price = match present(row, "unit_price") {
            Some(value) => errors.check(parse_amount("unit_price", &value, currency)),
            None => {
                errors.push(fields::missing("unit_price"));
                None
            }
        };
    }
    if named("reason") {
        correction.reason = match row.get("reason") {
            Some(Value::String(reason)) => errors.check(check_text("reason", reason, 1, 1000)),
            Some(Value::Null) => None,
            Some(_) => {
                errors.push(FieldError::new("reason", "invalid_type", "a string"));
                None
            }
            None => None,
        };
    }
    if errors.is_empty() {
        Ok(correction)
    } else {
        Err(errors)
    }
}
