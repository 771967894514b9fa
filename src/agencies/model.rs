//! Agency rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::schema::agencies;

/// An agency, as stored and as answered.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: Uuid,
    pub name: String,
    /// IANA time zone of the agency's local calendar (reports, schedule).
    pub time_zone: String,
    /// ISO 4217 currency used when a sale names none.
    pub default_currency: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, agency: &Agency) -> QueryResult<()> {
    diesel::insert_into(agencies::table)
        .values(agency)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Agency> {
    agencies::table
        .find(id)
        .select(Agency::as_select())
        .first(conn)
        .await
}
