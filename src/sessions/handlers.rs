//! Handlers of `/v1/live-sessions`: the schedule, with the compliance gates on create,
//! reschedule and lineup change.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::dto::{
    CreateSessionRequest, LineupItemRequest, LineupRequest, SessionListQuery, SessionView,
    UpdateSessionRequest, Venue,
};
use super::model::{self as sessions, LineupRow, LiveSession, SessionChanges, SessionFilter};
use super::plan::{self, Draft};
use crate::agencies::model as agencies;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::compliance::rules::{Violation, blocks_scheduling};
use crate::domain::enums::SessionState;
use crate::domain::money::parse_amount;
use crate::domain::{check_text, check_url};
use crate::error::{AppError, FieldError, conflict_on, serde_error};
use crate::etag::{IfMatch, etag};
use crate::idempotency::{self, Answer, Claimed, IdempotencyKey};
use crate::influencers::dto::is_language_tag;
use crate::json::Json;
use crate::pagination::{Page, PageRequest};
use crate::products::model as products;
use crate::state::AppState;

pub const MAX_LINEUP: usize = 200;

/// 422 `compliance_violation` listing every violation.
pub fn compliance_refusal(detail: &str, violations: Vec<Violation>) -> AppError {
    let mut extensions = serde_json::Map::new();
    extensions.insert("violations".to_owned(), serde_json::json!(violations));
    AppError::Unprocessable {
        code: "compliance_violation",
        detail: detail.to_owned(),
        errors: Vec::new(),
        extensions,
    }
}

pub fn invalid_transition(state: SessionState, action: &str) -> AppError {
    AppError::Conflict {
        code: "invalid_transition",
        detail: format!("A {state} session cannot {action}."),
    }
}

pub fn map_session_error(error: DieselError) -> AppError {
    conflict_on(
        error,
        DatabaseErrorKind::ExclusionViolation,
        "session_overlap",
        "The host already has a session at that time.",
    )
}

/// The agency's time zone and the product-test validity the rules use.
pub async fn rule_context(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    agency_id: Uuid,
) -> Result<plan::RuleContext, AppError> {
    let agency = agencies::find(conn, agency_id).await?;
    Ok((
        agency.time_zone.name().to_owned(),
        state.settings.compliance.product_test_valid_days,
    ))
}

pub fn check_times(start: DateTime<Utc>, end: DateTime<Utc>, errors: &mut Vec<FieldError>) {
    if end <= start {
        errors.push(FieldError::new(
            "scheduled_end",
            "invalid_range",
            "the end must be after the start",
        ));
    } else if end - start > Duration::hours(24) {
        errors.push(FieldError::new(
            "scheduled_end",
            "too_long",
            "a session lasts at most 24 hours",
        ));
    }
}

fn check_language(language: &str, errors: &mut Vec<FieldError>) -> String {
    let language = language.trim().to_owned();
    if !is_language_tag(&language) {
        errors.push(FieldError::new(
            "language",
            "invalid_language",
            "a BCP 47 tag such as zh-CN",
        ));
    }
    language
}

fn check_venue(venue: &Venue, errors: &mut Vec<FieldError>) -> Option<Venue> {
    let city = check_text("venue.city", &venue.city, 1, 100)
        .map_err(|e| errors.push(e))
        .ok();
    if !(1..=5).contains(&venue.city_tier) {
        errors.push(FieldError::new(
            "venue.city_tier",
            "out_of_range",
            "a city tier is 1 to 5",
        ));
    }
    city.map(|city| Venue {
        city,
        ..venue.clone()
    })
}

/// Checks lineup items against the catalogue: known products, each once, prices in their
/// currency. Answers the rows to store (session id filled in by the caller).
/// A checked lineup: (product, planned price) in order, and the products it names as read.
pub type CheckedLineup = (
    Vec<(Uuid, Option<rust_decimal::Decimal>)>,
    Vec<crate::products::model::Product>,
);

/// Checks a lineup's products (of the agency, each once) and prices (in the product's currency).
pub async fn check_lineup(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    field: &str,
    items: &[LineupItemRequest],
    errors: &mut Vec<FieldError>,
) -> Result<CheckedLineup, AppError> {
    if items.len() > MAX_LINEUP {
        errors.push(FieldError::new(
            field,
            "too_many",
            format!("at most {MAX_LINEUP} products"),
        ));
        return Ok((Vec::new(), Vec::new()));
    }
    let ids: Vec<Uuid> = items.iter().map(|i| i.product_id).collect();
    let catalogue = products::find_many(conn, agency_id, &ids).await?;
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(product) = catalogue.iter().find(|p| p.id == item.product_id) else {
            errors.push(FieldError::new(
                format!("{field}[{index}].product_id"),
                "not_found",
                "no such product in this agency",
            ));
            continue;
        };
        if !seen.insert(item.product_id) {
            errors.push(FieldError::new(
                format!("{field}[{index}].product_id"),
                "duplicate",
                "a product appears once in a lineup",
            ));
            continue;
        }
        let currency = product.currency;
        let price = match &item.planned_price {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => {
                parse_amount(&format!("{field}[{index}].planned_price"), value, currency)
                    .map_err(|e| errors.push(e))
                    .ok()
            }
        };
        rows.push((item.product_id, price));
    }
    Ok((rows, catalogue))
}

pub fn lineup_rows(
    agency_id: Uuid,
    session_id: Uuid,
    items: &[(Uuid, Option<rust_decimal::Decimal>)],
) -> Vec<LineupRow> {
    items
        .iter()
        .enumerate()
        .map(|(position, (product_id, planned_price))| LineupRow {
            agency_id,
            session_id,
            position: i16::try_from(position).unwrap_or(i16::MAX),
            product_id: *product_id,
            planned_price: *planned_price,
        })
        .collect()
}

/// One session's answer.
pub async fn view(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    agency_id: Uuid,
    row: LiveSession,
) -> Result<SessionView, AppError> {
    let (time_zone, valid_days) = rule_context(conn, state, agency_id).await?;
    plan::views(conn, agency_id, &time_zone, valid_days, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a session view went missing")))
}

/// One session's answer, judged on the facts the request already read when they cover it.
pub async fn answer_with(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    rules: &plan::RuleContext,
    row: LiveSession,
    facts: Option<plan::Facts>,
) -> Result<SessionView, AppError> {
    plan::views_with(conn, agency_id, &rules.0, rules.1, vec![row], facts)
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a session view went missing")))
}

pub fn respond(status: StatusCode, view: &SessionView) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(view.version));
    if status == StatusCode::CREATED {
        response.insert_header(("Location", format!("/v1/live-sessions/{}", view.id)));
    }
    response.json(view)
}

pub fn session_filter(query: &SessionListQuery) -> Result<SessionFilter, AppError> {
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from >= to
    {
        return Err(AppError::validation(vec![FieldError::new(
            "to",
            "invalid_range",
            "to must be after from",
        )]));
    }
    Ok(SessionFilter {
        from: query.from,
        to: query.to,
        influencer_id: query.influencer_id,
        platform: query.platform,
        state: query.state,
    })
}

/// The schedule in calendar order, filterable by time range, host, platform and state.
#[utoipa::path(
    get, path = "/v1/live-sessions", tag = "live sessions", security(("bearer" = [])),
    params(SessionListQuery),
    responses((status = 200, description = "A page of sessions, each with its compliance", body = Page<SessionView>))
)]
pub async fn list_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SessionListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let query = query.into_inner();
    let page = PageRequest::<(DateTime<Utc>, Uuid)>::new(query.limit, query.cursor.as_deref())?;
    let filter = session_filter(&query)?;
    let mut conn = caller.conn(&state).await?;
    let rows = sessions::list(
        &mut conn,
        caller.agency_id,
        &filter,
        page.after,
        page.fetch_limit(),
    )
    .await?;
    let (rows, next_cursor) = page.split(rows, |s| (s.scheduled_start, s.id));
    let (time_zone, valid_days) = rule_context(&mut conn, &state, caller.agency_id).await?;
    let items = plan::views(&mut conn, caller.agency_id, &time_zone, valid_days, rows).await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Schedules a session. Every `schedule` rule is checked: a violation refuses it (422
/// `compliance_violation`, listing all violations); `start` rules show in its `compliance`
/// block. A host never has two overlapping sessions (409 `session_overlap`). Honours
/// `Idempotency-Key`.
#[utoipa::path(
    post, path = "/v1/live-sessions", tag = "live sessions", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body")),
    request_body = CreateSessionRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The scheduled session", body = SessionView),
        (status = 409, description = "Overlaps another session of the host (`session_overlap`), or the same key is in flight"),
        (status = 422, description = "Invalid fields, `compliance_violation` (with `violations`), or `idempotency_key_reused`"),
    )
)]
pub async fn create_session(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: Json<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let raw = body.into_inner();
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let body: CreateSessionRequest = serde_json::from_value(raw).map_err(|e| serde_error(&e))?;
    let mut conn = caller.conn(&state).await?;

    let mut errors = Vec::new();
    let title = check_text("title", &body.title, 1, 200)
        .map_err(|e| errors.push(e))
        .ok();
    check_times(body.scheduled_start, body.scheduled_end, &mut errors);
    let language = check_language(&body.language, &mut errors);
    let venue = body
        .venue
        .as_ref()
        .and_then(|v| check_venue(v, &mut errors));
    let replay_url = body
        .replay_url
        .as_deref()
        .and_then(|u| check_url("replay_url", u).map_err(|e| errors.push(e)).ok());
    let (lineup, products) = check_lineup(
        &mut conn,
        caller.agency_id,
        "lineup",
        &body.lineup,
        &mut errors,
    )
    .await?;
    let host = crate::influencers::model::find(&mut conn, caller.agency_id, body.influencer_id)
        .await
        .optional()?;
    let rules = rule_context(&mut conn, &state, caller.agency_id).await?;
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
        let loaded =
            plan::Facts::load_one(&mut conn, caller.agency_id, &rules, &draft, products).await?;
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

    let claim = match idempotency::claim(&mut conn, &caller, &key, fingerprint).await? {
        Claimed::Replay(answer) => return Ok(answer.into_response(true)),
        Claimed::Fresh(claim) => claim,
    };
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
    let outcome = conn
        .transaction(async |conn| {
            diesel::insert_into(crate::schema::live_sessions::table)
                .values(&row)
                .execute(conn)
                .await
                .map_err(map_session_error)?;
            let stored_lineup = lineup_rows(caller.agency_id, row.id, &lineup);
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
            // The answer is built from what was just written and the facts judged above.
            let view = plan::assemble(vec![row.clone()], &stored_lineup, Vec::new(), &facts)?
                .pop()
                .ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("a session view went missing"))
                })?;
            let answer = Answer::new(
                StatusCode::CREATED,
                &view,
                Some(format!("/v1/live-sessions/{}", view.id)),
            )?;
            claim.complete(conn, &caller, &answer).await?;
            Ok::<_, AppError>((view, answer))
        })
        .await;
    match outcome {
        Ok((view, _)) => Ok(respond(StatusCode::CREATED, &view)),
        Err(error) => {
            claim.release(&mut conn, &caller).await;
            Err(error)
        }
    }
}

/// One session with its lineup, review and compliance.
#[utoipa::path(
    get, path = "/v1/live-sessions/{id}", tag = "live sessions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 404, description = "No such session in this agency"),
    )
)]
pub async fn get_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn(&state).await?;
    let row = sessions::find(&mut conn, caller.agency_id, id.into_inner()).await?;
    let view = view(&mut conn, &state, caller.agency_id, row).await?;
    Ok(respond(StatusCode::OK, &view))
}

/// Reschedules or edits a session; schedule rules are checked again (422), overlaps are 409.
#[utoipa::path(
    patch, path = "/v1/live-sessions/{id}", tag = "live sessions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id"), ("If-Match" = Option<String>, Header, description = "The ETag read before")),
    request_body = UpdateSessionRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 200, description = "The updated session", body = SessionView),
        (status = 409, description = "`session_overlap`, or `invalid_transition` when no longer scheduled"),
        (status = 412, description = "Stale `If-Match`"),
        (status = 422, description = "Invalid fields or `compliance_violation`"),
    )
)]
pub async fn update_session(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateSessionRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn(&state).await?;
    let rules = rule_context(&mut conn, &state, caller.agency_id).await?;
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
                .transpose()
                .map_err(|e| errors.push(e))
                .ok()
                .flatten();
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
                    .and_then(|u| check_url("replay_url", u).map_err(|e| errors.push(e)).ok())
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
                    plan::Facts::load_one(conn, caller.agency_id, &rules, &proposed, Vec::new())
                        .await?;
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

/// Replaces the ordered product lineup of a scheduled session; schedule rules are checked
/// again (a recalled product is refused).
#[utoipa::path(
    put, path = "/v1/live-sessions/{id}/lineup", tag = "live sessions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    request_body = LineupRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 200, description = "The session with its new lineup", body = SessionView),
        (status = 409, description = "Not scheduled (`invalid_transition`)"),
        (status = 422, description = "Unknown or repeated products, bad prices, or `compliance_violation`"),
    )
)]
pub async fn put_lineup(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<LineupRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn(&state).await?;
    let rules = rule_context(&mut conn, &state, caller.agency_id).await?;
    let (updated, facts) = conn
        .transaction(async |conn| {
            let current = sessions::find_for_update(conn, caller.agency_id, id).await?;
            if current.state != SessionState::Scheduled {
                return Err(invalid_transition(current.state, "change its lineup"));
            }
            let mut errors = Vec::new();
            let (lineup, products) =
                check_lineup(conn, caller.agency_id, "items", &body.items, &mut errors).await?;
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
            let facts =
                plan::Facts::load_one(conn, caller.agency_id, &rules, &draft, products).await?;
            let violations = facts.judge_one(&draft)?;
            if blocks_scheduling(&violations) {
                return Err(compliance_refusal(
                    "The lineup breaks scheduling rules.",
                    violations,
                ));
            }
            let previous = sessions::lineups(conn, caller.agency_id, &[id]).await?;
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
