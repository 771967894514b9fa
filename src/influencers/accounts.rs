//! Platform accounts of a host: `/v1/influencers/{id}/platform-accounts`. An account that
//! sessions or sales refer to cannot be removed, only marked `banned`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::record::{self, HostRecord, HostTable, Stamp, host_table};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::{AccountStatus, Platform};
use crate::domain::{Collect, check_text};
use crate::error::{AppError, FieldError};
use crate::etag::IfMatch;
use crate::json::Json;
use crate::pagination::{Page, PageQuery};
use crate::schema::platform_accounts;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = platform_accounts)]
pub struct PlatformAccount {
    #[serde(skip)]
    pub agency_id: Uuid,
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub platform: Platform,
    pub handle: String,
    /// The platform's own id of the account; unique per platform within the agency.
    pub platform_user_id: String,
    pub followers: i64,
    pub verified: bool,
    pub status: AccountStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformAccountRequest {
    pub platform: Platform,
    #[schema(min_length = 1, max_length = 100)]
    pub handle: String,
    #[schema(min_length = 1, max_length = 100)]
    pub platform_user_id: String,
    #[schema(minimum = 0)]
    pub followers: Option<i64>,
    pub verified: Option<bool>,
    pub status: Option<AccountStatus>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformAccountPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub handle: Option<String>,
    #[schema(minimum = 0)]
    pub followers: Option<i64>,
    pub verified: Option<bool>,
    pub status: Option<AccountStatus>,
}

/// The columns a patch may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = platform_accounts)]
pub struct AccountChanges {
    handle: Option<String>,
    followers: Option<i64>,
    verified: Option<bool>,
    status: Option<AccountStatus>,
}

host_table!(PlatformAccount in platform_accounts, changed by AccountChanges);

fn map_account_error(error: DieselError) -> AppError {
    match &error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::Conflict {
            code: "platform_account_taken",
            detail: "This platform user id is already registered in the agency.".to_owned(),
        },
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            AppError::Conflict {
                code: "platform_account_in_use",
                detail: "Sessions or sales refer to this account; mark it banned instead."
                    .to_owned(),
            }
        }
        _ => error.into(),
    }
}

fn check_followers(followers: Option<i64>) -> Result<Option<i64>, AppError> {
    match followers {
        Some(n) if n < 0 => Err(AppError::validation(vec![FieldError::new(
            "followers",
            "out_of_range",
            "followers cannot be negative",
        )])),
        other => Ok(other),
    }
}

impl HostRecord for PlatformAccount {
    type Create = PlatformAccountRequest;
    type Patch = PlatformAccountPatch;
    type Checked = AccountChanges;

    const AUDIT_ENTITY: &'static str = "platform_account";
    const AUDIT_CREATE: &'static str = "platform_account.create";
    const AUDIT_UPDATE: &'static str = "platform_account.update";
    const PATH_SEGMENT: &'static str = "platform-accounts";

    fn new_row(body: PlatformAccountRequest, stamp: Stamp) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let handle = errors.check(check_text("handle", &body.handle, 1, 100));
        let platform_user_id = errors.check(check_text(
            "platform_user_id",
            &body.platform_user_id,
            1,
            100,
        ));
        let (Some(handle), Some(platform_user_id), true) =
            (handle, platform_user_id, errors.is_empty())
        else {
            return Err(AppError::validation(errors));
        };
        let followers = check_followers(body.followers)?.unwrap_or(0);
        Ok(Self {
            agency_id: stamp.agency_id,
            id: stamp.id,
            influencer_id: stamp.influencer_id,
            platform: body.platform,
            handle,
            platform_user_id,
            followers,
            verified: body.verified.unwrap_or(false),
            status: body.status.unwrap_or(AccountStatus::Active),
            version: 1,
            created_at: stamp.now,
            updated_at: stamp.now,
        })
    }

    fn check_patch(body: PlatformAccountPatch) -> Result<AccountChanges, AppError> {
        let handle = body
            .handle
            .as_deref()
            .map(|h| check_text("handle", h, 1, 100))
            .transpose()
            .map_err(|e| AppError::validation(vec![e]))?;
        Ok(AccountChanges {
            handle,
            followers: check_followers(body.followers)?,
            verified: body.verified,
            status: body.status,
        })
    }

    fn changes(_current: &Self, patch: AccountChanges) -> Result<AccountChanges, AppError> {
        Ok(patch)
    }

    fn created(&self) -> Changes {
        Changes::new()
            .value("platform", self.platform)
            .value("handle", &self.handle)
            .value("platform_user_id", &self.platform_user_id)
            .value("status", self.status)
    }

    fn updated(current: &Self, updated: &Self) -> Changes {
        Changes::new()
            .change("handle", &current.handle, &updated.handle)
            .change("followers", current.followers, updated.followers)
            .change("verified", current.verified, updated.verified)
            .change("status", current.status, updated.status)
    }

    fn insert_error(error: DieselError) -> AppError {
        map_account_error(error)
    }
}

/// The host's platform accounts.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/platform-accounts", tag = "platform accounts", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of the host's platform accounts", body = Page<PlatformAccount>))
)]
pub async fn list_accounts(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    record::handlers::list::<PlatformAccount>(caller, id, query).await
}

/// One platform account of the host.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/platform-accounts/{aid}", tag = "platform accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "The platform account", body = PlatformAccount),
        (status = 404, description = "No such platform account of this host"),
    )
)]
pub async fn get_account(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    record::handlers::get::<PlatformAccount>(caller, path).await
}

/// Registers a platform account of the host.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/platform-accounts", tag = "platform accounts", security(("bearer" = [])),
    request_body = PlatformAccountRequest,
    responses(
        (status = 201, description = "The account", body = PlatformAccount),
        (status = 409, description = "Platform user id already registered (`platform_account_taken`)"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn create_account(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlatformAccountRequest>,
) -> Result<HttpResponse, AppError> {
    record::handlers::create::<PlatformAccount>(caller, id, body).await
}

/// Changes handle, followers, verification or status (`banned` accounts do not count).
#[utoipa::path(
    patch, path = "/v1/influencers/{id}/platform-accounts/{aid}", tag = "platform accounts", security(("bearer" = [])),
    request_body = PlatformAccountPatch,
    responses(
        (status = 200, description = "The updated account", body = PlatformAccount),
        (status = 404, description = "No such account of this host"),
    )
)]
pub async fn update_account(
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<PlatformAccountPatch>,
) -> Result<HttpResponse, AppError> {
    record::handlers::update::<PlatformAccount>(caller, if_match, path, body).await
}

/// Removes an account registered by mistake. One that sessions or sales refer to stays
/// (409 `platform_account_in_use`): mark it `banned` instead.
#[utoipa::path(
    delete, path = "/v1/influencers/{id}/platform-accounts/{aid}", tag = "platform accounts", security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such account of this host"),
        (status = 409, description = "In use (`platform_account_in_use`)"),
    )
)]
pub async fn delete_account(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let (id, account_id) = path.into_inner();
    let mut conn = caller.conn().await?;
    conn.transaction(async |conn| {
        let current = PlatformAccount::find(conn, caller.agency_id, id, account_id, true).await?;
        diesel::delete(platform_accounts::table.find((caller.agency_id, account_id)))
            .execute(conn)
            .await
            .map_err(map_account_error)?;
        let changes = Changes::new()
            .value("platform", current.platform)
            .value("platform_user_id", &current.platform_user_id);
        caller
            .record(
                conn,
                "platform_account.delete",
                "platform_account",
                account_id,
                changes,
            )
            .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
