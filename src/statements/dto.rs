//! What the statement routes read and answer.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::{InvoiceRow, PayoutRow, StatementRow, StatementState};
use crate::domain::currency::Currency;
use crate::domain::enums::IncomeType;

/// `value` as a decimal string at `currency`'s minor unit (the database keeps a zero's scale
/// only sometimes).
pub fn amount(value: Decimal, currency: &str) -> String {
    let minor = Currency::parse(currency).map_or(2, Currency::minor_unit);
    let mut value = value.round_dp(minor);
    value.rescale(minor);
    value.to_string()
}

/// `POST /v1/statements/generate`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// The month of the agency's calendar, `YYYY-MM`.
    #[schema(example = "2026-10", pattern = r"^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
    /// Only this host (default: every host with something to settle).
    pub influencer_id: Option<Uuid>,
}

/// The drafts a generation made or remade; approved and paid statements of the month are
/// listed under `kept`, unchanged.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenerateResponse {
    pub month: String,
    pub time_zone: String,
    pub statements: Vec<StatementView>,
    /// Statements of the month already approved or paid: never regenerated.
    pub kept: Vec<Uuid>,
}

/// Filters of `GET /v1/statements`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementFilter {
    /// `YYYY-MM`.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    pub month: Option<String>,
    pub influencer_id: Option<Uuid>,
    pub state: Option<StatementState>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A statement: the month's settlement of one host, its adjustments and what is payable.
/// Amounts are decimal strings in `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementView {
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub stage_name: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The zone whose calendar the month follows (kept as generated).
    pub time_zone: String,
    pub currency: String,
    /// Of the contract in force at the month's end.
    pub income_type: IncomeType,
    /// The host's legal entity paid (`entity` statements).
    pub legal_entity_id: Option<Uuid>,
    pub state: StatementState,
    /// Sales net of refunds, cancelled lines left out.
    pub net_gmv: String,
    pub commission: String,
    pub agency_share: String,
    pub host_share: String,
    /// Changes to months already approved, settled here.
    pub adjustments_total: String,
    /// Negative balances of earlier statements brought forward (zero or negative).
    pub carried_forward: String,
    /// `host_share` + `adjustments_total` + `carried_forward`; a negative amount carries
    /// forward to the host's next statement.
    pub payable: String,
    /// Some sales fall on days without a contract: the shares of those days are unknown and
    /// the statement cannot be approved.
    pub contract_missing: bool,
    /// Sales of the month in currencies other than `currency`, not settled here.
    pub other_currency_lines: i64,
    /// The ledger or a contract changed since the draft was generated: generate it again
    /// before approving.
    pub stale: bool,
    pub generated_by: Uuid,
    pub generated_at: DateTime<Utc>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl StatementView {
    pub fn new(row: StatementRow, stage_name: String) -> Self {
        Self {
            id: row.id,
            influencer_id: row.influencer_id,
            stage_name,
            month: row.month.format("%Y-%m").to_string(),
            time_zone: row.time_zone,
            currency: row.currency.clone(),
            income_type: row.income_type,
            legal_entity_id: row.legal_entity_id,
            state: row.state,
            net_gmv: amount(row.net_gmv, &row.currency),
            commission: amount(row.commission, &row.currency),
            agency_share: amount(row.agency_share, &row.currency),
            host_share: amount(row.host_share, &row.currency),
            adjustments_total: amount(row.adjustments_total, &row.currency),
            carried_forward: amount(row.carried_forward, &row.currency),
            payable: amount(row.payable, &row.currency),
            contract_missing: row.contract_missing,
            other_currency_lines: row.other_currency_lines,
            stale: row.stale,
            generated_by: row.generated_by,
            generated_at: row.generated_at,
            approved_by: row.approved_by,
            approved_at: row.approved_at,
            version: row.version,
        }
    }
}

/// One line: a product sold on a platform at one agency share.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementLine {
    pub line_no: i32,
    pub platform: String,
    pub product_id: Uuid,
    pub product_name: String,
    /// `null` on days without a contract.
    pub agency_share_percent: Option<String>,
    pub orders: i64,
    pub units: i64,
    pub gross: String,
    pub refunded: String,
    pub net: String,
    pub commission: String,
    pub host_share: Option<String>,
}

/// A change to a sale of an approved month, settled on this statement.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentView {
    pub id: i64,
    pub sale_id: Uuid,
    /// The approved statement whose month the sale belongs to.
    pub source_statement_id: Uuid,
    pub sale_day: NaiveDate,
    /// `late_sale`, `refund`, `cancellation` or `change`.
    #[schema(example = "refund")]
    pub kind: String,
    pub net_delta: String,
    pub commission: String,
    pub host_share: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A negative balance brought forward from an earlier statement.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarryView {
    pub from_statement_id: Uuid,
    pub amount: String,
}

/// `POST /v1/statements/{id}/pay`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// The day the money left; its month is the tax month.
    pub paid_on: NaiveDate,
    #[schema(min_length = 1, max_length = 64)]
    pub payee_account: String,
    /// The account holder (default: the host's real name, else stage name; for an entity
    /// statement the entity's name).
    #[schema(min_length = 1, max_length = 200)]
    pub payee_name: Option<String>,
    #[schema(min_length = 1, max_length = 128)]
    pub bank_reference: String,
}

/// A payout: what left the agency's account for a statement and the tax withheld from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayoutView {
    pub id: Uuid,
    pub statement_id: Uuid,
    pub influencer_id: Uuid,
    pub income_type: IncomeType,
    pub legal_entity_id: Option<Uuid>,
    pub paid_on: NaiveDate,
    /// `YYYY-MM`: the month of `paid_on`.
    pub tax_month: String,
    pub currency: String,
    pub payee_account: String,
    pub payee_name: String,
    /// The payee is neither the host nor the host's entity (a compliance finding).
    pub third_party: bool,
    pub bank_reference: String,
    pub gross: String,
    pub taxable: String,
    pub tax_withheld: String,
    pub net: String,
    /// The rate table applied (`null` for entities).
    pub tax_table_id: Option<String>,
    pub paid_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<PayoutRow> for PayoutView {
    fn from(row: PayoutRow) -> Self {
        Self {
            id: row.id,
            statement_id: row.statement_id,
            influencer_id: row.influencer_id,
            income_type: row.income_type,
            legal_entity_id: row.legal_entity_id,
            paid_on: row.paid_on,
            tax_month: row.tax_month.format("%Y-%m").to_string(),
            currency: row.currency.clone(),
            payee_account: row.payee_account,
            payee_name: row.payee_name,
            third_party: row.third_party,
            bank_reference: row.bank_reference,
            gross: amount(row.gross, &row.currency),
            taxable: amount(row.taxable, &row.currency),
            tax_withheld: amount(row.tax_withheld, &row.currency),
            net: amount(row.net, &row.currency),
            tax_table_id: row.tax_table_id,
            paid_by: row.paid_by,
            created_at: row.created_at,
        }
    }
}

/// `PUT /v1/statements/{id}/invoice`: the entity's invoice for an approved statement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRequest {
    /// The invoice number (a fully digital invoice has 20 digits).
    #[schema(min_length = 1, max_length = 64)]
    pub number: String,
    pub issued_on: NaiveDate,
    /// The seller's unified social credit code: the entity's.
    #[schema(min_length = 18, max_length = 18)]
    pub seller_credit_code: String,
    /// Decimal string, two decimals at most.
    #[schema(value_type = String, example = "9708.74", pattern = r"^[0-9]+(\.[0-9]{1,2})?$")]
    pub amount_before_vat: serde_json::Value,
    /// Percent, decimal string.
    #[schema(value_type = String, example = "3", pattern = r"^[0-9]+(\.[0-9]{1,2})?$")]
    pub vat_rate_percent: serde_json::Value,
    #[schema(value_type = String, example = "291.26", pattern = r"^[0-9]+(\.[0-9]{1,2})?$")]
    pub vat_amount: serde_json::Value,
    /// `amount_before_vat` + `vat_amount`; equal to the statement's payable amount.
    #[schema(value_type = String, example = "10000.00", pattern = r"^[0-9]+(\.[0-9]{1,2})?$")]
    pub total: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceView {
    pub statement_id: Uuid,
    pub legal_entity_id: Uuid,
    pub number: String,
    pub issued_on: NaiveDate,
    pub seller_credit_code: String,
    pub amount_before_vat: String,
    pub vat_rate_percent: String,
    pub vat_amount: String,
    pub total: String,
    pub recorded_by: Uuid,
    pub version: i32,
}

impl From<InvoiceRow> for InvoiceView {
    fn from(row: InvoiceRow) -> Self {
        Self {
            statement_id: row.statement_id,
            legal_entity_id: row.legal_entity_id,
            number: row.number,
            issued_on: row.issued_on,
            seller_credit_code: row.seller_credit_code,
            amount_before_vat: amount(row.amount_before_vat, "CNY"),
            vat_rate_percent: row.vat_rate_percent.normalize().to_string(),
            vat_amount: amount(row.vat_amount, "CNY"),
            total: amount(row.total, "CNY"),
            recorded_by: row.recorded_by,
            version: row.version,
        }
    }
}

/// A statement with everything it settles.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDetail {
    #[serde(flatten)]
    pub statement: StatementView,
    pub lines: Vec<StatementLine>,
    pub adjustments: Vec<AdjustmentView>,
    pub carries: Vec<CarryView>,
    /// The tax withheld and net paid, once paid.
    pub payout: Option<PayoutView>,
    pub invoice: Option<InvoiceView>,
}
