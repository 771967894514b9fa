//! `Email`: a staff login, checked and trimmed. Uniqueness is case-insensitive (`citext`).

use crate::error::{AppError, FieldError};

/// The answer when the email belongs to somebody already.
pub fn email_taken() -> AppError {
    AppError::Conflict {
        code: "email_taken",
        detail: "A user with this email already exists.".to_owned(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a domain with a dot, no spaces or
    /// control characters, at most 254 characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        let invalid = || FieldError::new(field, "invalid_email", "not an email address");
        if raw.chars().count() > 254
            || value.len() > 254
            || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address with the local part hidden, for the audit trail: `a***@example.com`.
    pub fn masked(&self) -> String {
        mask_email(&self.0)
    }
}

/// `a***@example.com` for any stored address.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_mask() {
        let email = Email::parse("email", "  Li.Na@Agency.example.cn ").unwrap();
        assert_eq!(email.as_str(), "Li.Na@Agency.example.cn");
        assert_eq!(email.masked(), "L***@Agency.example.cn");
        for bad in [
            "", "no-at", "a@b", "a b@c.d", "@c.d", "a@.c", "a@c..d", "a@b@c.d",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }
}
