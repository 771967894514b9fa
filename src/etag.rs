//! Optimistic concurrency: answers carry `ETag: "<version>"`, and a `PATCH` with an `If-Match`
//! that names another version is refused with 412. An `If-Match` that is not `*` or a list of
//! entity tags ([`IF_MATCH_PATTERN`]) is 400 `invalid_if_match`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::error::AppError;

/// The grammar of `If-Match` this service reads, as the OpenAPI document declares it: `*`, or
/// a comma-separated list of (possibly weak) entity tags of versions.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[0-9]{1,10}"( *, *(W/)?"[0-9]{1,10}")*)$"#;

fn well_formed(value: &str) -> bool {
    value == "*"
        || value.split(',').all(|tag| {
            let tag = tag.trim_matches(' ');
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag.strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .is_some_and(|digits| {
                    (1..=10).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
                })
        })
}

/// The `ETag` header of a version.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// The request's `If-Match` header, if any (an extractor, so handlers can check it inside a
/// transaction after reading the current version).
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    pub fn from_header(value: Option<&str>) -> Self {
        Self(value.map(str::to_owned))
    }

    /// Refuses with 412 unless the header is absent, `*`, or names `version`.
    pub fn check(&self, version: i32) -> Result<(), AppError> {
        let Some(text) = &self.0 else {
            return Ok(());
        };
        let current = version.to_string();
        let matches = text
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == current);
        if matches {
            Ok(())
        } else {
            Err(AppError::PreconditionFailed)
        }
    }
}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req
            .headers()
            .get(header::IF_MATCH)
            .map(|v| v.to_str().map(str::to_owned));
        std::future::ready(match value {
            None => Ok(IfMatch(None)),
            Some(Ok(text)) if well_formed(&text) => Ok(IfMatch(Some(text))),
            Some(_) => Err(AppError::BadRequest {
                code: "invalid_if_match",
                detail: "If-Match must be * or entity tags as ETag answers them, e.g. \"3\"."
                    .to_owned(),
                errors: Vec::new(),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_forms() {
        let with = |value: &str| IfMatch::from_header(Some(value));
        assert!(IfMatch::default().check(3).is_ok());
        assert!(with("\"3\"").check(3).is_ok());
        assert!(with("W/\"3\"").check(3).is_ok());
        assert!(with("\"1\", \"3\"").check(3).is_ok());
        assert!(with("*").check(3).is_ok());
        assert!(with("\"2\"").check(3).is_err());
        assert!(with("").check(3).is_err());
    }

    #[test]
    fn if_match_grammar() {
        for good in ["*", "\"3\"", "W/\"3\"", "\"1\", \"3\"", "\"1\",W/\"2\""] {
            assert!(well_formed(good), "{good}");
        }
        for bad in [
            "",
            "3",
            "\"\"",
            "\"x\"",
            "null",
            "\"3\" junk",
            "**",
            "\"12345678901\"",
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
