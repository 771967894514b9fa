//! `AppError`, the one error type of the HTTP layer, and its problem+json (RFC 9457) answers.
//!
//! Every error answer of the service has the same shape, whoever produced it: handlers return
//! `AppError`; actix's own extractor errors are turned into `AppError` by the extractor configs
//! in [`extractor_configs`]; anything else (unknown routes, middleware errors) is reshaped by the
//! [`problem_json`] middleware. A 500 never carries its cause; the log does.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use diesel::result::DatabaseErrorKind;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field-level problem inside a problem+json answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// For imports: the line of the file (the CSV header is line 1; in a JSON array, the
    /// element's position from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The request field, as a JSON pointer-like dotted path (`venue.city_tier`, `items[2].sku`).
    pub field: String,
    /// Stable machine-readable reason, e.g. `required`, `invalid_format`, `unknown_field`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            line: None,
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document, as every error answer carries it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:mcn:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the kind of problem (the HTTP reason phrase).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Stable machine-readable code; clients branch on this, not on text.
    pub code: String,
    /// Field-level problems, empty when the problem is not about particular fields.
    pub errors: Vec<FieldError>,
    /// Extra members of particular problems (e.g. `violations` of a compliance refusal).
    #[serde(flatten)]
    #[schema(ignore)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            type_uri: format!("urn:mcn:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        }
    }

    /// The generic problem for an error status that carries no better description.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, detail) = match status {
            StatusCode::BAD_REQUEST => ("bad_request", "The request is malformed."),
            StatusCode::UNAUTHORIZED => ("unauthorized", "Authentication is required."),
            StatusCode::FORBIDDEN => ("forbidden", "You may not do this."),
            StatusCode::NOT_FOUND => ("route_not_found", "No such route."),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "This route does not accept that method.",
            ),
            StatusCode::NOT_ACCEPTABLE => (
                "not_acceptable",
                "No representation matches the Accept header.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "The request body is larger than this route accepts.",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "The request body has a content type this route does not accept.",
            ),
            StatusCode::SERVICE_UNAVAILABLE => (
                "service_unavailable",
                "The service is temporarily unavailable; try again shortly.",
            ),
            s if s.is_server_error() => ("internal_error", "An internal error occurred."),
            _ => ("request_failed", "The request could not be processed."),
        };
        Self::new(status, code, detail)
    }

    fn into_response(self, status: StatusCode) -> HttpResponse {
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match serde_json::to_vec(&self) {
            Ok(body) => response.body(body),
            Err(_) => response.body(r#"{"type":"urn:mcn:problem:internal_error","title":"Internal Server Error","status":500,"detail":"An internal error occurred.","code":"internal_error","errors":[]}"#),
        }
    }
}

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
            AppError::Conflict { .. } => StatusCode::CONFLICT,
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

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::Error as E;
        match &error {
            E::NotFound => AppError::NotFound,
            E::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    AppError::Unavailable {
                        code: "database_unavailable",
                        cause: error.to_string(),
                    }
                }
                DatabaseErrorKind::SerializationFailure => AppError::Unavailable {
                    code: "database_busy",
                    cause: error.to_string(),
                },
                DatabaseErrorKind::Unknown if info.message().contains("statement timeout") => {
                    AppError::Unavailable {
                        code: "database_timeout",
                        cause: error.to_string(),
                    }
                }
                DatabaseErrorKind::Unknown if refused_text(info.message()) => {
                    AppError::BadRequest {
                        code: "invalid_character",
                        detail: "The request holds text the database cannot store (e.g. a NUL character).".to_owned(),
                        errors: Vec::new(),
                    }
                }
                DatabaseErrorKind::Unknown if out_of_range_time(info.message()) => {
                    AppError::BadRequest {
                        code: "value_out_of_range",
                        detail: "A date or time in the request is outside the range the service keeps (years 4713 BC to 294276 AD).".to_owned(),
                        errors: Vec::new(),
                    }
                }
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ExclusionViolation => {
                    AppError::Conflict {
                        code: "conflict",
                        detail: "This conflicts with an existing record.".to_owned(),
                    }
                }
                _ => AppError::Internal(error.into()),
            },
            _ => AppError::Internal(error.into()),
        }
    }
}

/// PostgreSQL's refusals of text it cannot store (SQLSTATE 22021, 22P05, 22P04): a request
/// problem, never a 500. The SQLSTATE does not survive diesel-async, so the message is read.
fn refused_text(message: &str) -> bool {
    [
        "invalid byte sequence",
        "unsupported Unicode escape sequence",
        "has no equivalent in encoding",
        "cannot be converted to text",
    ]
    .iter()
    .any(|known| message.contains(known))
}

/// PostgreSQL's refusal of a date or time beyond its range (SQLSTATE 22008), which only a
/// request's own value can cause (the service computes none near those bounds).
fn out_of_range_time(message: &str) -> bool {
    [
        "timestamp out of range",
        "date out of range",
        "date/time field value out of range",
    ]
    .iter()
    .any(|known| message.contains(known))
}

impl From<crate::db::PoolError> for AppError {
    fn from(error: crate::db::PoolError) -> Self {
        AppError::Unavailable {
            code: "database_unavailable",
            cause: error.to_string(),
        }
    }
}

/// `error` as 409 `code` when the database refused it as `kind` (a unique or exclusion
/// violation), and the usual mapping otherwise: the one place handlers name their conflicts.
pub fn conflict_on(
    error: diesel::result::Error,
    kind: DatabaseErrorKind,
    code: &'static str,
    detail: &str,
) -> AppError {
    match &error {
        diesel::result::Error::DatabaseError(found, _) if *found == kind => AppError::Conflict {
            code,
            detail: detail.to_owned(),
        },
        _ => error.into(),
    }
}

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

/// The answer for unknown routes.
pub async fn route_not_found(req: HttpRequest) -> HttpResponse {
    Problem::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        format!("No route {} {}.", req.method(), req.path()),
    )
    .into_response(StatusCode::NOT_FOUND)
}

/// Middleware: any error answer that is not problem+json yet (actix's own 404/405/413/415, CORS
/// refusals, errors raised by other middleware) is rewritten into one, keeping its headers.
pub async fn problem_json(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match next.call(req).await {
        Ok(response) => Ok(ensure_problem(response.map_into_boxed_body())),
        Err(error) => Err(EdgeError::from_error(&error, None).into()),
    }
}

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

/// An error raised by middleware rather than a handler (so there is no response to reshape yet),
/// answered as a generic problem+json for its status, with the request id when known.
#[derive(Debug)]
pub struct EdgeError {
    status: StatusCode,
    message: String,
    request_id: Option<String>,
}

impl EdgeError {
    pub fn from_error(error: &actix_web::Error, request_id: Option<String>) -> Self {
        match error.as_error::<EdgeError>() {
            Some(edge) => Self {
                status: edge.status,
                message: edge.message.clone(),
                request_id: request_id.or_else(|| edge.request_id.clone()),
            },
            None => Self {
                status: error.as_response_error().status_code(),
                message: error.to_string(),
                request_id,
            },
        }
    }
}

impl std::fmt::Display for EdgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl ResponseError for EdgeError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = Problem::for_status(self.status).into_response(self.status);
        if let Some(id) = &self.request_id
            && let Ok(value) = HeaderValue::from_str(id)
        {
            response
                .headers_mut()
                .insert(crate::telemetry::REQUEST_ID_HEADER, value);
        }
        response
    }
}

fn ensure_problem(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return response;
    }
    let problem = Problem::for_status(status);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    response.map_body(|head, _| {
        head.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        head.headers_mut().remove(header::CONTENT_ENCODING);
        BoxBody::new(body)
    })
}
