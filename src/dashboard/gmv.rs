//! The dashboard's GMV: today, the last 7 and the last 30 days, per currency, from one run of
//! the GMV report's own statement ([`crate::reports::gmv::run`], grouped by day over the 30
//! days, in the agency's time zone: the daily rollups plus the deltas not folded yet), added up
//! per window here. The sums are exact (decimals), so each window's figures are those the
//! report answers for its dates without `group_by`.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::{DashboardGmv, GmvFigures, GmvWindow};
use crate::domain::currency::Currency;
use crate::error::AppError;
use crate::reports::gmv::{self, GmvQuery, Grouping};

/// One window's sums of a currency.
#[derive(Debug, Clone, Copy)]
struct Sums {
    currency: Currency,
    orders: i64,
    units: i64,
    gross: Decimal,
    refunded: Decimal,
}

/// A window being added up: its first day and its sums per currency code.
struct Tally {
    from: NaiveDate,
    sums: BTreeMap<&'static str, Sums>,
}

impl Tally {
    fn new(from: NaiveDate) -> Self {
        Self {
            from,
            sums: BTreeMap::new(),
        }
    }

    fn window(self, to: NaiveDate) -> GmvWindow {
        GmvWindow {
            from: self.from,
            to,
            currencies: self
                .sums
                .into_values()
                .map(|s| GmvFigures {
                    currency: s.currency.code().to_owned(),
                    orders: s.orders,
                    units: s.units,
                    gross: s.currency.format(s.gross),
                    refunded: s.currency.format(s.refunded),
                    net: s.currency.format(s.gross - s.refunded),
                })
                .collect(),
        }
    }
}

/// GMV of the windows ending with `today` (local to `time_zone`, the agency's).
pub async fn windows(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    time_zone: Tz,
    today: NaiveDate,
) -> Result<DashboardGmv, AppError> {
    let to = today + Duration::days(1);
    let mut tallies = [
        Tally::new(today),
        Tally::new(today - Duration::days(6)),
        Tally::new(today - Duration::days(29)),
    ];
    let query = GmvQuery {
        from: tallies[2].from,
        to,
        group_by: vec![Grouping::Day],
        tz: time_zone,
        influencer_id: None,
        platform: None,
        currency: None,
        agency_zone: true,
    };
    let (rows, _) = gmv::run(conn, agency_id, &query).await?;
    for row in rows {
        let day = row
            .key(Grouping::Day)
            .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
            .ok_or_else(|| anyhow::anyhow!("a GMV row by day came without its day"))?;
        for tally in tallies.iter_mut().filter(|t| t.from <= day && day < to) {
            let sums = tally.sums.entry(row.currency.code()).or_insert(Sums {
                currency: row.currency,
                orders: 0,
                units: 0,
                gross: Decimal::ZERO,
                refunded: Decimal::ZERO,
            });
            sums.orders += row.orders;
            sums.units += row.units;
            sums.gross += row.gross;
            sums.refunded += row.refunded;
        }
    }
    let [today_tally, week, month] = tallies;
    Ok(DashboardGmv {
        today: today_tally.window(to),
        last_7_days: week.window(to),
        last_30_days: month.window(to),
    })
}
