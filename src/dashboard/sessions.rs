//! The dashboard's sessions: the window's first sessions judged the way `GET /v1/live-sessions`
//! judges them (their lineups, then the [`Facts`] about all of them read at once and each
//! judged on them), and the window's sessions counted per local day.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::dto::{DashboardSession, DashboardSessions, DayCount, SessionReadiness};
use super::model::{self, BucketCount, NamedSession, Window};
use crate::compliance::plan::{Draft, Facts, draft_of};
use crate::compliance::rules::ready_to_start;
use crate::domain::enums::Platform;
use crate::error::AppError;
use crate::reports::period::local_midnight;
use crate::sessions::model as sessions;

/// Sessions listed at most.
pub const LIMIT: usize = 200;

/// Days in the window: today and the next 7.
pub const DAYS: i64 = 8;

/// The instants the window's days are counted by: local midnight starting each day after
/// today (bucket 0 is today, a session running on from yesterday included; bucket `k` day `k`).
pub fn day_bounds(today: NaiveDate, time_zone: Tz) -> Vec<DateTime<Utc>> {
    (1..DAYS)
        .map(|n| local_midnight(today + Duration::days(n), time_zone))
        .collect()
}

/// The window's sessions read at once (pipelined with the handler's counts): counted per day,
/// and the first [`LIMIT`] with their hosts' stage names.
pub async fn read(
    conn: &AsyncPgConnection,
    agency_id: Uuid,
    window: Window,
    bounds: &[DateTime<Utc>],
) -> QueryResult<(Vec<BucketCount>, Vec<NamedSession>)> {
    let limit = i64::try_from(LIMIT).unwrap_or(i64::MAX);
    tokio::try_join!(
        model::day_counts(conn, agency_id, window, bounds),
        model::first_sessions(conn, agency_id, window, limit),
    )
}

/// The window's sessions: counted per day, the first [`LIMIT`] listed with their compliance.
pub async fn window_sessions(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    (time_zone, valid_days): (Tz, u32),
    today: NaiveDate,
    window: Window,
    (counts, rows): (Vec<BucketCount>, Vec<NamedSession>),
) -> Result<DashboardSessions, AppError> {
    let mut days: Vec<DayCount> = (0..DAYS)
        .map(|n| DayCount {
            date: today + Duration::days(n),
            sessions: 0,
        })
        .collect();
    for count in &counts {
        if let Some(day) = usize::try_from(count.bucket)
            .ok()
            .and_then(|i| days.get_mut(i))
        {
            day.sessions += count.sessions;
        }
    }
    let total: i64 = counts.iter().map(|c| c.sessions).sum();
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
