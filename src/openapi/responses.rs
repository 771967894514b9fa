//! The shared error answers of the document: one response component per error status, all
//! problem+json, that operations refer to.

use utoipa::openapi::RefOr;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{Ref, Type};
use utoipa::openapi::{ContentBuilder, ObjectBuilder};

use crate::error::PROBLEM_JSON;

/// The shared error answers: status, component name, and what it means.
pub(super) const ERRORS: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "The request cannot be read: malformed JSON (`malformed_json`), an unknown field \
         (`unknown_field`), a wrong shape (`invalid_body`), a bad path or query parameter \
         (`invalid_path`, `invalid_query`) or header (`invalid_idempotency_key`).",
    ),
    (
        "401",
        "Unauthorized",
        "No valid access token: `missing_token`, `invalid_token`, `token_expired`, \
         `token_revoked`.",
    ),
    (
        "403",
        "Forbidden",
        "The caller's role may not do this (`forbidden`, or a more particular code).",
    ),
    (
        "404",
        "NotFound",
        "No such object in the caller's agency (`not_found`); another agency's objects are \
         never revealed.",
    ),
    (
        "409",
        "Conflict",
        "The request conflicts with the current state of the data (the `code` says how).",
    ),
    (
        "412",
        "PreconditionFailed",
        "`If-Match` names a version the object no longer has (`precondition_failed`).",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The body is larger than this route accepts (`payload_too_large`).",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body has a content type this route does not accept (`unsupported_media_type`).",
    ),
    (
        "422",
        "Unprocessable",
        "Well-formed but refused: invalid fields (`validation_failed`, listed in `errors`) or a \
         business rule (the `code` says which; compliance refusals list `violations`).",
    ),
    (
        "429",
        "TooManyRequests",
        "Too many requests (`too_many_requests`); retry after `Retry-After` seconds.",
    ),
    (
        "500",
        "InternalError",
        "An unexpected failure (`internal_error`); the answer never carries internal details.",
    ),
    (
        "503",
        "Unavailable",
        "The database is unreachable or too slow (`database_unavailable`, \
         `database_timeout`); retry after `Retry-After` seconds.",
    ),
];

/// The component name of the shared response for `status`.
fn component_name(status: &str) -> Option<&'static str> {
    ERRORS
        .iter()
        .find(|(code, ..)| *code == status)
        .map(|(_, name, _)| *name)
}

/// The shared response: a problem+json answer, with `Retry-After` where it applies.
pub(super) fn shared_response(description: &str, retry_after: bool) -> Response {
    let mut builder = ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    if retry_after {
        builder = builder.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0)),
                ))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    builder.build()
}

/// A reference to the shared response of `status`, keeping an annotation's own sentence.
pub(super) fn error_ref(status: &str, description: Option<String>) -> Option<RefOr<Response>> {
    let name = component_name(status)?;
    let mut reference = Ref::new(format!("#/components/responses/{name}"));
    if let Some(description) = description {
        reference.description = description;
    }
    Some(RefOr::Ref(reference))
}
