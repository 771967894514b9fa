//! `POST /v1/live-sessions`: scheduling a session behind the compliance gate, idempotently.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::checks::{
    PlannedLineup, check_language, check_lineup, check_times, check_venue, compliance_refusal,
    lineup_rows, map_session_error,
};
use super::dto::{CreateSessionRequest, SessionView};
use super::model::{self as sessions, LiveSession};
use super::views::{assemble, respond, single};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::compliance::context::rule_context;
use crate::compliance::plan::{Draft, Facts};
use crate::compliance::rules::blocks_scheduling;
use crate::domain::enums::SessionState;
use crate::domain::{Collect, check_text, check_url};
use crate::error::{AppError, FieldError, serde_error};
use crate::idempotency::{self, Answer, Claim, IdempotentCreate};
use crate::state::AppState;

/// Schedules a session. Every `schedule` rule is checked: a violation refuses it (422
/// `compliance_violation`, listing all violations); `start` rules show in its `compliance`
/// block. A host never has two overlapping sessions (409 `session_overlap`). Honours
/// `Idempotency-Key`.
#[utoipa::path(
    post, path = "/v1/live-sessions", tag = "live sessions", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body")),
    request_body = CreateSessionRequest,
    responses(
        (status = 201, description = "The scheduled session", body = SessionView),
        (status = 409, description = "Overlaps another session of the host (`session_overlap`), or the same key is in flight"),
        (status = 422, description = "Invalid fields, `compliance_violation` (with `violations`), or `idempotency_key_reused`"),
    )
)]
pub async fn create_session(
    caller: Caller,
    create: IdempotentCreate,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let body: CreateSessionRequest =
        serde_json::from_value(create.body).map_err(|e| serde_error(&e))?;
    let mut conn = caller.conn().await?;
    idempotency::run(
        &mut conn,
        &caller,
        &create.key,
        create.fingerprint,
        async |conn, claim| {
            let (row, lineup, facts) = check(conn, caller.state(), &caller, body).await?;
            let view = insert(conn, &caller, claim, row, &lineup, &facts).await?;
            Ok(respond(StatusCode::CREATED, &view))
        },
    )
    .await
}

/// Checks the request's fields and the schedule rules; answers the row to store, its lineup
/// and the facts it was judged on.
async fn check(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    caller: &Caller,
    body: CreateSessionRequest,
) -> Result<(LiveSession, PlannedLineup, Facts), AppError> {
    let mut errors = Vec::new();
    let title = errors.check(check_text("title", &body.title, 1, 200));
    check_times(body.scheduled_start, body.scheduled_end, &mut errors);
    let language = check_language(&body.language, &mut errors);
    let venue = body
        .venue
        .as_ref()
        .and_then(|v| check_venue(v, &mut errors));
    let replay_url = body
        .replay_url
        .as_deref()
        .and_then(|u| errors.check(check_url("replay_url", u)));
    let (lineup, products) = check_lineup(
        conn,
        caller.agency_id,
        "lineup",
        &body.lineup,
        &[],
        &mut errors,
    )
    .await?;
    let host = crate::influencers::model::find(conn, caller.agency_id, body.influencer_id)
        .await
        .optional()?;
    let rules = rule_context(conn, state, caller.agency_id).await?;
    let ai_label = body.ai_label.unwrap_or(false);
    let draft = Draft {
        influencer_id: body.influencer_id,
        platform_account_id: body.platform_account_id,
        scheduled_start: body.scheduled_start,
        language: language.clone(),
        ai_label,
        product_ids: lineup.iter().map(|(id, _)| *id).collect(),
    };
    // The host's accounts, the lineup's products and the tests are read once: for the account
    // check, the rules and the answer.
    let mut facts = None;
    if host.is_none() {
        errors.push(FieldError::new(
            "influencer_id",
            "not_found",
            "no such host in this agency",
        ));
    } else {
        let loaded = Facts::load_one(conn, caller.agency_id, &rules, &draft, products).await?;
        if !loaded.owns_account(body.influencer_id, body.platform_account_id) {
            errors.push(FieldError::new(
                "platform_account_id",
                "not_found",
                "not an account of this host",
            ));
        }
        facts = Some(loaded);
    }
    let (Some(title), Some(facts), true) = (title, facts, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let violations = facts.judge_one(&draft)?;
    if blocks_scheduling(&violations) {
        return Err(compliance_refusal(
            "The session breaks scheduling rules.",
            violations,
        ));
    }
    let now = Utc::now();
    let row = LiveSession {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        influencer_id: body.influencer_id,
        platform_account_id: body.platform_account_id,
        title,
        scheduled_start: body.scheduled_start,
        scheduled_end: body.scheduled_end,
        language,
        venue_type: venue.as_ref().map(|v| v.venue_type),
        venue_city: venue.as_ref().map(|v| v.city.clone()),
        venue_city_tier: venue.as_ref().map(|v| v.city_tier),
        ai_label,
        replay_url,
        state: SessionState::Scheduled,
        actual_start: None,
        actual_end: None,
        cancel_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    Ok((row, lineup, facts))
}

/// Stores the session, its lineup and the audit event, and completes the claim, in one
/// transaction; answers the session as judged on `facts`.
async fn insert(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    claim: &Claim,
    row: LiveSession,
    lineup: &PlannedLineup,
    facts: &Facts,
) -> Result<SessionView, AppError> {
    conn.transaction(async |conn| {
        diesel::insert_into(crate::schema::live_sessions::table)
            .values(&row)
            .execute(conn)
            .await
            .map_err(map_session_error)?;
        let stored_lineup = lineup_rows(caller.agency_id, row.id, lineup);
        sessions::replace_lineup(conn, caller.agency_id, row.id, &stored_lineup).await?;
        let changes = Changes::new()
            .value("influencer_id", row.influencer_id)
            .value("title", &row.title)
            .value("scheduled_start", row.scheduled_start)
            .value("scheduled_end", row.scheduled_end)
            .value(
                "lineup",
                lineup.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            );
        caller
            .record(conn, "live_session.create", "live_session", row.id, changes)
            .await?;
        crate::webhooks::emit(
            conn,
            caller.agency_id,
            crate::webhooks::EventType::SessionScheduled,
            crate::webhooks::events::session(&row),
        )
        .await?;
        // The answer is built from what was just written and the facts judged above.
        let view = single(assemble(
            vec![row.clone()],
            &stored_lineup,
            Vec::new(),
            facts,
        )?)?;
        let answer = Answer::new(
            StatusCode::CREATED,
            &view,
            Some(format!("/v1/live-sessions/{}", view.id)),
        )?;
        claim.complete(conn, caller, &answer).await?;
        Ok::<_, AppError>(view)
    })
    .await
}
