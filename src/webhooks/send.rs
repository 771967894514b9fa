//! One delivery attempt over HTTP: the body `{"id", "type", "timestamp", "data"}`, signed as
//! the Standard Webhooks specification has it, `POST`ed to the subscription's URL by a client
//! that follows no redirects, uses no proxy, and connects only to checked addresses.

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::deliveries::Outcome;
use super::model::{self as webhooks, Webhook};
use super::signing::{secret_key, signature};
use super::targets::{self, CheckedResolver};
use crate::config::WebhookSettings;
use crate::crypto::PiiVault;
use crate::schema::webhook_events;

/// The longest error text kept with an attempt.
const ERROR_MAX_CHARS: usize = 500;

/// An event, as delivered.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Uuid,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
}

impl Event {
    /// The body: the same bytes on every attempt.
    pub fn body(&self) -> String {
        serde_json::json!({
            "id": self.id,
            "type": self.event_type,
            "timestamp": self.occurred_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "data": self.data,
        })
        .to_string()
    }
}

/// The event `id` of the agency.
pub async fn load_event(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<Event> {
    let (event_type, occurred_at, data): (String, DateTime<Utc>, Value) = webhook_events::table
        .find((agency_id, id))
        .select((
            webhook_events::type_,
            webhook_events::occurred_at,
            webhook_events::data,
        ))
        .first(conn)
        .await?;
    Ok(Event {
        id,
        event_type,
        occurred_at,
        data,
    })
}

/// What an attempt needs: the subscription and its event.
pub async fn load_target(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    webhook_id: Uuid,
    event_id: Uuid,
) -> QueryResult<(Webhook, Event)> {
    let webhook = webhooks::find(conn, agency_id, webhook_id, false).await?;
    let event = load_event(conn, agency_id, event_id).await?;
    Ok((webhook, event))
}

/// The client deliveries go through.
pub fn client(settings: &WebhookSettings) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_millis(settings.timeout_ms))
        .connect_timeout(Duration::from_millis(settings.timeout_ms))
        .dns_resolver(Arc::new(CheckedResolver {
            allow_private: settings.allow_private_addresses,
        }))
        .user_agent(concat!("mcn-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// The error and its causes on one line, shortened.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(ERROR_MAX_CHARS).collect()
}

/// Attempts one delivery of `event` to `webhook` and answers what happened (never an error:
/// a failure is an outcome to record).
pub async fn attempt(
    client: &reqwest::Client,
    settings: &WebhookSettings,
    vault: &PiiVault,
    webhook: &Webhook,
    event: &Event,
) -> Outcome {
    let attempted_at = Utc::now();
    let started = Instant::now();
    let result = send(client, settings, vault, webhook, event, attempted_at).await;
    let latency_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    match result {
        Ok(status) => Outcome {
            attempted_at,
            status_code: Some(i32::from(status)),
            latency_ms,
            error: (!(200..300).contains(&status)).then(|| format!("answered {status}")),
        },
        Err(error) => Outcome {
            attempted_at,
            status_code: None,
            latency_ms,
            error: Some(error),
        },
    }
}

async fn send(
    client: &reqwest::Client,
    settings: &WebhookSettings,
    vault: &PiiVault,
    webhook: &Webhook,
    event: &Event,
    at: DateTime<Utc>,
) -> Result<u16, String> {
    let url = targets::parse(&webhook.url).map_err(|refusal| refusal.to_string())?;
    // A literal address is not resolved, so the resolver does not see it: checked here.
    if let Some(ip) = targets::literal_address(&url) {
        targets::check_addresses([ip], settings.allow_private_addresses)
            .map_err(|refusal| refusal.to_string())?;
    }
    let secret = webhook.secret(vault).map_err(|error| {
        tracing::error!(webhook = %webhook.id, %error, "webhook secret does not open");
        "the subscription's secret could not be read".to_owned()
    })?;
    let key = secret_key(&secret).map_err(|error| error.to_string())?;
    let body = event.body();
    let id = event.id.to_string();
    let timestamp = at.timestamp();
    let signed = signature(&key, &id, timestamp, &body).map_err(|error| error.to_string())?;
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signed)
        .body(body)
        .send()
        .await
        .map_err(|error| describe(&error))?;
    Ok(response.status().as_u16())
}
