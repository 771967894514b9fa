//! The rules of a host, whatever session it plans: identity, age, status, operator and
//! qualifications.

use chrono::{Datelike, NaiveDate};

use super::{Violation, ViolationCode};
use crate::domain::enums::{
    EntityStatus, InfluencerKind, InfluencerStatus, RegulatedField, VerificationState,
};

/// The identity facts the rules read.
#[derive(Debug, Clone)]
pub struct IdentityFacts {
    pub state: VerificationState,
    /// `None` once the identity was erased (then it is not verified either).
    pub date_of_birth: Option<NaiveDate>,
}

/// A qualification's field and validity (inclusive).
#[derive(Debug, Clone)]
pub struct QualificationFacts {
    pub field: RegulatedField,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// Everything the host-level rules look at.
#[derive(Debug, Clone)]
pub struct HostSnapshot {
    pub kind: InfluencerKind,
    pub status: InfluencerStatus,
    pub identity: Option<IdentityFacts>,
    pub has_guardian_consent: bool,
    pub legal_entities: Vec<EntityStatus>,
    pub qualifications: Vec<QualificationFacts>,
}

impl HostSnapshot {
    pub fn has_active_legal_entity(&self) -> bool {
        self.legal_entities.contains(&EntityStatus::Active)
    }

    fn identity_verified(&self) -> bool {
        self.identity
            .as_ref()
            .is_some_and(|identity| identity.state == VerificationState::Verified)
    }

    /// Whether a valid qualification for `field` covers `on`.
    pub fn qualified_for(&self, field: RegulatedField, on: NaiveDate) -> bool {
        self.qualifications
            .iter()
            .any(|q| q.field == field && q.valid_from <= on && on <= q.valid_until)
    }
}

/// Full years between `born` and `on`.
pub fn age_on(born: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// Days ahead within which an expiring qualification is flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The host-level rules, evaluated on `on` (a session's date, or today).
pub fn evaluate_host(host: &HostSnapshot, on: NaiveDate) -> Vec<Violation> {
    let mut violations = Vec::new();
    match host.status {
        InfluencerStatus::Active => {}
        status => violations.push(Violation::new(
            ViolationCode::InfluencerSuspended,
            format!("The host is {status}."),
        )),
    }
    match host.kind {
        InfluencerKind::Human => {
            if !host.identity_verified() {
                violations.push(Violation::new(
                    ViolationCode::IdentityUnverified,
                    "The host has no verified real-name identity.",
                ));
            }
            if let Some(born) = host.identity.as_ref().and_then(|i| i.date_of_birth) {
                let age = age_on(born, on);
                if age < 16 {
                    violations.push(Violation::new(
                        ViolationCode::Underage,
                        format!("The host is {age} on {on}; hosts must be 16 or older."),
                    ));
                } else if age < 18 && !host.has_guardian_consent {
                    violations.push(Violation::new(
                        ViolationCode::GuardianConsentMissing,
                        format!("The host is {age} on {on} and has no recorded guardian consent."),
                    ));
                }
            }
        }
        InfluencerKind::Virtual | InfluencerKind::Brand => {
            if !(host.has_active_legal_entity() && host.identity_verified()) {
                violations.push(Violation::new(
                    ViolationCode::OperatorUnverified,
                    "The host needs an active operator entity and a verified responsible person.",
                ));
            }
        }
    }
    for qualification in &host.qualifications {
        let days_left = (qualification.valid_until - on).num_days();
        if qualification.valid_from <= on && (0..=EXPIRY_WARNING_DAYS).contains(&days_left) {
            violations.push(
                Violation::new(
                    ViolationCode::QualificationExpiring,
                    format!(
                        "The {} qualification expires on {} ({days_left} days).",
                        qualification.field, qualification.valid_until
                    ),
                )
                .about(format!(
                    "{}:{}",
                    qualification.field, qualification.valid_until
                )),
            );
        }
    }
    violations
}
