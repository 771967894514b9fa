//! Typed settings: `config/default.toml`, then `config/{MCN_ENV}.toml`, then the environment
//! (`MCN__SECTION__KEY`, plus `DATABASE_URL` and `MCN_ADDR`).

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;

/// The profile a process runs under, chosen by `MCN_ENV`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Development,
    Test,
    Production,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Development => "development",
            Profile::Test => "test",
            Profile::Production => "production",
        }
    }

    fn parse(value: &str) -> Result<Self, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Profile::Development),
            "test" => Ok(Profile::Test),
            "production" | "prod" => Ok(Profile::Production),
            other => Err(ConfigError::Invalid(format!(
                "MCN_ENV must be development, test or production, not {other:?}"
            ))),
        }
    }

    /// The profile named by `MCN_ENV` (default `development`).
    pub fn from_env() -> Result<Self, ConfigError> {
        match std::env::var("MCN_ENV") {
            Ok(value) => Self::parse(&value),
            Err(_) => Ok(Profile::Development),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not load settings: {0}")]
    Load(#[from] config::ConfigError),
    #[error("invalid settings: {0}")]
    Invalid(String),
}

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

/// The profile files, compiled in so the binary runs from any directory; a `config/` folder next
/// to the working directory, when present, takes precedence so operators can edit it.
const DEFAULT_TOML: &str = include_str!("../config/default.toml");
const DEVELOPMENT_TOML: &str = include_str!("../config/development.toml");
const TEST_TOML: &str = include_str!("../config/test.toml");
const PRODUCTION_TOML: &str = include_str!("../config/production.toml");

fn builtin_profile_toml(profile: Profile) -> &'static str {
    match profile {
        Profile::Development => DEVELOPMENT_TOML,
        Profile::Test => TEST_TOML,
        Profile::Production => PRODUCTION_TOML,
    }
}

fn file_or_builtin(
    name: &str,
    builtin: &'static str,
) -> config::File<config::FileSourceString, config::FileFormat> {
    let path = Path::new("config").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| builtin.to_owned());
    config::File::from_str(&text, config::FileFormat::Toml)
}

impl Settings {
    /// Loads the settings of the profile named by `MCN_ENV` and checks them.
    pub fn load() -> Result<Self, ConfigError> {
        let profile = Profile::from_env()?;
        Self::load_profile(profile, true)
    }

    /// Loads one profile; `with_env` adds the environment layer (tests turn it off).
    pub fn load_profile(profile: Profile, with_env: bool) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder()
            .add_source(file_or_builtin("default", DEFAULT_TOML))
            .add_source(file_or_builtin(
                profile.name(),
                builtin_profile_toml(profile),
            ));
        if with_env {
            builder = builder
                .add_source(
                    config::Environment::with_prefix("MCN")
                        .prefix_separator("__")
                        .separator("__")
                        .list_separator(",")
                        .with_list_parse_key("server.cors_allowed_origins")
                        .try_parsing(true),
                )
                .set_override_option("database.url", non_empty_env("DATABASE_URL"))?
                .set_override_option("server.addr", non_empty_env("MCN_ADDR"))?;
        }
        let mut settings: Settings = builder.build()?.try_deserialize()?;
        settings.profile = profile;
        // An empty MCN__SERVER__CORS_ALLOWED_ORIGINS means "none", not one empty origin.
        settings
            .server
            .cors_allowed_origins
            .retain(|origin| !origin.trim().is_empty());
        settings.validate()?;
        Ok(settings)
    }

    /// Checks values that would only fail later, and refuses development secrets in production.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if self.database.pool_max_size == 0 {
            problems.push("database.pool_max_size must be at least 1".to_owned());
        }
        if !(0..=19).contains(&self.auth.password_hashing_nice) {
            problems.push("auth.password_hashing_nice must be 0 to 19".to_owned());
        }
        if self.server.json_body_limit == 0 || self.server.raw_body_limit == 0 {
            problems.push("server body limits must be positive".to_owned());
        }
        if self.reports.fold_interval_ms == 0 {
            problems.push("reports.fold_interval_ms must be at least 1".to_owned());
        }
        for origin in &self.server.cors_allowed_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                problems.push(format!(
                    "server.cors_allowed_origins: {origin:?} is not an http(s) origin"
                ));
            }
        }
        problems.extend(self.secret_problems());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(problems.join("; ")))
        }
    }

    fn secret_problems(&self) -> Vec<String> {
        // (key, environment variable, value, whether the value is secret)
        let required = [
            (
                "auth.jwt_key_id",
                "MCN__AUTH__JWT_KEY_ID",
                &self.auth.jwt_key_id,
                false,
            ),
            (
                "auth.jwt_secret",
                "MCN__AUTH__JWT_SECRET",
                &self.auth.jwt_secret,
                true,
            ),
            (
                "crypto.pii_key_id",
                "MCN__CRYPTO__PII_KEY_ID",
                &self.crypto.pii_key_id,
                false,
            ),
            (
                "crypto.pii_key",
                "MCN__CRYPTO__PII_KEY",
                &self.crypto.pii_key,
                true,
            ),
            (
                "crypto.pii_hmac_key",
                "MCN__CRYPTO__PII_HMAC_KEY",
                &self.crypto.pii_hmac_key,
                true,
            ),
        ];
        let mut problems = Vec::new();
        for (key, env, value, secret) in required {
            if value.trim().is_empty() {
                problems.push(format!("{key} is missing (set {env})"));
            } else if secret
                && self.profile == Profile::Production
                && is_development_default(key, value)
            {
                problems.push(format!(
                    "{key} is a development default and may not be used in production (set {env})"
                ));
            }
        }
        if !self.auth.jwt_secret.is_empty() && self.auth.jwt_secret.len() < 32 {
            problems.push("auth.jwt_secret must be at least 32 bytes".to_owned());
        }
        if !self.auth.jwt_previous_secret.is_empty() && self.auth.jwt_previous_key_id.is_empty() {
            problems.push("auth.jwt_previous_secret needs auth.jwt_previous_key_id".to_owned());
        }
        if !self.crypto.pii_previous_key.is_empty()
            && (self.crypto.pii_previous_key_id.is_empty()
                || decoded_len(&self.crypto.pii_previous_key) != Some(32))
        {
            problems.push(
                "crypto.pii_previous_key needs crypto.pii_previous_key_id and 32 bytes of base64"
                    .to_owned(),
            );
        }
        if !self.crypto.pii_key.is_empty() && decoded_len(&self.crypto.pii_key) != Some(32) {
            problems.push("crypto.pii_key must be base64 of exactly 32 bytes".to_owned());
        }
        if !self.crypto.pii_hmac_key.is_empty()
            && decoded_len(&self.crypto.pii_hmac_key).is_none_or(|len| len < 32)
        {
            problems.push("crypto.pii_hmac_key must be base64 of at least 32 bytes".to_owned());
        }
        problems
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn decoded_len(value: &str) -> Option<usize> {
    BASE64.decode(value.trim()).ok().map(|bytes| bytes.len())
}

/// Whether `value` is the value `key` has in a profile file that is checked in for development
/// or tests, i.e. a secret that is public.
fn is_development_default(key: &str, value: &str) -> bool {
    [DEFAULT_TOML, DEVELOPMENT_TOML, TEST_TOML]
        .iter()
        .any(|text| {
            config::Config::builder()
                .add_source(config::File::from_str(text, config::FileFormat::Toml))
                .build()
                .ok()
                .and_then(|cfg| cfg.get_string(key).ok())
                .is_some_and(|default| !default.is_empty() && default == value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_file_loads() {
        for profile in [Profile::Development, Profile::Test] {
            let settings = Settings::load_profile(profile, false);
            assert!(settings.is_ok(), "{profile:?}: {settings:?}");
        }
    }

    #[test]
    fn production_without_secrets_names_each_missing_one() {
        let Err(ConfigError::Invalid(message)) = Settings::load_profile(Profile::Production, false)
        else {
            panic!("production must refuse to load without secrets");
        };
        for key in ["auth.jwt_secret", "crypto.pii_key", "crypto.pii_hmac_key"] {
            assert!(message.contains(&format!("{key} is missing")), "{message}");
        }
    }

    #[test]
    fn production_refuses_development_defaults() {
        let mut settings = Settings::load_profile(Profile::Development, false).unwrap();
        settings.profile = Profile::Production;
        let problems = settings.secret_problems();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("auth.jwt_secret is a development default")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("crypto.pii_key is a development default")),
            "{problems:?}"
        );
    }

    #[test]
    fn production_accepts_real_secrets() {
        let mut settings = Settings::load_profile(Profile::Development, false).unwrap();
        settings.profile = Profile::Production;
        settings.auth.jwt_key_id = "prod-2026".into();
        settings.auth.jwt_secret = "x".repeat(48);
        settings.crypto.pii_key_id = "prod-2026".into();
        settings.crypto.pii_key = BASE64.encode([7u8; 32]);
        settings.crypto.pii_hmac_key = BASE64.encode([9u8; 32]);
        assert_eq!(settings.secret_problems(), Vec::<String>::new());
    }

    #[test]
    fn profile_names_parse() {
        assert_eq!(Profile::parse("Production").unwrap(), Profile::Production);
        assert!(Profile::parse("staging").is_err());
    }
}
