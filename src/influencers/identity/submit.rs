//! Submitting (or replacing) a host's identity: `PUT /v1/influencers/{id}/identity`. The
//! document is checked, sealed and fingerprinted; verification starts over.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Identity, IdentityView, find, identity_response, mask_document_number, seal_context};
use crate::agencies::today_for;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_text;
use crate::domain::enums::{DocumentType, InfluencerKind, VerificationState};
use crate::domain::resident_id::ResidentId;
use crate::error::{AppError, FieldError, conflict_on};
use crate::influencers::handlers::load;
use crate::json::Json;
use crate::schema::identities;

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

/// Submits or replaces the host's identity; verification starts over (`pending`).
#[utoipa::path(
    put, path = "/v1/influencers/{id}/identity", tag = "identity", security(("bearer" = [])),
    request_body = IdentityRequest,
    responses(
        (status = 201, description = "First submission", body = IdentityView),
        (status = 200, description = "Replaced; verification starts over", body = IdentityView),
        (status = 409, description = "This person is already another host of the agency (`identity_already_registered`)"),
        (status = 422, description = "Invalid document (`validation_failed`)"),
    )
)]
pub async fn put_identity(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<IdentityRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn().await?;
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
    let sealed = caller.state().vault.seal(&number, &context)?;
    let fingerprint = caller
        .state()
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
