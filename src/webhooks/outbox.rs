//! The outbox: an event is written in the transaction of the change that causes it, with one
//! delivery per active subscription of the agency that asks for its type. Nothing is written
//! when no subscription asks for it.

use diesel::sql_types::{Jsonb, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use crate::text_enum;

text_enum! {
    /// The type of an event a webhook can subscribe to.
    pub enum EventType {
        SaleCreated => "sale.created",
        SaleUpdated => "sale.updated",
        ImportCompleted => "import.completed",
        SessionScheduled => "session.scheduled",
        SessionStarted => "session.started",
        SessionEnded => "session.ended",
        SessionCancelled => "session.cancelled",
        ComplianceViolationOpened => "compliance.violation_opened",
        ComplianceViolationResolved => "compliance.violation_resolved",
        ProductRecalled => "product.recalled",
        IdentityVerified => "identity.verified",
        IdentityRejected => "identity.rejected",
        StatementApproved => "statement.approved",
        StatementPaid => "statement.paid",
    }
}

/// Writes one event of `agency_id` to the outbox, with a delivery for every active subscription
/// that asks for `event_type`, in one statement. Call it inside the transaction of the change
/// the event describes, so that both commit or neither does. `data` is the object the event is
/// about, as the API answers it. Answers the deliveries written (0 when no subscription asks).
pub async fn emit(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    event_type: EventType,
    data: Value,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "WITH subscribed AS ( \
             SELECT id FROM webhooks \
             WHERE agency_id = $1 AND active AND $3 = ANY (events)), \
         event AS ( \
             INSERT INTO webhook_events (agency_id, id, type, data) \
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM subscribed) \
             RETURNING id, seq) \
         INSERT INTO webhook_deliveries (agency_id, id, webhook_id, event_id, event_seq) \
         SELECT $1, uuid_v7(), subscribed.id, event.id, event.seq FROM subscribed, event",
    )
    .bind::<SqlUuid, _>(agency_id)
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Text, _>(event_type.as_str())
    .bind::<Jsonb, _>(data)
    .execute(conn)
    .await
}
