//! One order line as sent (a JSON object, or a CSV row turned into one) checked into a
//! [`SaleInput`], or the list of what is wrong with it. Shared by `POST /v1/sales` and imports.

mod correction;
mod fields;
mod settle;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use super::model::SaleStatus;
use crate::domain::Collect;
use crate::domain::currency::Currency;
use crate::domain::enums::Platform;
use crate::domain::money::{parse_amount, parse_currency};
use crate::error::FieldError;
pub use correction::{CORRECTION_FIELDS, Correction, check_correction};
pub use fields::parse_time;
use fields::{Row, present, text};
use settle::settle;

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
    /// A platform export's host column(s): the account's user id, else its handle. A row
    /// naming no account of the agency (or none at all) is another creator's: `not_ours`.
    Account {
        user_id: Option<String>,
        handle: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductRef {
    Id(Uuid),
    Sku(String),
    /// A platform export's item id and SKU code: matched through the products' platform items
    /// (or the SKU code as the product's own SKU); unknown, the row `needs_mapping`.
    Item {
        item_id: Option<String>,
        sku_code: Option<String>,
    },
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
    /// The price of one unit: as sent, or derived from `gross` (rounded half-up to 4 places)
    /// where a platform states what the buyer paid for the whole line.
    pub unit_price: Decimal,
    /// What the line sold for: quantity × unit price, or the platform's paid amount.
    pub gross: Decimal,
    pub currency: Currency,
    pub status: SaleStatus,
    pub refunded_amount: Decimal,
    /// The commission rate the file states for the line (else the product's).
    pub commission_percent: Option<Decimal>,
}

/// The unit price of a line that sold `quantity` units for `gross` in all: what the ledger's
/// constraint `unit_price = round(gross / quantity, 4)` asks (half away from zero, as
/// PostgreSQL's `round` does).
pub fn unit_price_of(gross: Decimal, quantity: i32) -> Decimal {
    (gross / Decimal::from(quantity))
        .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Unknown fields and text PostgreSQL cannot store (NUL characters).
fn foreign(row: &Row) -> Vec<FieldError> {
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
    errors
}

/// Checks one line. `default_currency` applies when the line names none; times without an
/// offset are read in `time_zone`.
pub fn check_line(
    row: &Row,
    default_currency: Currency,
    time_zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<SaleInput, Vec<FieldError>> {
    let mut errors = foreign(row);
    let platform = errors.check(fields::platform(row));
    let external_order_id = errors.check(fields::external_order_id(row));
    let sold_at = errors.check(fields::sold_at(row, time_zone, now));
    let host = errors.check(fields::reference(
        row,
        ("influencer_id", "platform_user_id"),
        "name the host by influencer_id or platform_user_id",
        HostRef::Id,
        HostRef::PlatformUser,
    ));
    let live_session_id = errors.check(fields::uuid(row, "live_session_id")).flatten();
    let product = errors.check(fields::reference(
        row,
        ("product_id", "sku"),
        "name the product by product_id or sku",
        ProductRef::Id,
        ProductRef::Sku,
    ));
    let quantity = errors.check(fields::quantity(row));
    let currency = match text(row, "currency") {
        Some(code) => errors.check(parse_currency("currency", &code)),
        None => Some(default_currency),
    };
    let unit_price = match (present(row, "unit_price"), currency) {
        (Some(value), Some(currency)) => errors.check(parse_amount("unit_price", &value, currency)),
        (None, _) => {
            errors.push(fields::missing("unit_price"));
            None
        }
        _ => None,
    };
    let status = text(row, "status").and_then(|s| {
        errors.check(
            s.parse::<SaleStatus>()
                .map_err(|message| FieldError::new("status", "invalid_status", message)),
        )
    });
    let refunded = match (present(row, "refunded_amount"), currency) {
        (Some(value), Some(currency)) => errors
            .check(parse_amount("refunded_amount", &value, currency))
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
    let (status, refunded_amount) = settle(status, refunded, gross).map_err(|error| vec![error])?;
    Ok(SaleInput {
        platform,
        external_order_id,
        sold_at,
        host,
        live_session_id,
        product,
        quantity,
        unit_price,
        gross,
        currency,
        status,
        refunded_amount,
        commission_percent: None,
    })
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
        assert_eq!(sale.gross, Decimal::new(19900, 2));
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
}
