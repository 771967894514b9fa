-- Staff accounts. Global like agencies (emails are unique across agencies), rarely written:
-- logins do not touch this table.
CREATE TABLE users (
    id uuid PRIMARY KEY,
    agency_id uuid NOT NULL REFERENCES agencies (id),
    email citext NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'),
    password_hash text NOT NULL,
    display_name text NOT NULL CHECK (char_length(btrim(display_name)) BETWEEN 1 AND 200),
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'compliance', 'analyst')),
    active boolean NOT NULL DEFAULT true,
    -- Bumped whenever the user's existing tokens must stop working (role change, deactivation,
    -- password change); access tokens carry the value they were issued under.
    auth_version integer NOT NULL DEFAULT 1,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deactivated_at timestamptz,
    CONSTRAINT users_email_key UNIQUE (email),
    -- Target of the composite foreign keys from tenant tables.
    CONSTRAINT users_agency_id_id_key UNIQUE (agency_id, id)
);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- An agency always keeps at least one active owner. The agency row is locked first so two
-- concurrent demotions of its last two owners cannot both pass.
CREATE FUNCTION users_keep_an_active_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.role = 'owner' AND OLD.active AND NOT (NEW.role = 'owner' AND NEW.active) THEN
        PERFORM 1 FROM agencies WHERE id = OLD.agency_id FOR UPDATE;
        IF NOT EXISTS (
            SELECT 1 FROM users
            WHERE agency_id = OLD.agency_id AND role = 'owner' AND active AND id <> OLD.id
        ) THEN
            RAISE EXCEPTION 'the agency must keep at least one active owner'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'users_last_active_owner';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER users_keep_an_active_owner AFTER UPDATE OF role, active ON users
    FOR EACH ROW EXECUTE FUNCTION users_keep_an_active_owner();

-- Opaque refresh tokens, stored only as SHA-256 hashes. Each login starts a family; every
-- refresh spends one token and issues the next of the same family.
CREATE TABLE refresh_tokens (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    family_id uuid NOT NULL,
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    CONSTRAINT refresh_tokens_hash_key UNIQUE (agency_id, token_hash),
    FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id)
);

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (agency_id, family_id);
CREATE INDEX refresh_tokens_live_by_user_idx ON refresh_tokens (agency_id, user_id)
    WHERE used_at IS NULL AND revoked_at IS NULL;

-- Failed-login counters per key (an account's email or a client address), one fixed window
-- each. A small global lookup table; losing it in a crash only forgets recent failures.
CREATE UNLOGGED TABLE login_throttle (
    key text PRIMARY KEY,
    window_started_at timestamptz NOT NULL,
    failures integer NOT NULL CHECK (failures >= 0)
);

-- The audit trail: one row per mutation, written in the mutation's transaction.
CREATE TABLE audit_events (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    actor_id uuid,
    action text NOT NULL CHECK (char_length(action) BETWEEN 1 AND 100),
    entity_type text NOT NULL CHECK (char_length(entity_type) BETWEEN 1 AND 100),
    entity_id uuid,
    request_id text,
    changes jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, actor_id) REFERENCES users (agency_id, id)
);

CREATE INDEX audit_events_entity_idx ON audit_events (agency_id, entity_type, entity_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (agency_id, actor_id, id);
CREATE INDEX audit_events_time_idx ON audit_events (agency_id, occurred_at, id);

-- Audit rows are append-only for everybody, the application included.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
