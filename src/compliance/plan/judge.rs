//! Judging drafts on the [`Facts`] read about them: what the rules see of each draft and the
//! violations they find. A draft the facts do not cover is an error, never a pass.

use chrono::Duration;
use uuid::Uuid;

use super::{Draft, Facts, local_date};
use crate::compliance::rules::{LineupFacts, SessionPlan, Violation, evaluate_session};
use crate::domain::enums::AccountStatus;
use crate::error::AppError;

impl Facts {
    /// Whether these facts hold all that judging `draft` reads.
    pub fn covers(&self, draft: &Draft) -> bool {
        let date = local_date(draft.scheduled_start, self.time_zone);
        self.hosts.contains(&draft.influencer_id)
            && draft.product_ids.iter().all(|id| self.asked.contains(id))
            && (draft.product_ids.is_empty()
                || self
                    .days
                    .is_some_and(|(first, last)| first <= date && date <= last))
    }

    /// The violations of one draft these facts cover. An evaluation that yields no verdict is
    /// an error, never a pass: a compliance gate fails closed.
    pub fn judge_one(&self, draft: &Draft) -> Result<Vec<Violation>, AppError> {
        let mut verdicts = self.judge(std::slice::from_ref(draft))?;
        match (verdicts.pop(), verdicts.is_empty()) {
            (Some(violations), true) => Ok(violations),
            _ => Err(AppError::Internal(anyhow::anyhow!(
                "the compliance evaluation of a session gave no single verdict"
            ))),
        }
    }

    /// The violations of each draft, in order; a draft the facts do not cover is an error.
    pub fn judge(&self, drafts: &[Draft]) -> Result<Vec<Vec<Violation>>, AppError> {
        let mut results = Vec::with_capacity(drafts.len());
        for draft in drafts {
            if !self.covers(draft) {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "a session was judged on facts read for others"
                )));
            }
            let Some(host) = self.snapshots.get(&draft.influencer_id) else {
                return Err(AppError::NotFound);
            };
            results.push(evaluate_session(host, &self.plan(draft)));
        }
        Ok(results)
    }

    /// What the rules see of a draft these facts cover.
    fn plan(&self, draft: &Draft) -> SessionPlan {
        let window = Duration::days(i64::from(self.valid_days));
        let date = local_date(draft.scheduled_start, self.time_zone);
        // Fail closed: an account or a product that is not found is a violation, not skipped.
        let platform = self.platform_of(draft.platform_account_id);
        let unknown_products = draft
            .product_ids
            .iter()
            .filter(|id| !self.catalogue.contains_key(id))
            .map(Uuid::to_string)
            .collect();
        let lineup = draft
            .product_ids
            .iter()
            .filter_map(|id| self.catalogue.get(id))
            .map(|product| LineupFacts {
                sku: product.sku.clone(),
                recalled: product.recalled_at.is_some(),
                regulated_field: product.regulated_field,
                tested_by_host: self.tests.iter().any(|(host_id, product_id, tested_on)| {
                    *host_id == draft.influencer_id
                        && *product_id == product.id
                        && *tested_on <= date
                        && *tested_on >= date - window
                }),
            })
            .collect();
        SessionPlan {
            date,
            platform,
            has_active_account: platform.is_some_and(|platform| {
                self.accounts.values().any(|(owner, p, status)| {
                    *owner == draft.influencer_id
                        && *p == platform
                        && *status == AccountStatus::Active
                })
            }),
            language: draft.language.clone(),
            ai_label: draft.ai_label,
            lineup,
            unknown_products,
        }
    }
}
