//! Staff accounts of an agency: `/v1/users`.

pub mod dto;
pub mod email;
pub mod handlers;
pub mod model;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    routes
        .get("/v1/users", handlers::list_users)
        .post("/v1/users", handlers::create_user)
        .get("/v1/users/{id}", handlers::get_user)
        .patch("/v1/users/{id}", handlers::update_user)
        .delete("/v1/users/{id}", handlers::deactivate_user);
}
