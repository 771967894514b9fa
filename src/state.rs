//! What every handler can reach, shared by all workers. Areas import this module, never
//! `startup` (which assembles the service and so imports every area).

use std::sync::Arc;

use crate::auth::AuthServices;
use crate::config::Settings;
use crate::crypto::PiiVault;
use crate::db::{DbConn, DbPool};
use crate::error::AppError;
use crate::telemetry::Metrics;

/// The shared state of the service.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub metrics: Metrics,
    pub auth: AuthServices,
    pub vault: PiiVault,
    /// The OpenAPI document, rendered once by whoever assembles the service.
    pub openapi_json: String,
}

impl AppState {
    /// The state from its settings and pool; `openapi_json` is the rendered document that
    /// `GET /openapi.json` serves.
    pub fn new(settings: Settings, pool: DbPool, openapi_json: String) -> anyhow::Result<Self> {
        Ok(Self {
            pool,
            auth: AuthServices::new(&settings.auth)?,
            vault: PiiVault::new(&settings.crypto)?,
            settings: Arc::new(settings),
            metrics: Metrics::new()?,
            openapi_json,
        })
    }

    /// A pooled connection; an outage or an exhausted pool is a quick 503.
    pub async fn conn(&self) -> Result<DbConn, AppError> {
        Ok(self.pool.get().await?)
    }
}
