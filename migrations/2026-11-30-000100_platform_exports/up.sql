-- Sales as the platforms export them (issue 13): a line's gross is what the buyer paid for it,
-- product mappings to the platforms' item ids, saved column mappings for other exports, and the
-- new counts of an import.

-- A platform's paid amount for a line need not divide evenly by its quantity (discounts are
-- spread over the units): gross is stored as paid, and the unit price is derived from it,
-- rounded half-up to the column's 4 places. Every line stored so far has gross = quantity ×
-- unit_price, so it meets the new rule.
ALTER TABLE sales DROP CONSTRAINT sales_gross;
ALTER TABLE sales ADD CONSTRAINT sales_gross CHECK (gross >= 0 AND unit_price = round(gross / quantity, 4));

-- A product as a platform lists it: an item id, and optionally one SKU of that item (no SKU:
-- every SKU of the item). Import rows name products this way.
CREATE TABLE product_platform_items (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    product_id uuid NOT NULL,
    platform text NOT NULL CHECK (platform IN ('douyin', 'kuaishou', 'taobao', 'tmall', 'jd',
        'pinduoduo', 'xiaohongshu', 'bilibili', 'wechat_channels', 'weibo', 'tiktok', 'other')),
    item_id text NOT NULL CHECK (char_length(item_id) BETWEEN 1 AND 100 AND item_id !~ '[[:cntrl:]]'),
    sku_code text CHECK (sku_code IS NULL OR (char_length(sku_code) BETWEEN 1 AND 100 AND sku_code !~ '[[:cntrl:]]')),
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    CONSTRAINT product_platform_items_key UNIQUE NULLS NOT DISTINCT (agency_id, platform, item_id, sku_code),
    FOREIGN KEY (agency_id, product_id) REFERENCES products (agency_id, id),
    FOREIGN KEY (agency_id, created_by) REFERENCES users (agency_id, id)
);

CREATE INDEX product_platform_items_product_idx ON product_platform_items (agency_id, product_id);

-- How the columns of some other export map onto an order line: source header -> field (an
-- array, so that several headers making one key keep their order), the status values, the
-- amounts' unit and the times' zone.
CREATE TABLE import_mappings (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    name text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 100),
    platform text NOT NULL CHECK (platform IN ('douyin', 'kuaishou', 'taobao', 'tmall', 'jd',
        'pinduoduo', 'xiaohongshu', 'bilibili', 'wechat_channels', 'weibo', 'tiktok', 'other')),
    column_map jsonb NOT NULL CHECK (jsonb_typeof(column_map) = 'array'),
    status_values jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(status_values) = 'object'),
    amount_unit text NOT NULL DEFAULT 'yuan' CHECK (amount_unit IN ('yuan', 'fen')),
    time_zone text NOT NULL DEFAULT 'Asia/Shanghai',
    -- The built-in format it was copied from, if any.
    based_on text,
    created_by uuid NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    CONSTRAINT import_mappings_name_key UNIQUE (agency_id, name),
    FOREIGN KEY (agency_id, created_by) REFERENCES users (agency_id, id)
);

CREATE TRIGGER import_mappings_set_updated_at BEFORE UPDATE ON import_mappings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- What an import read the file as, and the counts of rows that are not errors yet not written:
-- other creators' orders (`not_ours`), orders not paid yet (`not_paid`), rows of unknown
-- products (`needs_mapping`, also counted in `rejected`), conflicts (also in `rejected`), and
-- the summaries of the first two kinds.
ALTER TABLE import_batches
    ADD COLUMN format text NOT NULL DEFAULT 'standard',
    ADD COLUMN mapping_id uuid,
    ADD COLUMN conflicts integer NOT NULL DEFAULT 0,
    ADD COLUMN not_ours integer NOT NULL DEFAULT 0,
    ADD COLUMN not_paid integer NOT NULL DEFAULT 0,
    ADD COLUMN needs_mapping integer NOT NULL DEFAULT 0,
    ADD COLUMN summary jsonb NOT NULL DEFAULT '{}'::jsonb;

-- As every tenant table (migration 2026-11-29-001010): no planner statistics on the tenant key.
ALTER TABLE product_platform_items ALTER COLUMN agency_id SET STATISTICS 0;
ALTER TABLE import_mappings ALTER COLUMN agency_id SET STATISTICS 0;
