//! Checks of loaded settings: values that would only fail later, missing secrets, and the
//! development defaults production refuses.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::load::{DEFAULT_TOML, DEVELOPMENT_TOML, TEST_TOML};
use super::{ConfigError, Profile, Settings};

impl Settings {
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
        if self.imports.max_unpacked_bytes == 0 {
            problems.push("imports.max_unpacked_bytes must be positive".to_owned());
        }
        if self.reports.fold_interval_ms == 0 {
            problems.push("reports.fold_interval_ms must be at least 1".to_owned());
        }
        if self.maintenance.sweep_interval_secs == 0 {
            problems.push("maintenance.sweep_interval_secs must be at least 1".to_owned());
        }
        let hooks = &self.webhooks;
        if !(1..=1000).contains(&hooks.poll_interval_ms) {
            problems.push("webhooks.poll_interval_ms must be 1 to 1000".to_owned());
        }
        if hooks.timeout_ms == 0
            || hooks.retry_base_ms == 0
            || hooks.retry_max_ms < hooks.retry_base_ms
        {
            problems.push(
                "webhooks: timeout_ms and retry_base_ms must be positive, retry_max_ms at least retry_base_ms"
                    .to_owned(),
            );
        }
        if hooks.give_up_after_secs == 0 {
            problems.push("webhooks.give_up_after_secs must be positive".to_owned());
        }
        let base = self.server.public_base_url.trim();
        let origin_only = |url: url::Url| {
            matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.username().is_empty()
                && url.password().is_none()
                && url.path() == "/"
                && url.query().is_none()
                && url.fragment().is_none()
        };
        if !base.is_empty() && !url::Url::parse(base).is_ok_and(origin_only) {
            problems.push(format!(
                "server.public_base_url: {base:?} is not an http(s) scheme://host[:port]"
            ));
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

    #[test]
    fn a_public_base_url_is_a_scheme_and_host_only() {
        let mut settings = Settings::load_profile(Profile::Test, false).unwrap();
        for good in ["", "https://mcn.example.com", "http://10.0.0.5:8080/"] {
            settings.server.public_base_url = good.into();
            assert!(settings.validate().is_ok(), "{good}");
        }
        for bad in [
            "mcn.example.com",
            "ftp://x",
            "https://",
            "https://x.com/api",
            "https://x.com?a=b",
            "https://x.com#top",
            "https://user:secret@x.com",
        ] {
            settings.server.public_base_url = bad.into();
            assert!(settings.validate().is_err(), "{bad}");
        }
    }
}
