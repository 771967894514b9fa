//! The compliance engine: the rules (pure), snapshots of hosts for them, and the pages that
//! list open violations.

pub mod context;
pub mod findings;
pub mod handlers;
pub mod issues;
pub mod plan;
pub mod rules;
pub mod snapshot;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::host_compliance,
        handlers::compliance_issues,
        handlers::acknowledge_issue,
        handlers::resolve_issue,
    );
}
