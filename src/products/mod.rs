//! The catalogue: products, recalls and their impact, and hosts' product tests.

pub mod dto;
pub mod handlers;
pub mod model;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::list_products,
        handlers::create_product,
        handlers::get_product,
        handlers::update_product,
        handlers::recall_product,
        handlers::product_impact,
        handlers::list_tests,
        handlers::create_test,
        handlers::get_test,
    );
}
