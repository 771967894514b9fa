//! Session plans as the rules see them: a [`Draft`] (stored or proposed), the [`Facts`] the rules
//! read about some drafts (in a few queries for any number of them), and the verdicts.

mod facts;
mod judge;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

pub use facts::Facts;

use super::rules::Violation;
use crate::error::AppError;
use crate::sessions::model::{LineupRow, LiveSession};

/// A session as the rules see it, before or after it is stored.
#[derive(Debug, Clone)]
pub struct Draft {
    pub influencer_id: Uuid,
    pub platform_account_id: Uuid,
    pub scheduled_start: DateTime<Utc>,
    pub language: String,
    pub ai_label: bool,
    pub product_ids: Vec<Uuid>,
}

/// The agency-local day of an instant.
pub fn local_date(at: DateTime<Utc>, time_zone: Tz) -> NaiveDate {
    at.with_timezone(&time_zone).date_naive()
}

/// The violations of each draft, in order.
pub async fn evaluate(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    time_zone: Tz,
    valid_days: u32,
    drafts: &[Draft],
) -> Result<Vec<Vec<Violation>>, AppError> {
    Facts::load(conn, agency_id, time_zone, valid_days, drafts)
        .await?
        .judge(drafts)
}

/// The draft a stored session is, with its lineup.
pub fn draft_of(session: &LiveSession, lineup: &[LineupRow]) -> Draft {
    Draft {
        influencer_id: session.influencer_id,
        platform_account_id: session.platform_account_id,
        scheduled_start: session.scheduled_start,
        language: session.language.clone(),
        ai_label: session.ai_label,
        product_ids: lineup
            .iter()
            .filter(|l| l.session_id == session.id)
            .map(|l| l.product_id)
            .collect(),
    }
}
