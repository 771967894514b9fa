//! Qualifications for regulated fields: `/v1/influencers/{id}/qualifications`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::handlers::load;
use crate::audit::model::Changes;
use crate::auth::{Caller, Capability};
use crate::domain::check_text;
use crate::domain::enums::RegulatedField;
use crate::error::{AppError, FieldError, Problem, conflict_on};
use crate::json::Json;
use crate::schema::qualifications;
use crate::startup::AppState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = qualifications)]
pub struct Qualification {
    #[serde(skip)]
    pub agency_id: Uuid,
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub field: RegulatedField,
    pub certificate_number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    /// Inclusive.
    pub valid_until: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationRequest {
    pub field: RegulatedField,
    #[schema(min_length = 1, max_length = 100)]
    pub certificate_number: String,
    #[schema(min_length = 1, max_length = 200)]
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

pub async fn list_for(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
) -> QueryResult<Vec<Qualification>> {
    qualifications::table
        .filter(qualifications::agency_id.eq(agency_id))
        .filter(qualifications::influencer_id.eq(influencer_id))
        .order(qualifications::id.asc())
        .select(Qualification::as_select())
        .load(conn)
        .await
}

/// The host's qualifications.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/qualifications", tag = "qualifications", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    responses((status = 200, description = "Every qualification of the host", body = Vec<Qualification>))
)]
pub async fn list_qualifications(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    load(&mut conn, &caller, id).await?;
    Ok(HttpResponse::Ok().json(list_for(&mut conn, caller.agency_id, id).await?))
}

/// Records a qualification for a regulated field.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/qualifications", tag = "qualifications", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = QualificationRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The qualification", body = Qualification),
        (status = 409, description = "Already recorded (`qualification_exists`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_qualification(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<QualificationRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut errors = Vec::new();
    let certificate_number = check_text("certificate_number", &body.certificate_number, 1, 100)
        .map_err(|e| errors.push(e))
        .ok();
    let issuer = check_text("issuer", &body.issuer, 1, 200)
        .map_err(|e| errors.push(e))
        .ok();
    if body.valid_until < body.valid_from {
        errors.push(FieldError::new(
            "valid_until",
            "invalid_range",
            "valid_until is before valid_from",
        ));
    }
    let (Some(certificate_number), Some(issuer), true) =
        (certificate_number, issuer, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    let mut conn = state.conn().await?;
    load(&mut conn, &caller, id).await?;
    let row = Qualification {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        influencer_id: id,
        field: body.field,
        certificate_number,
        issuer,
        valid_from: body.valid_from,
        valid_until: body.valid_until,
        created_at: Utc::now(),
    };
    conn.transaction(async |conn| {
        diesel::insert_into(qualifications::table)
            .values(&row)
            .execute(conn)
            .await
            .map_err(|err| {
                conflict_on(
                    err,
                    DatabaseErrorKind::UniqueViolation,
                    "qualification_exists",
                    "This certificate is already recorded for the host.",
                )
            })?;
        let changes = Changes::new()
            .value("field", row.field)
            .value("certificate_number", &row.certificate_number)
            .value("valid_from", row.valid_from)
            .value("valid_until", row.valid_until);
        caller
            .record(
                conn,
                "qualification.create",
                "qualification",
                row.id,
                changes,
            )
            .await
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/v1/influencers/{id}/qualifications/{}", row.id),
        ))
        .json(row))
}
