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
    routes
        .get("/v1/live-sessions", handlers::list_sessions)
        .post("/v1/live-sessions", handlers::create_session)
        .get("/v1/live-sessions.ics", calendar::calendar_feed)
        .get("/v1/live-sessions/{id}", handlers::get_session)
        .patch("/v1/live-sessions/{id}", handlers::update_session)
        .put("/v1/live-sessions/{id}/lineup", handlers::put_lineup)
        .post("/v1/live-sessions/{id}/start", lifecycle::start_session)
        .post("/v1/live-sessions/{id}/end", lifecycle::end_session)
        .post("/v1/live-sessions/{id}/cancel", lifecycle::cancel_session)
        .post("/v1/live-sessions/{id}/review", lifecycle::review_session);
}
