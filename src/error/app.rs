//! The `AppError` variants, their stable codes and statuses, and how each is answered.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use super::{FieldError, Problem};

/// Every failure a handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read (syntax, unknown fields, bad path or query).
    #[error("bad request ({code}): {detail}")]
    BadRequest {
        code: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 401: no or bad credentials.
    #[error("unauthorized ({code})")]
    Unauthorized { code: &'static str, detail: String },
    /// 403: the caller's role does not allow this.
    #[error("forbidden ({code})")]
    Forbidden { code: &'static str, detail: String },
    /// 404: unknown object, or another agency's.
    #[error("not found")]
    NotFound,
    /// 405, with the methods the route does take.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    /// 409: conflicts with existing state.
    #[error("conflict ({code}): {detail}")]
    Conflict { code: &'static str, detail: String },
    /// 409 with members naming what it conflicts with (e.g. the mapping that already holds a
    /// platform item, so that a client can show or remove it).
    #[error("conflict ({code}): {detail}")]
    ConflictWith {
        code: &'static str,
        detail: String,
        extensions: serde_json::Map<String, serde_json::Value>,
    },
    /// 412: a stale `If-Match`.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413.
    #[error("payload too large: {detail}")]
    PayloadTooLarge { detail: String },
    /// 415.
    #[error("unsupported media type: {detail}")]
    UnsupportedMediaType { detail: String },
    /// 422: well-formed but refused. `extensions` carries e.g. compliance `violations`.
    #[error("unprocessable ({code}): {detail}")]
    Unprocessable {
        code: &'static str,
        detail: String,
        errors: Vec<FieldError>,
        extensions: serde_json::Map<String, serde_json::Value>,
    },
    /// 429, with the seconds to wait.
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// 503 `busy`: more password checks at once than the hashing threads and their queue take.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    /// 503: the database (or another dependency) is out of reach or too slow.
    #[error("service unavailable ({code}): {cause}")]
    Unavailable { code: &'static str, cause: String },
    /// 500: a bug or an unexpected failure; the cause is logged, never answered.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// 422 `validation_failed` listing every bad field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        AppError::Unprocessable {
            code: "validation_failed",
            detail: "The request has invalid fields.".to_owned(),
            errors,
            extensions: serde_json::Map::new(),
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { code, .. }
            | AppError::Unauthorized { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::ConflictWith { code, .. }
            | AppError::Unprocessable { code, .. }
            | AppError::Unavailable { code, .. } => code,
            AppError::NotFound => "not_found",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::PreconditionFailed => "precondition_failed",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::UnsupportedMediaType { .. } => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Busy { .. } => "busy",
            AppError::Internal(_) => "internal_error",
        }
    }

    fn problem(&self) -> Problem {
        let status = self.status_code();
        let code = self.code();
        match self {
            AppError::BadRequest { detail, errors, .. } => Problem {
                errors: errors.clone(),
                ..Problem::new(status, code, detail.clone())
            },
            AppError::Unprocessable {
                detail,
                errors,
                extensions,
                ..
            } => Problem {
                errors: errors.clone(),
                extensions: extensions.clone(),
                ..Problem::new(status, code, detail.clone())
            },
            AppError::ConflictWith {
                detail, extensions, ..
            } => Problem {
                extensions: extensions.clone(),
                ..Problem::new(status, code, detail.clone())
            },
            AppError::Unauthorized { detail, .. }
            | AppError::Forbidden { detail, .. }
            | AppError::Conflict { detail, .. }
            | AppError::PayloadTooLarge { detail }
            | AppError::UnsupportedMediaType { detail } => {
                Problem::new(status, code, detail.clone())
            }
            AppError::NotFound => Problem::new(status, code, "No such object."),
            AppError::PreconditionFailed => Problem::new(
                status,
                code,
                "The object changed since you read it (If-Match does not match its version).",
            ),
            AppError::TooManyRequests { retry_after_secs } => Problem::new(
                status,
                code,
                format!("Too many requests; retry in {retry_after_secs} seconds."),
            ),
            AppError::Busy { retry_after_secs } => Problem::new(
                status,
                code,
                format!(
                    "The server is checking as many passwords as it can; retry in {retry_after_secs} seconds."
                ),
            ),
            AppError::MethodNotAllowed { .. }
            | AppError::Unavailable { .. }
            | AppError::Internal(_) => Problem {
                code: code.to_owned(),
                type_uri: format!("urn:mcn:problem:{code}"),
                ..Problem::for_status(status)
            },
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } | AppError::ConflictWith { .. } => StatusCode::CONFLICT,
            AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error")
            }
            AppError::Unavailable { cause, .. } => tracing::warn!(%cause, "dependency unavailable"),
            _ => {}
        }
        let status = self.status_code();
        let mut response = self.problem().into_response(status);
        let extra = match self {
            AppError::MethodNotAllowed { allow } => Some((header::ALLOW, allow.clone())),
            AppError::TooManyRequests { retry_after_secs }
            | AppError::Busy { retry_after_secs } => {
                Some((header::RETRY_AFTER, retry_after_secs.to_string()))
            }
            AppError::Unavailable { .. } => Some((header::RETRY_AFTER, "1".to_owned())),
            // RFC 6750: no error attribute when no credentials were sent.
            AppError::Unauthorized { code, .. } => Some((
                header::WWW_AUTHENTICATE,
                if *code == "missing_token" {
                    "Bearer realm=\"mcn\"".to_owned()
                } else {
                    "Bearer realm=\"mcn\", error=\"invalid_token\"".to_owned()
                },
            )),
            _ => None,
        };
        if let Some((name, value)) = extra
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
