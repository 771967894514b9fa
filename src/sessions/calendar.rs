//! `GET /v1/live-sessions.ics`: the schedule as an iCalendar feed (RFC 5545).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Months, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use std::fmt::Write as _;
use utoipa::IntoParams;
use uuid::Uuid;

use super::model::{self as sessions, SessionFilter};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::{Platform, SessionState};
use crate::error::{AppError, FieldError};
use crate::pagination::PageRequest;

/// Sessions read from the database at a time while the feed is built.
const CHUNK: u32 = 1000;
/// The default window: this far back from now...
const DEFAULT_DAYS_BACK: i64 = 90;
/// ...to this far ahead.
const DEFAULT_DAYS_AHEAD: i64 = 365;
/// The longest window one feed covers.
const MAX_MONTHS: u32 = 18;

/// The feed's window and filters. Unknown parameters (`limit`, `cursor`: the feed is never
/// paged) are refused.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// Sessions that end after this time (RFC 3339); default 90 days before now.
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this time (RFC 3339); default 365 days after now. At most
    /// 18 months after `from`.
    pub to: Option<DateTime<Utc>>,
    pub influencer_id: Option<Uuid>,
    pub platform: Option<Platform>,
    pub state: Option<SessionState>,
}

/// The window `[from, to)` the feed covers, defaults applied, or why it is refused.
pub fn window(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), FieldError> {
    let from = from.unwrap_or(now - Duration::days(DEFAULT_DAYS_BACK));
    let to = to.unwrap_or(now + Duration::days(DEFAULT_DAYS_AHEAD));
    if from >= to {
        return Err(FieldError::new(
            "to",
            "invalid_range",
            "to must be after from",
        ));
    }
    match from.checked_add_months(Months::new(MAX_MONTHS)) {
        Some(limit) if to <= limit => Ok((from, to)),
        _ => Err(FieldError::new(
            "to",
            "range_too_long",
            format!("a feed covers at most {MAX_MONTHS} months"),
        )),
    }
}

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

/// The lines that open a VCALENDAR.
fn begin(out: &mut String) {
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mcn//live sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(out, line);
    }
}

/// One VEVENT per session.
fn events(out: &mut String, rows: &[sessions::LiveSession], now: DateTime<Utc>) {
    for s in rows {
        push_line(out, "BEGIN:VEVENT");
        push_line(out, &format!("UID:{}@mcn", s.id));
        push_line(out, &format!("DTSTAMP:{}", stamp(now)));
        push_line(out, &format!("DTSTART:{}", stamp(s.scheduled_start)));
        push_line(out, &format!("DTEND:{}", stamp(s.scheduled_end)));
        push_line(out, &format!("SUMMARY:{}", escape(&s.title)));
        let mut location = String::new();
        if let Some(city) = &s.venue_city {
            let _ = write!(location, "{city}");
            if let Some(kind) = s.venue_type {
                let _ = write!(location, " ({kind})");
            }
        }
        if !location.is_empty() {
            push_line(out, &format!("LOCATION:{}", escape(&location)));
        }
        let status = match s.state {
            SessionState::Cancelled => "CANCELLED",
            _ => "CONFIRMED",
        };
        push_line(out, &format!("STATUS:{status}"));
        push_line(out, &format!("SEQUENCE:{}", s.version.saturating_sub(1)));
        push_line(out, "END:VEVENT");
    }
}

/// Renders sessions as a VCALENDAR.
pub fn render(rows: &[sessions::LiveSession], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    begin(&mut out);
    events(&mut out, rows, now);
    push_line(&mut out, "END:VCALENDAR");
    out
}

/// The schedule as an iCalendar feed: every session overlapping `[from, to)` (default 90 days
/// back to 365 days ahead, at most 18 months), filtered by `influencer_id`, `platform` and
/// `state`.
#[utoipa::path(
    get, path = "/v1/live-sessions.ics", tag = "live sessions", security(("bearer" = [])),
    params(CalendarQuery),
    responses(
        (status = 200, description = "text/calendar, one VEVENT per session", content_type = "text/calendar", body = String),
        (status = 422, description = "`to` not after `from`, or more than 18 months after it", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn calendar_feed(
    caller: Caller,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    feed(&mut conn, caller.agency_id, &query, Utc::now()).await
}

/// The feed of `agency_id`'s schedule as `query` asks for it: the answer of
/// `GET /v1/live-sessions.ics`, and of a user's subscribable feed (`crate::feeds`), which serves
/// the same for the agency of its token. The caller has checked the reader may read it.
pub async fn feed(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    query: &CalendarQuery,
    now: DateTime<Utc>,
) -> Result<HttpResponse, AppError> {
    let (from, to) =
        window(query.from, query.to, now).map_err(|e| AppError::validation(vec![e]))?;
    let filter = SessionFilter {
        from: Some(from),
        to: Some(to),
        influencer_id: query.influencer_id,
        platform: query.platform,
        state: query.state,
    };
    let mut out = String::new();
    begin(&mut out);
    // Every session of the window, read in chunks: never cut short.
    let mut after = None;
    loop {
        let chunk = PageRequest {
            limit: CHUNK,
            after,
        };
        let rows = sessions::list(conn, agency_id, &filter, &chunk).await?;
        events(&mut out, &rows, now);
        match rows.last() {
            Some(last) if rows.len() >= CHUNK as usize => {
                after = Some((last.scheduled_start, last.id));
            }
            _ => break,
        }
    }
    push_line(&mut out, "END:VCALENDAR");
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "inline; filename=\"live-sessions.ics\"",
        ))
        .body(out))
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

    #[test]
    fn the_window_defaults_and_is_bounded() {
        let now = DateTime::parse_from_rfc3339("2026-11-29T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (from, to) = window(None, None, now).unwrap();
        assert_eq!(now - from, Duration::days(90));
        assert_eq!(to - now, Duration::days(365));
        let later = |months| now.checked_add_months(Months::new(months)).unwrap();
        assert!(window(Some(now), Some(later(18)), now).is_ok());
        let too_long = window(Some(now), Some(later(18) + Duration::seconds(1)), now);
        assert_eq!(too_long.unwrap_err().code, "range_too_long");
        assert_eq!(
            window(Some(now), Some(now), now).unwrap_err().code,
            "invalid_range"
        );
        // Only `from` given, long ago: the default `to` is too far from it.
        assert!(window(Some(now - Duration::days(800)), None, now).is_err());
    }
}
