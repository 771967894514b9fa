//! The registers' query parameters: a tax month (`2026-10`) or a filing period (`2026-Q3`,
//! `2026-H1`), each checked into the days it covers; a bad one is 422 with a field error.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{AppError, FieldError};
use crate::reports::period::{next_month, parse_month};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WithholdingParams {
    /// The tax month, YYYY-MM: the payouts paid in it.
    #[param(required = true, value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}$")]
    pub month: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncomeParams {
    /// A quarter (`2026-Q1` … `2026-Q4`) or a half year (`2026-H1`, `2026-H2`): the payouts
    /// paid in it.
    #[param(required = true, value_type = String, pattern = r"^[0-9]{4}-(Q[1-4]|H[12])$")]
    pub period: Option<String>,
}

/// Months a register covers: `[first, next)`, both first days of a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Months {
    /// As asked (`2026-10`, `2026-Q3`).
    pub label: String,
    pub first: NaiveDate,
    /// The first day after the period.
    pub next: NaiveDate,
}

impl Months {
    /// The last day of the period.
    pub fn last_day(&self) -> NaiveDate {
        self.next.pred_opt().unwrap_or(self.next)
    }
}

fn required(field: &str, value: Option<&str>, shape: &str) -> Result<String, FieldError> {
    match value.map(str::trim) {
        Some(text) if !text.is_empty() => Ok(text.to_owned()),
        _ => Err(FieldError::new(
            field,
            "required",
            format!("{field} is required ({shape})"),
        )),
    }
}

/// The tax month `YYYY-MM`.
pub fn tax_month(params: &WithholdingParams) -> Result<Months, AppError> {
    let checked = required("month", params.month.as_deref(), "YYYY-MM").and_then(|text| {
        let first = parse_month(&text)?;
        Ok(Months {
            label: first.format("%Y-%m").to_string(),
            first,
            next: next_month(first),
        })
    });
    checked.map_err(|error| AppError::validation(vec![error]))
}

/// The filing period `YYYY-Qn` or `YYYY-Hn`.
pub fn filing_period(params: &IncomeParams) -> Result<Months, AppError> {
    required("period", params.period.as_deref(), "YYYY-Qn or YYYY-Hn")
        .and_then(|text| parse_period(&text))
        .map_err(|error| AppError::validation(vec![error]))
}

/// Parses `YYYY-Q1`…`YYYY-Q4` and `YYYY-H1`, `YYYY-H2`.
pub fn parse_period(raw: &str) -> Result<Months, FieldError> {
    let invalid = || {
        FieldError::new(
            "period",
            "invalid_period",
            "a quarter (YYYY-Q1 to YYYY-Q4) or a half year (YYYY-H1, YYYY-H2)",
        )
    };
    let (year, part) = raw.split_once('-').ok_or_else(invalid)?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let (first_month, months) = match part {
        "Q1" => (1, 3),
        "Q2" => (4, 3),
        "Q3" => (7, 3),
        "Q4" => (10, 3),
        "H1" => (1, 6),
        "H2" => (7, 6),
        _ => return Err(invalid()),
    };
    let first = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or_else(invalid)?;
    let next = (0..months).fold(first, |month, _| next_month(month));
    debug_assert_eq!(next.day(), 1);
    Ok(Months {
        label: format!("{year:04}-{part}"),
        first,
        next,
    })
}

/// The day withheld tax of a tax month is filed and paid by: the 15th of the next month
/// (IIT Law art. 14).
pub fn due_on(tax_month: NaiveDate) -> NaiveDate {
    let next = next_month(tax_month);
    next.with_day(15).unwrap_or(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn quarters_and_halves_cover_their_months() {
        let q3 = parse_period("2026-Q3").unwrap();
        assert_eq!((q3.first, q3.next), (day("2026-07-01"), day("2026-10-01")));
        assert_eq!(q3.last_day(), day("2026-09-30"));
        let q4 = parse_period("2026-Q4").unwrap();
        assert_eq!((q4.first, q4.next), (day("2026-10-01"), day("2027-01-01")));
        let h1 = parse_period("2026-H1").unwrap();
        assert_eq!(
            (h1.first, h1.last_day()),
            (day("2026-01-01"), day("2026-06-30"))
        );
        let h2 = parse_period("2026-H2").unwrap();
        assert_eq!((h2.first, h2.next), (day("2026-07-01"), day("2027-01-01")));
        assert_eq!(h2.label, "2026-H2");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "2026-Q5", "2026-Q0", "2026-H3", "2026-q3", "26-Q3", "2026Q3", "2026-10", "", "2026-",
            "+026-Q1",
        ] {
            let error = parse_period(bad).unwrap_err();
            assert_eq!(error.field, "period", "{bad}");
        }
    }

    #[test]
    fn tax_is_due_on_the_fifteenth_of_the_next_month() {
        assert_eq!(due_on(day("2026-10-01")), day("2026-11-15"));
        assert_eq!(due_on(day("2026-12-01")), day("2027-01-15"));
    }

    #[test]
    fn a_missing_or_bad_month_is_a_field_error() {
        assert!(tax_month(&WithholdingParams { month: None }).is_err());
        assert!(
            tax_month(&WithholdingParams {
                month: Some("2026-13".into())
            })
            .is_err()
        );
        let ok = tax_month(&WithholdingParams {
            month: Some("2026-10".into()),
        })
        .unwrap();
        assert_eq!((ok.first, ok.next), (day("2026-10-01"), day("2026-11-01")));
    }
}
