-- The keyset page behind GET /v1/sales?limit=50 (the first page, newest first), replayed through
-- pgbench as the ceiling of the route in bench/list.sh: src/sales/model.rs list, as diesel sends
-- it (copied from PostgreSQL's log with log_statement = 'all'), 51 rows (the page and one more, to
-- know whether another follows: src/pagination.rs fetch_limit). bench/list.sh first checks that
-- the page runs this statement; the route's other statements (the caller's user check) are the
-- API's own cost.
-- bench-check: contains
-- Variables from bench/list.sh (-D): agency.
SELECT "sales"."agency_id", "sales"."id", "sales"."platform", "sales"."external_order_id", "sales"."sold_at", "sales"."influencer_id", "sales"."live_session_id", "sales"."product_id", "sales"."quantity", "sales"."unit_price", "sales"."currency", "sales"."gross", "sales"."commission_percent", "sales"."status", "sales"."refunded_amount", "sales"."import_batch_id", "sales"."version", "sales"."created_at", "sales"."updated_at" FROM "sales" WHERE ("sales"."agency_id" = :agency) ORDER BY "sales"."sold_at" DESC, "sales"."id" DESC LIMIT 51;
