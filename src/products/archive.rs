//! `POST /v1/products/{id}/archive` and `POST /v1/products/{id}/recall/withdraw`.
//!
//! An archived product stays readable (`GET /v1/products/{id}`, `?archived=true` on the list)
//! and in every report, but no new lineup may feature it and no line sold after it was archived
//! may name it (422, field code `product_archived`: by hand, by import or by a correction). A
//! lineup that already featured it keeps it, and so does a corrected line that already named it.
//!
//! Withdrawing a recall clears it (audited, with the reason and the recall withdrawn): the
//! `product_recalled` violation and the recall findings go, as the `products_compliance`
//! trigger marks the hosts featuring or selling the product for re-evaluation, as a recall does.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::catalogue::respond;
use super::dto::ProductView;
use super::model::{self as products, ProductChanges};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_reason;
use crate::error::AppError;
use crate::influencers::dto::ReasonRequest;
use crate::json::Json;

/// Archives a product (owner, admin, manager): it stays readable and in every report, leaves
/// the default list (`?archived=true` lists archived products), and may not be put in a new
/// lineup or named by a line sold from now on (422 `product_archived` on the field).
#[utoipa::path(
    post, path = "/v1/products/{id}/archive", tag = "products", security(("bearer" = [])),
    responses(
        (status = 200, description = "The archived product", body = ProductView),
        (status = 403, description = "Only owners, admins and managers archive products (`forbidden`)"),
        (status = 404, description = "No such product in this agency"),
        (status = 409, description = "Already archived (`already_archived`)"),
    )
)]
pub async fn archive_product(
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    let archived = conn
        .transaction(async |conn| {
            let current = products::find_for_update(conn, caller.agency_id, id).await?;
            if current.archived_at.is_some() {
                return Err(AppError::Conflict {
                    code: "already_archived",
                    detail: "The product is already archived.".to_owned(),
                });
            }
            let changes = ProductChanges {
                archived_at: Some(Some(Utc::now())),
                archived_by: Some(Some(caller.user_id)),
                ..ProductChanges::default()
            };
            let updated = products::update(conn, caller.agency_id, id, &changes).await?;
            caller
                .record(
                    conn,
                    "product.archive",
                    "product",
                    id,
                    Changes::new().change("archived", false, true),
                )
                .await?;
            Ok(updated)
        })
        .await?;
    Ok(respond(StatusCode::OK, archived))
}

/// Withdraws a product's recall (owner, admin, compliance), with the reason: the product is no
/// longer dangerous, sessions may feature it again, and the recall's violations and findings
/// disappear as the affected hosts are re-evaluated.
#[utoipa::path(
    post, path = "/v1/products/{id}/recall/withdraw", tag = "products", security(("bearer" = [])),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "The product, no longer recalled", body = ProductView),
        (status = 403, description = "Only owners, admins and compliance withdraw recalls (`forbidden`)"),
        (status = 404, description = "No such product in this agency"),
        (status = 409, description = "The product is not recalled (`not_recalled`)"),
        (status = 422, description = "Missing or invalid reason (`validation_failed`)"),
    )
)]
pub async fn withdraw_recall(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Verify)?;
    let id = id.into_inner();
    let reason = check_reason(&body.reason)?;
    let mut conn = caller.conn().await?;
    let withdrawn = conn
        .transaction(async |conn| {
            let current = products::find_for_update(conn, caller.agency_id, id).await?;
            let Some(recalled_at) = current.recalled_at else {
                return Err(AppError::Conflict {
                    code: "not_recalled",
                    detail: "The product is not recalled.".to_owned(),
                });
            };
            let changes = ProductChanges {
                recalled_at: Some(None),
                recall_reason: Some(None),
                recalled_by: Some(None),
                ..ProductChanges::default()
            };
            // The `products_compliance` trigger marks the hosts of sessions featuring it and
            // of its sales for re-evaluation, in this transaction.
            let updated = products::update(conn, caller.agency_id, id, &changes).await?;
            let audit = Changes::new()
                .change("recalled", true, false)
                .value("reason", &reason)
                .value("recalled_at", recalled_at)
                .value("recall_reason", &current.recall_reason)
                .value("recalled_by", current.recalled_by);
            caller
                .record(conn, "product.recall_withdraw", "product", id, audit)
                .await?;
            Ok(updated)
        })
        .await?;
    Ok(respond(StatusCode::OK, withdrawn))
}
