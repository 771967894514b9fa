//! Real-name identity (`/v1/influencers/{id}/identity`): the stored row, what an answer shows
//! of it, and reading it. Submission is in [`submit`], verification and rejection in [`review`].
//!
//! The document number is write-only: it is sealed with AES-256-GCM (the row bound in as
//! associated data), fingerprinted with a keyed HMAC for "one person, one host", and answered
//! only masked. It never reaches an answer, a log line or the audit trail. An erased identity
//! (see `personal_data`) keeps its review history and none of these fields.

pub mod review;
pub mod submit;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::handlers::load;
use crate::agencies::today_for;
use crate::auth::caller::Caller;
use crate::auth::roles::{Capability, Role};
use crate::crypto::Sealed;
use crate::domain::enums::{DocumentType, VerificationState};
use crate::error::AppError;
use crate::schema::identities;

/// A host's identity as stored, one per host.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = identities, primary_key(agency_id, influencer_id), treat_none_as_null = true)]
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

/// The host's identity, if one was ever submitted.
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

/// The host's identity, locked for the transaction; 404 when none was submitted.
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

/// The answer with an identity: its `ETag`, and what `caller` may see of it today.
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

/// The host's identity, masked.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/identity", tag = "identity", security(("bearer" = [])),
    responses(
        (status = 200, description = "The identity", body = IdentityView),
        (status = 404, description = "No such host, or no identity submitted"),
    )
)]
pub async fn get_identity(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    load(&mut conn, &caller, id).await?;
    let row = find(&mut conn, caller.agency_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    identity_response(&mut conn, &caller, StatusCode::OK, row).await
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
