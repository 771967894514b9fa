//! Who a register names: each host's real name and document number, in clear for the roles that
//! file the registers (owner, admin, compliance, finance; `Capability::ReadTaxIdentity`), masked
//! for the others. A read in clear is recorded in the audit trail with the register it was for.

use std::collections::HashMap;

use diesel::QueryableByName;
use diesel::sql_types::{Array, Binary, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::crypto::{PiiVault, Sealed};
use crate::domain::enums::{DocumentType, VerificationState};
use crate::error::AppError;
use crate::influencers::identity::{mask_document_number, seal_context};
use crate::text_enum;

text_enum! {
    /// How a register shows people.
    pub enum Disclosure {
        /// Real names and document numbers in clear (owner, admin, compliance, finance); the
        /// read is audited (`tax_register.read`).
        Full => "full",
        /// Real names and document numbers masked (manager, analyst).
        Masked => "masked",
    }
}

impl Disclosure {
    /// What `caller` may see in a register.
    pub fn for_caller(caller: &Caller) -> Self {
        if caller.role.can(Capability::ReadTaxIdentity) {
            Disclosure::Full
        } else {
            Disclosure::Masked
        }
    }
}

/// A host as a register names it. Every field is `null` when no identity was submitted or its
/// personal data was erased.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Person {
    /// Masked (first character only) unless the register is `full`.
    pub real_name: Option<String>,
    pub document_type: Option<DocumentType>,
    /// Decrypted when the register is `full`; otherwise at most the first 3 and last 4
    /// characters.
    pub document_number: Option<String>,
}

#[derive(QueryableByName)]
struct IdentityRow {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    verification_state: VerificationState,
    #[diesel(sql_type = Nullable<Text>)]
    real_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    document_type: Option<DocumentType>,
    #[diesel(sql_type = Nullable<Binary>)]
    document_ciphertext: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Binary>)]
    document_nonce: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Text>)]
    document_key_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    document_number_masked: Option<String>,
}

/// The identities of `$2`, each read through the identities' key.
const IDENTITIES_SQL: &str = "\
SELECT d.influencer_id, d.verification_state, d.real_name, d.document_type, d.document_ciphertext, \
       d.document_nonce, d.document_key_id, d.document_number_masked \
FROM unnest($2::uuid[]) AS k(id) \
JOIN identities d ON d.agency_id = $1 AND d.influencer_id = k.id";

/// A name masked for a register: its first character, then one `*` per other character.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if name.chars().count() > 1 => {
            let mut masked = first.to_string();
            masked.extend(chars.map(|_| '*'));
            masked
        }
        Some(_) => "*".to_owned(),
        None => String::new(),
    }
}

fn person(
    row: IdentityRow,
    agency_id: Uuid,
    vault: &PiiVault,
    disclosure: Disclosure,
) -> Result<Person, AppError> {
    if row.verification_state == VerificationState::Erased {
        return Ok(Person::default());
    }
    let document_number = match disclosure {
        Disclosure::Masked => row.document_number_masked,
        Disclosure::Full => {
            // A number that does not open is an error, never a blank in a filing.
            let (Some(ciphertext), Some(nonce), Some(key_id), Some(document_type)) = (
                row.document_ciphertext,
                row.document_nonce,
                row.document_key_id,
                row.document_type,
            ) else {
                return Err(
                    anyhow::anyhow!("identity of {} has no document", row.influencer_id).into(),
                );
            };
            let sealed = Sealed {
                ciphertext,
                nonce,
                key_id,
            };
            let context = seal_context(agency_id, row.influencer_id, document_type);
            Some(vault.open(&sealed, &context)?)
        }
    };
    let real_name = match disclosure {
        Disclosure::Full => row.real_name,
        Disclosure::Masked => row.real_name.as_deref().map(mask_name),
    };
    Ok(Person {
        real_name,
        document_type: row.document_type,
        document_number,
    })
}

/// The people of `hosts` as `disclosure` shows them; hosts without an identity are left out.
pub async fn people(
    conn: &mut AsyncPgConnection,
    vault: &PiiVault,
    agency_id: Uuid,
    hosts: &[Uuid],
    disclosure: Disclosure,
) -> Result<HashMap<Uuid, Person>, AppError> {
    if hosts.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<IdentityRow> = diesel::sql_query(IDENTITIES_SQL)
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(hosts)
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|row| -> Result<(Uuid, Person), AppError> {
            let host = row.influencer_id;
            Ok((host, person(row, agency_id, vault, disclosure)?))
        })
        .collect()
}

/// A payee account as `disclosure` shows it.
pub fn payee_account(account: &str, disclosure: Disclosure) -> String {
    match disclosure {
        Disclosure::Full => account.to_owned(),
        Disclosure::Masked => mask_document_number(account),
    }
}

/// Records that `caller` read `register` for `period` in clear, naming `hosts` (in the
/// transaction of the read: no answer without a trace).
pub async fn record_read(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    register: &str,
    period: &str,
    hosts: &[Uuid],
) -> Result<(), AppError> {
    let changes = Changes::new()
        .value("register", register)
        .value("period", period)
        .value("people", hosts.len())
        .value("influencer_ids", hosts);
    caller
        .audit()
        .record(conn, "tax_register.read", "tax_register", None, changes)
        .await?;
    Ok(())
}

/// The distinct hosts of `ids`, in order.
pub fn distinct(ids: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_first_character_only() {
        assert_eq!(mask_name("王小美"), "王**");
        assert_eq!(mask_name("Li"), "L*");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn payee_accounts_are_masked_for_others() {
        assert_eq!(
            payee_account("6222020000001234", Disclosure::Masked),
            "622*********1234"
        );
        assert_eq!(
            payee_account("6222020000001234", Disclosure::Full),
            "6222020000001234"
        );
    }
}
