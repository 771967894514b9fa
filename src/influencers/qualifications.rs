//! Qualifications for regulated fields: `/v1/influencers/{id}/qualifications`. A revoked
//! qualification stays on record but counts for nothing (`qualification_missing`).

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
use crate::domain::enums::RegulatedField;
use crate::domain::{Collect, check_text};
use crate::error::{AppError, FieldError, conflict_on};
use crate::etag::IfMatch;
use crate::json::Json;
use crate::pagination::{Page, PageQuery};
use crate::schema::qualifications;

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

/// The columns a patch may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = qualifications)]
pub struct QualificationChanges {
    certificate_number: Option<String>,
    issuer: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    revoked_at: Option<Option<DateTime<Utc>>>,
    revoke_reason: Option<Option<String>>,
}

host_table!(Qualification in qualifications, changed by QualificationChanges);

/// A patch's checked texts, and whether it revokes.
pub struct CheckedPatch {
    certificate_number: Option<String>,
    issuer: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    revoked: Option<bool>,
    revoke_reason: Option<String>,
}

fn invalid_range(field: &str) -> FieldError {
    FieldError::new(field, "invalid_range", "valid_until is before valid_from")
}

impl HostRecord for Qualification {
    type Create = QualificationRequest;
    type Patch = QualificationPatch;
    type Checked = CheckedPatch;

    const AUDIT_ENTITY: &'static str = "qualification";
    const AUDIT_CREATE: &'static str = "qualification.create";
    const AUDIT_UPDATE: &'static str = "qualification.update";
    const PATH_SEGMENT: &'static str = "qualifications";

    fn new_row(body: QualificationRequest, stamp: Stamp) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let certificate_number = errors.check(check_text(
            "certificate_number",
            &body.certificate_number,
            1,
            100,
        ));
        let issuer = errors.check(check_text("issuer", &body.issuer, 1, 200));
        if body.valid_until < body.valid_from {
            errors.push(invalid_range("valid_until"));
        }
        let (Some(certificate_number), Some(issuer), true) =
            (certificate_number, issuer, errors.is_empty())
        else {
            return Err(AppError::validation(errors));
        };
        Ok(Self {
            agency_id: stamp.agency_id,
            id: stamp.id,
            influencer_id: stamp.influencer_id,
            field: body.field,
            certificate_number,
            issuer,
            valid_from: body.valid_from,
            valid_until: body.valid_until,
            revoked_at: None,
            revoke_reason: None,
            version: 1,
            created_at: stamp.now,
            updated_at: stamp.now,
        })
    }

    fn check_patch(body: QualificationPatch) -> Result<CheckedPatch, AppError> {
        let mut errors = Vec::new();
        let certificate_number = body
            .certificate_number
            .as_deref()
            .and_then(|v| errors.check(check_text("certificate_number", v, 1, 100)));
        let issuer = body
            .issuer
            .as_deref()
            .and_then(|v| errors.check(check_text("issuer", v, 1, 200)));
        let revoke_reason = body
            .revoke_reason
            .as_deref()
            .and_then(|v| errors.check(check_text("revoke_reason", v, 1, 1000)));
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
        Ok(CheckedPatch {
            certificate_number,
            issuer,
            valid_from: body.valid_from,
            valid_until: body.valid_until,
            revoked: body.revoked,
            revoke_reason,
        })
    }

    fn changes(current: &Self, patch: CheckedPatch) -> Result<QualificationChanges, AppError> {
        let valid_from = patch.valid_from.unwrap_or(current.valid_from);
        let valid_until = patch.valid_until.unwrap_or(current.valid_until);
        if valid_until < valid_from {
            let field = if patch.valid_until.is_some() {
                "valid_until"
            } else {
                "valid_from"
            };
            return Err(AppError::validation(vec![invalid_range(field)]));
        }
        let revoked = patch.revoked.unwrap_or(current.revoked_at.is_some());
        if !revoked && patch.revoke_reason.is_some() {
            return Err(AppError::validation(vec![FieldError::new(
                "revoke_reason",
                "not_allowed",
                "only a revoked qualification has a revoke reason",
            )]));
        }
        let reason = patch.revoke_reason;
        let (revoked_at, revoke_reason) = match (revoked, current.revoked_at) {
            // Revoking now, or correcting the reason of an earlier revocation.
            (true, None) => (Some(Some(Utc::now())), reason.map(Some)),
            (true, Some(_)) => (None, reason.map(Some)),
            (false, Some(_)) => (Some(None), Some(None)),
            (false, None) => (None, None),
        };
        Ok(QualificationChanges {
            certificate_number: patch.certificate_number,
            issuer: patch.issuer,
            valid_from: patch.valid_from,
            valid_until: patch.valid_until,
            revoked_at,
            revoke_reason,
        })
    }

    fn created(&self) -> Changes {
        Changes::new()
            .value("field", self.field)
            .value("certificate_number", &self.certificate_number)
            .value("valid_from", self.valid_from)
            .value("valid_until", self.valid_until)
    }

    fn updated(current: &Self, updated: &Self) -> Changes {
        Changes::new()
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
            )
    }

    fn update_action(current: &Self, updated: &Self) -> &'static str {
        match (current.revoked_at, updated.revoked_at) {
            (None, Some(_)) => "qualification.revoke",
            (Some(_), None) => "qualification.unrevoke",
            _ => Self::AUDIT_UPDATE,
        }
    }

    fn insert_error(error: DieselError) -> AppError {
        conflict_on(
            error,
            DatabaseErrorKind::UniqueViolation,
            "qualification_exists",
            "This certificate is already recorded for the host.",
        )
    }

    fn update_error(error: DieselError) -> AppError {
        Self::insert_error(error)
    }
}

/// The host's qualifications, revoked ones included, in the order they were recorded.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/qualifications", tag = "qualifications", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of the host's qualifications", body = Page<Qualification>))
)]
pub async fn list_qualifications(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    record::handlers::list::<Qualification>(caller, id, query).await
}

/// One qualification of the host.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/qualifications/{qid}", tag = "qualifications", security(("bearer" = [])),
    responses(
        (status = 200, description = "The qualification", body = Qualification),
        (status = 404, description = "No such qualification of this host"),
    )
)]
pub async fn get_qualification(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    record::handlers::get::<Qualification>(caller, path).await
}

/// Records a qualification for a regulated field.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/qualifications", tag = "qualifications", security(("bearer" = [])),
    request_body = QualificationRequest,
    responses(
        (status = 201, description = "The qualification", body = Qualification),
        (status = 409, description = "Already recorded (`qualification_exists`)"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn create_qualification(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<QualificationRequest>,
) -> Result<HttpResponse, AppError> {
    record::handlers::create::<Qualification>(caller, id, body).await
}

/// Corrects a qualification (certificate, issuer, validity) or revokes it. A revoked
/// qualification no longer qualifies the host for its field.
#[utoipa::path(
    patch, path = "/v1/influencers/{id}/qualifications/{qid}", tag = "qualifications", security(("bearer" = [])),
    request_body = QualificationPatch,
    responses(
        (status = 200, description = "The updated qualification", body = Qualification),
        (status = 404, description = "No such qualification of this host"),
        (status = 409, description = "Certificate already recorded (`qualification_exists`)"),
        (status = 422, description = "Invalid fields (`valid_until` before `valid_from`, revocation without a reason)"),
    )
)]
pub async fn update_qualification(
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<QualificationPatch>,
) -> Result<HttpResponse, AppError> {
    record::handlers::update::<Qualification>(caller, if_match, path, body).await
}
