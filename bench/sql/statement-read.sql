-- One GET /v1/statements/{id}, replayed through pgbench as the ceiling of the route in
-- bench/statements.sh: every statement the server sends to PostgreSQL for it, in the same order,
-- as it sends them (copied from PostgreSQL's log with log_statement = 'all'). bench/statements.sh
-- first compares this file with what the server runs (bench/statement-shapes.pl): when the route
-- changes, update it.
-- bench-check: same
--
-- Variables: agency, user (the caller: -D), statement (written into one copy of this file per
-- statement read, since pgbench cannot pick a uuid from a list).

-- src/auth/caller.rs, Caller::from_request → staff::model::auth_state: the token's user, re-read.
SELECT "users"."role", "users"."active", "users"."auth_version" FROM "users" WHERE (("users"."agency_id" = :agency) AND ("users"."id" = :user)) LIMIT 1;

-- src/statements/read.rs find: the statement and its host's stage name.
SELECT "statements"."id", "statements"."influencer_id", "statements"."month", "statements"."time_zone", "statements"."currency", "statements"."income_type", "statements"."legal_entity_id", "statements"."state", "statements"."net_gmv", "statements"."commission", "statements"."agency_share", "statements"."host_share", "statements"."adjustments_total", "statements"."carried_forward", "statements"."payable", "statements"."contract_missing", "statements"."other_currency_lines", "statements"."stale", "statements"."generated_by", "statements"."generated_at", "statements"."approved_by", "statements"."approved_at", "statements"."version", "influencers"."stage_name" FROM ("statements" INNER JOIN "influencers" ON (("influencers"."agency_id" = "statements"."agency_id") AND ("influencers"."id" = "statements"."influencer_id"))) WHERE (("statements"."agency_id" = :agency) AND ("statements"."id" = :statement)) LIMIT 1;

-- read::detail: its lines, with each product's name.
SELECT "statement_lines"."line_no", "statement_lines"."platform", "statement_lines"."product_id", "products"."name", "statement_lines"."agency_share_percent", "statement_lines"."orders", "statement_lines"."units", "statement_lines"."gross", "statement_lines"."refunded", "statement_lines"."net", "statement_lines"."commission", "statement_lines"."host_share" FROM ("statement_lines" INNER JOIN "products" ON (("products"."agency_id" = "statement_lines"."agency_id") AND ("products"."id" = "statement_lines"."product_id"))) WHERE (("statement_lines"."agency_id" = :agency) AND ("statement_lines"."statement_id" = :statement)) ORDER BY "statement_lines"."line_no" ASC;

-- its adjustments.
SELECT "statement_adjustments"."id", "statement_adjustments"."sale_id", "statement_adjustments"."source_statement_id", "statement_adjustments"."sale_day", "statement_adjustments"."kind", "statement_adjustments"."net_delta", "statement_adjustments"."commission", "statement_adjustments"."host_share", "statement_adjustments"."created_at" FROM "statement_adjustments" WHERE (("statement_adjustments"."agency_id" = :agency) AND ("statement_adjustments"."statement_id" = :statement)) ORDER BY "statement_adjustments"."id" ASC;

-- the negative balances it carries.
SELECT "statement_carries"."from_statement_id", "statement_carries"."amount" FROM "statement_carries" WHERE (("statement_carries"."agency_id" = :agency) AND ("statement_carries"."statement_id" = :statement)) ORDER BY "statement_carries"."from_statement_id" ASC;

-- its payout.
SELECT "payouts"."agency_id", "payouts"."id", "payouts"."statement_id", "payouts"."influencer_id", "payouts"."income_type", "payouts"."legal_entity_id", "payouts"."paid_on", "payouts"."tax_month", "payouts"."currency", "payouts"."payee_account", "payouts"."payee_name", "payouts"."third_party", "payouts"."bank_reference", "payouts"."gross", "payouts"."taxable", "payouts"."tax_withheld", "payouts"."net", "payouts"."tax_table_id", "payouts"."paid_by", "payouts"."created_at" FROM "payouts" WHERE (("payouts"."agency_id" = :agency) AND ("payouts"."statement_id" = :statement)) LIMIT 1;

-- its invoice.
SELECT "statement_invoices"."agency_id", "statement_invoices"."statement_id", "statement_invoices"."legal_entity_id", "statement_invoices"."number", "statement_invoices"."issued_on", "statement_invoices"."seller_credit_code", "statement_invoices"."amount_before_vat", "statement_invoices"."vat_rate_percent", "statement_invoices"."vat_amount", "statement_invoices"."total", "statement_invoices"."recorded_by", "statement_invoices"."version" FROM "statement_invoices" WHERE (("statement_invoices"."agency_id" = :agency) AND ("statement_invoices"."statement_id" = :statement)) LIMIT 1;
