//! What kind an issue is, what staff did about a finding, and an issue's stable id.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::rules::{Violation, ViolationCode};
use crate::text_enum;

text_enum! {
    /// How an issue leaves the open list.
    pub enum IssueKind {
        /// A broken rule: it leaves the list when its cause is fixed.
        Rule => "rule",
        /// Found after the fact: it leaves the list when acknowledged or resolved.
        Finding => "finding",
    }
}

impl IssueKind {
    pub fn of(code: ViolationCode) -> Self {
        use ViolationCode as V;
        match code {
            V::SalesWithoutLegalEntity
            | V::RecalledProductSold
            | V::RecalledProductPromoted
            | V::ReviewLanguageViolation
            | V::ReviewDressViolation
            | V::IncomeTypeConverted
            | V::PayoutToThirdParty
            | V::EntityAndLabourSameMonth => IssueKind::Finding,
            _ => IssueKind::Rule,
        }
    }
}

text_enum! {
    /// What staff did about a finding.
    pub enum FindingState {
        Acknowledged => "acknowledged",
        Resolved => "resolved",
    }
}

/// The stable id of an issue: a hash of what it is about (never of its message, which may
/// carry counts or days left), the same for as long as the issue is open.
pub fn issue_id(
    agency_id: Uuid,
    influencer_id: Uuid,
    session_id: Option<Uuid>,
    violation: &Violation,
) -> Uuid {
    let mut hash = Sha256::new();
    let session = session_id.map(|s| s.to_string()).unwrap_or_default();
    let parts = [
        agency_id.to_string(),
        IssueKind::of(violation.code).as_str().to_owned(),
        violation.code.as_str().to_owned(),
        influencer_id.to_string(),
        session,
        violation.subject.clone().unwrap_or_default(),
    ];
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
