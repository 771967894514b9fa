-- Settlement statements, payouts and income-tax withholding (issue 14, DESIGN.md "Money").

-- The finance role: reads everything, prepares, approves and pays statements.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('owner', 'admin', 'manager', 'compliance', 'finance', 'analyst'));

-- The income type of a contract: fixed for its life. A change of income type is a new contract
-- from a date.
ALTER TABLE contracts
    ADD COLUMN income_type text NOT NULL DEFAULT 'labour'
        CHECK (income_type IN ('labour', 'wages', 'entity'));

CREATE FUNCTION contracts_income_type_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the income type of a contract never changes; record a new contract'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'contracts_income_type_fixed';
END;
$$;
CREATE TRIGGER contracts_income_type_fixed BEFORE UPDATE OF income_type ON contracts
    FOR EACH ROW WHEN (OLD.income_type IS DISTINCT FROM NEW.income_type)
    EXECUTE FUNCTION contracts_income_type_fixed();

-- Withholding rate tables: data with effective dates, global (the same law for every agency).
CREATE TABLE tax_rate_tables (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{1,64}$'),
    income_type text NOT NULL CHECK (income_type IN ('labour', 'wages')),
    effective_from date NOT NULL,
    -- Inclusive; NULL while in force.
    effective_until date CHECK (effective_until IS NULL OR effective_until >= effective_from),
    -- labour (per payment): up to `fixed_deduction_up_to` deduct `fixed_deduction`, above it
    -- deduct `percent_deduction` percent.
    fixed_deduction numeric CHECK (fixed_deduction >= 0),
    fixed_deduction_up_to numeric CHECK (fixed_deduction_up_to >= 0),
    percent_deduction numeric CHECK (percent_deduction BETWEEN 0 AND 100),
    -- wages (cumulative): the basic deduction per month of the tax year.
    monthly_deduction numeric CHECK (monthly_deduction >= 0),
    source text NOT NULL,
    CONSTRAINT tax_rate_tables_shape CHECK (
        (income_type = 'labour' AND fixed_deduction IS NOT NULL AND fixed_deduction_up_to IS NOT NULL
            AND percent_deduction IS NOT NULL AND monthly_deduction IS NULL)
        OR (income_type = 'wages' AND monthly_deduction IS NOT NULL AND fixed_deduction IS NULL
            AND fixed_deduction_up_to IS NULL AND percent_deduction IS NULL)),
    CONSTRAINT tax_rate_tables_no_overlap EXCLUDE USING gist (
        income_type WITH =,
        daterange(effective_from, effective_until, '[]') WITH &&)
);

-- The brackets of a table, lowest first; `up_to` NULL is the top bracket. For labour the
-- amounts apply to one month's taxable payment, for wages to the cumulative taxable income of
-- the tax year.
CREATE TABLE tax_brackets (
    table_id text NOT NULL REFERENCES tax_rate_tables (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 1),
    up_to numeric CHECK (up_to > 0),
    rate_percent numeric NOT NULL CHECK (rate_percent BETWEEN 0 AND 100),
    quick_deduction numeric NOT NULL CHECK (quick_deduction >= 0),
    PRIMARY KEY (table_id, position)
);

INSERT INTO tax_rate_tables (id, income_type, effective_from, fixed_deduction, fixed_deduction_up_to,
                             percent_deduction, monthly_deduction, source)
VALUES ('labour-2019', 'labour', '2019-01-01', 800, 4000, 20, NULL,
        'IIT Law; STA Announcement 2018 No. 61 art. 8 (per-payment prepayment of labour remuneration)'),
       ('wages-2019', 'wages', '2019-01-01', NULL, NULL, NULL, 5000,
        'IIT Law art. 6; STA Announcement 2018 No. 61 arts. 2-6 (cumulative withholding)');
INSERT INTO tax_brackets (table_id, position, up_to, rate_percent, quick_deduction) VALUES
    ('labour-2019', 1, 20000, 20, 0),
    ('labour-2019', 2, 50000, 30, 2000),
    ('labour-2019', 3, NULL, 40, 7000),
    ('wages-2019', 1, 36000, 3, 0),
    ('wages-2019', 2, 144000, 10, 2520),
    ('wages-2019', 3, 300000, 20, 16920),
    ('wages-2019', 4, 420000, 25, 31920),
    ('wages-2019', 5, 660000, 30, 52920),
    ('wages-2019', 6, 960000, 35, 85920),
    ('wages-2019', 7, NULL, 45, 181920);

-- One statement per host and month of the agency's calendar, in the zone it was generated in.
CREATE TABLE statements (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    month date NOT NULL CHECK (month = date_trunc('month', month)::date),
    time_zone text NOT NULL,
    period_start timestamptz NOT NULL,
    period_end timestamptz NOT NULL CHECK (period_end > period_start),
    currency char(3) NOT NULL,
    income_type text NOT NULL CHECK (income_type IN ('labour', 'wages', 'entity')),
    -- The host's active legal entity when generated (entity statements).
    legal_entity_id uuid,
    state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'approved', 'paid')),
    net_gmv numeric NOT NULL,
    commission numeric NOT NULL,
    agency_share numeric NOT NULL,
    host_share numeric NOT NULL,
    adjustments_total numeric NOT NULL,
    -- Negative balances of earlier approved statements brought forward (never positive).
    carried_forward numeric NOT NULL CHECK (carried_forward <= 0),
    payable numeric NOT NULL CHECK (payable = host_share + adjustments_total + carried_forward),
    contract_missing boolean NOT NULL,
    -- Sales of the month in other currencies, left out of the figures (count of lines).
    other_currency_lines bigint NOT NULL DEFAULT 0,
    -- The ledger or a contract changed under a draft since it was generated.
    stale boolean NOT NULL DEFAULT false,
    generated_by uuid NOT NULL,
    generated_at timestamptz NOT NULL,
    approved_by uuid,
    approved_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    UNIQUE (agency_id, influencer_id, month),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    FOREIGN KEY (agency_id, legal_entity_id) REFERENCES legal_entities (agency_id, id),
    -- Four eyes, in the database too.
    CONSTRAINT statements_four_eyes CHECK (
        (state = 'draft' AND approved_by IS NULL AND approved_at IS NULL)
        OR (state <> 'draft' AND approved_by IS NOT NULL AND approved_at IS NOT NULL
            AND approved_by <> generated_by)),
    CONSTRAINT statements_approved_fresh CHECK (state = 'draft' OR (NOT stale AND NOT contract_missing))
);
CREATE INDEX statements_month_idx ON statements (agency_id, month, influencer_id);
CREATE INDEX statements_state_idx ON statements (agency_id, state, month);
CREATE TRIGGER statements_set_updated_at BEFORE UPDATE ON statements
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- What a statement settles, per platform, product and share of the agency.
CREATE TABLE statement_lines (
    agency_id uuid NOT NULL,
    statement_id uuid NOT NULL,
    line_no integer NOT NULL CHECK (line_no >= 1),
    platform text NOT NULL,
    product_id uuid NOT NULL,
    -- NULL on days without a contract.
    agency_share_percent numeric,
    orders bigint NOT NULL,
    units bigint NOT NULL,
    gross numeric NOT NULL,
    refunded numeric NOT NULL,
    net numeric NOT NULL CHECK (net = gross - refunded),
    commission numeric NOT NULL,
    host_share numeric,
    PRIMARY KEY (agency_id, statement_id, line_no),
    FOREIGN KEY (agency_id, statement_id) REFERENCES statements (agency_id, id) ON DELETE CASCADE
);

-- A change to a sale of a month whose statement is approved: it waits for the host's next open
-- statement (`statement_id`), pointing to the sale and the statement it corrects.
CREATE TABLE statement_adjustments (
    agency_id uuid NOT NULL,
    id bigserial NOT NULL,
    influencer_id uuid NOT NULL,
    sale_id uuid NOT NULL,
    source_statement_id uuid NOT NULL,
    -- The sale's day in the source statement's zone (which contract's share applies).
    sale_day date NOT NULL,
    currency char(3) NOT NULL,
    net_delta numeric NOT NULL,
    -- Σ net change × commission percent (still to divide by 100).
    commission_basis_delta numeric NOT NULL,
    kind text NOT NULL CHECK (kind IN ('late_sale', 'refund', 'cancellation', 'change')),
    statement_id uuid,
    commission numeric,
    host_share numeric,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, sale_id) REFERENCES sales (agency_id, id),
    FOREIGN KEY (agency_id, source_statement_id) REFERENCES statements (agency_id, id),
    FOREIGN KEY (agency_id, statement_id) REFERENCES statements (agency_id, id),
    CHECK ((statement_id IS NULL) = (commission IS NULL))
);
CREATE INDEX statement_adjustments_host_idx ON statement_adjustments (agency_id, influencer_id, statement_id);
CREATE INDEX statement_adjustments_statement_idx ON statement_adjustments (agency_id, statement_id, id);

-- A negative balance of an approved statement, brought forward into a later one (once).
CREATE TABLE statement_carries (
    agency_id uuid NOT NULL,
    from_statement_id uuid NOT NULL,
    statement_id uuid NOT NULL,
    amount numeric NOT NULL CHECK (amount < 0),
    PRIMARY KEY (agency_id, from_statement_id),
    FOREIGN KEY (agency_id, from_statement_id) REFERENCES statements (agency_id, id),
    FOREIGN KEY (agency_id, statement_id) REFERENCES statements (agency_id, id) ON DELETE CASCADE
);
CREATE INDEX statement_carries_statement_idx ON statement_carries (agency_id, statement_id);

-- The invoice of an entity statement.
CREATE TABLE statement_invoices (
    agency_id uuid NOT NULL,
    statement_id uuid NOT NULL,
    legal_entity_id uuid NOT NULL,
    number text NOT NULL CHECK (char_length(number) BETWEEN 1 AND 64),
    issued_on date NOT NULL,
    seller_credit_code char(18) NOT NULL,
    amount_before_vat numeric NOT NULL CHECK (amount_before_vat > 0),
    vat_rate_percent numeric NOT NULL CHECK (vat_rate_percent BETWEEN 0 AND 100),
    vat_amount numeric NOT NULL CHECK (vat_amount >= 0),
    total numeric NOT NULL CHECK (total = amount_before_vat + vat_amount),
    recorded_by uuid NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, statement_id),
    FOREIGN KEY (agency_id, statement_id) REFERENCES statements (agency_id, id),
    FOREIGN KEY (agency_id, legal_entity_id) REFERENCES legal_entities (agency_id, id)
);
CREATE TRIGGER statement_invoices_set_updated_at BEFORE UPDATE ON statement_invoices
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The payout of a statement: one per statement, never changed.
CREATE TABLE payouts (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    statement_id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    income_type text NOT NULL CHECK (income_type IN ('labour', 'wages', 'entity')),
    legal_entity_id uuid,
    paid_on date NOT NULL,
    -- The tax month: the month of `paid_on`.
    tax_month date NOT NULL CHECK (tax_month = date_trunc('month', paid_on)::date),
    currency char(3) NOT NULL,
    payee_account text NOT NULL CHECK (char_length(payee_account) BETWEEN 1 AND 64),
    payee_name text NOT NULL CHECK (char_length(payee_name) BETWEEN 1 AND 200),
    -- The payee is neither the host nor the host's entity.
    third_party boolean NOT NULL,
    bank_reference text NOT NULL CHECK (char_length(bank_reference) BETWEEN 1 AND 128),
    gross numeric NOT NULL CHECK (gross > 0),
    -- Taxable amount of this payment (labour: of the month's total less what earlier payments
    -- of the month already counted; wages: of the cumulative income).
    taxable numeric NOT NULL CHECK (taxable >= 0),
    tax_withheld numeric NOT NULL CHECK (tax_withheld >= 0),
    net numeric NOT NULL CHECK (net = gross - tax_withheld),
    tax_table_id text REFERENCES tax_rate_tables (id),
    paid_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    UNIQUE (agency_id, statement_id),
    FOREIGN KEY (agency_id, statement_id) REFERENCES statements (agency_id, id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    FOREIGN KEY (agency_id, legal_entity_id) REFERENCES legal_entities (agency_id, id),
    CHECK (income_type <> 'entity' OR (tax_withheld = 0 AND legal_entity_id IS NOT NULL)),
    CHECK (income_type = 'entity' OR tax_table_id IS NOT NULL)
);
CREATE INDEX payouts_tax_month_idx ON payouts (agency_id, tax_month, influencer_id);
CREATE INDEX payouts_host_idx ON payouts (agency_id, influencer_id, paid_on);

-- Approved statements never change: the database refuses it, not only the code. The one move
-- left is approved → paid, with every figure as it was.
CREATE FUNCTION statements_approved_never_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;
CREATE TRIGGER statements_approved_never_change BEFORE UPDATE OR DELETE ON statements
    FOR EACH ROW EXECUTE FUNCTION statements_approved_never_change();

-- Attached adjustments of an approved statement are as fixed as it is (row by row: they are few).
CREATE FUNCTION statement_parts_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;
CREATE TRIGGER statement_adjustments_fixed BEFORE UPDATE OR DELETE ON statement_adjustments
    FOR EACH ROW EXECUTE FUNCTION statement_parts_fixed();

-- Lines and carries of an approved statement are as fixed as it is: checked once per writing
-- statement over its transition tables (a generation writes thousands of lines at once).
CREATE FUNCTION statement_rows_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;
CREATE TRIGGER statement_lines_fixed_insert AFTER INSERT ON statement_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_rows_fixed();
CREATE TRIGGER statement_lines_fixed_update AFTER UPDATE ON statement_lines
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_rows_fixed();
CREATE TRIGGER statement_lines_fixed_delete AFTER DELETE ON statement_lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_rows_fixed();
CREATE TRIGGER statement_carries_fixed_insert AFTER INSERT ON statement_carries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_rows_fixed();
CREATE TRIGGER statement_carries_fixed_update AFTER UPDATE ON statement_carries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_rows_fixed();
CREATE TRIGGER statement_carries_fixed_delete AFTER DELETE ON statement_carries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_rows_fixed();

-- An invoice, once its statement is paid, stays as it was.
CREATE FUNCTION statement_invoices_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;
CREATE TRIGGER statement_invoices_fixed BEFORE UPDATE OR DELETE ON statement_invoices
    FOR EACH ROW EXECUTE FUNCTION statement_invoices_fixed();

-- Payouts are records of money that left: never updated, never deleted.
CREATE TRIGGER payouts_no_update BEFORE UPDATE ON payouts
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER payouts_no_delete BEFORE DELETE ON payouts
    FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();

-- Every change to the ledger that touches a statement's month: a draft becomes stale (approval
-- waits for a regeneration); an approved or paid month gets an adjustment per changed sale,
-- waiting for the host's next open statement. One statement per writing statement, over its
-- transition tables.
-- The advisory lock of an agency's statements: taken exclusively while statements are generated,
-- shared by every write to what they are made of (sales, contracts).
CREATE FUNCTION statements_lock_key(p_agency uuid) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended('statements:' || p_agency::text, 0)
$$;

CREATE FUNCTION sales_statement_watch() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;
CREATE TRIGGER sales_statement_watch_insert AFTER INSERT ON sales
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_statement_watch();
CREATE TRIGGER sales_statement_watch_update AFTER UPDATE ON sales
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_statement_watch();

-- A contract may not change a day of a month whose statement is approved; a change to a
-- draft's month makes the draft stale.
CREATE FUNCTION contracts_period_watch() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;
CREATE TRIGGER contracts_period_watch BEFORE INSERT OR UPDATE OR DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION contracts_period_watch();

-- The tenant key carries no planner statistics (see 2026-11-29-001010).
ALTER TABLE statements ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE statement_lines ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE statement_adjustments ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE statement_carries ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE statement_invoices ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE payouts ALTER COLUMN agency_id SET STATISTICS 0;

-- The income-conversion findings read contracts and payouts: a write marks the host.
CREATE TRIGGER contracts_compliance AFTER INSERT OR UPDATE OR DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
CREATE TRIGGER payouts_compliance AFTER INSERT ON payouts
    FOR EACH ROW EXECUTE FUNCTION compliance_mark_host();
