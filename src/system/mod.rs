//! Operational routes: liveness, readiness, metrics, the OpenAPI document and the docs page.

pub mod handlers;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::healthz,
        handlers::readyz,
        handlers::metrics,
        handlers::openapi_json,
        handlers::docs,
    );
}

/// The path of the docs page's static files (Swagger UI), mounted beside the route table: they
/// are assets of `/docs`, not API operations.
pub const DOCS_ASSETS: &str = "/docs/{file:.*}";
