//! Request and answer bodies of `/v1/products`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::{Product, ProductTest};
use crate::domain::double_option;
use crate::domain::enums::{RegulatedField, TestResult};
use crate::domain::money::format_places;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    /// Decimal string in `currency`.
    pub list_price: String,
    pub currency: String,
    /// The commission the brand pays, in percent (decimal string).
    pub commission_percent: String,
    pub regulated_field: Option<RegulatedField>,
    /// A recalled product is dangerous: no new sessions may feature it.
    pub recalled: bool,
    pub recalled_at: Option<DateTime<Utc>>,
    pub recall_reason: Option<String>,
    /// Set once the product is archived (`POST .../archive`): it stays readable, but leaves the
    /// default list, and no new lineup or line sold since may name it.
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        Self {
            id: p.id,
            list_price: p.currency.format(p.list_price),
            commission_percent: format_places(p.commission_percent, 2),
            sku: p.sku,
            name: p.name,
            brand: p.brand,
            category: p.category,
            currency: p.currency.code().to_owned(),
            regulated_field: p.regulated_field,
            recalled: p.recalled_at.is_some(),
            recalled_at: p.recalled_at,
            recall_reason: p.recall_reason,
            archived_at: p.archived_at,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    /// Unique in the agency: letters, digits and `._/-`, up to 64 characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    )]
    pub sku: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(max_length = 100)]
    pub brand: Option<String>,
    #[schema(max_length = 100)]
    pub category: Option<String>,
    /// Decimal string, e.g. `"199.00"`.
    #[schema(value_type = String, example = "199.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub list_price: serde_json::Value,
    /// ISO 4217 (default: the agency's currency, CNY).
    #[schema(pattern = r"^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// Decimal string, 0 to 100.
    #[schema(value_type = String, example = "20.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub commission_percent: serde_json::Value,
    pub regulated_field: Option<RegulatedField>,
}

/// Only the fields to change; `null` clears brand, category or regulated field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub brand: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub category: Option<Option<String>>,
    #[schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub list_price: Option<serde_json::Value>,
    #[schema(pattern = r"^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub commission_percent: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<RegulatedField>)]
    pub regulated_field: Option<Option<RegulatedField>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListQuery {
    /// Part of the name or SKU.
    pub q: Option<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub regulated_field: Option<RegulatedField>,
    pub recalled: Option<bool>,
    /// `true`: only archived products; otherwise (the default) only products in use.
    pub archived: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductTestRequest {
    pub influencer_id: Uuid,
    pub tested_on: NaiveDate,
    pub result: TestResult,
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// An http(s) link to photos, video or a report.
    #[schema(max_length = 2000)]
    pub evidence_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductTestView {
    pub id: Uuid,
    pub product_id: Uuid,
    pub influencer_id: Uuid,
    pub tested_on: NaiveDate,
    pub result: TestResult,
    pub notes: Option<String>,
    pub evidence_url: Option<String>,
    /// For a pass: the last day it counts for sessions (`compliance.product_test_valid_days`).
    pub valid_until: Option<NaiveDate>,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl ProductTestView {
    pub fn new(test: ProductTest, valid_days: u32) -> Self {
        Self {
            valid_until: (test.result == TestResult::Pass)
                .then(|| test.tested_on + chrono::Duration::days(i64::from(valid_days))),
            id: test.id,
            product_id: test.product_id,
            influencer_id: test.influencer_id,
            tested_on: test.tested_on,
            result: test.result,
            notes: test.notes,
            evidence_url: test.evidence_url,
            recorded_by: test.recorded_by,
            created_at: test.created_at,
        }
    }
}

/// Where a product was promoted and sold: the liability trail of a recall.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductImpact {
    pub product: ProductView,
    pub sessions: Vec<ImpactSession>,
    pub hosts: Vec<ImpactHost>,
    /// Sales of the product per currency (all, and since the recall).
    pub sales: Vec<ImpactSales>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactSession {
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub title: String,
    pub scheduled_start: DateTime<Utc>,
    pub state: crate::domain::enums::SessionState,
    /// Not yet live: it will be refused going live while the product is in its lineup.
    pub upcoming: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactHost {
    pub influencer_id: Uuid,
    pub stage_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactSales {
    pub currency: String,
    pub orders: i64,
    pub units: i64,
    pub gross: String,
    pub orders_after_recall: i64,
    pub gross_after_recall: String,
}
