//! Lines already in the ledger, stated again (by an import): what may differ, and the update
//! when only the status or refunds moved.

use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use super::{Outcome, Resolved, Writer};
use crate::audit::model::Changes;
use crate::error::{AppError, FieldError};
use crate::sales::model::{self as sales, Sale, SaleStatus};

/// The fields of a known line that differ from `line` and may not change.
fn conflicts(known: &Sale, line: &Resolved) -> Vec<FieldError> {
    let mut differ = Vec::new();
    let mut check = |field: &str, same: bool| {
        if !same {
            differ.push(FieldError::new(
                field,
                "conflicts",
                format!("differs from the recorded order line ({field} never changes)"),
            ));
        }
    };
    check("sold_at", known.sold_at == line.input.sold_at);
    check("influencer_id", known.influencer_id == line.influencer_id);
    check(
        "live_session_id",
        known.live_session_id == line.input.live_session_id,
    );
    check("product_id", known.product_id == line.product_id);
    check("quantity", known.quantity == line.input.quantity);
    check("unit_price", known.unit_price == line.input.unit_price);
    check("gross", known.gross == line.input.gross);
    check("currency", known.currency == line.input.currency);
    if line.input.refunded_amount < known.refunded_amount {
        differ.push(FieldError::new(
            "refunded_amount",
            "conflicts",
            "a refund cannot be taken back",
        ));
    }
    if known.status == SaleStatus::Cancelled && line.input.status != SaleStatus::Cancelled {
        differ.push(FieldError::new(
            "status",
            "conflicts",
            "a cancelled order line stays cancelled",
        ));
    }
    differ
}

/// Moves a known line to the status and refunded amount `line` states (a refund entry for the
/// increase, the cancellation), audited; answers the line as stored.
pub async fn update_known(
    conn: &mut AsyncPgConnection,
    writer: &Writer,
    sale: &Sale,
    line: &Resolved,
) -> Result<Sale, AppError> {
    let mut current = sale.clone();
    let increase = line.input.refunded_amount - sale.refunded_amount;
    if increase > Decimal::ZERO {
        let refund = writer.refund(sale.id, increase, "refund reported by the platform");
        current = sales::apply_refund(conn, &current, &refund).await?.0;
    }
    if line.input.status == SaleStatus::Cancelled && current.status != SaleStatus::Cancelled {
        current = sales::set_status(conn, &current, SaleStatus::Cancelled).await?;
    }
    let changes = Changes::new()
        .change("status", sale.status, current.status)
        .change(
            "refunded_amount",
            sale.refunded_amount.to_string(),
            current.refunded_amount.to_string(),
        )
        .value("import_batch_id", writer.import_batch_id);
    writer
        .audit
        .record(conn, "sale.update", "sale", Some(sale.id), changes)
        .await?;
    Ok(current)
}

/// What a known line and a line stating it call for: a conflict, nothing (a duplicate), or an
/// update (`None`).
pub fn compare(sale: &Sale, line: &Resolved) -> Option<Outcome> {
    let differ = conflicts(sale, line);
    if !differ.is_empty() {
        Some(Outcome::Conflict(differ))
    } else if sale.status == line.input.status && sale.refunded_amount == line.input.refunded_amount
    {
        Some(Outcome::Duplicate(sale.id))
    } else {
        None
    }
}
