//! The integration suite: the real service over HTTP against a real PostgreSQL, one database per
//! test cloned from a template migrated once per run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod audit;
mod auth;
mod binary;
mod compliance;
mod compliance_issues;
mod database;
mod errors;
mod identity;
mod imports;
mod openapi;
mod products;
mod records;
mod reports;
mod roster;
mod sales;
mod sessions;
mod shutdown;
mod system;
mod users;
