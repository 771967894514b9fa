//! Access tokens (short-lived JWTs, HS256 pinned, with a key id so keys can rotate) and refresh
//! tokens (opaque, 256-bit random, stored only as SHA-256 hashes).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::roles::Role;
use crate::config::AuthSettings;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub agency: Uuid,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: Uuid,
    /// The user's `auth_version` when the token was issued; a later bump revokes the token.
    pub ver: i32,
}

/// Why an access token was refused; each has its own stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    Missing,
    Invalid,
    Expired,
}

impl TokenRejection {
    pub fn code(self) -> &'static str {
        match self {
            TokenRejection::Missing => "missing_token",
            TokenRejection::Invalid => "invalid_token",
            TokenRejection::Expired => "token_expired",
        }
    }
}

struct SigningKey {
    id: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// The keys and rules for access tokens.
pub struct AccessTokens {
    current: SigningKey,
    previous: Option<SigningKey>,
    issuer: String,
    audience: String,
    pub ttl_secs: i64,
}

pub const ISSUER: &str = "mcn";
pub const AUDIENCE: &str = "mcn-api";

impl AccessTokens {
    pub fn new(settings: &AuthSettings) -> Self {
        let key = |id: &str, secret: &str| SigningKey {
            id: id.to_owned(),
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        };
        let previous = (!settings.jwt_previous_secret.is_empty())
            .then(|| key(&settings.jwt_previous_key_id, &settings.jwt_previous_secret));
        Self {
            current: key(&settings.jwt_key_id, &settings.jwt_secret),
            previous,
            issuer: ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
            ttl_secs: i64::try_from(settings.access_token_ttl_secs).unwrap_or(900),
        }
    }

    /// Signs an access token for a user, valid from `now`.
    pub fn issue(
        &self,
        user: Uuid,
        agency: Uuid,
        role: Role,
        auth_version: i32,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user,
            agency,
            role,
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_secs,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: Uuid::now_v7(),
            ver: auth_version,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.id.clone());
        Ok(jsonwebtoken::encode(
            &header,
            &claims,
            &self.current.encoding,
        )?)
    }

    /// Checks signature (HS256 only, key chosen by `kid`), expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenRejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRejection::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenRejection::Invalid);
        }
        let kid = header.kid.ok_or(TokenRejection::Invalid)?;
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|key| key.id == kid)
            .ok_or(TokenRejection::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 5;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => TokenRejection::Expired,
                _ => TokenRejection::Invalid,
            })
    }
}

/// Prefix of refresh tokens, so they are recognisable in logs and secret scanners.
const REFRESH_PREFIX: &str = "mcnr_";

/// A new refresh token for `agency`: the agency id (so the look-up is scoped to its tenant)
/// and 32 random bytes, base64url-encoded.
pub fn new_refresh_token(agency: Uuid) -> anyhow::Result<String> {
    let mut bytes = [0u8; 48];
    bytes[..16].copy_from_slice(agency.as_bytes());
    getrandom::fill(&mut bytes[16..]).map_err(|err| anyhow::anyhow!("randomness: {err}"))?;
    Ok(format!("{REFRESH_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The agency a refresh token belongs to and the hash it is stored under; `None` when the
/// text cannot be one of ours.
pub fn parse_refresh_token(token: &str) -> Option<(Uuid, Vec<u8>)> {
    let encoded = token.strip_prefix(REFRESH_PREFIX)?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    if bytes.len() != 48 {
        return None;
    }
    let agency = Uuid::from_slice(&bytes[..16]).ok()?;
    Some((agency, hash_token(token)))
}

/// What a bearer secret handed to a client (a refresh token, a calendar feed token) is stored
/// under: the SHA-256 of its text.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Profile, Settings};

    fn tokens() -> AccessTokens {
        AccessTokens::new(&Settings::load_profile(Profile::Test, false).unwrap().auth)
    }

    #[test]
    fn issued_tokens_verify_and_carry_their_claims() {
        let tokens = tokens();
        let (user, agency) = (Uuid::now_v7(), Uuid::now_v7());
        let token = tokens
            .issue(user, agency, Role::Manager, 3, Utc::now())
            .unwrap();
        let claims = tokens.verify(&token).unwrap();
        assert_eq!(
            (claims.sub, claims.agency, claims.role, claims.ver),
            (user, agency, Role::Manager, 3)
        );
        assert_eq!(claims.exp - claims.iat, tokens.ttl_secs);
    }

    #[test]
    fn expired_and_tampered_tokens_are_refused() {
        let tokens = tokens();
        let old = Utc::now() - chrono::Duration::hours(1);
        let expired = tokens
            .issue(Uuid::now_v7(), Uuid::now_v7(), Role::Owner, 1, old)
            .unwrap();
        assert_eq!(
            tokens.verify(&expired).unwrap_err(),
            TokenRejection::Expired
        );

        let good = tokens
            .issue(Uuid::now_v7(), Uuid::now_v7(), Role::Analyst, 1, Utc::now())
            .unwrap();
        let mut parts: Vec<&str> = good.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"role":"owner"}"#);
        parts[1] = &forged;
        assert_eq!(
            tokens.verify(&parts.join(".")).unwrap_err(),
            TokenRejection::Invalid
        );
        assert_eq!(
            tokens.verify("garbage").unwrap_err(),
            TokenRejection::Invalid
        );
    }

    #[test]
    fn refresh_tokens_name_their_agency_and_hash_stably() {
        let agency = Uuid::now_v7();
        let token = new_refresh_token(agency).unwrap();
        let (parsed, hash) = parse_refresh_token(&token).unwrap();
        assert_eq!(parsed, agency);
        assert_eq!(hash, hash_token(&token));
        assert_ne!(token, new_refresh_token(agency).unwrap());
        assert!(parse_refresh_token("mcnr_short").is_none());
        assert!(parse_refresh_token("eyJhbGciOi.x.y").is_none());
    }
}
