//! Qualifications for regulated fields: `/v1/influencers/{id}/qualifications`. A revoked
//! qualification stays on record but counts for nothing (`qualification_missing`).

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
use crate::domain::enums::RegulatedField;
use crate::error::{AppError, FieldError, conflict_on};
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::schema::qualifications;
use crate::state::AppState;

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
    /// When it was revoked; a revoked qualification counts for nothing.
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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

/// Corrections of a qualification, or its revocation. The field never changes: a qualification
/// for another field is another qualification.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub certificate_number: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub issuer: Option<String>,
    pub valid_from: Option<NaiveDate>,
    /// Inclusive; never before `valid_from`.
    pub valid_until: Option<NaiveDate>,
    /// `true` revokes it (with `revoke_reason`); `false` takes back a revocation made in error.
    pub revoked: Option<bool>,
    /// Why it was revoked; required when revoking.
    #[schema(min_length = 1, max_length = 1000)]
    pub revoke_reason: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = qualifications)]
struct QualificationChanges {
    certificate_number: Option<String>,
    issuer: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    revoked_at: Option<Option<DateTime<Utc>>>,
    revoke_reason: Option<Option<String>>,
}

/// A page of the host's qualifications in id (creation) order.
async fn page_of(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<Qualification>> {
    let mut query = qualifications::table
        .filter(qualifications::agency_id.eq(agency_id))
        .filter(qualifications::influencer_id.eq(influencer_id))
        .order(qualifications::id.asc())
        .limit(page.fetch_limit())
        .select(Qualification::as_select())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(qualifications::id.gt(after));
    }
    query.load(conn).await
}

async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
    qualification_id: Uuid,
    for_update: bool,
) -> QueryResult<Qualification> {
    let query = qualifications::table
        .filter(qualifications::agency_id.eq(agency_id))
        .filter(qualifications::influencer_id.eq(influencer_id))
        .filter(qualifications::id.eq(qualification_id))
        .select(Qualification::as_select());
    if for_update {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

fn certificate_taken(error: DieselError) -> AppError {
    conflict_on(
        error,
        DatabaseErrorKind::UniqueViolation,
        "qualification_exists",
        "This certificate is already recorded for the host.",
    )
}

fn respond(status: actix_web::http::StatusCode, row: Qualification) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(row.version))
        .json(row)
}

/// The host's qualifications, revoked ones included, in the order they were recorded.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/qualifications", tag = "qualifications", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id"), PageQuery),
    responses((status = 200, description = "A page of the host's qualifications", body = Page<Qualification>))
)]
pub async fn list_qualifications(
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
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |q| q.id, |q| q)))
}

/// One qualification of the host.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/qualifications/{qid}", tag = "qualifications", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Influencer id"),
        ("qid" = Uuid, Path, description = "Qualification id"),
    ),
    responses(
        (status = 200, description = "The qualification", body = Qualification),
        (status = 404, description = "No such qualification of this host"),
    )
)]
pub async fn get_qualification(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, qualification_id) = path.into_inner();
    let mut conn = caller.conn(&state).await?;
    let row = find(&mut conn, caller.agency_id, id, qualification_id, false).await?;
    Ok(respond(actix_web::http::StatusCode::OK, row))
}

/// Records a qualification for a regulated field.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/qualifications", tag = "qualifications", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = QualificationRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The qualification", body = Qualification),
        (status = 409, description = "Already recorded (`qualification_exists`)"),
        (status = 422, description = "Invalid fields"),
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
    let mut conn = caller.conn(&state).await?;
    load(&mut conn, &caller, id).await?;
    let now = Utc::now();
    let row = Qualification {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        influencer_id: id,
        field: body.field,
        certificate_number,
        issuer,
        valid_from: body.valid_from,
        valid_until: body.valid_until,
        revoked_at: None,
        revoke_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    // Answer what was stored (the database keeps microseconds and the column's scale).
    let row: Qualification = conn
        .transaction(async |conn| {
            let row: Qualification = diesel::insert_into(qualifications::table)
                .values(&row)
                .returning(Qualification::as_returning())
                .get_result(conn)
                .await
                .map_err(certificate_taken)?;
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
                .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(row.version))
        .insert_header((
            "Location",
            format!("/v1/influencers/{id}/qualifications/{}", row.id),
        ))
        .json(row))
}

/// Corrects a qualification (certificate, issuer, validity) or revokes it. A revoked
/// qualification no longer qualifies the host for its field.
#[utoipa::path(
    patch, path = "/v1/influencers/{id}/qualifications/{qid}", tag = "qualifications", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Influencer id"),
        ("qid" = Uuid, Path, description = "Qualification id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read before"),
    ),
    request_body = QualificationPatch,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 200, description = "The updated qualification", body = Qualification),
        (status = 404, description = "No such qualification of this host"),
        (status = 409, description = "Certificate already recorded (`qualification_exists`)"),
        (status = 412, description = "Stale `If-Match`"),
        (status = 422, description = "Invalid fields (`valid_until` before `valid_from`, revocation without a reason)"),
    )
)]
pub async fn update_qualification(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<QualificationPatch>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let (id, qualification_id) = path.into_inner();
    let body = body.into_inner();
    let mut errors = Vec::new();
    let certificate_number = body.certificate_number.as_deref().and_then(|v| {
        check_text("certificate_number", v, 1, 100)
            .map_err(|e| errors.push(e))
            .ok()
    });
    let issuer = body.issuer.as_deref().and_then(|v| {
        check_text("issuer", v, 1, 200)
            .map_err(|e| errors.push(e))
            .ok()
    });
    let revoke_reason = body.revoke_reason.as_deref().and_then(|v| {
        check_text("revoke_reason", v, 1, 1000)
            .map_err(|e| errors.push(e))
            .ok()
    });
    if body.revoked == Some(true) && body.revoke_reason.is_none() {
        errors.push(FieldError::new(
            "revoke_reason",
            "required",
            "a revocation needs a reason",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut conn = caller.conn(&state).await?;
    let updated = conn
        .transaction(async |conn| {
            let current = find(conn, caller.agency_id, id, qualification_id, true).await?;
            if_match.check(current.version)?;
            let valid_from = body.valid_from.unwrap_or(current.valid_from);
            let valid_until = body.valid_until.unwrap_or(current.valid_until);
            if valid_until < valid_from {
                return Err(AppError::validation(vec![FieldError::new(
                    if body.valid_until.is_some() {
                        "valid_until"
                    } else {
                        "valid_from"
                    },
                    "invalid_range",
                    "valid_until is before valid_from",
                )]));
            }
            let revoked = body.revoked.unwrap_or(current.revoked_at.is_some());
            if !revoked && revoke_reason.is_some() {
                return Err(AppError::validation(vec![FieldError::new(
                    "revoke_reason",
                    "not_allowed",
                    "only a revoked qualification has a revoke reason",
                )]));
            }
            let (revoked_at, reason) = match (revoked, current.revoked_at) {
                // Revoking now, or correcting the reason of an earlier revocation.
                (true, None) => (Some(Some(Utc::now())), revoke_reason.map(Some)),
                (true, Some(_)) => (None, revoke_reason.map(Some)),
                (false, Some(_)) => (Some(None), Some(None)),
                (false, None) => (None, None),
            };
            let changes = QualificationChanges {
                certificate_number,
                issuer,
                valid_from: body.valid_from,
                valid_until: body.valid_until,
                revoked_at,
                revoke_reason: reason,
            };
            let updated: Qualification =
                diesel::update(qualifications::table.find((caller.agency_id, qualification_id)))
                    .set((
                        &changes,
                        qualifications::version.eq(qualifications::version + 1),
                    ))
                    .returning(Qualification::as_returning())
                    .get_result(conn)
                    .await
                    .map_err(certificate_taken)?;
            let action = match (current.revoked_at, updated.revoked_at) {
                (None, Some(_)) => "qualification.revoke",
                (Some(_), None) => "qualification.unrevoke",
                _ => "qualification.update",
            };
            let audit = Changes::new()
                .change(
                    "certificate_number",
                    &current.certificate_number,
                    &updated.certificate_number,
                )
                .change("issuer", &current.issuer, &updated.issuer)
                .change("valid_from", current.valid_from, updated.valid_from)
                .change("valid_until", current.valid_until, updated.valid_until)
                .change("revoked_at", current.revoked_at, updated.revoked_at)
                .change(
                    "revoke_reason",
                    &current.revoke_reason,
                    &updated.revoke_reason,
                );
            caller
                .record(conn, action, "qualification", qualification_id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, updated))
}

/// Every record of the host, unpaged (the personal-data export reads them all).
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
