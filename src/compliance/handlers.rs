//! `GET /v1/influencers/{id}/compliance` and `GET /v1/compliance/issues`.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::conversion::conversion_findings;
use super::dto::{ComplianceIssue, HostCompliance, IssueQuery};
use super::findings::{findings, sales_findings};
use super::issues::RuleContext;
use super::page::{self, IssueFilter};
use super::refresh::refresh;
use super::rules::evaluate_host;
use super::snapshot::{self, Hosts};
use crate::agencies::{today_for, today_in};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// The host's open violations today (agency time).
#[utoipa::path(
    get, path = "/v1/influencers/{id}/compliance", tag = "compliance", security(("bearer" = [])),
    responses(
        (status = 200, description = "The host's violations", body = HostCompliance),
        (status = 404, description = "No such host in this agency"),
    )
)]
pub async fn host_compliance(
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
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
        sales_findings(&mut conn, caller.agency_id, &[id])
            .await?
            .into_iter()
            .map(|(_, v)| v),
    );
    violations.extend(
        conversion_findings(&mut conn, caller.agency_id, &[id], today)
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
    caller: Caller,
    query: web::Query<IssueQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let query = query.into_inner();
    let page = PageRequest::<(Uuid, String, Uuid)>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
    let context = rule_context(&mut conn, caller.state(), caller.agency_id).await?;
    refresh(&mut conn, caller.agency_id, &context).await?;
    let filter = IssueFilter {
        code: query.code,
        influencer_id: query.influencer_id,
        after: page.after.clone(),
    };
    let rows = page::open_issues(&mut conn, caller.agency_id, &filter, page.fetch_limit()).await?;
    let items: Vec<ComplianceIssue> = rows.into_iter().map(ComplianceIssue::from).collect();
    Ok(HttpResponse::Ok().json(Page::from_rows(
        items,
        &page,
        |i| (i.influencer_id, i.code.as_str().to_owned(), i.id),
        |i| i,
    )))
}

/// What the rules are evaluated with for the agency today (also what the roster reads its hosts'
/// open issues after: `crate::influencers::facts`).
pub async fn rule_context(
    conn: &mut diesel_async::AsyncPgConnection,
    state: &AppState,
    agency_id: Uuid,
) -> Result<RuleContext, AppError> {
    let (time_zone, valid_days) = super::context::rule_context(conn, state, agency_id).await?;
    Ok(RuleContext {
        today: today_in(time_zone),
        time_zone,
        valid_days,
    })
}
