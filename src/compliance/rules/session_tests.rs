//! Unit tests of the session rules.

use super::host_tests::{DAY, codes, date, human_born};
use super::*;
use crate::domain::enums::{EntityStatus, InfluencerKind, Platform, RegulatedField};

fn clean_plan() -> SessionPlan {
    SessionPlan {
        date: DAY(),
        platform: Some(Platform::Douyin),
        has_active_account: true,
        language: "zh-CN".into(),
        ai_label: false,
        lineup: vec![],
        unknown_products: vec![],
    }
}

fn item(sku: &str) -> LineupFacts {
    LineupFacts {
        sku: sku.into(),
        recalled: false,
        regulated_field: None,
        tested_by_host: true,
    }
}

fn seller() -> HostSnapshot {
    let mut host = human_born(date(1990, 1, 1));
    host.legal_entities = vec![EntityStatus::Active];
    host
}

#[test]
fn a_clean_plan_is_ready() {
    let mut plan = clean_plan();
    plan.lineup = vec![item("A")];
    let violations = evaluate_session(&seller(), &plan);
    assert!(violations.is_empty(), "{violations:?}");
    assert!(ready_to_start(&violations));
}

#[test]
fn platform_account_language_and_ai_label_block_scheduling() {
    let mut plan = clean_plan();
    plan.has_active_account = false;
    plan.language = "en".into();
    let violations = evaluate_session(&seller(), &plan);
    assert_eq!(
        codes(&violations),
        vec![
            ViolationCode::PlatformAccountMissing,
            ViolationCode::LanguageNotMandarin
        ]
    );
    assert!(blocks_scheduling(&violations));

    plan = clean_plan();
    plan.platform = Some(Platform::Tiktok);
    plan.language = "en".into();
    assert!(
        evaluate_session(&seller(), &plan).is_empty(),
        "English is fine off the mainland"
    );

    let mut avatar = seller();
    avatar.kind = InfluencerKind::Virtual;
    let violations = evaluate_session(&avatar, &clean_plan());
    assert_eq!(codes(&violations), vec![ViolationCode::AiLabelMissing]);
    let mut labelled = clean_plan();
    labelled.ai_label = true;
    assert!(evaluate_session(&avatar, &labelled).is_empty());
}

#[test]
fn lineup_rules_recall_entity_tests_and_qualifications() {
    let mut plan = clean_plan();
    let mut pill = item("PILL");
    pill.regulated_field = Some(RegulatedField::Medicine);
    pill.tested_by_host = false;
    let mut bad = item("BAD");
    bad.recalled = true;
    plan.lineup = vec![pill, bad];
    let host = human_born(date(1990, 1, 1));
    let violations = evaluate_session(&host, &plan);
    assert_eq!(
        codes(&violations),
        vec![
            ViolationCode::ProductRecalled,
            ViolationCode::LegalEntityMissing,
            ViolationCode::ProductUntested,
            ViolationCode::QualificationMissing
        ]
    );
    assert!(blocks_scheduling(&violations));
    // Without the recalled product, the rest only block going live.
    plan.lineup.pop();
    let violations = evaluate_session(&host, &plan);
    assert!(!blocks_scheduling(&violations));
    assert!(!ready_to_start(&violations));
}

#[test]
fn host_rules_apply_on_the_session_day_and_expiry_warnings_stay_off_sessions() {
    let mut host = seller();
    host.identity.as_mut().unwrap().date_of_birth = Some(date(2010, 12, 1));
    host.has_guardian_consent = true;
    let mut plan = clean_plan();
    assert_eq!(
        codes(&evaluate_session(&host, &plan)),
        vec![ViolationCode::Underage]
    );
    plan.date = date(2026, 12, 1);
    assert!(
        evaluate_session(&host, &plan).is_empty(),
        "sixteen on the session day"
    );
    host.qualifications = vec![QualificationFacts {
        field: RegulatedField::Law,
        valid_from: date(2020, 1, 1),
        valid_until: date(2026, 12, 10),
    }];
    assert!(evaluate_session(&host, &plan).is_empty());
}

#[test]
fn an_unknown_account_or_product_is_a_violation_never_skipped() {
    let mut plan = clean_plan();
    plan.platform = None;
    plan.has_active_account = false;
    plan.language = "en".into();
    let violations = evaluate_session(&seller(), &plan);
    assert_eq!(
        codes(&violations),
        vec![
            ViolationCode::PlatformAccountMissing,
            ViolationCode::LanguageNotMandarin
        ],
        "an unknown platform is judged as strictly as a mainland one"
    );
    assert!(blocks_scheduling(&violations));

    let mut plan = clean_plan();
    plan.unknown_products = vec!["0192b7a0-0000-7000-8000-000000000000".into()];
    let violations = evaluate_session(&seller(), &plan);
    assert_eq!(codes(&violations), vec![ViolationCode::ProductUnknown]);
    assert!(violations[0].message.contains("0192b7a0"));
    assert!(blocks_scheduling(&violations));
    assert!(!ready_to_start(&violations));
}
