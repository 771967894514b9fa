//! `PATCH /v1/live-sessions/{id}`: editing or rescheduling a session; a new plan is judged
//! again by the schedule rules.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::checks::{
    check_language, check_times, check_venue, compliance_refusal, invalid_transition,
    map_session_error,
};
use super::dto::{SessionView, UpdateSessionRequest};
use super::model::{self as sessions, SessionChanges};
use super::views::{answer_with, respond};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::compliance::context::rule_context;
use crate::compliance::plan::{Draft, Facts};
use crate::compliance::rules::blocks_scheduling;
use crate::domain::enums::SessionState;
use crate::domain::{Collect, check_text, check_url};
use crate::error::{AppError, FieldError};
use crate::etag::IfMatch;
use crate::json::Json;

/// Reschedules or edits a session; schedule rules are checked again (422), overlaps are 409.
#[utoipa::path(
    patch, path = "/v1/live-sessions/{id}", tag = "live sessions", security(("bearer" = [])),
    request_body = UpdateSessionRequest,
    responses(
        (status = 200, description = "The updated session", body = SessionView),
        (status = 409, description = "`session_overlap`, or `invalid_transition` when no longer scheduled"),
        (status = 422, description = "Invalid fields or `compliance_violation`"),
    )
)]
pub async fn update_session(
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateSessionRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn().await?;
    let rules = rule_context(&mut conn, caller.state(), caller.agency_id).await?;
    let (updated, facts) = conn
        .transaction(async |conn| {
            let current = sessions::find_for_update(conn, caller.agency_id, id).await?;
            if_match.check(current.version)?;
            let reschedules = body.platform_account_id.is_some()
                || body.scheduled_start.is_some()
                || body.scheduled_end.is_some()
                || body.language.is_some()
                || body.venue.is_some()
                || body.ai_label.is_some();
            if reschedules && current.state != SessionState::Scheduled {
                return Err(invalid_transition(current.state, "be rescheduled"));
            }
            if current.state == SessionState::Cancelled {
                return Err(invalid_transition(current.state, "change"));
            }
            let mut errors = Vec::new();
            let title = body
                .title
                .as_deref()
                .map(|t| check_text("title", t, 1, 200))
                .transpose();
            let title = errors.check(title).flatten();
            let start = body.scheduled_start.unwrap_or(current.scheduled_start);
            let end = body.scheduled_end.unwrap_or(current.scheduled_end);
            check_times(start, end, &mut errors);
            let language = body
                .language
                .as_deref()
                .map(|l| check_language(l, &mut errors));
            let venue = body
                .venue
                .as_ref()
                .map(|v| v.as_ref().and_then(|v| check_venue(v, &mut errors)));
            let replay_url = body.replay_url.as_ref().map(|u| {
                u.as_deref()
                    .and_then(|u| errors.check(check_url("replay_url", u)))
            });
            // A rescheduled plan is judged again; the host's accounts are read once, for the
            // account check, the rules and the answer.
            let mut facts = None;
            let mut draft = None;
            if reschedules {
                let lineup = sessions::lineups(conn, caller.agency_id, &[id]).await?;
                let proposed = Draft {
                    influencer_id: current.influencer_id,
                    platform_account_id: body
                        .platform_account_id
                        .unwrap_or(current.platform_account_id),
                    scheduled_start: start,
                    language: language.clone().unwrap_or_else(|| current.language.clone()),
                    ai_label: body.ai_label.unwrap_or(current.ai_label),
                    product_ids: lineup.iter().map(|l| l.product_id).collect(),
                };
                let loaded =
                    Facts::load_one(conn, caller.agency_id, &rules, &proposed, Vec::new()).await?;
                if let Some(account) = body.platform_account_id
                    && !loaded.owns_account(current.influencer_id, account)
                {
                    errors.push(FieldError::new(
                        "platform_account_id",
                        "not_found",
                        "not an account of this host",
                    ));
                }
                facts = Some(loaded);
                draft = Some(proposed);
            }
            if !errors.is_empty() {
                return Err(AppError::validation(errors));
            }
            if let (Some(facts), Some(draft)) = (&facts, &draft) {
                let violations = facts.judge_one(draft)?;
                if blocks_scheduling(&violations) {
                    return Err(compliance_refusal(
                        "The new plan breaks scheduling rules.",
                        violations,
                    ));
                }
            }
            let changes = SessionChanges {
                platform_account_id: body.platform_account_id,
                title,
                scheduled_start: body.scheduled_start,
                scheduled_end: body.scheduled_end,
                language,
                venue_type: venue.as_ref().map(|v| v.as_ref().map(|v| v.venue_type)),
                venue_city: venue.as_ref().map(|v| v.as_ref().map(|v| v.city.clone())),
                venue_city_tier: venue.as_ref().map(|v| v.as_ref().map(|v| v.city_tier)),
                ai_label: body.ai_label,
                replay_url,
                ..SessionChanges::default()
            };
            let updated = sessions::update(conn, caller.agency_id, id, &changes)
                .await
                .map_err(map_session_error)?;
            let audit = Changes::new()
                .change("title", &current.title, &updated.title)
                .change(
                    "scheduled_start",
                    current.scheduled_start,
                    updated.scheduled_start,
                )
                .change(
                    "scheduled_end",
                    current.scheduled_end,
                    updated.scheduled_end,
                )
                .change("language", &current.language, &updated.language)
                .change(
                    "platform_account_id",
                    current.platform_account_id,
                    updated.platform_account_id,
                )
                .change("ai_label", current.ai_label, updated.ai_label)
                .change("replay_url", &current.replay_url, &updated.replay_url);
            caller
                .record(conn, "live_session.update", "live_session", id, audit)
                .await?;
            Ok((updated, facts))
        })
        .await?;
    let view = answer_with(&mut conn, caller.agency_id, &rules, updated, facts).await?;
    Ok(respond(StatusCode::OK, &view))
}
