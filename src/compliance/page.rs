//! Reading the stored open issues a page at a time.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::kinds::IssueKind;
use super::rules::{Stage, ViolationCode};
use crate::schema::{compliance_finding_states, compliance_issues, influencers};

/// One open issue as stored, with its host's stage name.
#[derive(Debug, Queryable)]
pub struct IssueRow {
    pub id: Uuid,
    pub kind: IssueKind,
    pub influencer_id: Uuid,
    pub stage_name: String,
    pub session_id: Option<Uuid>,
    pub code: ViolationCode,
    pub message: String,
    pub blocks: Stage,
}

/// Filters of the page.
#[derive(Debug, Default)]
pub struct IssueFilter {
    pub code: Option<ViolationCode>,
    pub influencer_id: Option<Uuid>,
    /// Keyset: strictly after (influencer_id, code, id).
    pub after: Option<(Uuid, String, Uuid)>,
}

/// Open issues (findings acknowledged or resolved left out) in (host, code, id) order.
pub async fn open_issues(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    filter: &IssueFilter,
    limit: i64,
) -> QueryResult<Vec<IssueRow>> {
    let handled = compliance_finding_states::table
        .filter(compliance_finding_states::agency_id.eq(compliance_issues::agency_id))
        .filter(compliance_finding_states::issue_id.eq(compliance_issues::id));
    let mut query = compliance_issues::table
        .inner_join(
            influencers::table.on(influencers::agency_id
                .eq(compliance_issues::agency_id)
                .and(influencers::id.eq(compliance_issues::influencer_id))),
        )
        .filter(compliance_issues::agency_id.eq(agency_id))
        .filter(diesel::dsl::not(diesel::dsl::exists(handled)))
        .select((
            compliance_issues::id,
            compliance_issues::kind,
            compliance_issues::influencer_id,
            influencers::stage_name,
            compliance_issues::session_id,
            compliance_issues::code,
            compliance_issues::message,
            compliance_issues::blocks,
        ))
        .into_boxed();
    if let Some(code) = filter.code {
        query = query.filter(compliance_issues::code.eq(code.as_str()));
    }
    if let Some(host) = filter.influencer_id {
        query = query.filter(compliance_issues::influencer_id.eq(host));
    }
    if let Some((host, code, id)) = &filter.after {
        query = query.filter(
            diesel::dsl::sql::<Bool>(
                "(compliance_issues.influencer_id, compliance_issues.code, compliance_issues.id) > (",
            )
            .bind::<diesel::sql_types::Uuid, _>(*host)
            .sql(", ")
            .bind::<Text, _>(code.clone())
            .sql(", ")
            .bind::<diesel::sql_types::Uuid, _>(*id)
            .sql(")"),
        );
    }
    query
        .order((
            compliance_issues::influencer_id.asc(),
            compliance_issues::code.asc(),
            compliance_issues::id.asc(),
        ))
        .limit(limit)
        .load(conn)
        .await
}
