//! Folding the rollup deltas. Writers of `sales` only append their net change to
//! `sales_rollup_delta` (no writer ever updates a shared row, so concurrent writers of one host,
//! day and platform never wait on each other); this background step adds the deltas to the
//! rollups and deletes them in one transaction, one agency at a time. Reports read rollup plus
//! unfolded deltas (the `*_live` views), so they are exact whether or not a fold has run.
//!
//! Safe with several server instances: an agency is claimed with a transaction-scoped advisory
//! lock (another instance folding it is skipped, not waited for), and even two folds of one
//! agency at once stay exact (a delta deleted by one is skipped by the other). Every statement
//! but the discovery of pending agencies filters on `agency_id`.

use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Integer, Uuid as SqlUuid};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::DbPool;

/// Deltas folded per statement: bounds one fold transaction's time and locks.
pub const BATCH: i32 = 20_000;

/// Agencies looked at per round.
const AGENCIES_PER_ROUND: i64 = 1_000;

#[derive(QueryableByName)]
struct Pending {
    #[diesel(sql_type = SqlUuid)]
    agency_id: Uuid,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Bool)]
    claimed: bool,
}

#[derive(QueryableByName)]
struct Folded {
    #[diesel(sql_type = BigInt)]
    folded: i64,
}

/// Agencies with deltas waiting.
pub async fn pending_agencies(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<Uuid>> {
    let rows: Vec<Pending> =
        diesel::sql_query("SELECT DISTINCT agency_id FROM sales_rollup_delta LIMIT $1")
            .bind::<BigInt, _>(AGENCIES_PER_ROUND)
            .load(conn)
            .await?;
    Ok(rows.into_iter().map(|p| p.agency_id).collect())
}

/// Folds one batch of the agency's deltas in one transaction. `None` when another fold holds
/// the agency; otherwise how many deltas were folded.
pub async fn fold_batch(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    batch: i32,
) -> diesel::QueryResult<Option<i64>> {
    conn.transaction(async |conn| {
        let claim: Claimed = diesel::sql_query(
            "SELECT pg_try_advisory_xact_lock(hashtextextended('sales_rollup_fold:' || $1::text, 0)) AS claimed",
        )
        .bind::<SqlUuid, _>(agency_id)
        .get_result(conn)
        .await?;
        if !claim.claimed {
            return Ok(None);
        }
        let folded: Folded = diesel::sql_query("SELECT sales_rollup_fold($1, $2) AS folded")
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Integer, _>(batch)
            .get_result(conn)
            .await?;
        Ok(Some(folded.folded))
    })
    .await
}

/// Folds every delta of the agency that was committed when it started (unless another fold
/// holds the agency). Answers how many were folded.
pub async fn fold_agency(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
) -> diesel::QueryResult<i64> {
    let mut total = 0;
    while let Some(folded) = fold_batch(conn, agency_id, BATCH).await? {
        total += folded;
        if folded < i64::from(BATCH) {
            break;
        }
    }
    Ok(total)
}

/// One round over every agency with pending deltas. Answers how many were folded.
pub async fn fold_all(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    let mut total = 0;
    for agency_id in pending_agencies(conn).await? {
        total += fold_agency(conn, agency_id).await?;
    }
    Ok(total)
}

/// Folds every `interval` until the process ends; failures are logged and retried next time.
pub fn spawn_folder(pool: DbPool, interval: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let outcome = match pool.get().await {
                Ok(mut conn) => fold_all(&mut conn).await.map_err(|e| e.to_string()),
                Err(err) => Err(err.to_string()),
            };
            match outcome {
                Ok(0) => {}
                Ok(folded) => tracing::debug!(folded, "folded rollup deltas"),
                Err(error) => tracing::warn!(%error, "folding rollup deltas failed"),
            }
        }
    });
}
