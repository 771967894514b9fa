//! Correcting one recorded line (`PATCH /v1/sales/{id}`) and cancelling it
//! (`POST /v1/sales/{id}/cancel`).
//!
//! Both lock the line, check `If-Match`, refuse a line whose month is settled (an approved or
//! paid statement of its host covers its old or new time: 409 `period_closed`; the statements
//! read stay locked, so an approval racing the edit waits for it and then finds its draft
//! stale), write the line (the rollup triggers move the figures from the old line to the
//! new one in the same statement), audit the change from/to and emit `sale.updated`, all in one
//! transaction.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{Array, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::{SaleCorrectionRequest, SaleView};
use super::ledger::{Resolved, resolve_keeping};
use super::model::{self as sales, Sale, SaleStatus};
use super::validate::{Correction, HostRef, ProductRef, SaleInput, check_correction};
use crate::agencies::model as agencies;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::db::KeepPrepared;
use crate::domain::check_reason;
use crate::error::{AppError, FieldError, period_closed, serde_error};
use crate::etag::{IfMatch, etag};
use crate::influencers::dto::ReasonRequest;
use crate::json::Json;
use crate::schema::sales as sales_table;
use crate::webhooks::{EventType, emit};

#[derive(QueryableByName)]
struct StatementState {
    #[diesel(sql_type = Text)]
    state: String,
}

/// Refuses (409 `period_closed`) when a statement of a host covering a time, among `moments`
/// ((host, time) pairs: the line before and after the edit), is approved or paid. The
/// statements read stay locked until the transaction ends (`FOR NO KEY UPDATE`, in id order: an
/// approval of a draft among them waits for this edit, which makes the draft stale; concurrent
/// edits of one host's month queue instead of deadlocking on the draft they both mark).
async fn refuse_closed(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    moments: &[(Uuid, DateTime<Utc>)],
) -> Result<(), AppError> {
    let hosts: Vec<Uuid> = moments.iter().map(|(host, _)| *host).collect();
    let times: Vec<DateTime<Utc>> = moments.iter().map(|(_, at)| *at).collect();
    let states: Vec<StatementState> = KeepPrepared(
        diesel::sql_query(
            "SELECT s.state FROM statements s \
             WHERE s.agency_id = $1 AND (s.agency_id, s.id) IN ( \
                 SELECT c.agency_id, c.id FROM unnest($2::uuid[], $3::timestamptz[]) AS m(host, at) \
                 JOIN statements c ON c.agency_id = $1 AND c.influencer_id = m.host \
                      AND c.period_start <= m.at AND c.period_end > m.at) \
             ORDER BY s.id FOR NO KEY UPDATE",
        )
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(hosts)
        .bind::<Array<Timestamptz>, _>(times),
    )
    .load(conn)
    .await?;
    if states.iter().any(|s| s.state != "draft") {
        return Err(period_closed());
    }
    Ok(())
}

/// The line as answered (and as an event's data).
fn view_data(sale: &Sale) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(SaleView::new(sale.clone(), None))
        .map_err(|error| AppError::Internal(error.into()))
}

/// The line as answered, with its ETag.
fn respond(sale: Sale) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(etag(sale.version))
        .json(SaleView::new(sale, None))
}

/// The line `sale` would be after `correction`, as a new line to resolve (host, product and
/// session looked up and checked as for a new line).
fn corrected_input(sale: &Sale, correction: &Correction) -> SaleInput {
    let quantity = correction.quantity.unwrap_or(sale.quantity);
    let unit_price = correction.unit_price.unwrap_or(sale.unit_price);
    // A line whose quantity and price stay keeps its gross (a platform's paid amount).
    let gross = if correction.quantity.is_some() || correction.unit_price.is_some() {
        Decimal::from(quantity) * unit_price
    } else {
        sale.gross
    };
    SaleInput {
        platform: sale.platform,
        external_order_id: sale.external_order_id.clone(),
        sold_at: correction.sold_at.unwrap_or(sale.sold_at),
        host: HostRef::Id(correction.influencer_id.unwrap_or(sale.influencer_id)),
        live_session_id: correction.live_session_id.unwrap_or(sale.live_session_id),
        product: correction
            .product
            .clone()
            .unwrap_or(ProductRef::Id(sale.product_id)),
        quantity,
        unit_price,
        gross,
        currency: sale.currency,
        status: sale.status,
        refunded_amount: sale.refunded_amount,
        commission_percent: None,
    }
}

/// Writes the corrected line: its references and figures, the commission rate (the line's own
/// unless the product changed), the status its refunds give against the new gross.
async fn write_correction(
    conn: &mut AsyncPgConnection,
    sale: &Sale,
    line: &Resolved,
) -> Result<Sale, AppError> {
    let input = &line.input;
    if sale.refunded_amount > input.gross {
        return Err(AppError::Unprocessable {
            code: "refund_exceeds_gross",
            detail: format!(
                "{} is refunded on this line: its gross cannot fall to {}.",
                sale.currency.format(sale.refunded_amount),
                sale.currency.format(input.gross)
            ),
            errors: vec![FieldError::new(
                "quantity",
                "refund_exceeds_gross",
                "the corrected gross is less than what is refunded",
            )],
            extensions: serde_json::Map::new(),
        });
    }
    let commission_percent = if line.product_id == sale.product_id {
        sale.commission_percent
    } else {
        line.commission_percent
    };
    let status = sale.status.after_refunds(sale.refunded_amount, input.gross);
    let updated = diesel::update(sales_table::table.find((sale.agency_id, sale.id)))
        .set((
            sales_table::sold_at.eq(input.sold_at),
            sales_table::influencer_id.eq(line.influencer_id),
            sales_table::live_session_id.eq(input.live_session_id),
            sales_table::product_id.eq(line.product_id),
            sales_table::quantity.eq(input.quantity),
            sales_table::unit_price.eq(input.unit_price),
            sales_table::gross.eq(input.gross),
            sales_table::commission_percent.eq(commission_percent),
            sales_table::status.eq(status),
            sales_table::version.eq(sales_table::version + 1),
        ))
        .returning(Sale::as_returning())
        .get_result(conn)
        .await?;
    Ok(updated)
}

/// What a correction changed, for the audit trail.
fn correction_changes(before: &Sale, after: &Sale, reason: Option<&String>) -> Changes {
    let money = |sale: &Sale, amount: Decimal| sale.currency.format(amount);
    Changes::new()
        .change("sold_at", before.sold_at, after.sold_at)
        .change("influencer_id", before.influencer_id, after.influencer_id)
        .change(
            "live_session_id",
            before.live_session_id,
            after.live_session_id,
        )
        .change("product_id", before.product_id, after.product_id)
        .change("quantity", before.quantity, after.quantity)
        .change(
            "unit_price",
            before.unit_price.to_string(),
            after.unit_price.to_string(),
        )
        .change(
            "gross",
            money(before, before.gross),
            money(after, after.gross),
        )
        .change(
            "commission_percent",
            before.commission_percent.to_string(),
            after.commission_percent.to_string(),
        )
        .change("status", before.status, after.status)
        .value("reason", reason)
}

/// Whether the corrected line differs from the recorded one.
fn changes_anything(sale: &Sale, line: &Resolved) -> bool {
    let input = &line.input;
    input.sold_at != sale.sold_at
        || line.influencer_id != sale.influencer_id
        || input.live_session_id != sale.live_session_id
        || line.product_id != sale.product_id
        || input.quantity != sale.quantity
        || input.unit_price != sale.unit_price
        || input.gross != sale.gross
}

/// Corrects one recorded line: when it was sold, its host, session, product, quantity or unit
/// price (the gross becomes quantity × unit price). Every check of a new line applies. Refused
/// when the line's month, before or after, is settled in an approved statement; a gross below
/// what is refunded is 422. Audited (each field from/to), `sale.updated` emitted; the rollups
/// and reports follow in the same transaction.
#[utoipa::path(
    patch, path = "/v1/sales/{id}", tag = "sales", security(("bearer" = [])),
    request_body = SaleCorrectionRequest,
    responses(
        (status = 200, description = "The corrected line; `ETag` carries its version", body = SaleView),
        (status = 403, description = "Only owners, admins and managers correct sales (`forbidden`)"),
        (status = 404, description = "No such line in this agency"),
        (status = 409, description = "The line is cancelled (`invalid_transition`), or its month, before or after the correction, has an approved statement (`period_closed`)"),
        (status = 422, description = "Invalid fields (`validation_failed`: e.g. `not_correctable`, `not_found`, `not_this_host`, `product_archived`, `in_future`), or a gross below what is refunded (`refund_exceeds_gross`)"),
    )
)]
pub async fn correct_sale(
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    serde_json::from_value::<SaleCorrectionRequest>(body.clone()).map_err(|e| serde_error(&e))?;
    let serde_json::Value::Object(row) = body else {
        return Err(AppError::BadRequest {
            code: "invalid_body",
            detail: "The body must be a JSON object: the fields to correct.".to_owned(),
            errors: Vec::new(),
        });
    };
    let mut conn = caller.conn().await?;
    let zone = agencies::defaults(&mut conn, caller.agency_id)
        .await?
        .time_zone;
    let corrected = conn
        .transaction(async |conn| {
            let sale = sales::find_for_update(conn, caller.agency_id, id).await?;
            if_match.check(sale.version)?;
            let correction = check_correction(&row, sale.currency, zone, Utc::now())
                .map_err(AppError::validation)?;
            if sale.status == SaleStatus::Cancelled {
                return Err(AppError::Conflict {
                    code: "invalid_transition",
                    detail: "A cancelled order line is not corrected.".to_owned(),
                });
            }
            let input = corrected_input(&sale, &correction);
            let line = resolve_keeping(conn, caller.agency_id, vec![input], Some(sale.product_id))
                .await?
                .pop()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a resolved line went missing")))?
                .map_err(|unresolved| AppError::validation(unresolved.into_errors()))?;
            if !changes_anything(&sale, &line) {
                // Nothing to change: no new version, no audit event, no event.
                return Ok(sale);
            }
            let moments = [
                (sale.influencer_id, sale.sold_at),
                (line.influencer_id, line.input.sold_at),
            ];
            refuse_closed(conn, caller.agency_id, &moments).await?;
            let updated = write_correction(conn, &sale, &line).await?;
            let audit = correction_changes(&sale, &updated, correction.reason.as_ref());
            caller
                .record(conn, "sale.correct", "sale", id, audit)
                .await?;
            emit(
                conn,
                caller.agency_id,
                EventType::SaleUpdated,
                view_data(&updated)?,
            )
            .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(respond(corrected))
}

/// Cancels one recorded line (`status` becomes `cancelled`: it counts in no report, its
/// refunds stay on record). Refused when its month is settled in an approved statement.
/// Audited with the reason, `sale.updated` emitted.
#[utoipa::path(
    post, path = "/v1/sales/{id}/cancel", tag = "sales", security(("bearer" = [])),
    params(("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when the line changed since")),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "The cancelled line; `ETag` carries its version", body = SaleView),
        (status = 403, description = "Only owners, admins and managers cancel sales (`forbidden`)"),
        (status = 404, description = "No such line in this agency"),
        (status = 409, description = "Already cancelled (`already_cancelled`), or its month has an approved statement (`period_closed`)"),
        (status = 412, description = "Stale `If-Match`"),
        (status = 422, description = "Invalid reason (`validation_failed`)"),
    )
)]
pub async fn cancel_sale(
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let reason = check_reason(&body.reason)?;
    let mut conn = caller.conn().await?;
    let cancelled = conn
        .transaction(async |conn| {
            let sale = sales::find_for_update(conn, caller.agency_id, id).await?;
            if_match.check(sale.version)?;
            if sale.status == SaleStatus::Cancelled {
                return Err(AppError::Conflict {
                    code: "already_cancelled",
                    detail: "The order line is already cancelled.".to_owned(),
                });
            }
            refuse_closed(
                conn,
                caller.agency_id,
                &[(sale.influencer_id, sale.sold_at)],
            )
            .await?;
            let updated = sales::set_status(conn, &sale, SaleStatus::Cancelled).await?;
            let audit = Changes::new()
                .change("status", sale.status, updated.status)
                .value("reason", &reason);
            caller
                .record(conn, "sale.cancel", "sale", id, audit)
                .await?;
            emit(
                conn,
                caller.agency_id,
                EventType::SaleUpdated,
                view_data(&updated)?,
            )
            .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(respond(cancelled))
}
