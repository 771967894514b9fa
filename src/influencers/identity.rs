//! Real-name identity (`/v1/influencers/{id}/identity`, verify, reject) and guardian consent
//! (`/v1/influencers/{id}/guardian-consent`).
//!
//! The document number is write-only: it is sealed with AES-256-GCM (the row bound in as
//! associated data), fingerprinted with a keyed HMAC for "one person, one host", and answered
//! only masked. It never reaches an answer, a log line or the audit trail. An erased identity
//! (see `personal_data`) keeps its review history and none of these fields.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::ReasonRequest;
use super::handlers::load;
use crate::agencies::today_for;
use crate::audit::model::Changes;
use crate::auth::roles::Role;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::crypto::Sealed;
use crate::domain::check_text;
use crate::domain::enums::{DocumentType, InfluencerKind, VerificationState};
use crate::domain::resident_id::ResidentId;
use crate::error::{AppError, FieldError, conflict_on};
use crate::json::Json;
use crate::schema::{guardian_consents, identities};
use crate::state::AppState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = identities, treat_none_as_null = true)]
pub struct Identity {
    pub agency_id: Uuid,
    pub influencer_id: Uuid,
    pub is_host_self: bool,
    /// This and the document and birth fields are `None` only once erased (a database check).
    pub real_name: Option<String>,
    pub document_type: Option<DocumentType>,
    pub document_ciphertext: Option<Vec<u8>>,
    pub document_nonce: Option<Vec<u8>>,
    pub document_key_id: Option<String>,
    pub document_hmac: Option<Vec<u8>>,
    pub document_number_masked: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub verification_state: VerificationState,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    pub version: i32,
    pub erased_at: Option<DateTime<Utc>>,
    pub erased_by: Option<Uuid>,
}

impl Identity {
    /// The sealed document number, when it was not erased.
    pub fn sealed_document(&self) -> Option<Sealed> {
        Some(Sealed {
            ciphertext: self.document_ciphertext.clone()?,
            nonce: self.document_nonce.clone()?,
            key_id: self.document_key_id.clone()?,
        })
    }
}

/// The associated data a document number is sealed with: the row it belongs to.
pub fn seal_context(agency_id: Uuid, influencer_id: Uuid, document_type: DocumentType) -> String {
    format!("identity:{agency_id}:{influencer_id}:{document_type}")
}

/// An identity as answered: the number only masked. Personal fields are `null` once erased.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityView {
    pub influencer_id: Uuid,
    pub real_name: Option<String>,
    pub document_type: Option<DocumentType>,
    /// At most the first 3 and last 4 characters; never the birth date.
    pub document_number_masked: Option<String>,
    /// Only for owner, admin and compliance (who may read a host's full personal data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// Full years today, in the agency's time zone; every role sees it (`null` once erased).
    pub age: Option<i32>,
    /// `pending` after every submission, then `verified` or `rejected`; `erased` once its
    /// personal data was erased.
    pub verification_state: VerificationState,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    pub erased_at: Option<DateTime<Utc>>,
    pub erased_by: Option<Uuid>,
    pub version: i32,
}

impl IdentityView {
    /// The identity as `role` may see it on `today` (the agency's local date): manager and
    /// analyst see an age, never the date of birth.
    pub fn for_role(row: Identity, role: Role, today: NaiveDate) -> Self {
        Self {
            influencer_id: row.influencer_id,
            real_name: row.real_name,
            document_type: row.document_type,
            document_number_masked: row.document_number_masked,
            date_of_birth: row.date_of_birth.filter(|_| role.reads_personal_data()),
            age: row
                .date_of_birth
                .map(|born| crate::compliance::rules::age_on(born, today)),
            verification_state: row.verification_state,
            submitted_by: row.submitted_by,
            submitted_at: row.submitted_at,
            reviewed_by: row.reviewed_by,
            reviewed_at: row.reviewed_at,
            rejection_reason: row.rejection_reason,
            erased_at: row.erased_at,
            erased_by: row.erased_by,
            version: row.version,
        }
    }
}

/// For a virtual or brand host, the identity of the operator's responsible person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub real_name: String,
    pub document_type: DocumentType,
    /// Write-only; answered masked.
    #[schema(min_length = 1, max_length = 40)]
    pub document_number: String,
    /// Required unless `cn_resident_id` (whose embedded birth date is used).
    pub date_of_birth: Option<NaiveDate>,
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
) -> QueryResult<Option<Identity>> {
    identities::table
        .find((agency_id, influencer_id))
        .select(Identity::as_select())
        .first(conn)
        .await
        .optional()
}

async fn find_for_update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
) -> QueryResult<Identity> {
    identities::table
        .find((agency_id, influencer_id))
        .select(Identity::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Masks a document number: the first 3 and last 4 characters of long numbers, fewer of
/// short ones, so neither the number nor a resident ID's birth date can be read back.
pub fn mask_document_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let (head, tail) = match chars.len() {
        n if n >= 12 => (3, 4),
        n if n >= 8 => (1, 3),
        _ => (0, 2),
    };
    let tail = tail.min(chars.len());
    let hidden = chars.len().saturating_sub(head + tail);
    let mut masked: String = chars.iter().take(head).collect();
    masked.push_str(&"*".repeat(hidden));
    masked.extend(chars.iter().skip(head + hidden));
    masked
}

/// The checked number and birth date of a submission.
fn check_document(
    body: &IdentityRequest,
    today: NaiveDate,
) -> Result<(String, NaiveDate), Vec<FieldError>> {
    let mut errors = Vec::new();
    let (number, embedded_birth) = match body.document_type {
        DocumentType::CnResidentId => match ResidentId::parse(&body.document_number, today) {
            Ok(id) => (Some(id.as_str().to_owned()), Some(id.birth_date())),
            Err(err) => {
                errors.push(FieldError::new(
                    "document_number",
                    "invalid_resident_id",
                    err.message(),
                ));
                (None, None)
            }
        },
        _ => {
            let normalised: String = body
                .document_number
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| c.to_ascii_uppercase())
                .collect();
            if (5..=20).contains(&normalised.len())
                && normalised.chars().all(|c| c.is_ascii_alphanumeric())
            {
                (Some(normalised), None)
            } else {
                errors.push(FieldError::new(
                    "document_number",
                    "invalid_document_number",
                    "a document number has 5 to 20 letters and digits",
                ));
                (None, None)
            }
        }
    };
    let birth = match (embedded_birth, body.date_of_birth) {
        (Some(embedded), Some(given)) if embedded != given => {
            errors.push(FieldError::new(
                "date_of_birth",
                "mismatch",
                "differs from the birth date in the resident ID",
            ));
            None
        }
        (Some(embedded), _) => Some(embedded),
        (None, Some(given)) if given > today => {
            errors.push(FieldError::new(
                "date_of_birth",
                "in_future",
                "lies in the future",
            ));
            None
        }
        (None, Some(given)) => Some(given),
        (None, None) => {
            if body.document_type != DocumentType::CnResidentId {
                errors.push(FieldError::new(
                    "date_of_birth",
                    "required",
                    "required for documents other than a resident ID",
                ));
            }
            None
        }
    };
    match (number, birth) {
        (Some(number), Some(birth)) if errors.is_empty() => Ok((number, birth)),
        _ => Err(errors),
    }
}

async fn identity_response(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    status: StatusCode,
    row: Identity,
) -> Result<HttpResponse, AppError> {
    let today = today_for(conn, caller.agency_id).await?;
    Ok(HttpResponse::build(status)
        .insert_header(crate::etag::etag(row.version))
        .json(IdentityView::for_role(row, caller.role, today)))
}

/// Submits or replaces the host's identity; verification starts over (`pending`).
#[utoipa::path(
    put, path = "/v1/influencers/{id}/identity", tag = "identity", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = IdentityRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "First submission", body = IdentityView),
        (status = 200, description = "Replaced; verification starts over", body = IdentityView),
        (status = 409, description = "This person is already another host of the agency (`identity_already_registered`)"),
        (status = 422, description = "Invalid document (`validation_failed`)"),
    )
)]
pub async fn put_identity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<IdentityRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn(&state).await?;
    let influencer = load(&mut conn, &caller, id).await?;
    let today = today_for(&mut conn, caller.agency_id).await?;
    let real_name = check_text("real_name", &body.real_name, 1, 100);
    let document = check_document(&body, today);
    let (real_name, (number, date_of_birth)) = match (real_name, document) {
        (Ok(name), Ok(document)) => (name, document),
        (name, document) => {
            let mut errors: Vec<FieldError> = name.err().into_iter().collect();
            errors.extend(document.err().unwrap_or_default());
            return Err(AppError::validation(errors));
        }
    };
    let context = seal_context(caller.agency_id, id, body.document_type);
    let sealed = state.vault.seal(&number, &context)?;
    let fingerprint = state
        .vault
        .fingerprint(&format!("{}:{number}", body.document_type));
    let now = Utc::now();

    let outcome = conn
        .transaction(async |conn| {
            let previous = find(conn, caller.agency_id, id).await?;
            let row = Identity {
                agency_id: caller.agency_id,
                influencer_id: id,
                is_host_self: influencer.kind == InfluencerKind::Human,
                real_name: Some(real_name.clone()),
                document_type: Some(body.document_type),
                document_ciphertext: Some(sealed.ciphertext.clone()),
                document_nonce: Some(sealed.nonce.clone()),
                document_key_id: Some(sealed.key_id.clone()),
                document_hmac: Some(fingerprint.clone()),
                document_number_masked: Some(mask_document_number(&number)),
                date_of_birth: Some(date_of_birth),
                verification_state: VerificationState::Pending,
                submitted_by: caller.user_id,
                submitted_at: now,
                reviewed_by: None,
                reviewed_at: None,
                rejection_reason: None,
                version: previous.as_ref().map_or(1, |p| p.version + 1),
                erased_at: None,
                erased_by: None,
            };
            let saved = diesel::insert_into(identities::table)
                .values(&row)
                .on_conflict((identities::agency_id, identities::influencer_id))
                .do_update()
                .set(&row)
                .returning(Identity::as_returning())
                .get_result(conn)
                .await
                .map_err(map_identity_error)?;
            let changes = Changes::new()
                .redacted("real_name")
                .value("document_type", body.document_type)
                .redacted("document_number")
                .redacted("date_of_birth")
                .change(
                    "verification_state",
                    previous.as_ref().map(|p| p.verification_state),
                    Some(saved.verification_state),
                );
            caller
                .record(conn, "identity.submit", "influencer", id, changes)
                .await?;
            Ok::<_, AppError>((saved, previous.is_none()))
        })
        .await?;
    let (saved, created) = outcome;
    identity_response(
        &mut conn,
        &caller,
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        saved,
    )
    .await
}

fn map_identity_error(error: DieselError) -> AppError {
    conflict_on(
        error,
        DatabaseErrorKind::UniqueViolation,
        "identity_already_registered",
        "This person is already registered as another host of the agency.",
    )
}

/// The host's identity, masked.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/identity", tag = "identity", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    responses(
        (status = 200, description = "The identity", body = IdentityView),
        (status = 404, description = "No such host, or no identity submitted"),
    )
)]
pub async fn get_identity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = caller.conn(&state).await?;
    load(&mut conn, &caller, id).await?;
    let row = find(&mut conn, caller.agency_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    identity_response(&mut conn, &caller, StatusCode::OK, row).await
}

/// Applies a review decision to a pending (or, for rejection, verified) identity.
async fn review(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    decision: VerificationState,
    reason: Option<String>,
) -> Result<Identity, AppError> {
    caller.require(Capability::Verify)?;
    let mut conn = caller.conn(state).await?;
    load(&mut conn, caller, id).await?;
    conn.transaction(async |conn| {
        let current = find_for_update(conn, caller.agency_id, id).await?;
        let allowed_from: &[VerificationState] = match decision {
            VerificationState::Verified => &[VerificationState::Pending],
            _ => &[VerificationState::Pending, VerificationState::Verified],
        };
        if !allowed_from.contains(&current.verification_state) {
            return Err(AppError::Conflict {
                code: "invalid_transition",
                detail: format!(
                    "The identity is {}; it cannot become {decision}.",
                    current.verification_state
                ),
            });
        }
        if decision == VerificationState::Verified && current.submitted_by == caller.user_id {
            return Err(AppError::Forbidden {
                code: "four_eyes_required",
                detail: "Whoever submitted an identity cannot verify it; ask a colleague."
                    .to_owned(),
            });
        }
        let now = Utc::now();
        let saved = diesel::update(identities::table.find((caller.agency_id, id)))
            .set((
                identities::verification_state.eq(decision),
                identities::reviewed_by.eq(Some(caller.user_id)),
                identities::reviewed_at.eq(Some(now)),
                identities::rejection_reason.eq(reason.clone()),
                identities::version.eq(identities::version + 1),
            ))
            .returning(Identity::as_returning())
            .get_result(conn)
            .await?;
        let mut changes =
            Changes::new().change("verification_state", current.verification_state, decision);
        if let Some(reason) = &reason {
            changes = changes.value("reason", reason);
        }
        let action = if decision == VerificationState::Verified {
            "identity.verify"
        } else {
            "identity.reject"
        };
        caller
            .record(conn, action, "influencer", id, changes)
            .await?;
        Ok(saved)
    })
    .await
}

/// Verifies a pending identity (owner, admin, compliance; not its submitter).
#[utoipa::path(
    post, path = "/v1/influencers/{id}/identity/verify", tag = "identity", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    responses(
        (status = 200, description = "Verified", body = IdentityView),
        (status = 403, description = "Role not allowed, or the caller submitted it (`four_eyes_required`)"),
        (status = 409, description = "Not pending, e.g. erased (`invalid_transition`)"),
    )
)]
pub async fn verify_identity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = review(
        &state,
        &caller,
        id.into_inner(),
        VerificationState::Verified,
        None,
    )
    .await?;
    let mut conn = caller.conn(&state).await?;
    identity_response(&mut conn, &caller, StatusCode::OK, row).await
}

/// Rejects a pending identity, or revokes a verified one, with a reason.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/identity/reject", tag = "identity", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Rejected", body = IdentityView),
        (status = 403, description = "The caller's role may not review identities"),
        (status = 409, description = "Already rejected, or erased (`invalid_transition`)"),
    )
)]
pub async fn reject_identity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    let reason =
        check_text("reason", &body.reason, 1, 1000).map_err(|e| AppError::validation(vec![e]))?;
    let row = review(
        &state,
        &caller,
        id.into_inner(),
        VerificationState::Rejected,
        Some(reason),
    )
    .await?;
    let mut conn = caller.conn(&state).await?;
    identity_response(&mut conn, &caller, StatusCode::OK, row).await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = guardian_consents, treat_none_as_null = true)]
pub struct GuardianConsent {
    pub agency_id: Uuid,
    pub influencer_id: Uuid,
    /// `None` only once erased (a database check), like `document_ref`.
    pub guardian_name: Option<String>,
    pub relation: String,
    pub consented_on: NaiveDate,
    pub document_ref: Option<String>,
    pub recorded_by: Uuid,
    pub version: i32,
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianConsentRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub guardian_name: String,
    /// e.g. `mother`, `father`, `legal guardian`.
    #[schema(min_length = 1, max_length = 50)]
    pub relation: String,
    pub consented_on: NaiveDate,
    /// Where the signed consent is filed.
    #[schema(min_length = 1, max_length = 200)]
    pub document_ref: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuardianConsentView {
    pub influencer_id: Uuid,
    /// `null` once the host's personal data was erased, like `document_ref`.
    pub guardian_name: Option<String>,
    pub relation: String,
    pub consented_on: NaiveDate,
    pub document_ref: Option<String>,
    pub recorded_by: Uuid,
    pub erased_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl From<GuardianConsent> for GuardianConsentView {
    fn from(row: GuardianConsent) -> Self {
        Self {
            influencer_id: row.influencer_id,
            guardian_name: row.guardian_name,
            relation: row.relation,
            consented_on: row.consented_on,
            document_ref: row.document_ref,
            recorded_by: row.recorded_by,
            erased_at: row.erased_at,
            version: row.version,
        }
    }
}

pub async fn find_consent(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
) -> QueryResult<Option<GuardianConsent>> {
    guardian_consents::table
        .find((agency_id, influencer_id))
        .select(GuardianConsent::as_select())
        .first(conn)
        .await
        .optional()
}

/// Records (or replaces) a guardian's consent for a host aged 16 or 17.
#[utoipa::path(
    put, path = "/v1/influencers/{id}/guardian-consent", tag = "identity", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = GuardianConsentRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "Recorded", body = GuardianConsentView),
        (status = 200, description = "Replaced", body = GuardianConsentView),
        (status = 422, description = "Invalid fields, or not a human host"),
    )
)]
pub async fn put_guardian_consent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<GuardianConsentRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn(&state).await?;
    let influencer = load(&mut conn, &caller, id).await?;
    let today = today_for(&mut conn, caller.agency_id).await?;
    let mut errors = Vec::new();
    if influencer.kind != InfluencerKind::Human {
        errors.push(FieldError::new(
            "",
            "not_applicable",
            "guardian consent is for human hosts only",
        ));
    }
    let guardian_name = check_text("guardian_name", &body.guardian_name, 1, 100)
        .map_err(|e| errors.push(e))
        .ok();
    let relation = check_text("relation", &body.relation, 1, 50)
        .map_err(|e| errors.push(e))
        .ok();
    let document_ref = body
        .document_ref
        .as_deref()
        .map(|r| check_text("document_ref", r, 1, 200))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if body.consented_on > today {
        errors.push(FieldError::new(
            "consented_on",
            "in_future",
            "lies in the future",
        ));
    }
    let (Some(guardian_name), Some(relation), true) = (guardian_name, relation, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    let (saved, created) = conn
        .transaction(async |conn| {
            let previous = find_consent(conn, caller.agency_id, id).await?;
            let row = GuardianConsent {
                agency_id: caller.agency_id,
                influencer_id: id,
                guardian_name: Some(guardian_name),
                relation,
                consented_on: body.consented_on,
                document_ref,
                recorded_by: caller.user_id,
                version: previous.as_ref().map_or(1, |p| p.version + 1),
                erased_at: None,
            };
            let saved = diesel::insert_into(guardian_consents::table)
                .values(&row)
                .on_conflict((
                    guardian_consents::agency_id,
                    guardian_consents::influencer_id,
                ))
                .do_update()
                .set(&row)
                .returning(GuardianConsent::as_returning())
                .get_result(conn)
                .await?;
            let changes = Changes::new()
                .redacted("guardian_name")
                .value("relation", &saved.relation)
                .value("consented_on", saved.consented_on);
            caller
                .record(conn, "guardian_consent.record", "influencer", id, changes)
                .await?;
            Ok::<_, AppError>((saved, previous.is_none()))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(GuardianConsentView::from(saved)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_hide_the_middle_and_the_birth_date() {
        assert_eq!(
            mask_document_number("11010519491231002X"),
            "110***********002X"
        );
        assert_eq!(mask_document_number("E12345678"), "E*****678");
        assert_eq!(mask_document_number("AB123"), "***23");
        let masked = mask_document_number("11010519491231002X");
        assert!(!masked.contains("19491231"));
    }
}
