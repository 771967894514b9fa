//! The problem+json document every error answer carries, and its generic form per status.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde::Serialize;
use utoipa::ToSchema;

use super::{FieldError, PROBLEM_JSON};

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

    /// The answer carrying this document with `status`.
    pub(super) fn into_response(self, status: StatusCode) -> HttpResponse {
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match serde_json::to_vec(&self) {
            Ok(body) => response.body(body),
            Err(_) => response.body(r#"{"type":"urn:mcn:problem:internal_error","title":"Internal Server Error","status":500,"detail":"An internal error occurred.","code":"internal_error","errors":[]}"#),
        }
    }
}
