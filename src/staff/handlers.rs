//! Handlers of `/v1/users`: staff accounts, roles, deactivation and password changes.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::dto::{CreateUserRequest, UpdateUserRequest, UserListQuery, UserView};
use super::email::Email;
use super::model::{self as users, NewUser, User, UserChanges, UserFilter};
use crate::agencies::signup::email_taken;
use crate::audit::model::{Changes, REDACTED};
use crate::auth::caller::Caller;
use crate::auth::model::{self as tokens_db, Revoke};
use crate::auth::password::{BUSY_OR_UNAVAILABLE, check_new_password};
use crate::auth::roles::{Capability, Role};
use crate::domain::check_text;
use crate::error::{AppError, FieldError};
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

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
        DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, info)
            if info.constraint_name() == Some("users_last_active_owner") =>
        {
            last_owner()
        }
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

fn user_response(status: actix_web::http::StatusCode, user: User) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(user.version));
    if status == actix_web::http::StatusCode::CREATED {
        response.insert_header(("Location", format!("/v1/users/{}", user.id)));
    }
    response.json(UserView::from(user))
}

/// The agency's staff, oldest first.
#[utoipa::path(
    get,
    path = "/v1/users",
    tag = "users",
    security(("bearer" = [])),
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<UserView>),
        (status = 401, description = "No valid access token"),
    )
)]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let filter = UserFilter {
        role: query.role,
        active: query.active,
    };
    let mut conn = caller.conn(&state).await?;
    let rows = users::list(
        &mut conn,
        caller.agency_id,
        &filter,
        page.after,
        page.fetch_limit(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |u| u.id, UserView::from)))
}

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
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, AppError> {
    require_manage(&caller, body.role)?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    let email = Email::parse("email", &body.email)
        .map_err(|e| errors.push(e))
        .ok();
    let display_name = check_text("display_name", &body.display_name, 1, 200)
        .map_err(|e| errors.push(e))
        .ok();
    if let Err(error) = check_new_password("password", &body.password) {
        errors.push(error);
    }
    let (Some(email), Some(display_name), true) = (email, display_name, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let password_hash = state.auth.passwords.hash(body.password).await?;
    let mut conn = caller.conn(&state).await?;
    let user = conn
        .transaction(async |conn| {
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
    Ok(user_response(actix_web::http::StatusCode::CREATED, user))
}

/// One staff account of the agency.
#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 404, description = "No such user in this agency"),
    )
)]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn(&state).await?;
    let user = users::find(&mut conn, caller.agency_id, id.into_inner()).await?;
    Ok(user_response(actix_web::http::StatusCode::OK, user))
}

/// Changes display name, role or password. A role or password change ends the user's existing
/// sessions at once. `If-Match` with a stale version is 412.
#[utoipa::path(
    patch,
    path = "/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when the user changed since"),
    ),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The updated user", body = UserView),
        (status = 403, description = "Not allowed (`forbidden`, `owner_management_forbidden`)"),
        (status = 404, description = "No such user in this agency"),
        (status = 409, description = "Would leave no active owner (`last_owner`)"),
        (status = 412, description = "Stale `If-Match`"),
        (status = 422, description = "Invalid fields, wrong current password (`validation_failed`)"),
        (status = 503, description = BUSY_OR_UNAVAILABLE),
    )
)]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let is_self = id == caller.user_id;
    let mut conn = caller.conn(&state).await?;
    let target = users::find(&mut conn, caller.agency_id, id).await?;
    if_match.check(target.version)?;

    // Who may change what.
    if body.role.is_some() {
        require_manage(&caller, target.role)?;
        if body.role == Some(Role::Owner) && caller.role != Role::Owner {
            return Err(owner_management_forbidden());
        }
    }
    let asks_nothing =
        body.role.is_none() && body.display_name.is_none() && body.password.is_none();
    if !is_self && (asks_nothing || body.display_name.is_some() || body.password.is_some()) {
        // An empty PATCH is still checked: it must not tell a caller more than a real one.
        require_manage(&caller, target.role)?;
    }

    let mut errors = Vec::new();
    let display_name = body
        .display_name
        .as_deref()
        .map(|name| check_text("display_name", name, 1, 200))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
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
        if let Err(error) = check_new_password("password", password) {
            errors.push(error);
        }
        if is_self && body.current_password.is_none() {
            errors.push(FieldError::new(
                "current_password",
                "required",
                "changing your own password needs your current password",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    if let (true, Some(_), Some(current)) = (is_self, &body.password, body.current_password.clone())
    {
        let ok = state
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
        Some(password) => Some(state.auth.passwords.hash(password).await?),
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
            if role.is_none() && display_name.is_none() && password_hash.is_none() {
                // Nothing to change: no new version, no audit event.
                return Ok(current);
            }
            let revoke = role.is_some() || password_hash.is_some();
            let changes = UserChanges {
                display_name,
                role,
                password_hash: password_hash.clone(),
                ..UserChanges::default()
            };
            let updated = users::update(conn, caller.agency_id, id, &changes, revoke)
                .await
                .map_err(map_user_error)?;
            if revoke {
                tokens_db::revoke(conn, caller.agency_id, Revoke::User(id), now).await?;
            }
            let mut audit = Changes::new()
                .change("display_name", &current.display_name, &updated.display_name)
                .change("role", current.role, updated.role);
            if password_hash.is_some() {
                audit = audit.redacted("password");
            }
            caller
                .record(conn, "user.update", "user", id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(user_response(actix_web::http::StatusCode::OK, updated))
}

/// Deactivates a staff account: the row stays, its sessions end at once. Deactivating an
/// inactive user changes nothing.
#[utoipa::path(
    delete,
    path = "/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "Deactivated"),
        (status = 403, description = "Not allowed (`forbidden`, `owner_management_forbidden`)"),
        (status = 404, description = "No such user in this agency"),
        (status = 409, description = "The last active owner (`last_owner`)"),
    )
)]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut conn = caller.conn(&state).await?;
    let target = users::find(&mut conn, caller.agency_id, id).await?;
    require_manage(&caller, target.role)?;
    if !target.active {
        return Ok(HttpResponse::NoContent().finish());
    }
    let now = Utc::now();
    conn.transaction(async |conn| {
        let changes = UserChanges {
            active: Some(false),
            deactivated_at: Some(Some(now)),
            ..UserChanges::default()
        };
        users::update(conn, caller.agency_id, id, &changes, true)
            .await
            .map_err(map_user_error)?;
        tokens_db::revoke(conn, caller.agency_id, Revoke::User(id), now).await?;
        caller
            .record(
                conn,
                "user.deactivate",
                "user",
                id,
                Changes::new().change("active", true, false),
            )
            .await?;
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
