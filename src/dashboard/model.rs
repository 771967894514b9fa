//! The dashboard's own reads: the sessions of a window, and counts by index (open issues by
//! code, hosts by status, draft statements by month). Every statement filters on the agency
//! and reads an index range of it. They take a shared connection: the handler runs them
//! pipelined (sent together, answered in order).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::dsl::{count_star, exists, not, sql};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::compliance::rules::ViolationCode;
use crate::db::KeepPrepared;
use crate::domain::enums::InfluencerStatus;
use crate::schema::{compliance_finding_states, compliance_issues, influencers, statements};
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

/// The window's filter, in SQL: the sessions overlapping it that are scheduled or live, and
/// every session overlapping today whatever its state. A session lasts at most 24 hours (a
/// database check), so those overlapping the window start less than 24 hours before it: the
/// start is bounded on both sides and the calendar index (`agency_id, scheduled_start, id`,
/// carrying `scheduled_end` and `state`) reads a range of the window only. Binds: `$1` the
/// agency, `$2` 24 hours before the window, `$3` its end, `$4` its start, `$5` tomorrow.
macro_rules! in_window {
    () => {
        "live_sessions.agency_id = $1 \
AND live_sessions.scheduled_start > $2 AND live_sessions.scheduled_start < $3 \
AND live_sessions.scheduled_end > $4 \
AND (live_sessions.state IN ('scheduled', 'live') OR live_sessions.scheduled_start < $5)"
    };
}

/// How many of the window's sessions start in each bucket of `bounds` (ascending instants):
/// bucket 0 before `bounds[0]`, bucket `k` in `[bounds[k - 1], bounds[k])`. Read from the
/// calendar index alone (an index-only scan).
pub async fn day_counts(
    mut conn: &AsyncPgConnection,
    agency_id: Uuid,
    window: Window,
    bounds: &[DateTime<Utc>],
) -> QueryResult<Vec<BucketCount>> {
    const SQL: &str = concat!(
        "SELECT width_bucket(live_sessions.scheduled_start, $6::timestamptz[]) AS bucket, \
count(*) AS sessions FROM live_sessions WHERE ",
        in_window!(),
        " GROUP BY 1"
    );
    KeepPrepared(
        diesel::sql_query(SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Timestamptz, _>(window.start - Duration::hours(24))
            .bind::<Timestamptz, _>(window.end)
            .bind::<Timestamptz, _>(window.start)
            .bind::<Timestamptz, _>(window.tomorrow)
            .bind::<Array<Timestamptz>, _>(bounds),
    )
    .load(&mut conn)
    .await
}

/// A bucket of [`day_counts`].
#[derive(Debug, QueryableByName)]
pub struct BucketCount {
    #[diesel(sql_type = Integer)]
    pub bucket: i32,
    #[diesel(sql_type = BigInt)]
    pub sessions: i64,
}

/// A session and its host's stage name.
#[derive(Debug, QueryableByName)]
pub struct NamedSession {
    #[diesel(embed)]
    pub session: LiveSession,
    #[diesel(sql_type = Text)]
    pub stage_name: String,
}

/// The window's first `limit` sessions in calendar order (start, then id), with their hosts'
/// stage names: a range of the calendar index, each host looked up by its key.
pub async fn first_sessions(
    mut conn: &AsyncPgConnection,
    agency_id: Uuid,
    window: Window,
    limit: i64,
) -> QueryResult<Vec<NamedSession>> {
    // `LIMIT 1` keeps the host look-up from being pulled up into a join the planner would hash
    // over every host of the agency.
    const SQL: &str = concat!(
        "SELECT s.*, i.stage_name FROM (SELECT * FROM live_sessions WHERE ",
        in_window!(),
        " ORDER BY live_sessions.scheduled_start, live_sessions.id LIMIT $6) AS s \
CROSS JOIN LATERAL (SELECT influencers.stage_name FROM influencers \
    WHERE influencers.agency_id = $1 AND influencers.id = s.influencer_id LIMIT 1) AS i \
ORDER BY s.scheduled_start, s.id"
    );
    KeepPrepared(
        diesel::sql_query(SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Timestamptz, _>(window.start - Duration::hours(24))
            .bind::<Timestamptz, _>(window.end)
            .bind::<Timestamptz, _>(window.start)
            .bind::<Timestamptz, _>(window.tomorrow)
            .bind::<BigInt, _>(limit),
    )
    .load(&mut conn)
    .await
}

/// Open issues per code, counted as `GET /v1/compliance/issues` lists them (findings
/// acknowledged or resolved left out), in code order. The page joins each issue's host for its
/// stage name; every issue has one (hosts are never deleted), so the count reads the issues'
/// index alone.
pub async fn open_issues_by_code(
    mut conn: &AsyncPgConnection,
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
        .load(&mut conn)
        .await
}

/// The roster counted by status.
pub async fn hosts_by_status(
    mut conn: &AsyncPgConnection,
    agency_id: Uuid,
) -> QueryResult<Vec<(InfluencerStatus, i64)>> {
    influencers::table
        .filter(influencers::agency_id.eq(agency_id))
        .group_by(influencers::status)
        .select((influencers::status, count_star()))
        .load(&mut conn)
        .await
}

/// Draft statements per month, oldest first: (month, drafts, drafts that cannot be approved as
/// they stand).
pub async fn drafts_by_month(
    mut conn: &AsyncPgConnection,
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
        .load(&mut conn)
        .await
}
