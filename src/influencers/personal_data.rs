//! A host's personal-data rights: `GET /v1/influencers/{id}/personal-data` (everything stored
//! about the person, the document number decrypted; the read itself is audited) and
//! `POST /v1/influencers/{id}/erase-personal-data` (crypto-shredding).
//!
//! Erasure removes the identity's name, document type, ciphertext, nonce, key id, keyed
//! fingerprint, mask and date of birth (and a rejection reason, free text that may describe the
//! person), and the guardian's name and document reference: no key opens what is left and no
//! fingerprint matches it. The identity stays as `erased` with who submitted, reviewed and erased
//! it, so the rules see an unverified host; sessions, sales and the audit trail stay for their
//! retention period.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::accounts::{self, PlatformAccount};
use super::contracts::{self, Contract};
use super::dto::InfluencerView;
use super::entities::{self, LegalEntity};
use super::identity::{
    self as identity_rows, GuardianConsent, GuardianConsentView, Identity, seal_context,
};
use super::model as influencers;
use super::qualifications::{self, Qualification};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::crypto::PiiVault;
use crate::domain::check_text;
use crate::domain::enums::{DocumentType, VerificationState};
use crate::error::{AppError, serde_error};
use crate::schema::{guardian_consents, identities};
use crate::state::AppState;

/// The identity with its document number in clear; personal fields are `null` once erased.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalIdentity {
    pub verification_state: VerificationState,
    pub real_name: Option<String>,
    pub document_type: Option<DocumentType>,
    /// Decrypted.
    pub document_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    pub erased_at: Option<DateTime<Utc>>,
    pub erased_by: Option<Uuid>,
}

/// Everything the agency stores about a host as a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataView {
    pub influencer: InfluencerView,
    /// `null` when no identity was ever submitted.
    pub identity: Option<PersonalIdentity>,
    pub guardian_consent: Option<GuardianConsentView>,
    pub legal_entities: Vec<LegalEntity>,
    pub platform_accounts: Vec<PlatformAccount>,
    pub contracts: Vec<Contract>,
    pub qualifications: Vec<Qualification>,
    pub exported_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// Why, e.g. "request of the data subject of 2026-11-20".
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

/// What an erasure did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureView {
    pub influencer_id: Uuid,
    /// `erased`, or `unverified` when the host never had an identity.
    pub identity_state: VerificationState,
    /// When the identity was erased (by this call or an earlier one).
    pub erased_at: Option<DateTime<Utc>>,
    /// `false` when there was nothing left to erase (a repeated call).
    pub changed: bool,
}

/// Opens the identity's document number; a row that does not open is an error, never `null`.
fn decrypt(vault: &PiiVault, row: &Identity) -> Result<Option<String>, AppError> {
    if row.verification_state == VerificationState::Erased {
        return Ok(None);
    }
    let (Some(sealed), Some(document_type)) = (row.sealed_document(), row.document_type) else {
        return Err(anyhow::anyhow!("identity of {} has no document", row.influencer_id).into());
    };
    let context = seal_context(row.agency_id, row.influencer_id, document_type);
    Ok(Some(vault.open(&sealed, &context)?))
}

async fn collect(
    conn: &mut AsyncPgConnection,
    vault: &PiiVault,
    caller: &Caller,
    id: Uuid,
) -> Result<PersonalDataView, AppError> {
    let influencer = influencers::find(conn, caller.agency_id, id).await?;
    let identity = identity_rows::find(conn, caller.agency_id, id).await?;
    let identity_state = identity
        .as_ref()
        .map_or(VerificationState::Unverified, |row| row.verification_state);
    let identity = match identity {
        Some(row) => Some(PersonalIdentity {
            document_number: decrypt(vault, &row)?,
            verification_state: row.verification_state,
            real_name: row.real_name,
            document_type: row.document_type,
            date_of_birth: row.date_of_birth,
            submitted_by: row.submitted_by,
            submitted_at: row.submitted_at,
            reviewed_by: row.reviewed_by,
            reviewed_at: row.reviewed_at,
            rejection_reason: row.rejection_reason,
            erased_at: row.erased_at,
            erased_by: row.erased_by,
        }),
        None => None,
    };
    let guardian_consent = identity_rows::find_consent(conn, caller.agency_id, id)
        .await?
        .map(GuardianConsentView::from);
    Ok(PersonalDataView {
        influencer: InfluencerView::new(influencer, identity_state),
        identity,
        guardian_consent,
        legal_entities: entities::list_for(conn, caller.agency_id, id).await?,
        platform_accounts: accounts::list_for(conn, caller.agency_id, id).await?,
        contracts: contracts::list_for(conn, caller.agency_id, id).await?,
        qualifications: qualifications::list_for(conn, caller.agency_id, id).await?,
        exported_at: Utc::now(),
    })
}

/// Everything stored about the host as a person, the document number decrypted (owner, admin,
/// compliance). The read itself is recorded in the audit trail (`personal_data.read`).
#[utoipa::path(
    get, path = "/v1/influencers/{id}/personal-data", tag = "identity", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    responses(
        (status = 200, description = "The host's personal data", body = PersonalDataView),
        (status = 403, description = "Role not allowed"),
        (status = 404, description = "No such host in this agency"),
    )
)]
pub async fn get_personal_data(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ReadPersonalData)?;
    let id = id.into_inner();
    let mut conn = caller.conn(&state).await?;
    // The read and its audit event commit together: no answer without a trace.
    let view = conn
        .transaction(async |conn| {
            let view = collect(conn, &state.vault, &caller, id).await?;
            let changes = Changes::new().value("identity_state", view.influencer.identity_state);
            caller
                .record(conn, "personal_data.read", "influencer", id, changes)
                .await?;
            Ok::<_, AppError>(view)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

/// The optional body: nothing, `null`, or `{"reason": ...}`.
fn erasure_reason(body: &[u8]) -> Result<Option<String>, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let request: Option<ErasureRequest> =
        serde_json::from_slice(body).map_err(|e| serde_error(&e))?;
    request
        .and_then(|request| request.reason)
        .map(|reason| check_text("reason", &reason, 1, 1000))
        .transpose()
        .map_err(|e| AppError::validation(vec![e]))
}

/// What erasure removes, as named in the audit trail.
const ERASED_IDENTITY_FIELDS: [&str; 5] = [
    "real_name",
    "document_type",
    "document_number",
    "date_of_birth",
    "rejection_reason",
];
const ERASED_CONSENT_FIELDS: [&str; 2] = ["guardian_name", "document_ref"];

/// Erases the host's personal data for good (owner, compliance): the identity's name, document
/// (ciphertext, nonce, key id, fingerprint, mask) and birth date, and the guardian's name and
/// document reference. The identity becomes `erased` (unverified to the rules; a new one may be
/// submitted later); sessions, sales and the audit trail stay. A repeated call changes nothing
/// and answers 200 with `changed: false`; every call is audited (`personal_data.erase`).
#[utoipa::path(
    post, path = "/v1/influencers/{id}/erase-personal-data", tag = "identity", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body(content = Option<ErasureRequest>, description = "Optional reason"),
    responses(
        (status = 200, description = "Erased (or nothing left to erase)", body = ErasureView),
        (status = 403, description = "Role not allowed"),
        (status = 404, description = "No such host in this agency"),
        (status = 422, description = "Invalid reason"),
    )
)]
pub async fn erase_personal_data(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ErasePersonalData)?;
    let reason = erasure_reason(&body)?;
    let id = id.into_inner();
    let mut conn = caller.conn(&state).await?;
    let view = conn
        .transaction(async |conn| {
            influencers::find_for_update(conn, caller.agency_id, id).await?;
            let now = Utc::now();
            let mut changes = Changes::new();
            let mut changed = false;

            let identity: Option<Identity> = identities::table
                .find((caller.agency_id, id))
                .select(Identity::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let mut identity_state = VerificationState::Unverified;
            let mut erased_at = None;
            if let Some(current) = identity {
                identity_state = VerificationState::Erased;
                erased_at = current.erased_at;
                if current.verification_state != VerificationState::Erased {
                    let erased = erase_identity(conn, &caller, id, now).await?;
                    erased_at = erased.erased_at;
                    changes = changes
                        .change(
                            "verification_state",
                            current.verification_state,
                            erased.verification_state,
                        )
                        .value("identity_erased", ERASED_IDENTITY_FIELDS);
                    changed = true;
                }
            }

            let consent: Option<GuardianConsent> = guardian_consents::table
                .find((caller.agency_id, id))
                .select(GuardianConsent::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?;
            if consent.is_some_and(|c| c.erased_at.is_none()) {
                diesel::update(guardian_consents::table.find((caller.agency_id, id)))
                    .set((
                        guardian_consents::guardian_name.eq(None::<String>),
                        guardian_consents::document_ref.eq(None::<String>),
                        guardian_consents::erased_at.eq(Some(now)),
                        guardian_consents::version.eq(guardian_consents::version + 1),
                    ))
                    .execute(conn)
                    .await?;
                changes = changes.value("guardian_consent_erased", ERASED_CONSENT_FIELDS);
                changed = true;
            }

            if !changed {
                changes = changes.value("already_erased", true);
            }
            if let Some(reason) = &reason {
                changes = changes.value("reason", reason);
            }
            caller
                .record(conn, "personal_data.erase", "influencer", id, changes)
                .await?;
            Ok::<_, AppError>(ErasureView {
                influencer_id: id,
                identity_state,
                erased_at,
                changed,
            })
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::OK).json(view))
}

/// Removes every personal field of the identity; what stays is who submitted, reviewed and
/// erased it, and when.
async fn erase_identity(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Identity> {
    diesel::update(identities::table.find((caller.agency_id, id)))
        .set((
            identities::real_name.eq(None::<String>),
            identities::document_type.eq(None::<DocumentType>),
            identities::document_ciphertext.eq(None::<Vec<u8>>),
            identities::document_nonce.eq(None::<Vec<u8>>),
            identities::document_key_id.eq(None::<String>),
            identities::document_hmac.eq(None::<Vec<u8>>),
            identities::document_number_masked.eq(None::<String>),
            identities::date_of_birth.eq(None::<NaiveDate>),
            identities::rejection_reason.eq(None::<String>),
            identities::verification_state.eq(VerificationState::Erased),
            identities::erased_at.eq(Some(now)),
            identities::erased_by.eq(Some(caller.user_id)),
            identities::version.eq(identities::version + 1),
        ))
        .returning(Identity::as_returning())
        .get_result(conn)
        .await
}
