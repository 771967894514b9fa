//! Calendar feed tokens: `<agency id as 32 lowercase hex>_<base64url of 32 random bytes>`.
//!
//! The agency id scopes the look-up to one tenant; the random part is the secret. Only the
//! SHA-256 of the whole token is stored, as a refresh token's is ([`hash_token`]). Parsing is
//! strict: any other text is no token at all.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::auth::tokens::hash_token;

/// Random bytes in a token.
const SECRET_BYTES: usize = 32;
/// Characters of the agency part (a UUID without hyphens).
const AGENCY_CHARS: usize = 32;
/// Characters of the secret part (32 bytes in unpadded base64url).
const SECRET_CHARS: usize = 43;

/// A new token for `agency`.
pub fn new_token(agency: Uuid) -> anyhow::Result<String> {
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).map_err(|err| anyhow::anyhow!("randomness: {err}"))?;
    Ok(format!(
        "{}_{}",
        agency.simple(),
        URL_SAFE_NO_PAD.encode(secret)
    ))
}

/// The agency a token names and the hash it is stored under; `None` when the text cannot be a
/// token (wrong length, upper-case or other characters, non-canonical base64).
pub fn parse_token(token: &str) -> Option<(Uuid, Vec<u8>)> {
    if token.len() != AGENCY_CHARS + 1 + SECRET_CHARS {
        return None;
    }
    let (agency, secret) = token.split_at_checked(AGENCY_CHARS)?;
    let secret = secret.strip_prefix('_')?;
    if !agency
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let agency = Uuid::try_parse(agency).ok()?;
    // The engine refuses padding and trailing bits that are not zero: one text per secret.
    let bytes = URL_SAFE_NO_PAD.decode(secret).ok()?;
    if bytes.len() != SECRET_BYTES {
        return None;
    }
    Some((agency, hash_token(token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_agency_and_parse_back() {
        let agency = Uuid::now_v7();
        let token = new_token(agency).unwrap();
        assert_eq!(token.len(), 76);
        assert!(token.starts_with(&agency.simple().to_string()));
        let (parsed, hash) = parse_token(&token).unwrap();
        assert_eq!(parsed, agency);
        assert_eq!(hash, hash_token(&token));
        assert_eq!(hash.len(), 32);
        assert_ne!(token, new_token(agency).unwrap());
    }

    #[test]
    fn anything_else_is_refused() {
        let agency = Uuid::from_u128(0x0193_abcd_ef01_7000_8000_0000_0000_00fe);
        let token = new_token(agency).unwrap();
        let (head, secret) = token.split_at(33);
        let upper = format!("{}{secret}", head.to_uppercase());
        let hyphenated = format!("{agency}_{secret}");
        let padded = format!("{token}=");
        let short = &token[..75];
        let mut bad_char = token.clone().into_bytes();
        bad_char[50] = b'+';
        let bad_char = String::from_utf8(bad_char).unwrap();
        let no_separator = token.replacen('_', "-", 1);
        // The last character carries 2 bits of padding that must be zero: 'B' sets one.
        let mut loose = token[..75].to_owned();
        loose.push('B');
        for bad in [
            "",
            "x",
            upper.as_str(),
            hyphenated.as_str(),
            padded.as_str(),
            short,
            bad_char.as_str(),
            no_separator.as_str(),
            loose.as_str(),
            "ü".repeat(38).as_str(),
        ] {
            assert!(parse_token(bad).is_none(), "{bad:?}");
        }
    }
}
