//! Operational routes: liveness, readiness, metrics, the OpenAPI document and the docs page.

pub mod handlers;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    routes
        .get("/healthz", handlers::healthz)
        .get("/readyz", handlers::readyz)
        .get("/metrics", handlers::metrics)
        .get("/openapi.json", handlers::openapi_json)
        .get("/docs", handlers::docs);
}

/// The path of the docs page's static files (Swagger UI), mounted beside the route table: they
/// are assets of `/docs`, not API operations.
pub const DOCS_ASSETS: &str = "/docs/{file:.*}";
