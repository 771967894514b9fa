-- The dashboard's window (issue 15): the sessions whose scheduled time overlaps a range of days,
-- counted per day and ordered by (start, id). The calendar index carries the end and the state
-- too, so the window is read from the index alone (an index-only scan) instead of the heap.
-- It keeps its name and keys: every range read of the calendar uses it as before.
DROP INDEX live_sessions_calendar_idx;
CREATE INDEX live_sessions_calendar_idx ON live_sessions (agency_id, scheduled_start, id)
    INCLUDE (scheduled_end, state);
