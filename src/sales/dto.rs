//! Answer and filter types of `/v1/sales`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::{ImportBatch, Refund, Sale, SaleStatus};
use crate::domain::currency::Currency;
use crate::domain::enums::Platform;
use crate::error::FieldError;

/// An order line. Money fields are decimal strings in `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleView {
    pub id: Uuid,
    pub platform: Platform,
    pub external_order_id: String,
    pub sold_at: DateTime<Utc>,
    pub influencer_id: Uuid,
    pub live_session_id: Option<Uuid>,
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_price: String,
    #[schema(value_type = String)]
    pub currency: Currency,
    /// What the line sold for: quantity × unit_price as sent, or what the buyer paid for the
    /// line as a platform's export states it (the unit price is then derived from it, rounded
    /// to 4 places, and shown to the currency's places).
    pub gross: String,
    /// The commission rate of the line in percent (decimal string): the export's where it
    /// states one, else the product's when the line was recorded.
    pub commission_percent: String,
    pub status: SaleStatus,
    /// The sum of the line's refunds.
    pub refunded_amount: String,
    /// gross − refunded_amount.
    pub net: String,
    pub import_batch_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The refund entries (on `GET /v1/sales/{id}` and after a refund).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunds: Option<Vec<RefundView>>,
}

impl SaleView {
    pub fn new(sale: Sale, refunds: Option<Vec<Refund>>) -> Self {
        let currency = sale.currency;
        let money = |amount| currency.format(amount);
        Self {
            id: sale.id,
            platform: sale.platform,
            external_order_id: sale.external_order_id,
            sold_at: sale.sold_at,
            influencer_id: sale.influencer_id,
            live_session_id: sale.live_session_id,
            product_id: sale.product_id,
            quantity: sale.quantity,
            unit_price: money(sale.unit_price),
            gross: money(sale.gross),
            commission_percent: crate::domain::money::format_places(sale.commission_percent, 2),
            status: sale.status,
            refunded_amount: money(sale.refunded_amount),
            net: money(sale.gross - sale.refunded_amount),
            import_batch_id: sale.import_batch_id,
            version: sale.version,
            created_at: sale.created_at,
            updated_at: sale.updated_at,
            refunds: refunds.map(|list| {
                list.into_iter()
                    .map(|r| RefundView::new(r, currency))
                    .collect()
            }),
            currency,
        }
    }
}

/// A refund entry of an order line.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundView {
    pub id: Uuid,
    pub sale_id: Uuid,
    /// Decimal string in `currency` (the line's).
    pub amount: String,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub reason: Option<String>,
    pub recorded_by: Uuid,
    pub import_batch_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl RefundView {
    pub fn new(refund: Refund, currency: Currency) -> Self {
        Self {
            id: refund.id,
            sale_id: refund.sale_id,
            amount: currency.format(refund.amount),
            currency,
            reason: refund.reason,
            recorded_by: refund.recorded_by,
            import_batch_id: refund.import_batch_id,
            created_at: refund.created_at,
        }
    }
}

/// The body of `POST /v1/sales`: one order line (see the import format for the fields). The
/// handler reads the line as a map (the same checks as an import row); decoding the body into
/// this type first holds it to the JSON types the document declares.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    pub platform: Platform,
    #[schema(min_length = 1, max_length = 128)]
    pub external_order_id: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub sold_at: String,
    pub influencer_id: Option<Uuid>,
    /// Instead of `influencer_id`: the host's account id on `platform`.
    pub platform_user_id: Option<String>,
    pub live_session_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    /// Instead of `product_id`.
    pub sku: Option<String>,
    #[schema(minimum = 1, maximum = 100000)]
    pub quantity: i32,
    /// Decimal string; a JSON number is refused (422).
    #[schema(value_type = String, example = "99.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub unit_price: serde_json::Value,
    /// ISO 4217 (default: the agency's currency).
    #[schema(pattern = r"^[A-Z]{3}$")]
    pub currency: Option<String>,
    pub status: Option<SaleStatus>,
    #[schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub refunded_amount: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Decimal string in the sale's currency; all refunds together never exceed the gross.
    #[schema(value_type = String, example = "20.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub amount: serde_json::Value,
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

/// The body of `PATCH /v1/sales/{id}`: only the fields to correct. Every check of a new line
/// applies to the corrected line (host, product and session of the agency, the session the
/// host's, not sold in the future, an archived product only if the line already had it).
/// `platform` and `external_order_id` identify the line and never change; the currency stays
/// the line's; status and refunds move by `.../cancel` and `.../refunds`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleCorrectionRequest {
    /// RFC 3339 (or a local time in the agency's zone).
    #[schema(format = DateTime)]
    pub sold_at: Option<String>,
    pub influencer_id: Option<Uuid>,
    /// `null` detaches the line from its session.
    pub live_session_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    /// Instead of `product_id`.
    pub sku: Option<String>,
    #[schema(minimum = 1, maximum = 100000)]
    pub quantity: Option<i32>,
    /// Decimal string in the line's currency; the gross becomes quantity × unit_price.
    #[schema(value_type = Option<String>, example = "99.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub unit_price: Option<serde_json::Value>,
    /// Why, kept in the audit trail.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SaleListQuery {
    pub influencer_id: Option<Uuid>,
    pub platform: Option<Platform>,
    /// The platform's order line id (on any platform unless `platform` is given).
    pub external_order_id: Option<String>,
    /// Lines that came in with this import.
    pub import_batch_id: Option<Uuid>,
    pub live_session_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub status: Option<SaleStatus>,
    /// Sold at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Sold before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Rows of other creators' orders, by the host columns they name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotOursHost {
    /// The account id the rows name (none: the rows name no creator, e.g. the shop's own
    /// sales).
    pub platform_user_id: Option<String>,
    /// The handle or nickname the rows name.
    pub handle: Option<String>,
    pub rows: i32,
}

/// Where a row of a file is, and what identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExampleRow {
    /// The sheet (XLSX).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub line: u64,
    pub external_order_id: String,
    /// The product's name as the file gives it.
    pub product_name: Option<String>,
}

/// A platform item of the agency's hosts that no product maps: map it
/// (`POST /v1/products/{id}/platform-items`) and import the file again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NeedsMappingItem {
    pub platform: Platform,
    pub item_id: Option<String>,
    pub sku_code: Option<String>,
    pub rows: i32,
    pub example: ExampleRow,
}

/// The summaries kept with an import (`import_batches.summary`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportSummary {
    #[serde(default)]
    pub not_ours_hosts: Vec<NotOursHost>,
    #[serde(default)]
    pub needs_mapping: Vec<NeedsMappingItem>,
}

/// What an import did (or, in a dry run, would do) with the rows of the file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportCounts {
    /// `standard` (our own columns), a built-in format (`douyin_orders`, …) or `mapping`.
    pub format: String,
    /// The saved mapping used (`?mapping=`).
    pub mapping_id: Option<Uuid>,
    /// Rows read (data rows, without the header).
    pub rows_total: i32,
    pub inserted: i32,
    /// Known lines whose status or refunds moved.
    pub updated: i32,
    /// Known lines stated again unchanged.
    pub duplicates: i32,
    /// Rows not written because of errors, conflicts and unmapped items included.
    pub rejected: i32,
    /// Rows contradicting a recorded line (also in `rejected`).
    pub conflicts: i32,
    /// Rows of orders of creators who are not hosts of the agency (or of no creator): not
    /// errors, not written.
    pub not_ours: i32,
    /// `not_ours` by the account the rows name, most rows first (at most 100 entries).
    pub not_ours_hosts: Vec<NotOursHost>,
    /// Rows of orders not paid yet: not sales, not written.
    pub not_paid: i32,
    /// Rows of the agency's hosts whose item no product maps (also in `rejected`).
    pub needs_mapping_rows: i32,
    /// Those items, most rows first (at most 100 entries).
    pub needs_mapping: Vec<NeedsMappingItem>,
}

/// An import on record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    pub id: Uuid,
    pub uploaded_by: Uuid,
    pub file_name: Option<String>,
    pub content_type: String,
    /// Hex SHA-256 of the file as received.
    pub sha256: String,
    pub size_bytes: i64,
    pub on_error: String,
    /// `committed`, or `rejected` (atomic mode with bad rows: nothing was written).
    pub outcome: String,
    #[serde(flatten)]
    pub counts: ImportCounts,
    /// Every bad row: `line` (and `sheet`), `field`, `code`, `message`.
    pub errors: Vec<FieldError>,
    pub created_at: DateTime<Utc>,
}

/// What an import would do (`?dry_run=true`): nothing was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportPreview {
    /// Always true.
    pub dry_run: bool,
    pub on_error: String,
    /// Whether the import would commit (`committed`) or be refused (`rejected`: in atomic mode,
    /// any rejected row refuses it).
    pub outcome: String,
    #[serde(flatten)]
    pub counts: ImportCounts,
    /// The first problems (at most 50).
    pub errors: Vec<FieldError>,
}

fn stored<T: serde::de::DeserializeOwned>(
    batch: &ImportBatch,
    what: &str,
    value: serde_json::Value,
) -> Result<T, crate::error::AppError> {
    serde_json::from_value(value).map_err(|e| {
        anyhow::anyhow!(
            "import batch {}: stored {what} do not decode: {e}",
            batch.id
        )
        .into()
    })
}

impl TryFrom<ImportBatch> for ImportView {
    type Error = crate::error::AppError;

    /// Fails when the stored row errors or summaries do not decode: a corrupt record is an
    /// error, never an import without errors.
    fn try_from(batch: ImportBatch) -> Result<Self, Self::Error> {
        let errors: Vec<StoredError> = stored(&batch, "errors", batch.errors.clone())?;
        let summary: ImportSummary = stored(&batch, "summaries", batch.summary.clone())?;
        Ok(Self {
            id: batch.id,
            uploaded_by: batch.uploaded_by,
            file_name: batch.file_name,
            content_type: batch.content_type,
            sha256: batch.sha256.iter().map(|b| format!("{b:02x}")).collect(),
            size_bytes: batch.size_bytes,
            on_error: batch.on_error,
            outcome: batch.outcome,
            counts: ImportCounts {
                format: batch.format,
                mapping_id: batch.mapping_id,
                rows_total: batch.rows_total,
                inserted: batch.inserted,
                updated: batch.updated,
                duplicates: batch.duplicates,
                rejected: batch.rejected,
                conflicts: batch.conflicts,
                not_ours: batch.not_ours,
                not_ours_hosts: summary.not_ours_hosts,
                not_paid: batch.not_paid,
                needs_mapping_rows: batch.needs_mapping,
                needs_mapping: summary.needs_mapping,
            },
            errors: errors
                .into_iter()
                .map(StoredError::into_field_error)
                .collect(),
            created_at: batch.created_at,
        })
    }
}

/// How row errors are kept in `import_batches.errors`.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredError {
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub field: String,
    pub code: String,
    pub message: String,
}

impl StoredError {
    pub fn new(error: &FieldError) -> Self {
        Self {
            line: error.line,
            sheet: error.sheet.clone(),
            field: error.field.clone(),
            code: error.code.clone(),
            message: error.message.clone(),
        }
    }

    fn into_field_error(self) -> FieldError {
        FieldError {
            line: self.line,
            sheet: self.sheet,
            field: self.field,
            code: self.code,
            message: self.message,
        }
    }
}
