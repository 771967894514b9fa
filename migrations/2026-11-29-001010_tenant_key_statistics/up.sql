-- The tenant key carries no planner statistics. Every index leads with agency_id, so the
-- planner picks among them by its estimate of how many rows an agency has; statistics taken
-- before an agency's rows arrived say "none" (its id is missing from a most-common-values list
-- that covers the table), and the planner then reads all of the agency's rows through any index
-- that starts with agency_id instead of the key's own, once per looked-up key (issue 11). With
-- no statistics every agency is estimated at the same small share of the table, never at zero,
-- and a key's own unique index is always the cheapest way to it.
--
-- Applies to every table with an agency_id column; tests/api/scaling.rs checks that tables added
-- later do the same.
DO $$
DECLARE
    tenant_table regclass;
BEGIN
    FOR tenant_table IN
        SELECT c.oid::regclass
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        WHERE a.attname = 'agency_id' AND NOT a.attisdropped
          AND c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace
    LOOP
        EXECUTE format('ALTER TABLE %s ALTER COLUMN agency_id SET STATISTICS 0', tenant_table);
    END LOOP;
    -- ANALYZE leaves statistics gathered before in place; only a superuser may remove them.
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        DELETE FROM pg_catalog.pg_statistic s
        USING pg_attribute a, pg_class c
        WHERE s.starelid = a.attrelid AND s.staattnum = a.attnum
          AND a.attrelid = c.oid AND a.attname = 'agency_id'
          AND c.relnamespace = current_schema()::regnamespace;
    END IF;
END;
$$;
