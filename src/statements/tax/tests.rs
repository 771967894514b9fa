//! The figures of issue 14, point 4, with the tables the migration seeds.

use rust_decimal::Decimal;

use super::*;

fn d(value: i64) -> Decimal {
    Decimal::from(value)
}

fn bracket(up_to: Option<i64>, rate: i64, quick: i64) -> Bracket {
    Bracket {
        up_to: up_to.map(d),
        rate_percent: d(rate),
        quick_deduction: d(quick),
    }
}

fn labour() -> LabourTable {
    LabourTable {
        id: "labour-2019".into(),
        fixed_deduction: d(800),
        fixed_deduction_up_to: d(4000),
        percent_deduction: d(20),
        brackets: vec![
            bracket(Some(20000), 20, 0),
            bracket(Some(50000), 30, 2000),
            bracket(None, 40, 7000),
        ],
    }
}

fn wages() -> WagesTable {
    WagesTable {
        id: "wages-2019".into(),
        monthly_deduction: d(5000),
        brackets: vec![
            bracket(Some(36000), 3, 0),
            bracket(Some(144000), 10, 2520),
            bracket(Some(300000), 20, 16920),
            bracket(Some(420000), 25, 31920),
            bracket(Some(660000), 30, 52920),
            bracket(Some(960000), 35, 85920),
            bracket(None, 45, 181920),
        ],
    }
}

#[test]
fn a_single_labour_payment_of_the_month() {
    let table = labour();
    for (gross, tax) in [
        (3000, 440),
        (4000, 640),
        (5000, 800),
        (25000, 4000),
        (30000, 5200),
        (60000, 12400),
        (100000, 25000),
    ] {
        let w = table.withholding(Decimal::ZERO, Decimal::ZERO, d(gross));
        assert_eq!(w.withheld, to_fen(d(tax)), "{gross}");
        assert_eq!(w.withheld.to_string(), format!("{tax}.00"));
    }
}

#[test]
fn small_labour_payments_withhold_nothing_and_the_deduction_has_a_floor() {
    let table = labour();
    assert_eq!(table.tax(d(800)), Decimal::ZERO);
    assert_eq!(table.tax(d(500)), Decimal::ZERO);
    assert_eq!(table.taxable(d(500)), to_fen(Decimal::ZERO));
    assert_eq!(table.tax(d(801)).to_string(), "0.20");
}

#[test]
fn two_labour_payments_in_one_month_are_one_payment() {
    let table = labour();
    let first = table.withholding(Decimal::ZERO, Decimal::ZERO, d(20000));
    assert_eq!(first.withheld.to_string(), "3200.00");
    let second = table.withholding(d(20000), first.withheld, d(20000));
    assert_eq!(second.withheld.to_string(), "4400.00");
    assert_eq!(second.period_tax.to_string(), "7600.00");
    assert_eq!(first.taxable + second.taxable, table.taxable(d(40000)));
}

#[test]
fn wages_withhold_cumulatively() {
    let table = wages();
    let mut year = YearSoFar::default();
    let mut withheld = Vec::new();
    for month in 1..=3 {
        let w = table.withholding(year, month, d(20000));
        withheld.push(w.withheld.to_string());
        year.income += d(20000);
        year.taxable += w.taxable;
        year.withheld += w.withheld;
    }
    assert_eq!(withheld, ["450.00", "450.00", "1080.00"]);
    assert_eq!(year.taxable, to_fen(d(45000)));
}

#[test]
fn wages_below_the_deduction_withhold_nothing_and_never_refund() {
    let table = wages();
    let w = table.withholding(YearSoFar::default(), 1, d(4000));
    assert_eq!(w.withheld, Decimal::ZERO);
    let before = YearSoFar {
        income: d(20000),
        taxable: d(15000),
        withheld: d(450),
    };
    // A second month with little pay: the cumulative tax falls below what was withheld.
    let w = table.withholding(before, 2, d(1));
    assert_eq!(w.withheld, Decimal::ZERO);
}

#[test]
fn tax_is_rounded_half_up_to_the_fen() {
    assert_eq!(to_fen(Decimal::new(12345, 3)).to_string(), "12.35");
    assert_eq!(to_fen(Decimal::new(12344, 3)).to_string(), "12.34");
    // 5,000.03 of labour pay: taxable 4,000.024 → 4,000.02; tax 800.004 → 800.00.
    let table = labour();
    assert_eq!(
        table.taxable(Decimal::new(500003, 2)).to_string(),
        "4000.02"
    );
    assert_eq!(table.tax(Decimal::new(500003, 2)).to_string(), "800.00");
    // 4,000.05 → taxable 3,200.04, tax 640.008 → 640.01.
    assert_eq!(table.tax(Decimal::new(400005, 2)).to_string(), "640.01");
}
