//! Influencer rows and their queries, always scoped by agency.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::enums::{InfluencerKind, InfluencerStatus, Platform, VerificationState};
use crate::domain::like_pattern;
use crate::pagination::PageRequest;
use crate::schema::{identities, influencers, platform_accounts};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = influencers)]
pub struct Influencer {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub kind: InfluencerKind,
    pub stage_name: String,
    pub status: InfluencerStatus,
    pub status_reason: Option<String>,
    pub status_changed_at: Option<DateTime<Utc>>,
    pub languages: Vec<Option<String>>,
    pub notes: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, influencer: &Influencer) -> QueryResult<()> {
    diesel::insert_into(influencers::table)
        .values(influencer)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<Influencer> {
    influencers::table
        .find((agency_id, id))
        .select(Influencer::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<Influencer> {
    influencers::table
        .find((agency_id, id))
        .select(Influencer::as_select())
        .for_update()
        .first(conn)
        .await
}

#[derive(Debug, Default)]
pub struct InfluencerFilter {
    pub status: Option<InfluencerStatus>,
    pub kind: Option<InfluencerKind>,
    pub platform: Option<Platform>,
    /// Part of the stage name, case-insensitive.
    pub q: Option<String>,
}

/// The state of a host's identity: `unverified` when none was ever submitted.
pub async fn identity_state(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<VerificationState> {
    let state: Option<VerificationState> = identities::table
        .find((agency_id, id))
        .select(identities::verification_state)
        .first(conn)
        .await
        .optional()?;
    Ok(state.unwrap_or(VerificationState::Unverified))
}

/// A page of the roster with each host's identity state (one query: a left join on the
/// identity's primary key).
pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    filter: &InfluencerFilter,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<(Influencer, VerificationState)>> {
    let mut query = influencers::table
        .left_join(
            identities::table.on(identities::agency_id
                .eq(influencers::agency_id)
                .and(identities::influencer_id.eq(influencers::id))),
        )
        .filter(influencers::agency_id.eq(agency_id))
        .select((
            Influencer::as_select(),
            identities::verification_state.nullable(),
        ))
        .order(influencers::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(influencers::status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(influencers::kind.eq(kind));
    }
    if let Some(q) = &filter.q {
        query = query.filter(influencers::stage_name.ilike(like_pattern(q)));
    }
    if let Some(platform) = filter.platform {
        let on_platform = platform_accounts::table
            .filter(platform_accounts::agency_id.eq(agency_id))
            .filter(platform_accounts::platform.eq(platform))
            .select(platform_accounts::influencer_id);
        query = query.filter(influencers::id.eq_any(on_platform));
    }
    if let Some(after) = page.after {
        query = query.filter(influencers::id.gt(after));
    }
    let rows: Vec<(Influencer, Option<VerificationState>)> = query.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(row, state)| (row, state.unwrap_or(VerificationState::Unverified)))
        .collect())
}

/// Column changes of an influencer; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = influencers)]
pub struct InfluencerChanges {
    pub stage_name: Option<String>,
    pub languages: Option<Vec<Option<String>>>,
    pub notes: Option<Option<String>>,
    pub status: Option<InfluencerStatus>,
    pub status_reason: Option<Option<String>>,
    pub status_changed_at: Option<Option<DateTime<Utc>>>,
}

/// Applies `changes` and bumps the version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    changes: &InfluencerChanges,
) -> QueryResult<Influencer> {
    diesel::update(influencers::table.find((agency_id, id)))
        .set((changes, influencers::version.eq(influencers::version + 1)))
        .returning(Influencer::as_returning())
        .get_result(conn)
        .await
}
