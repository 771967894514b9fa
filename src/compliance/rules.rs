//! The compliance rules (DESIGN.md, "Compliance rules"): pure functions from plain snapshots to
//! violations. No I/O here, so every rule is tested without a database.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::enums::{
    EntityStatus, InfluencerKind, InfluencerStatus, RegulatedField, VerificationState,
};
use crate::text_enum;

text_enum! {
    /// What a violation stops.
    pub enum Stage {
        /// Creating or rescheduling a session is refused (422).
        Schedule => "schedule",
        /// A warning while scheduled; going live is refused.
        Start => "start",
        /// Found after the fact: listed, never a reason to refuse data.
        Nothing => "none",
    }
}

text_enum! {
    /// The stable code of every rule.
    pub enum ViolationCode {
        IdentityUnverified => "identity_unverified",
        OperatorUnverified => "operator_unverified",
        Underage => "underage",
        GuardianConsentMissing => "guardian_consent_missing",
        InfluencerSuspended => "influencer_suspended",
        PlatformAccountMissing => "platform_account_missing",
        AiLabelMissing => "ai_label_missing",
        LanguageNotMandarin => "language_not_mandarin",
        ProductRecalled => "product_recalled",
        LegalEntityMissing => "legal_entity_missing",
        ProductUntested => "product_untested",
        QualificationMissing => "qualification_missing",
        SalesWithoutLegalEntity => "sales_without_legal_entity",
        RecalledProductSold => "recalled_product_sold",
        RecalledProductPromoted => "recalled_product_promoted",
        ReviewLanguageViolation => "review_language_violation",
        ReviewDressViolation => "review_dress_violation",
        QualificationExpiring => "qualification_expiring",
    }
}

impl ViolationCode {
    /// The stage each rule blocks.
    pub fn blocks(self) -> Stage {
        use ViolationCode as V;
        match self {
            V::IdentityUnverified
            | V::OperatorUnverified
            | V::Underage
            | V::GuardianConsentMissing
            | V::InfluencerSuspended
            | V::PlatformAccountMissing
            | V::AiLabelMissing
            | V::LanguageNotMandarin
            | V::ProductRecalled => Stage::Schedule,
            V::LegalEntityMissing | V::ProductUntested | V::QualificationMissing => Stage::Start,
            V::SalesWithoutLegalEntity
            | V::RecalledProductSold
            | V::RecalledProductPromoted
            | V::ReviewLanguageViolation
            | V::ReviewDressViolation
            | V::QualificationExpiring => Stage::Nothing,
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Violation {
    pub code: ViolationCode,
    /// A sentence for people.
    pub message: String,
    pub blocks: Stage,
}

impl Violation {
    pub fn new(code: ViolationCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            blocks: code.blocks(),
        }
    }
}

/// The identity facts the rules read.
#[derive(Debug, Clone)]
pub struct IdentityFacts {
    pub state: VerificationState,
    pub date_of_birth: NaiveDate,
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
            if let Some(identity) = &host.identity {
                let age = age_on(identity.date_of_birth, on);
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
            violations.push(Violation::new(
                ViolationCode::QualificationExpiring,
                format!(
                    "The {} qualification expires on {} ({days_left} days).",
                    qualification.field, qualification.valid_until
                ),
            ));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn human_born(born: NaiveDate) -> HostSnapshot {
        HostSnapshot {
            kind: InfluencerKind::Human,
            status: InfluencerStatus::Active,
            identity: Some(IdentityFacts {
                state: VerificationState::Verified,
                date_of_birth: born,
            }),
            has_guardian_consent: false,
            legal_entities: vec![],
            qualifications: vec![],
        }
    }

    fn codes(violations: &[Violation]) -> Vec<ViolationCode> {
        violations.iter().map(|v| v.code).collect()
    }

    const DAY: fn() -> NaiveDate = || date(2026, 11, 25);

    #[test]
    fn a_verified_adult_is_clean() {
        assert!(evaluate_host(&human_born(date(1995, 1, 1)), DAY()).is_empty());
    }

    #[test]
    fn identity_unverified_for_missing_pending_or_rejected_identities() {
        let mut host = human_born(date(1995, 1, 1));
        for state in [VerificationState::Pending, VerificationState::Rejected] {
            host.identity.as_mut().unwrap().state = state;
            assert_eq!(
                codes(&evaluate_host(&host, DAY())),
                vec![ViolationCode::IdentityUnverified]
            );
        }
        host.identity = None;
        let violations = evaluate_host(&host, DAY());
        assert_eq!(codes(&violations), vec![ViolationCode::IdentityUnverified]);
        assert_eq!(violations[0].blocks, Stage::Schedule);
    }

    #[test]
    fn underage_is_judged_on_the_given_day() {
        let host = human_born(date(2010, 11, 26));
        assert_eq!(
            codes(&evaluate_host(&host, date(2026, 11, 25))),
            vec![ViolationCode::Underage]
        );
        // The sixteenth birthday: no longer underage, but a minor without consent.
        assert_eq!(
            codes(&evaluate_host(&host, date(2026, 11, 26))),
            vec![ViolationCode::GuardianConsentMissing]
        );
    }

    #[test]
    fn minors_need_guardian_consent_until_eighteen() {
        let mut host = human_born(date(2009, 6, 1));
        assert_eq!(
            codes(&evaluate_host(&host, DAY())),
            vec![ViolationCode::GuardianConsentMissing]
        );
        host.has_guardian_consent = true;
        assert!(evaluate_host(&host, DAY()).is_empty());
        host.has_guardian_consent = false;
        assert!(
            evaluate_host(&host, date(2027, 6, 1)).is_empty(),
            "eighteen on the day"
        );
    }

    #[test]
    fn suspended_and_terminated_hosts_are_flagged() {
        let mut host = human_born(date(1995, 1, 1));
        for status in [InfluencerStatus::Suspended, InfluencerStatus::Terminated] {
            host.status = status;
            let violations = evaluate_host(&host, DAY());
            assert_eq!(codes(&violations), vec![ViolationCode::InfluencerSuspended]);
            assert!(violations[0].message.contains(status.as_str()));
        }
    }

    #[test]
    fn virtual_and_brand_hosts_need_an_operator_and_a_verified_responsible_person() {
        for kind in [InfluencerKind::Virtual, InfluencerKind::Brand] {
            let mut host = human_born(date(1980, 1, 1));
            host.kind = kind;
            assert_eq!(
                codes(&evaluate_host(&host, DAY())),
                vec![ViolationCode::OperatorUnverified]
            );
            host.legal_entities = vec![EntityStatus::Deregistered];
            assert_eq!(
                codes(&evaluate_host(&host, DAY())),
                vec![ViolationCode::OperatorUnverified]
            );
            host.legal_entities.push(EntityStatus::Active);
            assert!(evaluate_host(&host, DAY()).is_empty());
            host.identity.as_mut().unwrap().state = VerificationState::Pending;
            assert_eq!(
                codes(&evaluate_host(&host, DAY())),
                vec![ViolationCode::OperatorUnverified]
            );
            // Age rules are for people on camera, not for a responsible person.
            host.identity = Some(IdentityFacts {
                state: VerificationState::Verified,
                date_of_birth: date(2015, 1, 1),
            });
            assert!(evaluate_host(&host, DAY()).is_empty());
        }
    }

    #[test]
    fn qualifications_expiring_within_thirty_days_are_flagged_but_block_nothing() {
        let mut host = human_born(date(1990, 1, 1));
        let qualification = |until| QualificationFacts {
            field: RegulatedField::Medicine,
            valid_from: date(2025, 1, 1),
            valid_until: until,
        };
        host.qualifications = vec![qualification(date(2026, 12, 25))];
        let violations = evaluate_host(&host, DAY());
        assert_eq!(
            codes(&violations),
            vec![ViolationCode::QualificationExpiring]
        );
        assert_eq!(violations[0].blocks, Stage::Nothing);
        host.qualifications = vec![qualification(date(2026, 12, 26))];
        assert!(evaluate_host(&host, DAY()).is_empty(), "31 days away");
        host.qualifications = vec![qualification(date(2026, 11, 24))];
        assert!(
            evaluate_host(&host, DAY()).is_empty(),
            "already expired is not expiring"
        );
        assert!(!host.qualified_for(RegulatedField::Medicine, DAY()));
        host.qualifications = vec![qualification(date(2027, 6, 1))];
        assert!(host.qualified_for(RegulatedField::Medicine, DAY()));
        assert!(!host.qualified_for(RegulatedField::Finance, DAY()));
    }

    #[test]
    fn ages_count_full_years() {
        assert_eq!(age_on(date(2000, 2, 29), date(2016, 2, 28)), 15);
        assert_eq!(age_on(date(2000, 2, 29), date(2016, 2, 29)), 16);
        assert_eq!(age_on(date(2000, 2, 29), date(2017, 3, 1)), 17);
    }

    #[test]
    fn every_code_has_its_design_stage() {
        assert_eq!(ViolationCode::ProductRecalled.blocks(), Stage::Schedule);
        assert_eq!(ViolationCode::ProductUntested.blocks(), Stage::Start);
        assert_eq!(
            ViolationCode::SalesWithoutLegalEntity.blocks(),
            Stage::Nothing
        );
        assert_eq!(ViolationCode::ALL.len(), 18);
    }
}
