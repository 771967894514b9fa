//! Platform accounts of a host: `/v1/influencers/{id}/platform-accounts`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::handlers::load;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_text;
use crate::domain::enums::{AccountStatus, Platform};
use crate::error::AppError;
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::schema::platform_accounts;
use crate::state::AppState;

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

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = platform_accounts)]
struct AccountChanges {
    handle: Option<String>,
    followers: Option<i64>,
    verified: Option<bool>,
    status: Option<AccountStatus>,
}

/// A page of the host's platform accounts in id (creation) order.
async fn page_of(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<PlatformAccount>> {
    let mut query = platform_accounts::table
        .filter(platform_accounts::agency_id.eq(agency_id))
        .filter(platform_accounts::influencer_id.eq(influencer_id))
        .order(platform_accounts::id.asc())
        .limit(page.fetch_limit())
        .select(PlatformAccount::as_select())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(platform_accounts::id.gt(after));
    }
    query.load(conn).await
}

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
        Some(n) if n < 0 => Err(AppError::validation(vec![crate::error::FieldError::new(
            "followers",
            "out_of_range",
            "followers cannot be negative",
        )])),
        other => Ok(other),
    }
}

async fn find_for_update(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    account_id: Uuid,
) -> QueryResult<PlatformAccount> {
    platform_accounts::table
        .filter(platform_accounts::agency_id.eq(caller.agency_id))
        .filter(platform_accounts::influencer_id.eq(id))
        .filter(platform_accounts::id.eq(account_id))
        .select(PlatformAccount::as_select())
        .for_update()
        .first(conn)
        .await
}

/// The host's platform accounts.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/platform-accounts", tag = "platform accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id"), PageQuery),
    responses((status = 200, description = "A page of the host's platform accounts", body = Page<PlatformAccount>))
)]
pub async fn list_accounts(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn(&state).await?;
    load(&mut conn, &caller, id).await?;
    let rows = page_of(&mut conn, caller.agency_id, id, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |r| r.id, |r| r)))
}

/// One platform account of the host.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/platform-accounts/{aid}", tag = "platform accounts", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Influencer id"),
        ("aid" = Uuid, Path, description = "Platform account id"),
    ),
    responses(
        (status = 200, description = "The platform account", body = PlatformAccount),
        (status = 404, description = "No such platform account of this host"),
    )
)]
pub async fn get_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, record_id) = path.into_inner();
    let mut conn = caller.conn(&state).await?;
    let row: PlatformAccount = platform_accounts::table
        .filter(platform_accounts::agency_id.eq(caller.agency_id))
        .filter(platform_accounts::influencer_id.eq(id))
        .filter(platform_accounts::id.eq(record_id))
        .select(PlatformAccount::as_select())
        .first(&mut conn)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(row))
}

/// Registers a platform account of the host.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/platform-accounts", tag = "platform accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = PlatformAccountRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The account", body = PlatformAccount),
        (status = 409, description = "Platform user id already registered (`platform_account_taken`)"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn create_account(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlatformAccountRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut errors = Vec::new();
    let handle = check_text("handle", &body.handle, 1, 100)
        .map_err(|e| errors.push(e))
        .ok();
    let platform_user_id = check_text("platform_user_id", &body.platform_user_id, 1, 100)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(handle), Some(platform_user_id), true) =
        (handle, platform_user_id, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    let followers = check_followers(body.followers)?.unwrap_or(0);
    let mut conn = caller.conn(&state).await?;
    load(&mut conn, &caller, id).await?;
    let now = Utc::now();
    let row = PlatformAccount {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        influencer_id: id,
        platform: body.platform,
        handle,
        platform_user_id,
        followers,
        verified: body.verified.unwrap_or(false),
        status: body.status.unwrap_or(AccountStatus::Active),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    // Answer what was stored (the database keeps microseconds and the column's scale).
    let row: PlatformAccount = conn
        .transaction(async |conn| {
            let row: PlatformAccount = diesel::insert_into(platform_accounts::table)
                .values(&row)
                .returning(PlatformAccount::as_returning())
                .get_result(conn)
                .await
                .map_err(map_account_error)?;
            let changes = Changes::new()
                .value("platform", row.platform)
                .value("handle", &row.handle)
                .value("platform_user_id", &row.platform_user_id)
                .value("status", row.status);
            caller
                .record(
                    conn,
                    "platform_account.create",
                    "platform_account",
                    row.id,
                    changes,
                )
                .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(row.version))
        .insert_header((
            "Location",
            format!("/v1/influencers/{id}/platform-accounts/{}", row.id),
        ))
        .json(row))
}

/// Changes handle, followers, verification or status (`banned` accounts do not count).
#[utoipa::path(
    patch, path = "/v1/influencers/{id}/platform-accounts/{aid}", tag = "platform accounts", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Influencer id"),
        ("aid" = Uuid, Path, description = "Platform account id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read before"),
    ),
    request_body = PlatformAccountPatch,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 200, description = "The updated account", body = PlatformAccount),
        (status = 404, description = "No such account of this host"),
        (status = 412, description = "Stale `If-Match`"),
    )
)]
pub async fn update_account(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<PlatformAccountPatch>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let (id, account_id) = path.into_inner();
    let body = body.into_inner();
    let handle = body
        .handle
        .as_deref()
        .map(|h| check_text("handle", h, 1, 100))
        .transpose()
        .map_err(|e| AppError::validation(vec![e]))?;
    let followers = check_followers(body.followers)?;
    let mut conn = caller.conn(&state).await?;
    let updated = conn
        .transaction(async |conn| {
            let current = find_for_update(conn, &caller, id, account_id).await?;
            if_match.check(current.version)?;
            let changes = AccountChanges {
                handle,
                followers,
                verified: body.verified,
                status: body.status,
            };
            let updated: PlatformAccount =
                diesel::update(platform_accounts::table.find((caller.agency_id, account_id)))
                    .set((
                        &changes,
                        platform_accounts::version.eq(platform_accounts::version + 1),
                    ))
                    .returning(PlatformAccount::as_returning())
                    .get_result(conn)
                    .await?;
            let audit = Changes::new()
                .change("handle", &current.handle, &updated.handle)
                .change("followers", current.followers, updated.followers)
                .change("verified", current.verified, updated.verified)
                .change("status", current.status, updated.status);
            caller
                .record(
                    conn,
                    "platform_account.update",
                    "platform_account",
                    account_id,
                    audit,
                )
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(updated.version))
        .json(updated))
}

/// Removes an account registered by mistake. One that sessions or sales refer to stays
/// (409 `platform_account_in_use`): mark it `banned` instead.
#[utoipa::path(
    delete, path = "/v1/influencers/{id}/platform-accounts/{aid}", tag = "platform accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id"), ("aid" = Uuid, Path, description = "Platform account id")),
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 204, description = "Removed"),
        (status = 404, description = "No such account of this host"),
        (status = 409, description = "In use (`platform_account_in_use`)"),
    )
)]
pub async fn delete_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let (id, account_id) = path.into_inner();
    let mut conn = caller.conn(&state).await?;
    conn.transaction(async |conn| {
        let current = find_for_update(conn, &caller, id, account_id).await?;
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

/// Every record of the host, unpaged (the personal-data export reads them all).
pub async fn list_for(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
) -> QueryResult<Vec<PlatformAccount>> {
    platform_accounts::table
        .filter(platform_accounts::agency_id.eq(agency_id))
        .filter(platform_accounts::influencer_id.eq(influencer_id))
        .order(platform_accounts::id.asc())
        .select(PlatformAccount::as_select())
        .load(conn)
        .await
}
