//! The flow every host record shares: list (paged), get, create (`201` with `Location`) and
//! patch (`If-Match`, version bump, audit event); each answer carries the row's `ETag`. The
//! records' own handlers carry the OpenAPI description and call these.

use actix_web::{HttpResponse, HttpResponseBuilder, web};
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::{HostRecord, HostTable, Stamp};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::AppError;
use crate::etag::{IfMatch, etag};
use crate::influencers::handlers::load;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};

fn answer<R: HostTable>(mut response: HttpResponseBuilder, row: R) -> HttpResponse {
    response.insert_header(etag(row.version())).json(row)
}

/// A page of the host's records.
pub async fn list<R: HostTable>(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let page = PageRequest::<R::Cursor>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
    load(&mut conn, &caller, id).await?;
    let rows = R::page(&mut conn, caller.agency_id, id, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, R::cursor, |r| r)))
}

/// One record of the host, or 404.
pub async fn get<R: HostTable>(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, record_id) = path.into_inner();
    let mut conn = caller.conn().await?;
    let row = R::find(&mut conn, caller.agency_id, id, record_id, false).await?;
    Ok(answer(HttpResponse::Ok(), row))
}

/// Checks and stores a new record of the host, with its audit event.
pub async fn create<R: HostRecord>(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<R::Create>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let row = R::new_row(body.into_inner(), Stamp::new(caller.agency_id, id))?;
    let mut conn = caller.conn().await?;
    load(&mut conn, &caller, id).await?;
    // Answer what was stored (the database keeps microseconds and the column's scale).
    let row: R = conn
        .transaction(async |conn| {
            let checked = R::check_insert(conn, &caller, &row).await?;
            let row = R::insert(conn, &row).await.map_err(R::insert_error)?;
            let audit = row.created().merge(checked);
            caller
                .record(conn, R::AUDIT_CREATE, R::AUDIT_ENTITY, row.id(), audit)
                .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    let location = format!("/v1/influencers/{id}/{}/{}", R::PATH_SEGMENT, row.id());
    let mut response = HttpResponse::Created();
    response.insert_header(etag(row.version()));
    Ok(response.insert_header(("Location", location)).json(row))
}

/// Changes a record of the host when `If-Match` names its version, with its audit event.
pub async fn update<R: HostRecord>(
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<R::Patch>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let (id, record_id) = path.into_inner();
    let patch = R::check_patch(body.into_inner())?;
    let mut conn = caller.conn().await?;
    let updated: R = conn
        .transaction(async |conn| {
            let current = R::find(conn, caller.agency_id, id, record_id, true).await?;
            if_match.check(current.version())?;
            let changes = R::changes(&current, patch)?;
            let updated = R::apply(conn, caller.agency_id, record_id, &changes)
                .await
                .map_err(R::update_error)?;
            let action = R::update_action(&current, &updated);
            let audit = R::updated(&current, &updated);
            caller
                .record(conn, action, R::AUDIT_ENTITY, record_id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(answer(HttpResponse::Ok(), updated))
}
