//! Request and answer bodies of the compliance pages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::kinds::{FindingState, IssueKind};
use super::page::IssueRow;
use super::rules::{Stage, Violation, ViolationCode};

#[derive(Debug, Serialize, ToSchema)]
pub struct HostCompliance {
    pub influencer_id: Uuid,
    /// The agency-local day the rules were evaluated on.
    pub evaluated_on: NaiveDate,
    pub violations: Vec<Violation>,
}

/// One open issue on the agency's compliance page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceIssue {
    /// Stable while the issue is open: the same issue has the same id on every request.
    pub id: Uuid,
    /// `rule` leaves the list when its cause is fixed; `finding` when acknowledged or resolved.
    pub kind: IssueKind,
    pub influencer_id: Uuid,
    pub stage_name: String,
    /// The scheduled session the violation is about (or the past session of a review or
    /// promotion finding); absent for the host's own rules.
    pub session_id: Option<Uuid>,
    pub code: ViolationCode,
    pub message: String,
    pub blocks: Stage,
}

impl From<IssueRow> for ComplianceIssue {
    fn from(row: IssueRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            influencer_id: row.influencer_id,
            stage_name: row.stage_name,
            session_id: row.session_id,
            code: row.code,
            message: row.message,
            blocks: row.blocks,
        }
    }
}

/// What staff say about a finding.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingNote {
    /// 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// A finding's state after `acknowledge` or `resolve`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingStateView {
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub code: ViolationCode,
    pub state: FindingState,
    pub note: String,
    pub acted_by: Uuid,
    pub acted_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssueQuery {
    pub code: Option<ViolationCode>,
    pub influencer_id: Option<Uuid>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
