//! The dashboard's sessions: the window's first sessions judged the way `GET /v1/live-sessions`
//! judges them (their lineups, then the [`Facts`] about all of them read at once and each
//! judged on them), and the window's sessions counted per local day.

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::dto::{DashboardSession, DashboardSessions, DayCount, SessionReadiness};
use super::model::{self, NamedSession, Window};
use crate::compliance::plan::{Draft, Facts, draft_of, local_date};
use crate::compliance::rules::ready_to_start;
use crate::domain::enums::Platform;
use crate::error::AppError;
use crate::sessions::model as sessions;

/// Sessions listed at most.
pub const LIMIT: usize = 200;

/// Days in the window: today and the next 7.
pub const DAYS: i64 = 8;

/// The window's sessions: counted per day, the first [`LIMIT`] listed with their compliance.
pub async fn window_sessions(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    (time_zone, valid_days): (Tz, u32),
    today: NaiveDate,
    window: Window,
) -> Result<DashboardSessions, AppError> {
    let keys = model::window_keys(conn, agency_id, window).await?;
    let mut days: Vec<DayCount> = (0..DAYS)
        .map(|n| DayCount {
            date: today + Duration::days(n),
            sessions: 0,
        })
        .collect();
    for (start, _) in &keys {
        // A session running on from yesterday counts on today.
        let offset = (local_date(*start, time_zone) - today).num_days().max(0);
        if let Some(day) = usize::try_from(offset).ok().and_then(|i| days.get_mut(i)) {
            day.sessions += 1;
        }
    }
    let total = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    let listed: Vec<Uuid> = keys.iter().take(LIMIT).map(|(_, id)| *id).collect();
    let rows = if listed.is_empty() {
        Vec::new()
    } else {
        model::named_sessions(conn, agency_id, &listed).await?
    };
    let items = if rows.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.session.id).collect();
        let lineups = sessions::lineups(conn, agency_id, &ids).await?;
        let drafts: Vec<Draft> = rows
            .iter()
            .map(|r| draft_of(&r.session, &lineups))
            .collect();
        let facts = Facts::load(conn, agency_id, time_zone, valid_days, &drafts).await?;
        let verdicts = facts.judge(&drafts)?;
        rows.into_iter()
            .zip(verdicts)
            .map(
                |(
                    NamedSession {
                        session: s,
                        stage_name,
                    },
                    violations,
                )| DashboardSession {
                    platform: facts
                        .platform_of(s.platform_account_id)
                        .unwrap_or(Platform::Other),
                    compliance: SessionReadiness {
                        ready_to_start: ready_to_start(&violations),
                        violations: violations.into_iter().map(|v| v.code).collect(),
                    },
                    id: s.id,
                    title: s.title,
                    influencer_id: s.influencer_id,
                    stage_name,
                    scheduled_start: s.scheduled_start,
                    scheduled_end: s.scheduled_end,
                    state: s.state,
                },
            )
            .collect()
    };
    Ok(DashboardSessions {
        from: window.start,
        to: window.end,
        total,
        truncated: total > i64::try_from(items.len()).unwrap_or(i64::MAX),
        days,
        items,
    })
}
