//! Password hashing with argon2id, off the async workers. Parameters come from the settings
//! (OWASP's in production and development, cheap ones in the test profile only).

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::AuthSettings;
use crate::error::{AppError, FieldError};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// Hashes and verifies passwords with one set of parameters.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// A hash of a random password with the same parameters, verified against when an email is
    /// unknown so that the answer takes as long as for a wrong password.
    dummy_hash: Arc<str>,
}

impl Passwords {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|err| anyhow::anyhow!("argon2 parameters: {err}"))?;
        let mut random = [0u8; 24];
        getrandom::fill(&mut random).map_err(|err| anyhow::anyhow!("randomness: {err}"))?;
        let dummy = hash_with(&params, &hex(&random))?;
        Ok(Self {
            params,
            dummy_hash: dummy.into(),
        })
    }

    /// Hashes `password` on the blocking pool.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let params = self.params.clone();
        actix_web::web::block(move || hash_with(&params, &password))
            .await
            .map_err(|err| AppError::Internal(anyhow::anyhow!("hashing task: {err}")))?
            .map_err(AppError::Internal)
    }

    /// Whether `password` matches `stored`; with `None` (unknown account) the dummy hash is
    /// verified instead and the answer is `false`.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = actix_web::web::block(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("verifying task: {err}")))?;
        Ok(known && matches)
    }
}

fn hash_with(params: &Params, password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("hashing a password: {err}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a new password's length (in characters) before anything expensive happens.
pub fn check_new_password(field: &str, password: &str) -> Result<(), FieldError> {
    let length = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(FieldError::new(
            field,
            "invalid_length",
            format!("a password has {MIN_LENGTH} to {MAX_LENGTH} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_counted_in_characters() {
        assert!(check_new_password("password", "short").is_err());
        assert!(check_new_password("password", "密码密码密码密码密码").is_ok());
        assert!(check_new_password("password", &"x".repeat(129)).is_err());
        assert!(check_new_password("password", &"x".repeat(128)).is_ok());
    }

    #[test]
    fn hashes_are_argon2id_with_the_configured_cost() {
        let params = Params::new(256, 1, 1, None).unwrap();
        let hash = hash_with(&params, "correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{hash}");
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong horse battery", &parsed)
                .is_err()
        );
    }
}
