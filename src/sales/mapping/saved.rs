//! The agency's saved import mappings (`import_mappings`): rows read with their columns, status
//! values, unit and zone already parsed into a [`Spec`]'s types. A stored value that does not
//! parse fails the read (a 500 with the cause in the log), never falls back to a default.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::sql_types::Jsonb;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::spec::{AmountUnit, ColumnMap, Spec, StatusMeaning};
use crate::agencies::model::ZoneName;
use crate::domain::enums::Platform;
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::import_mappings;

/// A `jsonb` value decoded into `T` on the way out of the database (an error when it does not
/// decode) and encoded from it on the way in.
#[derive(
    Debug, Clone, PartialEq, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = Jsonb)]
pub struct StoredJson<T>(pub T);

impl<T: DeserializeOwned> diesel::deserialize::FromSql<Jsonb, Pg> for StoredJson<T> {
    fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let value =
            <serde_json::Value as diesel::deserialize::FromSql<Jsonb, Pg>>::from_sql(bytes)?;
        Ok(StoredJson(serde_json::from_value(value)?))
    }
}

impl<T: Serialize + std::fmt::Debug> diesel::serialize::ToSql<Jsonb, Pg> for StoredJson<T> {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, Pg>,
    ) -> diesel::serialize::Result {
        use std::io::Write as _;
        // jsonb's binary format: a version byte, then the text.
        out.write_all(&[1])?;
        serde_json::to_writer(out, &self.0)?;
        Ok(diesel::serialize::IsNull::No)
    }
}

/// A saved mapping, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_mappings, check_for_backend(Pg))]
pub struct ImportMapping {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub platform: Platform,
    pub column_map: StoredJson<Vec<ColumnMap>>,
    pub status_values: StoredJson<BTreeMap<String, StatusMeaning>>,
    pub amount_unit: AmountUnit,
    #[diesel(deserialize_as = ZoneName, serialize_as = ZoneName)]
    pub time_zone: Tz,
    /// The built-in format it was copied from, if any.
    pub based_on: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ImportMapping {
    /// The mapping as a spec an import reads a file with.
    pub fn spec(&self) -> Spec {
        Spec {
            platform: self.platform,
            columns: self.column_map.0.clone(),
            status_values: self.status_values.0.clone(),
            amount_unit: self.amount_unit,
            time_zone: self.time_zone,
        }
    }
}

/// The changes of a `PATCH`: the spec's parts and the name.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = import_mappings)]
pub struct MappingChanges {
    pub name: Option<String>,
    pub platform: Option<Platform>,
    pub column_map: Option<StoredJson<Vec<ColumnMap>>>,
    pub status_values: Option<StoredJson<BTreeMap<String, StatusMeaning>>>,
    pub amount_unit: Option<AmountUnit>,
    pub time_zone: Option<ZoneName>,
}

/// The mapping `id` of the agency, with its spec, for an import (`?mapping={id}`): 404
/// `not_found` when the agency has no such mapping, 500 when the stored row does not decode.
pub async fn load_spec(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> Result<(ImportMapping, Spec), AppError> {
    let mapping = find(conn, agency_id, id, false).await?;
    let spec = mapping.spec();
    Ok((mapping, spec))
}

/// The mapping `id` of the agency, locked for the transaction when `for_update`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    for_update: bool,
) -> QueryResult<ImportMapping> {
    let query = import_mappings::table
        .find((agency_id, id))
        .select(ImportMapping::as_select());
    if for_update {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

/// The agency's mappings in the order they were made (ids are time-ordered).
pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<ImportMapping>> {
    let mut query = import_mappings::table
        .filter(import_mappings::agency_id.eq(agency_id))
        .select(ImportMapping::as_select())
        .order(import_mappings::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(import_mappings::id.gt(after));
    }
    query.load(conn).await
}

/// Inserts a mapping and answers it as stored; a taken name is the database's unique violation.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    mapping: &ImportMapping,
) -> QueryResult<ImportMapping> {
    diesel::insert_into(import_mappings::table)
        .values(mapping.clone())
        .returning(ImportMapping::as_returning())
        .get_result(conn)
        .await
}

/// Applies `changes` and bumps the version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    changes: &MappingChanges,
) -> QueryResult<ImportMapping> {
    diesel::update(import_mappings::table.find((agency_id, id)))
        .set((
            changes,
            import_mappings::version.eq(import_mappings::version + 1),
        ))
        .returning(ImportMapping::as_returning())
        .get_result(conn)
        .await
}

/// Removes the mapping; imports that used it keep its id (no foreign key).
pub async fn delete(conn: &mut AsyncPgConnection, agency_id: Uuid, id: Uuid) -> QueryResult<usize> {
    diesel::delete(import_mappings::table.find((agency_id, id)))
        .execute(conn)
        .await
}
