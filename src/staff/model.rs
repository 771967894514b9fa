//! Staff user rows and their queries. `users` is global (emails are unique across agencies),
//! but every query from a request is still scoped by the caller's agency.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::roles::Role;
use crate::pagination::PageRequest;
use crate::schema::{agencies, calendar_feeds, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub auth_version: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub role: Role,
}

pub async fn insert(conn: &mut AsyncPgConnection, user: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// A user of `agency_id`; another agency's user is not found.
pub async fn find(conn: &mut AsyncPgConnection, agency_id: Uuid, id: Uuid) -> QueryResult<User> {
    users::table
        .filter(users::agency_id.eq(agency_id).and(users::id.eq(id)))
        .select(User::as_select())
        .first(conn)
        .await
}

/// Takes the agency's users lock for the transaction: every change of an agency's users takes
/// it first (a row lock on the agency, `FOR NO KEY UPDATE`, which leaves the agency's other
/// writes alone). On a Citus cluster `agencies` and `users` are reference tables, whose writers
/// Citus serialises table-wide, and a write of `users` also locks `agencies` (the table it
/// references): taking `agencies` first, as a sign-up does, keeps one order for all and so no
/// deadlock. The last-owner guard in the database serialises on its own advisory lock.
pub async fn lock_users(conn: &mut AsyncPgConnection, agency_id: Uuid) -> QueryResult<()> {
    agencies::table
        .filter(agencies::id.eq(agency_id))
        .select(agencies::id)
        .for_no_key_update()
        .first::<Uuid>(conn)
        .await
        .map(drop)
}

/// The same, within a transaction holding the agency's users lock ([`lock_users`]): no other
/// writer changes the agency's users until it ends.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<User> {
    lock_users(conn, agency_id).await?;
    users::table
        .filter(users::agency_id.eq(agency_id).and(users::id.eq(id)))
        .select(User::as_select())
        .first(conn)
        .await
}

/// Login look-up by email (case-insensitive through `citext`). The only query not scoped by
/// an agency: the agency is what it finds out.
pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// What the access-token check needs, by primary key.
pub async fn auth_state(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<(Role, bool, i32)>> {
    users::table
        .filter(users::agency_id.eq(agency_id).and(users::id.eq(id)))
        .select((users::role, users::active, users::auth_version))
        .first(conn)
        .await
        .optional()
}

/// Filters of the staff list.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// The agency's users, oldest first, after `after` (a user id) when given.
pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    filter: &UserFilter,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<User>> {
    let mut query = users::table
        .filter(users::agency_id.eq(agency_id))
        .select(User::as_select())
        .order(users::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(after) = page.after {
        query = query.filter(users::id.gt(after));
    }
    query.load(conn).await
}

/// The changes a `PATCH` or a deactivation makes; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub password_hash: Option<String>,
    pub active: Option<bool>,
    pub deactivated_at: Option<Option<DateTime<Utc>>>,
}

/// Applies `changes`, bumps `version`, and bumps `auth_version` when `revoke_tokens` is set so
/// every access token issued before stops working. The caller holds [`lock_users`].
pub async fn update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    changes: &UserChanges,
    revoke_tokens: bool,
) -> QueryResult<User> {
    let bump = i32::from(revoke_tokens);
    if changes.active == Some(false) {
        // A deactivated user's calendar URL ends with their sessions: a reactivation does not
        // bring it back (they ask for a new one).
        diesel::delete(
            calendar_feeds::table
                .filter(calendar_feeds::agency_id.eq(agency_id))
                .filter(calendar_feeds::user_id.eq(id)),
        )
        .execute(conn)
        .await?;
    }
    diesel::update(users::table.filter(users::agency_id.eq(agency_id).and(users::id.eq(id))))
        .set((
            changes,
            users::version.eq(users::version + 1),
            users::auth_version.eq(users::auth_version + bump),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}
