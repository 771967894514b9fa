//! The settings and their sections, as the profile files and the environment spell them.

use std::time::Duration;

use serde::Deserialize;

use super::Profile;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Filled in from `MCN_ENV` after loading, never from a file.
    #[serde(skip, default = "default_profile")]
    pub profile: Profile,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
    pub crypto: CryptoSettings,
    pub compliance: ComplianceSettings,
    pub imports: ImportSettings,
    pub reports: ReportSettings,
    pub maintenance: MaintenanceSettings,
    pub webhooks: WebhookSettings,
}

/// The housekeeping sweep ([`crate::maintenance`]).
#[derive(Debug, Clone, Deserialize)]
pub struct MaintenanceSettings {
    /// Seconds between two sweeps.
    pub sweep_interval_secs: u64,
}

/// The webhook worker and the addresses subscriptions may target.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    /// Whether targets may resolve to private, loopback, link-local and other non-public
    /// addresses (development and tests only).
    pub allow_private_addresses: bool,
    /// Milliseconds between two looks for due deliveries (1 to 1000).
    pub poll_interval_ms: u64,
    /// Milliseconds one delivery attempt may take.
    pub timeout_ms: u64,
    /// The first retry's delay in milliseconds; each later one doubles it.
    pub retry_base_ms: u64,
    /// The longest delay between two attempts, in milliseconds.
    pub retry_max_ms: u64,
    /// Seconds after its event a delivery still failing is marked failed.
    pub give_up_after_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReportSettings {
    /// Milliseconds between two folds of the rollup deltas into the rollups.
    pub fold_interval_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImportSettings {
    pub max_rows: usize,
    pub max_bytes: usize,
    /// The largest uncompressed size of an XLSX import's parts together (zip bomb guard).
    pub max_unpacked_bytes: u64,
}

fn default_profile() -> Profile {
    Profile::Development
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub addr: String,
    pub workers: usize,
    pub shutdown_timeout_secs: u64,
    pub json_body_limit: usize,
    pub raw_body_limit: usize,
    pub cors_allowed_origins: Vec<String>,
    pub signup_enabled: bool,
    pub trust_forwarded_for: bool,
    /// The service's public `scheme://host[:port]` for absolute URLs it hands out (calendar
    /// feeds); empty: taken from each request.
    pub public_base_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub create_if_missing: bool,
    pub pool_max_size: usize,
    pub connect_timeout_secs: u64,
    pub pool_wait_timeout_secs: u64,
    pub pool_recycle_timeout_secs: u64,
    pub statement_timeout_ms: u64,
}

impl DatabaseSettings {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_key_id: String,
    pub jwt_secret: String,
    pub jwt_previous_key_id: String,
    pub jwt_previous_secret: String,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub login_max_failures_per_account: u32,
    pub login_account_window_secs: u64,
    pub login_max_failures_per_address: u32,
    pub login_address_window_secs: u64,
    /// Threads that hash and verify passwords; 0: one per core.
    pub password_hashing_threads: usize,
    /// Checks that may wait for a hashing thread, per thread; more at once are 503 `busy`.
    pub password_hashing_queue_per_thread: usize,
    /// How much lower than the server's the hashing threads' OS priority is (nice, 0 to 19).
    pub password_hashing_nice: i32,
}

// Hand-written so secrets never reach a log line through `{:?}`.
impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_key_id", &self.jwt_key_id)
            .field("jwt_previous_key_id", &self.jwt_previous_key_id)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_secs", &self.refresh_token_ttl_secs)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Deserialize)]
pub struct CryptoSettings {
    pub pii_key_id: String,
    pub pii_key: String,
    pub pii_hmac_key: String,
    pub pii_previous_key_id: String,
    pub pii_previous_key: String,
}

impl std::fmt::Debug for CryptoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CryptoSettings")
            .field("pii_key_id", &self.pii_key_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ComplianceSettings {
    pub product_test_valid_days: u32,
}
