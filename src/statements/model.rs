//! Stored statements, their parts and payouts, as read from the database.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::enums::IncomeType;
use crate::schema::{payouts, statement_invoices, statements};
use crate::text_enum;

text_enum! {
    /// Where a statement stands: `draft` (regenerable) → `approved` (never changes) → `paid`.
    pub enum StatementState {
        Draft => "draft",
        Approved => "approved",
        Paid => "paid",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = statements)]
pub struct StatementRow {
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub month: NaiveDate,
    pub time_zone: String,
    pub currency: String,
    pub income_type: IncomeType,
    pub legal_entity_id: Option<Uuid>,
    pub state: StatementState,
    pub net_gmv: Decimal,
    pub commission: Decimal,
    pub agency_share: Decimal,
    pub host_share: Decimal,
    pub adjustments_total: Decimal,
    pub carried_forward: Decimal,
    pub payable: Decimal,
    pub contract_missing: bool,
    pub other_currency_lines: i64,
    pub stale: bool,
    pub generated_by: Uuid,
    pub generated_at: DateTime<Utc>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = payouts)]
pub struct PayoutRow {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub statement_id: Uuid,
    pub influencer_id: Uuid,
    pub income_type: IncomeType,
    pub legal_entity_id: Option<Uuid>,
    pub paid_on: NaiveDate,
    pub tax_month: NaiveDate,
    pub currency: String,
    pub payee_account: String,
    pub payee_name: String,
    pub third_party: bool,
    pub bank_reference: String,
    pub gross: Decimal,
    pub taxable: Decimal,
    pub tax_withheld: Decimal,
    pub net: Decimal,
    pub tax_table_id: Option<String>,
    pub paid_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = statement_invoices, primary_key(agency_id, statement_id))]
pub struct InvoiceRow {
    pub agency_id: Uuid,
    pub statement_id: Uuid,
    pub legal_entity_id: Uuid,
    pub number: String,
    pub issued_on: NaiveDate,
    pub seller_credit_code: String,
    pub amount_before_vat: Decimal,
    pub vat_rate_percent: Decimal,
    pub vat_amount: Decimal,
    pub total: Decimal,
    pub recorded_by: Uuid,
    pub version: i32,
}
