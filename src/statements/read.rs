//! Reading statements: one with its parts, or a filtered page.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::dto::{
    AdjustmentView, CarryView, InvoiceView, PayoutView, StatementDetail, StatementLine,
    StatementView, amount,
};
use super::model::{InvoiceRow, PayoutRow, StatementRow, StatementState};
use crate::domain::enums::IncomeType;
use crate::error::AppError;
use crate::schema::{
    influencers, payouts, products, statement_adjustments, statement_carries, statement_invoices,
    statement_lines, statements,
};

/// The statement `id` of the agency with its host's stage name, 404 when it is another's.
pub async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> Result<(StatementRow, String), AppError> {
    statements::table
        .inner_join(
            influencers::table.on(influencers::agency_id
                .eq(statements::agency_id)
                .and(influencers::id.eq(statements::influencer_id))),
        )
        .filter(statements::agency_id.eq(agency_id))
        .filter(statements::id.eq(id))
        .select((StatementRow::as_select(), influencers::stage_name))
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The statement as a view.
pub async fn view(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> Result<StatementView, AppError> {
    let (row, stage_name) = find(conn, agency_id, id).await?;
    Ok(StatementView::new(row, stage_name))
}

type LineRow = (
    i32,
    String,
    Uuid,
    String,
    Option<rust_decimal::Decimal>,
    i64,
    i64,
    rust_decimal::Decimal,
    rust_decimal::Decimal,
    rust_decimal::Decimal,
    rust_decimal::Decimal,
    Option<rust_decimal::Decimal>,
);

/// The statement with its lines, adjustments, carries, payout and invoice.
pub async fn detail(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> Result<StatementDetail, AppError> {
    let (row, stage_name) = find(conn, agency_id, id).await?;
    // The statement's own row rules out what it cannot have: carries without a carried
    // balance, a payout before it is paid, an invoice unless an approved entity statement.
    let (has_carries, paid) = (
        !row.carried_forward.is_zero(),
        row.state == StatementState::Paid,
    );
    let invoiced = row.income_type == IncomeType::Entity && row.state != StatementState::Draft;
    let statement = StatementView::new(row, stage_name);
    let currency = statement.currency.clone();
    let money = |value: rust_decimal::Decimal| amount(value, &currency);
    let lines: Vec<LineRow> = statement_lines::table
        .inner_join(
            products::table.on(products::agency_id
                .eq(statement_lines::agency_id)
                .and(products::id.eq(statement_lines::product_id))),
        )
        .filter(statement_lines::agency_id.eq(agency_id))
        .filter(statement_lines::statement_id.eq(id))
        .order(statement_lines::line_no.asc())
        .select((
            statement_lines::line_no,
            statement_lines::platform,
            statement_lines::product_id,
            products::name,
            statement_lines::agency_share_percent,
            statement_lines::orders,
            statement_lines::units,
            statement_lines::gross,
            statement_lines::refunded,
            statement_lines::net,
            statement_lines::commission,
            statement_lines::host_share,
        ))
        .load(conn)
        .await?;
    let lines = lines
        .into_iter()
        .map(
            |(
                line_no,
                platform,
                product_id,
                product_name,
                share,
                orders,
                units,
                gross,
                refunded,
                net,
                commission,
                host_share,
            )| {
                StatementLine {
                    line_no,
                    platform,
                    product_id,
                    product_name,
                    agency_share_percent: share.map(|s| s.normalize().to_string()),
                    orders,
                    units,
                    gross: money(gross),
                    refunded: money(refunded),
                    net: money(net),
                    commission: money(commission),
                    host_share: host_share.map(money),
                }
            },
        )
        .collect();
    let adjustments = statement_adjustments::table
        .filter(statement_adjustments::agency_id.eq(agency_id))
        .filter(statement_adjustments::statement_id.eq(id))
        .order(statement_adjustments::id.asc())
        .select((
            statement_adjustments::id,
            statement_adjustments::sale_id,
            statement_adjustments::source_statement_id,
            statement_adjustments::sale_day,
            statement_adjustments::kind,
            statement_adjustments::net_delta,
            statement_adjustments::commission,
            statement_adjustments::host_share,
            statement_adjustments::created_at,
        ))
        .load::<(
            i64,
            Uuid,
            Uuid,
            chrono::NaiveDate,
            String,
            rust_decimal::Decimal,
            Option<rust_decimal::Decimal>,
            Option<rust_decimal::Decimal>,
            chrono::DateTime<chrono::Utc>,
        )>(conn)
        .await?
        .into_iter()
        .map(
            |(
                id,
                sale_id,
                source_statement_id,
                sale_day,
                kind,
                net_delta,
                commission,
                host_share,
                created_at,
            )| {
                AdjustmentView {
                    id,
                    sale_id,
                    source_statement_id,
                    sale_day,
                    kind,
                    net_delta: money(net_delta),
                    commission: money(commission.unwrap_or_default()),
                    host_share: host_share.map(money),
                    created_at,
                }
            },
        )
        .collect();
    let carries = if !has_carries {
        Vec::new()
    } else {
        statement_carries::table
            .filter(statement_carries::agency_id.eq(agency_id))
            .filter(statement_carries::statement_id.eq(id))
            .order(statement_carries::from_statement_id.asc())
            .select((
                statement_carries::from_statement_id,
                statement_carries::amount,
            ))
            .load::<(Uuid, rust_decimal::Decimal)>(conn)
            .await?
            .into_iter()
            .map(|(from_statement_id, amount)| CarryView {
                from_statement_id,
                amount: money(amount),
            })
            .collect()
    };
    let payout = if !paid {
        None
    } else {
        payouts::table
            .filter(payouts::agency_id.eq(agency_id))
            .filter(payouts::statement_id.eq(id))
            .select(PayoutRow::as_select())
            .first(conn)
            .await
            .optional()?
            .map(PayoutView::from)
    };
    let invoice = if !invoiced {
        None
    } else {
        statement_invoices::table
            .filter(statement_invoices::agency_id.eq(agency_id))
            .filter(statement_invoices::statement_id.eq(id))
            .select(InvoiceRow::as_select())
            .first(conn)
            .await
            .optional()?
            .map(InvoiceView::from)
    };
    Ok(StatementDetail {
        statement,
        lines,
        adjustments,
        carries,
        payout,
        invoice,
    })
}

/// The CSV of a statement: its lines, then its adjustments and carries.
pub const CSV_HEADER: [&str; 14] = [
    "kind",
    "line_no",
    "platform",
    "product_id",
    "product_name",
    "sale_id",
    "agency_share_percent",
    "orders",
    "units",
    "gross",
    "refunded",
    "net",
    "commission",
    "host_share",
];

pub fn csv_records(detail: &StatementDetail) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    for line in &detail.lines {
        records.push(vec![
            "line".into(),
            line.line_no.to_string(),
            line.platform.clone(),
            line.product_id.to_string(),
            line.product_name.clone(),
            String::new(),
            line.agency_share_percent.clone().unwrap_or_default(),
            line.orders.to_string(),
            line.units.to_string(),
            line.gross.clone(),
            line.refunded.clone(),
            line.net.clone(),
            line.commission.clone(),
            line.host_share.clone().unwrap_or_default(),
        ]);
    }
    for adjustment in &detail.adjustments {
        records.push(vec![
            adjustment.kind.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            adjustment.sale_id.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            adjustment.net_delta.clone(),
            adjustment.commission.clone(),
            adjustment.host_share.clone().unwrap_or_default(),
        ]);
    }
    for carry in &detail.carries {
        let mut record = vec![String::new(); CSV_HEADER.len()];
        record[0] = "carried_forward".into();
        record[5] = carry.from_statement_id.to_string();
        record[13] = carry.amount.clone();
        records.push(record);
    }
    records
}
