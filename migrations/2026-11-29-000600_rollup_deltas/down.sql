-- Back to rollups upserted by every writing statement: the pending deltas are folded first, so
-- the rollups hold every line again.
SELECT sales_rollup_fold(agency_id, 2147483647) FROM (SELECT DISTINCT agency_id FROM sales_rollup_delta) AS pending;

DROP VIEW sales_monthly_host_live, sales_daily_platform_live, sales_daily_host_live,
    sales_rollup_platform_live, sales_rollup_host_live;
DROP FUNCTION sales_rollup_fold(uuid, integer);

CREATE OR REPLACE FUNCTION sales_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
    INSERT INTO sales_rollup_host AS r
    SELECT agency_id, date_trunc('hour', sold_at, 'UTC'), influencer_id, platform, currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount),
           sum(sign * gross * commission_percent), sum(sign * refunded_amount * commission_percent)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled') AS moves
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (agency_id, bucket, influencer_id, platform, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded,
        gross_commission = r.gross_commission + EXCLUDED.gross_commission,
        refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission;

    INSERT INTO sales_rollup_platform AS r
    SELECT agency_id, date_trunc('hour', sold_at, 'UTC'), platform, currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled') AS moves
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (agency_id, bucket, platform, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded;

    INSERT INTO sales_daily_host AS r
    SELECT m.agency_id, (m.sold_at AT TIME ZONE a.time_zone)::date, m.influencer_id, m.currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount),
           sum(sign * gross * commission_percent), sum(sign * refunded_amount * commission_percent)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled') AS m JOIN agencies a ON a.id = m.agency_id
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (agency_id, day, influencer_id, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded,
        gross_commission = r.gross_commission + EXCLUDED.gross_commission,
        refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission;

    INSERT INTO sales_daily_platform AS r
    SELECT m.agency_id, (m.sold_at AT TIME ZONE a.time_zone)::date, m.platform, m.currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled') AS m JOIN agencies a ON a.id = m.agency_id
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (agency_id, day, platform, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded;

    INSERT INTO sales_monthly_host AS r
    SELECT m.agency_id, date_trunc('month', m.sold_at AT TIME ZONE a.time_zone)::date, m.influencer_id, m.currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount),
           sum(sign * gross * commission_percent), sum(sign * refunded_amount * commission_percent)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled') AS m JOIN agencies a ON a.id = m.agency_id
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (agency_id, month, influencer_id, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded,
        gross_commission = r.gross_commission + EXCLUDED.gross_commission,
        refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission;
    ELSE
    INSERT INTO sales_rollup_host AS r
    SELECT agency_id, date_trunc('hour', sold_at, 'UTC'), influencer_id, platform, currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount),
           sum(sign * gross * commission_percent), sum(sign * refunded_amount * commission_percent)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled'
          UNION ALL SELECT *, -1 AS sign FROM old_rows WHERE status <> 'cancelled') AS moves
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (agency_id, bucket, influencer_id, platform, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded,
        gross_commission = r.gross_commission + EXCLUDED.gross_commission,
        refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission;

    INSERT INTO sales_rollup_platform AS r
    SELECT agency_id, date_trunc('hour', sold_at, 'UTC'), platform, currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled'
          UNION ALL SELECT *, -1 AS sign FROM old_rows WHERE status <> 'cancelled') AS moves
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (agency_id, bucket, platform, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded;

    INSERT INTO sales_daily_host AS r
    SELECT m.agency_id, (m.sold_at AT TIME ZONE a.time_zone)::date, m.influencer_id, m.currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount),
           sum(sign * gross * commission_percent), sum(sign * refunded_amount * commission_percent)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled'
          UNION ALL SELECT *, -1 AS sign FROM old_rows WHERE status <> 'cancelled') AS m JOIN agencies a ON a.id = m.agency_id
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (agency_id, day, influencer_id, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded,
        gross_commission = r.gross_commission + EXCLUDED.gross_commission,
        refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission;

    INSERT INTO sales_daily_platform AS r
    SELECT m.agency_id, (m.sold_at AT TIME ZONE a.time_zone)::date, m.platform, m.currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled'
          UNION ALL SELECT *, -1 AS sign FROM old_rows WHERE status <> 'cancelled') AS m JOIN agencies a ON a.id = m.agency_id
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (agency_id, day, platform, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded;

    INSERT INTO sales_monthly_host AS r
    SELECT m.agency_id, date_trunc('month', m.sold_at AT TIME ZONE a.time_zone)::date, m.influencer_id, m.currency,
           sum(sign), sum(sign * quantity), sum(sign * gross), sum(sign * refunded_amount),
           sum(sign * gross * commission_percent), sum(sign * refunded_amount * commission_percent)
    FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> 'cancelled'
          UNION ALL SELECT *, -1 AS sign FROM old_rows WHERE status <> 'cancelled') AS m JOIN agencies a ON a.id = m.agency_id
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (agency_id, month, influencer_id, currency) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        units = r.units + EXCLUDED.units,
        gross = r.gross + EXCLUDED.gross,
        refunded = r.refunded + EXCLUDED.refunded,
        gross_commission = r.gross_commission + EXCLUDED.gross_commission,
        refunded_commission = r.refunded_commission + EXCLUDED.refunded_commission;
    END IF;
    RETURN NULL;
END;
$$;

DROP TABLE sales_rollup_delta;
