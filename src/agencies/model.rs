//! Agency rows, read with their time zone and currency already parsed: a stored value that does
//! not parse fails the read (a 500 with the cause in the log), never falls back to a default.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::currency::Currency;
use crate::schema::agencies;

/// An agency, as stored and as answered.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: Uuid,
    pub name: String,
    /// IANA time zone of the agency's local calendar (reports, schedule).
    #[diesel(deserialize_as = ZoneName, serialize_as = ZoneName)]
    #[serde(serialize_with = "zone_name")]
    #[schema(value_type = String)]
    pub time_zone: Tz,
    /// ISO 4217 currency used when a sale names none.
    #[schema(value_type = String)]
    pub default_currency: Currency,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a sale line takes from its agency when it names neither: the currency, and the zone its
/// local times are read in.
#[derive(Debug, Clone, Copy, Queryable, Selectable)]
#[diesel(table_name = agencies)]
pub struct AgencyDefaults {
    #[diesel(column_name = default_currency)]
    pub currency: Currency,
    #[diesel(deserialize_as = ZoneName)]
    pub time_zone: Tz,
}

/// A time zone as stored: its IANA name, parsed on the way in.
#[derive(Debug, Clone, Copy, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct ZoneName(Tz);

impl ZoneName {
    fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl std::str::FromStr for ZoneName {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        name.parse()
            .map(ZoneName)
            .map_err(|_| format!("{name:?} is not an IANA time zone name"))
    }
}

impl From<ZoneName> for Tz {
    fn from(zone: ZoneName) -> Self {
        zone.0
    }
}

impl From<Tz> for ZoneName {
    fn from(zone: Tz) -> Self {
        ZoneName(zone)
    }
}

crate::text_sql!(ZoneName, name);

fn zone_name<S: Serializer>(zone: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(zone.name())
}

pub async fn insert(conn: &mut AsyncPgConnection, agency: &Agency) -> QueryResult<()> {
    diesel::insert_into(agencies::table)
        .values(agency.clone())
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

/// The agency's default currency and time zone.
pub async fn defaults(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<AgencyDefaults> {
    agencies::table
        .find(id)
        .select(AgencyDefaults::as_select())
        .first(conn)
        .await
}
