//! Authentication: sign-up, login, token refresh and logout, the caller extractor, roles,
//! passwords and tokens.

pub mod caller;
pub mod dto;
pub mod handlers;
pub mod hashing;
pub mod login;
pub mod model;
pub mod password;
pub mod rejections;
pub mod roles;
pub mod tokens;

use crate::config::AuthSettings;
use crate::routing::Routes;

/// What the auth handlers and the caller extractor share, built once from the settings.
pub struct AuthServices {
    pub access: tokens::AccessTokens,
    pub passwords: password::Passwords,
    pub refresh_ttl_secs: i64,
    pub throttle: ThrottleLimits,
}

/// Failed-login limits: attempts per window, per account and per client address.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub per_account: i32,
    pub account_window_secs: i64,
    pub per_address: i32,
    pub address_window_secs: i64,
}

impl AuthServices {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        Ok(Self {
            access: tokens::AccessTokens::new(settings),
            passwords: password::Passwords::new(settings)?,
            refresh_ttl_secs: i64::try_from(settings.refresh_token_ttl_secs)?,
            throttle: ThrottleLimits {
                per_account: i32::try_from(settings.login_max_failures_per_account)?,
                account_window_secs: i64::try_from(settings.login_account_window_secs)?,
                per_address: i32::try_from(settings.login_max_failures_per_address)?,
                address_window_secs: i64::try_from(settings.login_address_window_secs)?,
            },
        })
    }
}

/// Mounts the auth routes.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        login::login,
        handlers::refresh,
        handlers::logout,
        handlers::me,
    );
}
