//! Optimistic concurrency: answers carry `ETag: "<version>"`, and a `PATCH` with an `If-Match`
//! that names another version is refused with 412.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::error::AppError;

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
            Some(Ok(text)) => Ok(IfMatch(Some(text))),
            // An unreadable header can match no version.
            Some(Err(_)) => Ok(IfMatch(Some(String::new()))),
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
}
