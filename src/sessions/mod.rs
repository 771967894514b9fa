//! Live sessions: the schedule with its compliance gates, lineups, the lifecycle, reviews and
//! the calendar feed.

pub mod calendar;
pub mod dto;
pub mod handlers;
pub mod lifecycle;
pub mod model;
pub mod plan;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::list_sessions,
        handlers::create_session,
        calendar::calendar_feed,
        handlers::get_session,
        handlers::update_session,
        handlers::put_lineup,
        lifecycle::start_session,
        lifecycle::end_session,
        lifecycle::cancel_session,
        lifecycle::review_session,
    );
}
