//! The dashboard: today and the week at a glance in one call (`GET /v1/dashboard`), read from
//! what the other areas keep: the schedule judged by the compliance engine, the stored open
//! issues, the GMV rollups, the roster and the draft statements.

pub mod dto;
pub mod gmv;
pub mod handlers;
pub mod model;
pub mod sessions;

use crate::routing::Routes;

/// Mounts the dashboard.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes; handlers::dashboard);
}
