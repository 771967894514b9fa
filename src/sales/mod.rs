//! The sales ledger: order lines per platform, refunds as entries of their own, and idempotent
//! bulk imports.

pub mod dto;
pub mod handlers;
pub mod impact;
pub mod imports;
pub mod ledger;
pub mod model;
pub mod validate;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    routes
        .get("/v1/sales", handlers::list_sales)
        .post("/v1/sales", handlers::create_sale)
        .get("/v1/sales/imports", imports::list_imports)
        .post("/v1/sales/imports", imports::import_sales)
        .get("/v1/sales/imports/{id}", imports::get_import)
        .get("/v1/sales/{id}", handlers::get_sale)
        .post("/v1/sales/{id}/refunds", handlers::refund_sale)
        .get("/v1/sales/{id}/refunds/{rid}", handlers::get_refund);
}
