//! Handlers of `/v1/sales`: one order line at a time (refunds are in [`super::refunds`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::dto::{SaleListQuery, SaleRequest, SaleView};
use super::ledger::{self, Writer};
use super::model::{self as sales, SaleFilter};
use super::validate::{FIELDS, check_line};
use crate::agencies::model::{self as agencies, AgencyDefaults};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_time_filter;
use crate::error::{AppError, FieldError, serde_error};
use crate::idempotency::{self, Answer, IdempotentCreate};
use crate::pagination::{Page, PageRequest};

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
    let mut conn = caller.conn().await?;
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
                .map_err(|unresolved| AppError::validation(unresolved.into_errors()))?;
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
                    crate::webhooks::emit(
                        conn,
                        caller.agency_id,
                        crate::webhooks::EventType::SaleCreated,
                        serde_json::to_value(&view).map_err(anyhow::Error::from)?,
                    )
                    .await?;
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

/// The ledger, newest first, filterable by host, platform, order id, import, session, product,
/// status and time.
#[utoipa::path(
    get, path = "/v1/sales", tag = "sales", security(("bearer" = [])),
    params(SaleListQuery),
    responses((status = 200, description = "A page of order lines", body = Page<SaleView>))
)]
pub async fn list_sales(
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
        external_order_id: query.external_order_id.filter(|id| !id.is_empty()),
        import_batch_id: query.import_batch_id,
        live_session_id: query.live_session_id,
        product_id: query.product_id,
        status: query.status,
        from: query.from,
        to: query.to,
    };
    let mut conn = caller.conn().await?;
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
    responses(
        (status = 200, description = "The line and its refunds", body = SaleView),
        (status = 404, description = "No such line in this agency"),
    )
)]
pub async fn get_sale(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    let sale = sales::find(&mut conn, caller.agency_id, id).await?;
    let refunds = sales::refunds_of(&mut conn, caller.agency_id, id).await?;
    Ok(HttpResponse::Ok().json(SaleView::new(sale, Some(refunds))))
}
