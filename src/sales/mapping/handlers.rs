//! `/v1/import-formats` (the built-in formats) and `/v1/import-mappings` (the agency's saved
//! mappings: list, read, create, change, delete).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel::result::DatabaseErrorKind;
use diesel_async::AsyncConnection as _;
use serde_json::{Value, json};
use uuid::Uuid;

use super::builtin::FORMATS;
use super::checks::{mapping_changes, new_mapping};
use super::dto::{
    CreateMappingRequest, FormatList, FormatView, ImportMappingView, UpdateMappingRequest,
};
use super::saved::{self as mappings, ImportMapping, StoredJson};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::{AppError, conflict_on};
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};

/// The mapping with its ETag (and its `Location` when just created).
fn respond(status: StatusCode, mapping: ImportMapping) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(mapping.version));
    if status == StatusCode::CREATED {
        response.insert_header(("Location", format!("/v1/import-mappings/{}", mapping.id)));
    }
    response.json(ImportMappingView::from(mapping))
}

/// A taken name as 409 `mapping_name_taken`.
fn name_taken(error: diesel::result::Error) -> AppError {
    conflict_on(
        error,
        DatabaseErrorKind::UniqueViolation,
        "mapping_name_taken",
        "The agency already has an import mapping of this name.",
    )
}

/// The fields of a mapping its audit events speak of, in order.
fn audited(mapping: &ImportMapping) -> [(&'static str, Value); 7] {
    [
        ("name", json!(mapping.name)),
        ("platform", json!(mapping.platform)),
        ("columns", json!(mapping.column_map.0)),
        ("status_values", json!(mapping.status_values.0)),
        ("amount_unit", json!(mapping.amount_unit)),
        ("time_zone", json!(mapping.time_zone.name())),
        ("based_on", json!(mapping.based_on)),
    ]
}

/// The platform export formats an import recognises by their headers, each as a mapping.
#[utoipa::path(
    get, path = "/v1/import-formats", tag = "sales", security(("bearer" = [])),
    responses((status = 200, description = "Every built-in format", body = FormatList))
)]
pub async fn list_formats(caller: Caller) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let items = FORMATS.iter().map(FormatView::from).collect();
    Ok(HttpResponse::Ok().json(FormatList { items }))
}

/// The agency's saved import mappings, oldest first.
#[utoipa::path(
    get, path = "/v1/import-mappings", tag = "sales", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of mappings", body = Page<ImportMappingView>))
)]
pub async fn list_mappings(
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
    let rows = mappings::list(&mut conn, caller.agency_id, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        &page,
        |m| m.id,
        ImportMappingView::from,
    )))
}

/// Saves a mapping for an export layout no built-in format reads, from scratch or from a
/// built-in format (`from_format`).
#[utoipa::path(
    post, path = "/v1/import-mappings", tag = "sales", security(("bearer" = [])),
    request_body = CreateMappingRequest,
    responses(
        (status = 201, description = "The mapping", body = ImportMappingView),
        (status = 409, description = "Name taken (`mapping_name_taken`)"),
        (status = 422, description = "Invalid fields, an unknown `from_format`, or a spec that cannot read a file"),
    )
)]
pub async fn create_mapping(
    caller: Caller,
    body: Json<CreateMappingRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let new = new_mapping(body.into_inner())?;
    let now = chrono::Utc::now();
    let mapping = ImportMapping {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        name: new.name,
        platform: new.spec.platform,
        column_map: StoredJson(new.spec.columns),
        status_values: StoredJson(new.spec.status_values),
        amount_unit: new.spec.amount_unit,
        time_zone: new.spec.time_zone,
        based_on: new.based_on.map(str::to_owned),
        created_by: caller.user_id,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut conn = caller.conn().await?;
    let created = conn
        .transaction(async |conn| {
            let created = mappings::insert(conn, &mapping).await.map_err(name_taken)?;
            let changes = audited(&created)
                .into_iter()
                .fold(Changes::new(), |changes, (field, value)| {
                    changes.value(field, value)
                });
            caller
                .record(
                    conn,
                    "import_mapping.create",
                    "import_mapping",
                    created.id,
                    changes,
                )
                .await?;
            Ok::<_, AppError>(created)
        })
        .await?;
    Ok(respond(StatusCode::CREATED, created))
}

/// One saved mapping.
#[utoipa::path(
    get, path = "/v1/import-mappings/{id}", tag = "sales", security(("bearer" = [])),
    responses(
        (status = 200, description = "The mapping", body = ImportMappingView),
        (status = 404, description = "No such mapping in this agency"),
    )
)]
pub async fn get_mapping(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    let mapping = mappings::find(&mut conn, caller.agency_id, id.into_inner(), false).await?;
    Ok(respond(StatusCode::OK, mapping))
}

/// Changes a mapping: each field given replaces the stored one whole, and the mapping as
/// changed must still read a file.
#[utoipa::path(
    patch, path = "/v1/import-mappings/{id}", tag = "sales", security(("bearer" = [])),
    request_body = UpdateMappingRequest,
    responses(
        (status = 200, description = "The changed mapping", body = ImportMappingView),
        (status = 404, description = "No such mapping in this agency"),
        (status = 409, description = "Name taken (`mapping_name_taken`)"),
        (status = 422, description = "Invalid fields, or a spec that cannot read a file"),
    )
)]
pub async fn update_mapping(
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateMappingRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn().await?;
    let updated = conn
        .transaction(async |conn| {
            let current = mappings::find(conn, caller.agency_id, id, true).await?;
            if_match.check(current.version)?;
            let changes = mapping_changes(body, &current)?;
            let updated = mappings::update(conn, caller.agency_id, id, &changes)
                .await
                .map_err(name_taken)?;
            let audit = audited(&current)
                .into_iter()
                .zip(audited(&updated))
                .fold(Changes::new(), |changes, ((field, from), (_, to))| {
                    changes.change(field, from, to)
                });
            caller
                .record(conn, "import_mapping.update", "import_mapping", id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(respond(StatusCode::OK, updated))
}

/// Deletes a mapping. Imports that used it keep its id.
#[utoipa::path(
    delete, path = "/v1/import-mappings/{id}", tag = "sales", security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such mapping in this agency"),
    )
)]
pub async fn delete_mapping(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    conn.transaction(async |conn| {
        let current = mappings::find(conn, caller.agency_id, id, true).await?;
        mappings::delete(conn, caller.agency_id, id).await?;
        let changes = Changes::new()
            .value("name", &current.name)
            .value("based_on", &current.based_on);
        caller
            .record(conn, "import_mapping.delete", "import_mapping", id, changes)
            .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
