//! The catalogue: products, recalls and their impact, and hosts' product tests.

pub mod dto;
pub mod handlers;
pub mod model;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    routes
        .get("/v1/products", handlers::list_products)
        .post("/v1/products", handlers::create_product)
        .get("/v1/products/{id}", handlers::get_product)
        .patch("/v1/products/{id}", handlers::update_product)
        .post("/v1/products/{id}/recall", handlers::recall_product)
        .get("/v1/products/{id}/impact", handlers::product_impact)
        .get("/v1/products/{id}/tests", handlers::list_tests)
        .post("/v1/products/{id}/tests", handlers::create_test)
        .get("/v1/products/{id}/tests/{tid}", handlers::get_test);
}
