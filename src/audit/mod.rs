//! The audit trail: every mutation's event, and `GET /v1/audit-events` to read them.

pub mod dto;
pub mod handlers;
pub mod model;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    routes.get("/v1/audit-events", handlers::list_audit_events);
}
