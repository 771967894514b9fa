//! Reports: GMV (JSON, CSV, SVG chart) and monthly settlements, from exact hourly rollups
//! where they can answer and from the ledger otherwise.

pub mod chart;
pub mod export;
pub mod gmv;
pub mod handlers;
pub mod settlement;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    routes
        .get("/v1/reports/gmv", handlers::gmv_report)
        .get("/v1/reports/gmv.svg", handlers::gmv_chart)
        .get("/v1/reports/settlements", handlers::settlement_report);
}
