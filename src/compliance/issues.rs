//! What the agency's list of open issues holds for a set of hosts, evaluated anew: their own
//! rules, their findings, and the violations of their scheduled sessions (see
//! [`super::refresh`] for when it is evaluated).

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::conversion::conversion_findings;
use super::findings::{findings, sales_findings};
use super::kinds::{IssueKind, issue_id};
use super::plan::{self, Draft};
use super::rules::{Stage, Violation, ViolationCode, evaluate_host};
use super::snapshot::{self, Hosts};
use crate::domain::enums::{InfluencerStatus, SessionState};
use crate::error::AppError;
use crate::schema::{compliance_issues, live_sessions};
use crate::sessions::model::{self as sessions, LiveSession};

/// What the rules are evaluated with.
#[derive(Debug, Clone)]
pub struct RuleContext {
    pub time_zone: Tz,
    pub valid_days: u32,
    /// The agency-local day.
    pub today: NaiveDate,
}

/// One issue as stored (and, without the agency, as a webhook event's `data`).
#[derive(Debug, Insertable, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = compliance_issues)]
pub(super) struct NewIssue {
    #[serde(skip)]
    agency_id: Uuid,
    pub(super) id: Uuid,
    influencer_id: Uuid,
    session_id: Option<Uuid>,
    kind: IssueKind,
    code: ViolationCode,
    message: String,
    blocks: Stage,
}

/// The issue `violation` makes for a host (and its session).
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

/// Every open issue of `hosts` today: host rules and findings (terminated hosts left out), and
/// the violations of every scheduled session of theirs.
pub(super) async fn evaluate(
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
    for (host, violation) in sales_findings(conn, agency_id, &active).await? {
        out.push(issue(agency_id, host, None, violation));
    }
    for (host, violation) in conversion_findings(conn, agency_id, &active, context.today).await? {
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
        context.time_zone,
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
