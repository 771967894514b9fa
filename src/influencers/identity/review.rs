//! Reviewing a host's identity: verify (four eyes: never its submitter) and reject, from
//! `pending` (or, for rejection, `verified`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use uuid::Uuid;

use super::{Identity, IdentityView, find_for_update, identity_response};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_reason;
use crate::domain::enums::VerificationState;
use crate::error::AppError;
use crate::influencers::dto::ReasonRequest;
use crate::influencers::handlers::load;
use crate::json::Json;
use crate::schema::identities;

/// Applies a review decision to a pending (or, for rejection, verified) identity.
async fn review(
    caller: &Caller,
    id: Uuid,
    decision: VerificationState,
    reason: Option<String>,
) -> Result<Identity, AppError> {
    caller.require(Capability::Verify)?;
    let mut conn = caller.conn().await?;
    load(&mut conn, caller, id).await?;
    conn.transaction(async |conn| {
        let current = find_for_update(conn, caller.agency_id, id).await?;
        let allowed_from: &[VerificationState] = match decision {
            VerificationState::Verified => &[VerificationState::Pending],
            _ => &[VerificationState::Pending, VerificationState::Verified],
        };
        if !allowed_from.contains(&current.verification_state) {
            return Err(AppError::Conflict {
                code: "invalid_transition",
                detail: format!(
                    "The identity is {}; it cannot become {decision}.",
                    current.verification_state
                ),
            });
        }
        if decision == VerificationState::Verified && current.submitted_by == caller.user_id {
            return Err(AppError::Forbidden {
                code: "four_eyes_required",
                detail: "Whoever submitted an identity cannot verify it; ask a colleague."
                    .to_owned(),
            });
        }
        let now = Utc::now();
        let saved = diesel::update(identities::table.find((caller.agency_id, id)))
            .set((
                identities::verification_state.eq(decision),
                identities::reviewed_by.eq(Some(caller.user_id)),
                identities::reviewed_at.eq(Some(now)),
                identities::rejection_reason.eq(reason.clone()),
                identities::version.eq(identities::version + 1),
            ))
            .returning(Identity::as_returning())
            .get_result(conn)
            .await?;
        let mut changes =
            Changes::new().change("verification_state", current.verification_state, decision);
        if let Some(reason) = &reason {
            changes = changes.value("reason", reason);
        }
        let action = if decision == VerificationState::Verified {
            "identity.verify"
        } else {
            "identity.reject"
        };
        caller
            .record(conn, action, "influencer", id, changes)
            .await?;
        let event = if decision == VerificationState::Verified {
            crate::webhooks::EventType::IdentityVerified
        } else {
            crate::webhooks::EventType::IdentityRejected
        };
        crate::webhooks::emit(
            conn,
            caller.agency_id,
            event,
            crate::webhooks::events::identity(&saved),
        )
        .await?;
        Ok(saved)
    })
    .await
}

/// Verifies a pending identity (owner, admin, compliance; not its submitter).
#[utoipa::path(
    post, path = "/v1/influencers/{id}/identity/verify", tag = "identity", security(("bearer" = [])),
    responses(
        (status = 200, description = "Verified", body = IdentityView),
        (status = 403, description = "Role not allowed, or the caller submitted it (`four_eyes_required`)"),
        (status = 409, description = "Not pending, e.g. erased (`invalid_transition`)"),
    )
)]
pub async fn verify_identity(
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = review(&caller, id.into_inner(), VerificationState::Verified, None).await?;
    let mut conn = caller.conn().await?;
    identity_response(&mut conn, &caller, StatusCode::OK, row).await
}

/// Rejects a pending identity, or revokes a verified one, with a reason.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/identity/reject", tag = "identity", security(("bearer" = [])),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Rejected", body = IdentityView),
        (status = 403, description = "The caller's role may not review identities"),
        (status = 409, description = "Already rejected, or erased (`invalid_transition`)"),
    )
)]
pub async fn reject_identity(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    let reason = check_reason(&body.reason)?;
    let row = review(
        &caller,
        id.into_inner(),
        VerificationState::Rejected,
        Some(reason),
    )
    .await?;
    let mut conn = caller.conn().await?;
    identity_response(&mut conn, &caller, StatusCode::OK, row).await
}
