//! `/v1/webhooks` (owner, admin): list, create, read, change, delete subscriptions, and rotate
//! their signing secret.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::dto::{
    CreateWebhookRequest, UpdateWebhookRequest, WebhookView, WebhookWithSecret, parse_events,
};
use super::model::{self as webhooks, Webhook, WebhookChanges, seal_secret};
use super::outbox::EventType;
use super::signing::new_secret;
use super::targets::check_target;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::AppError;
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};

fn stored_events(events: &[EventType]) -> Vec<Option<String>> {
    events.iter().map(|e| Some(e.as_str().to_owned())).collect()
}

/// Checks a target URL as the configuration says (after resolution).
async fn checked_url(caller: &Caller, url: &str) -> Result<String, AppError> {
    let allow = caller.state().settings.webhooks.allow_private_addresses;
    let url = check_target(url, allow)
        .await
        .map_err(|refusal| refusal.into_error())?;
    Ok(url.to_string())
}

fn location(id: Uuid) -> (&'static str, String) {
    ("Location", format!("/v1/webhooks/{id}"))
}

/// The agency's subscriptions, oldest first.
#[utoipa::path(
    get, path = "/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of subscriptions", body = Page<WebhookView>),
        (status = 403, description = "Only owners and admins manage webhooks"),
    )
)]
pub async fn list_webhooks(
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
    let rows = webhooks::list(&mut conn, caller.agency_id, &page).await?;
    let (rows, next_cursor) = page.split(rows, |w| w.id);
    let items: Vec<WebhookView> = rows
        .into_iter()
        .map(WebhookView::try_from)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Subscribes a URL to event types. The answer carries the signing `secret`, once.
#[utoipa::path(
    post, path = "/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "The subscription and its secret", body = WebhookWithSecret),
        (status = 422, description = "Invalid fields (`validation_failed`: an unknown or repeated event type, a malformed URL), or a URL this service will not call (`webhook_url_not_allowed`: not http(s), credentials, or a host that does not resolve or resolves to a non-public address)"),
    )
)]
pub async fn create_webhook(
    caller: Caller,
    body: Json<CreateWebhookRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let body = body.into_inner();
    let events = parse_events(&body.events)?;
    let url = checked_url(&caller, &body.url).await?;
    let id = Uuid::now_v7();
    let secret = new_secret()?;
    let sealed = seal_secret(&caller.state().vault, caller.agency_id, id, &secret)?;
    let now = Utc::now();
    let webhook = Webhook {
        agency_id: caller.agency_id,
        id,
        url,
        events: stored_events(&events),
        active: body.active.unwrap_or(true),
        secret_ciphertext: sealed.ciphertext,
        secret_nonce: sealed.nonce,
        secret_key_id: sealed.key_id,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut conn = caller.conn().await?;
    let created = conn
        .transaction(async |conn| {
            let created = webhooks::insert(conn, &webhook).await?;
            let changes = Changes::new()
                .value("url", &created.url)
                .value("events", &events)
                .value("active", created.active);
            caller
                .record(conn, "webhook.create", "webhook", id, changes)
                .await?;
            Ok::<_, AppError>(created)
        })
        .await?;
    let view = WebhookView::try_from(created)?;
    Ok(HttpResponse::Created()
        .insert_header(location(id))
        .insert_header(etag(view.version))
        .json(WebhookWithSecret::new(view, secret)))
}

/// One subscription.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscription", body = WebhookView),
        (status = 403, description = "Only owners and admins manage webhooks"),
        (status = 404, description = "No such subscription in this agency"),
    )
)]
pub async fn get_webhook(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let mut conn = caller.conn().await?;
    let webhook = webhooks::find(&mut conn, caller.agency_id, id.into_inner(), false).await?;
    let view = WebhookView::try_from(webhook)?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

/// Changes a subscription's URL, events or state. A deactivated subscription gets no new
/// events; its pending deliveries wait until it is active again.
#[utoipa::path(
    patch, path = "/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "The changed subscription", body = WebhookView),
        (status = 404, description = "No such subscription in this agency"),
        (status = 422, description = "Invalid fields (`validation_failed`), or a URL this service will not call (`webhook_url_not_allowed`)"),
    )
)]
pub async fn update_webhook(
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let events = body.events.as_deref().map(parse_events).transpose()?;
    let url = match &body.url {
        Some(url) => Some(checked_url(&caller, url).await?),
        None => None,
    };
    let mut conn = caller.conn().await?;
    let updated = conn
        .transaction(async |conn| {
            let current = webhooks::find(conn, caller.agency_id, id, true).await?;
            if_match.check(current.version)?;
            let changes = WebhookChanges {
                url: url.clone(),
                events: events.as_deref().map(stored_events),
                active: body.active,
                ..WebhookChanges::default()
            };
            let updated = webhooks::update(conn, caller.agency_id, id, &changes).await?;
            let mut audit = Changes::new();
            if url.is_some() {
                audit = audit.change("url", &current.url, &updated.url);
            }
            if events.is_some() {
                audit = audit.change("events", &current.events, &updated.events);
            }
            if body.active.is_some() {
                audit = audit.change("active", current.active, updated.active);
            }
            caller
                .record(conn, "webhook.update", "webhook", id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    let view = WebhookView::try_from(updated)?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

/// Deletes a subscription with its deliveries and their attempts.
#[utoipa::path(
    delete, path = "/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such subscription in this agency"),
    )
)]
pub async fn delete_webhook(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    conn.transaction(async |conn| {
        let current = webhooks::find(conn, caller.agency_id, id, true).await?;
        webhooks::delete(conn, caller.agency_id, id).await?;
        caller
            .record(
                conn,
                "webhook.delete",
                "webhook",
                id,
                Changes::new().value("url", &current.url),
            )
            .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces the signing secret with a new one, answered once. Attempts from now on are signed
/// with the new secret, retries of earlier events included.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/rotate-secret", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscription and its new secret", body = WebhookWithSecret),
        (status = 404, description = "No such subscription in this agency"),
    )
)]
pub async fn rotate_secret(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let id = id.into_inner();
    let secret = new_secret()?;
    let sealed = seal_secret(&caller.state().vault, caller.agency_id, id, &secret)?;
    let mut conn = caller.conn().await?;
    let rotated = conn
        .transaction(async |conn| {
            webhooks::find(conn, caller.agency_id, id, true).await?;
            let changes = WebhookChanges {
                secret_ciphertext: Some(sealed.ciphertext.clone()),
                secret_nonce: Some(sealed.nonce.clone()),
                secret_key_id: Some(sealed.key_id.clone()),
                ..WebhookChanges::default()
            };
            let rotated = webhooks::update(conn, caller.agency_id, id, &changes).await?;
            caller
                .record(
                    conn,
                    "webhook.rotate_secret",
                    "webhook",
                    id,
                    Changes::new().value("secret", "rotated"),
                )
                .await?;
            Ok::<_, AppError>(rotated)
        })
        .await?;
    let view = WebhookView::try_from(rotated)?;
    Ok(HttpResponse::build(StatusCode::OK)
        .insert_header(etag(view.version))
        .json(WebhookWithSecret::new(view, secret)))
}
