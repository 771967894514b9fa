//! Loading the layers: the profile files (compiled in, or a `config/` folder next to the working
//! directory) and the environment.

use std::path::Path;

use super::{ConfigError, Profile, Settings};

/// The profile files, compiled in so the binary runs from any directory; a `config/` folder next
/// to the working directory, when present, takes precedence so operators can edit it.
pub(super) const DEFAULT_TOML: &str = include_str!("../../config/default.toml");
pub(super) const DEVELOPMENT_TOML: &str = include_str!("../../config/development.toml");
pub(super) const TEST_TOML: &str = include_str!("../../config/test.toml");
const PRODUCTION_TOML: &str = include_str!("../../config/production.toml");

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
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}
