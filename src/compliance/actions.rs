//! Acting on findings (owner, admin, compliance): acknowledging or resolving one takes it off
//! the open list.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::dto::{FindingNote, FindingStateView};
use super::handlers::rule_context;
use super::kinds::{FindingState, IssueKind};
use super::refresh::refresh;
use super::rules::ViolationCode;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_text;
use crate::error::{AppError, conflict_on};
use crate::json::Json;
use crate::schema::{compliance_finding_states, compliance_issues};

/// Acknowledges a finding (owner, admin, compliance): it leaves the open list.
#[utoipa::path(
    post, path = "/v1/compliance/issues/{id}/acknowledge", tag = "compliance", security(("bearer" = [])),
    request_body = FindingNote,
    responses(
        (status = 403, description = "The caller's role may not act on compliance issues"),
        (status = 200, description = "The finding's new state", body = FindingStateView),
        (status = 404, description = "No such open issue in this agency"),
        (status = 409, description = "A rule violation (`not_a_finding`), or already acknowledged or resolved (`invalid_transition`)"),
    )
)]
pub async fn acknowledge_issue(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<FindingNote>,
) -> Result<HttpResponse, AppError> {
    act_on_finding(caller, id, body, FindingState::Acknowledged).await
}

/// Resolves a finding, open or acknowledged (owner, admin, compliance): it leaves the open list
/// for good.
#[utoipa::path(
    post, path = "/v1/compliance/issues/{id}/resolve", tag = "compliance", security(("bearer" = [])),
    request_body = FindingNote,
    responses(
        (status = 403, description = "The caller's role may not act on compliance issues"),
        (status = 200, description = "The finding's new state", body = FindingStateView),
        (status = 404, description = "No such open issue in this agency"),
        (status = 409, description = "A rule violation (`not_a_finding`), or already resolved (`invalid_transition`)"),
    )
)]
pub async fn resolve_issue(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<FindingNote>,
) -> Result<HttpResponse, AppError> {
    act_on_finding(caller, id, body, FindingState::Resolved).await
}

/// Moves the finding `id` to `target` once the stored list is up to date.
async fn act_on_finding(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<FindingNote>,
    target: FindingState,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Verify)?;
    let id = id.into_inner();
    let note =
        check_text("note", &body.note, 1, 2000).map_err(|e| AppError::validation(vec![e]))?;
    let mut conn = caller.conn().await?;
    let context = rule_context(&mut conn, caller.state(), caller.agency_id).await?;
    refresh(&mut conn, caller.agency_id, &context).await?;
    let view = conn
        .transaction(async |conn| set_state(conn, &caller, id, &note, target).await)
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Moves the finding `id` to `target` and records it, within the caller's transaction.
async fn set_state(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    note: &str,
    target: FindingState,
) -> Result<FindingStateView, AppError> {
    let (kind, host, code): (IssueKind, Uuid, ViolationCode) = compliance_issues::table
        .find((caller.agency_id, id))
        .select((
            compliance_issues::kind,
            compliance_issues::influencer_id,
            compliance_issues::code,
        ))
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
    if kind != IssueKind::Finding {
        return Err(AppError::Conflict {
            code: "not_a_finding",
            detail: "A rule violation leaves the list when its cause is fixed; only findings are acknowledged or resolved.".to_owned(),
        });
    }
    let current: Option<FindingState> = compliance_finding_states::table
        .find((caller.agency_id, id))
        .select(compliance_finding_states::state)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let already = |state: FindingState| AppError::Conflict {
        code: "invalid_transition",
        detail: format!("The finding is already {state}."),
    };
    let now = Utc::now();
    match (current, target) {
        (None, _) => {
            diesel::insert_into(compliance_finding_states::table)
                .values((
                    compliance_finding_states::agency_id.eq(caller.agency_id),
                    compliance_finding_states::issue_id.eq(id),
                    compliance_finding_states::influencer_id.eq(host),
                    compliance_finding_states::code.eq(code.as_str()),
                    compliance_finding_states::state.eq(target),
                    compliance_finding_states::note.eq(note),
                    compliance_finding_states::acted_by.eq(caller.user_id),
                    compliance_finding_states::acted_at.eq(now),
                ))
                .execute(conn)
                .await
                .map_err(|e| {
                    conflict_on(
                        e,
                        DatabaseErrorKind::UniqueViolation,
                        "invalid_transition",
                        "The finding was acted on at the same time.",
                    )
                })?;
        }
        (Some(FindingState::Acknowledged), FindingState::Resolved) => {
            diesel::update(compliance_finding_states::table.find((caller.agency_id, id)))
                .set((
                    compliance_finding_states::state.eq(target),
                    compliance_finding_states::note.eq(note),
                    compliance_finding_states::acted_by.eq(caller.user_id),
                    compliance_finding_states::acted_at.eq(now),
                ))
                .execute(conn)
                .await?;
        }
        (Some(state), _) => return Err(already(state)),
    }
    let from = current.map_or("open", FindingState::as_str);
    let verb = if target == FindingState::Resolved {
        "resolve"
    } else {
        "acknowledge"
    };
    caller
        .record(
            conn,
            &format!("compliance_issue.{verb}"),
            "compliance_issue",
            id,
            Changes::new()
                .change("state", from, target.as_str())
                .value("code", code)
                .value("influencer_id", host)
                .value("note", note),
        )
        .await?;
    let view = FindingStateView {
        id,
        influencer_id: host,
        code,
        state: target,
        note: note.to_owned(),
        acted_by: caller.user_id,
        acted_at: now,
    };
    // The finding leaves the open list (or, acknowledged before, is now resolved).
    let mut data = serde_json::to_value(&view).map_err(anyhow::Error::from)?;
    if let Some(fields) = data.as_object_mut() {
        fields.insert("kind".to_owned(), "finding".into());
        fields.insert("resolution".to_owned(), target.as_str().into());
    }
    crate::webhooks::emit(
        conn,
        caller.agency_id,
        crate::webhooks::EventType::ComplianceViolationResolved,
        data,
    )
    .await?;
    Ok(view)
}
