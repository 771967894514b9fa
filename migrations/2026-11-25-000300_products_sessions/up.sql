-- The catalogue, hosts' product tests, and live sessions with their lineups and reviews.

CREATE TABLE products (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    sku text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    name text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    brand text CHECK (brand IS NULL OR char_length(brand) <= 100),
    category text CHECK (category IS NULL OR char_length(category) <= 100),
    list_price numeric(14, 4) NOT NULL CHECK (list_price >= 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    commission_percent numeric(5, 2) NOT NULL CHECK (commission_percent >= 0 AND commission_percent <= 100),
    regulated_field text CHECK (regulated_field IN ('medicine', 'health', 'finance', 'law', 'education')),
    recalled_at timestamptz,
    recall_reason text,
    recalled_by uuid,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    CONSTRAINT products_sku_key UNIQUE (agency_id, sku),
    FOREIGN KEY (agency_id, recalled_by) REFERENCES users (agency_id, id),
    CONSTRAINT products_recall_complete CHECK ((recalled_at IS NULL) = (recall_reason IS NULL))
);

CREATE TRIGGER products_set_updated_at BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE product_tests (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    product_id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    tested_on date NOT NULL,
    result text NOT NULL CHECK (result IN ('pass', 'fail')),
    notes text CHECK (notes IS NULL OR char_length(notes) <= 5000),
    evidence_url text CHECK (evidence_url IS NULL OR char_length(evidence_url) <= 2000),
    recorded_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, product_id) REFERENCES products (agency_id, id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    FOREIGN KEY (agency_id, recorded_by) REFERENCES users (agency_id, id)
);

CREATE INDEX product_tests_lookup_idx ON product_tests (agency_id, product_id, influencer_id, tested_on);

CREATE TABLE live_sessions (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    platform_account_id uuid NOT NULL,
    title text NOT NULL CHECK (char_length(btrim(title)) BETWEEN 1 AND 200),
    scheduled_start timestamptz NOT NULL,
    scheduled_end timestamptz NOT NULL,
    language text NOT NULL CHECK (char_length(language) BETWEEN 2 AND 35),
    venue_type text CHECK (venue_type IN ('studio', 'store', 'outdoor')),
    venue_city text CHECK (venue_city IS NULL OR char_length(venue_city) <= 100),
    venue_city_tier smallint CHECK (venue_city_tier BETWEEN 1 AND 5),
    ai_label boolean NOT NULL DEFAULT false,
    replay_url text CHECK (replay_url IS NULL OR char_length(replay_url) <= 2000),
    state text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'live', 'ended', 'cancelled')),
    actual_start timestamptz,
    actual_end timestamptz,
    cancel_reason text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    FOREIGN KEY (agency_id, platform_account_id) REFERENCES platform_accounts (agency_id, id),
    CONSTRAINT live_sessions_times CHECK (
        scheduled_end > scheduled_start AND scheduled_end - scheduled_start <= interval '24 hours'
    ),
    -- One host is never in two overlapping sessions; back to back is fine, cancelled ones free
    -- their time.
    CONSTRAINT live_sessions_no_overlap EXCLUDE USING gist (
        agency_id WITH =,
        influencer_id WITH =,
        tstzrange(scheduled_start, scheduled_end, '[)') WITH &&
    ) WHERE (state <> 'cancelled')
);

CREATE INDEX live_sessions_calendar_idx ON live_sessions (agency_id, scheduled_start, id);
CREATE INDEX live_sessions_influencer_idx ON live_sessions (agency_id, influencer_id, scheduled_start);
CREATE TRIGGER live_sessions_set_updated_at BEFORE UPDATE ON live_sessions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE session_products (
    agency_id uuid NOT NULL,
    session_id uuid NOT NULL,
    position smallint NOT NULL CHECK (position >= 0),
    product_id uuid NOT NULL,
    planned_price numeric(14, 4) CHECK (planned_price IS NULL OR planned_price >= 0),
    PRIMARY KEY (agency_id, session_id, position),
    CONSTRAINT session_products_once UNIQUE (agency_id, session_id, product_id),
    FOREIGN KEY (agency_id, session_id) REFERENCES live_sessions (agency_id, id),
    FOREIGN KEY (agency_id, product_id) REFERENCES products (agency_id, id)
);

CREATE INDEX session_products_product_idx ON session_products (agency_id, product_id);

CREATE TABLE session_reviews (
    agency_id uuid NOT NULL,
    session_id uuid NOT NULL,
    mandarin_spoken boolean NOT NULL,
    dress_code_ok boolean NOT NULL,
    incidents jsonb NOT NULL DEFAULT '[]'::jsonb,
    reviewed_by uuid NOT NULL,
    reviewed_at timestamptz NOT NULL,
    PRIMARY KEY (agency_id, session_id),
    FOREIGN KEY (agency_id, session_id) REFERENCES live_sessions (agency_id, id),
    FOREIGN KEY (agency_id, reviewed_by) REFERENCES users (agency_id, id)
);

-- Idempotency keys of POSTs: the first answer, replayed for the same key and body.
CREATE TABLE idempotency_keys (
    agency_id uuid NOT NULL,
    user_id uuid NOT NULL,
    key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    fingerprint bytea NOT NULL,
    status_code smallint,
    response_body text,
    location text,
    started_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (agency_id, user_id, key),
    FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id)
);

CREATE INDEX idempotency_keys_age_idx ON idempotency_keys (agency_id, started_at);
