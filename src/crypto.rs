//! Personal data at rest: AES-256-GCM with a random nonce and the owning row bound in as
//! associated data, a key id stored beside each ciphertext so keys can rotate, and a keyed
//! HMAC-SHA256 for equality look-ups without decrypting.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::CryptoSettings;

/// A sealed value and what is needed to open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

/// The personal-data keys.
pub struct PiiVault {
    current: Key,
    previous: Option<Key>,
    /// Keyed once; cloned for each fingerprint.
    hmac: Hmac<Sha256>,
}

fn decode_key(name: &str, value: &str) -> anyhow::Result<Vec<u8>> {
    BASE64
        .decode(value.trim())
        .map_err(|_| anyhow::anyhow!("{name} is not base64"))
}

impl PiiVault {
    pub fn new(settings: &CryptoSettings) -> anyhow::Result<Self> {
        let key = |id: &str, name: &str, value: &str| -> anyhow::Result<Key> {
            let bytes = decode_key(name, value)?;
            let cipher = Aes256Gcm::new_from_slice(&bytes)
                .map_err(|_| anyhow::anyhow!("{name} must be 32 bytes"))?;
            Ok(Key {
                id: id.to_owned(),
                cipher,
            })
        };
        let previous = if settings.pii_previous_key.is_empty() {
            None
        } else {
            Some(key(
                &settings.pii_previous_key_id,
                "crypto.pii_previous_key",
                &settings.pii_previous_key,
            )?)
        };
        Ok(Self {
            current: key(&settings.pii_key_id, "crypto.pii_key", &settings.pii_key)?,
            previous,
            hmac: <Hmac<Sha256> as Mac>::new_from_slice(&decode_key(
                "crypto.pii_hmac_key",
                &settings.pii_hmac_key,
            )?)
            .map_err(|_| anyhow::anyhow!("crypto.pii_hmac_key is not a usable HMAC key"))?,
        })
    }

    /// Encrypts `plaintext` under the current key, bound to `context` (e.g. the row's ids):
    /// the ciphertext only opens with the same context.
    pub fn seal(&self, plaintext: &str, context: &str) -> anyhow::Result<Sealed> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|err| anyhow::anyhow!("randomness: {err}"))?;
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        Ok(Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_id: self.current.id.clone(),
        })
    }

    /// Decrypts a sealed value with the key it names; fails on any tampering or wrong context.
    pub fn open(&self, sealed: &Sealed, context: &str) -> anyhow::Result<String> {
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|key| key.id == sealed.key_id)
            .ok_or_else(|| anyhow::anyhow!("no personal-data key {:?}", sealed.key_id))?;
        let nonce: [u8; 12] = sealed
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let plaintext = key
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("decryption failed"))?;
        Ok(String::from_utf8(plaintext)?)
    }

    /// The keyed hash of `value`, for "already registered" look-ups.
    pub fn fingerprint(&self, value: &str) -> Vec<u8> {
        let mut mac = self.hmac.clone();
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Profile, Settings};

    fn vault() -> PiiVault {
        PiiVault::new(&Settings::load_profile(Profile::Test, false).unwrap().crypto).unwrap()
    }

    #[test]
    fn sealed_values_open_only_in_their_context() {
        let vault = vault();
        let sealed = vault.seal("11010519491231002X", "identity:a:b").unwrap();
        assert_eq!(sealed.nonce.len(), 12);
        assert!(
            !sealed
                .ciphertext
                .windows(18)
                .any(|w| w == b"11010519491231002X")
        );
        assert_eq!(
            vault.open(&sealed, "identity:a:b").unwrap(),
            "11010519491231002X"
        );
        assert!(
            vault.open(&sealed, "identity:a:c").is_err(),
            "another row's context"
        );
        let mut tampered = sealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(vault.open(&tampered, "identity:a:b").is_err());
        assert_ne!(
            vault.seal("same", "c").unwrap().ciphertext,
            vault.seal("same", "c").unwrap().ciphertext
        );
    }

    #[test]
    fn fingerprints_are_stable_and_keyed() {
        let vault = vault();
        assert_eq!(vault.fingerprint("x"), vault.fingerprint("x"));
        assert_ne!(vault.fingerprint("x"), vault.fingerprint("y"));
        assert_eq!(vault.fingerprint("x").len(), 32);
    }
}
