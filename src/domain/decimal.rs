//! Decimal values on the wire: always JSON strings (`"30.00"`), never numbers, so no client's
//! float rounding can reach the books.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::error::FieldError;

/// The grammar of decimal strings on the wire, as the OpenAPI document declares it.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// `-?digits(.digits)?`: what [`DECIMAL_PATTERN`] matches.
pub fn is_plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

/// Parses a decimal sent as a JSON string, with at most `max_scale` decimal places and within
/// `min..=max`. A JSON number is refused with `must_be_string`.
pub fn parse_decimal_string(
    field: &str,
    value: &Value,
    max_scale: u32,
    min: Decimal,
    max: Decimal,
) -> Result<Decimal, FieldError> {
    let text = match value {
        Value::String(text) => text.as_str(),
        Value::Number(_) => {
            return Err(FieldError::new(
                field,
                "must_be_string",
                "send decimals as strings, e.g. \"30.00\", never as JSON numbers",
            ));
        }
        _ => {
            return Err(FieldError::new(
                field,
                "invalid_decimal",
                "expected a decimal string",
            ));
        }
    };
    let plain = is_plain_decimal(text);
    let decimal = plain
        .then(|| text.parse::<Decimal>().ok())
        .flatten()
        .ok_or_else(|| FieldError::new(field, "invalid_decimal", "not a plain decimal number"))?;
    if decimal.scale() > max_scale {
        return Err(FieldError::new(
            field,
            "too_many_decimals",
            format!("at most {max_scale} decimal places"),
        ));
    }
    if decimal < min || decimal > max {
        return Err(FieldError::new(
            field,
            "out_of_range",
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(decimal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn percent(value: Value) -> Result<Decimal, FieldError> {
        parse_decimal_string("p", &value, 2, Decimal::ZERO, Decimal::ONE_HUNDRED)
    }

    #[test]
    fn strings_parse_and_numbers_do_not() {
        assert_eq!(percent(json!("30.00")).unwrap().to_string(), "30.00");
        assert_eq!(percent(json!("0")).unwrap(), Decimal::ZERO);
        assert_eq!(percent(json!(30)).unwrap_err().code, "must_be_string");
        assert_eq!(
            percent(json!("30.005")).unwrap_err().code,
            "too_many_decimals"
        );
        assert_eq!(percent(json!("100.01")).unwrap_err().code, "out_of_range");
        assert_eq!(percent(json!("-1")).unwrap_err().code, "out_of_range");
        for bad in [
            "", "1e2", "abc", "1.2.3", " ", "NaN", " 1", "1.", ".5", "-", "1-2", "+1",
        ] {
            assert_eq!(
                percent(json!(bad)).unwrap_err().code,
                "invalid_decimal",
                "{bad}"
            );
        }
    }
}
