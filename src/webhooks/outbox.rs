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

/// [`emit`] for several events of one type at once (in the order given), in one statement.
pub async fn emit_all(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    event_type: EventType,
    data: Vec<Value>,
) -> diesel::QueryResult<usize> {
    if data.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(
        "WITH subscribed AS ( \
             SELECT id FROM webhooks \
             WHERE agency_id = $1 AND active AND $2 = ANY (events)), \
         event AS ( \
             INSERT INTO webhook_events (agency_id, id, type, data) \
             SELECT $1, uuid_v7(), $2, item.data \
             FROM jsonb_array_elements($3) WITH ORDINALITY AS item (data, position) \
             WHERE EXISTS (SELECT 1 FROM subscribed) \
             ORDER BY item.position \
             RETURNING id, seq) \
         INSERT INTO webhook_deliveries (agency_id, id, webhook_id, event_id, event_seq) \
         SELECT $1, uuid_v7(), subscribed.id, event.id, event.seq FROM subscribed, event",
    )
    .bind::<SqlUuid, _>(agency_id)
    .bind::<Text, _>(event_type.as_str())
    .bind::<Jsonb, _>(Value::Array(data))
    .execute(conn)
    .await
}

#[derive(diesel::QueryableByName)]
struct Wanted {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    wanted: bool,
}

/// Whether an active subscription of the agency asks for any of `event_types`: lets a writer
/// skip building events nobody receives.
pub async fn wants(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    event_types: &[EventType],
) -> diesel::QueryResult<bool> {
    let names: Vec<&str> = event_types.iter().map(|e| e.as_str()).collect();
    let row: Wanted = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM webhooks \
                        WHERE agency_id = $1 AND active AND events && $2::text[]) AS wanted",
    )
    .bind::<SqlUuid, _>(agency_id)
    .bind::<diesel::sql_types::Array<Text>, _>(names)
    .get_result(conn)
    .await?;
    Ok(row.wanted)
}
