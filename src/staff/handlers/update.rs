//! Changing a staff account: display name, role, password, email, and (de)activation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::{map_user_error, owner_management_forbidden, require_manage, user_response};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::model::{self as tokens_db, Revoke};
use crate::auth::password::{BUSY_OR_UNAVAILABLE, check_new_password};
use crate::auth::roles::Role;
use crate::domain::{Collect, check_text};
use crate::error::{AppError, FieldError};
use crate::etag::IfMatch;
use crate::json::Json;
use crate::staff::dto::{UpdateUserRequest, UserView};
use crate::staff::email::{Email, mask_email};
use crate::staff::model::{self as users, UserChanges};

/// Changes display name, role, password or email, or (de)activates the user. A role or
/// password change, and a deactivation (`active: false`, as `DELETE` does), end the user's
/// existing sessions at once; `active: true` reactivates a deactivated user. An email is
/// normalised as at sign-up and unique across the service (409 `email_taken`). Changing one's
/// own password or email needs `current_password`. `If-Match` with a stale version is 412.
#[utoipa::path(
    patch,
    path = "/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(
        ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when the user changed since"),
    ),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The updated user", body = UserView),
        (status = 403, description = "Not allowed (`forbidden`, `owner_management_forbidden`)"),
        (status = 404, description = "No such user in this agency"),
        (status = 409, description = "Would leave no active owner (`last_owner`), or the email is taken (`email_taken`)"),
        (status = 422, description = "Invalid fields, wrong current password (`validation_failed`)"),
        (status = 503, description = BUSY_OR_UNAVAILABLE),
    )
)]
pub async fn update_user(
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let is_self = id == caller.user_id;
    let mut conn = caller.conn().await?;
    let target = users::find(&mut conn, caller.agency_id, id).await?;
    if_match.check(target.version)?;

    // Who may change what.
    if body.role.is_some() || body.active.is_some() {
        require_manage(&caller, target.role)?;
        if body.role == Some(Role::Owner) && caller.role != Role::Owner {
            return Err(owner_management_forbidden());
        }
    }
    let asks_nothing = body.role.is_none()
        && body.display_name.is_none()
        && body.password.is_none()
        && body.email.is_none()
        && body.active.is_none();
    if !is_self
        && (asks_nothing
            || body.display_name.is_some()
            || body.password.is_some()
            || body.email.is_some())
    {
        // An empty PATCH is still checked: it must not tell a caller more than a real one.
        require_manage(&caller, target.role)?;
    }

    let mut errors = Vec::new();
    let display_name = errors
        .check(
            body.display_name
                .as_deref()
                .map(|name| check_text("display_name", name, 1, 200))
                .transpose(),
        )
        .flatten();
    if body
        .current_password
        .as_ref()
        .is_some_and(|current| current.chars().count() > crate::auth::password::MAX_LENGTH)
    {
        errors.push(FieldError::new(
            "current_password",
            "invalid_length",
            "a password has at most 128 characters",
        ));
    }
    if let Some(password) = &body.password {
        errors.check(check_new_password("password", password));
    }
    let email = errors
        .check(
            body.email
                .as_deref()
                .map(|email| Email::parse("email", email))
                .transpose(),
        )
        .flatten();
    let needs_current = body.password.is_some() || body.email.is_some();
    if is_self && needs_current && body.current_password.is_none() {
        errors.push(FieldError::new(
            "current_password",
            "required",
            "changing your own password or email needs your current password",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    if let (true, true, Some(current)) = (is_self, needs_current, body.current_password.clone()) {
        let ok = caller
            .state()
            .auth
            .passwords
            .verify(current, Some(target.password_hash.clone()))
            .await?;
        if !ok {
            return Err(AppError::validation(vec![FieldError::new(
                "current_password",
                "incorrect",
                "the current password is wrong",
            )]));
        }
    }
    let password_hash = match body.password {
        Some(password) => Some(caller.state().auth.passwords.hash(password).await?),
        None => None,
    };

    let now = Utc::now();
    let updated = conn
        .transaction(async |conn| {
            let current = users::find_for_update(conn, caller.agency_id, id).await?;
            if current.version != target.version {
                // Changed between the permission checks and now: let the client re-read.
                return Err(AppError::PreconditionFailed);
            }
            let role = body.role.filter(|role| *role != current.role);
            let display_name = display_name
                .clone()
                .filter(|name| *name != current.display_name);
            let email = email
                .as_ref()
                .map(|email| email.as_str().to_owned())
                .filter(|email| *email != current.email);
            let active = body.active.filter(|active| *active != current.active);
            if role.is_none()
                && display_name.is_none()
                && password_hash.is_none()
                && email.is_none()
                && active.is_none()
            {
                // Nothing to change: no new version, no audit event.
                return Ok(current);
            }
            let deactivates = active == Some(false);
            let revoke = role.is_some() || password_hash.is_some() || deactivates;
            let changes = UserChanges {
                email,
                display_name,
                role,
                password_hash: password_hash.clone(),
                active,
                // Deactivated now, or reactivated: as `DELETE` records it.
                deactivated_at: active.map(|active| (!active).then_some(now)),
            };
            let updated = users::update(conn, caller.agency_id, id, &changes, revoke)
                .await
                .map_err(map_user_error)?;
            if revoke {
                tokens_db::revoke(conn, caller.agency_id, Revoke::User(id), now).await?;
            }
            let mut audit = Changes::new()
                .change("display_name", &current.display_name, &updated.display_name)
                .change("role", current.role, updated.role)
                .change(
                    "email",
                    mask_email(&current.email),
                    mask_email(&updated.email),
                )
                .change("active", current.active, updated.active);
            if password_hash.is_some() {
                audit = audit.redacted("password");
            }
            caller
                .record(conn, "user.update", "user", id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(user_response(StatusCode::OK, updated))
}
