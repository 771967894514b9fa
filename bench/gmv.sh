#!/usr/bin/env bash
# The GMV report for the last 30 days by platform and day, GET /v1/reports/gmv?group_by=platform,day
# (the agency's time zone, today included), at concurrency 32. Target: p99 under 20 ms. No
# ceiling: the figure that matters is the tail while the report is read this hard.
#
# Usage: bench/gmv.sh [duration, default 20s]
# Environment: BENCH_SALES (ledger size, default 200000), BENCH_PORT, BENCH_WRK_CPU, BENCH_KEEP=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
duration="${1:-20s}"
bench_setup gmv 18187
bench_fresh_database
bench_server_start
bench_ledger
token=$(bench_login "$BENCH_OWNER_EMAIL")
[ -n "$token" ] || bench_die "login failed"
time_zone=$(bench_sql "SELECT time_zone FROM agencies WHERE id = '$BENCH_AGENCY'")
today=$(TZ="$time_zone" date +%F)
from=$(date -d "$today - 29 days" +%F)
to=$(date -d "$today + 1 day" +%F)
path="/v1/reports/gmv?from=$from&to=$to&group_by=platform,day"

curl -fsS -o "$BENCH_TMP/report.json" -H "Authorization: Bearer $token" "$BENCH_BASE$path" \
  || bench_die "GET $path failed: $(cat "$BENCH_TMP/report.json")"
echo "== GET $path"
echo "  answer: $(wc -c <"$BENCH_TMP/report.json") bytes, $(grep -o '"orders"' "$BENCH_TMP/report.json" | wc -l) rows"

echo "== wrk -t1 -c$BENCH_CONNECTIONS -d$duration, pinned to core $BENCH_WRK_CPU"
bench_wrk api "$BENCH_CONNECTIONS" "$duration" "$(bench_lua)" "$BENCH_BASE$path" \
  -H "Authorization: Bearer $token"

bench_result "GMV 30 days by platform, day c32" \
  "$(printf '%.0f req/s, p50 %.1f ms, p99 %.1f ms' "$api_rps" "$api_p50" "$api_p99")" "—" "—" \
  "p99 < 20 ms" "$(bench_verdict "$api_p99 < 20" "$api_errors")"
bench_table
