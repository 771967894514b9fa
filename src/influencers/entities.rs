//! Legal entities of a host: `/v1/influencers/{id}/legal-entities`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
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
use crate::domain::credit_code::CreditCode;
use crate::domain::enums::{EntityStatus, EntityType};
use crate::error::{AppError, FieldError, conflict_on};
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::schema::legal_entities;
use crate::state::AppState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = legal_entities)]
pub struct LegalEntity {
    #[serde(skip)]
    pub agency_id: Uuid,
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub entity_type: EntityType,
    pub name: String,
    /// Unified social credit code (GB 32100-2015).
    pub credit_code: String,
    pub tax_registered_on: Option<NaiveDate>,
    pub status: EntityStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalEntityRequest {
    pub entity_type: EntityType,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(pattern = r"^[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{18}$")]
    pub credit_code: String,
    pub tax_registered_on: Option<NaiveDate>,
    pub status: Option<EntityStatus>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalEntityPatch {
    pub entity_type: Option<EntityType>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub tax_registered_on: Option<NaiveDate>,
    pub status: Option<EntityStatus>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = legal_entities)]
struct EntityChanges {
    entity_type: Option<EntityType>,
    name: Option<String>,
    tax_registered_on: Option<NaiveDate>,
    status: Option<EntityStatus>,
}

/// A page of the host's legal entities in id (creation) order.
async fn page_of(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<LegalEntity>> {
    let mut query = legal_entities::table
        .filter(legal_entities::agency_id.eq(agency_id))
        .filter(legal_entities::influencer_id.eq(influencer_id))
        .order(legal_entities::id.asc())
        .limit(page.fetch_limit())
        .select(LegalEntity::as_select())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(legal_entities::id.gt(after));
    }
    query.load(conn).await
}

fn invalid_credit_code() -> AppError {
    AppError::Unprocessable {
        code: "invalid_credit_code",
        detail: "The unified social credit code is not valid (18 characters, GB 32100-2015 check character).".to_owned(),
        errors: vec![FieldError::new("credit_code", "invalid_credit_code", "not a valid unified social credit code")],
        extensions: serde_json::Map::new(),
    }
}

fn map_entity_error(error: DieselError) -> AppError {
    conflict_on(
        error,
        DatabaseErrorKind::UniqueViolation,
        "credit_code_taken",
        "A legal entity with this credit code is already registered in the agency.",
    )
}

/// The host's legal entities.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/legal-entities", tag = "legal entities", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id"), PageQuery),
    responses((status = 200, description = "A page of the host's legal entities", body = Page<LegalEntity>))
)]
pub async fn list_entities(
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

/// One legal entity of the host.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/legal-entities/{eid}", tag = "legal entities", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Influencer id"),
        ("eid" = Uuid, Path, description = "Legal entity id"),
    ),
    responses(
        (status = 200, description = "The legal entity", body = LegalEntity),
        (status = 404, description = "No such legal entity of this host"),
    )
)]
pub async fn get_entity(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, record_id) = path.into_inner();
    let mut conn = caller.conn(&state).await?;
    let row: LegalEntity = legal_entities::table
        .filter(legal_entities::agency_id.eq(caller.agency_id))
        .filter(legal_entities::influencer_id.eq(id))
        .filter(legal_entities::id.eq(record_id))
        .select(LegalEntity::as_select())
        .first(&mut conn)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(row))
}

/// Registers a legal entity of the host (or a virtual/brand host's operator).
#[utoipa::path(
    post, path = "/v1/influencers/{id}/legal-entities", tag = "legal entities", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = LegalEntityRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The legal entity", body = LegalEntity),
        (status = 409, description = "Credit code already registered (`credit_code_taken`)"),
        (status = 422, description = "Invalid credit code (`invalid_credit_code`) or fields"),
    )
)]
pub async fn create_entity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<LegalEntityRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let credit_code = CreditCode::parse(&body.credit_code).ok_or_else(invalid_credit_code)?;
    let name = check_text("name", &body.name, 1, 200).map_err(|e| AppError::validation(vec![e]))?;
    let mut conn = caller.conn(&state).await?;
    load(&mut conn, &caller, id).await?;
    let now = Utc::now();
    let row = LegalEntity {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        influencer_id: id,
        entity_type: body.entity_type,
        name,
        credit_code: credit_code.as_str().to_owned(),
        tax_registered_on: body.tax_registered_on,
        status: body.status.unwrap_or(EntityStatus::Active),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    // Answer what was stored (the database keeps microseconds and the column's scale).
    let row: LegalEntity = conn
        .transaction(async |conn| {
            let row: LegalEntity = diesel::insert_into(legal_entities::table)
                .values(&row)
                .returning(LegalEntity::as_returning())
                .get_result(conn)
                .await
                .map_err(map_entity_error)?;
            let changes = Changes::new()
                .value("entity_type", row.entity_type)
                .value("name", &row.name)
                .value("credit_code", &row.credit_code)
                .value("status", row.status);
            caller
                .record(conn, "legal_entity.create", "legal_entity", row.id, changes)
                .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(row.version))
        .insert_header((
            "Location",
            format!("/v1/influencers/{id}/legal-entities/{}", row.id),
        ))
        .json(row))
}

/// Changes a legal entity (e.g. marks it deregistered). The credit code never changes.
#[utoipa::path(
    patch, path = "/v1/influencers/{id}/legal-entities/{eid}", tag = "legal entities", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Influencer id"),
        ("eid" = Uuid, Path, description = "Legal entity id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read before"),
    ),
    request_body = LegalEntityPatch,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 200, description = "The updated legal entity", body = LegalEntity),
        (status = 404, description = "No such legal entity of this host"),
        (status = 412, description = "Stale `If-Match`"),
    )
)]
pub async fn update_entity(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<LegalEntityPatch>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let (id, entity_id) = path.into_inner();
    let body = body.into_inner();
    let name = body
        .name
        .as_deref()
        .map(|n| check_text("name", n, 1, 200))
        .transpose()
        .map_err(|e| AppError::validation(vec![e]))?;
    let mut conn = caller.conn(&state).await?;
    let updated = conn
        .transaction(async |conn| {
            let current: LegalEntity = legal_entities::table
                .filter(legal_entities::agency_id.eq(caller.agency_id))
                .filter(legal_entities::influencer_id.eq(id))
                .filter(legal_entities::id.eq(entity_id))
                .select(LegalEntity::as_select())
                .for_update()
                .first(conn)
                .await?;
            if_match.check(current.version)?;
            let changes = EntityChanges {
                entity_type: body.entity_type,
                name,
                tax_registered_on: body.tax_registered_on,
                status: body.status,
            };
            let updated: LegalEntity =
                diesel::update(legal_entities::table.find((caller.agency_id, entity_id)))
                    .set((
                        &changes,
                        legal_entities::version.eq(legal_entities::version + 1),
                    ))
                    .returning(LegalEntity::as_returning())
                    .get_result(conn)
                    .await?;
            let audit = Changes::new()
                .change("entity_type", current.entity_type, updated.entity_type)
                .change("name", &current.name, &updated.name)
                .change(
                    "tax_registered_on",
                    current.tax_registered_on,
                    updated.tax_registered_on,
                )
                .change("status", current.status, updated.status);
            caller
                .record(
                    conn,
                    "legal_entity.update",
                    "legal_entity",
                    entity_id,
                    audit,
                )
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::OK)
        .insert_header(etag(updated.version))
        .json(updated))
}

/// Every record of the host, unpaged (the personal-data export reads them all).
pub async fn list_for(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
) -> QueryResult<Vec<LegalEntity>> {
    legal_entities::table
        .filter(legal_entities::agency_id.eq(agency_id))
        .filter(legal_entities::influencer_id.eq(influencer_id))
        .order(legal_entities::id.asc())
        .select(LegalEntity::as_select())
        .load(conn)
        .await
}
