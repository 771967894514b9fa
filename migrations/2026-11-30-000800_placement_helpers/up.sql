-- Placement on a Citus cluster from inside a migration (docs/scale-out.md). Migrations stay plain
-- PostgreSQL: on a database without the citus extension both functions do nothing. On Citus, a
-- migration that creates a table after `mcn distribute` places it at once, before any foreign
-- key to a placed table is added (Citus refuses a key from a local table to a distributed one):
--
--     CREATE TABLE things (agency_id uuid NOT NULL REFERENCES agencies (id), id uuid NOT NULL,
--                          ..., PRIMARY KEY (agency_id, id));
--     SELECT place_tenant_table('things');
--     ALTER TABLE things ADD FOREIGN KEY (agency_id, influencer_id)
--         REFERENCES influencers (agency_id, id);
--
-- A database not yet distributed is left alone (nothing is placed before `mcn distribute`,
-- which places every table at once).

-- Distributes `tbl` by agency_id beside the other tenant tables, once the tenant tables are
-- distributed.
CREATE FUNCTION place_tenant_table(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'influencers'::regclass
                   AND partmethod = 'h') THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = tbl AND partmethod = 'h') THEN
        RETURN;
    END IF;
    -- A table referencing a reference table is already a local table of Citus' own: it is
    -- distributed all the same. Keys added later in the transaction need sequential mode.
    SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
    EXECUTE format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                   tbl, 'agency_id', 'influencers');
END;
$$;

-- Makes `tbl` a reference table (a small global table every node reads), once the database is
-- distributed.
CREATE FUNCTION place_global_table(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'agencies'::regclass) THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = tbl AND repmodel = 't') THEN
        RETURN;
    END IF;
    SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
    EXECUTE format('SELECT create_reference_table(%L)', tbl);
END;
$$;
