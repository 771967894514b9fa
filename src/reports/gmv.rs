//! The GMV report: orders, units, gross, refunded and net per currency, grouped by any of
//! platform, influencer, product, session, day, week, month and city tier, over local dates.
//!
//! Groupings the hourly rollups can answer (platform, influencer, day, week, month) read them;
//! the others read the ledger. Days, weeks and months are local to the report's time zone;
//! rollups serve every zone whose offsets are whole hours, others read the ledger too.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Numeric, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};
use crate::text_enum;

text_enum! {
    /// A GMV grouping.
    pub enum Grouping {
        Platform => "platform",
        Influencer => "influencer",
        Product => "product",
        Session => "session",
        Day => "day",
        Week => "week",
        Month => "month",
        CityTier => "city_tier",
    }
}

impl Grouping {
    /// The key's name in answers and CSV headers.
    pub fn key(self) -> &'static str {
        match self {
            Grouping::Influencer => "influencer_id",
            Grouping::Product => "product_id",
            Grouping::Session => "session_id",
            other => other.as_str(),
        }
    }

    pub fn is_period(self) -> bool {
        matches!(self, Grouping::Day | Grouping::Week | Grouping::Month)
    }
}

/// A checked GMV request.
#[derive(Debug, Clone)]
pub struct GmvQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: Vec<Grouping>,
    pub tz: Tz,
    pub influencer_id: Option<Uuid>,
    pub platform: Option<Platform>,
    /// Only lines in this currency (ISO 4217 code), when given.
    pub currency: Option<String>,
    /// `tz` is the agency's own time zone, whose days the daily rollups hold.
    pub agency_zone: bool,
}

/// Parses `group_by` (comma list, no repeats).
pub fn parse_group_by(raw: Option<&str>) -> Result<Vec<Grouping>, FieldError> {
    let mut out = Vec::new();
    for part in raw
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let grouping = part
            .parse::<Grouping>()
            .map_err(|message| FieldError::new("group_by", "invalid_grouping", message))?;
        if out.contains(&grouping) {
            return Err(FieldError::new(
                "group_by",
                "duplicate_grouping",
                format!("{part} appears twice"),
            ));
        }
        out.push(grouping);
    }
    Ok(out)
}

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

#[derive(Debug, QueryableByName)]
pub struct GmvRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub k_platform: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_influencer: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_product: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_session: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_day: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_week: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_month: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_city_tier: Option<String>,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    #[diesel(sql_type = Numeric)]
    pub gross: Decimal,
    #[diesel(sql_type = Numeric)]
    pub refunded: Decimal,
}

impl GmvRow {
    pub fn key(&self, grouping: Grouping) -> Option<&str> {
        match grouping {
            Grouping::Platform => self.k_platform.as_deref(),
            Grouping::Influencer => self.k_influencer.as_deref(),
            Grouping::Product => self.k_product.as_deref(),
            Grouping::Session => self.k_session.as_deref(),
            Grouping::Day => self.k_day.as_deref(),
            Grouping::Week => self.k_week.as_deref(),
            Grouping::Month => self.k_month.as_deref(),
            Grouping::CityTier => self.k_city_tier.as_deref(),
        }
    }
}

/// Where the figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    DailyPlatform,
    DailyHost,
    PlatformRollup,
    HostRollup,
    Ledger,
}

pub fn choose_source(query: &GmvQuery, exact_hours: bool) -> Source {
    let fits = |allowed: &[Grouping]| query.group_by.iter().all(|g| allowed.contains(g));
    use Grouping as G;
    let periods_and = |extra: Grouping| fits(&[extra, G::Day, G::Week, G::Month]);
    if query.agency_zone && query.influencer_id.is_none() && periods_and(G::Platform) {
        Source::DailyPlatform
    } else if query.agency_zone && query.platform.is_none() && periods_and(G::Influencer) {
        Source::DailyHost
    } else if !exact_hours {
        Source::Ledger
    } else if query.influencer_id.is_none() && fits(&[G::Platform, G::Day, G::Week, G::Month]) {
        Source::PlatformRollup
    } else if fits(&[G::Platform, G::Influencer, G::Day, G::Week, G::Month]) {
        Source::HostRollup
    } else {
        Source::Ledger
    }
}

/// Runs the report; rows come ordered by their keys, then currency.
pub async fn run(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    query: &GmvQuery,
) -> Result<(Vec<GmvRow>, Source), AppError> {
    let start = local_midnight(query.from, query.tz);
    let end = local_midnight(query.to, query.tz);
    let source = choose_source(query, whole_hour_zone(query.tz, start, end));
    let daily = matches!(source, Source::DailyPlatform | Source::DailyHost);
    let (table, time, orders, units, gross, refunded, extra_where) = match source {
        Source::DailyPlatform => (
            "sales_daily_platform_live s",
            "s.day",
            "sum(s.orders)",
            "sum(s.units)",
            "sum(s.gross)",
            "sum(s.refunded)",
            "",
        ),
        Source::DailyHost => (
            "sales_daily_host_live s",
            "s.day",
            "sum(s.orders)",
            "sum(s.units)",
            "sum(s.gross)",
            "sum(s.refunded)",
            "",
        ),
        Source::PlatformRollup => (
            "sales_rollup_platform_live s",
            "s.bucket",
            "sum(s.orders)",
            "sum(s.units)",
            "sum(s.gross)",
            "sum(s.refunded)",
            "",
        ),
        Source::HostRollup => (
            "sales_rollup_host_live s",
            "s.bucket",
            "sum(s.orders)",
            "sum(s.units)",
            "sum(s.gross)",
            "sum(s.refunded)",
            "",
        ),
        Source::Ledger => (
            "sales s LEFT JOIN live_sessions ls ON ls.agency_id = s.agency_id AND ls.id = s.live_session_id",
            "s.sold_at",
            "count(*)",
            "sum(s.quantity)",
            "sum(s.gross)",
            "sum(s.refunded_amount)",
            " AND s.status <> 'cancelled'",
        ),
    };
    let expression = |grouping: Grouping| -> String {
        match grouping {
            Grouping::Platform => "s.platform".to_owned(),
            Grouping::Influencer => "s.influencer_id::text".to_owned(),
            Grouping::Product => "s.product_id::text".to_owned(),
            Grouping::Session => "s.live_session_id::text".to_owned(),
            // The daily rollups hold local dates already: converting them as instants would
            // move every day of a zone west of UTC to the day before.
            Grouping::Day if daily => format!("to_char({time}, 'YYYY-MM-DD')"),
            Grouping::Week if daily => format!("to_char(date_trunc('week', {time}), 'YYYY-MM-DD')"),
            Grouping::Month if daily => format!("to_char({time}, 'YYYY-MM')"),
            Grouping::Day => format!("to_char(({time} AT TIME ZONE $4)::date, 'YYYY-MM-DD')"),
            Grouping::Week => {
                format!("to_char(date_trunc('week', {time} AT TIME ZONE $4), 'YYYY-MM-DD')")
            }
            Grouping::Month => format!("to_char({time} AT TIME ZONE $4, 'YYYY-MM')"),
            Grouping::CityTier => "ls.venue_city_tier::text".to_owned(),
        }
    };
    let all = [
        (Grouping::Platform, "k_platform"),
        (Grouping::Influencer, "k_influencer"),
        (Grouping::Product, "k_product"),
        (Grouping::Session, "k_session"),
        (Grouping::Day, "k_day"),
        (Grouping::Week, "k_week"),
        (Grouping::Month, "k_month"),
        (Grouping::CityTier, "k_city_tier"),
    ];
    let select_keys: Vec<String> = all
        .iter()
        .map(|(grouping, alias)| {
            if query.group_by.contains(grouping) {
                format!("{} AS {alias}", expression(*grouping))
            } else {
                format!("NULL::text AS {alias}")
            }
        })
        .collect();
    let group_keys: Vec<String> = query.group_by.iter().map(|g| expression(*g)).collect();
    let mut group_clause = group_keys.clone();
    group_clause.push("s.currency".to_owned());
    let order_clause: Vec<String> = query
        .group_by
        .iter()
        .map(|g| format!("{} NULLS FIRST", expression(*g)))
        .chain(std::iter::once("s.currency".to_owned()))
        .collect();
    // Daily rollups compare local dates ($7, $8), the others instants ($2, $3).
    let range = if daily {
        format!("{time} >= $7 AND {time} < $8 AND $2 <= $3")
    } else {
        format!("{time} >= $2 AND {time} < $3 AND $7 <= $8")
    };
    let mut sql = format!(
        "SELECT {keys}, trim(s.currency) AS currency, ({orders})::bigint AS orders, ({units})::bigint AS units, \
         coalesce({gross}, 0) AS gross, coalesce({refunded}, 0) AS refunded \
         FROM {table} \
         WHERE s.agency_id = $1 AND {range} AND $4 <> ''{extra_where}",
        keys = select_keys.join(", "),
    );
    if query.platform.is_some() {
        sql.push_str(" AND s.platform = $5");
    } else {
        sql.push_str(" AND $5::text IS NULL");
    }
    if query.influencer_id.is_some() {
        sql.push_str(" AND s.influencer_id = $6");
    } else {
        sql.push_str(" AND $6::uuid IS NULL");
    }
    if query.currency.is_some() {
        sql.push_str(" AND trim(s.currency) = $9");
    } else {
        sql.push_str(" AND $9::text IS NULL");
    }
    sql.push_str(&format!(
        " GROUP BY {} HAVING {orders} <> 0 OR coalesce({gross}, 0) <> 0 ORDER BY {}",
        group_clause.join(", "),
        order_clause.join(", ")
    ));
    // Kept prepared: one text per grouping and filter shape, a bounded set.
    let rows = crate::db::KeepPrepared(
        diesel::sql_query(sql)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<diesel::sql_types::Timestamptz, _>(start)
            .bind::<diesel::sql_types::Timestamptz, _>(end)
            .bind::<Text, _>(query.tz.name())
            .bind::<Nullable<Text>, _>(query.platform.map(|p| p.as_str()))
            .bind::<Nullable<SqlUuid>, _>(query.influencer_id)
            .bind::<diesel::sql_types::Date, _>(query.from)
            .bind::<diesel::sql_types::Date, _>(query.to)
            .bind::<Nullable<Text>, _>(query.currency.as_deref()),
    )
    .load::<GmvRow>(conn)
    .await?;
    Ok((rows, source))
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
    fn groupings_parse_and_pick_their_source() {
        assert_eq!(
            parse_group_by(Some("platform, day")).unwrap(),
            vec![Grouping::Platform, Grouping::Day]
        );
        assert_eq!(
            parse_group_by(Some("colour")).unwrap_err().code,
            "invalid_grouping"
        );
        assert_eq!(
            parse_group_by(Some("day,day")).unwrap_err().code,
            "duplicate_grouping"
        );
        let mut query = GmvQuery {
            from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            group_by: vec![Grouping::Platform, Grouping::Month],
            tz: chrono_tz::Asia::Shanghai,
            influencer_id: None,
            platform: None,
            currency: None,
            agency_zone: true,
        };
        assert_eq!(choose_source(&query, true), Source::DailyPlatform);
        query.group_by = vec![Grouping::Influencer, Grouping::Week];
        assert_eq!(choose_source(&query, true), Source::DailyHost);
        query.agency_zone = false;
        query.group_by = vec![Grouping::Platform, Grouping::Month];
        assert_eq!(choose_source(&query, true), Source::PlatformRollup);
        query.group_by.push(Grouping::Influencer);
        assert_eq!(choose_source(&query, true), Source::HostRollup);
        query.group_by.push(Grouping::CityTier);
        assert_eq!(choose_source(&query, true), Source::Ledger);
        query.group_by = vec![Grouping::Platform];
        assert_eq!(
            choose_source(&query, false),
            Source::Ledger,
            "half-hour zones read the ledger"
        );
    }

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
