//! `GET /v1/dashboard`.

use actix_web::HttpResponse;
use chrono::{Duration, NaiveDate};

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
use crate::compliance::rules::ViolationCode;
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
    // The independent reads sent together on the connection (pipelined), answered in order.
    let bounds = sessions::day_bounds(today, time_zone);
    let (issues, host_rows, draft_rows, window_rows) = {
        let shared: &diesel_async::AsyncPgConnection = &conn;
        tokio::try_join!(
            model::open_issues_by_code(shared, agency_id),
            model::hosts_by_status(shared, agency_id),
            model::drafts_by_month(shared, agency_id),
            sessions::read(shared, agency_id, window, &bounds),
        )?
    };
    let sessions = sessions::window_sessions(
        &mut conn,
        agency_id,
        (time_zone, valid_days),
        today,
        window,
        window_rows,
    )
    .await?;
    let gmv = gmv::windows(&mut conn, agency_id, time_zone, today).await?;
    let compliance = compliance(issues);
    let hosts = hosts(host_rows);
    let statements = statements(draft_rows);
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

fn compliance(issues: Vec<(ViolationCode, i64)>) -> DashboardCompliance {
    let by_code: Vec<IssueCount> = issues
        .into_iter()
        .map(|(code, count)| IssueCount { code, count })
        .collect();
    DashboardCompliance {
        open_issues: by_code.iter().map(|c| c.count).sum(),
        by_code,
    }
}

fn hosts(rows: Vec<(InfluencerStatus, i64)>) -> HostCounts {
    let mut counts = HostCounts::default();
    for (status, count) in rows {
        counts.total += count;
        match status {
            InfluencerStatus::Active => counts.active += count,
            InfluencerStatus::Suspended => counts.suspended += count,
            InfluencerStatus::Terminated => counts.terminated += count,
        }
    }
    counts
}

fn statements(rows: Vec<(NaiveDate, i64, i64)>) -> DraftStatements {
    let months: Vec<DraftMonth> = rows
        .into_iter()
        .map(|(month, count, blocked)| DraftMonth {
            month: month.format("%Y-%m").to_string(),
            count,
            blocked,
        })
        .collect();
    DraftStatements {
        awaiting_approval: months.iter().map(|m| m.count).sum(),
        months,
    }
}
