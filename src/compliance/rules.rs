//! The compliance rules (DESIGN.md, "Compliance rules"): pure functions from plain snapshots to
//! violations. No I/O here, so every rule is tested without a database.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::enums::{
    EntityStatus, InfluencerKind, InfluencerStatus, Platform, RegulatedField, VerificationState,
    is_mandarin,
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
        ProductUnknown => "product_unknown",
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
            | V::ProductRecalled
            | V::ProductUnknown => Stage::Schedule,
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
    /// What the violation is about within its host or session (a product's SKU, a platform, a
    /// qualification): part of the stable id on the compliance page, never shown.
    #[serde(skip)]
    pub subject: Option<String>,
}

impl Violation {
    pub fn new(code: ViolationCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            blocks: code.blocks(),
            subject: None,
        }
    }

    /// The same violation, about `subject`.
    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

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

/// A lineup product, as the session rules see it.
#[derive(Debug, Clone)]
pub struct LineupFacts {
    pub sku: String,
    pub recalled: bool,
    pub regulated_field: Option<RegulatedField>,
    /// The host has a passing test of it that is still valid on the session's day.
    pub tested_by_host: bool,
}

/// A session as planned: what the session rules look at besides the host.
#[derive(Debug, Clone)]
pub struct SessionPlan {
    /// The session's day in the agency's time zone.
    pub date: NaiveDate,
    /// The platform of the session's account; `None` when the account is not found, which
    /// the rules treat as the strictest case (no account, a mainland platform).
    pub platform: Option<Platform>,
    /// The host has an active (not banned) account on `platform`.
    pub has_active_account: bool,
    pub language: String,
    pub ai_label: bool,
    pub lineup: Vec<LineupFacts>,
    /// Lineup products that are not in the agency's catalogue (ids): nothing can be checked
    /// about them, so each one is a violation.
    pub unknown_products: Vec<String>,
}

/// Every rule for a host in a session: the host rules on the session's day, then the session's
/// own. After-the-fact findings are left to the compliance page.
pub fn evaluate_session(host: &HostSnapshot, plan: &SessionPlan) -> Vec<Violation> {
    let mut violations: Vec<Violation> = evaluate_host(host, plan.date)
        .into_iter()
        .filter(|v| v.blocks != Stage::Nothing)
        .collect();
    match plan.platform {
        Some(platform) if !plan.has_active_account => violations.push(
            Violation::new(
                ViolationCode::PlatformAccountMissing,
                format!("The host has no active {platform} account."),
            )
            .about(platform.as_str()),
        ),
        Some(_) => {}
        None => violations.push(
            Violation::new(
                ViolationCode::PlatformAccountMissing,
                "The session's platform account is not a known account of this host.",
            )
            .about("unknown_account"),
        ),
    }
    if host.kind == InfluencerKind::Virtual && !plan.ai_label {
        violations.push(Violation::new(
            ViolationCode::AiLabelMissing,
            "A virtual host's session must tell viewers the host is AI-generated (ai_label).",
        ));
    }
    if plan.platform.is_none_or(Platform::is_mainland) && !is_mandarin(&plan.language) {
        let platform = plan
            .platform
            .map_or_else(|| "an unknown platform".to_owned(), |p| p.to_string());
        violations.push(Violation::new(
            ViolationCode::LanguageNotMandarin,
            format!(
                "Sessions on {platform} are in Mandarin, not {}.",
                plan.language
            ),
        ));
    }
    for id in &plan.unknown_products {
        violations.push(Violation::new(
            ViolationCode::ProductUnknown,
            format!("Lineup product {id} is not in the catalogue."),
        ));
    }
    for item in plan.lineup.iter().filter(|item| item.recalled) {
        violations.push(
            Violation::new(
                ViolationCode::ProductRecalled,
                format!("Product {} is recalled.", item.sku),
            )
            .about(&item.sku),
        );
    }
    let sells = !plan.lineup.is_empty() || !plan.unknown_products.is_empty();
    if sells && !host.has_active_legal_entity() {
        violations.push(Violation::new(
            ViolationCode::LegalEntityMissing,
            "The host sells products but has no active legal entity.",
        ));
    }
    for item in plan.lineup.iter().filter(|item| !item.tested_by_host) {
        violations.push(Violation::new(
            ViolationCode::ProductUntested,
            format!(
                "The host has no valid passing test of product {}.",
                item.sku
            ),
        ));
    }
    for item in &plan.lineup {
        if let Some(field) = item.regulated_field
            && !host.qualified_for(field, plan.date)
        {
            violations.push(
                Violation::new(
                    ViolationCode::QualificationMissing,
                    format!(
                        "Product {} is in {field}; the host has no valid {field} qualification.",
                        item.sku
                    ),
                )
                .about(&item.sku),
            );
        }
    }
    violations
}

/// Whether a session with these violations may be scheduled.
pub fn blocks_scheduling(violations: &[Violation]) -> bool {
    violations.iter().any(|v| v.blocks == Stage::Schedule)
}

/// Whether a session with these violations may go live.
pub fn ready_to_start(violations: &[Violation]) -> bool {
    !violations
        .iter()
        .any(|v| matches!(v.blocks, Stage::Schedule | Stage::Start))
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
                date_of_birth: Some(born),
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

    #[test]
    fn every_code_has_its_design_stage() {
        assert_eq!(ViolationCode::ProductRecalled.blocks(), Stage::Schedule);
        assert_eq!(ViolationCode::ProductUntested.blocks(), Stage::Start);
        assert_eq!(
            ViolationCode::SalesWithoutLegalEntity.blocks(),
            Stage::Nothing
        );
        assert_eq!(ViolationCode::ProductUnknown.blocks(), Stage::Schedule);
        assert_eq!(ViolationCode::ALL.len(), 19);
    }

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
}
