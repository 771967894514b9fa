//! Secrets and signatures as the Standard Webhooks specification has them: a secret is
//! `whsec_` + base64 of 32 random bytes; a delivery is signed with HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` keyed with the decoded bytes, and the signature
//! header is `v1,` + base64 of the MAC.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of every secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new secret: `whsec_` + base64 of 32 bytes from the operating system's generator.
pub fn new_secret() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("randomness: {err}"))?;
    Ok(format!("{SECRET_PREFIX}{}", BASE64.encode(bytes)))
}

/// The key bytes of a secret (the base64 after `whsec_`).
pub fn secret_key(secret: &str) -> anyhow::Result<Vec<u8>> {
    let encoded = secret
        .strip_prefix(SECRET_PREFIX)
        .ok_or_else(|| anyhow::anyhow!("a webhook secret starts with {SECRET_PREFIX}"))?;
    BASE64
        .decode(encoded)
        .map_err(|_| anyhow::anyhow!("a webhook secret is base64 after its prefix"))
}

/// The `webhook-signature` value of `body` sent as message `id` at unix second `timestamp`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> anyhow::Result<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| anyhow::anyhow!("unusable webhook key"))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_example_signs_as_published() {
        // The example of the Standard Webhooks specification's reference libraries.
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signed = signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_fresh_and_decode_to_32_bytes() {
        let one = new_secret().unwrap();
        assert!(one.starts_with("whsec_"));
        assert_eq!(secret_key(&one).unwrap().len(), 32);
        assert_ne!(one, new_secret().unwrap());
    }
}
