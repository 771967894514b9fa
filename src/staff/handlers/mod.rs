//! Handlers of `/v1/users`: staff accounts, roles, deactivation and password changes, one
//! module per verb; what they share is here.

pub mod create;
pub mod deactivate;
pub mod read;
pub mod update;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::dto::UserView;
use super::email::email_taken;
use super::model::User;
use crate::auth::caller::Caller;
use crate::auth::roles::{Capability, Role};
use crate::error::{AppError, refused_by};
use crate::etag::etag;

fn owner_management_forbidden() -> AppError {
    AppError::Forbidden {
        code: "owner_management_forbidden",
        detail: "Only owners may create, change or deactivate owners.".to_owned(),
    }
}

fn last_owner() -> AppError {
    AppError::Conflict {
        code: "last_owner",
        detail: "The agency's last active owner cannot be removed or demoted.".to_owned(),
    }
}

/// Database refusals these handlers turn into their own answers.
fn map_user_error(error: DieselError) -> AppError {
    match &error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => email_taken(),
        _ if refused_by(&error, "users_last_active_owner") => last_owner(),
        _ => error.into(),
    }
}

/// Whether `caller` may manage `target_role` (admins may not touch owners).
fn require_manage(caller: &Caller, target_role: Role) -> Result<(), AppError> {
    caller.require(Capability::ManageUsers)?;
    if target_role == Role::Owner && caller.role != Role::Owner {
        return Err(owner_management_forbidden());
    }
    Ok(())
}

/// The user as answered, with its ETag (and its `Location` when just created).
fn user_response(status: StatusCode, user: User) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(user.version));
    if status == StatusCode::CREATED {
        response.insert_header(("Location", format!("/v1/users/{}", user.id)));
    }
    response.json(UserView::from(user))
}
