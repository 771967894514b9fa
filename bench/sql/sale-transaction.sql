-- One single-sale POST /v1/sales (with an Idempotency-Key), replayed through pgbench: every
-- statement the server sends to PostgreSQL for it, in the same order, as the server sends them
-- (their SQL text, copied from PostgreSQL's log with log_statement = 'all'). bench/sales.sh runs
-- this file as the ceiling of the route and, first, compares it with what the server really runs
-- (bench/statement-shapes.pl): when the handler changes, update this file to match.
-- bench-check: same
--
-- Variables from bench/sales.sh (-D): agency, user (the caller), host, hosts ({host}), product,
-- product_set ({product}), platforms ({douyin}). The ids and keys the server makes in Rust
-- (the sale's and the audit event's UUIDv7, the request id, the key's fingerprint) are made from
-- a random number here: md5(…)::uuid is random, not time-ordered like UUIDv7.
\set r random(1, 9223372036854775806)
\set quantity random(1, 5)
\set cents random(1000, 49999)

-- src/auth/caller.rs, Caller::from_request → staff::model::auth_state: the token's user, re-read.
SELECT "users"."role", "users"."active", "users"."auth_version" FROM "users" WHERE (("users"."agency_id" = :agency) AND ("users"."id" = :user)) LIMIT 1;

-- src/sales/handlers.rs create_sale → line_defaults → agencies::find: default currency, time zone.
SELECT "agencies"."id", "agencies"."name", "agencies"."time_zone", "agencies"."default_currency", "agencies"."version", "agencies"."created_at", "agencies"."updated_at" FROM "agencies" WHERE ("agencies"."id" = :agency) LIMIT 1;

-- src/sales/ledger.rs resolve → src/sales/lookup.rs known_hosts and products_by_id: the host and
-- the product, key by key (the account, SKU and session look-ups cost no statement when empty).
SELECT i.id FROM unnest(:hosts::uuid[]) AS k(id) CROSS JOIN LATERAL (SELECT influencers.id FROM influencers WHERE influencers.agency_id = :agency AND influencers.id = k.id LIMIT 1) AS i;
SELECT p.id, p.sku, p.commission_percent FROM unnest(:product_set::uuid[]) AS k(id) CROSS JOIN LATERAL (SELECT products.id, products.sku, products.commission_percent FROM products WHERE products.agency_id = :agency AND products.id = k.id LIMIT 1) AS p;

-- src/idempotency.rs claim: the key, committed on its own before the transaction.
INSERT INTO "idempotency_keys" ("agency_id", "user_id", "key", "fingerprint") VALUES (:agency, :user, 'PGB-' || :r, sha256(('fp-' || :r)::bytea)) ON CONFLICT DO NOTHING;

-- src/sales/handlers.rs create_sale: the transaction.
BEGIN;
-- src/sales/ledger.rs insert_new: the new line, which is also the one look-up of the order line
-- (ON CONFLICT DO NOTHING on its unique key) and answers the row (RETURNING): the rollup and
-- compliance triggers fire here.
INSERT INTO "sales" ("agency_id", "id", "platform", "external_order_id", "sold_at", "influencer_id", "live_session_id", "product_id", "quantity", "unit_price", "currency", "gross", "commission_percent", "status", "refunded_amount", "import_batch_id") VALUES (:agency, md5('sale-' || :r::text)::uuid, 'douyin', 'PGB-' || :r, now(), :host, DEFAULT, :product, :quantity, :cents::int / 100.0, 'CNY', :quantity::int * :cents::int / 100.0, 10, 'paid', 0, DEFAULT) ON CONFLICT ("agency_id", "platform", "external_order_id") DO NOTHING RETURNING "sales"."agency_id", "sales"."id", "sales"."platform", "sales"."external_order_id", "sales"."sold_at", "sales"."influencer_id", "sales"."live_session_id", "sales"."product_id", "sales"."quantity", "sales"."unit_price", "sales"."currency", "sales"."gross", "sales"."commission_percent", "sales"."status", "sales"."refunded_amount", "sales"."import_batch_id", "sales"."version", "sales"."created_at", "sales"."updated_at";
-- src/auth/caller.rs Caller::record → src/audit/model.rs AuditContext::record: sale.create.
INSERT INTO "audit_events" ("agency_id", "id", "actor_id", "action", "entity_type", "entity_id", "request_id", "changes") VALUES (:agency, md5('audit-' || :r::text)::uuid, :user, 'sale.create', 'sale', md5('sale-' || :r::text)::uuid, md5('request-' || :r::text), '{"gross": "199.0000", "currency": "CNY", "platform": "douyin", "external_order_id": "PGB-0000000000000000000"}');
-- src/idempotency.rs Claim::complete: the stored answer (the size of a real one; a space after
-- each colon in literals: pgbench would read `:06` or `:null` as a variable).
UPDATE "idempotency_keys" SET "status_code" = 201, "response_body" = '{"id": "' || md5('sale-' || :r::text)::uuid || '","platform": "douyin","external_order_id": "PGB-0000000000000000000","sold_at": "2026-11-29T21:06:33Z","influencer_id": "0018eb94-aea0-4748-85cb-d7224812e1bf","live_session_id": null,"product_id": "f199074a-6156-41ba-891a-776106ad6790","quantity": 2,"unit_price": "99.50","currency": "CNY","gross": "199.00","status": "paid","refunded_amount": "0.00","net": "199.00","import_batch_id": null,"version": 1,"created_at": "2026-11-29T21:06:33.410380Z","updated_at": "2026-11-29T21:06:33.410380Z"}', "location" = '/v1/sales/' || md5('sale-' || :r::text)::uuid, "completed_at" = now() WHERE (("idempotency_keys"."agency_id" = :agency) AND (("idempotency_keys"."user_id" = :user) AND ("idempotency_keys"."key" = 'PGB-' || :r)));
COMMIT;
