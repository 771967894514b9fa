//! The 401 answers of authentication, in one place: a missing, invalid or expired access token,
//! one revoked by a change to its user, wrong credentials and a bad refresh token.

use super::tokens::TokenRejection;
use crate::error::AppError;

/// 401 with a stable `code` and a sentence for people.
fn rejected(code: &'static str, detail: &str) -> AppError {
    AppError::Unauthorized {
        code,
        detail: detail.to_owned(),
    }
}

/// An access token that is missing, malformed or expired.
pub fn unauthorized(rejection: TokenRejection) -> AppError {
    let detail = match rejection {
        TokenRejection::Missing => "Send an access token: Authorization: Bearer <token>.",
        TokenRejection::Invalid => "The access token is not valid.",
        TokenRejection::Expired => "The access token has expired; refresh it.",
    };
    rejected(rejection.code(), detail)
}

/// An access token whose user changed (role, deactivation) since it was issued.
pub fn token_revoked() -> AppError {
    rejected(
        "token_revoked",
        "The access token was revoked (account changed or deactivated); log in again.",
    )
}

/// A login with a wrong email or password (the same answer for both).
pub fn invalid_credentials() -> AppError {
    rejected("invalid_credentials", "The email or password is wrong.")
}

/// A refresh token that is unknown, expired, revoked or spent.
pub fn invalid_refresh_token() -> AppError {
    rejected(
        "invalid_refresh_token",
        "The refresh token is not valid; log in again.",
    )
}
