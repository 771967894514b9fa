//! Report periods: local dates and months, their UTC bounds in a time zone, and whether hourly
//! buckets fall exactly on a zone's days.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::FieldError;

/// Checks a date range (`to` exclusive, at most ten years).
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), FieldError> {
    if to <= from {
        return Err(FieldError::new(
            "to",
            "invalid_range",
            "to (exclusive) must be after from",
        ));
    }
    if (to - from).num_days() > 3660 {
        return Err(FieldError::new(
            "to",
            "invalid_range",
            "a report covers at most ten years",
        ));
    }
    Ok(())
}

/// The UTC instant of local midnight starting `date` in `tz` (the earliest, around DST).
pub fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&naive).earliest() {
        Some(at) => at.with_timezone(&Utc),
        // Midnight skipped by a DST jump: the first instant of the day is an hour later.
        None => tz
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map_or_else(|| naive.and_utc(), |at| at.with_timezone(&Utc)),
    }
}

/// Whether every offset `tz` uses between `from` and `to` is a whole number of hours, so hourly
/// buckets fall exactly on its days.
pub fn whole_hour_zone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    let mut at = from;
    loop {
        if tz
            .offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
            % 3600
            != 0
        {
            return false;
        }
        if at >= to {
            return true;
        }
        at = (at + Duration::days(7)).min(to);
    }
}

/// The first day of the month `YYYY-MM`.
pub fn parse_month(raw: &str) -> Result<NaiveDate, FieldError> {
    let invalid = || FieldError::new("month", "invalid_month", "a month as YYYY-MM");
    let (year, month) = raw.split_once('-').ok_or_else(invalid)?;
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return Err(invalid());
    }
    let (year, month) = (
        year.parse::<i32>().map_err(|_| invalid())?,
        month.parse::<u32>().map_err(|_| invalid())?,
    );
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(invalid)
}

/// The first day of the month after `first`.
pub fn next_month(first: NaiveDate) -> NaiveDate {
    let (year, month) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_midnights() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap();
        assert!(whole_hour_zone(chrono_tz::America::New_York, start, end));
        assert!(!whole_hour_zone(chrono_tz::Asia::Kolkata, start, end));
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(
            local_midnight(day, chrono_tz::Asia::Shanghai).to_rfc3339(),
            "2026-11-19T16:00:00+00:00"
        );
        assert_eq!(
            parse_month("2026-12").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            next_month(parse_month("2026-12").unwrap()),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert!(parse_month("2026-13").is_err() && parse_month("26-1").is_err());
    }
}
