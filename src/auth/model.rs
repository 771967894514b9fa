//! Refresh-token rows and failed-login counters.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::{login_throttle, refresh_tokens};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub token_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, token: &RefreshToken) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The token with this hash, locked so two refreshes with it cannot both rotate it.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hash: &[u8],
) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::agency_id.eq(agency_id))
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Marks a token spent by a rotation; answers whether it was still unspent.
pub async fn mark_used(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let spent: Vec<Uuid> = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::agency_id.eq(agency_id))
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .returning(refresh_tokens::id)
    .get_results(conn)
    .await?;
    Ok(!spent.is_empty())
}

/// Which live tokens to revoke.
#[derive(Debug, Clone, Copy)]
pub enum Revoke {
    /// One login's chain of tokens (logout, reuse of a spent token).
    Family(Uuid),
    /// All of a user's tokens (deactivation, role or password change).
    User(Uuid),
}

/// Revokes the live tokens `which` names; answers how many.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    which: Revoke,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let update = diesel::update(refresh_tokens::table)
        .set(refresh_tokens::revoked_at.eq(now))
        .filter(refresh_tokens::agency_id.eq(agency_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .into_boxed();
    let update = match which {
        Revoke::Family(family_id) => update.filter(refresh_tokens::family_id.eq(family_id)),
        Revoke::User(user_id) => update.filter(refresh_tokens::user_id.eq(user_id)),
    };
    let revoked: Vec<Uuid> = update
        .returning(refresh_tokens::id)
        .get_results(conn)
        .await?;
    Ok(revoked.len())
}

/// Counts one login attempt against `key` in a fixed window of `window_secs`, atomically;
/// answers the attempts counted in the current window and when it started.
pub async fn count_attempt(
    conn: &mut AsyncPgConnection,
    key: &str,
    window_secs: i64,
) -> QueryResult<(i32, DateTime<Utc>)> {
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        failures: i32,
        #[diesel(sql_type = diesel::sql_types::Timestamptz)]
        window_started_at: DateTime<Utc>,
    }
    let counted: Counted = diesel::sql_query(
        "INSERT INTO login_throttle AS t (key, window_started_at, failures) VALUES ($1, now(), 1) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN t.window_started_at <= now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END, \
           window_started_at = CASE WHEN t.window_started_at <= now() - make_interval(secs => $2) THEN now() ELSE t.window_started_at END \
         RETURNING failures, window_started_at",
    )
    .bind::<diesel::sql_types::Text, _>(key)
    .bind::<diesel::sql_types::Double, _>(window_secs as f64)
    .get_result(conn)
    .await?;
    Ok((counted.failures, counted.window_started_at))
}

/// Takes back one counted attempt (a successful login does not count).
pub async fn uncount_attempt(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<()> {
    diesel::update(login_throttle::table.filter(login_throttle::key.eq(key)))
        .set(
            login_throttle::failures.eq(diesel::dsl::sql::<diesel::sql_types::Integer>(
                "greatest(failures - 1, 0)",
            )),
        )
        .execute(conn)
        .await
        .map(|_| ())
}
