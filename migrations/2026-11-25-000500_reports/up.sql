-- Rollups that keep the reports fast at tens of millions of lines. They hold the sums of every
-- line that is not cancelled; statement-level triggers on `sales` keep them exact in the same
-- transaction as every insert, refund, status change and import.
--   * per day of the agency's own calendar (its time zone): the reports in that time zone;
--   * per UTC hour: reports in any other time zone whose offsets are whole hours.

CREATE TABLE sales_rollup_platform (
    agency_id uuid NOT NULL,
    bucket timestamptz NOT NULL,
    platform text NOT NULL,
    currency char(3) NOT NULL,
    orders bigint NOT NULL,
    units bigint NOT NULL,
    gross numeric NOT NULL,
    refunded numeric NOT NULL,
    PRIMARY KEY (agency_id, bucket, platform, currency)
);

CREATE TABLE sales_daily_platform (
    agency_id uuid NOT NULL,
    day date NOT NULL,
    platform text NOT NULL,
    currency char(3) NOT NULL,
    orders bigint NOT NULL,
    units bigint NOT NULL,
    gross numeric NOT NULL,
    refunded numeric NOT NULL,
    PRIMARY KEY (agency_id, day, platform, currency)
);

CREATE TABLE sales_daily_host (
    agency_id uuid NOT NULL,
    day date NOT NULL,
    influencer_id uuid NOT NULL,
    currency char(3) NOT NULL,
    orders bigint NOT NULL,
    units bigint NOT NULL,
    gross numeric NOT NULL,
    refunded numeric NOT NULL,
    gross_commission numeric NOT NULL,
    refunded_commission numeric NOT NULL,
    PRIMARY KEY (agency_id, day, influencer_id, currency)
);

-- Per month of the agency's calendar: settlements of hosts whose month one contract covers.
CREATE TABLE sales_monthly_host (
    agency_id uuid NOT NULL,
    month date NOT NULL,
    influencer_id uuid NOT NULL,
    currency char(3) NOT NULL,
    orders bigint NOT NULL,
    units bigint NOT NULL,
    gross numeric NOT NULL,
    refunded numeric NOT NULL,
    gross_commission numeric NOT NULL,
    refunded_commission numeric NOT NULL,
    PRIMARY KEY (agency_id, month, influencer_id, currency)
);

CREATE TABLE sales_rollup_host (
    agency_id uuid NOT NULL,
    bucket timestamptz NOT NULL,
    influencer_id uuid NOT NULL,
    platform text NOT NULL,
    currency char(3) NOT NULL,
    orders bigint NOT NULL,
    units bigint NOT NULL,
    gross numeric NOT NULL,
    refunded numeric NOT NULL,
    -- Σ gross × commission_percent and Σ refunded × commission_percent, exact: commission of
    -- the group is (gross_commission − refunded_commission) / 100.
    gross_commission numeric NOT NULL,
    refunded_commission numeric NOT NULL,
    PRIMARY KEY (agency_id, bucket, influencer_id, platform, currency)
);

-- Adds the lines a statement inserted (and takes away the old versions of lines it updated)
-- to the rollups; cancelled lines count nothing.
CREATE FUNCTION sales_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER sales_rollup_on_insert AFTER INSERT ON sales
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_rollup_apply();
CREATE TRIGGER sales_rollup_on_update AFTER UPDATE ON sales
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_rollup_apply();
