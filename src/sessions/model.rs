//! Live-session rows, their lineups and reviews.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::enums::{Platform, SessionState, VenueType};
use crate::pagination::PageRequest;
use crate::schema::{live_sessions, platform_accounts, session_products, session_reviews};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = live_sessions)]
pub struct LiveSession {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub platform_account_id: Uuid,
    pub title: String,
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    pub language: String,
    pub venue_type: Option<VenueType>,
    pub venue_city: Option<String>,
    pub venue_city_tier: Option<i16>,
    pub ai_label: bool,
    pub replay_url: Option<String>,
    pub state: SessionState,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<LiveSession> {
    live_sessions::table
        .find((agency_id, id))
        .select(LiveSession::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<LiveSession> {
    live_sessions::table
        .find((agency_id, id))
        .select(LiveSession::as_select())
        .for_update()
        .first(conn)
        .await
}

#[derive(Debug, Default, Clone)]
pub struct SessionFilter {
    /// Sessions overlapping `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub influencer_id: Option<Uuid>,
    pub platform: Option<Platform>,
    pub state: Option<SessionState>,
}

/// Sessions in calendar order (start, then id), after `after` when given.
pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    filter: &SessionFilter,
    page: &PageRequest<(DateTime<Utc>, Uuid)>,
) -> QueryResult<Vec<LiveSession>> {
    list_titled(conn, agency_id, filter, None, page).await
}

/// [`list`], keeping only sessions whose title contains `title` (case-insensitive). The match
/// is an `ILIKE` over the agency's sessions that the other filters leave (read through the
/// calendar index, in its order): no trigram index, so its cost follows the agency's schedule.
pub async fn list_titled(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    filter: &SessionFilter,
    title: Option<&str>,
    page: &PageRequest<(DateTime<Utc>, Uuid)>,
) -> QueryResult<Vec<LiveSession>> {
    let mut query = live_sessions::table
        .filter(live_sessions::agency_id.eq(agency_id))
        .select(LiveSession::as_select())
        .order((
            live_sessions::scheduled_start.asc(),
            live_sessions::id.asc(),
        ))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(live_sessions::scheduled_end.gt(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(live_sessions::scheduled_start.lt(to));
    }
    if let Some(influencer_id) = filter.influencer_id {
        query = query.filter(live_sessions::influencer_id.eq(influencer_id));
    }
    if let Some(state) = filter.state {
        query = query.filter(live_sessions::state.eq(state));
    }
    if let Some(title) = title {
        query = query.filter(live_sessions::title.ilike(crate::domain::like_pattern(title)));
    }
    if let Some(platform) = filter.platform {
        let accounts = platform_accounts::table
            .filter(platform_accounts::agency_id.eq(agency_id))
            .filter(platform_accounts::platform.eq(platform))
            .select(platform_accounts::id);
        query = query.filter(live_sessions::platform_account_id.eq_any(accounts));
    }
    if let Some((start, id)) = page.after {
        // One row comparison, a range of `live_sessions_calendar_idx` (see `sales::list`).
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "(live_sessions.scheduled_start, live_sessions.id) > (",
            )
            .bind::<diesel::sql_types::Timestamptz, _>(start)
            .sql(", ")
            .bind::<diesel::sql_types::Uuid, _>(id)
            .sql(")"),
        );
    }
    // One text per combination of filters: kept prepared (the cursor is an SQL fragment).
    crate::db::KeepPrepared(query).load(conn).await
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = live_sessions)]
pub struct SessionChanges {
    pub platform_account_id: Option<Uuid>,
    pub title: Option<String>,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub scheduled_end: Option<DateTime<Utc>>,
    pub language: Option<String>,
    pub venue_type: Option<Option<VenueType>>,
    pub venue_city: Option<Option<String>>,
    pub venue_city_tier: Option<Option<i16>>,
    pub ai_label: Option<bool>,
    pub replay_url: Option<Option<String>>,
    pub state: Option<SessionState>,
    pub actual_start: Option<Option<DateTime<Utc>>>,
    pub actual_end: Option<Option<DateTime<Utc>>>,
    pub cancel_reason: Option<Option<String>>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    changes: &SessionChanges,
) -> QueryResult<LiveSession> {
    diesel::update(live_sessions::table.find((agency_id, id)))
        .set((
            changes,
            live_sessions::version.eq(live_sessions::version + 1),
        ))
        .returning(LiveSession::as_returning())
        .get_result(conn)
        .await
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = session_products)]
pub struct LineupRow {
    pub agency_id: Uuid,
    pub session_id: Uuid,
    pub position: i16,
    pub product_id: Uuid,
    pub planned_price: Option<Decimal>,
}

/// Replaces a session's lineup.
pub async fn replace_lineup(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    session_id: Uuid,
    rows: &[LineupRow],
) -> QueryResult<()> {
    diesel::delete(
        session_products::table
            .filter(session_products::agency_id.eq(agency_id))
            .filter(session_products::session_id.eq(session_id)),
    )
    .execute(conn)
    .await?;
    if !rows.is_empty() {
        diesel::insert_into(session_products::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The lineups of `sessions`, in session and position order. The keys are unnested and each
/// session's lineup read from the primary key, so the plan stays proportional to the list
/// whatever the planner knows of the agency (a filter `session_id = ANY($2)` is planned as a
/// scan of every lineup of the agency when it has no statistics).
pub async fn lineups(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    sessions: &[Uuid],
) -> QueryResult<Vec<LineupRow>> {
    const LINEUPS_SQL: &str = "\
SELECT sp.agency_id, sp.session_id, sp.position, sp.product_id, sp.planned_price \
FROM unnest($2::uuid[]) AS k(id) \
CROSS JOIN LATERAL (SELECT * FROM session_products \
    WHERE session_products.agency_id = $1 AND session_products.session_id = k.id OFFSET 0) AS sp \
ORDER BY sp.session_id, sp.position";
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    crate::db::KeepPrepared(
        diesel::sql_query(LINEUPS_SQL)
            .bind::<diesel::sql_types::Uuid, _>(agency_id)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(sessions),
    )
    .load(conn)
    .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = session_reviews, primary_key(agency_id, session_id))]
pub struct ReviewRow {
    pub agency_id: Uuid,
    pub session_id: Uuid,
    pub mandarin_spoken: bool,
    pub dress_code_ok: bool,
    pub incidents: serde_json::Value,
    pub reviewed_by: Uuid,
    pub reviewed_at: DateTime<Utc>,
}

pub async fn reviews(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    sessions: &[Uuid],
) -> QueryResult<Vec<ReviewRow>> {
    session_reviews::table
        .filter(session_reviews::agency_id.eq(agency_id))
        .filter(session_reviews::session_id.eq_any(sessions))
        .select(ReviewRow::as_select())
        .load(conn)
        .await
}

pub async fn upsert_review(
    conn: &mut AsyncPgConnection,
    review: &ReviewRow,
) -> QueryResult<ReviewRow> {
    diesel::insert_into(session_reviews::table)
        .values(review)
        .on_conflict((session_reviews::agency_id, session_reviews::session_id))
        .do_update()
        .set(review)
        .returning(ReviewRow::as_returning())
        .get_result(conn)
        .await
}
