//! Audit events: written in the transaction of the mutation they describe, never changed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::db::KeepPrepared;
use crate::pagination::PageRequest;
use crate::schema::audit_events;

/// Who did it and within which request: the part of an audit event a handler knows up front.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub agency_id: Uuid,
    /// `None` for operator commands run outside any user session.
    pub actor_id: Option<Uuid>,
    pub request_id: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
struct NewAuditEvent<'a> {
    agency_id: Uuid,
    id: Uuid,
    actor_id: Option<Uuid>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: Option<Uuid>,
    request_id: Option<&'a str>,
    changes: Value,
}

impl AuditContext {
    /// Appends one event. Call it inside the mutation's transaction.
    pub async fn record(
        &self,
        conn: &mut AsyncPgConnection,
        action: &str,
        entity_type: &str,
        entity_id: Option<Uuid>,
        changes: Changes,
    ) -> QueryResult<()> {
        // Kept prepared: its optional columns would make diesel prepare it anew each time.
        KeepPrepared(
            diesel::insert_into(audit_events::table).values(NewAuditEvent {
                agency_id: self.agency_id,
                id: Uuid::now_v7(),
                actor_id: self.actor_id,
                action,
                entity_type,
                entity_id,
                request_id: self.request_id.as_deref(),
                changes: Value::Object(changes.0),
            }),
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// The changed fields of an audit event: `{"field": {"from": old, "to": new}}`, or for a new
/// object `{"field": value}`. Personal data and secrets go in through [`Changes::redacted`].
#[derive(Debug, Default, Clone)]
pub struct Changes(Map<String, Value>);

/// What stands in for a secret or personal value in the trail.
pub const REDACTED: &str = "[redacted]";

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    /// A value of a created object.
    pub fn value(mut self, field: &str, value: impl Serialize) -> Self {
        self.0.insert(field.to_owned(), json!(value));
        self
    }

    /// A change from `from` to `to`; nothing is recorded when they are equal.
    pub fn change<T: Serialize + PartialEq>(mut self, field: &str, from: T, to: T) -> Self {
        if from != to {
            self.0
                .insert(field.to_owned(), json!({ "from": from, "to": to }));
        }
        self
    }

    /// A field that changed but whose value must not be kept (passwords, document numbers).
    pub fn redacted(mut self, field: &str) -> Self {
        self.0.insert(field.to_owned(), json!(REDACTED));
        self
    }

    /// These changes with `other`'s fields added (`other` wins where both name a field).
    pub fn merge(mut self, other: Changes) -> Self {
        self.0.extend(other.0);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A stored event.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub changes: Value,
    pub occurred_at: DateTime<Utc>,
}

/// Filters of the audit list; every field narrows it.
#[derive(Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A page of the agency's events, newest first, after the page's cursor (an event id).
pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    filter: &AuditFilter,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .filter(audit_events::agency_id.eq(agency_id))
        .select(AuditEvent::as_select())
        .order(audit_events::id.desc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(entity_type.clone()));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(entity_id));
    }
    if let Some(actor_id) = filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor_id));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(to));
    }
    if let Some(before) = page.after {
        query = query.filter(audit_events::id.lt(before));
    }
    query.load(conn).await
}
