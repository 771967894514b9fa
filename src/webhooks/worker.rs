//! The delivery worker. Every `poll_interval_ms` it looks for agencies with pending deliveries
//! (a skip scan of `webhook_deliveries_queue`: one index descent per agency, however long the
//! queues behind a failing receiver grow; in rounds of at most 200 agencies, taking turns),
//! then, one agency at a time, claims the head of each
//! active subscription's queue: the pending delivery with the lowest `event_seq`, and only if
//! it is due and unclaimed, so a subscription's events go in order and a later one never
//! overtakes an earlier one still retrying. The claim is one statement (`FOR UPDATE SKIP
//! LOCKED` over that agency's rows) that sets `claimed_until` to a lease longer than the HTTP
//! timeout and commits; the attempt then runs without a transaction open, and its outcome and
//! the delivery's new state are recorded in one transaction.
//!
//! Several workers (in one process or many) run safely side by side: a delivery locked or
//! claimed by one is skipped by the others, and a crashed worker's claim simply runs out. All
//! state is in the database, so a restart picks up where the last run stopped. Every statement
//! but the discovery of agencies filters on `agency_id`, so it runs on a cluster distributed
//! by agency too.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::{Semaphore, watch};
use uuid::Uuid;

use super::deliveries::{self, Delivery};
use super::send;
use crate::state::AppState;

/// Deliveries in flight at once, per worker.
const IN_FLIGHT: usize = 16;

/// Agencies looked at per round (the next round goes on after the last one).
const AGENCIES_PER_ROUND: i64 = 200;

/// How often agencies subscribed to compliance events get their open issues re-evaluated, so
/// that `compliance.violation_*` events follow the change that causes them without waiting for
/// someone to open the compliance page.
const COMPLIANCE_SWEEP: Duration = Duration::from_secs(2);

/// How much longer than the HTTP timeout a claim lasts.
const LEASE_MARGIN: Duration = Duration::from_secs(30);

#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = SqlUuid)]
    agency_id: Uuid,
}

/// A running worker; [`Worker::stop`] ends it.
pub struct Worker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Starts a worker on the current runtime, with the state's pool, settings and keys.
    pub fn spawn(state: web::Data<AppState>) -> anyhow::Result<Self> {
        let client = send::client(&state.settings.webhooks)?;
        let (stop, stopped) = watch::channel(false);
        let task = actix_web::rt::spawn(run(state, client, stopped));
        Ok(Self { stop, task })
    }

    /// Stops looking for work and waits for the attempts in flight to be recorded.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(
    state: web::Data<AppState>,
    client: reqwest::Client,
    mut stopped: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let interval = Duration::from_millis(state.settings.webhooks.poll_interval_ms);
    let mut swept = tokio::time::Instant::now();
    let mut after = Uuid::nil();
    let mut citus = None;
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            () = tokio::time::sleep(interval) => {}
        }
        if swept.elapsed() >= COMPLIANCE_SWEEP {
            swept = tokio::time::Instant::now();
            if let Err(error) = compliance_sweep(&state).await {
                tracing::warn!(%error, "compliance sweep for webhooks failed");
            }
        }
        match round(&state, &client, &permits, after, &mut citus).await {
            Ok(next) => after = next,
            Err(error) => tracing::warn!(%error, "webhook round failed"),
        }
    }
    // Wait for the attempts in flight: their outcomes are recorded before the worker ends.
    let all = u32::try_from(IN_FLIGHT).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
}

/// The lease of a claim: longer than any attempt.
pub fn lease(state: &AppState) -> Duration {
    Duration::from_millis(state.settings.webhooks.timeout_ms) + LEASE_MARGIN
}

/// One look for work among the agencies after `after`: claims what is due, as far as attempts
/// may start, and starts them. Answers where the next round goes on (nil: from the start).
/// `citus` is whether the database is a Citus cluster, learnt at the first round.
async fn round(
    state: &web::Data<AppState>,
    client: &reqwest::Client,
    permits: &Arc<Semaphore>,
    after: Uuid,
    citus: &mut Option<bool>,
) -> anyhow::Result<Uuid> {
    if permits.available_permits() == 0 {
        return Ok(after);
    }
    let mut conn = state.pool.get().await?;
    let on_citus = match *citus {
        Some(known) => known,
        None => *citus.insert(crate::distribute::is_citus(&mut conn).await?),
    };
    let agencies = pending_agencies(&mut conn, after, on_citus).await?;
    let next = match agencies.last() {
        Some(last) if agencies.len() as i64 >= AGENCIES_PER_ROUND => *last,
        _ => Uuid::nil(),
    };
    for agency_id in agencies {
        let free = permits.available_permits();
        if free == 0 {
            break;
        }
        let claimed = claim(&mut conn, agency_id, lease(state), free).await?;
        for delivery in claimed {
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                break;
            };
            let state = state.clone();
            let client = client.clone();
            actix_web::rt::spawn(async move {
                if let Err(error) = deliver(&state, &client, &delivery).await {
                    tracing::warn!(delivery = %delivery.id, %error, "webhook delivery not recorded");
                }
                drop(permit);
            });
        }
    }
    Ok(next)
}

/// Up to [`AGENCIES_PER_ROUND`] agencies after `after` (in id order) with pending deliveries:
/// one descent of the queue index per agency (a skip scan), not a scan of the queues. Citus
/// runs no recursive query over a distributed table: there each shard answers its own distinct
/// agencies (a scan of its pending deliveries alone, through the partial queue index) and the
/// coordinator merges them.
async fn pending_agencies(
    conn: &mut AsyncPgConnection,
    after: Uuid,
    citus: bool,
) -> diesel::QueryResult<Vec<Uuid>> {
    let sql = if citus {
        "SELECT DISTINCT agency_id FROM webhook_deliveries \
         WHERE state = 'pending' AND agency_id > $1 ORDER BY agency_id LIMIT $2"
    } else {
        SKIP_SCAN
    };
    let rows: Vec<Due> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(after)
        .bind::<BigInt, _>(AGENCIES_PER_ROUND)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|row| row.agency_id).collect())
}

/// The agencies with pending deliveries after `$1`, at most `$2`, one index descent each.
const SKIP_SCAN: &str = "WITH RECURSIVE pending (agency_id) AS ( \
             (SELECT agency_id FROM webhook_deliveries \
              WHERE state = 'pending' AND agency_id > $1 ORDER BY agency_id LIMIT 1) \
           UNION ALL \
             SELECT (SELECT d.agency_id FROM webhook_deliveries d \
                     WHERE d.state = 'pending' AND d.agency_id > pending.agency_id \
                     ORDER BY d.agency_id LIMIT 1) \
             FROM pending WHERE pending.agency_id IS NOT NULL) \
         SELECT agency_id FROM pending WHERE agency_id IS NOT NULL LIMIT $2";

/// Claims up to `limit` queue heads of the agency's active subscriptions that are due and
/// unclaimed: one statement, committed at once. Every table in it is filtered on the agency by
/// name (not only through the join), so that Citus routes it, `FOR UPDATE` included, to the
/// agency's shard.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    lease: Duration,
    limit: usize,
) -> diesel::QueryResult<Vec<Delivery>> {
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    diesel::sql_query(
        "WITH heads AS ( \
             SELECT d.id FROM webhooks w \
             CROSS JOIN LATERAL ( \
                 SELECT h.id FROM webhook_deliveries h \
                 WHERE h.agency_id = $1 AND h.webhook_id = w.id AND h.state = 'pending' \
                 ORDER BY h.event_seq LIMIT 1) head \
             JOIN webhook_deliveries d ON d.agency_id = $1 AND d.id = head.id \
             WHERE w.agency_id = $1 AND w.active \
               AND d.state = 'pending' AND d.next_attempt_at <= now() \
               AND (d.claimed_until IS NULL OR d.claimed_until < now()) \
             LIMIT $3 \
             FOR UPDATE OF d SKIP LOCKED) \
         UPDATE webhook_deliveries SET claimed_until = now() + $2 * interval '1 millisecond' \
         WHERE agency_id = $1 AND id IN (SELECT id FROM heads) \
         RETURNING *",
    )
    .bind::<SqlUuid, _>(agency_id)
    .bind::<BigInt, _>(lease_ms)
    .bind::<BigInt, _>(i64::try_from(limit).unwrap_or(i64::MAX))
    .load(conn)
    .await
}

/// Re-evaluates the open compliance issues of agencies that subscribe to compliance events and
/// have changes (or a new day) since the last evaluation; the evaluation emits the events.
async fn compliance_sweep(state: &AppState) -> anyhow::Result<()> {
    let mut conn = state.pool.get().await?;
    let rows: Vec<Due> = diesel::sql_query(
        "SELECT DISTINCT w.agency_id FROM webhooks w \
         JOIN agencies a ON a.id = w.agency_id \
         LEFT JOIN compliance_refresh r ON r.agency_id = w.agency_id \
         WHERE w.active \
           AND w.events && ARRAY['compliance.violation_opened', 'compliance.violation_resolved'] \
           AND (r.evaluated_on IS NULL \
                OR r.evaluated_on < (now() AT TIME ZONE a.time_zone)::date \
                OR EXISTS (SELECT 1 FROM compliance_dirty d WHERE d.agency_id = w.agency_id)) \
         LIMIT $1",
    )
    .bind::<BigInt, _>(AGENCIES_PER_ROUND)
    .load(&mut conn)
    .await?;
    for Due { agency_id } in rows {
        let context = crate::compliance::handlers::rule_context(&mut conn, state, agency_id)
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        crate::compliance::refresh::refresh(&mut conn, agency_id, &context)
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))?;
    }
    Ok(())
}

/// Attempts a claimed delivery and records the outcome.
async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    delivery: &Delivery,
) -> anyhow::Result<()> {
    let (webhook, event) = {
        let mut conn = state.pool.get().await?;
        send::load_target(
            &mut conn,
            delivery.agency_id,
            delivery.webhook_id,
            delivery.event_id,
        )
        .await?
    };
    let settings = &state.settings.webhooks;
    let outcome = send::attempt(client, settings, &state.vault, &webhook, &event).await;
    let mut conn = state.pool.get().await?;
    deliveries::record(&mut conn, settings, delivery, &outcome, false).await?;
    Ok(())
}
