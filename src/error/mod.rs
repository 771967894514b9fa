//! `AppError`, the one error type of the HTTP layer, and its problem+json (RFC 9457) answers.
//!
//! Every error answer of the service has the same shape, whoever produced it: handlers return
//! `AppError`; actix's own extractor errors are turned into `AppError` by the extractor configs
//! in [`extractor_configs`]; anything else (unknown routes, middleware errors) is reshaped by the
//! [`problem_json`] middleware. A 500 never carries its cause; the log does.
//!
//! The pieces live in submodules; everything is used as `crate::error::X`.

mod app;
mod database;
mod edge;
mod extract;
mod nul;
mod problem;

use serde::Serialize;
use utoipa::ToSchema;

pub use app::AppError;
pub use database::{conflict_on, period_closed, refused_by};
pub use edge::{EdgeError, problem_json, route_not_found};
pub use extract::{extractor_configs, serde_error};
pub use nul::{find_nul, refuse_nul};
pub use problem::Problem;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field-level problem inside a problem+json answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// For imports: the line of the file (the CSV header is line 1; in a JSON array, the
    /// element's position from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// For XLSX imports: the sheet the line is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
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
            sheet: None,
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}
