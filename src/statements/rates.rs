//! The withholding rate tables in force on a day, read from `tax_rate_tables` and
//! `tax_brackets` (data with effective dates, seeded by the migrations).

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::tax::{Bracket, LabourTable, WagesTable};
use crate::error::AppError;
use crate::schema::{tax_brackets, tax_rate_tables};

type TableRow = (
    String,
    Option<Decimal>,
    Option<Decimal>,
    Option<Decimal>,
    Option<Decimal>,
);

async fn table_on(
    conn: &mut AsyncPgConnection,
    income_type: &str,
    day: NaiveDate,
) -> Result<(TableRow, Vec<Bracket>), AppError> {
    let row: Option<TableRow> = tax_rate_tables::table
        .filter(tax_rate_tables::income_type.eq(income_type))
        .filter(tax_rate_tables::effective_from.le(day))
        .filter(
            tax_rate_tables::effective_until
                .is_null()
                .or(tax_rate_tables::effective_until.ge(day)),
        )
        .select((
            tax_rate_tables::id,
            tax_rate_tables::fixed_deduction,
            tax_rate_tables::fixed_deduction_up_to,
            tax_rate_tables::percent_deduction,
            tax_rate_tables::monthly_deduction,
        ))
        .first(conn)
        .await
        .optional()?;
    // No table for the day: the tax cannot be decided, so nothing is paid.
    let Some(row) = row else {
        return Err(no_table(income_type, day));
    };
    let brackets = tax_brackets::table
        .filter(tax_brackets::table_id.eq(&row.0))
        .order(tax_brackets::position.asc())
        .select((
            tax_brackets::up_to,
            tax_brackets::rate_percent,
            tax_brackets::quick_deduction,
        ))
        .load::<(Option<Decimal>, Decimal, Decimal)>(conn)
        .await?
        .into_iter()
        .map(|(up_to, rate_percent, quick_deduction)| Bracket {
            up_to,
            rate_percent,
            quick_deduction,
        })
        .collect::<Vec<_>>();
    if brackets.is_empty() {
        return Err(no_table(income_type, day));
    }
    Ok((row, brackets))
}

fn no_table(income_type: &str, day: NaiveDate) -> AppError {
    AppError::Conflict {
        code: "no_tax_table",
        detail: format!("No {income_type} withholding table is in force on {day}."),
    }
}

/// The labour table in force on `day`.
pub async fn labour_on(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
) -> Result<LabourTable, AppError> {
    let ((id, fixed, up_to, percent, _), brackets) = table_on(conn, "labour", day).await?;
    match (fixed, up_to, percent) {
        (Some(fixed_deduction), Some(fixed_deduction_up_to), Some(percent_deduction)) => {
            Ok(LabourTable {
                id,
                fixed_deduction,
                fixed_deduction_up_to,
                percent_deduction,
                brackets,
            })
        }
        _ => Err(no_table("labour", day)),
    }
}

/// The wages table in force on `day`.
pub async fn wages_on(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
) -> Result<WagesTable, AppError> {
    let ((id, _, _, _, monthly), brackets) = table_on(conn, "wages", day).await?;
    match monthly {
        Some(monthly_deduction) => Ok(WagesTable {
            id,
            monthly_deduction,
            brackets,
        }),
        None => Err(no_table("wages", day)),
    }
}
