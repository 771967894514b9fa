//! The audit trail: every mutation's event, and `GET /v1/audit-events` to read them.

pub mod dto;
pub mod handlers;
pub mod model;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::list_audit_events,
    );
}
