//! Reading staff accounts: the list and one account.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::user_response;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::staff::dto::{UserListQuery, UserView};
use crate::staff::model::{self as users, UserFilter};

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
    caller: Caller,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let filter = UserFilter {
        role: query.role,
        active: query.active,
    };
    let mut conn = caller.conn().await?;
    let rows = users::list(&mut conn, caller.agency_id, &filter, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |u| u.id, UserView::from)))
}

/// One staff account of the agency.
#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 404, description = "No such user in this agency"),
    )
)]
pub async fn get_user(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    let user = users::find(&mut conn, caller.agency_id, id.into_inner()).await?;
    Ok(user_response(StatusCode::OK, user))
}
