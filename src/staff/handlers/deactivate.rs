//! Deactivating a staff account.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::{map_user_error, require_manage};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::model::{self as tokens_db, Revoke};
use crate::error::AppError;
use crate::staff::model::{self as users, UserChanges};

/// Deactivates a staff account: the row stays, its sessions end at once. Deactivating an
/// inactive user changes nothing.
#[utoipa::path(
    delete,
    path = "/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deactivated"),
        (status = 403, description = "Not allowed (`forbidden`, `owner_management_forbidden`)"),
        (status = 404, description = "No such user in this agency"),
        (status = 409, description = "The last active owner (`last_owner`)"),
    )
)]
pub async fn deactivate_user(
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    let target = users::find(&mut conn, caller.agency_id, id).await?;
    require_manage(&caller, target.role)?;
    if !target.active {
        return Ok(HttpResponse::NoContent().finish());
    }
    let now = Utc::now();
    conn.transaction(async |conn| {
        users::lock_users(conn, caller.agency_id).await?;
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
