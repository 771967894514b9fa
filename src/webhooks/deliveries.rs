//! Deliveries and their attempts: rows, the page of a subscription's deliveries, and recording
//! an attempt with the state it leads to (delivered, retried later with backoff, or failed
//! after the give-up window).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::outbox::EventType;
use crate::config::WebhookSettings;
use crate::pagination::PageRequest;
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_events};
use crate::text_enum;

text_enum! {
    /// Where a delivery stands.
    pub enum DeliveryState {
        /// Waiting for its (next) attempt.
        Pending => "pending",
        /// A 2xx answer came.
        Delivered => "delivered",
        /// Still failing when the give-up window closed; the next delivery went.
        Failed => "failed",
    }
}

/// A delivery, as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(Pg))]
pub struct Delivery {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_seq: i64,
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// An attempt, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts, check_for_backend(Pg))]
pub struct Attempt {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub manual: bool,
}

/// The subscription's deliveries, newest event first, in `state` when given.
pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    webhook_id: Uuid,
    state: Option<DeliveryState>,
    page: &PageRequest<i64>,
) -> QueryResult<Vec<Delivery>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::agency_id.eq(agency_id))
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .select(Delivery::as_select())
        .order(webhook_deliveries::event_seq.desc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(webhook_deliveries::state.eq(state));
    }
    if let Some(before) = page.after {
        query = query.filter(webhook_deliveries::event_seq.lt(before));
    }
    query.load(conn).await
}

/// The delivery `id` of the subscription.
pub async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    webhook_id: Uuid,
    id: Uuid,
) -> QueryResult<Delivery> {
    webhook_deliveries::table
        .find((agency_id, id))
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .select(Delivery::as_select())
        .first(conn)
        .await
}

/// The event type and the attempts (oldest first) of each delivery.
pub async fn details(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    deliveries: &[Delivery],
) -> anyhow::Result<(HashMap<Uuid, EventType>, HashMap<Uuid, Vec<Attempt>>)> {
    let event_ids: Vec<Uuid> = deliveries.iter().map(|d| d.event_id).collect();
    let delivery_ids: Vec<Uuid> = deliveries.iter().map(|d| d.id).collect();
    let types: Vec<(Uuid, String)> = webhook_events::table
        .filter(webhook_events::agency_id.eq(agency_id))
        .filter(webhook_events::id.eq_any(&event_ids))
        .select((webhook_events::id, webhook_events::type_))
        .load(conn)
        .await?;
    let types = types
        .into_iter()
        .map(|(id, name)| Ok((id, name.parse::<EventType>().map_err(anyhow::Error::msg)?)))
        .collect::<anyhow::Result<HashMap<_, _>>>()?;
    let attempts: Vec<Attempt> = webhook_attempts::table
        .filter(webhook_attempts::agency_id.eq(agency_id))
        .filter(webhook_attempts::delivery_id.eq_any(&delivery_ids))
        .select(Attempt::as_select())
        .order((
            webhook_attempts::delivery_id,
            webhook_attempts::attempted_at,
        ))
        .load(conn)
        .await?;
    let mut by_delivery: HashMap<Uuid, Vec<Attempt>> = HashMap::new();
    for attempt in attempts {
        by_delivery
            .entry(attempt.delivery_id)
            .or_default()
            .push(attempt);
    }
    Ok((types, by_delivery))
}

/// A standard duration as chrono's (saturating).
fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

impl Outcome {
    /// A 2xx answer.
    pub fn delivered(&self) -> bool {
        self.status_code
            .is_some_and(|code| (200..300).contains(&code))
    }
}

/// The delay before attempt `attempts + 1` after `attempts` failed ones: `retry_base_ms` ×
/// 2^(attempts − 1), at most `retry_max_ms`.
pub fn backoff(settings: &WebhookSettings, attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(40);
    let delay = settings
        .retry_base_ms
        .saturating_mul(1u64 << exponent)
        .min(settings.retry_max_ms);
    Duration::from_millis(delay)
}

/// Records an attempt of `delivery` and the state it leads to, in one transaction: delivered
/// on a 2xx; else, for the worker's attempts, pending again after the backoff, or failed once
/// the give-up window since the event has passed. A manual attempt of a delivery that is not
/// pending only moves it to delivered when it succeeds. Clears the claim. Answers the delivery.
pub async fn record(
    conn: &mut AsyncPgConnection,
    settings: &WebhookSettings,
    delivery: &Delivery,
    outcome: &Outcome,
    manual: bool,
) -> QueryResult<Delivery> {
    let attempts = delivery.attempts + 1;
    let now = outcome.attempted_at;
    let give_up_at = delivery.created_at + delta(Duration::from_secs(settings.give_up_after_secs));
    let (state, next_attempt_at) = if outcome.delivered() {
        (DeliveryState::Delivered, delivery.next_attempt_at)
    } else if delivery.state != DeliveryState::Pending {
        (delivery.state, delivery.next_attempt_at)
    } else {
        let next = now + delta(backoff(settings, attempts));
        if now >= give_up_at {
            (DeliveryState::Failed, delivery.next_attempt_at)
        } else {
            (DeliveryState::Pending, next)
        }
    };
    let attempt = Attempt {
        agency_id: delivery.agency_id,
        id: Uuid::now_v7(),
        delivery_id: delivery.id,
        attempted_at: now,
        status_code: outcome.status_code,
        latency_ms: outcome.latency_ms,
        error: outcome.error.clone(),
        manual,
    };
    conn.transaction(async |conn| {
        diesel::insert_into(webhook_attempts::table)
            .values(&attempt)
            .execute(conn)
            .await?;
        diesel::update(webhook_deliveries::table.find((delivery.agency_id, delivery.id)))
            .set((
                webhook_deliveries::state.eq(state),
                webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                webhook_deliveries::next_attempt_at.eq(next_attempt_at),
                webhook_deliveries::claimed_until.eq(None::<DateTime<Utc>>),
                webhook_deliveries::last_attempt_at.eq(Some(now)),
                webhook_deliveries::last_status_code.eq(outcome.status_code),
                webhook_deliveries::last_error.eq(&outcome.error),
                webhook_deliveries::delivered_at
                    .eq((state == DeliveryState::Delivered).then_some(now)),
            ))
            .returning(Delivery::as_returning())
            .get_result(conn)
            .await
    })
    .await
}

/// Claims a delivery that is not pending for a manual attempt (no other claim in force), for
/// `lease`. `None` when another attempt holds it.
pub async fn claim_manual(
    conn: &mut AsyncPgConnection,
    delivery: &Delivery,
    lease: Duration,
) -> QueryResult<Option<Delivery>> {
    let until = Utc::now() + delta(lease);
    diesel::update(
        webhook_deliveries::table
            .find((delivery.agency_id, delivery.id))
            .filter(webhook_deliveries::state.eq(delivery.state))
            .filter(
                webhook_deliveries::claimed_until
                    .is_null()
                    .or(webhook_deliveries::claimed_until.lt(Utc::now())),
            ),
    )
    .set(webhook_deliveries::claimed_until.eq(Some(until)))
    .returning(Delivery::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Makes a pending delivery due now (the worker takes it once it heads its queue).
pub async fn due_now(conn: &mut AsyncPgConnection, delivery: &Delivery) -> QueryResult<Delivery> {
    diesel::update(
        webhook_deliveries::table
            .find((delivery.agency_id, delivery.id))
            .filter(webhook_deliveries::state.eq(DeliveryState::Pending)),
    )
    .set(webhook_deliveries::next_attempt_at.eq(Utc::now()))
    .returning(Delivery::as_returning())
    .get_result(conn)
    .await
}
