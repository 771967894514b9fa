//! The compliance rules (DESIGN.md, "Compliance rules"): pure functions from plain snapshots to
//! violations. No I/O here, so every rule is tested without a database.
//!
//! This module holds the catalogue of rules (their codes and the stage each blocks) and what a
//! broken rule says; `host` holds the rules of a host, `session` those of a planned session.

mod host;
mod session;

#[cfg(test)]
mod host_tests;
#[cfg(test)]
mod session_tests;

use serde::Serialize;
use utoipa::ToSchema;

pub use host::{HostSnapshot, IdentityFacts, QualificationFacts, age_on, evaluate_host};
pub use session::{LineupFacts, SessionPlan, blocks_scheduling, evaluate_session, ready_to_start};

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
        IncomeTypeConverted => "income_type_converted",
        PayoutToThirdParty => "payout_to_third_party",
        EntityAndLabourSameMonth => "entity_and_labour_same_month",
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
            | V::QualificationExpiring
            | V::IncomeTypeConverted
            | V::PayoutToThirdParty
            | V::EntityAndLabourSameMonth => Stage::Nothing,
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
    /// The violation of `code`, blocking what the rule blocks.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_design_stage() {
        assert_eq!(ViolationCode::ProductRecalled.blocks(), Stage::Schedule);
        assert_eq!(ViolationCode::ProductUntested.blocks(), Stage::Start);
        assert_eq!(
            ViolationCode::SalesWithoutLegalEntity.blocks(),
            Stage::Nothing
        );
        assert_eq!(ViolationCode::ProductUnknown.blocks(), Stage::Schedule);
        assert_eq!(ViolationCode::PayoutToThirdParty.blocks(), Stage::Nothing);
        assert_eq!(ViolationCode::ALL.len(), 22);
    }
}
