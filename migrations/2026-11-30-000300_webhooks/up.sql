-- Webhooks (issue 15): subscriptions, the transactional outbox of events, and their deliveries
-- with every attempt. An event is written in the transaction of the change that causes it, and
-- only when an active subscription of the agency asks for its type; a delivery row per matching
-- subscription is written with it. The worker claims due deliveries one agency at a time.

-- A time-ordered UUID (version 7) made in SQL, for rows the database fans out itself.
CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;

CREATE TABLE webhooks (
    agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    url text NOT NULL CHECK (char_length(url) BETWEEN 8 AND 2048 AND url ~* '^https?://'),
    events text[] NOT NULL CHECK (
        cardinality(events) BETWEEN 1 AND 14
        AND events <@ ARRAY['sale.created', 'sale.updated', 'import.completed',
                            'session.scheduled', 'session.started', 'session.ended',
                            'session.cancelled', 'compliance.violation_opened',
                            'compliance.violation_resolved', 'product.recalled',
                            'identity.verified', 'identity.rejected', 'statement.approved',
                            'statement.paid']::text[]),
    active boolean NOT NULL DEFAULT true,
    -- The signing secret (32 random bytes), sealed like personal data (AES-256-GCM, the row's
    -- id bound in); only the creation and a rotation answer it.
    secret_ciphertext bytea NOT NULL,
    secret_nonce bytea NOT NULL,
    secret_key_id text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id)
);

CREATE TABLE webhook_events (
    agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    -- The outbox order: deliveries of one subscription go in this order.
    seq bigserial NOT NULL,
    type text NOT NULL CHECK (type IN ('sale.created', 'sale.updated', 'import.completed',
                            'session.scheduled', 'session.started', 'session.ended',
                            'session.cancelled', 'compliance.violation_opened',
                            'compliance.violation_resolved', 'product.recalled',
                            'identity.verified', 'identity.rejected', 'statement.approved',
                            'statement.paid')),
    data jsonb NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id)
);

CREATE TABLE webhook_deliveries (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    webhook_id uuid NOT NULL,
    event_id uuid NOT NULL,
    event_seq bigint NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When the next attempt is due (pending only).
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A claim by a worker: no other worker takes the delivery before this passes (a crashed
    -- worker's claim runs out).
    claimed_until timestamptz,
    last_attempt_at timestamptz,
    last_status_code integer,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, webhook_id) REFERENCES webhooks (agency_id, id) ON DELETE CASCADE,
    FOREIGN KEY (agency_id, event_id) REFERENCES webhook_events (agency_id, id) ON DELETE CASCADE,
    UNIQUE (agency_id, webhook_id, event_seq),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
-- The queue of each subscription, in outbox order.
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (agency_id, webhook_id, event_seq)
    WHERE state = 'pending';
-- Which agencies have work due.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, agency_id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (agency_id, event_id);

CREATE TABLE webhook_attempts (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    delivery_id uuid NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    -- NULL when no answer came (refused connection, timeout, address refused).
    status_code integer CHECK (status_code BETWEEN 100 AND 599),
    latency_ms integer NOT NULL CHECK (latency_ms >= 0),
    error text,
    -- Set when the attempt was asked for by hand.
    manual boolean NOT NULL DEFAULT false,
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, delivery_id) REFERENCES webhook_deliveries (agency_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (agency_id, delivery_id, attempted_at);

ALTER TABLE webhooks ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE webhook_events ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE webhook_deliveries ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE webhook_attempts ALTER COLUMN agency_id SET STATISTICS 0;
