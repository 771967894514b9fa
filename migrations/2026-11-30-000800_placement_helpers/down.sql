DROP FUNCTION place_global_table(regclass);
DROP FUNCTION place_tenant_table(regclass);
