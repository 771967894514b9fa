//! A host's personal-data rights: `GET /v1/influencers/{id}/personal-data` (everything stored
//! about the person, the document number decrypted; the read itself is audited) here, and
//! `POST /v1/influencers/{id}/erase-personal-data` (crypto-shredding) in [`erasure`].

pub mod erasure;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::accounts::PlatformAccount;
use super::contracts::Contract;
use super::dto::InfluencerView;
use super::entities::LegalEntity;
use super::guardian_consent::{self, GuardianConsentView};
use super::identity::{self as identity_rows, Identity, seal_context};
use super::model as influencers;
use super::qualifications::Qualification;
use super::record::HostTable;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::crypto::PiiVault;
use crate::domain::enums::{DocumentType, VerificationState};
use crate::error::AppError;

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
    let guardian_consent = guardian_consent::find_consent(conn, caller.agency_id, id)
        .await?
        .map(GuardianConsentView::from);
    Ok(PersonalDataView {
        influencer: InfluencerView::new(influencer, identity_state),
        identity,
        guardian_consent,
        legal_entities: LegalEntity::all(conn, caller.agency_id, id).await?,
        platform_accounts: PlatformAccount::all(conn, caller.agency_id, id).await?,
        contracts: Contract::all(conn, caller.agency_id, id).await?,
        qualifications: Qualification::all(conn, caller.agency_id, id).await?,
        exported_at: Utc::now(),
    })
}

/// Everything stored about the host as a person, the document number decrypted (owner, admin,
/// compliance). The read itself is recorded in the audit trail (`personal_data.read`).
#[utoipa::path(
    get, path = "/v1/influencers/{id}/personal-data", tag = "identity", security(("bearer" = [])),
    responses(
        (status = 200, description = "The host's personal data", body = PersonalDataView),
        (status = 403, description = "Role not allowed"),
        (status = 404, description = "No such host in this agency"),
    )
)]
pub async fn get_personal_data(
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ReadPersonalData)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    // The read and its audit event commit together: no answer without a trace.
    let view = conn
        .transaction(async |conn| {
            let view = collect(conn, &caller.state().vault, &caller, id).await?;
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
