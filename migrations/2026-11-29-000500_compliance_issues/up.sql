-- The compliance page reads a materialised list of open issues instead of evaluating the whole
-- roster for every request. Writes to anything a rule reads mark the host "dirty" in the same
-- transaction (triggers below); the next page request re-evaluates the dirty hosts only, and the
-- whole roster once per agency-local day (time-dependent rules: ages, expiring qualifications).

-- Open issues as last evaluated: host rules, rules of scheduled sessions, and findings.
-- `id` is deterministic (a hash of kind, code, host, session and subject), so the same open issue
-- keeps its id across evaluations.
CREATE TABLE compliance_issues (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    session_id uuid,
    kind text NOT NULL CHECK (kind IN ('rule', 'finding')),
    code text NOT NULL,
    message text NOT NULL,
    blocks text NOT NULL CHECK (blocks IN ('schedule', 'start', 'none')),
    PRIMARY KEY (agency_id, id)
);

CREATE INDEX compliance_issues_page_idx ON compliance_issues (agency_id, influencer_id, code, id);
CREATE INDEX compliance_issues_code_idx ON compliance_issues (agency_id, code, influencer_id, id);

-- What staff did about a finding. A finding with a state here is off the open list for good.
CREATE TABLE compliance_finding_states (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    issue_id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    code text NOT NULL,
    state text NOT NULL CHECK (state IN ('acknowledged', 'resolved')),
    note text NOT NULL CHECK (char_length(btrim(note)) BETWEEN 1 AND 2000),
    acted_by uuid NOT NULL,
    acted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, issue_id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    FOREIGN KEY (agency_id, acted_by) REFERENCES users (agency_id, id)
);

-- Hosts whose issues must be re-evaluated. Append-only (no unique key), so writers of the same
-- host never wait on each other; the page request takes and deletes the rows.
CREATE TABLE compliance_dirty (
    agency_id uuid NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    influencer_id uuid NOT NULL,
    PRIMARY KEY (agency_id, seq)
);

-- Per agency: the day, time zone and product-test validity the list was last fully evaluated
-- with. Written only by page requests (once a day), never by writers of the data.
CREATE TABLE compliance_refresh (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    evaluated_on date,
    time_zone text NOT NULL,
    valid_days integer NOT NULL,
    PRIMARY KEY (agency_id)
);

-- Tables with an influencer_id column.
CREATE FUNCTION compliance_mark_host() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id) VALUES (OLD.agency_id, OLD.influencer_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.influencer_id IS DISTINCT FROM OLD.influencer_id) THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id) VALUES (NEW.agency_id, NEW.influencer_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION compliance_mark_influencer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id) VALUES (OLD.agency_id, OLD.id);
    ELSE
        INSERT INTO compliance_dirty (agency_id, influencer_id) VALUES (NEW.agency_id, NEW.id);
    END IF;
    RETURN NULL;
END;
$$;

-- Tables keyed by a session: its host.
CREATE FUNCTION compliance_mark_session_host() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id)
        SELECT agency_id, influencer_id FROM live_sessions WHERE agency_id = OLD.agency_id AND id = OLD.session_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id)
        SELECT agency_id, influencer_id FROM live_sessions WHERE agency_id = NEW.agency_id AND id = NEW.session_id;
    END IF;
    RETURN NULL;
END;
$$;

-- A product's recall, regulated field or SKU: hosts of sessions featuring it and hosts who sold it.
CREATE FUNCTION compliance_mark_product_hosts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO compliance_dirty (agency_id, influencer_id)
    SELECT s.agency_id, s.influencer_id
    FROM session_products sp
    JOIN live_sessions s ON s.agency_id = sp.agency_id AND s.id = sp.session_id
    WHERE sp.agency_id = NEW.agency_id AND sp.product_id = NEW.id
    UNION
    SELECT agency_id, influencer_id FROM sales WHERE agency_id = NEW.agency_id AND product_id = NEW.id;
    RETURN NULL;
END;
$$;

-- Sales arrive in bulk: one row per host and statement.
CREATE FUNCTION compliance_mark_sellers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO compliance_dirty (agency_id, influencer_id)
    SELECT DISTINCT agency_id, influencer_id FROM new_rows;
    RETURN NULL;
END;
$$;

CREATE TRIGGER influencers_compliance AFTER INSERT OR UPDATE OR DELETE ON influencers
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_influencer();
CREATE TRIGGER identities_compliance AFTER INSERT OR UPDATE OR DELETE ON identities
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
CREATE TRIGGER guardian_consents_compliance AFTER INSERT OR UPDATE OR DELETE ON guardian_consents
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
CREATE TRIGGER legal_entities_compliance AFTER INSERT OR UPDATE OR DELETE ON legal_entities
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
CREATE TRIGGER qualifications_compliance AFTER INSERT OR UPDATE OR DELETE ON qualifications
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
CREATE TRIGGER platform_accounts_compliance AFTER INSERT OR UPDATE OR DELETE ON platform_accounts
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
CREATE TRIGGER product_tests_compliance AFTER INSERT OR UPDATE OR DELETE ON product_tests
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
CREATE TRIGGER live_sessions_compliance AFTER INSERT OR UPDATE OR DELETE ON live_sessions
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
CREATE TRIGGER session_products_compliance AFTER INSERT OR UPDATE OR DELETE ON session_products
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_session_host();
CREATE TRIGGER session_reviews_compliance AFTER INSERT OR UPDATE OR DELETE ON session_reviews
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_session_host();
CREATE TRIGGER products_compliance AFTER UPDATE ON products
    FOR EACH ROW
    WHEN (OLD.recalled_at IS DISTINCT FROM NEW.recalled_at
          OR OLD.regulated_field IS DISTINCT FROM NEW.regulated_field
          OR OLD.sku IS DISTINCT FROM NEW.sku)
    EXECUTE FUNCTION compliance_mark_product_hosts();
CREATE TRIGGER sales_compliance_on_insert AFTER INSERT ON sales
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_mark_sellers();
CREATE TRIGGER sales_compliance_on_update AFTER UPDATE ON sales
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_mark_sellers();
