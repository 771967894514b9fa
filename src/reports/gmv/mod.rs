//! The GMV report: orders, units, gross, refunded and net per currency, grouped by any of
//! platform, influencer, product, session, day, week, month and city tier, over local dates.
//!
//! Groupings the hourly rollups can answer (platform, influencer, day, week, month) read them;
//! the others read the ledger. Days, weeks and months are local to the report's time zone;
//! rollups serve every zone whose offsets are whole hours, others read the ledger too. The
//! statement itself is assembled in `sql`.

mod sql;

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Numeric, Text};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::currency::Currency;
use crate::domain::enums::Platform;
use crate::error::FieldError;
use crate::text_enum;

pub use sql::run;

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

    /// The labels a row carries next to this grouping's key, in column order: a host's stage
    /// name, a product's name and SKU, a session's title (see `reports::labels`).
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            Grouping::Influencer => &["stage_name"],
            Grouping::Product => &["product_name", "sku"],
            Grouping::Session => &["session_title"],
            _ => &[],
        }
    }

    /// Whether this is a period of time (day, week or month) rather than a dimension.
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

/// One row of the statement: a key per grouping (`NULL` for those not asked for), then the
/// figures.
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
    pub currency: Currency,
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
    /// The row's key for `grouping`, `None` where the row has none.
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

/// The cheapest source that can answer `query` exactly; `exact_hours`: the zone's offsets are
/// whole hours over the whole range.
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
}
