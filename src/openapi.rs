//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations, and the
//! interactive API page (Swagger UI, vendored into the binary: no CDN).

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::error::{FieldError, Problem};
use crate::{audit, auth, staff, system};

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
    paths(
        system::handlers::healthz,
        system::handlers::readyz,
        system::handlers::metrics,
        system::handlers::openapi_json,
        system::handlers::docs,
        auth::handlers::signup,
        auth::handlers::login,
        auth::handlers::refresh,
        auth::handlers::logout,
        auth::handlers::me,
        staff::handlers::list_users,
        staff::handlers::create_user,
        staff::handlers::get_user,
        staff::handlers::update_user,
        staff::handlers::deactivate_user,
        audit::handlers::list_audit_events,
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health, readiness, metrics and this document"),
        (name = "auth", description = "Sign-up, login, token refresh and logout; the caller"),
        (name = "users", description = "Staff accounts and roles"),
        (name = "audit", description = "The audit trail of every mutation"),
    )
)]
pub struct ApiDoc;

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

/// The document as pretty JSON, as served at `/openapi.json` and kept in `tests/openapi.json`.
pub fn document_json() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_pretty_json()?)
}
