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

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use crate::domain::currency::Currency;
use crate::domain::enums::IncomeType;
use crate::error::AppError;
use crate::reports::period::{local_midnight, next_month};
use load::{LineFigures, Scope};
use write::{Attachments, Carried, Columns, LineColumns, Period};

mod load;
mod write;

/// What a generation did.
pub struct Generation {
    pub time_zone: Tz,
    /// The drafts made or remade.
    pub drafts: Vec<Uuid>,
    /// Approved or paid statements of the month, left as they are.
    pub kept: Vec<Uuid>,
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
    // `statements_lock`: on a Citus cluster it runs on the agency's worker, where the ledger's
    // triggers take the same lock shared.
    diesel::sql_query("SELECT statements_lock($1)")
        .bind::<SqlUuid, _>(agency_id)
        .execute(conn)
        .await?;
    let next = next_month(first);
    let (start, end) = (local_midnight(first, tz), local_midnight(next, tz));
    let zone = tz.name();
    let scope = Scope {
        agency_id,
        host,
        first,
        start,
        end,
        next,
        currency: currency.code(),
        zone,
    };
    let existing = scope.existing(conn).await?;
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

    // The month's groups are hashed in memory, not sorted on disk.
    diesel::sql_query("SET LOCAL work_mem = '64MB'")
        .execute(conn)
        .await?;
    let mut lines = scope.lines(conn).await?;
    lines.sort_by(|a, b| {
        (a.influencer_id, &a.platform, a.product_id, a.share).cmp(&(
            b.influencer_id,
            &b.platform,
            b.product_id,
            b.share,
        ))
    });
    let pending = scope.pending(conn).await?;
    let carries = scope.carries(conn).await?;

    let mut hosts: BTreeMap<Uuid, HostDraft> = BTreeMap::new();
    for line in lines {
        let draft = hosts.entry(line.influencer_id).or_default();
        if line.currency == currency.code() {
            draft.lines.push(line);
        } else {
            draft.other_currency_lines += line.orders;
        }
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
    let income_types = scope.income_types(conn, &host_ids).await?;
    let entities = scope.entities(conn, &host_ids).await?;

    let mut columns = Columns::default();
    let mut line_columns = LineColumns::default();
    let mut attach = Attachments::default();
    let mut carried = Carried::default();
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
            attach.id.push(adjustment);
            attach.statement_id.push(id);
            attach.commission.push(commission);
            attach.host_share.push(host);
        }
        let mut carried_forward = round(Decimal::ZERO, currency);
        for (from, amount) in draft.carries {
            carried_forward += amount;
            carried.from.push(from);
            carried.statement_id.push(id);
            carried.amount.push(amount);
        }
        let income_type = match income_types.get(&influencer_id) {
            Some(kind) => *kind,
            None => {
                // No contract at all: nothing can be approved; the type shown is the default.
                missing = true;
                IncomeType::Labour
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

    let period = Period {
        first,
        zone,
        start,
        end,
        currency,
    };
    write::statements(conn, agency_id, user_id, &period, &columns).await?;
    write::lines(conn, agency_id, &line_columns).await?;
    write::attach(conn, agency_id, &attach).await?;
    write::carries(conn, agency_id, &carried).await?;
    Ok(Generation {
        time_zone: tz,
        drafts: columns.id,
        kept,
    })
}
