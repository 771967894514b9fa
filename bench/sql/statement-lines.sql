-- The main read of POST /v1/statements/generate for a whole month: the month's lines of every
-- host, per platform, product and agency share (the contract valid on each sale's local day),
-- net of refunds, cancelled lines left out. src/statements/generate.rs, the `lines` query, as
-- the server sends it (no host filter: `$2::uuid IS NULL` with $2 NULL, written here as `nullif(…)::uuid IS NULL`). bench/statements.sh runs it alone
-- through pgbench as the floor of a generation, prints its EXPLAIN ANALYZE, and first checks
-- that a generation runs this statement.
-- bench-check: contains
-- Variables from bench/statements.sh (-D): agency, start and end (the month's bounds, local
-- midnights as timestamptz), currency, zone (the agency's time zone).
SELECT s.influencer_id, s.platform, s.product_id, c.agency_share_percent AS share, count(*) AS orders, sum(s.quantity)::bigint AS units, sum(s.gross) AS gross, sum(s.refunded_amount) AS refunded, sum((s.gross - s.refunded_amount) * s.commission_percent) AS basis FROM sales s LEFT JOIN contracts c ON c.agency_id = :agency AND c.influencer_id = s.influencer_id AND c.valid_from <= (s.sold_at AT TIME ZONE :zone)::date AND (c.valid_until IS NULL OR (s.sold_at AT TIME ZONE :zone)::date <= c.valid_until) WHERE s.agency_id = :agency AND s.sold_at >= :start AND s.sold_at < :end AND s.currency = :currency AND s.status <> 'cancelled' AND nullif(:agency, :agency)::uuid IS NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
