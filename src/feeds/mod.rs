//! Subscribable calendar feeds: a secret URL per user that calendar apps read without a bearer
//! token, serving what the authenticated schedule feed (`sessions::calendar`) serves that user.

pub mod handlers;
pub mod model;
pub mod token;

use crate::routing::Routes;

/// Mounts the feed routes.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::create_calendar_feed,
        handlers::delete_calendar_feed,
        handlers::subscribed_calendar_feed,
    );
}
