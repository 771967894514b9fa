//! Individual income tax withheld on a host's pay, exact to the fen (DESIGN.md, "Money").
//! Pure: the rate tables come in as data (`tax_rate_tables`, `tax_brackets`), chosen by the
//! payment's date; nothing here knows a rate.
//!
//! - Labour remuneration (劳务报酬), per-payment method: the month's payments to a host are one
//!   payment; up to `fixed_deduction_up_to` the deduction is `fixed_deduction`, above it
//!   `percent_deduction` percent; the brackets apply to the taxable amount; what earlier
//!   payments of the month already withheld is subtracted.
//! - Wages (工资薪金), cumulative method: the tax year's income so far less
//!   `monthly_deduction` per month employed, the annual brackets, less what was withheld
//!   before in the year.
//!
//! Every amount of tax and taxable income is rounded half-up to the fen.

use rust_decimal::{Decimal, RoundingStrategy};

/// One bracket: up to `up_to` (inclusive; `None` for the top bracket) the tax is
/// `amount × rate_percent / 100 − quick_deduction`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bracket {
    pub up_to: Option<Decimal>,
    pub rate_percent: Decimal,
    pub quick_deduction: Decimal,
}

/// The labour table in force on a payment's date.
#[derive(Debug, Clone, PartialEq)]
pub struct LabourTable {
    pub id: String,
    pub fixed_deduction: Decimal,
    pub fixed_deduction_up_to: Decimal,
    pub percent_deduction: Decimal,
    pub brackets: Vec<Bracket>,
}

/// The wages table in force on a payment's date.
#[derive(Debug, Clone, PartialEq)]
pub struct WagesTable {
    pub id: String,
    pub monthly_deduction: Decimal,
    pub brackets: Vec<Bracket>,
}

/// What one payment withholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withholding {
    /// The taxable amount this payment adds to the period's (so that the period's payments add
    /// up to its taxable amount).
    pub taxable: Decimal,
    /// The tax on the whole period (the month for labour, the year so far for wages).
    pub period_tax: Decimal,
    /// Withheld from this payment: the period's tax less what was withheld before, never
    /// negative.
    pub withheld: Decimal,
}

/// Half-up to the fen.
pub fn to_fen(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

fn bracket_tax(brackets: &[Bracket], taxable: Decimal) -> Decimal {
    if taxable <= Decimal::ZERO {
        return to_fen(Decimal::ZERO);
    }
    let bracket = brackets
        .iter()
        .find(|b| b.up_to.is_none_or(|up_to| taxable <= up_to))
        .or(brackets.last());
    let Some(bracket) = bracket else {
        return to_fen(Decimal::ZERO);
    };
    let tax = taxable * bracket.rate_percent / Decimal::ONE_HUNDRED - bracket.quick_deduction;
    to_fen(tax.max(Decimal::ZERO))
}

impl LabourTable {
    /// The taxable amount of a month's total labour pay.
    pub fn taxable(&self, month_total: Decimal) -> Decimal {
        let deduction = if month_total <= self.fixed_deduction_up_to {
            self.fixed_deduction
        } else {
            month_total * self.percent_deduction / Decimal::ONE_HUNDRED
        };
        to_fen((month_total - deduction).max(Decimal::ZERO))
    }

    /// The tax on a month's total labour pay.
    pub fn tax(&self, month_total: Decimal) -> Decimal {
        bracket_tax(&self.brackets, self.taxable(month_total))
    }

    /// A payment of `gross` after `earlier_gross` was paid in the same tax month, of which
    /// `earlier_withheld` was withheld.
    pub fn withholding(
        &self,
        earlier_gross: Decimal,
        earlier_withheld: Decimal,
        gross: Decimal,
    ) -> Withholding {
        let total = earlier_gross + gross;
        let period_tax = self.tax(total);
        Withholding {
            taxable: to_fen((self.taxable(total) - self.taxable(earlier_gross)).max(Decimal::ZERO)),
            period_tax,
            withheld: to_fen((period_tax - earlier_withheld).max(Decimal::ZERO)),
        }
    }
}

/// The tax year so far of a host paid wages, before this payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearSoFar {
    pub income: Decimal,
    pub taxable: Decimal,
    pub withheld: Decimal,
}

impl WagesTable {
    /// The cumulative taxable income after `months` months employed in the tax year.
    pub fn cumulative_taxable(&self, income: Decimal, months: u32) -> Decimal {
        let deduction = self.monthly_deduction * Decimal::from(months);
        to_fen((income - deduction).max(Decimal::ZERO))
    }

    /// A wages payment of `gross` in the `months`-th month employed of the tax year.
    pub fn withholding(&self, before: YearSoFar, months: u32, gross: Decimal) -> Withholding {
        let taxable = self.cumulative_taxable(before.income + gross, months);
        let period_tax = bracket_tax(&self.brackets, taxable);
        Withholding {
            taxable: to_fen((taxable - before.taxable).max(Decimal::ZERO)),
            period_tax,
            withheld: to_fen((period_tax - before.withheld).max(Decimal::ZERO)),
        }
    }
}

#[cfg(test)]
mod tests;
