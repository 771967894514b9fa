//! Completing one operation: the ids in its path, the `If-Match` of a `PATCH`, the statuses its
//! kind of route implies, shared error answers, header schemas, security and `Location` headers.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, SchemaFormat, Type};
use utoipa::openapi::{ObjectBuilder, RefOr, Required};

use super::responses::error_ref;

/// What a write route answers when the caller's role may not make the change.
const FORBIDDEN_WRITE: &str = "The caller's role may not change this";

/// What a route with an `If-Match` header answers when the ETag is stale.
const STALE_IF_MATCH: &str = "Stale `If-Match`";

/// The statuses `operation` can answer because of what kind of route it is, each with its own
/// sentence where the shared one is not enough.
fn implied_statuses(
    method: &HttpMethod,
    path: &str,
    operation: &Operation,
) -> Vec<(&'static str, Option<&'static str>)> {
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
        statuses.push(("400", None));
    }
    if secured {
        statuses.push(("401", None));
    }
    // `/v1/me/...` is the caller's own: every role may change it.
    if secured && *method != HttpMethod::Get && !path.starts_with("/v1/me/") {
        statuses.push(("403", Some(FORBIDDEN_WRITE)));
    }
    if path.contains('{') {
        statuses.push(("404", None));
    }
    if has_header("If-Match") {
        statuses.push(("412", Some(STALE_IF_MATCH)));
    }
    if body {
        statuses.extend([("413", None), ("415", None)]);
    }
    if body || query {
        statuses.push(("422", None));
    }
    statuses.push(("500", None));
    if database {
        statuses.push(("503", None));
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

/// Every path parameter is the id (a UUID) of an object in the collection named just before it:
/// the collection and parameter name, and the description every operation gives it.
const PATH_IDS: &[(&str, &str, &str)] = &[
    ("contracts", "cid", "Contract id"),
    ("deliveries", "did", "Delivery id"),
    ("import-mappings", "id", "Import mapping id"),
    ("imports", "id", "Import id"),
    ("influencers", "id", "Influencer id"),
    ("issues", "id", "Issue id"),
    ("legal-entities", "eid", "Legal entity id"),
    ("live-sessions", "id", "Session id"),
    ("platform-accounts", "aid", "Platform account id"),
    ("platform-items", "mid", "Platform item mapping id"),
    ("products", "id", "Product id"),
    ("qualifications", "qid", "Qualification id"),
    ("refunds", "rid", "Refund id"),
    ("sales", "id", "Sale id"),
    ("statements", "id", "Statement id"),
    ("tests", "tid", "Product test id"),
    ("users", "id", "User id"),
    ("webhooks", "id", "Webhook id"),
];

/// Declares the ids in `path` (in path order, before the annotation's own parameters) from
/// [`PATH_IDS`]. A path parameter missing from the table is a mistake of the route table: the
/// document refuses to build.
fn add_path_ids(path: &str, operation: &mut Operation) {
    let segments: Vec<&str> = path.split('/').collect();
    let ids = segments.windows(2).filter_map(|pair| {
        let name = pair[1].strip_prefix('{')?.strip_suffix('}')?;
        let description = PATH_IDS
            .iter()
            .find(|(collection, id, _)| *collection == pair[0] && *id == name)
            .map(|(_, _, description)| *description)
            .unwrap_or_else(|| panic!("{path}: no description of `{name}` in PATH_IDS"));
        Some(RefOr::T(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .description(Some(description))
                .required(Required::True)
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
                ))
                .build(),
        ))
    });
    let own = operation.parameters.take().unwrap_or_default();
    let parameters: Vec<_> = ids.chain(own).collect();
    operation.parameters = (!parameters.is_empty()).then_some(parameters);
}

/// Every `PATCH` reads `If-Match` (the ETag of the version it changes): declared here, after the
/// annotation's own parameters, unless the annotation says it in its own words.
fn add_if_match(method: &HttpMethod, operation: &mut Operation) {
    if *method != HttpMethod::Patch {
        return;
    }
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    let declared = parameters.iter().any(|p| match p {
        RefOr::T(p) => p.parameter_in == ParameterIn::Header && p.name == "If-Match",
        RefOr::Ref(_) => false,
    });
    if !declared {
        parameters.push(RefOr::T(
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .description(Some("The ETag read before"))
                .build(),
        ));
    }
}

/// Completes one operation as the module documentation says.
pub(super) fn complete(method: &HttpMethod, path: &str, operation: &mut Operation) {
    add_path_ids(path, operation);
    add_if_match(method, operation);
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
    for (status, description) in implied_statuses(method, path, operation) {
        let responses = &mut operation.responses.responses;
        if !responses.contains_key(status)
            && let Some(shared) = error_ref(status, description.map(str::to_owned))
        {
            responses.insert(status.to_owned(), shared);
        }
    }
}
