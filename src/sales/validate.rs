//! One order line as sent (a JSON object, or a CSV row turned into one) checked into a
//! [`SaleInput`], or the list of what is wrong with it. Shared by `POST /v1/sales` and imports.

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::model::SaleStatus;
use crate::domain::currency::Currency;
use crate::domain::enums::Platform;
use crate::domain::money::{parse_amount, parse_currency};
use crate::error::FieldError;

/// The fields a line may have.
pub const FIELDS: &[&str] = &[
    "platform",
    "external_order_id",
    "sold_at",
    "influencer_id",
    "platform_user_id",
    "live_session_id",
    "product_id",
    "sku",
    "quantity",
    "unit_price",
    "currency",
    "status",
    "refunded_amount",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostRef {
    Id(Uuid),
    /// The host owning this account on the line's platform.
    PlatformUser(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductRef {
    Id(Uuid),
    Sku(String),
}

/// A checked line whose host, product and session are still to be looked up.
#[derive(Debug, Clone)]
pub struct SaleInput {
    pub platform: Platform,
    pub external_order_id: String,
    pub sold_at: DateTime<Utc>,
    pub host: HostRef,
    pub live_session_id: Option<Uuid>,
    pub product: ProductRef,
    pub quantity: i32,
    pub unit_price: Decimal,
    pub currency: Currency,
    pub status: SaleStatus,
    pub refunded_amount: Decimal,
}

impl SaleInput {
    pub fn gross(&self) -> Decimal {
        Decimal::from(self.quantity) * self.unit_price
    }
}

/// A field's text: strings trimmed, empty strings and nulls absent.
fn text(row: &Map<String, Value>, field: &str) -> Option<String> {
    match row.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn present(row: &Map<String, Value>, field: &str) -> Option<Value> {
    match row.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(value) => Some(value.clone()),
    }
}

/// Parses RFC 3339, or `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DDTHH:MM:SS` in `time_zone`.
pub fn parse_time(value: &str, time_zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(at.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .and_then(|naive| time_zone.from_local_datetime(&naive).earliest())
        .map(|at| at.with_timezone(&Utc))
}

/// Checks one line. `default_currency` applies when the line names none; times without an
/// offset are read in `time_zone`.
pub fn check_line(
    row: &Map<String, Value>,
    default_currency: Currency,
    time_zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<SaleInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (key, value) in row {
        if !FIELDS.contains(&key.as_str()) {
            let key = crate::domain::printable(key);
            errors.push(FieldError::new(
                key.clone(),
                "unknown_field",
                format!("unknown field `{key}`"),
            ));
        } else if matches!(value, Value::String(s) if s.contains('\0')) {
            errors.push(crate::domain::nul_error(key));
        }
    }
    let required = |field: &str, errors: &mut Vec<FieldError>| {
        let value = text(row, field);
        if value.is_none() {
            errors.push(FieldError::new(
                field,
                "required",
                format!("{field} is required"),
            ));
        }
        value
    };

    let platform = required("platform", &mut errors).and_then(|p| {
        p.parse::<Platform>()
            .map_err(|message| {
                errors.push(FieldError::new("platform", "invalid_platform", message))
            })
            .ok()
    });
    let external_order_id = required("external_order_id", &mut errors).filter(|id| {
        let ok = id.chars().count() <= 128 && !id.chars().any(char::is_control);
        if !ok {
            errors.push(FieldError::new(
                "external_order_id",
                "invalid_length",
                "1 to 128 characters",
            ));
        }
        ok
    });
    let sold_at =
        required("sold_at", &mut errors).and_then(|value| match parse_time(&value, time_zone) {
            Some(at) if at <= now + chrono::Duration::hours(1) => Some(at),
            Some(_) => {
                errors.push(FieldError::new(
                    "sold_at",
                    "in_future",
                    "lies in the future",
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "sold_at",
                    "invalid_time",
                    "an RFC 3339 time, e.g. 2026-11-20T21:30:00+08:00",
                ));
                None
            }
        });
    let uuid_field = |field: &str, errors: &mut Vec<FieldError>| -> Option<Uuid> {
        text(row, field).and_then(|v| {
            Uuid::parse_str(&v)
                .map_err(|_| {
                    errors.push(FieldError::new(
                        field,
                        "invalid_uuid",
                        format!("{field} is not a UUID"),
                    ))
                })
                .ok()
        })
    };
    let host = match (
        uuid_field("influencer_id", &mut errors),
        text(row, "platform_user_id"),
    ) {
        (Some(id), _) => Some(HostRef::Id(id)),
        (None, Some(user)) => Some(HostRef::PlatformUser(user)),
        (None, None) => {
            if !errors.iter().any(|e| e.field == "influencer_id") {
                errors.push(FieldError::new(
                    "influencer_id",
                    "required",
                    "name the host by influencer_id or platform_user_id",
                ));
            }
            None
        }
    };
    let live_session_id = uuid_field("live_session_id", &mut errors);
    let product = match (uuid_field("product_id", &mut errors), text(row, "sku")) {
        (Some(id), _) => Some(ProductRef::Id(id)),
        (None, Some(sku)) => Some(ProductRef::Sku(sku)),
        (None, None) => {
            if !errors.iter().any(|e| e.field == "product_id") {
                errors.push(FieldError::new(
                    "product_id",
                    "required",
                    "name the product by product_id or sku",
                ));
            }
            None
        }
    };
    let quantity = match row.get("quantity") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "quantity",
                "required",
                "quantity is required",
            ));
            None
        }
        Some(value) => {
            let whole = match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) if !s.trim().is_empty() => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            match whole {
                Some(q) if (1..=100_000).contains(&q) => i32::try_from(q).ok(),
                Some(_) => {
                    errors.push(FieldError::new(
                        "quantity",
                        "out_of_range",
                        "quantity is 1 to 100000",
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new(
                        "quantity",
                        "invalid_integer",
                        "quantity is a whole number",
                    ));
                    None
                }
            }
        }
    };
    let currency = match text(row, "currency") {
        Some(code) => parse_currency("currency", &code)
            .map_err(|e| errors.push(e))
            .ok(),
        None => Some(default_currency),
    };
    let unit_price = match (present(row, "unit_price"), currency) {
        (Some(value), Some(currency)) => parse_amount("unit_price", &value, currency)
            .map_err(|e| errors.push(e))
            .ok(),
        (None, _) => {
            errors.push(FieldError::new(
                "unit_price",
                "required",
                "unit_price is required",
            ));
            None
        }
        _ => None,
    };
    let status = text(row, "status").and_then(|s| {
        s.parse::<SaleStatus>()
            .map_err(|message| errors.push(FieldError::new("status", "invalid_status", message)))
            .ok()
    });
    let refunded = match (present(row, "refunded_amount"), currency) {
        (Some(value), Some(currency)) => parse_amount("refunded_amount", &value, currency)
            .map_err(|e| errors.push(e))
            .ok()
            .map(Some),
        (None, _) => Some(None),
        _ => None,
    };

    let (
        Some(platform),
        Some(external_order_id),
        Some(sold_at),
        Some(host),
        Some(product),
        Some(quantity),
        Some(currency),
        Some(unit_price),
        Some(refunded),
        true,
    ) = (
        platform,
        external_order_id,
        sold_at,
        host,
        product,
        quantity,
        currency,
        unit_price,
        refunded,
        errors.is_empty(),
    )
    else {
        return Err(errors);
    };
    let gross = Decimal::from(quantity) * unit_price;
    let (status, refunded_amount) = match settle(status, refunded, gross) {
        Ok(settled) => settled,
        Err(error) => return Err(vec![error]),
    };
    Ok(SaleInput {
        platform,
        external_order_id,
        sold_at,
        host,
        live_session_id,
        product,
        quantity,
        unit_price,
        currency,
        status,
        refunded_amount,
    })
}

/// The status and refunded amount a line states, made consistent or refused.
pub fn settle(
    status: Option<SaleStatus>,
    refunded: Option<Decimal>,
    gross: Decimal,
) -> Result<(SaleStatus, Decimal), FieldError> {
    if let Some(amount) = refunded
        && amount > gross
    {
        return Err(FieldError::new(
            "refunded_amount",
            "refund_exceeds_gross",
            "refunded_amount exceeds quantity × unit_price",
        ));
    }
    let inconsistent =
        |message: &str| FieldError::new("status", "inconsistent_status", message.to_owned());
    match (status, refunded) {
        (None, None) => Ok((SaleStatus::Paid, Decimal::ZERO)),
        (None, Some(amount)) => Ok((SaleStatus::Paid.after_refunds(amount, gross), amount)),
        (Some(SaleStatus::Cancelled), amount) => {
            Ok((SaleStatus::Cancelled, amount.unwrap_or(Decimal::ZERO)))
        }
        (Some(SaleStatus::Paid), None) => Ok((SaleStatus::Paid, Decimal::ZERO)),
        (Some(SaleStatus::Refunded), None) if gross > Decimal::ZERO => {
            Ok((SaleStatus::Refunded, gross))
        }
        (Some(SaleStatus::PartiallyRefunded), None) => {
            Err(inconsistent("partially_refunded needs refunded_amount"))
        }
        (Some(stated), Some(amount)) if SaleStatus::Paid.after_refunds(amount, gross) == stated => {
            Ok((stated, amount))
        }
        (Some(stated), _) => Err(inconsistent(&format!(
            "status {stated} does not match the refunded amount"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(value: Value) -> Result<SaleInput, Vec<FieldError>> {
        let Value::Object(map) = value else { panic!() };
        check_line(&map, Currency::CNY, chrono_tz::Asia::Shanghai, Utc::now())
    }

    fn good() -> Value {
        json!({
            "platform": "douyin", "external_order_id": "DY-1", "sold_at": "2026-11-20T21:30:00+08:00",
            "influencer_id": Uuid::nil(), "sku": "LIP-1", "quantity": "2", "unit_price": "99.50"
        })
    }

    #[test]
    fn a_good_line_checks_and_settles_as_paid() {
        let sale = line(good()).unwrap();
        assert_eq!(sale.quantity, 2);
        assert_eq!(sale.gross(), Decimal::new(19900, 2));
        assert_eq!(
            (sale.status, sale.refunded_amount),
            (SaleStatus::Paid, Decimal::ZERO)
        );
        assert_eq!(sale.product, ProductRef::Sku("LIP-1".into()));
        assert_eq!(sale.sold_at.to_rfc3339(), "2026-11-20T13:30:00+00:00");
    }

    #[test]
    fn local_times_are_read_in_the_agency_zone() {
        let mut value = good();
        value["sold_at"] = json!("2026-11-20 23:59:00");
        assert_eq!(
            line(value).unwrap().sold_at.to_rfc3339(),
            "2026-11-20T15:59:00+00:00"
        );
    }

    #[test]
    fn every_bad_field_is_reported() {
        let errors = line(
            json!({ "platform": "myspace", "quantity": 0, "unit_price": 9.5, "colour": "red" }),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "colour",
            "platform",
            "external_order_id",
            "sold_at",
            "influencer_id",
            "product_id",
            "quantity",
            "unit_price",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        let price = errors.iter().find(|e| e.field == "unit_price").unwrap();
        assert_eq!(price.code, "must_be_string");
    }

    #[test]
    fn status_and_refunds_must_agree() {
        let gross = Decimal::from(100);
        assert_eq!(
            settle(Some(SaleStatus::Refunded), None, gross).unwrap(),
            (SaleStatus::Refunded, gross)
        );
        assert_eq!(
            settle(None, Some(Decimal::from(30)), gross).unwrap().0,
            SaleStatus::PartiallyRefunded
        );
        assert_eq!(
            settle(Some(SaleStatus::Paid), Some(Decimal::from(30)), gross)
                .unwrap_err()
                .code,
            "inconsistent_status"
        );
        assert_eq!(
            settle(None, Some(Decimal::from(101)), gross)
                .unwrap_err()
                .code,
            "refund_exceeds_gross"
        );
        assert_eq!(
            settle(Some(SaleStatus::PartiallyRefunded), None, gross)
                .unwrap_err()
                .code,
            "inconsistent_status"
        );
        assert_eq!(
            settle(Some(SaleStatus::Cancelled), None, gross).unwrap(),
            (SaleStatus::Cancelled, Decimal::ZERO)
        );
    }
}
