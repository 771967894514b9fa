DROP FUNCTION sales_rollup_rebuild_local(uuid);

CREATE OR REPLACE FUNCTION sales_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
        HAVING sum(sign) <> 0 OR sum(sign * m.quantity) <> 0 OR sum(sign * m.gross) <> 0
            OR sum(sign * m.refunded_amount) <> 0 OR sum(sign * m.gross * m.commission_percent) <> 0
            OR sum(sign * m.refunded_amount * m.commission_percent) <> 0;
    END IF;
    RETURN NULL;
END;
$$;

DROP INDEX sales_import_batch_idx;
DROP INDEX sales_external_order_idx;

ALTER TABLE products
    DROP CONSTRAINT products_archived_by_fkey,
    DROP CONSTRAINT products_archive_complete,
    DROP COLUMN archived_by,
    DROP COLUMN archived_at;
