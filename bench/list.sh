#!/usr/bin/env bash
# A page of 50 order lines, GET /v1/sales?limit=50 (the first page, newest first) at concurrency
# 32, against its ceiling in the same run: the keyset page query the API runs (51 rows, to know
# whether another page follows; bench/sql/list-page.sql, checked against what the server runs)
# through pgbench. Target: ≥ 0.60 of the ceiling's throughput, p99 under 10 ms.
#
# Usage: bench/list.sh [duration, default 20s]
# Environment: BENCH_SALES (ledger size, default 200000), BENCH_PORT, BENCH_WRK_CPU, BENCH_KEEP=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
duration="${1:-20s}"
seconds="${duration%s}"
bench_setup list 18186
bench_fresh_database
bench_server_start
bench_ledger
token=$(bench_login "$BENCH_OWNER_EMAIL")
[ -n "$token" ] || bench_die "login failed"
path="/v1/sales?limit=50"

get_one_page() {
  curl -fsS -o "$BENCH_TMP/page.json" -H "Authorization: Bearer $token" "$BENCH_BASE$path" \
    || bench_die "GET $path failed"
}
echo "== the page's statements against bench/sql/list-page.sql"
bench_check_statements bench/sql/list-page.sql get_one_page
get_one_page
echo "  answer: $(wc -c <"$BENCH_TMP/page.json") bytes, $(grep -o '"external_order_id"' "$BENCH_TMP/page.json" | wc -l) items"

echo "== GET $path (wrk -t1 -c$BENCH_CONNECTIONS -d$duration, pinned to core $BENCH_WRK_CPU)"
bench_wrk api "$BENCH_CONNECTIONS" "$duration" "$(bench_lua)" "$BENCH_BASE$path" \
  -H "Authorization: Bearer $token"
bench_server_stop

echo "== ceiling: the keyset page of 51 through pgbench (-c$BENCH_CONNECTIONS -j1 -T$seconds, prepared)"
bench_pgbench ceiling "$BENCH_CONNECTIONS" "$seconds" -f bench/sql/list-page.sql -D "agency=$BENCH_AGENCY"

ratio=$(bench_calc "$api_rps / $ceiling_rps")
bench_result "GET /v1/sales?limit=50 c32" \
  "$(printf '%.0f req/s, p50 %.1f ms, p99 %.1f ms' "$api_rps" "$api_p50" "$api_p99")" \
  "$(printf 'keyset page (pgbench): %.0f tps, p99 %.1f ms' "$ceiling_rps" "$ceiling_p99")" "$ratio" \
  "≥ 0.60, p99 < 10 ms" "$(bench_verdict "$ratio >= 0.60 && $api_p99 < 10" "$((api_errors + ceiling_errors))")"
bench_table
