//! `GET /v1/influencers/{id}/compliance`, `GET /v1/compliance/issues` and acting on findings.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::findings::findings;
use super::issues::{self, FindingState, IssueFilter, IssueKind, IssueRow, RuleContext};
use super::rules::{Stage, Violation, ViolationCode, evaluate_host};
use super::snapshot::{self, Hosts};
use crate::agencies::{local_today, today_for};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_text;
use crate::error::{AppError, conflict_on};
use crate::json::Json;
use crate::pagination::{Page, PageRequest};
use crate::schema::{compliance_finding_states, compliance_issues};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct HostCompliance {
    pub influencer_id: Uuid,
    /// The agency-local day the rules were evaluated on.
    pub evaluated_on: NaiveDate,
    pub violations: Vec<Violation>,
}

/// One open issue on the agency's compliance page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceIssue {
    /// Stable while the issue is open: the same issue has the same id on every request.
    pub id: Uuid,
    /// `rule` leaves the list when its cause is fixed; `finding` when acknowledged or resolved.
    pub kind: IssueKind,
    pub influencer_id: Uuid,
    pub stage_name: String,
    /// The scheduled session the violation is about (or the past session of a review or
    /// promotion finding); absent for the host's own rules.
    pub session_id: Option<Uuid>,
    pub code: ViolationCode,
    pub message: String,
    pub blocks: Stage,
}

impl From<IssueRow> for ComplianceIssue {
    fn from(row: IssueRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            influencer_id: row.influencer_id,
            stage_name: row.stage_name,
            session_id: row.session_id,
            code: row.code,
            message: row.message,
            blocks: row.blocks,
        }
    }
}

/// What staff say about a finding.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingNote {
    /// 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// A finding's state after `acknowledge` or `resolve`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingStateView {
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub code: ViolationCode,
    pub state: FindingState,
    pub note: String,
    pub acted_by: Uuid,
    pub acted_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssueQuery {
    pub code: Option<ViolationCode>,
    pub influencer_id: Option<Uuid>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The host's open violations today (agency time).
#[utoipa::path(
    get, path = "/v1/influencers/{id}/compliance", tag = "compliance", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    responses(
        (status = 200, description = "The host's violations", body = HostCompliance),
        (status = 404, description = "No such host in this agency"),
    )
)]
pub async fn host_compliance(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = caller.conn(&state).await?;
    let today = today_for(&mut conn, caller.agency_id).await?;
    let hosts = snapshot::load(&mut conn, caller.agency_id, Hosts::Only(&[id])).await?;
    let (row, host) = hosts.into_iter().next().ok_or(AppError::NotFound)?;
    let mut violations = evaluate_host(&host, today);
    violations.extend(
        findings(&mut conn, caller.agency_id, Some(&[id]))
            .await?
            .into_iter()
            .map(|(_, _, v)| v),
    );
    violations.extend(
        crate::sales::impact::sales_findings(&mut conn, caller.agency_id, &[id])
            .await?
            .into_iter()
            .map(|(_, v)| v),
    );
    Ok(HttpResponse::Ok().json(HostCompliance {
        influencer_id: row.id,
        evaluated_on: today,
        violations,
    }))
}

/// Every open issue of the agency: host rules and findings (terminated hosts left out), and the
/// violations of every scheduled session, by host. Acknowledged or resolved findings are left
/// out.
#[utoipa::path(
    get, path = "/v1/compliance/issues", tag = "compliance", security(("bearer" = [])),
    params(IssueQuery),
    responses((status = 200, description = "A page of open issues", body = Page<ComplianceIssue>))
)]
pub async fn compliance_issues(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<IssueQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let query = query.into_inner();
    let page = PageRequest::<(Uuid, String, Uuid)>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn(&state).await?;
    let context = rule_context(&mut conn, &state, caller.agency_id).await?;
    issues::refresh(&mut conn, caller.agency_id, &context).await?;
    let filter = IssueFilter {
        code: query.code,
        influencer_id: query.influencer_id,
        after: page.after.clone(),
    };
    let rows =
        issues::open_issues(&mut conn, caller.agency_id, &filter, page.fetch_limit()).await?;
    let items: Vec<ComplianceIssue> = rows.into_iter().map(ComplianceIssue::from).collect();
    Ok(HttpResponse::Ok().json(Page::from_rows(
        items,
        &page,
        |i| (i.influencer_id, i.code.as_str().to_owned(), i.id),
        |i| i,
    )))
}

async fn rule_context(
    conn: &mut diesel_async::AsyncPgConnection,
    state: &AppState,
    agency_id: Uuid,
) -> Result<RuleContext, AppError> {
    let (time_zone, valid_days) =
        crate::sessions::handlers::rule_context(conn, state, agency_id).await?;
    Ok(RuleContext {
        today: local_today(&time_zone)?,
        time_zone,
        valid_days,
    })
}

/// Acknowledges a finding (owner, admin, compliance): it leaves the open list.
#[utoipa::path(
    post, path = "/v1/compliance/issues/{id}/acknowledge", tag = "compliance", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Issue id")),
    request_body = FindingNote,
    responses(
        (status = 403, description = "The caller's role may not act on compliance issues"),
        (status = 200, description = "The finding's new state", body = FindingStateView),
        (status = 404, description = "No such open issue in this agency"),
        (status = 409, description = "A rule violation (`not_a_finding`), or already acknowledged or resolved (`invalid_transition`)"),
    )
)]
pub async fn acknowledge_issue(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<FindingNote>,
) -> Result<HttpResponse, AppError> {
    act_on_finding(
        state,
        caller,
        id.into_inner(),
        &body.note,
        FindingState::Acknowledged,
    )
    .await
}

/// Resolves a finding, open or acknowledged (owner, admin, compliance): it leaves the open list
/// for good.
#[utoipa::path(
    post, path = "/v1/compliance/issues/{id}/resolve", tag = "compliance", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Issue id")),
    request_body = FindingNote,
    responses(
        (status = 403, description = "The caller's role may not act on compliance issues"),
        (status = 200, description = "The finding's new state", body = FindingStateView),
        (status = 404, description = "No such open issue in this agency"),
        (status = 409, description = "A rule violation (`not_a_finding`), or already resolved (`invalid_transition`)"),
    )
)]
pub async fn resolve_issue(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<FindingNote>,
) -> Result<HttpResponse, AppError> {
    act_on_finding(
        state,
        caller,
        id.into_inner(),
        &body.note,
        FindingState::Resolved,
    )
    .await
}

async fn act_on_finding(
    state: web::Data<AppState>,
    caller: Caller,
    id: Uuid,
    note: &str,
    target: FindingState,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Verify)?;
    let note = check_text("note", note, 1, 2000).map_err(|e| AppError::validation(vec![e]))?;
    let mut conn = caller.conn(&state).await?;
    let context = rule_context(&mut conn, &state, caller.agency_id).await?;
    issues::refresh(&mut conn, caller.agency_id, &context).await?;
    let view = conn
        .transaction(async |conn| {
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
                            compliance_finding_states::note.eq(&note),
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
                            compliance_finding_states::note.eq(&note),
                            compliance_finding_states::acted_by.eq(caller.user_id),
                            compliance_finding_states::acted_at.eq(now),
                        ))
                        .execute(conn)
                        .await?;
                }
                (Some(state), _) => return Err(already(state)),
            }
            let from = current.map_or("open", FindingState::as_str);
            caller
                .record(
                    conn,
                    &format!("compliance_issue.{}", if target == FindingState::Resolved { "resolve" } else { "acknowledge" }),
                    "compliance_issue",
                    id,
                    Changes::new()
                        .change("state", from, target.as_str())
                        .value("code", code)
                        .value("influencer_id", host)
                        .value("note", &note),
                )
                .await?;
            Ok(FindingStateView {
                id,
                influencer_id: host,
                code,
                state: target,
                note: note.clone(),
                acted_by: caller.user_id,
                acted_at: now,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
