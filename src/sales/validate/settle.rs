//! The status and refunded amount an order line states, made consistent with its gross.

use rust_decimal::Decimal;

use crate::error::FieldError;
use crate::sales::model::SaleStatus;

/// The status and refunded amount a line states, made consistent or refused.
pub fn settle(
    status: Option<SaleStatus>,
    refunded: Option<Decimal>,
    gross: Decimal,
) -> Result<(SaleStatus, Decimal), FieldError> {
    if let Some(amount) = refunded
        && amount > gross
    {
        return Err(FieldError::new(
            "refunded_amount",
            "refund_exceeds_gross",
            "refunded_amount exceeds quantity × unit_price",
        ));
    }
    let inconsistent =
        |message: &str| FieldError::new("status", "inconsistent_status", message.to_owned());
    match (status, refunded) {
        (None, None) => Ok((SaleStatus::Paid, Decimal::ZERO)),
        (None, Some(amount)) => Ok((SaleStatus::Paid.after_refunds(amount, gross), amount)),
        (Some(SaleStatus::Cancelled), amount) => {
            Ok((SaleStatus::Cancelled, amount.unwrap_or(Decimal::ZERO)))
        }
        (Some(SaleStatus::Paid), None) => Ok((SaleStatus::Paid, Decimal::ZERO)),
        (Some(SaleStatus::Refunded), None) if gross > Decimal::ZERO => {
            Ok((SaleStatus::Refunded, gross))
        }
        (Some(SaleStatus::PartiallyRefunded), None) => {
            Err(inconsistent("partially_refunded needs refunded_amount"))
        }
        (Some(stated), Some(amount)) if SaleStatus::Paid.after_refunds(amount, gross) == stated => {
            Ok((stated, amount))
        }
        (Some(stated), _) => Err(inconsistent(&format!(
            "status {stated} does not match the refunded amount"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_refunds_must_agree() {
        let gross = Decimal::from(100);
        assert_eq!(
            settle(Some(SaleStatus::Refunded), None, gross).unwrap(),
            (SaleStatus::Refunded, gross)
        );
        assert_eq!(
            settle(None, Some(Decimal::from(30)), gross).unwrap().0,
            SaleStatus::PartiallyRefunded
        );
        assert_eq!(
            settle(Some(SaleStatus::Paid), Some(Decimal::from(30)), gross)
                .unwrap_err()
                .code,
            "inconsistent_status"
        );
        assert_eq!(
            settle(None, Some(Decimal::from(101)), gross)
                .unwrap_err()
                .code,
            "refund_exceeds_gross"
        );
        assert_eq!(
            settle(Some(SaleStatus::PartiallyRefunded), None, gross)
                .unwrap_err()
                .code,
            "inconsistent_status"
        );
        assert_eq!(
            settle(Some(SaleStatus::Cancelled), None, gross).unwrap(),
            (SaleStatus::Cancelled, Decimal::ZERO)
        );
    }
}
