//! NUL characters, which PostgreSQL cannot store in text: refused in URLs by middleware, found
//! in JSON bodies for [`crate::json::Json`].

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use super::{AppError, FieldError};

/// Middleware: PostgreSQL cannot store a NUL character in text, so no request whose URL carries
/// one reaches a handler: a NUL in the path is 400 `invalid_path`, one in a query parameter is
/// 422 `validation_failed` naming the parameter. JSON bodies are checked by [`crate::json::Json`]
/// (422 naming the field); sales import files line by line by the import itself.
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(error) = nul_in_url(req.path(), req.query_string()) {
        return Ok(req.error_response(error));
    }
    next.call(req).await.map(|res| res.map_into_boxed_body())
}

fn nul_in_url(path: &str, query: &str) -> Option<AppError> {
    if path.contains("%00") || path.contains('\0') {
        return Some(AppError::BadRequest {
            code: "invalid_path",
            detail: "The path contains a NUL character, which is not accepted.".to_owned(),
            errors: vec![crate::domain::nul_error("path")],
        });
    }
    if !query.contains("%00") && !query.contains('\0') {
        return None;
    }
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let mut errors: Vec<FieldError> = pairs
        .iter()
        .filter(|(key, value)| key.contains('\0') || value.contains('\0'))
        .map(|(key, _)| crate::domain::nul_error(&crate::domain::printable(key)))
        .collect();
    if errors.is_empty() {
        errors.push(crate::domain::nul_error("query"));
    }
    Some(AppError::Unprocessable {
        code: "validation_failed",
        detail: "The query string contains a NUL character, which is not accepted.".to_owned(),
        errors,
        extensions: serde_json::Map::new(),
    })
}

/// Where in `value` a NUL character is (a dotted field path), if anywhere.
pub fn find_nul(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains('\0') => {
            Some(if at.is_empty() { "body".to_owned() } else { at })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{at}[{i}]"))),
        Value::Object(members) => members.iter().find_map(|(key, member)| {
            let key = crate::domain::printable(key);
            let path = if at.is_empty() {
                key
            } else {
                format!("{at}.{key}")
            };
            if path.contains('\u{fffd}') {
                Some(path)
            } else {
                find_nul(member, path)
            }
        }),
        _ => None,
    }
}
