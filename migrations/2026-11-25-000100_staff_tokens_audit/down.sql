DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE login_throttle;
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP FUNCTION users_keep_an_active_owner();
