//! Creating a staff account.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::{map_user_error, require_manage, user_response};
use crate::audit::model::{Changes, REDACTED};
use crate::auth::caller::Caller;
use crate::auth::password::{BUSY_OR_UNAVAILABLE, check_new_password};
use crate::domain::{Collect, check_text};
use crate::error::AppError;
use crate::json::Json;
use crate::staff::dto::{CreateUserRequest, UserView};
use crate::staff::email::Email;
use crate::staff::model::{self as users, NewUser};

/// Creates a staff account (owners and admins; only owners create owners).
#[utoipa::path(
    post,
    path = "/v1/users",
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "The new user", body = UserView),
        (status = 403, description = "Role not allowed (`forbidden`, `owner_management_forbidden`)"),
        (status = 409, description = "Email taken (`email_taken`)"),
        (status = 422, description = "Invalid fields (`validation_failed`)"),
        (status = 503, description = BUSY_OR_UNAVAILABLE),
    )
)]
pub async fn create_user(
    caller: Caller,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, AppError> {
    require_manage(&caller, body.role)?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    let email = errors.check(Email::parse("email", &body.email));
    let display_name = errors.check(check_text("display_name", &body.display_name, 1, 200));
    errors.check(check_new_password("password", &body.password));
    let (Some(email), Some(display_name), true) = (email, display_name, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let password_hash = caller.state().auth.passwords.hash(body.password).await?;
    let mut conn = caller.conn().await?;
    let user = conn
        .transaction(async |conn| {
            users::lock_users(conn, caller.agency_id).await?;
            let user = users::insert(
                conn,
                &NewUser {
                    id: Uuid::now_v7(),
                    agency_id: caller.agency_id,
                    email: email.as_str(),
                    password_hash: &password_hash,
                    display_name: &display_name,
                    role: body.role,
                },
            )
            .await
            .map_err(map_user_error)?;
            let changes = Changes::new()
                .value("email", email.masked())
                .value("display_name", &user.display_name)
                .value("role", user.role)
                .value("password", REDACTED);
            caller
                .record(conn, "user.create", "user", user.id, changes)
                .await?;
            Ok::<_, AppError>(user)
        })
        .await?;
    Ok(user_response(StatusCode::CREATED, user))
}
