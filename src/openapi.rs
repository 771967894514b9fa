//! The OpenAPI document and the interactive API page (Swagger UI, vendored into the binary: no
//! CDN).
//!
//! The document is built from the route table: every route is mounted by
//! [`routes!`](crate::routes) from its handler's `#[utoipa::path]` annotation, so what is
//! documented is what is mounted. The annotation says what is particular to a route (its
//! parameters, body, success answers, and the error statuses only it can answer, with a
//! sentence naming their codes); [`document`] then completes every operation the same way:
//!
//! - error answers are references to one shared set of responses (`#/components/responses`),
//!   all `application/problem+json` with the `Problem` schema; an annotation's own sentence
//!   stays as the reference's description;
//! - the statuses every route of a kind can answer are added where missing: 400 when it takes a
//!   body, path or query; 401 when it needs a token; 404 on `{id}` routes; 412 with `If-Match`;
//!   413, 415 and 422 with a body; 422 with a query; 503 on routes that reach the database;
//!   500 everywhere;
//! - public routes say `security: []`; a `Location` header is declared on every 201 of a `POST`.

use std::collections::BTreeMap;

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ArrayBuilder, Ref, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, RefOr, Required};

use crate::error::{FieldError, PROBLEM_JSON, Problem};
use crate::routing::Routes;
use crate::sales::imports::OnError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MCN agency backend",
        description = "System of record for MCN agencies: livestream hosts, real-name and legal status, \
compliance-checked live sessions, product sales per platform, GMV and settlements.\n\n\
Conventions: JSON bodies with snake_case fields (unknown fields are rejected with 400); ids are \
UUIDs; times RFC 3339 in UTC; money is a decimal string with its currency. Errors are \
`application/problem+json` with a stable `code`. Every answer carries `X-Request-Id`."
    ),
    servers((url = "/", description = "The server that serves this document")),
    // Schemas only query parameters use: annotations collect the schemas of bodies and answers.
    components(schemas(Problem, FieldError, OnError)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health, readiness, metrics and this document"),
        (name = "auth", description = "Sign-up, login, token refresh and logout; the caller"),
        (name = "users", description = "Staff accounts and roles"),
        (name = "audit", description = "The audit trail of every mutation"),
        (name = "influencers", description = "The roster of hosts and their status"),
        (name = "identity", description = "Real-name identity, its verification, guardian consent"),
        (name = "legal entities", description = "Hosts' legal entities and operators"),
        (name = "qualifications", description = "Qualifications for regulated fields"),
        (name = "platform accounts", description = "Hosts' accounts on the platforms"),
        (name = "contracts", description = "Contracts between hosts and the agency"),
        (name = "compliance", description = "Open violations of the compliance rules"),
        (name = "products", description = "The catalogue, recalls and product tests"),
        (name = "live sessions", description = "The schedule, lineups, lifecycle, reviews and calendar"),
        (name = "sales", description = "The sales ledger: order lines, refunds and imports"),
        (name = "reports", description = "GMV and settlements, as JSON, CSV or a chart"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The shared error answers: status, component name, and what it means.
const ERRORS: &[(&str, &str, &str)] = &[
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

fn component_name(status: &str) -> Option<&'static str> {
    ERRORS
        .iter()
        .find(|(code, ..)| *code == status)
        .map(|(_, name, _)| *name)
}

fn shared_response(description: &str, retry_after: bool) -> Response {
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

fn error_ref(status: &str, description: Option<String>) -> Option<RefOr<Response>> {
    let name = component_name(status)?;
    let mut reference = Ref::new(format!("#/components/responses/{name}"));
    if let Some(description) = description {
        reference.description = description;
    }
    Some(RefOr::Ref(reference))
}

/// The statuses `operation` can answer because of what kind of route it is.
fn implied_statuses(path: &str, operation: &Operation) -> Vec<&'static str> {
    let params = operation.parameters.as_deref().unwrap_or_default();
    let param_in = |place: ParameterIn| {
        params.iter().any(|p| match p {
            RefOr::T(p) => p.parameter_in == place,
            RefOr::Ref(_) => false,
        })
    };
    let has_header = |name: &str| {
        params.iter().any(|p| match p {
            RefOr::T(p) => p.parameter_in == ParameterIn::Header && p.name == name,
            RefOr::Ref(_) => false,
        })
    };
    let body = operation.request_body.is_some();
    let query = param_in(ParameterIn::Query);
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let database = path.starts_with("/v1/") || path == "/readyz";
    let mut statuses = Vec::new();
    if body || query || param_in(ParameterIn::Path) || param_in(ParameterIn::Header) {
        statuses.push("400");
    }
    if secured {
        statuses.push("401");
    }
    if path.contains('{') {
        statuses.push("404");
    }
    if has_header("If-Match") {
        statuses.push("412");
    }
    if body {
        statuses.extend(["413", "415"]);
    }
    if body || query {
        statuses.push("422");
    }
    statuses.push("500");
    if database {
        statuses.push("503");
    }
    statuses
}

/// The schema of the request headers the service reads, by name: declared once here, for every
/// operation that names the header in its annotation.
fn header_schema(name: &str) -> Option<ObjectBuilder> {
    let string = ObjectBuilder::new().schema_type(Type::String);
    match name {
        "If-Match" => Some(string.pattern(Some(crate::etag::IF_MATCH_PATTERN))),
        "Idempotency-Key" => Some(
            string
                .min_length(Some(1))
                .max_length(Some(crate::idempotency::KEY_MAX_LENGTH))
                .pattern(Some("^[!-~]+$")),
        ),
        _ => None,
    }
}

/// Completes one operation as the module documentation says.
fn complete(method: &HttpMethod, path: &str, operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && parameter.parameter_in == ParameterIn::Header
            && let Some(schema) = header_schema(&parameter.name)
        {
            parameter.schema = Some(schema.into());
            parameter.required = Required::False;
        }
    }
    if operation.security.is_none() {
        // Public: say so explicitly, so no client sends (or waits for) a token.
        operation.security = Some(Vec::new());
    }
    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(own) = response
            && let Some(shared) = error_ref(status, Some(own.description.clone()))
        {
            *response = shared;
        }
        if status == "201"
            && *method == HttpMethod::Post
            && let RefOr::T(created) = response
        {
            created
                .headers
                .entry("Location".to_owned())
                .or_insert_with(|| {
                    RefOr::T(
                        HeaderBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                            .description(Some("Where the new object can be read."))
                            .build(),
                    )
                });
        }
    }
    for status in implied_statuses(path, operation) {
        let responses = &mut operation.responses.responses;
        if !responses.contains_key(status)
            && let Some(shared) = error_ref(status, None)
        {
            responses.insert(status.to_owned(), shared);
        }
    }
}

/// The document for the routes of `routes`.
pub fn document(routes: &Routes) -> utoipa::openapi::OpenApi {
    let mut openapi = ApiDoc::openapi();
    let mut paths: BTreeMap<&str, Vec<(HttpMethod, Operation)>> = BTreeMap::new();
    for documented in routes.documented_operations() {
        let mut operation = documented.operation.clone();
        complete(&documented.method, &documented.path, &mut operation);
        paths
            .entry(documented.path.as_str())
            .or_default()
            .push((documented.method.clone(), operation));
    }
    for (path, operations) in paths {
        let mut item = PathItem::default();
        for (method, operation) in operations {
            let mut one = PathItem::new(method, operation);
            item.merge_operations(std::mem::take(&mut one));
        }
        openapi.paths.paths.insert(path.to_owned(), item);
    }
    let components = openapi.components.get_or_insert_with(Default::default);
    let schemas: BTreeMap<_, _> = routes.schemas().iter().cloned().collect();
    components.schemas.extend(schemas);
    // `Problem` flattens its extensions; the one clients branch on is declared here.
    if let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem") {
        problem.properties.insert(
            "violations".to_owned(),
            ArrayBuilder::new()
                .items(Ref::from_schema_name("Violation"))
                .description(Some(
                    "Compliance refusals (`compliance_violation`): every rule the request breaks.",
                ))
                .into(),
        );
    }
    for (status, name, description) in ERRORS {
        let retry_after = matches!(*status, "429" | "503");
        components.responses.insert(
            (*name).to_owned(),
            RefOr::T(shared_response(description, retry_after)),
        );
    }
    openapi
}
