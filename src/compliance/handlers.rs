//! `GET /v1/influencers/{id}/compliance` and `GET /v1/compliance/issues`.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::findings::findings;
use super::rules::{Stage, Violation, ViolationCode, evaluate_host};
use super::snapshot::{self, Hosts};
use crate::agencies::today_for;
use crate::auth::{Caller, Capability};
use crate::error::{AppError, Problem};
use crate::pagination::{Page, PageRequest};
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct HostCompliance {
    pub influencer_id: Uuid,
    /// The agency-local day the rules were evaluated on.
    pub evaluated_on: NaiveDate,
    pub violations: Vec<Violation>,
}

/// One open violation on the agency's compliance page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceIssue {
    pub influencer_id: Uuid,
    pub stage_name: String,
    pub code: ViolationCode,
    pub message: String,
    pub blocks: Stage,
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
        (status = 404, description = "No such host in this agency", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn host_compliance(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    let today = today_for(&mut conn, caller.agency_id).await?;
    let hosts = snapshot::load(&mut conn, caller.agency_id, Hosts::Only(&[id])).await?;
    let (row, host) = hosts.into_iter().next().ok_or(AppError::NotFound)?;
    let mut violations = evaluate_host(&host, today);
    violations.extend(
        findings(&mut conn, caller.agency_id, Some(&[id]))
            .await?
            .into_iter()
            .map(|(_, v)| v),
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

/// Every open violation across the agency's roster (terminated hosts left out), by host.
#[utoipa::path(
    get, path = "/v1/compliance/issues", tag = "compliance", security(("bearer" = [])),
    params(IssueQuery),
    responses((status = 200, description = "A page of open violations", body = Page<ComplianceIssue>))
)]
pub async fn compliance_issues(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<IssueQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let query = query.into_inner();
    let page = PageRequest::<(Uuid, String, String)>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = state.conn().await?;
    let today = today_for(&mut conn, caller.agency_id).await?;
    let only = query.influencer_id.map(|id| [id]);
    let hosts = match &only {
        Some(ids) => Hosts::Only(ids),
        None => Hosts::Roster,
    };
    let roster = snapshot::load(&mut conn, caller.agency_id, hosts).await?;
    let ids: Vec<Uuid> = roster.iter().map(|(row, _)| row.id).collect();
    let names: std::collections::HashMap<Uuid, String> = roster
        .iter()
        .map(|(row, _)| (row.id, row.stage_name.clone()))
        .collect();
    let mut found: Vec<(Uuid, Violation)> = roster
        .iter()
        .flat_map(|(row, host)| {
            evaluate_host(host, today)
                .into_iter()
                .map(move |v| (row.id, v))
        })
        .collect();
    found.extend(findings(&mut conn, caller.agency_id, Some(&ids)).await?);
    found.extend(crate::sales::impact::sales_findings(&mut conn, caller.agency_id, &ids).await?);
    let mut issues: Vec<ComplianceIssue> = found
        .into_iter()
        .filter(|(_, v)| query.code.is_none_or(|code| v.code == code))
        .map(|(id, v)| ComplianceIssue {
            influencer_id: id,
            stage_name: names.get(&id).cloned().unwrap_or_default(),
            code: v.code,
            message: v.message,
            blocks: v.blocks,
        })
        .collect();
    let key = |i: &ComplianceIssue| {
        (
            i.influencer_id,
            i.code.as_str().to_owned(),
            i.message.clone(),
        )
    };
    issues.sort_by_key(key);
    if let Some(after) = &page.after {
        issues.retain(|i| key(i) > *after);
    }
    issues.truncate(usize::try_from(page.fetch_limit()).unwrap_or(usize::MAX));
    Ok(HttpResponse::Ok().json(Page::from_rows(issues, &page, key, |i| i)))
}
