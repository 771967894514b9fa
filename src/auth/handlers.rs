//! Handlers of `/v1/auth/*` and `/v1/me` (login is in [`super::login`]), and the token pair
//! and audit context they share.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use uuid::Uuid;

use super::AuthServices;
use super::caller::Caller;
use super::dto::{MeResponse, RefreshRequest, TokenResponse};
use super::model::{self as tokens_db, RefreshToken, Revoke};
use super::rejections::invalid_refresh_token;
use super::tokens::{new_refresh_token, parse_refresh_token};
use crate::agencies::model as agencies;
use crate::audit::model::{AuditContext, Changes};
use crate::error::AppError;
use crate::json::Json;
use crate::staff::dto::UserView;
use crate::staff::model::{self as users, User};
use crate::state::AppState;
use crate::telemetry::RequestId;

/// Starts a token family for `user` and answers the pair. Runs inside the caller's transaction.
pub(super) async fn issue_pair(
    conn: &mut AsyncPgConnection,
    auth: &AuthServices,
    user: &User,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<TokenResponse, AppError> {
    let access_token =
        auth.access
            .issue(user.id, user.agency_id, user.role, user.auth_version, now)?;
    let refresh_token = new_refresh_token(user.agency_id)?;
    let (_, token_hash) = parse_refresh_token(&refresh_token)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a new refresh token does not parse")))?;
    tokens_db::insert(
        conn,
        &RefreshToken {
            agency_id: user.agency_id,
            id: Uuid::now_v7(),
            family_id,
            user_id: user.id,
            token_hash,
            expires_at: now + Duration::seconds(auth.refresh_ttl_secs),
            used_at: None,
            revoked_at: None,
            created_at: now,
        },
    )
    .await?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: auth.access.ttl_secs,
    })
}

/// The audit context of a request acting as `user_id` of `agency_id`.
fn audit_as(agency_id: Uuid, user_id: Uuid, request_id: &RequestId) -> AuditContext {
    AuditContext {
        agency_id,
        actor_id: Some(user_id),
        request_id: Some(request_id.0.clone()),
    }
}

/// The audit context of a request acting as `user`.
pub(super) fn audit_for(user: &User, request_id: &RequestId) -> AuditContext {
    audit_as(user.agency_id, user.id, request_id)
}

/// Spends a refresh token for a new pair. A token that was already spent revokes its whole
/// family: somebody else has a copy.
#[utoipa::path(
    post,
    path = "/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access token and refresh token", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token (`invalid_refresh_token`)"),
    )
)]
pub async fn refresh(
    state: web::Data<AppState>,
    request_id: RequestId,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let (agency_id, hash) =
        parse_refresh_token(body.refresh_token.trim()).ok_or_else(invalid_refresh_token)?;
    let auth = &state.auth;
    let mut conn = state.conn().await?;
    let now = Utc::now();
    // The reuse revocation must stick even though the request fails, so the transaction
    // answers what to do and the refusal comes after the commit.
    let outcome = conn
        .transaction(async |conn| {
            let Some(token) = tokens_db::find_for_update(conn, agency_id, &hash).await? else {
                return Ok::<_, AppError>(Err(invalid_refresh_token()));
            };
            if token.used_at.is_some() {
                let revoked =
                    tokens_db::revoke(conn, agency_id, Revoke::Family(token.family_id), now)
                        .await?;
                audit_as(agency_id, token.user_id, &request_id)
                    .record(
                        conn,
                        "auth.refresh_reuse",
                        "user",
                        Some(token.user_id),
                        Changes::new().value("revoked_tokens", revoked),
                    )
                    .await?;
                return Ok(Err(invalid_refresh_token()));
            }
            if token.revoked_at.is_some() || token.expires_at <= now {
                return Ok(Err(invalid_refresh_token()));
            }
            let user = users::find(conn, agency_id, token.user_id).await?;
            if !user.active {
                return Ok(Err(invalid_refresh_token()));
            }
            tokens_db::mark_used(conn, agency_id, token.id, now).await?;
            let tokens = issue_pair(conn, auth, &user, token.family_id, now).await?;
            audit_for(&user, &request_id)
                .record(conn, "auth.refresh", "user", Some(user.id), Changes::new())
                .await?;
            Ok(Ok(tokens))
        })
        .await?;
    Ok(HttpResponse::Ok().json(outcome?))
}

/// Revokes the presented refresh token (and the rest of its family). Answers 204 whether or not
/// the token was still live, so logging out twice is harmless.
#[utoipa::path(
    post,
    path = "/v1/auth/logout",
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out"))
)]
pub async fn logout(
    state: web::Data<AppState>,
    request_id: RequestId,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let Some((agency_id, hash)) = parse_refresh_token(body.refresh_token.trim()) else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let mut conn = state.conn().await?;
    let now = Utc::now();
    conn.transaction(async |conn| {
        if let Some(token) = tokens_db::find_for_update(conn, agency_id, &hash).await? {
            let revoked =
                tokens_db::revoke(conn, agency_id, Revoke::Family(token.family_id), now).await?;
            if revoked > 0 {
                audit_as(agency_id, token.user_id, &request_id)
                    .record(
                        conn,
                        "auth.logout",
                        "user",
                        Some(token.user_id),
                        Changes::new(),
                    )
                    .await?;
            }
        }
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller and their agency.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = MeResponse),
        (status = 401, description = "No valid access token"),
    )
)]
pub async fn me(caller: Caller) -> Result<HttpResponse, AppError> {
    let mut conn = caller.conn().await?;
    let user = users::find(&mut conn, caller.agency_id, caller.user_id).await?;
    let agency = agencies::find(&mut conn, caller.agency_id).await?;
    Ok(HttpResponse::Ok().json(MeResponse {
        user: UserView::from(user),
        agency,
    }))
}
