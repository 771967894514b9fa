//! Request and answer bodies of `/v1/live-sessions`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::compliance::rules::Violation;
use crate::domain::double_option;
use crate::domain::enums::{Platform, SessionState, VenueType};
use crate::text_enum;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Venue {
    #[serde(rename = "type")]
    pub venue_type: VenueType,
    #[schema(min_length = 1, max_length = 100)]
    pub city: String,
    /// 1 (largest cities) to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub city_tier: i16,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineupItemRequest {
    pub product_id: Uuid,
    /// Decimal string in the product's currency.
    #[schema(value_type = Option<String>, example = "99.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub planned_price: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    pub influencer_id: Uuid,
    /// One of the host's accounts; its platform is the session's.
    pub platform_account_id: Uuid,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub scheduled_start: DateTime<Utc>,
    /// After the start, at most 24 hours later.
    pub scheduled_end: DateTime<Utc>,
    /// BCP 47, e.g. `zh-CN`; mainland platforms need Mandarin.
    pub language: String,
    pub venue: Option<Venue>,
    #[serde(default)]
    pub lineup: Vec<LineupItemRequest>,
    /// A virtual host's session tells viewers the host is AI-generated.
    pub ai_label: Option<bool>,
    #[schema(max_length = 2000)]
    pub replay_url: Option<String>,
}

/// Only the fields to change. Times, account, language, venue and AI label change only while
/// scheduled; title and replay link at any time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    pub platform_account_id: Option<Uuid>,
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub scheduled_end: Option<DateTime<Utc>>,
    pub language: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Venue>)]
    pub venue: Option<Option<Venue>>,
    pub ai_label: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub replay_url: Option<Option<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineupRequest {
    pub items: Vec<LineupItemRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

text_enum! {
    pub enum Severity {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub severity: Severity,
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub mandarin_spoken: bool,
    pub dress_code_ok: bool,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub incidents: Vec<Incident>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineupItemView {
    pub position: i16,
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub planned_price: Option<String>,
    pub currency: String,
    pub recalled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub mandarin_spoken: bool,
    pub dress_code_ok: bool,
    pub incidents: Vec<Incident>,
    pub reviewed_by: Uuid,
    pub reviewed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCompliance {
    /// No violation blocks going live.
    pub ready_to_start: bool,
    pub violations: Vec<Violation>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub platform_account_id: Uuid,
    pub platform: Platform,
    pub title: String,
    /// UTC.
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    /// The agency's time zone, for showing times locally.
    pub time_zone: String,
    pub language: String,
    pub venue: Option<Venue>,
    pub ai_label: bool,
    pub replay_url: Option<String>,
    pub state: SessionState,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub lineup: Vec<LineupItemView>,
    pub review: Option<ReviewView>,
    pub compliance: SessionCompliance,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionListQuery {
    /// Sessions that end after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    pub influencer_id: Option<Uuid>,
    pub platform: Option<Platform>,
    pub state: Option<SessionState>,
    /// Part of the title, any case.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
