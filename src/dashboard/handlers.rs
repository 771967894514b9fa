//! `GET /v1/dashboard`.

use actix_web::HttpResponse;
use chrono::Duration;
use uuid::Uuid;

use super::dto::{
    Dashboard, DashboardCompliance, DraftMonth, DraftStatements, HostCounts, IssueCount,
};
use super::model::{self, Window};
use super::{gmv, sessions};
use crate::agencies::today_in;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::compliance::context::rule_context;
use crate::compliance::issues::RuleContext;
use crate::compliance::refresh::refresh;
use crate::domain::enums::InfluencerStatus;
use crate::error::AppError;
use crate::reports::period::local_midnight;

/// Today and the week at a glance, in one call. Every day is a day of the agency's time zone.
///
/// - `sessions`: the window is today and the next 7 days, `[from, to)` from local midnight
///   today to local midnight 8 days later. It takes every scheduled or live session whose
///   scheduled time overlaps the window (one running on from yesterday included), and every
///   session overlapping today whatever its state (today's ended and cancelled ones too).
///   `total` counts them and `days` per local day of their start; `items` lists the first 200 in
///   calendar order, each with its compliance judged now as `GET /v1/live-sessions` judges it.
/// - `compliance`: the open issues of `GET /v1/compliance/issues` (brought up to date the same
///   way first), counted per code.
/// - `gmv`: today, the last 7 days and the last 30 days, each window ending with today
///   (`from` the first day, `to` the day after today, exclusive), per currency: exactly what
///   `GET /v1/reports/gmv?from=…&to=…` answers for those dates.
/// - `hosts`: the roster by status; `statements`: drafts waiting for approval, by month.
#[utoipa::path(
    get, path = "/v1/dashboard", tag = "dashboard", security(("bearer" = [])),
    responses((status = 200, description = "The agency's day and week", body = Dashboard))
)]
pub async fn dashboard(caller: Caller) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let agency_id = caller.agency_id;
    let mut conn = caller.conn().await?;
    let (time_zone, valid_days) = rule_context(&mut conn, caller.state(), agency_id).await?;
    let today = today_in(time_zone);
    let window = Window {
        start: local_midnight(today, time_zone),
        tomorrow: local_midnight(today + Duration::days(1), time_zone),
        end: local_midnight(today + Duration::days(sessions::DAYS), time_zone),
    };

    let rules = RuleContext {
        time_zone,
        valid_days,
        today,
    };
    refresh(&mut conn, agency_id, &rules).await?;
    let compliance = compliance(&mut conn, agency_id).await?;
    let sessions =
        sessions::window_sessions(&mut conn, agency_id, (time_zone, valid_days), today, window)
            .await?;
    let gmv = gmv::windows(&mut conn, agency_id, time_zone, today).await?;
    let hosts = hosts(&mut conn, agency_id).await?;
    let statements = statements(&mut conn, agency_id).await?;
    Ok(HttpResponse::Ok().json(Dashboard {
        time_zone: time_zone.name().to_owned(),
        today,
        sessions,
        compliance,
        gmv,
        hosts,
        statements,
    }))
}

async fn compliance(
    conn: &mut diesel_async::AsyncPgConnection,
    agency_id: Uuid,
) -> Result<DashboardCompliance, AppError> {
    let by_code: Vec<IssueCount> = model::open_issues_by_code(conn, agency_id)
        .await?
        .into_iter()
        .map(|(code, count)| IssueCount { code, count })
        .collect();
    Ok(DashboardCompliance {
        open_issues: by_code.iter().map(|c| c.count).sum(),
        by_code,
    })
}

async fn hosts(
    conn: &mut diesel_async::AsyncPgConnection,
    agency_id: Uuid,
) -> Result<HostCounts, AppError> {
    let mut counts = HostCounts::default();
    for (status, count) in model::hosts_by_status(conn, agency_id).await? {
        counts.total += count;
        match status {
            InfluencerStatus::Active => counts.active += count,
            InfluencerStatus::Suspended => counts.suspended += count,
            InfluencerStatus::Terminated => counts.terminated += count,
        }
    }
    Ok(counts)
}

async fn statements(
    conn: &mut diesel_async::AsyncPgConnection,
    agency_id: Uuid,
) -> Result<DraftStatements, AppError> {
    let months: Vec<DraftMonth> = model::drafts_by_month(conn, agency_id)
        .await?
        .into_iter()
        .map(|(month, count, blocked)| DraftMonth {
            month: month.format("%Y-%m").to_string(),
            count,
            blocked,
        })
        .collect();
    Ok(DraftStatements {
        awaiting_approval: months.iter().map(|m| m.count).sum(),
        months,
    })
}
