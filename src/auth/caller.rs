//! The caller of a request: the bearer token checked, then the user re-read so that a
//! deactivation or role change takes effect on the very next request.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::rejections::{token_revoked, unauthorized};
use super::roles::{Capability, Role};
use super::tokens::TokenRejection;
use crate::audit::model::{AuditContext, Changes};
use crate::db::DbConn;
use crate::error::AppError;
use crate::staff::model as users;
use crate::state::AppState;
use crate::telemetry::RequestId;

/// The authenticated staff member behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub agency_id: Uuid,
    pub role: Role,
    pub request_id: String,
    /// The connection the caller was checked on, handed to the handler by [`Caller::conn`].
    checked_on: HeldConn,
    /// The service's shared state, for the handler ([`Caller::state`]).
    state: SharedState,
}

/// The shared state as the caller carries it.
#[derive(Clone)]
struct SharedState(web::Data<AppState>);

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppState")
    }
}

/// A pooled connection kept for the handler; back to the pool when the caller is dropped.
#[derive(Clone, Default)]
struct HeldConn(Arc<Mutex<Option<DbConn>>>);

impl std::fmt::Debug for HeldConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeldConn")
    }
}

impl Caller {
    /// A connection for the handler: the one the caller was just checked on (so a request
    /// takes one connection from the pool, not two), or a fresh one when it was taken already.
    pub async fn conn(&self) -> Result<DbConn, AppError> {
        let held = match self.checked_on.0.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        match held {
            Some(conn) => Ok(conn),
            None => self.state.0.conn().await,
        }
    }

    /// The service's shared state (settings, services, the pool).
    pub fn state(&self) -> &AppState {
        &self.state.0
    }

    /// Refuses with 403 unless the caller's role allows `capability`.
    pub fn require(&self, capability: Capability) -> Result<(), AppError> {
        if self.role.can(capability) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                code: "forbidden",
                detail: format!("The {} role may not {}.", self.role, capability.describe()),
            })
        }
    }

    /// The audit context of this caller's request.
    pub fn audit(&self) -> AuditContext {
        AuditContext {
            agency_id: self.agency_id,
            actor_id: Some(self.user_id),
            request_id: Some(self.request_id.clone()),
        }
    }

    /// Appends an audit event for this caller (inside the mutation's transaction).
    pub async fn record(
        &self,
        conn: &mut AsyncPgConnection,
        action: &str,
        entity_type: &str,
        entity_id: Uuid,
        changes: Changes,
    ) -> Result<(), AppError> {
        self.audit()
            .record(conn, action, entity_type, Some(entity_id), changes)
            .await?;
        Ok(())
    }
}

fn bearer(req: &HttpRequest) -> Result<String, AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(unauthorized(TokenRejection::Missing))?;
    let text = value
        .to_str()
        .map_err(|_| unauthorized(TokenRejection::Invalid))?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or(unauthorized(TokenRejection::Invalid))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(unauthorized(TokenRejection::Invalid));
    }
    Ok(token.trim().to_owned())
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        // A request with a body keeps no connection while the body arrives (an import may take
        // minutes to upload); one without goes on with the connection it was checked on.
        let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
            || req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_some_and(|len| len.as_bytes() != b"0");
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_default();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
            let claims = state.auth.access.verify(&token?).map_err(unauthorized)?;
            let mut conn = state.conn().await?;
            let current = users::auth_state(&mut conn, claims.agency, claims.sub).await?;
            match current {
                Some((role, true, version)) if version == claims.ver && role == claims.role => {
                    Ok(Caller {
                        user_id: claims.sub,
                        agency_id: claims.agency,
                        role,
                        request_id,
                        checked_on: HeldConn(Arc::new(Mutex::new((!has_body).then_some(conn)))),
                        state: SharedState(state),
                    })
                }
                _ => Err(token_revoked()),
            }
        })
    }
}
