//! MCN agency backend: the library shared by the `mcn` binary and the integration tests.
//!
//! Layout: cross-cutting rooms at the top (`config`, `startup`, `error`, `db`, `telemetry`,
//! `openapi`, `routing`), then one folder per domain area with the same rooms in each
//! (`mod.rs` routes, `handlers.rs`, `model.rs`, `dto.rs`).

pub mod config;
pub mod db;
pub mod error;
pub mod openapi;
pub mod routing;
pub mod schema;
pub mod startup;
pub mod system;
pub mod telemetry;
