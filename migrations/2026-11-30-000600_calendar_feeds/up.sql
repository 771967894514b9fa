-- Subscribable calendar feeds (issue 15): one secret feed URL per user. The token names its
-- agency (so the look-up is scoped to one tenant) and is stored only as its SHA-256 hash; a new
-- token replaces the user's previous one in place.
CREATE TABLE calendar_feeds (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    created_at timestamptz NOT NULL,
    -- When the current token was issued (equal to created_at until the first rotation).
    issued_at timestamptz NOT NULL,
    PRIMARY KEY (agency_id, id),
    CONSTRAINT calendar_feeds_user_key UNIQUE (agency_id, user_id),
    CONSTRAINT calendar_feeds_token_key UNIQUE (agency_id, token_hash),
    FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id)
);

ALTER TABLE calendar_feeds ALTER COLUMN agency_id SET STATISTICS 0;
