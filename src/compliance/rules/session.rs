//! The rules of a planned session: its platform account, language, AI label and lineup, on
//! top of its host's rules on the session's day.

use chrono::NaiveDate;

use super::host::{HostSnapshot, evaluate_host};
use super::{Stage, Violation, ViolationCode};
use crate::domain::enums::{InfluencerKind, Platform, RegulatedField, is_mandarin};

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
