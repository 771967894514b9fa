//! Generating a month's statements as drafts from the ledger, by the rules of the settlement
//! report (`reports::settlement`): sales net of refunds, cancelled lines left out, commission
//! at each line's recorded rate, the agency's share by the contract valid on each sale's local
//! day, summed exactly and rounded half to even once per figure. Changes to approved months
//! waiting for the host (adjustments) and negative balances of earlier statements come along.
//!
//! A generation holds the agency's statement lock (`statements_lock_key`) exclusively; every
//! write to the ledger or to contracts takes it shared, so a write either commits before the
//! ledger is read or finds the drafts and marks them stale.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::QueryableByName;
use diesel::sql_types::{
    Array, BigInt, Bool, Date, Int4, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use crate::domain::currency::Currency;
use crate::error::AppError;
use crate::reports::period::{local_midnight, next_month};

/// What a generation did.
pub struct Generation {
    pub time_zone: Tz,
    /// The drafts made or remade.
    pub drafts: Vec<Uuid>,
    /// Approved or paid statements of the month, left as they are.
    pub kept: Vec<Uuid>,
}

#[derive(QueryableByName)]
struct LineFigures {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    platform: String,
    #[diesel(sql_type = SqlUuid)]
    product_id: Uuid,
    #[diesel(sql_type = Nullable<Numeric>)]
    share: Option<Decimal>,
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = BigInt)]
    units: i64,
    #[diesel(sql_type = Numeric)]
    gross: Decimal,
    #[diesel(sql_type = Numeric)]
    refunded: Decimal,
    #[diesel(sql_type = Numeric)]
    basis: Decimal,
}

#[derive(QueryableByName)]
struct Pending {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Numeric)]
    basis: Decimal,
    #[diesel(sql_type = Nullable<Numeric>)]
    share: Option<Decimal>,
}

#[derive(QueryableByName)]
struct Carry {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Numeric)]
    payable: Decimal,
}

#[derive(QueryableByName)]
struct HostFact {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct Existing {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    state: String,
}

/// Half to even at the currency's minor unit, as the settlement report rounds.
fn round(amount: Decimal, currency: Currency) -> Decimal {
    let minor = currency.minor_unit();
    let mut rounded = amount.round_dp_with_strategy(minor, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(minor);
    rounded
}

/// Commission and host share of `basis` (Σ net × commission percent) at `share` percent to
/// the agency: (commission, agency, host), the host's `None` without a contract.
fn split(basis: Decimal, share: Option<Decimal>, currency: Currency) -> (Decimal, Option<Decimal>) {
    let hundred = Decimal::ONE_HUNDRED;
    let commission = round(basis / hundred, currency);
    let host = share.map(|share| commission - round(basis * share / hundred / hundred, currency));
    (commission, host)
}

#[derive(Default)]
struct HostDraft {
    lines: Vec<LineFigures>,
    pending: Vec<(i64, Decimal, Option<Decimal>)>,
    carries: Vec<(Uuid, Decimal)>,
    other_currency_lines: i64,
}

/// Statement columns, one array per column (inserted with `unnest`).
#[derive(Default)]
struct Columns {
    id: Vec<Uuid>,
    influencer_id: Vec<Uuid>,
    income_type: Vec<String>,
    legal_entity_id: Vec<Option<Uuid>>,
    net_gmv: Vec<Decimal>,
    commission: Vec<Decimal>,
    agency_share: Vec<Decimal>,
    host_share: Vec<Decimal>,
    adjustments_total: Vec<Decimal>,
    carried_forward: Vec<Decimal>,
    payable: Vec<Decimal>,
    contract_missing: Vec<bool>,
    other_currency_lines: Vec<i64>,
}

#[derive(Default)]
struct LineColumns {
    statement_id: Vec<Uuid>,
    line_no: Vec<i32>,
    platform: Vec<String>,
    product_id: Vec<Uuid>,
    share: Vec<Option<Decimal>>,
    orders: Vec<i64>,
    units: Vec<i64>,
    gross: Vec<Decimal>,
    refunded: Vec<Decimal>,
    net: Vec<Decimal>,
    commission: Vec<Decimal>,
    host_share: Vec<Option<Decimal>>,
}

/// Generates (or regenerates) the drafts of month `first` in `tz`, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn generate(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    user_id: Uuid,
    first: NaiveDate,
    tz: Tz,
    currency: Currency,
    host: Option<Uuid>,
) -> Result<Generation, AppError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(statements_lock_key($1))")
        .bind::<SqlUuid, _>(agency_id)
        .execute(conn)
        .await?;
    let next = next_month(first);
    let (start, end) = (local_midnight(first, tz), local_midnight(next, tz));
    let host_filter = |column: &str| {
        if host.is_some() {
            format!("AND {column} = $2")
        } else {
            "AND $2::uuid IS NULL".to_owned()
        }
    };

    let existing: Vec<Existing> = diesel::sql_query(format!(
        "SELECT id, influencer_id, state FROM statements \
         WHERE agency_id = $1 AND month = $3 {} ORDER BY influencer_id FOR UPDATE",
        host_filter("influencer_id")
    ))
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Nullable<SqlUuid>, _>(host)
    .bind::<Date, _>(first)
    .load(conn)
    .await?;
    let kept: Vec<Uuid> = existing
        .iter()
        .filter(|row| row.state != "draft")
        .map(|row| row.id)
        .collect();
    let closed: BTreeSet<Uuid> = existing
        .iter()
        .filter(|row| row.state != "draft")
        .map(|row| row.influencer_id)
        .collect();
    let drafts: HashMap<Uuid, Uuid> = existing
        .iter()
        .filter(|row| row.state == "draft")
        .map(|row| (row.influencer_id, row.id))
        .collect();
    let draft_ids: Vec<Uuid> = drafts.values().copied().collect();

    // The drafts are remade from scratch: their parts go, their adjustments wait again.
    if !draft_ids.is_empty() {
        diesel::sql_query(
            "UPDATE statement_adjustments SET statement_id = NULL, commission = NULL, host_share = NULL \
             WHERE agency_id = $1 AND statement_id = ANY($2)",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(&draft_ids)
        .execute(conn)
        .await?;
        for table in ["statement_lines", "statement_carries"] {
            diesel::sql_query(format!(
                "DELETE FROM {table} WHERE agency_id = $1 AND statement_id = ANY($2)"
            ))
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<SqlUuid>, _>(&draft_ids)
            .execute(conn)
            .await?;
        }
    }

    let zone = tz.name();
    let lines: Vec<LineFigures> = diesel::sql_query(format!(
        "SELECT s.influencer_id, s.platform, s.product_id, c.agency_share_percent AS share, \
                count(*) AS orders, sum(s.quantity)::bigint AS units, sum(s.gross) AS gross, \
                sum(s.refunded_amount) AS refunded, \
                sum((s.gross - s.refunded_amount) * s.commission_percent) AS basis \
         FROM sales s \
         LEFT JOIN contracts c ON c.agency_id = $1 AND c.influencer_id = s.influencer_id \
              AND c.valid_from <= (s.sold_at AT TIME ZONE $6)::date \
              AND (c.valid_until IS NULL OR (s.sold_at AT TIME ZONE $6)::date <= c.valid_until) \
         WHERE s.agency_id = $1 AND s.sold_at >= $3 AND s.sold_at < $4 AND s.currency = $5 \
               AND s.status <> 'cancelled' {} \
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        host_filter("s.influencer_id")
    ))
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Nullable<SqlUuid>, _>(host)
    .bind::<Timestamptz, _>(start)
    .bind::<Timestamptz, _>(end)
    .bind::<Text, _>(currency.code())
    .bind::<Text, _>(zone)
    .load(conn)
    .await?;

    let others: Vec<HostFact> = diesel::sql_query(format!(
        "SELECT influencer_id, NULL::text AS text, NULL::uuid AS id, count(*) AS count FROM sales \
         WHERE agency_id = $1 AND sold_at >= $3 AND sold_at < $4 AND currency <> $5 \
               AND status <> 'cancelled' {} GROUP BY 1",
        host_filter("influencer_id")
    ))
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Nullable<SqlUuid>, _>(host)
    .bind::<Timestamptz, _>(start)
    .bind::<Timestamptz, _>(end)
    .bind::<Text, _>(currency.code())
    .load(conn)
    .await?;

    // Adjustments waiting (or attached to a draft of this month, just detached above).
    let pending: Vec<Pending> = diesel::sql_query(format!(
        "SELECT a.id, a.influencer_id, a.commission_basis_delta AS basis, c.agency_share_percent AS share \
         FROM statement_adjustments a \
         JOIN statements src ON src.agency_id = a.agency_id AND src.id = a.source_statement_id \
         LEFT JOIN contracts c ON c.agency_id = a.agency_id AND c.influencer_id = a.influencer_id \
              AND c.valid_from <= a.sale_day AND (c.valid_until IS NULL OR a.sale_day <= c.valid_until) \
         WHERE a.agency_id = $1 AND a.statement_id IS NULL AND a.currency = $4 AND src.month < $3 {} \
         ORDER BY a.id",
        host_filter("a.influencer_id")
    ))
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Nullable<SqlUuid>, _>(host)
    .bind::<Date, _>(first)
    .bind::<Text, _>(currency.code())
    .load(conn)
    .await?;

    // Negative balances of earlier approved statements not yet brought into another one.
    let carries: Vec<Carry> = diesel::sql_query(format!(
        "SELECT s.id, s.influencer_id, s.payable FROM statements s \
         WHERE s.agency_id = $1 AND s.state = 'approved' AND s.payable < 0 AND s.month < $3 \
           AND s.currency = $4 {} \
           AND NOT EXISTS (SELECT 1 FROM statement_carries k \
                           WHERE k.agency_id = $1 AND k.from_statement_id = s.id) \
         ORDER BY s.month, s.id",
        host_filter("s.influencer_id")
    ))
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Nullable<SqlUuid>, _>(host)
    .bind::<Date, _>(first)
    .bind::<Text, _>(currency.code())
    .load(conn)
    .await?;

    let mut hosts: BTreeMap<Uuid, HostDraft> = BTreeMap::new();
    for line in lines {
        hosts
            .entry(line.influencer_id)
            .or_default()
            .lines
            .push(line);
    }
    for other in others {
        hosts
            .entry(other.influencer_id)
            .or_default()
            .other_currency_lines = other.count;
    }
    for adjustment in pending {
        hosts
            .entry(adjustment.influencer_id)
            .or_default()
            .pending
            .push((adjustment.id, adjustment.basis, adjustment.share));
    }
    for carry in carries {
        hosts
            .entry(carry.influencer_id)
            .or_default()
            .carries
            .push((carry.id, carry.payable));
    }
    hosts.retain(|host, _| !closed.contains(host));

    // The income type of the contract in force at the month's end (the latest one begun by
    // then), and the host's active legal entity.
    let host_ids: Vec<Uuid> = hosts.keys().copied().collect();
    let facts: Vec<HostFact> = diesel::sql_query(
        "SELECT DISTINCT ON (influencer_id) influencer_id, income_type AS text, NULL::uuid AS id, 0::bigint AS count \
         FROM contracts WHERE agency_id = $1 AND influencer_id = ANY($2) AND valid_from < $3 \
         ORDER BY influencer_id, valid_from DESC",
    )
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Array<SqlUuid>, _>(&host_ids)
    .bind::<Date, _>(next)
    .load(conn)
    .await?;
    let income_types: HashMap<Uuid, String> = facts
        .into_iter()
        .filter_map(|fact| fact.text.map(|text| (fact.influencer_id, text)))
        .collect();
    let entities: Vec<HostFact> = diesel::sql_query(
        "SELECT DISTINCT ON (influencer_id) influencer_id, NULL::text AS text, id, 0::bigint AS count \
         FROM legal_entities WHERE agency_id = $1 AND influencer_id = ANY($2) AND status = 'active' \
         ORDER BY influencer_id, created_at DESC, id",
    )
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Array<SqlUuid>, _>(&host_ids)
    .load(conn)
    .await?;
    let entities: HashMap<Uuid, Uuid> = entities
        .into_iter()
        .filter_map(|fact| fact.id.map(|id| (fact.influencer_id, id)))
        .collect();

    let mut columns = Columns::default();
    let mut line_columns = LineColumns::default();
    let mut attach: (Vec<i64>, Vec<Uuid>, Vec<Decimal>, Vec<Option<Decimal>>) = Default::default();
    let mut carried: (Vec<Uuid>, Vec<Uuid>, Vec<Decimal>) = Default::default();
    let hundred = Decimal::ONE_HUNDRED;
    for (influencer_id, draft) in hosts {
        let id = drafts
            .get(&influencer_id)
            .copied()
            .unwrap_or_else(Uuid::now_v7);
        let (mut net, mut basis, mut covered, mut agency_basis) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        let mut missing = false;
        for (n, line) in draft.lines.into_iter().enumerate() {
            let line_net = line.gross - line.refunded;
            net += line_net;
            basis += line.basis;
            match line.share {
                Some(share) => {
                    covered += line.basis;
                    agency_basis += line.basis * share;
                }
                None => missing = true,
            }
            let (commission, host_share) = split(line.basis, line.share, currency);
            line_columns.statement_id.push(id);
            line_columns
                .line_no
                .push(i32::try_from(n + 1).unwrap_or(i32::MAX));
            line_columns.platform.push(line.platform);
            line_columns.product_id.push(line.product_id);
            line_columns.share.push(line.share);
            line_columns.orders.push(line.orders);
            line_columns.units.push(line.units);
            line_columns.gross.push(round(line.gross, currency));
            line_columns.refunded.push(round(line.refunded, currency));
            line_columns
                .net
                .push(round(line.gross, currency) - round(line.refunded, currency));
            line_columns.commission.push(commission);
            line_columns.host_share.push(host_share);
        }
        let commission = round(basis / hundred, currency);
        let agency = round(agency_basis / hundred / hundred, currency);
        let host_share = round(covered / hundred, currency) - agency;
        let mut adjustments_total = round(Decimal::ZERO, currency);
        for (adjustment, basis, share) in draft.pending {
            let (commission, host) = split(basis, share, currency);
            match host {
                Some(host) => adjustments_total += host,
                None => missing = true,
            }
            attach.0.push(adjustment);
            attach.1.push(id);
            attach.2.push(commission);
            attach.3.push(host);
        }
        let mut carried_forward = round(Decimal::ZERO, currency);
        for (from, amount) in draft.carries {
            carried_forward += amount;
            carried.0.push(from);
            carried.1.push(id);
            carried.2.push(amount);
        }
        let income_type = match income_types.get(&influencer_id) {
            Some(kind) => kind.clone(),
            None => {
                // No contract at all: nothing can be approved; the type shown is the default.
                missing = true;
                "labour".to_owned()
            }
        };
        columns.id.push(id);
        columns.influencer_id.push(influencer_id);
        columns
            .legal_entity_id
            .push(entities.get(&influencer_id).copied());
        columns.income_type.push(income_type);
        columns.net_gmv.push(round(net, currency));
        columns.commission.push(commission);
        columns.agency_share.push(agency);
        columns.host_share.push(host_share);
        columns.adjustments_total.push(adjustments_total);
        columns.carried_forward.push(carried_forward);
        columns
            .payable
            .push(host_share + adjustments_total + carried_forward);
        columns.contract_missing.push(missing);
        columns
            .other_currency_lines
            .push(draft.other_currency_lines);
    }

    // Drafts of hosts with nothing left to settle go.
    let remade: BTreeSet<Uuid> = columns.id.iter().copied().collect();
    let gone: Vec<Uuid> = draft_ids
        .iter()
        .copied()
        .filter(|id| !remade.contains(id))
        .collect();
    if !gone.is_empty() {
        diesel::sql_query(
            "DELETE FROM statements WHERE agency_id = $1 AND id = ANY($2) AND state = 'draft'",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(&gone)
        .execute(conn)
        .await?;
    }

    let now = Utc::now();
    if !columns.id.is_empty() {
        diesel::sql_query(
            "INSERT INTO statements AS t (agency_id, id, influencer_id, month, time_zone, period_start, period_end, \
                 currency, income_type, legal_entity_id, state, net_gmv, commission, agency_share, host_share, \
                 adjustments_total, carried_forward, payable, contract_missing, other_currency_lines, stale, \
                 generated_by, generated_at) \
             SELECT $1, u.id, u.influencer_id, $2, $3, $4, $5, $6, u.income_type, u.legal_entity_id, 'draft', \
                    u.net_gmv, u.commission, u.agency_share, u.host_share, u.adjustments_total, \
                    u.carried_forward, u.payable, u.contract_missing, u.other_currency_lines, false, $7, $8 \
             FROM unnest($9::uuid[], $10::uuid[], $11::text[], $12::uuid[], $13::numeric[], $14::numeric[], \
                         $15::numeric[], $16::numeric[], $17::numeric[], $18::numeric[], $19::numeric[], \
                         $20::boolean[], $21::bigint[]) \
                  AS u(id, influencer_id, income_type, legal_entity_id, net_gmv, commission, agency_share, \
                       host_share, adjustments_total, carried_forward, payable, contract_missing, other_currency_lines) \
             ON CONFLICT (agency_id, id) DO UPDATE SET \
                 time_zone = EXCLUDED.time_zone, period_start = EXCLUDED.period_start, \
                 period_end = EXCLUDED.period_end, currency = EXCLUDED.currency, \
                 income_type = EXCLUDED.income_type, legal_entity_id = EXCLUDED.legal_entity_id, \
                 net_gmv = EXCLUDED.net_gmv, commission = EXCLUDED.commission, \
                 agency_share = EXCLUDED.agency_share, host_share = EXCLUDED.host_share, \
                 adjustments_total = EXCLUDED.adjustments_total, carried_forward = EXCLUDED.carried_forward, \
                 payable = EXCLUDED.payable, contract_missing = EXCLUDED.contract_missing, \
                 other_currency_lines = EXCLUDED.other_currency_lines, stale = false, \
                 generated_by = EXCLUDED.generated_by, generated_at = EXCLUDED.generated_at, \
                 version = t.version + 1 \
             WHERE t.state = 'draft'",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Date, _>(first)
        .bind::<Text, _>(zone)
        .bind::<Timestamptz, _>(start)
        .bind::<Timestamptz, _>(end)
        .bind::<Text, _>(currency.code())
        .bind::<SqlUuid, _>(user_id)
        .bind::<Timestamptz, _>(now)
        .bind::<Array<SqlUuid>, _>(&columns.id)
        .bind::<Array<SqlUuid>, _>(&columns.influencer_id)
        .bind::<Array<Text>, _>(&columns.income_type)
        .bind::<Array<Nullable<SqlUuid>>, _>(&columns.legal_entity_id)
        .bind::<Array<Numeric>, _>(&columns.net_gmv)
        .bind::<Array<Numeric>, _>(&columns.commission)
        .bind::<Array<Numeric>, _>(&columns.agency_share)
        .bind::<Array<Numeric>, _>(&columns.host_share)
        .bind::<Array<Numeric>, _>(&columns.adjustments_total)
        .bind::<Array<Numeric>, _>(&columns.carried_forward)
        .bind::<Array<Numeric>, _>(&columns.payable)
        .bind::<Array<Bool>, _>(&columns.contract_missing)
        .bind::<Array<BigInt>, _>(&columns.other_currency_lines)
        .execute(conn)
        .await?;
    }
    if !line_columns.statement_id.is_empty() {
        let l = &line_columns;
        diesel::sql_query(
            "INSERT INTO statement_lines (agency_id, statement_id, line_no, platform, product_id, \
                 agency_share_percent, orders, units, gross, refunded, net, commission, host_share) \
             SELECT $1, u.* FROM unnest($2::uuid[], $3::int4[], $4::text[], $5::uuid[], $6::numeric[], \
                 $7::bigint[], $8::bigint[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], \
                 $13::numeric[]) AS u",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(&l.statement_id)
        .bind::<Array<Int4>, _>(&l.line_no)
        .bind::<Array<Text>, _>(&l.platform)
        .bind::<Array<SqlUuid>, _>(&l.product_id)
        .bind::<Array<Nullable<Numeric>>, _>(&l.share)
        .bind::<Array<BigInt>, _>(&l.orders)
        .bind::<Array<BigInt>, _>(&l.units)
        .bind::<Array<Numeric>, _>(&l.gross)
        .bind::<Array<Numeric>, _>(&l.refunded)
        .bind::<Array<Numeric>, _>(&l.net)
        .bind::<Array<Numeric>, _>(&l.commission)
        .bind::<Array<Nullable<Numeric>>, _>(&l.host_share)
        .execute(conn)
        .await?;
    }
    if !attach.0.is_empty() {
        diesel::sql_query(
            "UPDATE statement_adjustments a SET statement_id = u.statement_id, commission = u.commission, \
                 host_share = u.host_share \
             FROM unnest($2::bigint[], $3::uuid[], $4::numeric[], $5::numeric[]) \
                  AS u(id, statement_id, commission, host_share) \
             WHERE a.agency_id = $1 AND a.id = u.id",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<BigInt>, _>(&attach.0)
        .bind::<Array<SqlUuid>, _>(&attach.1)
        .bind::<Array<Numeric>, _>(&attach.2)
        .bind::<Array<Nullable<Numeric>>, _>(&attach.3)
        .execute(conn)
        .await?;
    }
    if !carried.0.is_empty() {
        diesel::sql_query(
            "INSERT INTO statement_carries (agency_id, from_statement_id, statement_id, amount) \
             SELECT $1, u.* FROM unnest($2::uuid[], $3::uuid[], $4::numeric[]) AS u",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(&carried.0)
        .bind::<Array<SqlUuid>, _>(&carried.1)
        .bind::<Array<Numeric>, _>(&carried.2)
        .execute(conn)
        .await?;
    }
    Ok(Generation {
        time_zone: tz,
        drafts: columns.id,
        kept,
    })
}
