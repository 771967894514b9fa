//! Cell values as the platforms' exports write them, read into clean values: ids padded with a
//! tab or a leading `'`/backtick or wrapped as `="…"`, `-` for nothing, `¥1,299.90`, `32.00%`,
//! Beijing times as `2026-09-22 21:25:25` or, re-saved by Excel, `2026/9/22 21:25`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone as _, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;

use super::spec::AmountUnit;
use crate::domain::currency::Currency;
use crate::domain::money::MAX_AMOUNT;
use crate::sales::validate::parse_time;

/// Texts that mean "nothing here" in the exports (after [`clean`]).
const NOTHING: &[&str] = &["-", "--", "—", "null", "NULL", "无退款申请", "没有申请退款"];

/// A cell cleaned of the exports' padding; `None` when it says nothing.
pub fn clean(cell: &str) -> Option<String> {
    let mut text = cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    // `="123"`: Excel's way of keeping a number as text.
    if let Some(inner) = text
        .strip_prefix("=\"")
        .and_then(|rest| rest.strip_suffix('"'))
    {
        text = inner.trim();
    }
    if let Some(rest) = text.strip_prefix(['\'', '`']) {
        text = rest.trim();
    }
    if text.is_empty() || NOTHING.contains(&text) {
        None
    } else {
        Some(text.to_owned())
    }
}

/// An amount of money: `¥`/`￥`/`元` and thousands separators dropped; in `unit` (fen are
/// whole numbers); at most the currency's decimals; from 0 to the ledger's largest amount.
pub fn money(text: &str, unit: AmountUnit, currency: Currency) -> Result<Decimal, String> {
    let bare = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .trim();
    let digits = without_thousands(bare)
        .ok_or_else(|| format!("`{text}` is not an amount (e.g. ¥1,299.90)"))?;
    let value: Decimal = digits
        .parse()
        .map_err(|_| format!("`{text}` is not an amount (e.g. ¥1,299.90)"))?;
    let value = match unit {
        AmountUnit::Yuan => value,
        AmountUnit::Fen if value.fract().is_zero() => value / Decimal::ONE_HUNDRED,
        AmountUnit::Fen => return Err(format!("`{text}` is not a whole number of fen")),
    };
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("`{text}` is negative"));
    }
    if value.normalize().scale() > currency.minor_unit() {
        return Err(format!(
            "`{text}` has more decimals than {} has",
            currency.code()
        ));
    }
    if value > MAX_AMOUNT {
        return Err(format!("`{text}` is more than the ledger takes"));
    }
    Ok(value.normalize())
}

/// `1,299.90` → `1299.90`; digits with a misplaced separator are not a number.
fn without_thousands(text: &str) -> Option<String> {
    if !text.contains([',', '，']) {
        return Some(text.to_owned());
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let groups: Vec<&str> = whole.split([',', '，']).collect();
    let well_placed = groups[0].len() <= 3
        && !groups[0].is_empty()
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    well_placed.then(|| {
        let mut digits = groups.concat();
        if let Some(fraction) = fraction {
            digits.push('.');
            digits.push_str(fraction);
        }
        digits
    })
}

/// A rate in percent: `32.00%`, `30.0%` or `32`; 0 to 100, at most 2 decimals.
pub fn percent(text: &str) -> Result<Decimal, String> {
    let bare = text.trim().trim_end_matches(['%', '％']).trim();
    let value: Decimal = bare
        .parse()
        .map_err(|_| format!("`{text}` is not a rate (e.g. 32.00%)"))?;
    let value = value.normalize();
    if value.is_sign_negative() || value > Decimal::ONE_HUNDRED {
        return Err(format!("`{text}` is not between 0% and 100%"));
    }
    if value.scale() > 2 {
        return Err(format!("`{text}` has more than 2 decimals"));
    }
    Ok(value)
}

/// A whole number of units, 1 to 100000 (`2`, `2.0`, `1,000`).
pub fn quantity(text: &str) -> Result<i32, String> {
    let digits = without_thousands(text.trim()).unwrap_or_default();
    let value: Option<Decimal> = digits.parse().ok();
    match value {
        Some(q) if q.fract().is_zero() && q >= Decimal::ONE && q <= Decimal::from(100_000) => q
            .to_i32()
            .ok_or_else(|| format!("`{text}` is not 1 to 100000")),
        Some(_) => Err(format!("`{text}` is not a whole number from 1 to 100000")),
        None => Err(format!("`{text}` is not a whole number")),
    }
}

/// A time: RFC 3339, or a local time in `zone` as `YYYY-MM-DD HH:MM[:SS]`, Excel's
/// `YYYY/M/D H:MM[:SS]`, or a date alone (its midnight).
pub fn time(text: &str, zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    // Our own columns' forms first (RFC 3339 and `YYYY-MM-DD HH:MM[:SS]`), then what exports and
    // Excel add to them.
    if let Some(at) = parse_time(text, zone) {
        return Some(at);
    }
    let naive = [
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        ["%Y-%m-%d", "%Y/%m/%d"]
            .iter()
            .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
            .and_then(|date| date.and_hms_opt(0, 0, 0))
    })?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

/// An id as text: a number a spreadsheet turned into `6.95355E+18` has lost its digits.
pub fn id(text: &str) -> Result<String, String> {
    let looks_rounded = text.contains(['E', 'e'])
        && text.contains('+')
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'E' | 'e' | '+'));
    if looks_rounded {
        return Err(format!(
            "`{text}` is an id a spreadsheet rounded; export the file again, or keep the column as text"
        ));
    }
    if text.chars().count() > 128 || text.chars().any(char::is_control) {
        return Err("an id is 1 to 128 characters, no control characters".to_owned());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny() -> Currency {
        Currency::CNY
    }

    #[test]
    fn padding_is_stripped_and_nothing_reads_as_nothing() {
        assert_eq!(
            clean("6953547102608758621\t").as_deref(),
            Some("6953547102608758621")
        );
        assert_eq!(clean("'4000123").as_deref(), Some("4000123"));
        assert_eq!(clean("`4000123").as_deref(), Some("4000123"));
        assert_eq!(clean("=\"0012\"").as_deref(), Some("0012"));
        for nothing in ["", " ", "-", "--", "无退款申请", "没有申请退款", "\t"] {
            assert_eq!(clean(nothing), None, "{nothing:?}");
        }
    }

    #[test]
    fn money_as_the_exports_write_it() {
        let yuan = AmountUnit::Yuan;
        assert_eq!(money("¥1,299.90", yuan, cny()), Ok(Decimal::new(129990, 2)));
        assert_eq!(money("￥17.8", yuan, cny()), Ok(Decimal::new(178, 1)));
        assert_eq!(
            money("1,234,567.00", yuan, cny()),
            Ok(Decimal::new(1234567, 0))
        );
        assert_eq!(money("169.00", yuan, cny()), Ok(Decimal::from(169)));
        assert_eq!(
            money("12990", AmountUnit::Fen, cny()),
            Ok(Decimal::new(12990, 2))
        );
        assert!(money("12,99.00", yuan, cny()).is_err());
        assert!(money("1.005", yuan, cny()).is_err());
        assert!(money("-3", yuan, cny()).is_err());
        assert!(money("12.5", AmountUnit::Fen, cny()).is_err());
        assert!(money("abc", yuan, cny()).is_err());
    }

    #[test]
    fn rates_quantities_and_ids() {
        assert_eq!(percent("32.00%"), Ok(Decimal::from(32)));
        assert_eq!(percent("30.5"), Ok(Decimal::new(305, 1)));
        assert!(percent("101%").is_err());
        assert!(percent("33.333%").is_err());
        assert_eq!(quantity("2"), Ok(2));
        assert_eq!(quantity("2.0"), Ok(2));
        assert_eq!(quantity("1,000"), Ok(1000));
        assert!(quantity("0").is_err());
        assert!(quantity("1.5").is_err());
        assert!(id("6.95355E+18").is_err());
        assert_eq!(
            id("6953547102608758621"),
            Ok("6953547102608758621".to_owned())
        );
    }

    #[test]
    fn beijing_times_in_both_spellings() {
        let zone = chrono_tz::Asia::Shanghai;
        let expected = "2026-09-22T13:25:25+00:00";
        for text in [
            "2026-09-22 21:25:25",
            "2026/9/22 21:25:25",
            "2026-09-22T21:25:25+08:00",
        ] {
            assert_eq!(
                time(text, zone).map(|t| t.to_rfc3339()).as_deref(),
                Some(expected),
                "{text}"
            );
        }
        assert_eq!(
            time("2026/9/2 9:05", zone)
                .map(|t| t.to_rfc3339())
                .as_deref(),
            Some("2026-09-02T01:05:00+00:00")
        );
        assert_eq!(
            time("2026/9/22", zone).map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-09-21T16:00:00+00:00")
        );
        assert_eq!(time("22/09/2026", zone), None);
    }
}
