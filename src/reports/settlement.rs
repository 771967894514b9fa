//! The monthly settlement: per host and currency, net GMV, the commission it earned (each
//! line at the rate its product had when recorded), and the split between agency and host by
//! the contract valid on each sale's local date. Everything is summed exactly and rounded once
//! per row, half to even, so the two shares always add up to the commission.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{Date, Numeric, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::gmv::{local_midnight, next_month, whole_hour_zone};
use crate::domain::currency::Currency;
use crate::error::AppError;
use crate::schema::{contracts, influencers};

#[derive(Debug, QueryableByName)]
struct DayFigures {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Numeric)]
    net: Decimal,
    /// Σ net × commission_percent (still to divide by 100).
    #[diesel(sql_type = Numeric)]
    commission_basis: Decimal,
}

/// One settlement row. Amounts are decimal strings in `currency`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettlementRow {
    pub influencer_id: Uuid,
    pub stage_name: String,
    pub currency: String,
    pub net_gmv: String,
    pub commission: String,
    /// `null` when `contract_missing`.
    pub agency_share: Option<String>,
    /// `null` when `contract_missing`.
    pub host_share: Option<String>,
    /// Some of the month's sales fall on days without a valid contract: no share is invented.
    pub contract_missing: bool,
}

fn round(amount: Decimal, currency: &str) -> Decimal {
    let minor = Currency::parse(currency).map_or(2, Currency::minor_unit);
    let mut rounded = amount.round_dp_with_strategy(minor, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(minor);
    rounded
}

/// The settlement of the month starting `first` (local to `tz`).
pub async fn run(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    first: NaiveDate,
    tz: Tz,
) -> Result<Vec<SettlementRow>, AppError> {
    let start = local_midnight(first, tz);
    let end = local_midnight(next_month(first), tz);
    let sql = if whole_hour_zone(tz, start, end) {
        "SELECT influencer_id, trim(currency) AS currency, (bucket AT TIME ZONE $4)::date AS day, \
                sum(gross - refunded) AS net, sum(gross_commission - refunded_commission) AS commission_basis \
         FROM sales_rollup_host WHERE agency_id = $1 AND bucket >= $2 AND bucket < $3 \
         GROUP BY 1, 2, 3 HAVING sum(orders) <> 0"
    } else {
        "SELECT influencer_id, trim(currency) AS currency, (sold_at AT TIME ZONE $4)::date AS day, \
                sum(gross - refunded_amount) AS net, sum((gross - refunded_amount) * commission_percent) AS commission_basis \
         FROM sales WHERE agency_id = $1 AND sold_at >= $2 AND sold_at < $3 AND status <> 'cancelled' \
         GROUP BY 1, 2, 3"
    };
    let days: Vec<DayFigures> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Timestamptz, _>(start)
        .bind::<Timestamptz, _>(end)
        .bind::<Text, _>(tz.name())
        .load(conn)
        .await?;
    let hosts: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = days.iter().map(|d| d.influencer_id).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let names: HashMap<Uuid, String> = influencers::table
        .filter(influencers::agency_id.eq(agency_id))
        .filter(influencers::id.eq_any(&hosts))
        .select((influencers::id, influencers::stage_name))
        .load::<(Uuid, String)>(conn)
        .await?
        .into_iter()
        .collect();
    let month_end = next_month(first);
    let mut terms: HashMap<Uuid, Vec<(NaiveDate, Option<NaiveDate>, Decimal)>> = HashMap::new();
    let rows: Vec<(Uuid, NaiveDate, Option<NaiveDate>, Decimal)> = contracts::table
        .filter(contracts::agency_id.eq(agency_id))
        .filter(contracts::influencer_id.eq_any(&hosts))
        .filter(contracts::valid_from.lt(month_end))
        .filter(
            contracts::valid_until
                .is_null()
                .or(contracts::valid_until.ge(first)),
        )
        .select((
            contracts::influencer_id,
            contracts::valid_from,
            contracts::valid_until,
            contracts::agency_share_percent,
        ))
        .load(conn)
        .await?;
    for (host, from, until, share) in rows {
        terms.entry(host).or_default().push((from, until, share));
    }

    // (host, currency) → (net, commission, agency share, any day without a contract)
    let mut totals: BTreeMap<(Uuid, String), (Decimal, Decimal, Decimal, bool)> = BTreeMap::new();
    let hundred = Decimal::ONE_HUNDRED;
    for day in days {
        let commission = day.commission_basis / hundred;
        let share = terms.get(&day.influencer_id).and_then(|list| {
            list.iter()
                .find(|(from, until, _)| *from <= day.day && until.is_none_or(|u| day.day <= u))
                .map(|(_, _, share)| *share)
        });
        let entry = totals.entry((day.influencer_id, day.currency)).or_default();
        entry.0 += day.net;
        entry.1 += commission;
        match share {
            Some(share) => entry.2 += commission * share / hundred,
            None => entry.3 = true,
        }
    }
    Ok(totals
        .into_iter()
        .map(
            |((influencer_id, currency), (net, commission, agency, missing))| {
                let commission = round(commission, &currency);
                let agency = round(agency, &currency);
                SettlementRow {
                    influencer_id,
                    stage_name: names.get(&influencer_id).cloned().unwrap_or_default(),
                    net_gmv: round(net, &currency).to_string(),
                    commission: commission.to_string(),
                    agency_share: (!missing).then(|| agency.to_string()),
                    host_share: (!missing).then(|| (commission - agency).to_string()),
                    contract_missing: missing,
                    currency,
                }
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_to_even_at_the_currency_minor_unit() {
        assert_eq!(round(Decimal::new(12345, 3), "CNY").to_string(), "12.34");
        assert_eq!(round(Decimal::new(12355, 3), "CNY").to_string(), "12.36");
        assert_eq!(round(Decimal::new(12, 1), "JPY").to_string(), "1");
        assert_eq!(round(Decimal::new(5, 0), "CNY").to_string(), "5.00");
    }
}
