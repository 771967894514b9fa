//! The compliance engine: the rules (pure), snapshots of hosts for them, and the pages that
//! list open violations.

pub mod findings;
pub mod handlers;
pub mod issues;
pub mod rules;
pub mod snapshot;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    routes
        .get("/v1/influencers/{id}/compliance", handlers::host_compliance)
        .get("/v1/compliance/issues", handlers::compliance_issues)
        .post(
            "/v1/compliance/issues/{id}/acknowledge",
            handlers::acknowledge_issue,
        )
        .post(
            "/v1/compliance/issues/{id}/resolve",
            handlers::resolve_issue,
        );
}
