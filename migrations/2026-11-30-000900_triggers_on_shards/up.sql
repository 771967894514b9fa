-- Triggers that work on a Citus cluster as on one server. Citus runs a distributed table's
-- triggers on the worker, against the shard (`sales_102040`), and there a query naming another
-- distributed or reference table is refused ("cannot execute a distributed query from a query
-- on a shard"), and a transition table (`new_rows`) is lost to its planner. So every trigger
-- that reads or writes another table names it through `colocated(table, TG_TABLE_NAME)`: the
-- table itself on one server, and on a shard the same agency's shard of that table (colocated
-- shards share their hash range; a reference table has one shard, on every node). The bodies
-- are the previous ones, run with EXECUTE. A shard has no column defaults that draw from a
-- sequence (Citus draws them on the coordinator), so rows written here name their serial and
-- identity columns with the sequence's next value (on a worker, a range of its own). The
-- last-owner guard serialises on the agency's advisory users lock instead of a row lock on
-- `agencies` (on Citus a row lock on a reference table locks it whole, on every node).

CREATE FUNCTION colocated(target text, source text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    shard bigint;
BEGIN
    -- On one server (and for the coordinator's own tables) the trigger's table is the table.
    IF source !~ '_[0-9]+$' THEN
        RETURN quote_ident(target);
    END IF;
    EXECUTE 'SELECT o.shardid FROM pg_dist_shard s JOIN pg_dist_shard o ON o.logicalrelid = $2::regclass '
            'AND (o.shardminvalue IS NULL OR o.shardminvalue = s.shardminvalue) WHERE s.shardid = $1'
        INTO shard USING substring(source from '_([0-9]+)$')::bigint, target;
    IF shard IS NULL THEN
        RAISE EXCEPTION 'no shard of % beside %', target, source;
    END IF;
    RETURN quote_ident(target || '_' || shard);
END;
$$;

CREATE OR REPLACE FUNCTION compliance_mark_host() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mark text := format('INSERT INTO %s (seq, agency_id, influencer_id) OVERRIDING SYSTEM VALUE '
                        'VALUES (nextval(''compliance_dirty_seq_seq''), $1, $2)',
                        colocated('compliance_dirty', TG_TABLE_NAME));
BEGIN
    IF TG_OP <> 'INSERT' THEN
        EXECUTE mark USING OLD.agency_id, OLD.influencer_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.influencer_id IS DISTINCT FROM OLD.influencer_id) THEN
        EXECUTE mark USING NEW.agency_id, NEW.influencer_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION compliance_mark_influencer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mark text := format('INSERT INTO %s (seq, agency_id, influencer_id) OVERRIDING SYSTEM VALUE '
                        'VALUES (nextval(''compliance_dirty_seq_seq''), $1, $2)',
                        colocated('compliance_dirty', TG_TABLE_NAME));
BEGIN
    IF TG_OP = 'DELETE' THEN
        EXECUTE mark USING OLD.agency_id, OLD.id;
    ELSE
        EXECUTE mark USING NEW.agency_id, NEW.id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION compliance_mark_product_hosts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %s (seq, agency_id, influencer_id) OVERRIDING SYSTEM VALUE '
        'SELECT nextval(''compliance_dirty_seq_seq''), h.agency_id, h.influencer_id FROM ( '
        '    SELECT s.agency_id, s.influencer_id FROM %s sp '
        '    JOIN %s s ON s.agency_id = sp.agency_id AND s.id = sp.session_id '
        '    WHERE sp.agency_id = $1 AND sp.product_id = $2 '
        '    UNION SELECT agency_id, influencer_id FROM %s WHERE agency_id = $1 AND product_id = $2) h',
        colocated('compliance_dirty', TG_TABLE_NAME), colocated('session_products', TG_TABLE_NAME),
        colocated('live_sessions', TG_TABLE_NAME), colocated('sales', TG_TABLE_NAME))
    USING NEW.agency_id, NEW.id;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION compliance_mark_sellers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %s (seq, agency_id, influencer_id) OVERRIDING SYSTEM VALUE '
                   'SELECT nextval(''compliance_dirty_seq_seq''), h.agency_id, h.influencer_id '
                   'FROM (SELECT DISTINCT agency_id, influencer_id FROM new_rows) h',
                   colocated('compliance_dirty', TG_TABLE_NAME));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION compliance_mark_session_host() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mark text := format('INSERT INTO %s (seq, agency_id, influencer_id) OVERRIDING SYSTEM VALUE '
                        'SELECT nextval(''compliance_dirty_seq_seq''), agency_id, influencer_id '
                        'FROM %s WHERE agency_id = $1 AND id = $2',
                        colocated('compliance_dirty', TG_TABLE_NAME),
                        colocated('live_sessions', TG_TABLE_NAME));
BEGIN
    IF TG_OP <> 'INSERT' THEN
        EXECUTE mark USING OLD.agency_id, OLD.session_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        EXECUTE mark USING NEW.agency_id, NEW.session_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION contracts_period_watch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    host uuid;
    tenant uuid;
    ranges daterange[];
    statements_table text := colocated('statements', TG_TABLE_NAME);
    closed boolean;
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
    EXECUTE format(
        'UPDATE %s s SET stale = true FROM unnest($3) r '
        'WHERE s.agency_id = $1 AND s.influencer_id = $2 AND s.state = ''draft'' AND NOT s.stale '
        '  AND daterange(s.month, (s.month + interval ''1 month'')::date, ''[)'') && r',
        statements_table)
    USING tenant, host, ranges;
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM %s s, unnest($3) r '
        'WHERE s.agency_id = $1 AND s.influencer_id = $2 AND s.state <> ''draft'' '
        '  AND daterange(s.month, (s.month + interval ''1 month'')::date, ''[)'') && r)',
        statements_table)
    INTO closed USING tenant, host, ranges;
    IF closed THEN
        RAISE EXCEPTION 'a statement of this period is approved'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'period_closed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION sales_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- The delta rows of the statement's groups (agency, hour, local day, host, platform,
    -- currency): what both branches write, less their sums and their source.
    append text := format(
        'INSERT INTO %s (id, agency_id, bucket, day, influencer_id, platform, currency, '
        '    orders, units, gross, refunded, gross_commission, refunded_commission) '
        'SELECT nextval(''sales_rollup_delta_id_seq''), g.* FROM ( '
        'SELECT m.agency_id, date_trunc(''hour'', m.sold_at, ''UTC''), (m.sold_at AT TIME ZONE a.time_zone)::date, '
        '       m.influencer_id, m.platform, m.currency, ',
        colocated('sales_rollup_delta', TG_TABLE_NAME));
    agencies_table text := colocated('agencies', TG_TABLE_NAME);
BEGIN
    PERFORM pg_advisory_xact_lock_shared(statements_lock_key(t.agency_id))
    FROM (SELECT DISTINCT agency_id FROM new_rows ORDER BY 1) t;
    IF TG_OP = 'INSERT' THEN
        EXECUTE append || format(
            '       count(*), sum(m.quantity), sum(m.gross), sum(m.refunded_amount), '
            '       sum(m.gross * m.commission_percent), sum(m.refunded_amount * m.commission_percent) '
            'FROM new_rows m JOIN %s a ON a.id = m.agency_id '
            'WHERE m.status <> ''cancelled'' '
            'GROUP BY 1, 2, 3, 4, 5, 6) g',
            agencies_table);
    ELSE
        EXECUTE append || format(
            '       sum(sign), sum(sign * m.quantity), sum(sign * m.gross), sum(sign * m.refunded_amount), '
            '       sum(sign * m.gross * m.commission_percent), sum(sign * m.refunded_amount * m.commission_percent) '
            'FROM (SELECT *, 1 AS sign FROM new_rows WHERE status <> ''cancelled'' '
            '      UNION ALL SELECT *, -1 AS sign FROM old_rows WHERE status <> ''cancelled'') AS m '
            'JOIN %s a ON a.id = m.agency_id '
            'GROUP BY 1, 2, 3, 4, 5, 6 '
            -- An update that moves no figure (a status change within the same sums) appends nothing.
            'HAVING sum(sign) <> 0 OR sum(sign * m.quantity) <> 0 OR sum(sign * m.gross) <> 0 '
            '    OR sum(sign * m.refunded_amount) <> 0 OR sum(sign * m.gross * m.commission_percent) <> 0 '
            '    OR sum(sign * m.refunded_amount * m.commission_percent) <> 0) g',
            agencies_table);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION sales_statement_watch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    st text := colocated('statements', TG_TABLE_NAME);
    adj text := colocated('statement_adjustments', TG_TABLE_NAME);
    touched boolean;
BEGIN
    -- Generating statements takes this lock exclusively (see statements_lock_key): a write
    -- either commits before a generation reads the ledger or sees the drafts it made.
    PERFORM pg_advisory_xact_lock_shared(statements_lock_key(t.agency_id))
    FROM (SELECT DISTINCT agency_id FROM new_rows) t;
    -- Most writes touch no statement's month: one look at the hosts' latest periods.
    IF TG_OP = 'INSERT' THEN
        EXECUTE format(
            'SELECT EXISTS (SELECT 1 FROM (SELECT agency_id, influencer_id, min(sold_at) AS first FROM new_rows GROUP BY 1, 2) n '
            'JOIN %s s ON s.agency_id = n.agency_id AND s.influencer_id = n.influencer_id AND s.period_end > n.first)',
            st) INTO touched;
    ELSE
        EXECUTE format(
            'SELECT EXISTS (SELECT 1 FROM (SELECT agency_id, influencer_id, min(sold_at) AS first FROM new_rows GROUP BY 1, 2 '
            '                              UNION ALL '
            '                              SELECT agency_id, influencer_id, min(sold_at) FROM old_rows GROUP BY 1, 2) n '
            'JOIN %s s ON s.agency_id = n.agency_id AND s.influencer_id = n.influencer_id AND s.period_end > n.first)',
            st) INTO touched;
    END IF;
    IF NOT touched THEN
        RETURN NULL;
    END IF;
    -- Drafts of the touched months are stale (first, so that an approval racing this write
    -- either waits for it or is seen by the adjustments below).
    IF TG_OP = 'INSERT' THEN
        EXECUTE format(
            'UPDATE %1$s s SET stale = true '
            'WHERE s.state = ''draft'' AND NOT s.stale AND (s.agency_id, s.id) IN ( '
            '    SELECT d.agency_id, d.id FROM new_rows n '
            '    JOIN %1$s d ON d.agency_id = n.agency_id AND d.influencer_id = n.influencer_id '
            '         AND n.sold_at >= d.period_start AND n.sold_at < d.period_end AND d.state = ''draft'')',
            st);
        EXECUTE format(
            'WITH added AS ( '
            '    INSERT INTO %2$s (id, agency_id, influencer_id, sale_id, source_statement_id, sale_day, '
            '                      currency, net_delta, commission_basis_delta, kind) '
            '    SELECT nextval(''statement_adjustments_id_seq''), n.agency_id, n.influencer_id, n.id, s.id, (n.sold_at AT TIME ZONE s.time_zone)::date, n.currency, '
            '           n.gross - n.refunded_amount, (n.gross - n.refunded_amount) * n.commission_percent, ''late_sale'' '
            '    FROM new_rows n '
            '    JOIN %1$s s ON s.agency_id = n.agency_id AND s.influencer_id = n.influencer_id '
            '         AND n.sold_at >= s.period_start AND n.sold_at < s.period_end AND s.state <> ''draft'' '
            '    WHERE n.status <> ''cancelled'' AND n.gross - n.refunded_amount <> 0 '
            '    RETURNING agency_id, influencer_id, source_statement_id) '
            -- An adjustment waits for the host's next open statement: a later draft is stale.
            'UPDATE %1$s s SET stale = true '
            'FROM (SELECT DISTINCT a.agency_id, a.influencer_id, src.month '
            '      FROM added a JOIN %1$s src ON src.agency_id = a.agency_id AND src.id = a.source_statement_id) t '
            'WHERE s.agency_id = t.agency_id AND s.influencer_id = t.influencer_id AND s.month > t.month '
            '  AND s.state = ''draft'' AND NOT s.stale',
            st, adj);
    ELSE
        EXECUTE format(
            'UPDATE %1$s s SET stale = true '
            'WHERE s.state = ''draft'' AND NOT s.stale AND (s.agency_id, s.id) IN ( '
            '    SELECT d.agency_id, d.id '
            '    FROM (SELECT agency_id, influencer_id, sold_at FROM new_rows '
            '          UNION ALL SELECT agency_id, influencer_id, sold_at FROM old_rows) n '
            '    JOIN %1$s d ON d.agency_id = n.agency_id AND d.influencer_id = n.influencer_id '
            '         AND n.sold_at >= d.period_start AND n.sold_at < d.period_end AND d.state = ''draft'')',
            st);
        EXECUTE format(
            'WITH changed AS ( '
            '    SELECT n.agency_id, n.id, n.influencer_id, n.sold_at, n.currency, '
            '           CASE WHEN n.status = ''cancelled'' THEN 0 ELSE n.gross - n.refunded_amount END AS net, '
            '           CASE WHEN n.status = ''cancelled'' THEN 0 ELSE (n.gross - n.refunded_amount) * n.commission_percent END AS basis, '
            '           CASE WHEN n.status = ''cancelled'' AND o.status <> ''cancelled'' THEN ''cancellation'' '
            '                WHEN n.refunded_amount <> o.refunded_amount THEN ''refund'' '
            '                ELSE ''change'' END AS kind '
            '    FROM new_rows n JOIN old_rows o ON o.agency_id = n.agency_id AND o.id = n.id '
            '    UNION ALL '
            '    SELECT o.agency_id, o.id, o.influencer_id, o.sold_at, o.currency, '
            '           CASE WHEN o.status = ''cancelled'' THEN 0 ELSE -(o.gross - o.refunded_amount) END, '
            '           CASE WHEN o.status = ''cancelled'' THEN 0 ELSE -(o.gross - o.refunded_amount) * o.commission_percent END, '
            '           NULL '
            '    FROM old_rows o '
            '), added AS ( '
            '    INSERT INTO %2$s (id, agency_id, influencer_id, sale_id, source_statement_id, sale_day, '
            '                      currency, net_delta, commission_basis_delta, kind) '
            '    SELECT nextval(''statement_adjustments_id_seq''), g.* FROM ( '
            '    SELECT c.agency_id, c.influencer_id, c.id, s.id, (min(c.sold_at) AT TIME ZONE s.time_zone)::date, '
            '           min(c.currency), sum(c.net), sum(c.basis), coalesce(max(c.kind), ''change'') '
            '    FROM changed c '
            '    JOIN %1$s s ON s.agency_id = c.agency_id AND s.influencer_id = c.influencer_id '
            '         AND c.sold_at >= s.period_start AND c.sold_at < s.period_end AND s.state <> ''draft'' '
            '    GROUP BY c.agency_id, c.influencer_id, c.id, s.id, s.time_zone '
            '    HAVING sum(c.net) <> 0 OR sum(c.basis) <> 0) g '
            '    RETURNING agency_id, influencer_id, source_statement_id) '
            'UPDATE %1$s s SET stale = true '
            'FROM (SELECT DISTINCT a.agency_id, a.influencer_id, src.month '
            '      FROM added a JOIN %1$s src ON src.agency_id = a.agency_id AND src.id = a.source_statement_id) t '
            'WHERE s.agency_id = t.agency_id AND s.influencer_id = t.influencer_id AND s.month > t.month '
            '  AND s.state = ''draft'' AND NOT s.stale',
            st, adj);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION statement_invoices_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    paid boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s p WHERE p.agency_id = $1 AND p.statement_id = $2)',
                   colocated('payouts', TG_TABLE_NAME))
    INTO paid USING OLD.agency_id, OLD.statement_id;
    IF paid THEN
        RAISE EXCEPTION 'statement % is paid: its invoice never changes', OLD.statement_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_invoices_fixed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION statement_parts_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    approved text := format('SELECT EXISTS (SELECT 1 FROM %s s WHERE s.agency_id = $1 AND s.id = $2 '
                            'AND s.state <> ''draft'')', colocated('statements', TG_TABLE_NAME));
    found boolean;
BEGIN
    IF OLD.statement_id IS NOT NULL THEN
        EXECUTE approved INTO found USING OLD.agency_id, OLD.statement_id;
        IF found THEN
            RAISE EXCEPTION 'statement % is approved: its % never change', OLD.statement_id, TG_TABLE_NAME
                USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_parts_fixed';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.statement_id IS NOT NULL AND NEW.statement_id IS DISTINCT FROM OLD.statement_id THEN
        EXECUTE approved INTO found USING NEW.agency_id, NEW.statement_id;
        IF found THEN
            RAISE EXCEPTION 'statement % is approved: nothing is added to it', NEW.statement_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_parts_fixed';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION statement_rows_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    st text := colocated('statements', TG_TABLE_NAME);
    found boolean;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT agency_id, statement_id FROM old_rows) o '
                       'JOIN %s s ON s.agency_id = o.agency_id AND s.id = o.statement_id '
                       'WHERE s.state <> ''draft'')', st) INTO found;
        IF found THEN
            RAISE EXCEPTION 'an approved statement''s % never change', regexp_replace(TG_TABLE_NAME, '_[0-9]+$', '')
                USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_parts_fixed';
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT agency_id, statement_id FROM new_rows) n '
                       'JOIN %s s ON s.agency_id = n.agency_id AND s.id = n.statement_id '
                       'WHERE s.state <> ''draft'')', st) INTO found;
        IF found THEN
            RAISE EXCEPTION 'nothing is added to an approved statement''s %', regexp_replace(TG_TABLE_NAME, '_[0-9]+$', '')
                USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_parts_fixed';
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION users_keep_an_active_owner() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    found boolean;
BEGIN
    IF OLD.role = 'owner' AND OLD.active AND NOT (NEW.role = 'owner' AND NEW.active) THEN
        -- The agency's users lock (the service takes it before any change of users): a row
        -- lock on `agencies`, as before, would lock the whole reference table on Citus.
        PERFORM pg_advisory_xact_lock(hashtextextended('users:' || OLD.agency_id::text, 0));
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE agency_id = $1 AND role = ''owner'' '
                       'AND active AND id <> $2)', colocated('users', TG_TABLE_NAME))
        INTO found USING OLD.agency_id, OLD.id;
        IF NOT found THEN
            RAISE EXCEPTION 'the agency must keep at least one active owner'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'users_last_active_owner';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

-- Citus plans no statement of an SQL-language function that uses its parameters ("could not
-- create distributed plan"): the fold is the same statement in PL/pgSQL.
CREATE OR REPLACE FUNCTION sales_rollup_fold(p_agency uuid, p_batch integer)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    folded bigint;
BEGIN
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
    SELECT count(*) INTO folded FROM moved;
    RETURN folded;
END;
$function$;

-- The agency's statement lock taken exclusively (statement generation, time-zone changes), where
-- the triggers of its sales and contracts take it shared. On one server that is the server; on
-- Citus the triggers run on the worker that holds the agency's shards, so `mcn distribute`
-- makes this function a distributed one (by `p_agency`, colocated with `statements`, forced
-- delegation): the call, and so the lock, runs on that worker, in the transaction's connection.
CREATE FUNCTION statements_lock(p_agency uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(statements_lock_key(p_agency));
END;
$$;
