//! Reports: GMV (JSON, CSV, SVG chart) and monthly settlements, from exact hourly rollups
//! (plus the deltas not folded into them yet) where they can answer and from the ledger
//! otherwise.

pub mod chart;
pub mod export;
pub mod fold;
pub mod gmv;
pub mod handlers;
pub mod labels;
pub mod params;
pub mod period;
pub mod rows;
pub mod settlement;
pub mod statement;
pub mod svg;

use crate::routing::Routes;

/// Mounts the report routes.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::gmv_report,
        svg::gmv_chart,
        handlers::settlement_report,
    );
}
