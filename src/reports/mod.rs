//! Reports: GMV (JSON, CSV, SVG chart) and monthly settlements, from exact hourly rollups
//! (plus the deltas not folded into them yet) where they can answer and from the ledger
//! otherwise.

pub mod chart;
pub mod export;
pub mod fold;
pub mod gmv;
pub mod handlers;
pub mod settlement;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::gmv_report,
        handlers::gmv_chart,
        handlers::settlement_report,
    );
}
