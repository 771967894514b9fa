#!/usr/bin/env bash
# Single-sale POST /v1/sales at concurrency 32 against its ceiling measured in the same run:
#   (a) pgbench replaying the handler's own SQL, one sale per pgbench transaction
#       (bench/sql/sale-transaction.sql, checked against what the server runs), target ≥ 0.70
#       of its throughput with p99 under 25 ms;
#   (b) pgbench doing a plain single-row INSERT into sales (reference only).
# Every sale is for the same host and platform, sold now, over a lineup of ten products: the
# orders of one live session, the case where writers meet on the same rows.
#
# Usage: bench/sales.sh [duration, default 20s]
# Environment: BENCH_SALES (ledger size, default 200000), BENCH_PORT, BENCH_WRK_CPU, BENCH_KEEP=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
duration="${1:-20s}"
seconds="${duration%s}"
bench_setup sales 18185
bench_fresh_database
bench_server_start
bench_ledger

token=$(bench_login "$BENCH_OWNER_EMAIL")
[ -n "$token" ] || bench_die "login failed"
user="$BENCH_OWNER"
host=$(bench_sql "SELECT id FROM influencers WHERE agency_id = '$BENCH_AGENCY' ORDER BY id LIMIT 1")
bench_sql "SELECT id FROM products WHERE agency_id = '$BENCH_AGENCY' ORDER BY sku LIMIT 10" >"$BENCH_TMP/lineup.txt"
run="$$-$(date +%s)"

post_one_sale() {
  local product
  product=$(head -n 1 "$BENCH_TMP/lineup.txt")
  curl -fsS -o "$BENCH_TMP/sale.json" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: check-$run" \
    -d "{\"platform\":\"douyin\",\"external_order_id\":\"check-$run\",\"sold_at\":\"$(date -u +%FT%TZ)\",\"influencer_id\":\"$host\",\"product_id\":\"$product\",\"quantity\":2,\"unit_price\":\"99.50\"}" \
    "$BENCH_BASE/v1/sales" || bench_die "POST /v1/sales failed: $(cat "$BENCH_TMP/sale.json")"
}
echo "== the handler's statements against bench/sql/sale-transaction.sql"
bench_check_statements bench/sql/sale-transaction.sql post_one_sale

echo "== POST /v1/sales, one line per request (wrk -t1 -c$BENCH_CONNECTIONS -d$duration, pinned to core $BENCH_WRK_CPU)"
bench_wrk api 32 "$duration" "$(bench_lua post-sale)" "$BENCH_BASE/v1/sales" \
  -H "Authorization: Bearer $token" -- "$host" "$BENCH_TMP/lineup.txt" "$run"
bench_server_stop

# The pgbench files: one per lineup product (pgbench picks one at random per transaction).
pgbench_args=(-D "agency=$BENCH_AGENCY" -D "user=$user" -D "host=$host" -D "hosts={$host}" -D "platforms={douyin}")
scripts=()
k=0
while read -r product; do
  k=$((k + 1))
  sed -e "s/:product_set\b/:product_set$k/g" -e "s/:product\b/:product$k/g" bench/sql/sale-transaction.sql \
    >"$BENCH_TMP/sale-transaction-$k.sql"
  scripts+=(-f "$BENCH_TMP/sale-transaction-$k.sql")
  pgbench_args+=(-D "product$k=$product" -D "product_set$k={$product}")
done <"$BENCH_TMP/lineup.txt"
# pgbench at the wrk's 32 clients and at the server's pool size (the most transactions the API
# runs at once): on rows that writers share, fewer clients may do better; the best is the ceiling.
pool=$(bench_pool_size)
echo "== ceiling (a): the handler's transaction through pgbench (-c32 and -c$pool, -j1 -T$seconds, prepared)"
bench_pgbench ceiling_tx_c32 32 "$seconds" "${scripts[@]}" "${pgbench_args[@]}"
candidates=(ceiling_tx_c32)
if [ "$pool" != 32 ]; then
  bench_pgbench "ceiling_tx_c$pool" "$pool" "$seconds" "${scripts[@]}" "${pgbench_args[@]}"
  candidates+=("ceiling_tx_c$pool")
fi
bench_best ceiling_tx "${candidates[@]}"

echo "== ceiling (b): a plain single-row INSERT into sales through pgbench (reference)"
cat >"$BENCH_TMP/insert.sql" <<'SQL'
\set r random(1, 9223372036854775806)
INSERT INTO sales (agency_id, id, platform, external_order_id, sold_at, influencer_id, product_id, quantity,
                   unit_price, currency, gross, commission_percent)
VALUES (:agency, md5('insert-' || :r)::uuid, 'douyin', 'PGI-' || :r, now(), :host, :product1, 1, 99.5, 'CNY', 99.5, 10);
SQL
bench_pgbench ceiling_insert 32 "$seconds" -f "$BENCH_TMP/insert.sql" -D "agency=$BENCH_AGENCY" -D "host=$host" \
  -D "product1=$(head -n 1 "$BENCH_TMP/lineup.txt")"

ratio=$(bench_calc "$api_rps / $ceiling_tx_rps")
ratio_insert=$(bench_calc "$api_rps / $ceiling_insert_rps")
api_figures=$(printf '%.0f req/s, p50 %.1f ms, p99 %.1f ms' "$api_rps" "$api_p50" "$api_p99")
bench_result "POST /v1/sales c32" "$api_figures" \
  "$(printf 'handler SQL (pgbench -c%s): %.0f tps, p99 %.1f ms' "${ceiling_tx_from#ceiling_tx_c}" "$ceiling_tx_rps" "$ceiling_tx_p99")" "$ratio" \
  "≥ 0.70, p99 < 25 ms" "$(bench_verdict "$ratio >= 0.70 && $api_p99 < 25" "$((api_errors + ceiling_tx_errors))")"
bench_result "POST /v1/sales c32 (reference)" "$api_figures" \
  "$(printf 'single-row INSERT: %.0f tps, p99 %.1f ms' "$ceiling_insert_rps" "$ceiling_insert_p99")" \
  "$ratio_insert" "—" "—"
bench_table
