-- Extensions later steps rely on: btree_gist for exclusion constraints mixing equality and
-- ranges (no overlapping sessions per host), citext for case-insensitive emails.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS citext;

-- Keeps updated_at honest on every UPDATE of a table that opts in.
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

-- The tenant. One of the two global tables; every other domain table carries agency_id.
CREATE TABLE agencies (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    -- IANA zone name; reports and the calendar use it for local days.
    time_zone text NOT NULL DEFAULT 'Asia/Shanghai' CHECK (char_length(time_zone) BETWEEN 1 AND 64),
    -- ISO 4217 code used when a sale names no currency.
    default_currency char(3) NOT NULL DEFAULT 'CNY' CHECK (default_currency ~ '^[A-Z]{3}$'),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER agencies_set_updated_at BEFORE UPDATE ON agencies
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
