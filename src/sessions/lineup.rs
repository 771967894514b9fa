//! `PUT /v1/live-sessions/{id}/lineup`: replacing a scheduled session's product lineup; the
//! schedule rules judge the new lineup.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::checks::{check_lineup, compliance_refusal, invalid_transition, lineup_rows};
use super::dto::{LineupRequest, SessionView};
use super::model::{self as sessions, SessionChanges};
use super::views::{answer_with, respond};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::compliance::context::rule_context;
use crate::compliance::plan::{Draft, Facts};
use crate::compliance::rules::blocks_scheduling;
use crate::domain::enums::SessionState;
use crate::error::AppError;
use crate::json::Json;

/// Replaces the ordered product lineup of a scheduled session; schedule rules are checked
/// again (a recalled product is refused).
#[utoipa::path(
    put, path = "/v1/live-sessions/{id}/lineup", tag = "live sessions", security(("bearer" = [])),
    request_body = LineupRequest,
    responses(
        (status = 200, description = "The session with its new lineup", body = SessionView),
        (status = 409, description = "Not scheduled (`invalid_transition`)"),
        (status = 422, description = "Unknown, repeated or archived products (`validation_failed`: `not_found`, `duplicate`, `product_archived`), bad prices, or `compliance_violation`"),
    )
)]
pub async fn put_lineup(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<LineupRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn().await?;
    let rules = rule_context(&mut conn, caller.state(), caller.agency_id).await?;
    let (updated, facts) = conn
        .transaction(async |conn| {
            let current = sessions::find_for_update(conn, caller.agency_id, id).await?;
            if current.state != SessionState::Scheduled {
                return Err(invalid_transition(current.state, "change its lineup"));
            }
            let previous = sessions::lineups(conn, caller.agency_id, &[id]).await?;
            let kept: Vec<Uuid> = previous.iter().map(|l| l.product_id).collect();
            let mut errors = Vec::new();
            let (lineup, products) = check_lineup(
                conn,
                caller.agency_id,
                "items",
                &body.items,
                &kept,
                &mut errors,
            )
            .await?;
            if !errors.is_empty() {
                return Err(AppError::validation(errors));
            }
            let draft = Draft {
                influencer_id: current.influencer_id,
                platform_account_id: current.platform_account_id,
                scheduled_start: current.scheduled_start,
                language: current.language.clone(),
                ai_label: current.ai_label,
                product_ids: lineup.iter().map(|(id, _)| *id).collect(),
            };
            let facts = Facts::load_one(conn, caller.agency_id, &rules, &draft, products).await?;
            let violations = facts.judge_one(&draft)?;
            if blocks_scheduling(&violations) {
                return Err(compliance_refusal(
                    "The lineup breaks scheduling rules.",
                    violations,
                ));
            }
            sessions::replace_lineup(
                conn,
                caller.agency_id,
                id,
                &lineup_rows(caller.agency_id, id, &lineup),
            )
            .await?;
            let updated =
                sessions::update(conn, caller.agency_id, id, &SessionChanges::default()).await?;
            let audit = Changes::new().change(
                "lineup",
                previous.iter().map(|l| l.product_id).collect::<Vec<_>>(),
                lineup.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            );
            caller
                .record(conn, "live_session.lineup", "live_session", id, audit)
                .await?;
            Ok((updated, facts))
        })
        .await?;
    let view = answer_with(&mut conn, caller.agency_id, &rules, updated, Some(facts)).await?;
    Ok(respond(StatusCode::OK, &view))
}
