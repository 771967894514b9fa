//! Staff accounts of an agency: `/v1/users`.

pub mod dto;
pub mod email;
pub mod handlers;
pub mod model;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::list_users,
        handlers::create_user,
        handlers::get_user,
        handlers::update_user,
        handlers::deactivate_user,
    );
}
