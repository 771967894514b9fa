//! Staff accounts of an agency: `/v1/users`.

pub mod dto;
pub mod email;
pub mod handlers;
pub mod model;

use crate::routing::Routes;
use handlers::{create, deactivate, read, update};

/// Mounts the staff routes.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        read::list_users,
        create::create_user,
        read::get_user,
        update::update_user,
        deactivate::deactivate_user,
    );
}
