//! Handlers that change a product: its fields (`PATCH`) and its recall.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::catalogue::respond;
use super::checks::product_changes;
use super::dto::{ProductView, UpdateProductRequest};
use super::model::{self as products, ProductChanges};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_reason;
use crate::error::AppError;
use crate::etag::IfMatch;
use crate::influencers::dto::ReasonRequest;
use crate::json::Json;

/// Changes a product. The SKU never changes; a recall is `POST .../recall`.
#[utoipa::path(
    patch, path = "/v1/products/{id}", tag = "products", security(("bearer" = [])),
    request_body = UpdateProductRequest,
    responses(
        (status = 200, description = "The updated product", body = ProductView),
        (status = 404, description = "No such product in this agency"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn update_product(
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateProductRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn().await?;
    let updated = conn
        .transaction(async |conn| {
            let current = products::find_for_update(conn, caller.agency_id, id).await?;
            if_match.check(current.version)?;
            let changes = product_changes(&body, &current)?;
            let updated = products::update(conn, caller.agency_id, id, &changes).await?;
            let audit = Changes::new()
                .change("name", &current.name, &updated.name)
                .change("brand", &current.brand, &updated.brand)
                .change("category", &current.category, &updated.category)
                .change(
                    "list_price",
                    current.list_price.to_string(),
                    updated.list_price.to_string(),
                )
                .change("currency", current.currency, updated.currency)
                .change(
                    "commission_percent",
                    current.commission_percent.to_string(),
                    updated.commission_percent.to_string(),
                )
                .change(
                    "regulated_field",
                    current.regulated_field,
                    updated.regulated_field,
                );
            caller
                .record(conn, "product.update", "product", id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(respond(StatusCode::OK, updated))
}

/// Recalls a product as dangerous (owner, admin, compliance). Upcoming sessions featuring it
/// show `product_recalled` at once and cannot go live.
#[utoipa::path(
    post, path = "/v1/products/{id}/recall", tag = "products", security(("bearer" = [])),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "The recalled product", body = ProductView),
        (status = 409, description = "Already recalled (`already_recalled`)"),
    )
)]
pub async fn recall_product(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Verify)?;
    let id = id.into_inner();
    let reason = check_reason(&body.reason)?;
    let mut conn = caller.conn().await?;
    let recalled = conn
        .transaction(async |conn| {
            let current = products::find_for_update(conn, caller.agency_id, id).await?;
            if current.recalled_at.is_some() {
                return Err(AppError::Conflict {
                    code: "already_recalled",
                    detail: "The product is already recalled.".to_owned(),
                });
            }
            let changes = ProductChanges {
                recalled_at: Some(Some(Utc::now())),
                recall_reason: Some(Some(reason.clone())),
                recalled_by: Some(Some(caller.user_id)),
                ..ProductChanges::default()
            };
            let updated = products::update(conn, caller.agency_id, id, &changes).await?;
            let audit = Changes::new()
                .change("recalled", false, true)
                .value("reason", &reason);
            caller
                .record(conn, "product.recall", "product", id, audit)
                .await?;
            let view = super::dto::ProductView::from(updated.clone());
            crate::webhooks::emit(
                conn,
                caller.agency_id,
                crate::webhooks::EventType::ProductRecalled,
                serde_json::to_value(&view).map_err(anyhow::Error::from)?,
            )
            .await?;
            Ok(updated)
        })
        .await?;
    Ok(respond(StatusCode::OK, recalled))
}
