//! Handlers of `/v1/sales` (one order line at a time) and its refunds.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::dto::{RefundRequest, RefundView, SaleListQuery, SaleRequest, SaleView};
use super::ledger::{self, Writer};
use super::model::{self as sales, Refund, SaleFilter, SaleStatus};
use super::validate::{FIELDS, check_line};
use crate::agencies::model::{self as agencies, AgencyDefaults};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::money::parse_amount;
use crate::domain::{check_reason, check_time_filter};
use crate::error::{AppError, FieldError, serde_error};
use crate::idempotency::{self, Answer, IdempotentCreate};
use crate::json::Json;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

fn duplicate_order_line() -> AppError {
    AppError::Conflict {
        code: "duplicate_order_line",
        detail: "This platform's order line is already recorded; corrections are refunds."
            .to_owned(),
    }
}

/// Records one order line. Valid data is always accepted, even when it reveals a compliance
/// problem (which then shows on the compliance page). Honours `Idempotency-Key`.
#[utoipa::path(
    post, path = "/v1/sales", tag = "sales", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body")),
    request_body = SaleRequest,
    responses(
        (status = 201, description = "The recorded line", body = SaleView),
        (status = 409, description = "Already recorded (`duplicate_order_line`), or the same key is in flight"),
        (status = 422, description = "Invalid fields (money as JSON numbers included), or `idempotency_key_reused`"),
    )
)]
pub async fn create_sale(
    state: web::Data<AppState>,
    caller: Caller,
    create: IdempotentCreate,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    serde_json::from_value::<SaleRequest>(create.body.clone()).map_err(|err| serde_error(&err))?;
    let serde_json::Value::Object(row) = create.body else {
        return Err(AppError::BadRequest {
            code: "invalid_body",
            detail: "The body must be a JSON object: one order line.".to_owned(),
            errors: Vec::new(),
        });
    };
    if let Some(unknown) = row.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(AppError::BadRequest {
            code: "unknown_field",
            detail: format!("unknown field `{unknown}`"),
            errors: vec![FieldError::new(
                unknown.clone(),
                "unknown_field",
                format!("Unknown field `{unknown}`."),
            )],
        });
    }
    let mut conn = caller.conn(&state).await?;
    idempotency::run(
        &mut conn,
        &caller,
        &create.key,
        create.fingerprint,
        async |conn, claim| {
            let AgencyDefaults {
                currency,
                time_zone: tz,
            } = agencies::defaults(conn, caller.agency_id).await?;
            let input = check_line(&row, currency, tz, Utc::now()).map_err(AppError::validation)?;
            let resolved = ledger::resolve(conn, caller.agency_id, vec![input])
                .await?
                .pop()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a resolved line went missing")))?
                .map_err(AppError::validation)?;
            let writer = Writer {
                audit: caller.audit(),
                user_id: caller.user_id,
                import_batch_id: None,
            };
            let answer = conn
                .transaction(async |conn| {
                    // The insert is the one look-up of the order line: a known line inserts nothing.
                    let sale = ledger::insert_new(conn, &writer, &resolved)
                        .await?
                        .ok_or_else(duplicate_order_line)?;
                    let changes = crate::audit::model::Changes::new()
                        .value("platform", sale.platform)
                        .value("external_order_id", &sale.external_order_id)
                        .value("gross", sale.gross.to_string())
                        .value("currency", sale.currency);
                    caller
                        .record(conn, "sale.create", "sale", sale.id, changes)
                        .await?;
                    let view = SaleView::new(sale, None);
                    let answer = Answer::new(
                        StatusCode::CREATED,
                        &view,
                        Some(format!("/v1/sales/{}", view.id)),
                    )?;
                    claim.complete(conn, &caller, &answer).await?;
                    Ok::<_, AppError>(answer)
                })
                .await?;
            Ok(answer.into_response(false))
        },
    )
    .await
}

/// The ledger, newest first, filterable by host, platform, session, product, status and time.
#[utoipa::path(
    get, path = "/v1/sales", tag = "sales", security(("bearer" = [])),
    params(SaleListQuery),
    responses((status = 200, description = "A page of order lines", body = Page<SaleView>))
)]
pub async fn list_sales(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SaleListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let query = query.into_inner();
    let page = PageRequest::<(DateTime<Utc>, Uuid)>::new(query.limit, query.cursor.as_deref())?;
    check_time_filter(query.from, query.to, "to must be after from")?;
    let filter = SaleFilter {
        influencer_id: query.influencer_id,
        platform: query.platform,
        live_session_id: query.live_session_id,
        product_id: query.product_id,
        status: query.status,
        from: query.from,
        to: query.to,
    };
    let mut conn = caller.conn(&state).await?;
    let rows = sales::list(&mut conn, caller.agency_id, &filter, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        &page,
        |s| (s.sold_at, s.id),
        |s| SaleView::new(s, None),
    )))
}

/// One order line with its refunds.
#[utoipa::path(
    get, path = "/v1/sales/{id}", tag = "sales", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Sale id")),
    responses(
        (status = 200, description = "The line and its refunds", body = SaleView),
        (status = 404, description = "No such line in this agency"),
    )
)]
pub async fn get_sale(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = caller.conn(&state).await?;
    let sale = sales::find(&mut conn, caller.agency_id, id).await?;
    let refunds = sales::refunds_of(&mut conn, caller.agency_id, id).await?;
    Ok(HttpResponse::Ok().json(SaleView::new(sale, Some(refunds))))
}

/// Refunds part or all of a line, as an entry of its own. Refunds never exceed the gross; the
/// line's `refunded_amount`, `net` and `status` move with them.
#[utoipa::path(
    post, path = "/v1/sales/{id}/refunds", tag = "sales", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Sale id")),
    request_body = RefundRequest,
    responses(
        (status = 201, description = "The refund; `Location` names it", body = RefundView),
        (status = 409, description = "The line is cancelled (`invalid_transition`)"),
        (status = 422, description = "Invalid amount, or more than what remains (`refund_exceeds_gross`)"),
    )
)]
pub async fn refund_sale(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<RefundRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let reason = body.reason.as_deref().map(check_reason).transpose()?;
    let mut conn = caller.conn(&state).await?;
    let (refund, currency) = conn
        .transaction(async |conn| {
            let sale = sales::find_for_update(conn, caller.agency_id, id).await?;
            if sale.status == SaleStatus::Cancelled {
                return Err(AppError::Conflict {
                    code: "invalid_transition",
                    detail: "A cancelled order line cannot be refunded.".to_owned(),
                });
            }
            let currency = sale.currency;
            let amount = parse_amount("amount", &body.amount, currency)
                .map_err(|e| AppError::validation(vec![e]))?;
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
            let (updated, refund) =
                sales::apply_refund(conn, &sale, &refund)
                    .await
                    .map_err(|err| match err {
                        DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, _) => {
                            AppError::Unprocessable {
                                code: "refund_exceeds_gross",
                                detail: "Refunds would exceed the line's gross.".to_owned(),
                                errors: Vec::new(),
                                extensions: serde_json::Map::new(),
                            }
                        }
                        other => other.into(),
                    })?;
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
            Ok((refund, updated.currency))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/sales/{id}/refunds/{}", refund.id)))
        .json(RefundView::new(refund, currency)))
}

/// One refund entry of a line.
#[utoipa::path(
    get, path = "/v1/sales/{id}/refunds/{rid}", tag = "sales", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Sale id"),
        ("rid" = Uuid, Path, description = "Refund id"),
    ),
    responses(
        (status = 200, description = "The refund", body = RefundView),
        (status = 404, description = "No such refund of this line"),
    )
)]
pub async fn get_refund(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, refund_id) = path.into_inner();
    let mut conn = caller.conn(&state).await?;
    let sale = sales::find(&mut conn, caller.agency_id, id).await?;
    let refund = sales::find_refund(&mut conn, caller.agency_id, id, refund_id).await?;
    Ok(HttpResponse::Ok().json(RefundView::new(refund, sale.currency)))
}
