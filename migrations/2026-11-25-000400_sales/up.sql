-- The sales ledger: order lines per platform, refunds as entries of their own, and the import
-- batches lines came in with. Nothing here is ever deleted through the API.

-- Lets sales reference "this session of this host", so a sale's session is always its host's.
ALTER TABLE live_sessions ADD CONSTRAINT live_sessions_host_key UNIQUE (agency_id, id, influencer_id);

CREATE TABLE import_batches (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    uploaded_by uuid NOT NULL,
    file_name text CHECK (file_name IS NULL OR char_length(file_name) <= 255),
    content_type text NOT NULL,
    sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    on_error text NOT NULL CHECK (on_error IN ('reject', 'skip')),
    outcome text NOT NULL CHECK (outcome IN ('committed', 'rejected')),
    rows_total integer NOT NULL DEFAULT 0,
    inserted integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    duplicates integer NOT NULL DEFAULT 0,
    rejected integer NOT NULL DEFAULT 0,
    errors jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, uploaded_by) REFERENCES users (agency_id, id)
);

CREATE INDEX import_batches_time_idx ON import_batches (agency_id, created_at, id);

CREATE TABLE sales (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    platform text NOT NULL CHECK (platform IN ('douyin', 'kuaishou', 'taobao', 'tmall', 'jd',
        'pinduoduo', 'xiaohongshu', 'bilibili', 'wechat_channels', 'weibo', 'tiktok', 'other')),
    external_order_id text NOT NULL CHECK (char_length(external_order_id) BETWEEN 1 AND 128),
    sold_at timestamptz NOT NULL,
    influencer_id uuid NOT NULL,
    live_session_id uuid,
    product_id uuid NOT NULL,
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
    unit_price numeric(14, 4) NOT NULL CHECK (unit_price >= 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    gross numeric(20, 4) NOT NULL,
    -- The brand's commission rate on this line, as the product had it when the line was
    -- recorded: later catalogue edits do not rewrite earned commission.
    commission_percent numeric(5, 2) NOT NULL CHECK (commission_percent >= 0 AND commission_percent <= 100),
    status text NOT NULL DEFAULT 'paid'
        CHECK (status IN ('paid', 'refunded', 'partially_refunded', 'cancelled')),
    refunded_amount numeric(20, 4) NOT NULL DEFAULT 0,
    import_batch_id uuid,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    CONSTRAINT sales_order_line_key UNIQUE (agency_id, platform, external_order_id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    FOREIGN KEY (agency_id, product_id) REFERENCES products (agency_id, id),
    FOREIGN KEY (agency_id, live_session_id, influencer_id)
        REFERENCES live_sessions (agency_id, id, influencer_id),
    FOREIGN KEY (agency_id, import_batch_id) REFERENCES import_batches (agency_id, id),
    CONSTRAINT sales_gross CHECK (gross = quantity * unit_price),
    -- Refunds never exceed the line's gross, and the status follows the refunded amount.
    CONSTRAINT sales_refund_bounds CHECK (refunded_amount >= 0 AND refunded_amount <= gross),
    CONSTRAINT sales_status_matches_refunds CHECK (
        status = 'cancelled'
        OR (status = 'paid' AND refunded_amount = 0)
        OR (status = 'partially_refunded' AND refunded_amount > 0 AND refunded_amount < gross)
        OR (status = 'refunded' AND refunded_amount = gross AND refunded_amount > 0)
    )
);

CREATE INDEX sales_time_idx ON sales (agency_id, sold_at, id);
CREATE INDEX sales_influencer_idx ON sales (agency_id, influencer_id, sold_at);
CREATE INDEX sales_product_idx ON sales (agency_id, product_id, sold_at);
CREATE INDEX sales_session_idx ON sales (agency_id, live_session_id) WHERE live_session_id IS NOT NULL;
CREATE TRIGGER sales_set_updated_at BEFORE UPDATE ON sales
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every refund is an entry of its own; a sale's refunded_amount is their sum.
CREATE TABLE refunds (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    sale_id uuid NOT NULL,
    amount numeric(20, 4) NOT NULL CHECK (amount > 0),
    reason text CHECK (reason IS NULL OR char_length(reason) <= 1000),
    recorded_by uuid NOT NULL,
    import_batch_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, sale_id) REFERENCES sales (agency_id, id),
    FOREIGN KEY (agency_id, recorded_by) REFERENCES users (agency_id, id),
    FOREIGN KEY (agency_id, import_batch_id) REFERENCES import_batches (agency_id, id)
);

CREATE INDEX refunds_sale_idx ON refunds (agency_id, sale_id);

-- The ledger is append-only for deletion: corrections are refunds or status updates.
CREATE FUNCTION ledger_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER sales_no_delete BEFORE DELETE ON sales FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();
CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();
