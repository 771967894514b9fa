//! Subscription rows (`webhooks`) and their queries. The signing secret is stored sealed with
//! the personal-data key, the subscription's ids bound in.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::outbox::EventType;
use crate::crypto::{PiiVault, Sealed};
use crate::pagination::PageRequest;
use crate::schema::webhooks;

/// A subscription, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks, check_for_backend(Pg))]
pub struct Webhook {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub url: String,
    pub events: Vec<Option<String>>,
    pub active: bool,
    pub secret_ciphertext: Vec<u8>,
    pub secret_nonce: Vec<u8>,
    pub secret_key_id: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a secret is bound to when sealed: the subscription it signs for.
fn secret_context(agency_id: Uuid, id: Uuid) -> String {
    format!("webhook:{agency_id}:{id}")
}

impl Webhook {
    /// The event types, parsed: a stored type that does not parse is an error.
    pub fn event_types(&self) -> anyhow::Result<Vec<EventType>> {
        self.events
            .iter()
            .map(|event| {
                event
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("webhook {}: a null event type", self.id))?
                    .parse::<EventType>()
                    .map_err(|err| anyhow::anyhow!("webhook {}: {err}", self.id))
            })
            .collect()
    }

    /// The signing secret, opened.
    pub fn secret(&self, vault: &PiiVault) -> anyhow::Result<String> {
        let sealed = Sealed {
            ciphertext: self.secret_ciphertext.clone(),
            nonce: self.secret_nonce.clone(),
            key_id: self.secret_key_id.clone(),
        };
        vault.open(&sealed, &secret_context(self.agency_id, self.id))
    }
}

/// `secret` sealed for the subscription `(agency_id, id)`.
pub fn seal_secret(
    vault: &PiiVault,
    agency_id: Uuid,
    id: Uuid,
    secret: &str,
) -> anyhow::Result<Sealed> {
    vault.seal(secret, &secret_context(agency_id, id))
}

/// The changes of a `PATCH` (or a rotation: the secret's columns).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<Vec<Option<String>>>,
    pub active: Option<bool>,
    pub secret_ciphertext: Option<Vec<u8>>,
    pub secret_nonce: Option<Vec<u8>>,
    pub secret_key_id: Option<String>,
}

/// The subscription `id` of the agency, locked for the transaction when `for_update`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    for_update: bool,
) -> QueryResult<Webhook> {
    let query = webhooks::table
        .find((agency_id, id))
        .select(Webhook::as_select());
    if for_update {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

/// The agency's subscriptions, oldest first (ids are time-ordered).
pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<Webhook>> {
    let mut query = webhooks::table
        .filter(webhooks::agency_id.eq(agency_id))
        .select(Webhook::as_select())
        .order(webhooks::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(webhooks::id.gt(after));
    }
    query.load(conn).await
}

pub async fn insert(conn: &mut AsyncPgConnection, webhook: &Webhook) -> QueryResult<Webhook> {
    diesel::insert_into(webhooks::table)
        .values(webhook.clone())
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await
}

/// Applies `changes`, bumps the version and the time of the change.
pub async fn update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    changes: &WebhookChanges,
) -> QueryResult<Webhook> {
    diesel::update(webhooks::table.find((agency_id, id)))
        .set((
            changes,
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(Utc::now()),
        ))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await
}

/// Deletes the subscription; its deliveries and their attempts go with it (cascade).
pub async fn delete(conn: &mut AsyncPgConnection, agency_id: Uuid, id: Uuid) -> QueryResult<usize> {
    diesel::delete(webhooks::table.find((agency_id, id)))
        .execute(conn)
        .await
}
