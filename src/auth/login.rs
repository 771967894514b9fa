//! The login handler (`/v1/auth/login`) and its limits on failed attempts.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use uuid::Uuid;

use super::ThrottleLimits;
use super::dto::{LoginRequest, TokenResponse};
use super::handlers::{audit_for, issue_pair};
use super::model as tokens_db;
use super::password::BUSY_OR_UNAVAILABLE;
use super::rejections::invalid_credentials;
use crate::audit::model::Changes;
use crate::error::AppError;
use crate::json::Json;
use crate::staff::model as users;
use crate::state::AppState;
use crate::telemetry::RequestId;

fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    let info = req.connection_info();
    let address = if trust_forwarded_for {
        info.realip_remote_addr().map(str::to_owned)
    } else {
        req.peer_addr().map(|addr| addr.ip().to_string())
    };
    let address = address.unwrap_or_else(|| "unknown".to_owned());
    // `realip_remote_addr` may carry a port.
    match address.parse::<std::net::SocketAddr>() {
        Ok(socket) => socket.ip().to_string(),
        Err(_) => address,
    }
}

fn throttled(window_started_at: DateTime<Utc>, window_secs: i64, now: DateTime<Utc>) -> AppError {
    let ends = window_started_at + Duration::seconds(window_secs);
    let wait = (ends - now).num_seconds().max(1);
    AppError::TooManyRequests {
        retry_after_secs: u64::try_from(wait).unwrap_or(1),
    }
}

/// Counts this attempt against the account and the address; refuses when either is over its
/// limit. The attempt is taken back if the login succeeds.
async fn count_login_attempt(
    conn: &mut AsyncPgConnection,
    limits: ThrottleLimits,
    account_key: &str,
    address_key: &str,
) -> Result<(), AppError> {
    let now = Utc::now();
    let (account, account_start) =
        tokens_db::count_attempt(conn, account_key, limits.account_window_secs).await?;
    let (address, address_start) =
        tokens_db::count_attempt(conn, address_key, limits.address_window_secs).await?;
    if account > limits.per_account {
        return Err(throttled(account_start, limits.account_window_secs, now));
    }
    if address > limits.per_address {
        return Err(throttled(address_start, limits.address_window_secs, now));
    }
    Ok(())
}

/// Exchanges email and password for an access token and a refresh token. Failed attempts are
/// limited per account and per client address (429 with `Retry-After`).
#[utoipa::path(
    post,
    path = "/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens", body = TokenResponse),
        (status = 401, description = "Wrong email or password (`invalid_credentials`), the same for unknown emails"),
        (status = 429, description = "Too many failed attempts; see `Retry-After`"),
        (status = 503, description = BUSY_OR_UNAVAILABLE),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    request_id: RequestId,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let LoginRequest { email, password } = body.into_inner();
    let auth = &state.auth;
    let email = email.trim().to_owned();
    // Over-long input is refused before any hashing (and says nothing about the account).
    if email.len() > 254 || password.chars().count() > super::password::MAX_LENGTH {
        return Err(invalid_credentials());
    }
    // A place in the hashing queue first: a login refused as `busy` has counted nothing.
    let admitted = auth.passwords.admit()?;
    let account_key = format!("account:{}", email.to_lowercase());
    let address_key = format!(
        "address:{}",
        client_address(&req, state.settings.server.trust_forwarded_for)
    );
    let mut conn = state.conn().await?;
    count_login_attempt(&mut conn, auth.throttle, &account_key, &address_key).await?;
    let user = users::find_by_email(&mut conn, &email).await?;
    // The connection goes back to the pool while the password is checked, so that a login
    // flood waiting for the hashing threads never holds the connections other requests need.
    drop(conn);

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = admitted.verify(password, stored).await?;
    let user = match user {
        Some(user) if matches && user.active => user,
        _ => return Err(invalid_credentials()),
    };

    let mut conn = state.conn().await?;
    let now = Utc::now();
    let tokens = conn
        .transaction(async |conn| {
            tokens_db::uncount_attempt(conn, &account_key).await?;
            tokens_db::uncount_attempt(conn, &address_key).await?;
            let family_id = Uuid::now_v7();
            let tokens = issue_pair(conn, auth, &user, family_id, now).await?;
            audit_for(&user, &request_id)
                .record(conn, "auth.login", "user", Some(user.id), Changes::new())
                .await?;
            Ok::<_, AppError>(tokens)
        })
        .await?;
    Ok(HttpResponse::Ok().json(tokens))
}
