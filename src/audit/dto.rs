//! Answer and filter types of `/v1/audit-events`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::AuditEvent;

/// One recorded mutation.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: Uuid,
    /// The staff member who did it; `null` for operator commands.
    pub actor_id: Option<Uuid>,
    /// What happened, e.g. `user.update`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    /// The `X-Request-Id` of the request that did it.
    pub request_id: Option<String>,
    /// Changed fields: `{"field": {"from": ..., "to": ...}}`, or the values of a new object;
    /// personal data and secrets appear as `[redacted]` or masked.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

impl From<AuditEvent> for AuditEventView {
    fn from(event: AuditEvent) -> Self {
        Self {
            id: event.id,
            actor_id: event.actor_id,
            action: event.action,
            entity_type: event.entity_type,
            entity_id: event.entity_id,
            request_id: event.request_id,
            changes: event.changes,
            occurred_at: event.occurred_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `user`, `agency`.
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// Events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
