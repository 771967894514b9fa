//! Money on the wire: decimal strings in a known currency, never floats.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::currency::Currency;
use super::decimal::parse_decimal_string;
use crate::error::FieldError;

/// The largest amount accepted anywhere (well above any order line or price).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Parses a non-negative amount in `currency` (at most its minor unit of decimals).
pub fn parse_amount(field: &str, value: &Value, currency: Currency) -> Result<Decimal, FieldError> {
    parse_decimal_string(
        field,
        value,
        currency.minor_unit(),
        Decimal::ZERO,
        MAX_AMOUNT,
    )
}

/// A decimal as answered with exactly `places` decimals, rounded half to even (amounts use
/// [`Currency::format`], which passes the currency's minor unit).
pub fn format_places(value: Decimal, places: u32) -> String {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(places);
    rounded.to_string()
}

/// Parses a currency code field, or answers the field error.
pub fn parse_currency(field: &str, code: &str) -> Result<Currency, FieldError> {
    Currency::parse(code).ok_or_else(|| {
        FieldError::new(
            field,
            "invalid_currency",
            "not an ISO 4217 currency code this service knows",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_follow_their_currency() {
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(
            parse_amount("a", &json!("1200"), jpy).unwrap(),
            Decimal::from(1200)
        );
        assert_eq!(
            parse_amount("a", &json!("1200.5"), jpy).unwrap_err().code,
            "too_many_decimals"
        );
        assert_eq!(
            parse_amount("a", &json!("199.99"), Currency::CNY)
                .unwrap()
                .to_string(),
            "199.99"
        );
        assert_eq!(
            parse_amount("a", &json!(199.99), Currency::CNY)
                .unwrap_err()
                .code,
            "must_be_string"
        );
        assert_eq!(Currency::CNY.format(Decimal::new(1990000, 4)), "199.00");
        assert_eq!(
            Currency::parse("JPY")
                .unwrap()
                .format(Decimal::new(1200, 0)),
            "1200"
        );
        assert_eq!(
            Currency::CNY.format(Decimal::new(5, 3)),
            "0.00",
            "half to even"
        );
        assert_eq!(Currency::CNY.format(Decimal::new(15, 3)), "0.02");
    }
}
