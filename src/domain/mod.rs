//! Domain values that parse rather than validate: once a value has one of these types, it
//! passed its checks.

pub mod credit_code;
pub mod currency;
pub mod decimal;
pub mod enums;
pub mod money;
pub mod resident_id;

use serde::{Deserialize, Deserializer};

/// For `PATCH` fields that may be cleared: absent → `None`, `null` → `Some(None)`, a value →
/// `Some(Some(value))`. Use with `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Collects field errors while a request is checked, so that every error is reported at once:
/// `let title = errors.check(check_text("title", &body.title, 1, 200));` keeps the value of a
/// passing check and records the error of a failing one (then `None`).
pub trait Collect {
    fn check<T>(&mut self, result: Result<T, crate::error::FieldError>) -> Option<T>;
}

impl Collect for Vec<crate::error::FieldError> {
    fn check<T>(&mut self, result: Result<T, crate::error::FieldError>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }
}

/// Checks a list's optional time filter: when both ends are given, `to` must come after `from`
/// (else 422 `invalid_range` on `to`, saying `message`).
pub fn check_time_filter<T: PartialOrd>(
    from: Option<T>,
    to: Option<T>,
    message: &str,
) -> Result<(), crate::error::AppError> {
    match (from, to) {
        (Some(from), Some(to)) if from >= to => Err(crate::error::AppError::validation(vec![
            crate::error::FieldError::new("to", "invalid_range", message),
        ])),
        _ => Ok(()),
    }
}

/// Checks the reason given for an action (a recall, a suspension, a rejection...): 1 to 1000
/// characters as [`check_text`] counts them, else 422 `validation_failed` on `reason`.
pub fn check_reason(reason: &str) -> Result<String, crate::error::AppError> {
    check_text("reason", reason, 1, 1000).map_err(|e| crate::error::AppError::validation(vec![e]))
}

/// Checks a free-text field: at most `max` characters as sent (what the OpenAPI document
/// declares as `maxLength`), at least `min` after trimming, no control characters except line
/// breaks and tabs. Answers the trimmed text.
pub fn check_text(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<String, crate::error::FieldError> {
    if value.contains('\0') {
        return Err(nul_error(field));
    }
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    let clean = trimmed
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    if length < min || value.chars().count() > max || !clean {
        return Err(crate::error::FieldError::new(
            field,
            "invalid_length",
            format!("{field} needs {min} to {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Checks another system's identifier (a platform's item id or SKU code): as [`check_text`]
/// (trimmed, 1 to `max` characters as sent), and no control character left after trimming,
/// tabs and line breaks included: an identifier is one token of a file's cell, never free text.
pub fn check_identifier(
    field: &str,
    value: &str,
    max: usize,
) -> Result<String, crate::error::FieldError> {
    // U+2028 and U+2029 break lines too, and some C libraries count them as control
    // characters (the database's `[[:cntrl:]]` check follows its locale).
    let control = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !value.contains('\0') && value.trim().chars().any(control) {
        return Err(crate::error::FieldError::new(
            field,
            "invalid_format",
            format!("{field} may not hold control characters"),
        ));
    }
    check_text(field, value, 1, max)
}

/// The field error for text holding a NUL character, which PostgreSQL cannot store.
pub fn nul_error(field: &str) -> crate::error::FieldError {
    crate::error::FieldError::new(
        field,
        "invalid_character",
        format!("{field} contains a NUL character"),
    )
}

/// `text` with every NUL character replaced by U+FFFD, safe to echo back or store.
pub fn printable(text: &str) -> String {
    text.replace('\0', "\u{fffd}")
}

/// An http(s) URL as given by a client (at most 2000 characters as sent, trimmed, no spaces).
pub fn check_url(field: &str, url: &str) -> Result<String, crate::error::FieldError> {
    let too_long = url.chars().count() > 2000;
    let url = url.trim();
    if (url.starts_with("https://") || url.starts_with("http://"))
        && !too_long
        && !url.contains(char::is_whitespace)
    {
        Ok(url.to_owned())
    } else {
        Err(crate::error::FieldError::new(
            field,
            "invalid_url",
            "an http(s) URL",
        ))
    }
}

/// A case-insensitive "contains" pattern for ILIKE, with `%`, `_` and `\` taken literally.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_one_trimmed_token() {
        assert_eq!(check_identifier("item_id", " 3579 ", 100).unwrap(), "3579");
        let code = |value: &str| check_identifier("item_id", value, 5).unwrap_err().code;
        assert_eq!(code("   "), "invalid_length");
        assert_eq!(code("123456"), "invalid_length");
        assert_eq!(code("12\t34"), "invalid_format");
        assert_eq!(code("1\r\n2"), "invalid_format");
        assert_eq!(check_identifier("item_id", "12\n", 5).unwrap(), "12");
        assert_eq!(code("1\u{85}2"), "invalid_format");
        assert_eq!(code("1\u{2028}2"), "invalid_format");
        assert_eq!(code("1\0"), "invalid_character");
    }
}
