//! The agency's list of open compliance issues, kept in `compliance_issues` so that a page
//! request reads an index range instead of evaluating the whole roster.
//!
//! Every write to something a rule reads (hosts, identities, consents, entities,
//! qualifications, accounts, product tests, products' recalls, sessions, lineups, reviews, sales)
//! appends the host to `compliance_dirty` in its own transaction (database triggers). A page
//! request first re-evaluates the dirty hosts, and the whole roster when the agency-local day,
//! the agency's time zone or the product-test validity changed since the last full evaluation
//! (ages and expiring qualifications depend on the day). So the list a request reads is never
//! older than the last committed write, and its cost is bounded by what changed.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::findings::findings;
use super::plan::{self, Draft};
use super::rules::{Stage, Violation, ViolationCode, evaluate_host};
use super::snapshot::{self, Hosts};
use crate::domain::enums::{InfluencerStatus, SessionState};
use crate::error::AppError;
use crate::schema::{
    compliance_dirty, compliance_finding_states, compliance_issues, compliance_refresh,
    influencers, live_sessions,
};
use crate::sessions::model::{self as sessions, LiveSession};
use crate::text_enum;

text_enum! {
    /// How an issue leaves the open list.
    pub enum IssueKind {
        /// A broken rule: it leaves the list when its cause is fixed.
        Rule => "rule",
        /// Found after the fact: it leaves the list when acknowledged or resolved.
        Finding => "finding",
    }
}

impl IssueKind {
    pub fn of(code: ViolationCode) -> Self {
        use ViolationCode as V;
        match code {
            V::SalesWithoutLegalEntity
            | V::RecalledProductSold
            | V::RecalledProductPromoted
            | V::ReviewLanguageViolation
            | V::ReviewDressViolation => IssueKind::Finding,
            _ => IssueKind::Rule,
        }
    }
}

text_enum! {
    /// What staff did about a finding.
    pub enum FindingState {
        Acknowledged => "acknowledged",
        Resolved => "resolved",
    }
}

/// The stable id of an issue: a hash of what it is about (never of its message, which may
/// carry counts or days left), the same for as long as the issue is open.
pub fn issue_id(
    agency_id: Uuid,
    influencer_id: Uuid,
    session_id: Option<Uuid>,
    violation: &Violation,
) -> Uuid {
    let mut hash = Sha256::new();
    let session = session_id.map(|s| s.to_string()).unwrap_or_default();
    let parts = [
        agency_id.to_string(),
        IssueKind::of(violation.code).as_str().to_owned(),
        violation.code.as_str().to_owned(),
        influencer_id.to_string(),
        session,
        violation.subject.clone().unwrap_or_default(),
    ];
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[derive(Debug, Insertable)]
#[diesel(table_name = compliance_issues)]
struct NewIssue {
    agency_id: Uuid,
    id: Uuid,
    influencer_id: Uuid,
    session_id: Option<Uuid>,
    kind: IssueKind,
    code: ViolationCode,
    message: String,
    blocks: Stage,
}

fn issue(
    agency_id: Uuid,
    influencer_id: Uuid,
    session_id: Option<Uuid>,
    violation: Violation,
) -> NewIssue {
    NewIssue {
        agency_id,
        id: issue_id(agency_id, influencer_id, session_id, &violation),
        influencer_id,
        session_id,
        kind: IssueKind::of(violation.code),
        code: violation.code,
        message: violation.message,
        blocks: violation.blocks,
    }
}

/// What the rules are evaluated with.
#[derive(Debug, Clone)]
pub struct RuleContext {
    pub time_zone: String,
    pub valid_days: u32,
    /// The agency-local day.
    pub today: NaiveDate,
}

/// Hosts evaluated per pass of a full evaluation: bounds the size of each query.
const HOSTS_PER_PASS: usize = 50;

/// Brings the agency's stored issues up to date: the dirty hosts, or everything once a day.
pub async fn refresh(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    context: &RuleContext,
) -> Result<(), AppError> {
    let valid_days = i32::try_from(context.valid_days).unwrap_or(i32::MAX);
    let is_current = |row: &(Option<NaiveDate>, String, i32)| {
        row.0 == Some(context.today) && row.1 == context.time_zone && row.2 == valid_days
    };
    // One round trip when nothing changed: how the list was evaluated, and whether any host is
    // dirty since.
    let stored: Option<(Option<NaiveDate>, String, i32, bool)> = compliance_refresh::table
        .find(agency_id)
        .select((
            compliance_refresh::evaluated_on,
            compliance_refresh::time_zone,
            compliance_refresh::valid_days,
            diesel::dsl::exists(
                compliance_dirty::table.filter(compliance_dirty::agency_id.eq(agency_id)),
            ),
        ))
        .first(conn)
        .await
        .optional()?;
    if let Some((on, time_zone, days, dirty)) = stored
        && !dirty
        && is_current(&(on, time_zone, days))
    {
        return Ok(());
    }
    conn.transaction(async |conn| {
        diesel::insert_into(compliance_refresh::table)
            .values((
                compliance_refresh::agency_id.eq(agency_id),
                compliance_refresh::evaluated_on.eq(None::<NaiveDate>),
                compliance_refresh::time_zone.eq(&context.time_zone),
                compliance_refresh::valid_days.eq(valid_days),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        // One evaluator per agency at a time; writers never take this lock.
        let stored: (Option<NaiveDate>, String, i32) = compliance_refresh::table
            .find(agency_id)
            .select((
                compliance_refresh::evaluated_on,
                compliance_refresh::time_zone,
                compliance_refresh::valid_days,
            ))
            .for_update()
            .first(conn)
            .await?;
        let hosts: Vec<Uuid> = if is_current(&stored) {
            let mut hosts: Vec<Uuid> = diesel::delete(
                compliance_dirty::table.filter(compliance_dirty::agency_id.eq(agency_id)),
            )
            .returning(compliance_dirty::influencer_id)
            .get_results(conn)
            .await?;
            hosts.sort();
            hosts.dedup();
            hosts
        } else {
            diesel::delete(
                compliance_dirty::table.filter(compliance_dirty::agency_id.eq(agency_id)),
            )
            .execute(conn)
            .await?;
            diesel::delete(
                compliance_issues::table.filter(compliance_issues::agency_id.eq(agency_id)),
            )
            .execute(conn)
            .await?;
            diesel::update(compliance_refresh::table.find(agency_id))
                .set((
                    compliance_refresh::evaluated_on.eq(Some(context.today)),
                    compliance_refresh::time_zone.eq(&context.time_zone),
                    compliance_refresh::valid_days.eq(valid_days),
                ))
                .execute(conn)
                .await?;
            influencers::table
                .filter(influencers::agency_id.eq(agency_id))
                .select(influencers::id)
                .order(influencers::id.asc())
                .load(conn)
                .await?
        };
        for chunk in hosts.chunks(HOSTS_PER_PASS) {
            let issues = evaluate(conn, agency_id, context, chunk).await?;
            diesel::delete(
                compliance_issues::table
                    .filter(compliance_issues::agency_id.eq(agency_id))
                    .filter(compliance_issues::influencer_id.eq_any(chunk)),
            )
            .execute(conn)
            .await?;
            for rows in issues.chunks(2000) {
                diesel::insert_into(compliance_issues::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?;
            }
        }
        Ok::<_, AppError>(())
    })
    .await
}

/// Every open issue of `hosts` today: host rules and findings (terminated hosts left out), and
/// the violations of every scheduled session of theirs.
async fn evaluate(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    context: &RuleContext,
    hosts: &[Uuid],
) -> Result<Vec<NewIssue>, AppError> {
    let roster = snapshot::load(conn, agency_id, Hosts::Only(hosts)).await?;
    let active: Vec<Uuid> = roster
        .iter()
        .filter(|(row, _)| row.status != InfluencerStatus::Terminated)
        .map(|(row, _)| row.id)
        .collect();
    let mut out = Vec::new();
    for (row, host) in &roster {
        if row.status != InfluencerStatus::Terminated {
            for violation in evaluate_host(host, context.today) {
                out.push(issue(agency_id, row.id, None, violation));
            }
        }
    }
    for (host, session, violation) in findings(conn, agency_id, Some(&active)).await? {
        out.push(issue(agency_id, host, session, violation));
    }
    for (host, violation) in crate::sales::impact::sales_findings(conn, agency_id, &active).await? {
        out.push(issue(agency_id, host, None, violation));
    }

    let scheduled: Vec<LiveSession> = live_sessions::table
        .filter(live_sessions::agency_id.eq(agency_id))
        .filter(live_sessions::influencer_id.eq_any(hosts))
        .filter(live_sessions::state.eq(SessionState::Scheduled))
        .select(LiveSession::as_select())
        .load(conn)
        .await?;
    if scheduled.is_empty() {
        return Ok(out);
    }
    let ids: Vec<Uuid> = scheduled.iter().map(|s| s.id).collect();
    let mut lineups: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in sessions::lineups(conn, agency_id, &ids).await? {
        lineups
            .entry(row.session_id)
            .or_default()
            .push(row.product_id);
    }
    let drafts: Vec<Draft> = scheduled
        .iter()
        .map(|s| Draft {
            influencer_id: s.influencer_id,
            platform_account_id: s.platform_account_id,
            scheduled_start: s.scheduled_start,
            language: s.language.clone(),
            ai_label: s.ai_label,
            product_ids: lineups.remove(&s.id).unwrap_or_default(),
        })
        .collect();
    let verdicts = plan::evaluate(
        conn,
        agency_id,
        &context.time_zone,
        context.valid_days,
        &drafts,
    )
    .await?;
    for (session, violations) in scheduled.iter().zip(verdicts) {
        for violation in violations {
            out.push(issue(
                agency_id,
                session.influencer_id,
                Some(session.id),
                violation,
            ));
        }
    }
    Ok(out)
}

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
