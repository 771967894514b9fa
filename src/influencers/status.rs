//! Host status: suspend, reinstate and terminate (`/v1/influencers/{id}/suspend`,
//! `/reinstate`, `DELETE /v1/influencers/{id}`). Every move carries a reason and is audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::dto::{InfluencerView, ReasonRequest, TerminateQuery};
use super::handlers::{load, respond};
use super::model::{self as influencers, Influencer, InfluencerChanges};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_reason;
use crate::domain::enums::{InfluencerStatus, VerificationState};
use crate::error::AppError;
use crate::json::Json;

fn invalid_transition(detail: String) -> AppError {
    AppError::Conflict {
        code: "invalid_transition",
        detail,
    }
}

/// Moves a host to `to` (with a reason) when its status is one of `from`.
async fn change_status(
    caller: &Caller,
    id: Uuid,
    from: &[InfluencerStatus],
    to: InfluencerStatus,
    reason: String,
    action: &str,
) -> Result<(Influencer, VerificationState), AppError> {
    let mut conn = caller.conn().await?;
    conn.transaction(async |conn| {
        let current = influencers::find_for_update(conn, caller.agency_id, id).await?;
        if !from.contains(&current.status) {
            return Err(invalid_transition(format!(
                "A {} host cannot become {to}.",
                current.status
            )));
        }
        let changes = InfluencerChanges {
            status: Some(to),
            status_reason: Some(Some(reason.clone())),
            status_changed_at: Some(Some(Utc::now())),
            ..InfluencerChanges::default()
        };
        let updated = influencers::update(conn, caller.agency_id, id, &changes).await?;
        let audit = Changes::new()
            .change("status", current.status, updated.status)
            .value("reason", &reason);
        caller.record(conn, action, "influencer", id, audit).await?;
        let identity_state = influencers::identity_state(conn, caller.agency_id, id).await?;
        Ok((updated, identity_state))
    })
    .await
}

/// Checks the reason and moves the host, answering the host as it now is.
async fn status_answer(
    caller: &Caller,
    id: Uuid,
    body: &ReasonRequest,
    from: &[InfluencerStatus],
    to: InfluencerStatus,
    action: &str,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Suspend)?;
    let reason = check_reason(&body.reason)?;
    let (row, identity_state) = change_status(caller, id, from, to, reason, action).await?;
    Ok(respond(StatusCode::OK, row, identity_state))
}

/// Suspends an active host at once (e.g. a tax investigation): no new sessions, no going live.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/suspend", tag = "influencers", security(("bearer" = [])),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "The suspended host", body = InfluencerView),
        (status = 409, description = "Not active (`invalid_transition`)"),
    )
)]
pub async fn suspend_influencer(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    let (from, to) = ([InfluencerStatus::Active], InfluencerStatus::Suspended);
    status_answer(&caller, *id, &body, &from, to, "influencer.suspend").await
}

/// Reinstates a suspended host.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/reinstate", tag = "influencers", security(("bearer" = [])),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "The active host", body = InfluencerView),
        (status = 409, description = "Not suspended (`invalid_transition`)"),
    )
)]
pub async fn reinstate_influencer(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    let (from, to) = ([InfluencerStatus::Suspended], InfluencerStatus::Active);
    status_answer(&caller, *id, &body, &from, to, "influencer.reinstate").await
}

/// Terminates a host. The row and its history stay; a terminated host cannot come back.
#[utoipa::path(
    delete, path = "/v1/influencers/{id}", tag = "influencers", security(("bearer" = [])),
    params(TerminateQuery),
    responses(
        (status = 204, description = "Terminated"),
        (status = 404, description = "No such host in this agency"),
    )
)]
pub async fn terminate_influencer(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<TerminateQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let reason = match query.into_inner().reason {
        Some(reason) => check_reason(&reason)?,
        None => "terminated".to_owned(),
    };
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    if load(&mut conn, &caller, id).await?.status == InfluencerStatus::Terminated {
        return Ok(HttpResponse::NoContent().finish());
    }
    drop(conn);
    change_status(
        &caller,
        id,
        &[InfluencerStatus::Active, InfluencerStatus::Suspended],
        InfluencerStatus::Terminated,
        reason,
        "influencer.terminate",
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
