//! Calendar feed rows: one per user, the current token's hash only.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::roles::Role;
use crate::schema::{calendar_feeds, users};

#[derive(Debug, Insertable)]
#[diesel(table_name = calendar_feeds)]
struct NewFeed<'a> {
    agency_id: Uuid,
    id: Uuid,
    user_id: Uuid,
    token_hash: &'a [u8],
    created_at: DateTime<Utc>,
    issued_at: DateTime<Utc>,
}

/// The user's feed after [`issue`].
#[derive(Debug, Clone, Copy)]
pub struct Issued {
    pub id: Uuid,
    /// A previous token was replaced (it stops working with this commit).
    pub replaced: bool,
}

/// Stores `token_hash` as the user's feed token, replacing the previous one in place (one
/// statement, so two issues at once cannot both insert).
pub async fn issue(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    user_id: Uuid,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Issued> {
    let (id, created_at, issued_at): (Uuid, DateTime<Utc>, DateTime<Utc>) =
        diesel::insert_into(calendar_feeds::table)
            .values(&NewFeed {
                agency_id,
                id: Uuid::now_v7(),
                user_id,
                token_hash,
                created_at: now,
                issued_at: now,
            })
            .on_conflict((calendar_feeds::agency_id, calendar_feeds::user_id))
            .do_update()
            .set((
                calendar_feeds::token_hash.eq(excluded(calendar_feeds::token_hash)),
                calendar_feeds::issued_at.eq(excluded(calendar_feeds::issued_at)),
            ))
            .returning((
                calendar_feeds::id,
                calendar_feeds::created_at,
                calendar_feeds::issued_at,
            ))
            .get_result(conn)
            .await?;
    Ok(Issued {
        id,
        replaced: created_at != issued_at,
    })
}

/// Deletes the user's feed; its id, or `None` when the user had none.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    diesel::delete(
        calendar_feeds::table
            .filter(calendar_feeds::agency_id.eq(agency_id))
            .filter(calendar_feeds::user_id.eq(user_id)),
    )
    .returning(calendar_feeds::id)
    .get_result(conn)
    .await
    .optional()
}

/// The role and active flag of the user whose feed token hashes to `token_hash`, if any.
pub async fn reader(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    token_hash: &[u8],
) -> QueryResult<Option<(Role, bool)>> {
    calendar_feeds::table
        .inner_join(
            users::table.on(users::agency_id
                .eq(calendar_feeds::agency_id)
                .and(users::id.eq(calendar_feeds::user_id))),
        )
        .filter(calendar_feeds::agency_id.eq(agency_id))
        .filter(calendar_feeds::token_hash.eq(token_hash))
        .select((users::role, users::active))
        .first(conn)
        .await
        .optional()
}
