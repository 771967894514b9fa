//! The status of a line an export row states, from its order status, its after-sale status and
//! its refunded amount.

use rust_decimal::Decimal;

use super::spec::StatusMeaning;
use crate::sales::model::SaleStatus;

/// The line's status and refunded amount from its order status, its after-sale status and the
/// refunded amount the row states: a refund recorded anywhere makes the line (partly)
/// refunded; a closed order without one is cancelled, as is a cancelled one; otherwise paid.
pub fn settle(
    status: Option<StatusMeaning>,
    after_sale: Option<StatusMeaning>,
    refunded: Option<Decimal>,
    gross: Decimal,
) -> Result<(SaleStatus, Decimal), String> {
    if let Some(amount) = refunded
        && amount > gross
    {
        return Err(format!(
            "the refunded amount {amount} exceeds what was paid for the line ({gross})"
        ));
    }
    let stated_refund = refunded.filter(|a| !a.is_zero());
    let refund_said = status == Some(StatusMeaning::Refunded)
        || after_sale == Some(StatusMeaning::Refunded)
        || stated_refund.is_some();
    if status == Some(StatusMeaning::Cancelled) || after_sale == Some(StatusMeaning::Cancelled) {
        return Ok((SaleStatus::Cancelled, Decimal::ZERO));
    }
    if refund_said && gross > Decimal::ZERO {
        let amount = stated_refund.unwrap_or(gross);
        return Ok((SaleStatus::Paid.after_refunds(amount, gross), amount));
    }
    if status == Some(StatusMeaning::Closed) || after_sale == Some(StatusMeaning::Closed) {
        return Ok((SaleStatus::Cancelled, Decimal::ZERO));
    }
    Ok((SaleStatus::Paid, Decimal::ZERO))
}
