//! The integration suite: the real service over HTTP against a real PostgreSQL, one database per
//! test cloned from a template migrated once per run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod audit;
mod auth;
mod binary;
mod closed_periods;
mod compliance;
mod compliance_issues;
mod contract;
mod database;
mod errors;
mod fail_closed;
mod finance;
mod hashing;
mod hot_rows;
mod identity;
mod import_mappings;
mod imports;
mod income_types;
mod openapi;
mod personal_data;
mod platform_imports;
mod platform_items;
mod products;
mod records;
mod registers;
mod reports;
mod roster;
mod round_trips;
mod sales;
mod scaling;
mod sessions;
mod shutdown;
mod statement_guards;
mod statements;
mod subresources;
mod system;
mod typed;
mod users;
mod webhook_events;
mod webhook_receiver;
mod webhook_subscriptions;
mod webhooks;
