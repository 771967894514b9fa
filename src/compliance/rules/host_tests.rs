//! Unit tests of the host rules, and the fixtures the session rules' tests share.

use chrono::NaiveDate;

use super::*;
use crate::domain::enums::{
    EntityStatus, InfluencerKind, InfluencerStatus, RegulatedField, VerificationState,
};

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn human_born(born: NaiveDate) -> HostSnapshot {
    HostSnapshot {
        kind: InfluencerKind::Human,
        status: InfluencerStatus::Active,
        identity: Some(IdentityFacts {
            state: VerificationState::Verified,
            date_of_birth: Some(born),
        }),
        has_guardian_consent: false,
        legal_entities: vec![],
        qualifications: vec![],
    }
}

pub(super) fn codes(violations: &[Violation]) -> Vec<ViolationCode> {
    violations.iter().map(|v| v.code).collect()
}

pub(super) const DAY: fn() -> NaiveDate = || date(2026, 11, 25);

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
fn an_erased_identity_is_unverified_and_has_no_age() {
    for kind in [InfluencerKind::Human, InfluencerKind::Virtual] {
        let mut host = human_born(date(1995, 1, 1));
        host.kind = kind;
        host.legal_entities = vec![EntityStatus::Active];
        host.identity = Some(IdentityFacts {
            state: VerificationState::Erased,
            date_of_birth: None,
        });
        let expected = if kind == InfluencerKind::Human {
            ViolationCode::IdentityUnverified
        } else {
            ViolationCode::OperatorUnverified
        };
        let violations = evaluate_host(&host, DAY());
        assert_eq!(codes(&violations), vec![expected]);
        assert_eq!(violations[0].blocks, Stage::Schedule);
    }
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
            date_of_birth: Some(date(2015, 1, 1)),
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
