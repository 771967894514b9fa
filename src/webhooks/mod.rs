//! Webhooks: subscriptions to the agency's events, the transactional outbox the changes write
//! them to, and the worker that delivers them signed as the Standard Webhooks specification
//! does.

pub mod outbox;

pub use outbox::{EventType, emit};
