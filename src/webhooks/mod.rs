//! Webhooks: subscriptions to the agency's events, the transactional outbox the changes write
//! them to, and the worker that delivers them signed as the Standard Webhooks specification
//! does.
//!
//! - [`outbox`]: `emit` writes an event (and a delivery per subscription asking for it) in the
//!   transaction of the change that causes it;
//! - [`worker`]: claims due deliveries one agency at a time, in order per subscription, and
//!   attempts them with exponential backoff until the give-up window closes;
//! - [`targets`]: which URLs and addresses may receive (checked after DNS resolution, at
//!   creation and at every delivery);
//! - [`signing`], [`send`]: the secret, the signature and one HTTP attempt;
//! - [`events`]: the `data` of the events that are not an API answer as is.

pub mod deliveries;
pub mod delivery_handlers;
pub mod dto;
pub mod events;
pub mod handlers;
pub mod model;
pub mod outbox;
pub mod send;
pub mod signing;
pub mod targets;
pub mod worker;

pub use outbox::{EventType, emit, emit_all, wants};
pub use worker::Worker;

use crate::routing::Routes;

/// Mounts the webhook routes.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::list_webhooks,
        handlers::create_webhook,
        handlers::get_webhook,
        handlers::update_webhook,
        handlers::delete_webhook,
        handlers::rotate_secret,
        delivery_handlers::list_deliveries,
        delivery_handlers::retry_delivery,
    );
}
