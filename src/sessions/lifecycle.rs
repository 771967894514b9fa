//! The session lifecycle: `scheduled → live → ended`, `scheduled → cancelled`, and the
//! post-session review. Going live re-checks every rule.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::checks::{compliance_refusal, invalid_transition};
use super::dto::{CancelRequest, ReviewRequest, SessionView};
use super::model::{self as sessions, ReviewRow, SessionChanges};
use super::views::{answer_with, respond, view};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::compliance::context::rule_context;
use crate::compliance::plan::{self, Draft};
use crate::compliance::rules::ready_to_start;
use crate::domain::enums::SessionState;
use crate::domain::{check_reason, check_text};
use crate::error::{AppError, FieldError};
use crate::json::Json;
use crate::state::AppState;

/// Takes a scheduled session live, if no violation of any stage remains.
#[utoipa::path(
    post, path = "/v1/live-sessions/{id}/start", tag = "live sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "Live", body = SessionView),
        (status = 409, description = "Not scheduled (`invalid_transition`)"),
        (status = 422, description = "Violations remain (`compliance_violation`, with `violations`)"),
    )
)]
pub async fn start_session(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    let rules = rule_context(&mut conn, caller.state(), caller.agency_id).await?;
    let (updated, facts) = conn
        .transaction(async |conn| {
            let current = sessions::find_for_update(conn, caller.agency_id, id).await?;
            if current.state != SessionState::Scheduled {
                return Err(invalid_transition(current.state, "start"));
            }
            let lineup = sessions::lineups(conn, caller.agency_id, &[id]).await?;
            let draft = Draft {
                influencer_id: current.influencer_id,
                platform_account_id: current.platform_account_id,
                // The rules apply on the day it actually goes live.
                scheduled_start: Utc::now(),
                language: current.language.clone(),
                ai_label: current.ai_label,
                product_ids: lineup.iter().map(|l| l.product_id).collect(),
            };
            // Read for today's plan and the stored one at once: the answer reads no fact again.
            let stored = plan::draft_of(&current, &lineup);
            let facts = plan::Facts::load(
                conn,
                caller.agency_id,
                rules.0,
                rules.1,
                &[draft.clone(), stored],
            )
            .await?;
            let violations = facts.judge_one(&draft)?;
            if !ready_to_start(&violations) {
                return Err(compliance_refusal(
                    "The session cannot go live while violations remain.",
                    violations,
                ));
            }
            let changes = SessionChanges {
                state: Some(SessionState::Live),
                actual_start: Some(Some(Utc::now())),
                ..SessionChanges::default()
            };
            let updated = sessions::update(conn, caller.agency_id, id, &changes).await?;
            caller
                .record(
                    conn,
                    "live_session.start",
                    "live_session",
                    id,
                    Changes::new().change("state", current.state, updated.state),
                )
                .await?;
            crate::webhooks::emit(
                conn,
                caller.agency_id,
                crate::webhooks::EventType::SessionStarted,
                crate::webhooks::events::session(&updated),
            )
            .await?;
            Ok((updated, facts))
        })
        .await?;
    let view = answer_with(&mut conn, caller.agency_id, &rules, updated, Some(facts)).await?;
    Ok(respond(StatusCode::OK, &view))
}

async fn transition(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    from: SessionState,
    to: SessionState,
    cancel_reason: Option<String>,
    action: &str,
) -> Result<SessionView, AppError> {
    caller.require(Capability::WriteData)?;
    let mut conn = caller.conn().await?;
    let updated = conn
        .transaction(async |conn| {
            let current = sessions::find_for_update(conn, caller.agency_id, id).await?;
            if current.state != from {
                return Err(invalid_transition(
                    current.state,
                    if to == SessionState::Ended {
                        "end"
                    } else {
                        "be cancelled"
                    },
                ));
            }
            let changes = SessionChanges {
                state: Some(to),
                actual_end: (to == SessionState::Ended).then_some(Some(Utc::now())),
                cancel_reason: cancel_reason.clone().map(Some),
                ..SessionChanges::default()
            };
            let updated = sessions::update(conn, caller.agency_id, id, &changes).await?;
            let mut audit = Changes::new().change("state", current.state, updated.state);
            if let Some(reason) = &cancel_reason {
                audit = audit.value("reason", reason);
            }
            caller
                .record(conn, action, "live_session", id, audit)
                .await?;
            let event = if to == SessionState::Ended {
                crate::webhooks::EventType::SessionEnded
            } else {
                crate::webhooks::EventType::SessionCancelled
            };
            crate::webhooks::emit(
                conn,
                caller.agency_id,
                event,
                crate::webhooks::events::session(&updated),
            )
            .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    view(&mut conn, state, caller.agency_id, updated).await
}

/// Ends a live session.
#[utoipa::path(
    post, path = "/v1/live-sessions/{id}/end", tag = "live sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "Ended", body = SessionView),
        (status = 409, description = "Not live (`invalid_transition`)"),
    )
)]
pub async fn end_session(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let view = transition(
        caller.state(),
        &caller,
        id.into_inner(),
        SessionState::Live,
        SessionState::Ended,
        None,
        "live_session.end",
    )
    .await?;
    Ok(respond(StatusCode::OK, &view))
}

/// Cancels a scheduled session; its time is free again. The body (a reason) is optional.
#[utoipa::path(
    post, path = "/v1/live-sessions/{id}/cancel", tag = "live sessions", security(("bearer" = [])),
    request_body(content = Option<CancelRequest>, description = "Optional reason"),
    responses(
        (status = 200, description = "Cancelled", body = SessionView),
        (status = 409, description = "Not scheduled (`invalid_transition`)"),
    )
)]
pub async fn cancel_session(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<Json<CancelRequest>>,
) -> Result<HttpResponse, AppError> {
    let reason = body
        .and_then(|b| b.into_inner().reason)
        .map(|reason| check_reason(&reason))
        .transpose()?;
    let view = transition(
        caller.state(),
        &caller,
        id.into_inner(),
        SessionState::Scheduled,
        SessionState::Cancelled,
        reason,
        "live_session.cancel",
    )
    .await?;
    Ok(respond(StatusCode::OK, &view))
}

/// Records (or replaces) the post-session review of an ended session (owner, admin,
/// compliance). Findings feed `review_language_violation` and `review_dress_violation`.
#[utoipa::path(
    post, path = "/v1/live-sessions/{id}/review", tag = "live sessions", security(("bearer" = [])),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "The session with its review", body = SessionView),
        (status = 409, description = "Not ended (`invalid_transition`)"),
    )
)]
pub async fn review_session(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReviewRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Verify)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut errors = Vec::new();
    if body.incidents.len() > 100 {
        errors.push(FieldError::new(
            "incidents",
            "too_many",
            "at most 100 incidents",
        ));
    }
    let mut incidents = Vec::new();
    for (index, incident) in body.incidents.iter().enumerate() {
        match check_text(
            &format!("incidents[{index}].description"),
            &incident.description,
            1,
            2000,
        ) {
            Ok(description) => incidents.push(super::dto::Incident {
                severity: incident.severity,
                description,
            }),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut conn = caller.conn().await?;
    let session = conn
        .transaction(async |conn| {
            let current = sessions::find_for_update(conn, caller.agency_id, id).await?;
            if current.state != SessionState::Ended {
                return Err(invalid_transition(current.state, "be reviewed"));
            }
            let review = ReviewRow {
                agency_id: caller.agency_id,
                session_id: id,
                mandarin_spoken: body.mandarin_spoken,
                dress_code_ok: body.dress_code_ok,
                incidents: serde_json::json!(incidents),
                reviewed_by: caller.user_id,
                reviewed_at: Utc::now(),
            };
            sessions::upsert_review(conn, &review).await?;
            let audit = Changes::new()
                .value("mandarin_spoken", body.mandarin_spoken)
                .value("dress_code_ok", body.dress_code_ok)
                .value("incidents", incidents.len());
            caller
                .record(conn, "live_session.review", "live_session", id, audit)
                .await?;
            Ok(current)
        })
        .await?;
    let view = view(&mut conn, caller.state(), caller.agency_id, session).await?;
    Ok(respond(StatusCode::OK, &view))
}
