DROP INDEX live_sessions_calendar_idx;
CREATE INDEX live_sessions_calendar_idx ON live_sessions (agency_id, scheduled_start, id);
