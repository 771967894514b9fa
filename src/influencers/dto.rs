//! Request and answer bodies of `/v1/influencers`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::facts::HostFacts;
use super::model::Influencer;
use crate::domain::double_option;
use crate::domain::enums::{InfluencerKind, InfluencerStatus, Platform, VerificationState};
use crate::error::FieldError;

#[derive(Debug, Serialize, ToSchema)]
pub struct InfluencerView {
    pub id: Uuid,
    pub kind: InfluencerKind,
    pub stage_name: String,
    pub status: InfluencerStatus,
    /// Why the host was last suspended, reinstated or terminated.
    pub status_reason: Option<String>,
    pub status_changed_at: Option<DateTime<Utc>>,
    /// BCP 47 tags, e.g. `zh-CN`.
    pub languages: Vec<String>,
    pub notes: Option<String>,
    /// The real-name identity's state: `unverified` (none submitted), `pending`, `verified`,
    /// `rejected`, or `erased` (its personal data erased on request).
    pub identity_state: VerificationState,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl InfluencerView {
    pub fn new(row: Influencer, identity_state: VerificationState) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            stage_name: row.stage_name,
            status: row.status,
            status_reason: row.status_reason,
            status_changed_at: row.status_changed_at,
            languages: row.languages.into_iter().flatten().collect(),
            notes: row.notes,
            identity_state,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A host as the roster list and `GET /v1/influencers/{id}` show it: the host, and what a
/// roster table shows next to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InfluencerDetail {
    #[serde(flatten)]
    pub host: InfluencerView,
    /// The host has a legal entity whose status is `active`.
    pub has_active_legal_entity: bool,
    /// The platforms of the host's active accounts (banned ones left out), each once, sorted.
    pub platforms: Vec<Platform>,
    /// The host's open issues: the number `GET /v1/compliance/issues?influencer_id=` lists.
    #[schema(minimum = 0)]
    pub open_violations: i64,
}

impl InfluencerDetail {
    pub fn new(row: Influencer, identity_state: VerificationState, facts: HostFacts) -> Self {
        Self {
            host: InfluencerView::new(row, identity_state),
            has_active_legal_entity: facts.has_active_legal_entity,
            platforms: facts.platforms,
            open_violations: facts.open_violations,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInfluencerRequest {
    pub kind: InfluencerKind,
    #[schema(min_length = 1, max_length = 100)]
    pub stage_name: String,
    #[schema(max_items = 10)]
    pub languages: Option<Vec<String>>,
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

/// Only the fields to change; `notes: null` clears the notes. The kind never changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInfluencerRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub stage_name: Option<String>,
    #[schema(max_items = 10)]
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub notes: Option<Option<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Why, e.g. "tax investigation".
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InfluencerListQuery {
    pub status: Option<InfluencerStatus>,
    pub kind: Option<InfluencerKind>,
    /// Hosts with an account on this platform.
    pub platform: Option<Platform>,
    /// Part of the stage name (case-insensitive).
    pub q: Option<String>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TerminateQuery {
    /// Why the host is terminated (default "terminated").
    pub reason: Option<String>,
}

/// Checks language tags (BCP 47 shape: `zh`, `zh-CN`, `yue-Hant-HK`), at most 10, without
/// repeats.
pub fn check_languages(field: &str, tags: &[String]) -> Result<Vec<Option<String>>, FieldError> {
    if tags.len() > 10 {
        return Err(FieldError::new(field, "too_many", "at most 10 languages"));
    }
    let mut out: Vec<Option<String>> = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        if !is_language_tag(tag) {
            return Err(FieldError::new(
                field,
                "invalid_language",
                format!("{tag:?} is not a BCP 47 language tag"),
            ));
        }
        let tag = Some(tag.to_owned());
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// The shape of a BCP 47 tag: a 2–3 letter language, then 2–8 character subtags.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    language_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for good in ["zh", "zh-CN", "yue-Hant-HK", "en-US", "cmn"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in ["", "c", "chinese", "zh_CN", "zh-", "zh-C", "1a"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
        let tags =
            check_languages("languages", &["zh-CN".into(), "zh-CN".into(), "en".into()]).unwrap();
        assert_eq!(tags.len(), 2);
    }
}
