//! `PUT /v1/statements/{id}/invoice`: the invoice an entity issued for an approved statement,
//! recorded before it is paid.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::{InvoiceRequest, InvoiceView};
use super::handlers::field;
use super::model::InvoiceRow;
use super::pay::{lock, require_approved};
use super::tax::to_fen;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::Collect;
use crate::domain::decimal::parse_decimal_string;
use crate::domain::enums::IncomeType;
use crate::error::AppError;
use crate::etag::etag;
use crate::json::Json;
use crate::schema::{legal_entities, statement_invoices};

/// Records (or corrects, until paid) the entity's invoice for an approved `entity` statement:
/// the seller is the host's entity (its credit code), and the total is the amount payable.
#[utoipa::path(
    put, path = "/v1/statements/{id}/invoice", tag = "statements", security(("bearer" = [])),
    request_body = InvoiceRequest,
    responses(
        (status = 200, description = "The invoice", body = InvoiceView, headers(("ETag" = String, description = "The invoice's version"))),
        (status = 403, description = "The caller's role may not settle statements"),
        (status = 404, description = "No such statement"),
        (status = 409, description = "Not an entity statement (`not_entity`), not approved (`not_approved`), paid already (`already_paid`), or no active entity (`entity_required`)"),
        (status = 422, description = "Invalid fields: seller not the entity (`seller_mismatch`), VAT or total not adding up (`vat_mismatch`, `total_mismatch`)"),
    )
)]
pub async fn put_invoice(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<InvoiceRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Settle)?;
    let id = id.into_inner();
    let mut errors = Vec::new();
    let number = body.number.trim().to_owned();
    if number.is_empty() || number.chars().count() > 64 || number.chars().any(char::is_control) {
        errors.push(crate::error::FieldError::new(
            "number",
            "invalid_length",
            "number must have 1 to 64 printable characters",
        ));
    }
    let big = Decimal::new(1_000_000_000_000, 0);
    let amount = errors.check(parse_decimal_string(
        "amount_before_vat",
        &body.amount_before_vat,
        2,
        Decimal::new(1, 2),
        big,
    ));
    let rate = errors.check(parse_decimal_string(
        "vat_rate_percent",
        &body.vat_rate_percent,
        2,
        Decimal::ZERO,
        Decimal::ONE_HUNDRED,
    ));
    let vat = errors.check(parse_decimal_string(
        "vat_amount",
        &body.vat_amount,
        2,
        Decimal::ZERO,
        big,
    ));
    let total = errors.check(parse_decimal_string(
        "total",
        &body.total,
        2,
        Decimal::new(1, 2),
        big,
    ));
    let (Some(amount), Some(rate), Some(vat), Some(total), true) =
        (amount, rate, vat, total, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    if (to_fen(amount * rate / Decimal::ONE_HUNDRED) - vat).abs() > Decimal::new(1, 2) {
        return Err(field(
            "vat_amount",
            "vat_mismatch",
            "vat_amount is not amount_before_vat × vat_rate_percent",
        ));
    }
    if amount + vat != total {
        return Err(field(
            "total",
            "total_mismatch",
            "total is not amount_before_vat + vat_amount",
        ));
    }
    let seller = body.seller_credit_code.trim().to_uppercase();
    let mut conn = caller.conn().await?;
    let saved = conn
        .transaction(async |conn| {
            let statement = lock(conn, caller.agency_id, id).await?;
            if statement.income_type != IncomeType::Entity {
                return Err(AppError::Conflict {
                    code: "not_entity",
                    detail: format!(
                        "The statement is {} pay; only an entity invoices.",
                        statement.income_type
                    ),
                });
            }
            require_approved(statement.state)?;
            let Some(entity_id) = statement.legal_entity_id else {
                return Err(AppError::Conflict {
                    code: "entity_required",
                    detail: "The host had no active legal entity when the statement was generated."
                        .to_owned(),
                });
            };
            let credit_code: String = legal_entities::table
                .filter(legal_entities::agency_id.eq(caller.agency_id))
                .filter(legal_entities::id.eq(entity_id))
                .select(legal_entities::credit_code)
                .first(conn)
                .await?;
            if seller != credit_code {
                return Err(field(
                    "seller_credit_code",
                    "seller_mismatch",
                    "the seller is not the host's entity",
                ));
            }
            if total != statement.payable {
                return Err(field(
                    "total",
                    "total_mismatch",
                    &format!("total must equal the amount payable, {}", statement.payable),
                ));
            }
            let current: Option<InvoiceRow> = statement_invoices::table
                .filter(statement_invoices::agency_id.eq(caller.agency_id))
                .filter(statement_invoices::statement_id.eq(id))
                .select(InvoiceRow::as_select())
                .first(conn)
                .await
                .optional()?;
            let row = InvoiceRow {
                agency_id: caller.agency_id,
                statement_id: id,
                legal_entity_id: entity_id,
                number: number.clone(),
                issued_on: body.issued_on,
                seller_credit_code: seller.clone(),
                amount_before_vat: amount,
                vat_rate_percent: rate,
                vat_amount: vat,
                total,
                recorded_by: caller.user_id,
                version: current.as_ref().map_or(1, |c| c.version + 1),
            };
            let saved = diesel::insert_into(statement_invoices::table)
                .values(&row)
                .on_conflict((
                    statement_invoices::agency_id,
                    statement_invoices::statement_id,
                ))
                .do_update()
                .set(&row)
                .returning(InvoiceRow::as_returning())
                .get_result(conn)
                .await?;
            caller
                .record(
                    conn,
                    "statement.invoice",
                    "statement",
                    id,
                    Changes::new()
                        .value("number", &saved.number)
                        .value("issued_on", saved.issued_on)
                        .value("total", saved.total.to_string()),
                )
                .await?;
            Ok::<_, AppError>(saved)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(saved.version))
        .json(InvoiceView::from(saved)))
}
