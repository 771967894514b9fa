//! Typed settings: `config/default.toml`, then `config/{MCN_ENV}.toml`, then the environment
//! (`MCN__SECTION__KEY`, plus `DATABASE_URL` and `MCN_ADDR`).
//!
//! The sections are in `sections`, loading in `load`, the checks in `checks`; everything is
//! used as `crate::config::X`.

mod checks;
mod load;
mod sections;

pub use sections::{
    AuthSettings, ComplianceSettings, CryptoSettings, DatabaseSettings, ImportSettings, LogFormat,
    LogSettings, ReportSettings, ServerSettings, Settings, WebhookSettings,
};

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
