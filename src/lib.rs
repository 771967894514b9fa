//! MCN agency backend: the library shared by the `mcn` binary and the integration tests.
//!
//! Layout: cross-cutting rooms at the top (`config`, `startup`, `state`, `error`, `db`, `telemetry`,
//! `openapi`, `routing`), then one folder per domain area with the same rooms in each
//! (`mod.rs` routes, `handlers.rs`, `model.rs`, `dto.rs`).

pub mod agencies;
pub mod audit;
pub mod auth;
pub mod compliance;
pub mod config;
pub mod crypto;
pub mod dashboard;
pub mod db;
pub mod distribute;
pub mod domain;
pub mod error;
pub mod etag;
pub mod feeds;
pub mod idempotency;
pub mod influencers;
pub mod json;
pub mod maintenance;
pub mod openapi;
pub mod pagination;
pub mod products;
pub mod registers;
pub mod reports;
pub mod routing;
pub mod sales;
pub mod schema;
pub mod sessions;
pub mod staff;
pub mod startup;
pub mod state;
pub mod statements;
pub mod system;
pub mod telemetry;
pub mod text_enum;
pub mod webhooks;
