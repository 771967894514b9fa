//! The answer of `GET /v1/dashboard`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::compliance::rules::ViolationCode;
use crate::domain::enums::{Platform, SessionState};

/// Today and the week at a glance, for the agency's staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    /// The agency's time zone: every window below is made of its days.
    pub time_zone: String,
    /// Today in the agency's time zone.
    pub today: NaiveDate,
    pub sessions: DashboardSessions,
    pub compliance: DashboardCompliance,
    pub gmv: DashboardGmv,
    pub hosts: HostCounts,
    pub statements: DraftStatements,
}

/// Sessions of today and the next 7 days (the window `[from, to)`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardSessions {
    /// Local midnight starting today, in UTC.
    pub from: DateTime<Utc>,
    /// Local midnight 8 days later (exclusive), in UTC.
    pub to: DateTime<Utc>,
    /// How many sessions the window takes (see the route), listed in `items` or not.
    #[schema(minimum = 0)]
    pub total: i64,
    /// `items` holds the first sessions only (see `total` and `days`).
    pub truncated: bool,
    /// The window's 8 local days with how many of `total` start on each (a session still
    /// running from yesterday counts on today).
    #[schema(min_items = 8, max_items = 8)]
    pub days: Vec<DayCount>,
    /// Up to 200 sessions in calendar order (scheduled start, then id).
    #[schema(max_items = 200)]
    pub items: Vec<DashboardSession>,
}

/// How many sessions start on a local day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayCount {
    pub date: NaiveDate,
    pub sessions: i64,
}

/// A session on the dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardSession {
    pub id: Uuid,
    pub title: String,
    pub influencer_id: Uuid,
    pub stage_name: String,
    pub platform: Platform,
    /// UTC.
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    pub state: SessionState,
    pub compliance: SessionReadiness,
}

/// A session's compliance, as `GET /v1/live-sessions/{id}` judges it now (codes only).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionReadiness {
    /// No violation blocks going live.
    pub ready_to_start: bool,
    pub violations: Vec<ViolationCode>,
}

/// Open compliance issues: the figures of `GET /v1/compliance/issues`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardCompliance {
    /// All open issues.
    pub open_issues: i64,
    /// Per code (codes with none left out), in code order.
    pub by_code: Vec<IssueCount>,
}

/// How many open issues have a code.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueCount {
    pub code: ViolationCode,
    pub count: i64,
}

/// GMV over three windows of local days, each ending with today: the figures
/// `GET /v1/reports/gmv?from=…&to=…` answers for the same dates (without `group_by`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardGmv {
    pub today: GmvWindow,
    pub last_7_days: GmvWindow,
    pub last_30_days: GmvWindow,
}

/// GMV over the local days `[from, to)`, per currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct GmvWindow {
    pub from: NaiveDate,
    /// Exclusive: the day after today.
    pub to: NaiveDate,
    /// One entry per currency sold in (never added together), in currency order; empty when
    /// nothing was sold.
    pub currencies: Vec<GmvFigures>,
}

/// The figures of one currency. Amounts are decimal strings in `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct GmvFigures {
    pub currency: String,
    pub orders: i64,
    pub units: i64,
    pub gross: String,
    pub refunded: String,
    /// `gross` − `refunded`.
    pub net: String,
}

/// The roster counted by status.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct HostCounts {
    pub total: i64,
    pub active: i64,
    pub suspended: i64,
    pub terminated: i64,
}

/// Statements waiting for approval (drafts).
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftStatements {
    pub awaiting_approval: i64,
    /// Per month, oldest first.
    pub months: Vec<DraftMonth>,
}

/// A month's drafts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftMonth {
    /// `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
    pub count: i64,
    /// Drafts that cannot be approved as they stand (stale, or days without a contract): they
    /// must be generated again first.
    pub blocked: i64,
}
