//! Live sessions: the schedule with its compliance gates, lineups, the lifecycle, reviews and
//! the calendar feed.

pub mod calendar;
pub mod checks;
pub mod create;
pub mod dto;
pub mod lifecycle;
pub mod lineup;
pub mod model;
pub mod read;
pub mod update;
pub mod views;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        read::list_sessions,
        create::create_session,
        calendar::calendar_feed,
        read::get_session,
        update::update_session,
        lineup::put_lineup,
        lifecycle::start_session,
        lifecycle::end_session,
        lifecycle::cancel_session,
        lifecycle::review_session,
    );
}
