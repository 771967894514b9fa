//! `POST, DELETE /v1/me/calendar-feed` (the caller's own feed URL) and
//! `GET /v1/calendar/{token}.ics` (the feed, read by calendar apps without a bearer token).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use serde::Serialize;
use utoipa::ToSchema;

use super::model;
use super::token::{new_token, parse_token};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::auth::tokens::hash_token;
use crate::config::ServerSettings;
use crate::error::AppError;
use crate::sessions::calendar::{self, CalendarQuery};
use crate::state::AppState;

/// The caller's subscribable feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeedView {
    /// The feed's secret URL (absolute): anyone holding it reads the caller's schedule feed,
    /// so it is shown only here, once per token.
    pub url: String,
}

/// Where clients reach the service: `server.public_base_url` when configured, otherwise the
/// request's scheme and host (from `Forwarded`/`X-Forwarded-*` only behind a trusted proxy).
fn base_url(req: &HttpRequest, server: &ServerSettings) -> String {
    let configured = server.public_base_url.trim().trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    if server.trust_forwarded_for {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| !host.is_empty())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_else(|| req.app_config().host().to_owned());
    format!("{scheme}://{host}")
}

/// A new secret feed URL for the caller's schedule feed. A previous URL of the caller's stops
/// working at once.
#[utoipa::path(
    post, path = "/v1/me/calendar-feed", tag = "live sessions", security(("bearer" = [])),
    responses(
        (status = 201, description = "The feed's URL (also in `Location`), which serves what `GET /v1/live-sessions.ics` serves the caller, with the same parameters", body = CalendarFeedView),
    )
)]
pub async fn create_calendar_feed(
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let token = new_token(caller.agency_id)?;
    let hash = hash_token(&token);
    let now = Utc::now();
    let mut conn = caller.conn().await?;
    conn.transaction(async |conn| {
        let issued = model::issue(conn, caller.agency_id, caller.user_id, &hash, now).await?;
        let action = if issued.replaced {
            "calendar_feed.rotate"
        } else {
            "calendar_feed.create"
        };
        // The token itself never reaches the trail.
        let changes = Changes::new().value("user_id", caller.user_id);
        caller
            .record(conn, action, "calendar_feed", issued.id, changes)
            .await
    })
    .await?;
    let url = format!(
        "{}/v1/calendar/{token}.ics",
        base_url(&req, &caller.state().settings.server)
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, url.clone()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CalendarFeedView { url }))
}

/// Revokes the caller's feed URL.
#[utoipa::path(
    delete, path = "/v1/me/calendar-feed", tag = "live sessions", security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked: the URL answers 404 from now on"),
        (status = 404, description = "The caller has no feed"),
    )
)]
pub async fn delete_calendar_feed(caller: Caller) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    conn.transaction(async |conn| {
        let id = model::revoke(conn, caller.agency_id, caller.user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let changes = Changes::new().value("user_id", caller.user_id);
        caller
            .record(conn, "calendar_feed.revoke", "calendar_feed", id, changes)
            .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user's schedule feed, read with the secret token of its URL instead of a bearer token:
/// exactly what `GET /v1/live-sessions.ics` answers that user, with the same parameters and
/// window rules. An unknown, replaced, revoked or malformed token, or one of a deactivated user,
/// is 404.
#[utoipa::path(
    get, path = "/v1/calendar/{token}.ics", tag = "live sessions",
    params(
        ("token" = String, Path, description = "The feed's secret token, as in the URL `POST /v1/me/calendar-feed` answered: the agency id as 32 hex digits, `_`, 32 random bytes in unpadded base64url", pattern = r"^[0-9a-f]{32}_[A-Za-z0-9_-]{43}$"),
        CalendarQuery,
    ),
    responses(
        (status = 200, description = "text/calendar, one VEVENT per session", content_type = "text/calendar", body = String),
        (status = 404, description = "No such feed"),
        (status = 422, description = "`to` not after `from`, or more than 18 months after it"),
    )
)]
pub async fn subscribed_calendar_feed(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, AppError> {
    let (agency_id, hash) = parse_token(&token).ok_or(AppError::NotFound)?;
    let mut conn = state.conn().await?;
    match model::reader(&mut conn, agency_id, &hash).await? {
        Some((role, true)) if role.can(Capability::Read) => {}
        _ => return Err(AppError::NotFound),
    }
    let mut response = calendar::feed(&mut conn, agency_id, &query, Utc::now()).await?;
    // The URL is the credential: keep the answer out of shared caches.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private"),
    );
    Ok(response)
}
