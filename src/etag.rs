//! Optimistic concurrency: answers carry `ETag: "<version>"`, and a `PATCH` with an `If-Match`
//! that names another version is refused with 412.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::AppError;

/// The `ETag` value of a version.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// Refuses with 412 when the request has an `If-Match` that does not match `version`. No
/// `If-Match` means the client accepts any version.
pub fn check_if_match(req: &HttpRequest, version: i32) -> Result<(), AppError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(());
    };
    let text = value.to_str().map_err(|_| AppError::PreconditionFailed)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_match_forms() {
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::IF_MATCH, value))
                .to_http_request()
        };
        assert!(check_if_match(&TestRequest::default().to_http_request(), 3).is_ok());
        assert!(check_if_match(&with("\"3\""), 3).is_ok());
        assert!(check_if_match(&with("W/\"3\""), 3).is_ok());
        assert!(check_if_match(&with("\"1\", \"3\""), 3).is_ok());
        assert!(check_if_match(&with("*"), 3).is_ok());
        assert!(check_if_match(&with("\"2\""), 3).is_err());
    }
}
