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
//!   body, path or query; 401 when it needs a token; 403 on every write route that needs one
//!   (the role may not change this), except the caller's own `/v1/me/...`; 404 on `{id}` routes; 412 with `If-Match` (a stale ETag);
//!   413, 415 and 422 with a body; 422 with a query; 503 on routes that reach the database;
//!   500 everywhere;
//! - every `PATCH` takes the `If-Match` header (the ETag read before), and the schemas of the
//!   headers the service reads are declared once;
//! - public routes say `security: []`; a `Location` header is declared on every 201 of a `POST`.
//!
//! The shared error answers are in `responses`, the completion of each operation in
//! `complete`.

mod complete;
mod responses;

use std::collections::BTreeMap;

use utoipa::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
use utoipa::openapi::schema::{ArrayBuilder, Ref, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::error::{FieldError, Problem};
use crate::routing::Routes;
use crate::sales::imports::{ImportFormat, OnError};
use crate::statements::model::StatementState;
use crate::webhooks::deliveries::DeliveryState;
use complete::complete;
use responses::{ERRORS, shared_response};

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
    components(schemas(Problem, FieldError, OnError, ImportFormat, StatementState, DeliveryState)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health, readiness, metrics and this document"),
        (name = "auth", description = "Sign-up, login, token refresh and logout; the caller"),
        (name = "agency", description = "The agency's own settings: name, default currency, time zone"),
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
        (name = "statements", description = "Settlement statements, payouts, invoices and income tax withheld"),
        (name = "dashboard", description = "Today and the week at a glance"),
        (name = "webhooks", description = "Event subscriptions, their deliveries (Standard Webhooks signatures) and retries"),
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
