-- Back to the default statistics target for agency_id; the next ANALYZE gathers them again.
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
        EXECUTE format('ALTER TABLE %s ALTER COLUMN agency_id SET STATISTICS -1', tenant_table);
    END LOOP;
END;
$$;
