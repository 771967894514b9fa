//! Legal entities of a host: `/v1/influencers/{id}/legal-entities`. The credit code is checked
//! on creation and never changes.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::record::{self, HostRecord, Stamp, host_table};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::domain::check_text;
use crate::domain::credit_code::CreditCode;
use crate::domain::enums::{EntityStatus, EntityType};
use crate::error::{AppError, FieldError, conflict_on};
use crate::etag::IfMatch;
use crate::json::Json;
use crate::pagination::{Page, PageQuery};
use crate::schema::legal_entities;

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

/// The columns a patch may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = legal_entities)]
pub struct EntityChanges {
    entity_type: Option<EntityType>,
    name: Option<String>,
    tax_registered_on: Option<NaiveDate>,
    status: Option<EntityStatus>,
}

host_table!(LegalEntity in legal_entities, changed by EntityChanges);

fn invalid_credit_code() -> AppError {
    AppError::Unprocessable {
        code: "invalid_credit_code",
        detail: "The unified social credit code is not valid (18 characters, GB 32100-2015 check character).".to_owned(),
        errors: vec![FieldError::new("credit_code", "invalid_credit_code", "not a valid unified social credit code")],
        extensions: serde_json::Map::new(),
    }
}

impl HostRecord for LegalEntity {
    type Create = LegalEntityRequest;
    type Patch = LegalEntityPatch;
    type Checked = EntityChanges;

    const AUDIT_ENTITY: &'static str = "legal_entity";
    const AUDIT_CREATE: &'static str = "legal_entity.create";
    const AUDIT_UPDATE: &'static str = "legal_entity.update";
    const PATH_SEGMENT: &'static str = "legal-entities";

    fn new_row(body: LegalEntityRequest, stamp: Stamp) -> Result<Self, AppError> {
        let credit_code = CreditCode::parse(&body.credit_code).ok_or_else(invalid_credit_code)?;
        let name =
            check_text("name", &body.name, 1, 200).map_err(|e| AppError::validation(vec![e]))?;
        Ok(Self {
            agency_id: stamp.agency_id,
            id: stamp.id,
            influencer_id: stamp.influencer_id,
            entity_type: body.entity_type,
            name,
            credit_code: credit_code.as_str().to_owned(),
            tax_registered_on: body.tax_registered_on,
            status: body.status.unwrap_or(EntityStatus::Active),
            version: 1,
            created_at: stamp.now,
            updated_at: stamp.now,
        })
    }

    fn check_patch(body: LegalEntityPatch) -> Result<EntityChanges, AppError> {
        let name = body
            .name
            .as_deref()
            .map(|n| check_text("name", n, 1, 200))
            .transpose()
            .map_err(|e| AppError::validation(vec![e]))?;
        Ok(EntityChanges {
            entity_type: body.entity_type,
            name,
            tax_registered_on: body.tax_registered_on,
            status: body.status,
        })
    }

    fn changes(_current: &Self, patch: EntityChanges) -> Result<EntityChanges, AppError> {
        Ok(patch)
    }

    fn created(&self) -> Changes {
        Changes::new()
            .value("entity_type", self.entity_type)
            .value("name", &self.name)
            .value("credit_code", &self.credit_code)
            .value("status", self.status)
    }

    fn updated(current: &Self, updated: &Self) -> Changes {
        Changes::new()
            .change("entity_type", current.entity_type, updated.entity_type)
            .change("name", &current.name, &updated.name)
            .change(
                "tax_registered_on",
                current.tax_registered_on,
                updated.tax_registered_on,
            )
            .change("status", current.status, updated.status)
    }

    fn insert_error(error: DieselError) -> AppError {
        conflict_on(
            error,
            DatabaseErrorKind::UniqueViolation,
            "credit_code_taken",
            "A legal entity with this credit code is already registered in the agency.",
        )
    }
}

/// The host's legal entities.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/legal-entities", tag = "legal entities", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of the host's legal entities", body = Page<LegalEntity>))
)]
pub async fn list_entities(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    record::handlers::list::<LegalEntity>(caller, id, query).await
}

/// One legal entity of the host.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/legal-entities/{eid}", tag = "legal entities", security(("bearer" = [])),
    responses(
        (status = 200, description = "The legal entity", body = LegalEntity),
        (status = 404, description = "No such legal entity of this host"),
    )
)]
pub async fn get_entity(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    record::handlers::get::<LegalEntity>(caller, path).await
}

/// Registers a legal entity of the host (or a virtual/brand host's operator).
#[utoipa::path(
    post, path = "/v1/influencers/{id}/legal-entities", tag = "legal entities", security(("bearer" = [])),
    request_body = LegalEntityRequest,
    responses(
        (status = 201, description = "The legal entity", body = LegalEntity),
        (status = 409, description = "Credit code already registered (`credit_code_taken`)"),
        (status = 422, description = "Invalid credit code (`invalid_credit_code`) or fields"),
    )
)]
pub async fn create_entity(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<LegalEntityRequest>,
) -> Result<HttpResponse, AppError> {
    record::handlers::create::<LegalEntity>(caller, id, body).await
}

/// Changes a legal entity (e.g. marks it deregistered). The credit code never changes.
#[utoipa::path(
    patch, path = "/v1/influencers/{id}/legal-entities/{eid}", tag = "legal entities", security(("bearer" = [])),
    request_body = LegalEntityPatch,
    responses(
        (status = 200, description = "The updated legal entity", body = LegalEntity),
        (status = 404, description = "No such legal entity of this host"),
    )
)]
pub async fn update_entity(
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<LegalEntityPatch>,
) -> Result<HttpResponse, AppError> {
    record::handlers::update::<LegalEntity>(caller, if_match, path, body).await
}
