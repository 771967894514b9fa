//! Password hashing with argon2id, off the async workers on the bounded [`HashingPool`].
//! Parameters come from the settings (OWASP's in production and development, cheap ones in the
//! test profile only).

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::hashing::{HashingPool, Place};
use crate::config::AuthSettings;
use crate::error::{AppError, FieldError};

/// The 503 of the routes that hash or check a password, as their OpenAPI documents say it.
pub const BUSY_OR_UNAVAILABLE: &str = "Too many passwords are being checked at once (`busy`), \
or the database is unreachable or too slow (`database_unavailable`, `database_timeout`); retry \
after `Retry-After` seconds.";

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// Hashes and verifies passwords with one set of parameters.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// A hash of a random password with the same parameters, verified against when an email is
    /// unknown so that the answer takes as long as for a wrong password.
    dummy_hash: Arc<str>,
    pool: Arc<HashingPool>,
}

/// A place taken in the hashing queue, for one hash or check.
pub struct Admitted<'a> {
    passwords: &'a Passwords,
    place: Place,
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
            pool: Arc::new(HashingPool::new(settings)?),
        })
    }

    /// A place in the hashing queue, or 503 `busy` when it is full. Taken before a request's
    /// other work, so that a refusal changes nothing (a login attempt is not counted).
    pub fn admit(&self) -> Result<Admitted<'_>, AppError> {
        Ok(Admitted {
            passwords: self,
            place: self.pool.admit()?,
        })
    }

    /// Hashes `password` (503 `busy` when the queue is full).
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.admit()?.hash(password).await
    }

    /// Whether `password` matches `stored` (503 `busy` when the queue is full); see
    /// [`Admitted::verify`].
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        self.admit()?.verify(password, stored).await
    }
}

impl Admitted<'_> {
    /// Hashes `password` with the configured parameters.
    pub async fn hash(self, password: String) -> Result<String, AppError> {
        let params = self.passwords.params.clone();
        self.passwords
            .pool
            .run(self.place, move || hash_with(&params, &password))
            .await?
            .map_err(AppError::Internal)
    }

    /// Whether `password` matches `stored`; with `None` (unknown account) the dummy hash is
    /// verified instead and the answer is `false`.
    pub async fn verify(self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.passwords.dummy_hash.to_string());
        let matches = self
            .passwords
            .pool
            .run(self.place, move || {
                PasswordHash::new(&hash)
                    .map(|parsed| {
                        Argon2::default()
                            .verify_password(password.as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
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
