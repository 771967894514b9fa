//! The sales ledger: order lines per platform, refunds as entries of their own, and idempotent
//! bulk imports.

pub mod correct;
pub mod dto;
pub mod handlers;
pub mod imports;
pub mod ledger;
pub mod lookup;
pub mod mapping;
pub mod model;
pub mod refunds;
pub mod validate;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::list_sales,
        handlers::create_sale,
        imports::list_imports,
        imports::import_sales,
        imports::get_import,
        handlers::get_sale,
        correct::correct_sale,
        correct::cancel_sale,
        refunds::refund_sale,
        refunds::get_refund,
    );
    mapping::routes(routes);
}
