//! The monthly settlement: per host and currency, net GMV, the commission it earned (each
//! line at the rate its product had when recorded), and the split between agency and host by
//! the contract valid on each sale's local date. Everything is summed exactly and rounded once
//! per row, half to even, so the two shares always add up to the commission.

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Date, Numeric, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::period::{local_midnight, next_month, whole_hour_zone};
use super::statement::Binds;
use crate::domain::currency::Currency;
use crate::error::AppError;

#[derive(Debug, QueryableByName)]
struct HostFigures {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    stage_name: String,
    #[diesel(sql_type = Text)]
    currency: Currency,
    #[diesel(sql_type = Numeric)]
    net: Decimal,
    /// Σ net × commission_percent (still to divide by 100).
    #[diesel(sql_type = Numeric)]
    commission_basis: Decimal,
    /// Σ net × commission_percent × agency_share_percent over days with a contract (÷ 10000).
    #[diesel(sql_type = Numeric)]
    agency_basis: Decimal,
    #[diesel(sql_type = Bool)]
    contract_missing: bool,
}

/// One settlement row. Amounts are decimal strings in `currency`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettlementRow {
    pub influencer_id: Uuid,
    pub stage_name: String,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub net_gmv: String,
    pub commission: String,
    /// `null` when `contract_missing`.
    pub agency_share: Option<String>,
    /// `null` when `contract_missing`.
    pub host_share: Option<String>,
    /// Some of the month's sales fall on days without a valid contract: no share is invented.
    pub contract_missing: bool,
}

fn round(amount: Decimal, currency: Currency) -> Decimal {
    let minor = currency.minor_unit();
    let mut rounded = amount.round_dp_with_strategy(minor, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(minor);
    rounded
}

/// The settlement of the month starting `first` (local to `tz`).
/// `agency_zone`: `tz` is the agency's own, whose days the daily rollup holds.
pub async fn run(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    first: NaiveDate,
    tz: Tz,
    agency_zone: bool,
) -> Result<Vec<SettlementRow>, AppError> {
    let start = local_midnight(first, tz);
    let end = local_midnight(next_month(first), tz);
    // The statement is one of three texts, chosen by `agency_zone` and the zone's offsets;
    // nothing of the request's text enters it, its values are bound.
    let mut binds = Binds::default();
    let agency = binds.bind::<SqlUuid, _>(agency_id);
    // Per host, currency and local day; then the contract valid on each day (contracts of a
    // host never overlap) splits the commission, summed exactly.
    let daily_split = format!(
        "SELECT d.influencer_id, d.currency, d.net, d.commission_basis, \
                c.agency_share_percent AS share, c.id IS NULL AS missing \
         FROM days d LEFT JOIN contracts c ON c.agency_id = {agency} AND c.influencer_id = d.influencer_id \
              AND c.valid_from <= d.day AND (c.valid_until IS NULL OR d.day <= c.valid_until)"
    );
    let split = if agency_zone {
        let (first, next) = (
            binds.bind::<Date, _>(first),
            binds.bind::<Date, _>(next_month(first)),
        );
        // The daily rollup and its unfolded deltas; hosts the monthly rollup answers for are
        // left out (see `uniform` below).
        let per_day = format!(
            "SELECT influencer_id, currency, day, sum(gross - refunded) AS net, \
                    sum(gross_commission - refunded_commission) AS commission_basis \
             FROM sales_daily_host_live WHERE agency_id = {agency} AND day >= {first} AND day < {next} \
               AND influencer_id NOT IN (SELECT influencer_id FROM uniform) \
             GROUP BY 1, 2, 3 HAVING sum(orders) <> 0 OR sum(gross) <> 0"
        );
        // Hosts whose whole month one contract covers (or none touches) read the monthly
        // rollup; the others are split day by day.
        format!(
            "terms AS ( \
                SELECT influencer_id, count(*) AS n, \
                       bool_or(valid_from <= {first} AND (valid_until IS NULL OR valid_until >= {next} - 1)) AS whole \
                FROM contracts WHERE agency_id = {agency} AND valid_from < {next} AND (valid_until IS NULL OR valid_until >= {first}) \
                GROUP BY 1), \
             uniform AS ( \
                SELECT m.influencer_id, m.currency, m.gross - m.refunded AS net, \
                       m.gross_commission - m.refunded_commission AS commission_basis, \
                       c.agency_share_percent AS share, c.id IS NULL AS missing \
                FROM (SELECT influencer_id, currency, sum(orders) AS orders, sum(gross) AS gross, \
                             sum(refunded) AS refunded, sum(gross_commission) AS gross_commission, \
                             sum(refunded_commission) AS refunded_commission \
                      FROM sales_monthly_host_live WHERE agency_id = {agency} AND month = {first} GROUP BY 1, 2) m \
                LEFT JOIN terms t ON t.influencer_id = m.influencer_id \
                LEFT JOIN contracts c ON c.agency_id = {agency} AND c.influencer_id = m.influencer_id \
                     AND c.valid_from <= {first} AND (c.valid_until IS NULL OR c.valid_until >= {next} - 1) \
                WHERE (m.orders <> 0 OR m.gross <> 0) \
                  AND (t.influencer_id IS NULL OR (t.n = 1 AND t.whole))), \
             days AS ({per_day}), \
             parts AS (SELECT * FROM uniform UNION ALL {daily_split})"
        )
    } else {
        let exact_hours = whole_hour_zone(tz, start, end);
        let (start, end) = (
            binds.bind::<Timestamptz, _>(start),
            binds.bind::<Timestamptz, _>(end),
        );
        let zone = binds.bind::<Text, _>(tz.name());
        let per_day = if exact_hours {
            format!(
                "SELECT influencer_id, currency, (bucket AT TIME ZONE {zone})::date AS day, \
                        sum(gross - refunded) AS net, sum(gross_commission - refunded_commission) AS commission_basis \
                 FROM sales_rollup_host_live WHERE agency_id = {agency} AND bucket >= {start} AND bucket < {end} \
                 GROUP BY 1, 2, 3 HAVING sum(orders) <> 0"
            )
        } else {
            format!(
                "SELECT influencer_id, currency, (sold_at AT TIME ZONE {zone})::date AS day, \
                        sum(gross - refunded_amount) AS net, sum((gross - refunded_amount) * commission_percent) AS commission_basis \
                 FROM sales WHERE agency_id = {agency} AND sold_at >= {start} AND sold_at < {end} AND status <> 'cancelled' \
                 GROUP BY 1, 2, 3"
            )
        };
        format!("days AS ({per_day}), parts AS ({daily_split})")
    };
    let sql = format!(
        "WITH {split} \
         SELECT p.influencer_id, i.stage_name, p.currency AS currency, sum(p.net) AS net, \
                sum(p.commission_basis) AS commission_basis, \
                coalesce(sum(p.commission_basis * p.share), 0) AS agency_basis, \
                bool_or(p.missing) AS contract_missing \
         FROM parts p JOIN influencers i ON i.agency_id = {agency} AND i.id = p.influencer_id \
         GROUP BY p.influencer_id, i.stage_name, p.currency \
         ORDER BY p.influencer_id, p.currency"
    );
    let rows: Vec<HostFigures> = binds.statement(&sql).load(conn).await?;
    let hundred = Decimal::ONE_HUNDRED;
    Ok(rows
        .into_iter()
        .map(|row| {
            let commission = round(row.commission_basis / hundred, row.currency);
            let agency = round(row.agency_basis / hundred / hundred, row.currency);
            let missing = row.contract_missing;
            SettlementRow {
                influencer_id: row.influencer_id,
                stage_name: row.stage_name,
                net_gmv: round(row.net, row.currency).to_string(),
                commission: commission.to_string(),
                agency_share: (!missing).then(|| agency.to_string()),
                host_share: (!missing).then(|| (commission - agency).to_string()),
                contract_missing: missing,
                currency: row.currency,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_to_even_at_the_currency_minor_unit() {
        assert_eq!(
            round(Decimal::new(12345, 3), Currency::CNY).to_string(),
            "12.34"
        );
        assert_eq!(
            round(Decimal::new(12355, 3), Currency::CNY).to_string(),
            "12.36"
        );
        assert_eq!(
            round(Decimal::new(12, 1), Currency::parse("JPY").unwrap()).to_string(),
            "1"
        );
        assert_eq!(round(Decimal::new(5, 0), Currency::CNY).to_string(), "5.00");
    }
}
