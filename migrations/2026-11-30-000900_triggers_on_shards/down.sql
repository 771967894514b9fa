-- The previous bodies (names of other tables written directly).
CREATE OR REPLACE FUNCTION public.compliance_mark_host()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id) VALUES (OLD.agency_id, OLD.influencer_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.influencer_id IS DISTINCT FROM OLD.influencer_id) THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id) VALUES (NEW.agency_id, NEW.influencer_id);
    END IF;
    RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.compliance_mark_influencer()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id) VALUES (OLD.agency_id, OLD.id);
    ELSE
        INSERT INTO compliance_dirty (agency_id, influencer_id) VALUES (NEW.agency_id, NEW.id);
    END IF;
    RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.compliance_mark_product_hosts()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO compliance_dirty (agency_id, influencer_id)
    SELECT s.agency_id, s.influencer_id
    FROM session_products sp
    JOIN live_sessions s ON s.agency_id = sp.agency_id AND s.id = sp.session_id
    WHERE sp.agency_id = NEW.agency_id AND sp.product_id = NEW.id
    UNION
    SELECT agency_id, influencer_id FROM sales WHERE agency_id = NEW.agency_id AND product_id = NEW.id;
    RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.compliance_mark_sellers()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO compliance_dirty (agency_id, influencer_id)
    SELECT DISTINCT agency_id, influencer_id FROM new_rows;
    RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.compliance_mark_session_host()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id)
        SELECT agency_id, influencer_id FROM live_sessions WHERE agency_id = OLD.agency_id AND id = OLD.session_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO compliance_dirty (agency_id, influencer_id)
        SELECT agency_id, influencer_id FROM live_sessions WHERE agency_id = NEW.agency_id AND id = NEW.session_id;
    END IF;
    RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.contracts_period_watch()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    host uuid;
    tenant uuid;
    ranges daterange[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        host := NEW.influencer_id; tenant := NEW.agency_id;
        ranges := ARRAY[daterange(NEW.valid_from, NEW.valid_until, '[]')];
    ELSIF TG_OP = 'DELETE' THEN
        host := OLD.influencer_id; tenant := OLD.agency_id;
        ranges := ARRAY[daterange(OLD.valid_from, OLD.valid_until, '[]')];
    ELSE
        host := NEW.influencer_id; tenant := NEW.agency_id;
        IF NEW.agency_share_percent <> OLD.agency_share_percent OR NEW.influencer_id <> OLD.influencer_id THEN
            ranges := ARRAY[daterange(OLD.valid_from, OLD.valid_until, '[]'),
                            daterange(NEW.valid_from, NEW.valid_until, '[]')];
        ELSE
            -- Only the days that came or went.
            ranges := ARRAY[daterange(least(OLD.valid_from, NEW.valid_from), greatest(OLD.valid_from, NEW.valid_from), '[)'),
                            CASE WHEN OLD.valid_until IS NULL AND NEW.valid_until IS NULL THEN 'empty'::daterange
                                 ELSE daterange(least(OLD.valid_until, NEW.valid_until) + 1,
                                                CASE WHEN OLD.valid_until IS NULL OR NEW.valid_until IS NULL THEN NULL
                                                     ELSE greatest(OLD.valid_until, NEW.valid_until) END, '[]') END];
        END IF;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(statements_lock_key(tenant));
    -- Drafts first (their row locks order this write after a racing approval), then the
    -- approved months, read afresh.
    UPDATE statements s SET stale = true
    FROM unnest(ranges) r
    WHERE s.agency_id = tenant AND s.influencer_id = host AND s.state = 'draft' AND NOT s.stale
      AND daterange(s.month, (s.month + interval '1 month')::date, '[)') && r;
    IF EXISTS (SELECT 1 FROM statements s, unnest(ranges) r
               WHERE s.agency_id = tenant AND s.influencer_id = host AND s.state <> 'draft'
                 AND daterange(s.month, (s.month + interval '1 month')::date, '[)') && r) THEN
        RAISE EXCEPTION 'a statement of this period is approved'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'period_closed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.sales_rollup_apply()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.sales_statement_watch()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    -- Generating statements takes this lock exclusively (see statements_lock_key): a write
    -- either commits before a generation reads the ledger or sees the drafts it made.
    PERFORM pg_advisory_xact_lock_shared(statements_lock_key(t.agency_id))
    FROM (SELECT DISTINCT agency_id FROM new_rows) t;
    -- Most writes touch no statement's month: one look at the hosts' latest periods.
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (
            SELECT 1 FROM (SELECT agency_id, influencer_id, min(sold_at) AS first FROM new_rows GROUP BY 1, 2) n
            JOIN statements s ON s.agency_id = n.agency_id AND s.influencer_id = n.influencer_id
                 AND s.period_end > n.first) THEN
            RETURN NULL;
        END IF;
    ELSIF NOT EXISTS (
            SELECT 1 FROM (SELECT agency_id, influencer_id, min(sold_at) AS first FROM new_rows GROUP BY 1, 2
                           UNION ALL
                           SELECT agency_id, influencer_id, min(sold_at) FROM old_rows GROUP BY 1, 2) n
            JOIN statements s ON s.agency_id = n.agency_id AND s.influencer_id = n.influencer_id
                 AND s.period_end > n.first) THEN
        RETURN NULL;
    END IF;
    -- Drafts of the touched months are stale (first, so that an approval racing this write
    -- either waits for it or is seen by the adjustments below).
    IF TG_OP = 'INSERT' THEN
        UPDATE statements s SET stale = true
        WHERE s.state = 'draft' AND NOT s.stale AND (s.agency_id, s.id) IN (
            SELECT d.agency_id, d.id FROM new_rows n
            JOIN statements d ON d.agency_id = n.agency_id AND d.influencer_id = n.influencer_id
                 AND n.sold_at >= d.period_start AND n.sold_at < d.period_end AND d.state = 'draft');
        WITH added AS (
            INSERT INTO statement_adjustments (agency_id, influencer_id, sale_id, source_statement_id, sale_day,
                                               currency, net_delta, commission_basis_delta, kind)
            SELECT n.agency_id, n.influencer_id, n.id, s.id, (n.sold_at AT TIME ZONE s.time_zone)::date, n.currency,
                   n.gross - n.refunded_amount, (n.gross - n.refunded_amount) * n.commission_percent, 'late_sale'
            FROM new_rows n
            JOIN statements s ON s.agency_id = n.agency_id AND s.influencer_id = n.influencer_id
                 AND n.sold_at >= s.period_start AND n.sold_at < s.period_end AND s.state <> 'draft'
            WHERE n.status <> 'cancelled' AND n.gross - n.refunded_amount <> 0
            RETURNING agency_id, influencer_id, source_statement_id
        )
        -- An adjustment waits for the host's next open statement: a later draft is stale.
        UPDATE statements s SET stale = true
        FROM (SELECT DISTINCT a.agency_id, a.influencer_id, src.month
              FROM added a JOIN statements src ON src.agency_id = a.agency_id AND src.id = a.source_statement_id) t
        WHERE s.agency_id = t.agency_id AND s.influencer_id = t.influencer_id AND s.month > t.month
          AND s.state = 'draft' AND NOT s.stale;
    ELSE
        UPDATE statements s SET stale = true
        WHERE s.state = 'draft' AND NOT s.stale AND (s.agency_id, s.id) IN (
            SELECT d.agency_id, d.id
            FROM (SELECT agency_id, influencer_id, sold_at FROM new_rows
                  UNION ALL SELECT agency_id, influencer_id, sold_at FROM old_rows) n
            JOIN statements d ON d.agency_id = n.agency_id AND d.influencer_id = n.influencer_id
                 AND n.sold_at >= d.period_start AND n.sold_at < d.period_end AND d.state = 'draft');
        WITH changed AS (
            SELECT n.agency_id, n.id, n.influencer_id, n.sold_at, n.currency,
                   CASE WHEN n.status = 'cancelled' THEN 0 ELSE n.gross - n.refunded_amount END AS net,
                   CASE WHEN n.status = 'cancelled' THEN 0 ELSE (n.gross - n.refunded_amount) * n.commission_percent END AS basis,
                   CASE WHEN n.status = 'cancelled' AND o.status <> 'cancelled' THEN 'cancellation'
                        WHEN n.refunded_amount <> o.refunded_amount THEN 'refund'
                        ELSE 'change' END AS kind
            FROM new_rows n JOIN old_rows o ON o.agency_id = n.agency_id AND o.id = n.id
            UNION ALL
            SELECT o.agency_id, o.id, o.influencer_id, o.sold_at, o.currency,
                   CASE WHEN o.status = 'cancelled' THEN 0 ELSE -(o.gross - o.refunded_amount) END,
                   CASE WHEN o.status = 'cancelled' THEN 0 ELSE -(o.gross - o.refunded_amount) * o.commission_percent END,
                   NULL
            FROM old_rows o
        ), added AS (
            INSERT INTO statement_adjustments (agency_id, influencer_id, sale_id, source_statement_id, sale_day,
                                               currency, net_delta, commission_basis_delta, kind)
            SELECT c.agency_id, c.influencer_id, c.id, s.id, (min(c.sold_at) AT TIME ZONE s.time_zone)::date,
                   min(c.currency), sum(c.net), sum(c.basis), coalesce(max(c.kind), 'change')
            FROM changed c
            JOIN statements s ON s.agency_id = c.agency_id AND s.influencer_id = c.influencer_id
                 AND c.sold_at >= s.period_start AND c.sold_at < s.period_end AND s.state <> 'draft'
            GROUP BY c.agency_id, c.influencer_id, c.id, s.id, s.time_zone
            HAVING sum(c.net) <> 0 OR sum(c.basis) <> 0
            RETURNING agency_id, influencer_id, source_statement_id
        )
        UPDATE statements s SET stale = true
        FROM (SELECT DISTINCT a.agency_id, a.influencer_id, src.month
              FROM added a JOIN statements src ON src.agency_id = a.agency_id AND src.id = a.source_statement_id) t
        WHERE s.agency_id = t.agency_id AND s.influencer_id = t.influencer_id AND s.month > t.month
          AND s.state = 'draft' AND NOT s.stale;
    END IF;
    RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.statement_invoices_fixed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF EXISTS (SELECT 1 FROM payouts p WHERE p.agency_id = OLD.agency_id AND p.statement_id = OLD.statement_id) THEN
        RAISE EXCEPTION 'statement % is paid: its invoice never changes', OLD.statement_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_invoices_fixed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.statement_parts_fixed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF OLD.statement_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM statements s WHERE s.agency_id = OLD.agency_id AND s.id = OLD.statement_id AND s.state <> 'draft'
    ) THEN
        RAISE EXCEPTION 'statement % is approved: its % never change', OLD.statement_id, TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_parts_fixed';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.statement_id IS NOT NULL AND NEW.statement_id IS DISTINCT FROM OLD.statement_id
       AND EXISTS (SELECT 1 FROM statements s WHERE s.agency_id = NEW.agency_id AND s.id = NEW.statement_id
                   AND s.state <> 'draft') THEN
        RAISE EXCEPTION 'statement % is approved: nothing is added to it', NEW.statement_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_parts_fixed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.statement_rows_fixed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM (SELECT DISTINCT agency_id, statement_id FROM old_rows) o
                   JOIN statements s ON s.agency_id = o.agency_id AND s.id = o.statement_id
                   WHERE s.state <> 'draft') THEN
            RAISE EXCEPTION 'an approved statement''s % never change', TG_TABLE_NAME
                USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_parts_fixed';
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM (SELECT DISTINCT agency_id, statement_id FROM new_rows) n
                   JOIN statements s ON s.agency_id = n.agency_id AND s.id = n.statement_id
                   WHERE s.state <> 'draft') THEN
            RAISE EXCEPTION 'nothing is added to an approved statement''s %', TG_TABLE_NAME
                USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_parts_fixed';
        END IF;
    END IF;
    RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.statements_approved_never_change()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'statement % is %: it never changes', OLD.id, OLD.state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'statements_approved_never_change';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state = 'draft' THEN
        RETURN NEW;
    END IF;
    IF OLD.state = 'approved' AND NEW.state = 'paid'
       AND (NEW.agency_id, NEW.influencer_id, NEW.month, NEW.time_zone, NEW.period_start, NEW.period_end,
            NEW.currency, NEW.income_type, NEW.legal_entity_id, NEW.net_gmv, NEW.commission,
            NEW.agency_share, NEW.host_share, NEW.adjustments_total, NEW.carried_forward, NEW.payable,
            NEW.contract_missing, NEW.other_currency_lines, NEW.stale, NEW.generated_by,
            NEW.generated_at, NEW.approved_by, NEW.approved_at)
           IS NOT DISTINCT FROM
           (OLD.agency_id, OLD.influencer_id, OLD.month, OLD.time_zone, OLD.period_start, OLD.period_end,
            OLD.currency, OLD.income_type, OLD.legal_entity_id, OLD.net_gmv, OLD.commission,
            OLD.agency_share, OLD.host_share, OLD.adjustments_total, OLD.carried_forward, OLD.payable,
            OLD.contract_missing, OLD.other_currency_lines, OLD.stale, OLD.generated_by,
            OLD.generated_at, OLD.approved_by, OLD.approved_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'statement % is %: it never changes', OLD.id, OLD.state
        USING ERRCODE = 'check_violation', CONSTRAINT = 'statements_approved_never_change';
END;
$function$;

CREATE OR REPLACE FUNCTION public.users_keep_an_active_owner()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF OLD.role = 'owner' AND OLD.active AND NOT (NEW.role = 'owner' AND NEW.active) THEN
        PERFORM 1 FROM agencies WHERE id = OLD.agency_id FOR UPDATE;
        IF NOT EXISTS (
            SELECT 1 FROM users
            WHERE agency_id = OLD.agency_id AND role = 'owner' AND active AND id <> OLD.id
        ) THEN
            RAISE EXCEPTION 'the agency must keep at least one active owner'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'users_last_active_owner';
        END IF;
    END IF;
    RETURN NEW;
END;
$function$;


DROP FUNCTION statements_lock(uuid);
DROP FUNCTION colocated(text, text);

CREATE OR REPLACE FUNCTION sales_rollup_fold(p_agency uuid, p_batch integer)
 RETURNS bigint
 LANGUAGE sql
AS $function$
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
$function$;

