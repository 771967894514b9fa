//! Refunds of an order line, as entries of their own: `POST /v1/sales/{id}/refunds` and
//! `GET /v1/sales/{id}/refunds/{rid}`.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncConnection as _;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::{RefundRequest, RefundView};
use super::model::{self as sales, Refund, Sale, SaleStatus};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_reason;
use crate::domain::money::parse_amount;
use crate::error::{AppError, FieldError};
use crate::json::Json;

/// The amount of a refund of `sale`: more than zero, in the line's currency, and no more than
/// what remains of the line.
fn check_amount(sale: &Sale, amount: &serde_json::Value) -> Result<Decimal, AppError> {
    if sale.status == SaleStatus::Cancelled {
        return Err(AppError::Conflict {
            code: "invalid_transition",
            detail: "A cancelled order line cannot be refunded.".to_owned(),
        });
    }
    let currency = sale.currency;
    let amount =
        parse_amount("amount", amount, currency).map_err(|e| AppError::validation(vec![e]))?;
    if amount.is_zero() {
        return Err(AppError::validation(vec![FieldError::new(
            "amount",
            "out_of_range",
            "a refund is more than zero",
        )]));
    }
    if sale.refunded_amount + amount > sale.gross {
        return Err(AppError::Unprocessable {
            code: "refund_exceeds_gross",
            detail: format!(
                "Only {} of {} remains to refund.",
                currency.format(sale.gross - sale.refunded_amount),
                currency.format(sale.gross)
            ),
            errors: vec![FieldError::new(
                "amount",
                "refund_exceeds_gross",
                "more than what remains of the line",
            )],
            extensions: serde_json::Map::new(),
        });
    }
    Ok(amount)
}

/// The database's refusal of refunds beyond the gross (`sales_refund_bounds`), as the API says it.
fn refund_bounds(error: DieselError) -> AppError {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, _) => {
            AppError::Unprocessable {
                code: "refund_exceeds_gross",
                detail: "Refunds would exceed the line's gross.".to_owned(),
                errors: Vec::new(),
                extensions: serde_json::Map::new(),
            }
        }
        other => other.into(),
    }
}

/// Refunds part or all of a line, as an entry of its own. Refunds never exceed the gross; the
/// line's `refunded_amount`, `net` and `status` move with them.
#[utoipa::path(
    post, path = "/v1/sales/{id}/refunds", tag = "sales", security(("bearer" = [])),
    request_body = RefundRequest,
    responses(
        (status = 201, description = "The refund; `Location` names it", body = RefundView),
        (status = 409, description = "The line is cancelled (`invalid_transition`)"),
        (status = 422, description = "Invalid amount, or more than what remains (`refund_exceeds_gross`)"),
    )
)]
pub async fn refund_sale(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<RefundRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let reason = body.reason.as_deref().map(check_reason).transpose()?;
    let mut conn = caller.conn().await?;
    let (refund, currency) = conn
        .transaction(async |conn| {
            let sale = sales::find_for_update(conn, caller.agency_id, id).await?;
            let amount = check_amount(&sale, &body.amount)?;
            let refund = Refund {
                agency_id: caller.agency_id,
                id: Uuid::now_v7(),
                sale_id: id,
                amount,
                reason: reason.clone(),
                recorded_by: caller.user_id,
                import_batch_id: None,
                created_at: Utc::now(),
            };
            let (updated, refund) = sales::apply_refund(conn, &sale, &refund)
                .await
                .map_err(refund_bounds)?;
            let changes = crate::audit::model::Changes::new()
                .value("refund_id", refund.id)
                .value("amount", amount.to_string())
                .change("status", sale.status, updated.status)
                .change(
                    "refunded_amount",
                    sale.refunded_amount.to_string(),
                    updated.refunded_amount.to_string(),
                );
            caller
                .record(conn, "sale.refund", "sale", id, changes)
                .await?;
            let refunds = sales::refunds_of(conn, caller.agency_id, id).await?;
            let view = super::dto::SaleView::new(updated.clone(), Some(refunds));
            crate::webhooks::emit(
                conn,
                caller.agency_id,
                crate::webhooks::EventType::SaleUpdated,
                serde_json::to_value(&view).map_err(anyhow::Error::from)?,
            )
            .await?;
            Ok::<_, AppError>((refund, updated.currency))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/sales/{id}/refunds/{}", refund.id)))
        .json(RefundView::new(refund, currency)))
}

/// One refund entry of a line.
#[utoipa::path(
    get, path = "/v1/sales/{id}/refunds/{rid}", tag = "sales", security(("bearer" = [])),
    responses(
        (status = 200, description = "The refund", body = RefundView),
        (status = 404, description = "No such refund of this line"),
    )
)]
pub async fn get_refund(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, refund_id) = path.into_inner();
    let mut conn = caller.conn().await?;
    let sale = sales::find(&mut conn, caller.agency_id, id).await?;
    let refund = sales::find_refund(&mut conn, caller.agency_id, id, refund_id).await?;
    Ok(HttpResponse::Ok().json(RefundView::new(refund, sale.currency)))
}
