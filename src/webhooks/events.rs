//! The `data` of events that are not an API answer as is: small objects with the ids a
//! receiver fetches the rest by. No personal data leaves in an event (an identity event names
//! the host, its state and reviewer, never the person's name or document).

use serde_json::{Value, json};

use crate::influencers::identity::Identity;
use crate::sales::model::ImportBatch;
use crate::sessions::model::LiveSession;
use crate::statements::model::PayoutRow;

/// `session.*`: the session's ids, title, times and state after the change.
pub fn session(row: &LiveSession) -> Value {
    json!({
        "id": row.id,
        "influencer_id": row.influencer_id,
        "platform_account_id": row.platform_account_id,
        "title": row.title,
        "state": row.state,
        "scheduled_start": row.scheduled_start,
        "scheduled_end": row.scheduled_end,
        "actual_start": row.actual_start,
        "actual_end": row.actual_end,
        "cancel_reason": row.cancel_reason,
        "version": row.version,
    })
}

/// `identity.verified` and `identity.rejected`: the host, the decision and who made it.
pub fn identity(row: &Identity) -> Value {
    json!({
        "influencer_id": row.influencer_id,
        "verification_state": row.verification_state,
        "reviewed_by": row.reviewed_by,
        "reviewed_at": row.reviewed_at,
        "rejection_reason": row.rejection_reason,
        "version": row.version,
    })
}

/// `import.completed`: the import's id and counts (`GET /v1/sales/imports/{id}` has the rest).
pub fn import(batch: &ImportBatch) -> Value {
    json!({
        "id": batch.id,
        "outcome": batch.outcome,
        "format": batch.format,
        "mapping_id": batch.mapping_id,
        "rows_total": batch.rows_total,
        "inserted": batch.inserted,
        "updated": batch.updated,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
        "conflicts": batch.conflicts,
        "not_ours": batch.not_ours,
        "not_paid": batch.not_paid,
        "needs_mapping_rows": batch.needs_mapping,
        "uploaded_by": batch.uploaded_by,
        "created_at": batch.created_at,
    })
}

/// `statement.paid`: the statement, the payout and its amounts (not the payee's account).
pub fn statement_paid(payout: &PayoutRow) -> Value {
    json!({
        "statement_id": payout.statement_id,
        "payout_id": payout.id,
        "influencer_id": payout.influencer_id,
        "income_type": payout.income_type,
        "paid_on": payout.paid_on,
        "currency": payout.currency,
        "gross": payout.gross.to_string(),
        "tax_withheld": payout.tax_withheld.to_string(),
        "net": payout.net.to_string(),
        "paid_by": payout.paid_by,
    })
}
