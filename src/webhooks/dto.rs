//! Request and answer bodies of `/v1/webhooks`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::deliveries::{Attempt, Delivery, DeliveryState};
use super::model::Webhook;
use super::outbox::EventType;
use crate::error::{AppError, FieldError};

/// A subscription as answered (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    /// Where events are delivered (`POST`).
    pub url: String,
    /// The event types delivered.
    pub events: Vec<EventType>,
    /// An inactive subscription gets no new events and its pending deliveries wait.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<Webhook> for WebhookView {
    type Error = AppError;

    fn try_from(webhook: Webhook) -> Result<Self, AppError> {
        Ok(Self {
            events: webhook.event_types()?,
            id: webhook.id,
            url: webhook.url,
            active: webhook.active,
            version: webhook.version,
            created_at: webhook.created_at,
            updated_at: webhook.updated_at,
        })
    }
}

/// A subscription with its signing secret: answered once, on creation and on rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<EventType>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `whsec_` + base64 of 32 random bytes: the key of the `webhook-signature` HMAC (the
    /// bytes after the prefix, decoded). Shown only here; store it now.
    #[schema(pattern = r"^whsec_[A-Za-z0-9+/]{43}=$")]
    pub secret: String,
}

impl WebhookWithSecret {
    pub fn new(view: WebhookView, secret: String) -> Self {
        Self {
            id: view.id,
            url: view.url,
            events: view.events,
            active: view.active,
            version: view.version,
            created_at: view.created_at,
            updated_at: view.updated_at,
            secret,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// `http` or `https`; its host must resolve to public addresses only (unless the server's
    /// configuration allows private ones).
    #[schema(min_length = 8, max_length = 2048)]
    pub url: String,
    /// At least one, no repeats.
    #[schema(value_type = Vec<EventType>, min_items = 1, max_items = 14)]
    pub events: Vec<String>,
    /// Default true.
    pub active: Option<bool>,
}

/// Only the fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[schema(min_length = 8, max_length = 2048)]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1, max_items = 14)]
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// Parses event type names: at least one, each known, none twice (422 naming each bad item).
pub fn parse_events(names: &[String]) -> Result<Vec<EventType>, AppError> {
    let mut errors = Vec::new();
    let mut events = Vec::new();
    if names.is_empty() {
        errors.push(FieldError::new(
            "events",
            "required",
            "at least one event type",
        ));
    }
    for (index, name) in names.iter().enumerate() {
        match name.parse::<EventType>() {
            Ok(event) if events.contains(&event) => errors.push(FieldError::new(
                format!("events[{index}]"),
                "duplicate",
                format!("{name} is listed twice"),
            )),
            Ok(event) => events.push(event),
            Err(message) => errors.push(FieldError::new(
                format!("events[{index}]"),
                "unknown_event",
                message,
            )),
        }
    }
    if errors.is_empty() {
        Ok(events)
    } else {
        Err(AppError::validation(errors))
    }
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status; `null` when no answer came (refused connection, timeout,
    /// address refused).
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    /// Asked for by hand (`POST .../retry`).
    pub manual: bool,
}

impl From<Attempt> for AttemptView {
    fn from(attempt: Attempt) -> Self {
        Self {
            attempted_at: attempt.attempted_at,
            status_code: attempt.status_code,
            latency_ms: attempt.latency_ms,
            error: attempt.error,
            manual: attempt.manual,
        }
    }
}

/// One event's delivery to one subscription, with its attempts (oldest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// Also the `webhook-id` header and the body's `id`: the same on every attempt.
    pub event_id: Uuid,
    pub event_type: EventType,
    pub state: DeliveryState,
    pub attempt_count: i32,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub attempts: Vec<AttemptView>,
}

impl DeliveryView {
    pub fn new(delivery: Delivery, event_type: EventType, attempts: Vec<Attempt>) -> Self {
        Self {
            id: delivery.id,
            webhook_id: delivery.webhook_id,
            event_id: delivery.event_id,
            event_type,
            next_attempt_at: (delivery.state == DeliveryState::Pending)
                .then_some(delivery.next_attempt_at),
            state: delivery.state,
            attempt_count: delivery.attempts,
            last_attempt_at: delivery.last_attempt_at,
            last_status_code: delivery.last_status_code,
            last_error: delivery.last_error,
            delivered_at: delivery.delivered_at,
            created_at: delivery.created_at,
            attempts: attempts.into_iter().map(AttemptView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListQuery {
    /// Only deliveries in this state.
    pub state: Option<DeliveryState>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
