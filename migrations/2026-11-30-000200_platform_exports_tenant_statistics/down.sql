-- Back to the default statistics target for agency_id; the next ANALYZE gathers them again.
ALTER TABLE product_platform_items ALTER COLUMN agency_id SET STATISTICS -1;
ALTER TABLE import_mappings ALTER COLUMN agency_id SET STATISTICS -1;
