//! Reading the schedule: `GET /v1/live-sessions` and `GET /v1/live-sessions/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dto::{SessionListQuery, SessionView};
use super::model::{self as sessions, SessionFilter};
use super::views::{respond, view, views};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::compliance::context::rule_context;
use crate::domain::check_time_filter;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};

/// The list filter a query asks for; a range that ends before it starts is 422.
fn session_filter(query: &SessionListQuery) -> Result<SessionFilter, AppError> {
    check_time_filter(query.from, query.to, "to must be after from")?;
    Ok(SessionFilter {
        from: query.from,
        to: query.to,
        influencer_id: query.influencer_id,
        platform: query.platform,
        state: query.state,
    })
}

/// The schedule in calendar order, filterable by time range, host, platform, state and a part
/// of the title (`q`, any case).
#[utoipa::path(
    get, path = "/v1/live-sessions", tag = "live sessions", security(("bearer" = [])),
    params(SessionListQuery),
    responses((status = 200, description = "A page of sessions, each with its compliance", body = Page<SessionView>))
)]
pub async fn list_sessions(
    caller: Caller,
    query: web::Query<SessionListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let query = query.into_inner();
    let page = PageRequest::<(DateTime<Utc>, Uuid)>::new(query.limit, query.cursor.as_deref())?;
    let filter = session_filter(&query)?;
    let mut conn = caller.conn().await?;
    let title = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let rows = sessions::list_titled(&mut conn, caller.agency_id, &filter, title, &page).await?;
    let (rows, next_cursor) = page.split(rows, |s| (s.scheduled_start, s.id));
    let (time_zone, valid_days) = rule_context(&mut conn, caller.state(), caller.agency_id).await?;
    let items = views(&mut conn, caller.agency_id, time_zone, valid_days, rows).await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// One session with its lineup, review and compliance.
#[utoipa::path(
    get, path = "/v1/live-sessions/{id}", tag = "live sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 404, description = "No such session in this agency"),
    )
)]
pub async fn get_session(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    let row = sessions::find(&mut conn, caller.agency_id, id.into_inner()).await?;
    let view = view(&mut conn, caller.state(), caller.agency_id, row).await?;
    Ok(respond(StatusCode::OK, &view))
}
