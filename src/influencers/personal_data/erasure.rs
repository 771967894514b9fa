//! Erasure of a host's personal data: `POST /v1/influencers/{id}/erase-personal-data`.
//!
//! Erasure removes the identity's name, document type, ciphertext, nonce, key id, keyed
//! fingerprint, mask and date of birth (and a rejection reason, free text that may describe the
//! person), and the guardian's name and document reference: no key opens what is left and no
//! fingerprint matches it. The identity stays as `erased` with who submitted, reviewed and erased
//! it, so the rules see an unverified host; sessions, sales and the audit trail stay for their
//! retention period. While the host has payouts in the current or previous tax year (the
//! calendar year in the agency's time zone), erasure is refused: the withholding and income
//! registers of those years must still be filed with the real name and ID number.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_reason;
use crate::domain::enums::{DocumentType, VerificationState};
use crate::error::{AppError, serde_error};
use crate::influencers::guardian_consent::GuardianConsent;
use crate::influencers::identity::Identity;
use crate::influencers::model as influencers;
use crate::schema::{guardian_consents, identities, payouts};

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

/// The optional body: nothing, `null`, or `{"reason": ...}`.
fn erasure_reason(body: &[u8]) -> Result<Option<String>, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let request: Option<ErasureRequest> =
        serde_json::from_slice(body).map_err(|e| serde_error(&e))?;
    request
        .and_then(|request| request.reason)
        .map(|reason| check_reason(&reason))
        .transpose()
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
/// Refused (409 `retention_required`) while the host has payouts in the current or previous
/// tax year, whose registers must still be filed.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/erase-personal-data", tag = "identity", security(("bearer" = [])),
    request_body(content = Option<ErasureRequest>, description = "Optional reason"),
    responses(
        (status = 200, description = "Erased (or nothing left to erase)", body = ErasureView),
        (status = 403, description = "Role not allowed"),
        (status = 404, description = "No such host in this agency"),
        (status = 409, description = "The host has payouts in the current or previous tax year, whose registers must still be filed (`retention_required`)"),
        (status = 422, description = "Invalid reason"),
    )
)]
pub async fn erase_personal_data(
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ErasePersonalData)?;
    let reason = erasure_reason(&body)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    let view = conn
        .transaction(async |conn| {
            influencers::find_for_update(conn, caller.agency_id, id).await?;
            refuse_within_retention(conn, &caller, id).await?;
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

/// 409 `retention_required` while the host has a payout paid on or after 1 January of the
/// previous tax year (the calendar year in the agency's time zone).
async fn refuse_within_retention(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(), AppError> {
    let today = crate::agencies::today_for(conn, caller.agency_id).await?;
    let since = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1)
        .ok_or_else(|| anyhow::anyhow!("no 1 January before {today}"))?;
    let paid: bool = diesel::select(diesel::dsl::exists(
        payouts::table
            .filter(payouts::agency_id.eq(caller.agency_id))
            .filter(payouts::influencer_id.eq(id))
            .filter(payouts::paid_on.ge(since)),
    ))
    .get_result(conn)
    .await?;
    if paid {
        return Err(AppError::Conflict {
            code: "retention_required",
            detail: format!(
                "The host has payouts since {since}: the tax registers of the current and \
                 previous tax year must still be filed with the host's identity, so it cannot \
                 be erased yet."
            ),
        });
    }
    Ok(())
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
