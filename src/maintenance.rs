//! Housekeeping the server runs in the background: forgetting what has no use any more.

use std::time::Duration;

use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::DbPool;

/// Deletes refresh tokens expired for a day (too old to be refreshed, or to tell a reuse from
/// an expiry), failed-login counters whose window ended a day ago, and idempotency keys older
/// than 48 hours (they are honoured for at least 24). Answers (tokens, counters, keys).
pub async fn purge_expired(
    conn: &mut AsyncPgConnection,
) -> diesel::QueryResult<(usize, usize, usize)> {
    let tokens =
        diesel::sql_query("DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day'")
            .execute(conn)
            .await?;
    let counters = diesel::sql_query(
        "DELETE FROM login_throttle WHERE window_started_at < now() - interval '1 day'",
    )
    .execute(conn)
    .await?;
    let keys = diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE started_at < now() - interval '48 hours'",
    )
    .execute(conn)
    .await?;
    Ok((tokens, counters, keys))
}

/// Pending dirty-host rows of one agency beyond which the sweep trades them for a full
/// evaluation at the next compliance page request.
pub const DIRTY_ROWS_LIMIT: i64 = 10_000;

/// Agencies that wrote much and never opened the compliance page pile up `compliance_dirty`
/// rows (one per host and write). Past `limit` rows, they are deleted and the agency's stored
/// issues marked stale, so the next page request evaluates the whole roster (which covers every
/// deleted row). Answers the rows deleted.
pub async fn compact_compliance_dirty(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "WITH heavy AS (SELECT agency_id FROM compliance_dirty GROUP BY agency_id HAVING count(*) > $1), \
              stale AS (UPDATE compliance_refresh SET evaluated_on = NULL \
                        WHERE agency_id IN (SELECT agency_id FROM heavy) RETURNING agency_id) \
         DELETE FROM compliance_dirty WHERE agency_id IN (SELECT agency_id FROM heavy)",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .execute(conn)
    .await
}

/// Runs [`purge_expired`] (and [`compact_compliance_dirty`]) at start and then every
/// `interval` (`maintenance.sweep_interval_secs`) until the process ends; failures are logged
/// and retried at the next tick. Several instances may sweep at once: each statement deletes
/// what is expired when it runs, and rows another sweep deleted first are simply not counted.
pub fn spawn_sweeper(pool: DbPool, interval: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let outcome = match pool.get().await {
                Ok(mut conn) => {
                    if let Err(error) = compact_compliance_dirty(&mut conn, DIRTY_ROWS_LIMIT).await
                    {
                        tracing::warn!(%error, "compacting compliance_dirty failed");
                    }
                    purge_expired(&mut conn).await.map_err(|e| e.to_string())
                }
                Err(err) => Err(err.to_string()),
            };
            match outcome {
                Ok((0, 0, 0)) => {}
                Ok((tokens, counters, keys)) => {
                    tracing::info!(tokens, counters, keys, "purged expired rows")
                }
                Err(error) => tracing::warn!(%error, "housekeeping failed"),
            }
        }
    });
}
