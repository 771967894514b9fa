//! Request and answer bodies of `/v1/import-formats` and `/v1/import-mappings`.
//!
//! The enum-valued parts of a mapping request (`platform`, `columns[].field`, the meanings of
//! `status_values`, `amount_unit`) are read as JSON values and parsed by [`super::checks`], so a
//! value outside its enum is a 422 naming its place (`columns[2].field`), not a 400 about the
//! whole body. The document still declares each one's enum.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::builtin::Builtin;
use super::saved::ImportMapping;
use super::spec::{AmountUnit, ColumnMap, Field, StatusMeaning};
use crate::domain::enums::Platform;

/// A built-in platform export format.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormatView {
    /// Its stable name, for `?format=` on an import and `from_format` of a mapping.
    #[schema(example = "douyin_orders")]
    pub name: String,
    pub description: String,
    /// The platform its lines are sold on.
    pub platform: Platform,
    /// The platforms its files may be imported as (`?platform=`).
    pub platforms: Vec<Platform>,
    /// The headers that together identify a file of this format.
    pub signature: Vec<String>,
    pub columns: Vec<ColumnMap>,
    /// Status values and what each means.
    pub status_values: BTreeMap<String, StatusMeaning>,
    pub amount_unit: AmountUnit,
    /// IANA zone of the file's times without an offset.
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: String,
    /// Whether its rows name the host (else an import names it by `?influencer_id=`).
    pub host_column: bool,
}

impl From<&Builtin> for FormatView {
    fn from(format: &Builtin) -> Self {
        let spec = format.spec(format.platform);
        Self {
            name: format.name.to_owned(),
            description: format.description.to_owned(),
            platform: format.platform,
            platforms: format.platforms.to_vec(),
            signature: format.signature.iter().map(|s| (*s).to_owned()).collect(),
            host_column: spec.has_host(),
            columns: spec.columns,
            status_values: spec.status_values,
            amount_unit: spec.amount_unit,
            time_zone: spec.time_zone.name().to_owned(),
        }
    }
}

/// Every built-in format.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormatList {
    pub items: Vec<FormatView>,
}

/// A saved import mapping.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportMappingView {
    pub id: Uuid,
    pub name: String,
    pub platform: Platform,
    pub columns: Vec<ColumnMap>,
    pub status_values: BTreeMap<String, StatusMeaning>,
    pub amount_unit: AmountUnit,
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: String,
    /// The built-in format it was copied from, if any.
    pub based_on: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ImportMapping> for ImportMappingView {
    fn from(m: ImportMapping) -> Self {
        Self {
            id: m.id,
            name: m.name,
            platform: m.platform,
            columns: m.column_map.0,
            status_values: m.status_values.0,
            amount_unit: m.amount_unit,
            time_zone: m.time_zone.name().to_owned(),
            based_on: m.based_on,
            created_by: m.created_by,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// One source column and the field it becomes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnRequest {
    /// The column's header as in the file (full-width and half-width brackets are equal).
    #[schema(min_length = 1, max_length = 100)]
    pub header: String,
    #[schema(value_type = Field)]
    pub field: Value,
}

/// A new mapping. With `from_format`, the built-in format's platform, columns, status values,
/// unit and zone are copied, and each field given here replaces the copied one; without it,
/// `platform` and `columns` are required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMappingRequest {
    /// Unique in the agency.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The name of a built-in format to start from (`GET /v1/import-formats`).
    #[schema(example = "kuaishou_orders")]
    pub from_format: Option<String>,
    #[schema(value_type = Option<Platform>)]
    pub platform: Option<Value>,
    #[schema(min_items = 1, max_items = 100)]
    pub columns: Option<Vec<ColumnRequest>>,
    /// Status values (of the `status` and `after_sale_status` columns, at most 500) and what
    /// each means.
    #[schema(value_type = Option<BTreeMap<String, StatusMeaning>>)]
    pub status_values: Option<BTreeMap<String, Value>>,
    /// The unit of the money columns (default `yuan`).
    #[schema(value_type = Option<AmountUnit>)]
    pub amount_unit: Option<Value>,
    /// IANA zone of times without an offset (default `Asia/Shanghai`).
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: Option<String>,
}

/// Only the fields to change; each replaces the stored one whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMappingRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(value_type = Option<Platform>)]
    pub platform: Option<Value>,
    #[schema(min_items = 1, max_items = 100)]
    pub columns: Option<Vec<ColumnRequest>>,
    #[schema(value_type = Option<BTreeMap<String, StatusMeaning>>)]
    pub status_values: Option<BTreeMap<String, Value>>,
    #[schema(value_type = Option<AmountUnit>)]
    pub amount_unit: Option<Value>,
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: Option<String>,
}
