//! The checks of single fields of an order line as sent: each answers the field's value, or its
//! error.

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::domain::enums::Platform;
use crate::error::FieldError;

/// A line as sent: field names and JSON values (CSV cells are strings).
pub type Row = Map<String, Value>;

/// A field's text: strings trimmed, empty strings and nulls absent.
pub fn text(row: &Row, field: &str) -> Option<String> {
    match row.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

/// A field's value, absent when null or an empty string.
pub fn present(row: &Row, field: &str) -> Option<Value> {
    match row.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(value) => Some(value.clone()),
    }
}

/// The error of a required field that is absent.
pub fn missing(field: &str) -> FieldError {
    FieldError::new(field, "required", format!("{field} is required"))
}

fn required(row: &Row, field: &str) -> Result<String, FieldError> {
    text(row, field).ok_or_else(|| missing(field))
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

/// The platform the line was sold on.
pub fn platform(row: &Row) -> Result<Platform, FieldError> {
    required(row, "platform")?
        .parse::<Platform>()
        .map_err(|message| FieldError::new("platform", "invalid_platform", message))
}

/// The platform's order line id: 1 to 128 characters, no control characters.
pub fn external_order_id(row: &Row) -> Result<String, FieldError> {
    let id = required(row, "external_order_id")?;
    if id.chars().count() <= 128 && !id.chars().any(char::is_control) {
        Ok(id)
    } else {
        Err(FieldError::new(
            "external_order_id",
            "invalid_length",
            "1 to 128 characters",
        ))
    }
}

/// When the line was sold: at most an hour ahead of `now` (clocks differ a little).
pub fn sold_at(
    row: &Row,
    time_zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, FieldError> {
    let value = required(row, "sold_at")?;
    match parse_time(&value, time_zone) {
        Some(at) if at <= now + chrono::Duration::hours(1) => Ok(at),
        Some(_) => Err(FieldError::new(
            "sold_at",
            "in_future",
            "lies in the future",
        )),
        None => Err(FieldError::new(
            "sold_at",
            "invalid_time",
            "an RFC 3339 time, e.g. 2026-11-20T21:30:00+08:00",
        )),
    }
}

/// An optional UUID field.
pub fn uuid(row: &Row, field: &str) -> Result<Option<Uuid>, FieldError> {
    text(row, field)
        .map(|v| {
            Uuid::parse_str(&v).map_err(|_| {
                FieldError::new(field, "invalid_uuid", format!("{field} is not a UUID"))
            })
        })
        .transpose()
}

/// A reference by id (`id_field`), or else by `other_field`; `message` says how to name it when
/// the line names it neither way.
pub fn reference<T>(
    row: &Row,
    (id_field, other_field): (&str, &str),
    message: &str,
    by_id: impl FnOnce(Uuid) -> T,
    by_other: impl FnOnce(String) -> T,
) -> Result<T, FieldError> {
    match uuid(row, id_field)? {
        Some(id) => Ok(by_id(id)),
        None => text(row, other_field)
            .map(by_other)
            .ok_or_else(|| FieldError::new(id_field, "required", message)),
    }
}

/// A whole number of units, 1 to 100000 (a JSON number or a numeric string).
pub fn quantity(row: &Row) -> Result<i32, FieldError> {
    let value = match row.get("quantity") {
        None | Some(Value::Null) => return Err(missing("quantity")),
        Some(value) => value,
    };
    let whole = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if !s.trim().is_empty() => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match whole.map(i32::try_from) {
        Some(Ok(q)) if (1..=100_000).contains(&q) => Ok(q),
        Some(_) => Err(FieldError::new(
            "quantity",
            "out_of_range",
            "quantity is 1 to 100000",
        )),
        None => Err(FieldError::new(
            "quantity",
            "invalid_integer",
            "quantity is a whole number",
        )),
    }
}
