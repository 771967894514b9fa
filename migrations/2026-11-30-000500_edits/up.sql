-- The edits people make (issue 15, point 6): archived products, the sales filters' indexes, and
-- rollups that follow a change of the agency's time zone.

-- An archived product stays readable (and its lines stay in every report), but leaves the
-- default catalogue list, new lineups and lines sold after it was archived.
ALTER TABLE products
    ADD COLUMN archived_at timestamptz,
    ADD COLUMN archived_by uuid,
    ADD CONSTRAINT products_archive_complete CHECK ((archived_at IS NULL) = (archived_by IS NULL)),
    ADD CONSTRAINT products_archived_by_fkey FOREIGN KEY (agency_id, archived_by) REFERENCES users (agency_id, id);

-- `GET /v1/sales?external_order_id=`: the order line key leads with the platform, so a look-up
-- without it needs its own index (a few rows per id: one per platform at most), in the list's
-- order so that no plan prefers walking the agency's ledger by time instead.
CREATE INDEX sales_external_order_idx ON sales (agency_id, external_order_id, sold_at, id);
-- `GET /v1/sales?import_batch_id=`: a batch's lines newest first, a page at a time, from one
-- index (the list's order and cursor are (sold_at, id)).
CREATE INDEX sales_import_batch_idx ON sales (agency_id, import_batch_id, sold_at, id)
    WHERE import_batch_id IS NOT NULL;

-- The rollups keyed by the agency's local day and month depend on its time zone. A change of
-- zone rebuilds them (`sales_rollup_rebuild_local`) while holding the agency's statement lock
-- exclusively; every writer of `sales` now takes that lock shared before it computes its delta
-- (so before it reads the zone), and not only later in `sales_statement_watch`: a write either
-- commits before the rebuild reads the ledger, or computes its delta in the new zone.
CREATE OR REPLACE FUNCTION sales_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(statements_lock_key(t.agency_id))
    FROM (SELECT DISTINCT agency_id FROM new_rows ORDER BY 1) t;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO sales_rollup_delta (agency_id, bucket, day, influencer_id, platform, currency,
            orders, units, gross, refunded, gross_commission, refunded_commission)
        SELECT m.agency_id, date_trunc('hour', m.sold_at, 'UTC'), (m.sold_at AT TIME ZONE a.time_zone)::date,
               m.influencer_id, m.platform, m.currency,
               count(*), sum(m.quantity), sum(m.gross), sum(m.refunded_amount),
               sum(m.gross * m.commission_percent), sum(m.refunded_amount * m.commission_percent)
        FROM new_rows m JOIN agencies a ON a.id = m.agency_id
        WHERE m.status <> 'cancelled'
        GROUP BY 1, 2, 3, 4, 5, 6;
    ELSE
        INSERT INTO sales_rollup_delta (agency_id, bucket, day, influencer_id, platform, currency,
            orders, units, gross, refunded, gross_commission, refunded_commission)
        SELECT m.agency_id, date_trunc('hour', m.sold_at, 'UTC'), (m.sold_at AT TIME ZONE a.time_zone)::date,
               m.influencer_id, m.platform, m.currency,
               sum(sign), sum(sign * m.quantity), sum(sign * m.gross), sum(sign * m.refunded_amount),
               sum(sign * m.gross * m.commission_percent), sum(sign * m.refunded_amount * m.commission_percent)
        FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled'
              UNION ALL SELECT *, -1 AS sign FROM old_rows WHERE status <> 'cancelled') AS m
        JOIN agencies a ON a.id = m.agency_id
        GROUP BY 1, 2, 3, 4, 5, 6
        -- An update that moves no figure (a status change within the same sums) appends nothing.
        HAVING sum(sign) <> 0 OR sum(sign * m.quantity) <> 0 OR sum(sign * m.gross) <> 0
            OR sum(sign * m.refunded_amount) <> 0 OR sum(sign * m.gross * m.commission_percent) <> 0
            OR sum(sign * m.refunded_amount * m.commission_percent) <> 0;
    END IF;
    RETURN NULL;
END;
$$;

-- Rebuilds the agency's rollups keyed by local day and month in its current time zone, from the
-- ledger, in the caller's transaction. The caller holds the agency's statement lock exclusively
-- (no writer computes a delta meanwhile) and its fold lock (no fold runs meanwhile). The deltas
-- still waiting are folded first, so the hourly rollups (UTC, independent of the zone) take
-- them; the local ones are then dropped and summed anew in one pass over the agency's lines.
-- Answers the number of (day, host, platform, currency) groups.
CREATE FUNCTION sales_rollup_rebuild_local(p_agency uuid) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_zone text;
    groups bigint;
BEGIN
    SELECT time_zone INTO STRICT v_zone FROM agencies WHERE id = p_agency;
    PERFORM sales_rollup_fold(p_agency, 2147483647);
    DELETE FROM sales_daily_host WHERE agency_id = p_agency;
    DELETE FROM sales_daily_platform WHERE agency_id = p_agency;
    DELETE FROM sales_monthly_host WHERE agency_id = p_agency;
    WITH g AS MATERIALIZED (
        SELECT (s.sold_at AT TIME ZONE v_zone)::date AS day, s.influencer_id, s.platform, s.currency,
               count(*) AS orders, sum(s.quantity) AS units, sum(s.gross) AS gross,
               sum(s.refunded_amount) AS refunded, sum(s.gross * s.commission_percent) AS gc,
               sum(s.refunded_amount * s.commission_percent) AS rc
        FROM sales s
        WHERE s.agency_id = p_agency AND s.status <> 'cancelled'
        GROUP BY 1, 2, 3, 4
    ), daily_host AS (
        INSERT INTO sales_daily_host (agency_id, day, influencer_id, currency, orders, units, gross,
                                      refunded, gross_commission, refunded_commission)
        SELECT p_agency, day, influencer_id, currency, sum(orders), sum(units), sum(gross),
               sum(refunded), sum(gc), sum(rc)
        FROM g GROUP BY day, influencer_id, currency
    ), daily_platform AS (
        INSERT INTO sales_daily_platform (agency_id, day, platform, currency, orders, units, gross, refunded)
        SELECT p_agency, day, platform, currency, sum(orders), sum(units), sum(gross), sum(refunded)
        FROM g GROUP BY day, platform, currency
    ), monthly_host AS (
        INSERT INTO sales_monthly_host (agency_id, month, influencer_id, currency, orders, units,
                                        gross, refunded, gross_commission, refunded_commission)
        SELECT p_agency, date_trunc('month', day)::date, influencer_id, currency, sum(orders),
               sum(units), sum(gross), sum(refunded), sum(gc), sum(rc)
        FROM g GROUP BY 2, 3, 4
    )
    -- Data-modifying CTEs run to completion whether or not the outer query reads them.
    SELECT count(*) INTO groups FROM g;
    RETURN groups;
END;
$$;
