-- Rollups without hot rows. Until now every statement writing `sales` upserted the rollup rows of
-- its agency, day, platform and host in its own transaction, so concurrent writers of one live
-- session (same host, day and platform) queued on those rows until each commit. Now a writing
-- statement only appends its net change to `sales_rollup_delta` (no row is ever updated by a
-- writer), and a background step folds the deltas into the rollups, one agency at a time, each
-- fold one transaction that deletes the deltas it adds. Reports read the `*_live` views: rollup
-- plus unfolded deltas, exact at every moment (one statement sees the fold entirely or not at
-- all).

-- One row per writing statement and group: the finest grain every rollup derives from (hour in
-- UTC and day in the agency's calendar: in zones with half-hour offsets one hour can span two
-- days).
CREATE TABLE sales_rollup_delta (
    agency_id uuid NOT NULL,
    id bigserial NOT NULL,
    bucket timestamptz NOT NULL,
    day date NOT NULL,
    influencer_id uuid NOT NULL,
    platform text NOT NULL,
    currency char(3) NOT NULL,
    orders bigint NOT NULL,
    units bigint NOT NULL,
    gross numeric NOT NULL,
    refunded numeric NOT NULL,
    gross_commission numeric NOT NULL,
    refunded_commission numeric NOT NULL,
    PRIMARY KEY (agency_id, id)
);

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
        -- An update that moves no figure (a status change within the same sums) appends nothing.
        HAVING sum(sign) <> 0 OR sum(sign * m.quantity) <> 0 OR sum(sign * m.gross) <> 0
            OR sum(sign * m.refunded_amount) <> 0 OR sum(sign * m.gross * m.commission_percent) <> 0
            OR sum(sign * m.refunded_amount * m.commission_percent) <> 0;
    END IF;
    RETURN NULL;
END;
$$;

-- Folds up to `batch` of the oldest deltas of one agency into the five rollups, in one
-- statement (so in one transaction with the caller's): the deltas are deleted as they are
-- added. Answers how many were folded. Every statement filters on the agency, so the fold also
-- runs on a cluster distributed by agency. Two folds of one agency at once stay exact (a delta
-- deleted by one is skipped by the other); callers also take an advisory lock per agency so
-- that they do not queue on each other.
CREATE FUNCTION sales_rollup_fold(p_agency uuid, p_batch integer) RETURNS bigint LANGUAGE sql AS $$
    WITH moved AS (
        DELETE FROM sales_rollup_delta
        WHERE agency_id = p_agency
          AND id IN (SELECT id FROM sales_rollup_delta WHERE agency_id = p_agency ORDER BY id LIMIT p_batch)
        RETURNING *
    ), host AS (
        INSERT INTO sales_rollup_host AS r
        SELECT agency_id, bucket, influencer_id, platform, currency, sum(orders), sum(units),
               sum(gross), sum(refunded), sum(gross_commission), sum(refunded_commission)
        FROM moved WHERE agency_id = p_agency
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (agency_id, bucket, influencer_id, platform, currency) DO UPDATE SET
            orders = r.orders + EXCLUDED.orders,
            units = r.units + EXCLUDED.units,
            gross = r.gross + EXCLUDED.gross,
            refunded = r.refunded + EXCLUDED.refunded,
            gross_commission = r.gross_commission + EXCLUDED.gross_commission,
            refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission
        RETURNING 1
    ), platform AS (
        INSERT INTO sales_rollup_platform AS r
        SELECT agency_id, bucket, platform, currency, sum(orders), sum(units), sum(gross), sum(refunded)
        FROM moved WHERE agency_id = p_agency
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (agency_id, bucket, platform, currency) DO UPDATE SET
            orders = r.orders + EXCLUDED.orders,
            units = r.units + EXCLUDED.units,
            gross = r.gross + EXCLUDED.gross,
            refunded = r.refunded + EXCLUDED.refunded
        RETURNING 1
    ), daily_host AS (
        INSERT INTO sales_daily_host AS r
        SELECT agency_id, day, influencer_id, currency, sum(orders), sum(units),
               sum(gross), sum(refunded), sum(gross_commission), sum(refunded_commission)
        FROM moved WHERE agency_id = p_agency
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (agency_id, day, influencer_id, currency) DO UPDATE SET
            orders = r.orders + EXCLUDED.orders,
            units = r.units + EXCLUDED.units,
            gross = r.gross + EXCLUDED.gross,
            refunded = r.refunded + EXCLUDED.refunded,
            gross_commission = r.gross_commission + EXCLUDED.gross_commission,
            refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission
        RETURNING 1
    ), daily_platform AS (
        INSERT INTO sales_daily_platform AS r
        SELECT agency_id, day, platform, currency, sum(orders), sum(units), sum(gross), sum(refunded)
        FROM moved WHERE agency_id = p_agency
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (agency_id, day, platform, currency) DO UPDATE SET
            orders = r.orders + EXCLUDED.orders,
            units = r.units + EXCLUDED.units,
            gross = r.gross + EXCLUDED.gross,
            refunded = r.refunded + EXCLUDED.refunded
        RETURNING 1
    ), monthly_host AS (
        INSERT INTO sales_monthly_host AS r
        SELECT agency_id, date_trunc('month', day)::date, influencer_id, currency, sum(orders), sum(units),
               sum(gross), sum(refunded), sum(gross_commission), sum(refunded_commission)
        FROM moved WHERE agency_id = p_agency
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (agency_id, month, influencer_id, currency) DO UPDATE SET
            orders = r.orders + EXCLUDED.orders,
            units = r.units + EXCLUDED.units,
            gross = r.gross + EXCLUDED.gross,
            refunded = r.refunded + EXCLUDED.refunded,
            gross_commission = r.gross_commission + EXCLUDED.gross_commission,
            refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission
        RETURNING 1
    )
    SELECT count(*) FROM moved
$$;

-- What the reports read: each rollup and the deltas not folded yet, unaggregated (the reports
-- sum them anyway). Filters on agency and period reach both sides.
CREATE VIEW sales_rollup_host_live AS
    SELECT agency_id, bucket, influencer_id, platform, currency, orders, units, gross, refunded,
           gross_commission, refunded_commission
    FROM sales_rollup_host
    UNION ALL
    SELECT agency_id, bucket, influencer_id, platform, currency, orders, units, gross, refunded,
           gross_commission, refunded_commission
    FROM sales_rollup_delta;

CREATE VIEW sales_rollup_platform_live AS
    SELECT agency_id, bucket, platform, currency, orders, units, gross, refunded
    FROM sales_rollup_platform
    UNION ALL
    SELECT agency_id, bucket, platform, currency, orders, units, gross, refunded
    FROM sales_rollup_delta;

CREATE VIEW sales_daily_host_live AS
    SELECT agency_id, day, influencer_id, currency, orders, units, gross, refunded,
           gross_commission, refunded_commission
    FROM sales_daily_host
    UNION ALL
    SELECT agency_id, day, influencer_id, currency, orders, units, gross, refunded,
           gross_commission, refunded_commission
    FROM sales_rollup_delta;

CREATE VIEW sales_daily_platform_live AS
    SELECT agency_id, day, platform, currency, orders, units, gross, refunded
    FROM sales_daily_platform
    UNION ALL
    SELECT agency_id, day, platform, currency, orders, units, gross, refunded
    FROM sales_rollup_delta;

CREATE VIEW sales_monthly_host_live AS
    SELECT agency_id, month, influencer_id, currency, orders, units, gross, refunded,
           gross_commission, refunded_commission
    FROM sales_monthly_host
    UNION ALL
    SELECT agency_id, date_trunc('month', day)::date, influencer_id, currency, orders, units, gross,
           refunded, gross_commission, refunded_commission
    FROM sales_rollup_delta;
