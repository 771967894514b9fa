//! The dashboard's own reads: the sessions of a window, and counts by index (open issues by
//! code, hosts by status, draft statements by month). Every statement filters on the agency
//! and reads an index range of it, or looks unnested keys up one by one.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::dsl::{count_star, exists, not, sql};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::compliance::rules::ViolationCode;
use crate::db::KeepPrepared;
use crate::domain::enums::{InfluencerStatus, SessionState};
use crate::schema::{
    compliance_finding_states, compliance_issues, influencers, live_sessions, statements,
};
use crate::sessions::model::LiveSession;
use crate::statements::model::StatementState;

/// The instants the session window is made of (see the handler for the rules).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Local midnight starting today.
    pub start: DateTime<Utc>,
    /// Local midnight starting tomorrow.
    pub tomorrow: DateTime<Utc>,
    /// Local midnight 8 days after today's (exclusive).
    pub end: DateTime<Utc>,
}

/// The sessions the window takes: those overlapping it that are scheduled or live, and every
/// session overlapping today whatever its state. A session lasts at most 24 hours (a database
/// check), so those overlapping the window start less than 24 hours before it: the start is
/// bounded on both sides and the calendar index (`agency_id, scheduled_start, id`) reads a
/// range of the window only.
macro_rules! in_window {
    ($query:expr, $agency_id:expr, $window:expr) => {
        $query
            .filter(live_sessions::agency_id.eq($agency_id))
            .filter(live_sessions::scheduled_start.gt($window.start - Duration::hours(24)))
            .filter(live_sessions::scheduled_start.lt($window.end))
            .filter(live_sessions::scheduled_end.gt($window.start))
            .filter(
                live_sessions::state
                    .eq(SessionState::Scheduled)
                    .or(live_sessions::state.eq(SessionState::Live))
                    .or(live_sessions::scheduled_start.lt($window.tomorrow)),
            )
    };
}

/// Every session of the window in calendar order (start, then id): its start and id only, read
/// from the calendar index's range.
pub async fn window_keys(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    window: Window,
) -> QueryResult<Vec<(DateTime<Utc>, Uuid)>> {
    in_window!(live_sessions::table, agency_id, window)
        .select((live_sessions::scheduled_start, live_sessions::id))
        .order((
            live_sessions::scheduled_start.asc(),
            live_sessions::id.asc(),
        ))
        .load(conn)
        .await
}

/// A session and its host's stage name.
#[derive(Debug, QueryableByName)]
pub struct NamedSession {
    #[diesel(embed)]
    pub session: LiveSession,
    #[diesel(sql_type = Text)]
    pub stage_name: String,
}

/// The sessions `ids` in their order, with their hosts' stage names: each looked up by its
/// primary key (the keys unnested), whatever the planner knows of the agency.
pub async fn named_sessions(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<NamedSession>> {
    // Each key looked up on its own (`LIMIT 1` keeps the subqueries from being pulled up into a
    // join the planner would hash over every session of the agency).
    const SQL: &str = "\
SELECT s.*, i.stage_name \
FROM unnest($2::uuid[]) WITH ORDINALITY AS k(id, n) \
CROSS JOIN LATERAL (SELECT * FROM live_sessions \
    WHERE live_sessions.agency_id = $1 AND live_sessions.id = k.id LIMIT 1) AS s \
CROSS JOIN LATERAL (SELECT influencers.stage_name FROM influencers \
    WHERE influencers.agency_id = $1 AND influencers.id = s.influencer_id LIMIT 1) AS i \
ORDER BY k.n";
    KeepPrepared(
        diesel::sql_query(SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<SqlUuid>, _>(ids),
    )
    .load(conn)
    .await
}

/// Open issues per code, counted as `GET /v1/compliance/issues` lists them (findings
/// acknowledged or resolved left out), in code order. The page joins each issue's host for its
/// stage name; every issue has one (hosts are never deleted), so the count reads the issues'
/// index alone.
pub async fn open_issues_by_code(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
) -> QueryResult<Vec<(ViolationCode, i64)>> {
    let handled = compliance_finding_states::table
        .filter(compliance_finding_states::agency_id.eq(compliance_issues::agency_id))
        .filter(compliance_finding_states::issue_id.eq(compliance_issues::id));
    compliance_issues::table
        .filter(compliance_issues::agency_id.eq(agency_id))
        .filter(not(exists(handled)))
        .group_by(compliance_issues::code)
        .select((compliance_issues::code, count_star()))
        .order(compliance_issues::code.asc())
        .load(conn)
        .await
}

/// The roster counted by status.
pub async fn hosts_by_status(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
) -> QueryResult<Vec<(InfluencerStatus, i64)>> {
    influencers::table
        .filter(influencers::agency_id.eq(agency_id))
        .group_by(influencers::status)
        .select((influencers::status, count_star()))
        .load(conn)
        .await
}

/// Draft statements per month, oldest first: (month, drafts, drafts that cannot be approved as
/// they stand).
pub async fn drafts_by_month(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
) -> QueryResult<Vec<(NaiveDate, i64, i64)>> {
    statements::table
        .filter(statements::agency_id.eq(agency_id))
        .filter(statements::state.eq(StatementState::Draft))
        .group_by(statements::month)
        .select((
            statements::month,
            count_star(),
            sql::<BigInt>("count(*) FILTER (WHERE stale OR contract_missing)"),
        ))
        .order(statements::month.asc())
        .load(conn)
        .await
}
