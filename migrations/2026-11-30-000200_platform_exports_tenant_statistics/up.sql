-- The tables 2026-11-30-000100_platform_exports added keep no planner statistics on their tenant
-- key either, as 2026-11-29-001010_tenant_key_statistics explains: with statistics taken before
-- an agency's first mappings, the planner reads all of that agency's mappings through
-- product_platform_items_product_idx for every key an import looks up, instead of probing the
-- mapping's own unique key (tests/api/scaling.rs).
ALTER TABLE product_platform_items ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE import_mappings ALTER COLUMN agency_id SET STATISTICS 0;

-- ANALYZE leaves statistics gathered before in place; only a superuser may remove them.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        DELETE FROM pg_catalog.pg_statistic s
        USING pg_attribute a
        WHERE s.starelid = a.attrelid AND s.staattnum = a.attnum AND a.attname = 'agency_id'
          AND a.attrelid IN ('product_platform_items'::regclass, 'import_mappings'::regclass);
    END IF;
END;
$$;
