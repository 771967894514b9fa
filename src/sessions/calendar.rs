//! `GET /v1/live-sessions.ics`: the schedule as an iCalendar feed (RFC 5545).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use std::fmt::Write as _;

use super::dto::SessionListQuery;
use super::handlers::session_filter;
use super::model as sessions;
use crate::auth::{Caller, Capability};
use crate::domain::enums::SessionState;
use crate::error::AppError;
use crate::startup::AppState;

/// The most sessions one feed carries (calendar apps poll it; keep it bounded).
const FEED_LIMIT: i64 = 5000;

/// RFC 5545 TEXT escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (never inside a UTF-8 character), CRLF-terminated.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let size = c.len_utf8();
        if width + size > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += size;
    }
    out.push_str("\r\n");
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Renders sessions as a VCALENDAR.
pub fn render(rows: &[sessions::LiveSession], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mcn//live sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(&mut out, line);
    }
    for s in rows {
        push_line(&mut out, "BEGIN:VEVENT");
        push_line(&mut out, &format!("UID:{}@mcn", s.id));
        push_line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
        push_line(&mut out, &format!("DTSTART:{}", stamp(s.scheduled_start)));
        push_line(&mut out, &format!("DTEND:{}", stamp(s.scheduled_end)));
        push_line(&mut out, &format!("SUMMARY:{}", escape(&s.title)));
        let mut location = String::new();
        if let Some(city) = &s.venue_city {
            let _ = write!(location, "{city}");
            if let Some(kind) = s.venue_type {
                let _ = write!(location, " ({kind})");
            }
        }
        if !location.is_empty() {
            push_line(&mut out, &format!("LOCATION:{}", escape(&location)));
        }
        let status = match s.state {
            SessionState::Cancelled => "CANCELLED",
            _ => "CONFIRMED",
        };
        push_line(&mut out, &format!("STATUS:{status}"));
        push_line(
            &mut out,
            &format!("SEQUENCE:{}", s.version.saturating_sub(1)),
        );
        push_line(&mut out, "END:VEVENT");
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

/// The schedule as an iCalendar feed, filtered like the list (`from`, `to`, `influencer_id`,
/// `platform`, `state`); at most 5000 sessions.
#[utoipa::path(
    get, path = "/v1/live-sessions.ics", tag = "live sessions", security(("bearer" = [])),
    params(SessionListQuery),
    responses((status = 200, description = "text/calendar, one VEVENT per session", content_type = "text/calendar", body = String))
)]
pub async fn calendar_feed(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SessionListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let filter = session_filter(&query)?;
    let mut conn = state.conn().await?;
    let rows = sessions::list(&mut conn, caller.agency_id, &filter, None, FEED_LIMIT).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "inline; filename=\"live-sessions.ics\"",
        ))
        .body(render(&rows, Utc::now())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_fold() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let mut out = String::new();
        push_line(&mut out, &format!("SUMMARY:{}", "直播".repeat(40)));
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        assert!(out.contains("\r\n "));
    }
}
