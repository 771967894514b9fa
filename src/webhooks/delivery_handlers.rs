//! `/v1/webhooks/{id}/deliveries` (owner, admin): what was delivered, with every attempt, and
//! retrying one by hand.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::deliveries::{self, Delivery, DeliveryState};
use super::dto::{DeliveryListQuery, DeliveryView};
use super::model as webhooks;
use super::send;
use super::worker::lease;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};

/// The answers of `deliveries` with their event types and attempts.
async fn views(
    conn: &mut diesel_async::AsyncPgConnection,
    agency_id: Uuid,
    rows: Vec<Delivery>,
) -> Result<Vec<DeliveryView>, AppError> {
    let (types, mut attempts) = deliveries::details(conn, agency_id, &rows).await?;
    rows.into_iter()
        .map(|delivery| {
            let event_type = *types
                .get(&delivery.event_id)
                .ok_or_else(|| anyhow::anyhow!("delivery {}: its event is missing", delivery.id))?;
            let tried = attempts.remove(&delivery.id).unwrap_or_default();
            Ok::<_, AppError>(DeliveryView::new(delivery, event_type, tried))
        })
        .collect()
}

/// The subscription's deliveries, newest event first, each with its attempts.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(DeliveryListQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<DeliveryView>),
        (status = 403, description = "Only owners and admins manage webhooks"),
        (status = 404, description = "No such subscription in this agency"),
    )
)]
pub async fn list_deliveries(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let id = id.into_inner();
    let query = query.into_inner();
    let page = PageRequest::<i64>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
    webhooks::find(&mut conn, caller.agency_id, id, false).await?;
    let rows = deliveries::list(&mut conn, caller.agency_id, id, query.state, &page).await?;
    let (rows, next_cursor) = page.split(rows, |d| d.event_seq);
    let items = views(&mut conn, caller.agency_id, rows).await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Retries one delivery by hand.
///
/// - A **failed** delivery is attempted again at once, during this request (signed as any
///   attempt, with the same `webhook-id`), whether or not the subscription is active and
///   outside its queue's order (it already gave up its place). The attempt is recorded with
///   `manual: true`; a 2xx makes the delivery `delivered`, any other outcome leaves it
///   `failed`.
/// - A **pending** delivery is made due now (its backoff is skipped); the worker attempts it as
///   soon as it heads its subscription's queue, so order is kept. Nothing is attempted during
///   the request.
/// - A **delivered** delivery is not sent again (409 `delivery_delivered`).
///
/// The answer is the delivery as it stands afterwards.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/deliveries/{did}/retry", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "The delivery after the retry", body = DeliveryView),
        (status = 404, description = "No such delivery of this subscription"),
        (status = 409, description = "Already delivered (`delivery_delivered`), or an attempt is in progress (`delivery_in_progress`)"),
    )
)]
pub async fn retry_delivery(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let (webhook_id, id) = path.into_inner();
    let state = caller.state();
    let settings = &state.settings.webhooks;
    let mut conn = caller.conn().await?;
    let delivery = deliveries::find(&mut conn, caller.agency_id, webhook_id, id).await?;
    let in_progress = || AppError::Conflict {
        code: "delivery_in_progress",
        detail: "An attempt of this delivery is in progress.".to_owned(),
    };
    let updated = match delivery.state {
        DeliveryState::Delivered => {
            return Err(AppError::Conflict {
                code: "delivery_delivered",
                detail: "The delivery succeeded already; it is not sent again.".to_owned(),
            });
        }
        DeliveryState::Pending => {
            deliveries::due_now(&mut conn, &delivery)
                .await
                .map_err(|error| match error {
                    diesel::result::Error::NotFound => in_progress(),
                    other => other.into(),
                })?
        }
        DeliveryState::Failed => {
            let claimed = deliveries::claim_manual(&mut conn, &delivery, lease(state))
                .await?
                .ok_or_else(in_progress)?;
            let (webhook, event) =
                send::load_target(&mut conn, caller.agency_id, webhook_id, claimed.event_id)
                    .await?;
            let client = send::client(settings)?;
            let outcome = send::attempt(&client, settings, &state.vault, &webhook, &event).await;
            deliveries::record(&mut conn, settings, &claimed, &outcome, true).await?
        }
    };
    caller
        .record(
            &mut conn,
            "webhook.delivery_retry",
            "webhook",
            webhook_id,
            Changes::new()
                .value("delivery_id", id)
                .change("state", delivery.state, updated.state),
        )
        .await?;
    let mut items = views(&mut conn, caller.agency_id, vec![updated]).await?;
    let view = items
        .pop()
        .ok_or_else(|| anyhow::anyhow!("a delivery went missing"))?;
    Ok(HttpResponse::Ok().json(view))
}
