//! Extractor configurations that answer actix's JSON, path and query rejections as `AppError`s.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::web;

use super::{AppError, FieldError};

/// Extractor configurations that turn actix's plain-text rejections into `AppError`s.
pub fn extractor_configs(
    json_limit: usize,
    raw_limit: usize,
) -> (
    web::JsonConfig,
    web::PathConfig,
    web::QueryConfig,
    web::PayloadConfig,
) {
    let json = web::JsonConfig::default()
        .limit(json_limit)
        .error_handler(|err, _req| json_error(err).into());
    let path = web::PathConfig::default().error_handler(|err, _req| path_error(err).into());
    let query = web::QueryConfig::default().error_handler(|err, _req| query_error(err).into());
    let payload = web::PayloadConfig::new(raw_limit);
    (json, path, query, payload)
}

fn json_error(error: JsonPayloadError) -> AppError {
    match error {
        JsonPayloadError::OverflowKnownLength { length, limit } => AppError::PayloadTooLarge {
            detail: format!("The JSON body is {length} bytes; this route accepts at most {limit}."),
        },
        JsonPayloadError::Overflow { limit } => AppError::PayloadTooLarge {
            detail: format!("The JSON body is larger than the {limit} bytes this route accepts."),
        },
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType {
            detail: "The body must be JSON: send Content-Type: application/json.".to_owned(),
        },
        JsonPayloadError::Deserialize(err) => serde_error(&err),
        JsonPayloadError::Serialize(err) => AppError::Internal(err.into()),
        JsonPayloadError::Payload(err) => AppError::BadRequest {
            code: "unreadable_body",
            detail: format!("The request body could not be read: {err}"),
            errors: Vec::new(),
        },
        other => AppError::BadRequest {
            code: "invalid_json",
            detail: other.to_string(),
            errors: Vec::new(),
        },
    }
}

/// Classifies a serde_json error: syntax errors, unknown fields and wrong shapes.
pub fn serde_error(error: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    let message = error.to_string();
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => AppError::BadRequest {
            code: "malformed_json",
            detail: format!("The body is not valid JSON: {message}"),
            errors: Vec::new(),
        },
        Category::Data => {
            let unknown = message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split('`').next());
            let (code, field_error) = match unknown {
                Some(field) => (
                    "unknown_field",
                    FieldError::new(field, "unknown_field", format!("Unknown field `{field}`.")),
                ),
                None => (
                    "invalid_body",
                    FieldError::new("", "invalid", message.clone()),
                ),
            };
            AppError::BadRequest {
                code,
                detail: format!("The body does not match the expected shape: {message}"),
                errors: vec![field_error],
            }
        }
    }
}

fn path_error(error: PathError) -> AppError {
    AppError::BadRequest {
        code: "invalid_path",
        detail: format!("A path parameter is invalid: {error}"),
        errors: Vec::new(),
    }
}

fn query_error(error: QueryPayloadError) -> AppError {
    AppError::BadRequest {
        code: "invalid_query",
        detail: format!("The query string is invalid: {error}"),
        errors: Vec::new(),
    }
}
