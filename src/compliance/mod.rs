//! The compliance engine: the rules (pure), snapshots of hosts for them, and the pages that
//! list open violations.

pub mod actions;
pub mod context;
pub mod conversion;
pub mod dto;
pub mod findings;
pub mod handlers;
pub mod issues;
pub mod kinds;
pub mod page;
pub mod plan;
pub mod refresh;
pub mod rules;
pub mod snapshot;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::host_compliance,
        handlers::compliance_issues,
        actions::acknowledge_issue,
        actions::resolve_issue,
    );
}
