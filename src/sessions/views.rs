//! A session's answer: its lineup, review and `compliance` block, judged on the plan's facts,
//! for any number of sessions in a few queries.

use std::collections::HashMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::dto::{Incident, LineupItemView, ReviewView, SessionCompliance, SessionView, Venue};
use super::model::{self as sessions, LineupRow, LiveSession, ReviewRow};
use crate::compliance::context::{RuleContext, rule_context};
use crate::compliance::plan::{Draft, Facts, draft_of};
use crate::compliance::rules::ready_to_start;
use crate::domain::enums::Platform;
use crate::error::AppError;
use crate::etag::etag;
use crate::state::AppState;

/// One session's answer.
pub async fn view(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    agency_id: Uuid,
    row: LiveSession,
) -> Result<SessionView, AppError> {
    let (time_zone, valid_days) = rule_context(conn, state, agency_id).await?;
    single(views(conn, agency_id, time_zone, valid_days, vec![row]).await?)
}

/// One session's answer, judged on the facts the request already read when they cover it.
pub async fn answer_with(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    rules: &RuleContext,
    row: LiveSession,
    facts: Option<Facts>,
) -> Result<SessionView, AppError> {
    single(views_with(conn, agency_id, rules.0, rules.1, vec![row], facts).await?)
}

/// The one answer of a list built for one session.
pub fn single(mut views: Vec<SessionView>) -> Result<SessionView, AppError> {
    views
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a session view went missing")))
}

/// A session's answer with its `ETag`, and its `Location` when just created.
pub fn respond(status: StatusCode, view: &SessionView) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(view.version));
    if status == StatusCode::CREATED {
        response.insert_header(("Location", format!("/v1/live-sessions/{}", view.id)));
    }
    response.json(view)
}

/// The answers for stored sessions: lineups, reviews and compliance, in the given order.
pub async fn views(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    time_zone: Tz,
    valid_days: u32,
    rows: Vec<LiveSession>,
) -> Result<Vec<SessionView>, AppError> {
    views_with(conn, agency_id, time_zone, valid_days, rows, None).await
}

/// As [`views`], judging on `known` facts (read earlier in the same request) when they cover
/// every session, so that an answer reads each fact once.
pub async fn views_with(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    time_zone: Tz,
    valid_days: u32,
    rows: Vec<LiveSession>,
    known: Option<Facts>,
) -> Result<Vec<SessionView>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
    let lineup_rows = sessions::lineups(conn, agency_id, &ids).await?;
    let reviews = sessions::reviews(conn, agency_id, &ids).await?;
    let drafts: Vec<Draft> = rows.iter().map(|s| draft_of(s, &lineup_rows)).collect();
    let facts = match known {
        Some(facts) if facts.time_zone() == time_zone && drafts.iter().all(|d| facts.covers(d)) => {
            facts
        }
        _ => Facts::load(conn, agency_id, time_zone, valid_days, &drafts).await?,
    };
    assemble(rows, &lineup_rows, reviews, &facts)
}

/// The answers for sessions whose lineups and reviews are at hand, judged on `facts`.
pub fn assemble(
    rows: Vec<LiveSession>,
    lineup_rows: &[LineupRow],
    reviews: Vec<ReviewRow>,
    facts: &Facts,
) -> Result<Vec<SessionView>, AppError> {
    let drafts: Vec<Draft> = rows.iter().map(|s| draft_of(s, lineup_rows)).collect();
    let verdicts = facts.judge(&drafts)?;
    let mut reviews: HashMap<Uuid, ReviewRow> =
        reviews.into_iter().map(|r| (r.session_id, r)).collect();
    rows.into_iter()
        .zip(verdicts)
        .map(|(s, violations)| -> Result<SessionView, AppError> {
            let lineup = lineup_rows
                .iter()
                .filter(|l| l.session_id == s.id)
                .filter_map(|l| {
                    facts.product(l.product_id).map(|p| LineupItemView {
                        position: l.position,
                        product_id: p.id,
                        sku: p.sku.clone(),
                        name: p.name.clone(),
                        planned_price: l.planned_price.map(|price| p.currency.format(price)),
                        currency: p.currency.code().to_owned(),
                        recalled: p.recalled_at.is_some(),
                    })
                })
                .collect();
            let review = reviews.remove(&s.id).map(review_view).transpose()?;
            let venue = match (s.venue_type, s.venue_city, s.venue_city_tier) {
                (Some(venue_type), Some(city), Some(city_tier)) => Some(Venue {
                    venue_type,
                    city,
                    city_tier,
                }),
                _ => None,
            };
            Ok(SessionView {
                id: s.id,
                influencer_id: s.influencer_id,
                platform_account_id: s.platform_account_id,
                platform: facts
                    .platform_of(s.platform_account_id)
                    .unwrap_or(Platform::Other),
                title: s.title,
                scheduled_start: s.scheduled_start,
                scheduled_end: s.scheduled_end,
                time_zone: facts.time_zone().name().to_owned(),
                language: s.language,
                venue,
                ai_label: s.ai_label,
                replay_url: s.replay_url,
                state: s.state,
                actual_start: s.actual_start,
                actual_end: s.actual_end,
                cancel_reason: s.cancel_reason,
                lineup,
                review,
                compliance: SessionCompliance {
                    ready_to_start: ready_to_start(&violations),
                    violations,
                },
                version: s.version,
                created_at: s.created_at,
                updated_at: s.updated_at,
            })
        })
        .collect()
}

/// A stored review's answer. Stored incidents that do not decode are an error, never
/// "no incidents".
fn review_view(r: ReviewRow) -> Result<ReviewView, AppError> {
    let incidents = serde_json::from_value::<Vec<Incident>>(r.incidents).map_err(|e| {
        anyhow::anyhow!(
            "review of session {}: incidents do not decode: {e}",
            r.session_id
        )
    })?;
    Ok(ReviewView {
        mandarin_spoken: r.mandarin_spoken,
        dress_code_ok: r.dress_code_ok,
        incidents,
        reviewed_by: r.reviewed_by,
        reviewed_at: r.reviewed_at,
    })
}
