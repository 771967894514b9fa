//! `POST /v1/auth/signup`: a new agency and its first owner.

use actix_web::{HttpResponse, web};

use super::dto::{SignupRequest, SignupResponse};
use super::signup::{NewAgency, create_agency_with_owner};
use crate::auth::password::BUSY_OR_UNAVAILABLE;
use crate::error::AppError;
use crate::json::Json;
use crate::staff::dto::UserView;
use crate::state::AppState;
use crate::telemetry::RequestId;

/// Creates an agency and its first owner. Can be switched off (`server.signup_enabled`).
#[utoipa::path(
    post,
    path = "/v1/auth/signup",
    tag = "auth",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "The agency and its owner", body = SignupResponse),
        (status = 403, description = "Sign-up is switched off (`signup_disabled`)"),
        (status = 409, description = "The email is taken (`email_taken`)"),
        (status = 422, description = "Invalid fields (`validation_failed`)"),
        (status = 503, description = BUSY_OR_UNAVAILABLE),
    )
)]
pub async fn signup(
    state: web::Data<AppState>,
    request_id: RequestId,
    body: Json<SignupRequest>,
) -> Result<HttpResponse, AppError> {
    if !state.settings.server.signup_enabled {
        return Err(AppError::Forbidden {
            code: "signup_disabled",
            detail: "Sign-up is switched off on this server.".to_owned(),
        });
    }
    let body = body.into_inner();
    let mut conn = state.conn().await?;
    let (agency, owner) = create_agency_with_owner(
        &mut conn,
        &state.auth.passwords,
        NewAgency {
            agency_name: body.agency_name,
            email: body.email,
            password: body.password,
            display_name: body.display_name,
            time_zone: body.time_zone,
        },
        Some(request_id.0),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/users/{}", owner.id)))
        .json(SignupResponse {
            agency,
            user: UserView::from(owner),
        }))
}
