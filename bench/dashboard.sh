#!/usr/bin/env bash
# The dashboard at scale (issue 15 point 4): one agency with 500 hosts and a 10,000,000-line
# ledger (bench_big_ledger, bench/big-ledger.sh: the data set of bench/statements.sh), plus what
# a dashboard shows around today: a session a day per host from 30 days ago to 8 days ahead
# (ended before now, scheduled after; two lineup products each, the first tested by the host,
# the second by four hosts in five), one host in fifty suspended, and the 500 draft statements
# of 2026-10 (generated through the API). Then
#   - GET /v1/dashboard, the first request timed alone (it brings the stored compliance issues up
#     to date: the whole roster once per agency-local day), and its figures checked against
#     GET /v1/reports/gmv and GET /v1/compliance/issues;
#   - wrk at concurrency 8 for the duration (at least 30 s) on GET /v1/dashboard, and in the same
#     run the ceiling: GET /v1/me with the same token (the authenticated shell and one query)
#     and GET /healthz (the HTTP shell alone).
# Target: the dashboard's p99 under 20 ms at concurrency 8.
#
# Usage: bench/dashboard.sh [duration, default 30s]
# Environment: BENCH_DASHBOARD_LINES (ledger size, default 10000000; e.g. 200000 to try the
# script), BENCH_DASHBOARD_HOSTS (default 500), BENCH_REUSE=1 (keep the loaded database and use
# it again next time: the sessions and suspensions are made anew on every run, relative to
# today), BENCH_KEEP=1, BENCH_NO_BUILD=1, BENCH_PORT, BENCH_WRK_CPU.
set -euo pipefail
unset BENCH_DATABASE
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/big-ledger.sh"
duration="${1:-30s}"
lines="${BENCH_DASHBOARD_LINES:-10000000}"
hosts="${BENCH_DASHBOARD_HOSTS:-500}"
month=2026-10
connections=8
bench_setup dashboard 18192
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

bench_big_ledger "Bench Dashboard" dashboard.bench.example.com "$lines" "$hosts" "$month"

# ---------------------------------------------------------------------------------------------
# Around today, made anew on every run, every trigger on (compliance marks).

echo "== sessions around today, lineups, product tests and suspensions (SQL, triggers on)"
bench_psql -v agency="$BENCH_AGENCY" -v owner="$BENCH_OWNER" <<'SQL'
BEGIN;
DELETE FROM session_reviews WHERE agency_id = :'agency';
DELETE FROM session_products WHERE agency_id = :'agency';
DELETE FROM live_sessions WHERE agency_id = :'agency';
DELETE FROM product_tests WHERE agency_id = :'agency';
UPDATE influencers SET status = 'active', status_reason = NULL, status_changed_at = NULL
WHERE agency_id = :'agency' AND status <> 'active';
UPDATE influencers SET status = 'suspended', status_reason = 'bench: tax audit', status_changed_at = now()
WHERE agency_id = :'agency' AND substr(stage_name, 6)::int % 50 = 0;
CREATE TEMP TABLE bench_hosts ON COMMIT DROP AS
SELECT substr(i.stage_name, 6)::int - 1 AS n, i.id, a.id AS account
FROM influencers i JOIN platform_accounts a ON a.agency_id = i.agency_id AND a.influencer_id = i.id AND a.platform = 'douyin'
WHERE i.agency_id = :'agency';
CREATE TEMP TABLE bench_products ON COMMIT DROP AS
SELECT substr(sku, 5)::int - 1 AS n, id FROM products WHERE agency_id = :'agency';
-- Host n's session of day d: two hours from (8 + n mod 14) o'clock, Asia/Shanghai.
CREATE TEMP TABLE bench_sessions ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, h.n, h.id AS host, h.account, d,
       ((now() AT TIME ZONE 'Asia/Shanghai')::date + d + make_interval(hours => 8 + h.n % 14)) AT TIME ZONE 'Asia/Shanghai' AS start
FROM bench_hosts h CROSS JOIN generate_series(-30, 8) d;
INSERT INTO live_sessions (agency_id, id, influencer_id, platform_account_id, title, scheduled_start, scheduled_end,
                           language, state, actual_start, actual_end)
SELECT :'agency', id, host, account, 'Show ' || d || ' of host ' || n, start, start + interval '2 hours', 'zh-CN',
       CASE WHEN start + interval '2 hours' < now() THEN 'ended' WHEN start < now() THEN 'live' ELSE 'scheduled' END,
       CASE WHEN start < now() THEN start END,
       CASE WHEN start + interval '2 hours' < now() THEN start + interval '2 hours' END
FROM bench_sessions;
INSERT INTO session_products (agency_id, session_id, position, product_id, planned_price)
SELECT :'agency', s.id, k, p.id, 99
FROM bench_sessions s CROSS JOIN generate_series(0, 1) k
JOIN bench_products p ON p.n = (s.n * 20 + (s.d + 30) % 10 * 2 + k) % 1000;
-- Each host tested the first product of every lineup; four hosts in five the second too.
INSERT INTO product_tests (agency_id, id, product_id, influencer_id, tested_on, result, recorded_by)
SELECT :'agency', gen_random_uuid(), p.id, h.id, (now() AT TIME ZONE 'Asia/Shanghai')::date - 40, 'pass', :'owner'
FROM bench_hosts h CROSS JOIN generate_series(0, 9) m CROSS JOIN generate_series(0, 1) k
JOIN bench_products p ON p.n = (h.n * 20 + m * 2 + k) % 1000
WHERE k = 0 OR h.n % 5 <> 4;
COMMIT;
SQL
echo "  $(bench_sql "SELECT count(*) FROM live_sessions WHERE agency_id = '$BENCH_AGENCY'") sessions," \
  "$(bench_sql "SELECT count(*) FROM live_sessions WHERE agency_id = '$BENCH_AGENCY' AND state IN ('scheduled', 'live')") scheduled or live"

bench_server_start
token=$(bench_login "$BENCH_FINANCE_EMAIL")
[ -n "$token" ] || bench_die "login failed"
drafts=$(bench_sql "SELECT count(*) FROM statements WHERE agency_id = '$BENCH_AGENCY' AND state = 'draft'")
if [ "$drafts" = 0 ]; then
  echo "== POST /v1/statements/generate {\"month\":\"$month\"}"
  curl -fsS -o "$BENCH_TMP/generate.json" -w '  %{http_code} in %{time_total} s\n' -H "Authorization: Bearer $token" \
    -H 'content-type: application/json' -d "{\"month\":\"$month\"}" "$BENCH_BASE/v1/statements/generate" ||
    bench_die "generating the statements of $month failed"
fi
bench_server_stop
bench_settle
bench_psql -c "CHECKPOINT"

# ---------------------------------------------------------------------------------------------
# The API.

bench_server_start
token=$(bench_login "$BENCH_FINANCE_EMAIL")
[ -n "$token" ] || bench_die "login failed"
dashboard() {
  curl -fsS -o "$BENCH_TMP/dashboard.json" -w '%{time_total}' -H "Authorization: Bearer $token" "$BENCH_BASE/v1/dashboard" ||
    bench_die "GET /v1/dashboard failed: $(cat "$BENCH_TMP/dashboard.json" 2>/dev/null)"
}
echo "== GET /v1/dashboard: first request $(dashboard) s (the compliance issues brought up to date), then $(dashboard) s, $(dashboard) s"
jq -r '"  today \(.today) (\(.time_zone)); sessions: \(.sessions.total) in the window, \(.sessions.items | length) listed, " +
  "\([.sessions.items[] | select(.compliance.ready_to_start | not)] | length) of them not ready; per day \([.sessions.days[].sessions])\n" +
  "  open issues \(.compliance.open_issues) (\([.compliance.by_code[] | "\(.code) \(.count)"] | join(", ")))\n" +
  "  hosts \(.hosts); drafts awaiting approval \(.statements.awaiting_approval) (\([.statements.months[] | "\(.month): \(.count)"] | join(", ")))\n" +
  "  GMV \([.gmv | to_entries[] | "\(.key) \(.value.currencies | map("\(.currency) \(.orders) orders, net \(.net)") | join("; "))"] | join(" | "))"' \
  "$BENCH_TMP/dashboard.json"
# The figures are the other routes' figures.
for window in today last_7_days last_30_days; do
  from=$(jq -r ".gmv.$window.from" "$BENCH_TMP/dashboard.json")
  to=$(jq -r ".gmv.$window.to" "$BENCH_TMP/dashboard.json")
  report=$(curl -fsS -H "Authorization: Bearer $token" "$BENCH_BASE/v1/reports/gmv?from=$from&to=$to" | jq -cS '.rows')
  mine=$(jq -cS ".gmv.$window.currencies" "$BENCH_TMP/dashboard.json")
  [ "$report" = "$mine" ] || bench_die "GMV $window: the dashboard says $mine, the report $report"
done
issues=$(curl -fsS -H "Authorization: Bearer $token" "$BENCH_BASE/v1/compliance/issues?limit=1&code=product_untested" | jq '.items | length')
[ "$issues" = 1 ] || echo "  WARNING: no product_untested issue on the compliance page"
echo "  GMV windows equal GET /v1/reports/gmv for the same dates"

echo "== load average before wrk: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== wrk -t1 -c$connections -d$duration, pinned to core $BENCH_WRK_CPU"
bench_wrk healthz "$connections" "$duration" "$(bench_lua)" "$BENCH_BASE/healthz"
bench_wrk me "$connections" "$duration" "$(bench_lua)" "$BENCH_BASE/v1/me" -H "Authorization: Bearer $token"
bench_wrk dashboard "$connections" "$duration" "$(bench_lua)" "$BENCH_BASE/v1/dashboard" -H "Authorization: Bearer $token"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
bench_server_stop

bench_result "GET /v1/dashboard c$connections; $hosts hosts, $lines lines" \
  "$(printf '%.0f req/s, p50 %.1f ms, p99 %.1f ms' "$dashboard_rps" "$dashboard_p50" "$dashboard_p99")" \
  "$(printf 'GET /v1/me: %.0f req/s, p99 %.1f ms' "$me_rps" "$me_p99")" "$(bench_calc "$dashboard_rps / $me_rps")" \
  "p99 < 20 ms" "$(bench_verdict "$dashboard_p99 < 20" "$dashboard_errors")"
echo
echo "GET /healthz c$connections (the HTTP shell): $(printf '%.0f req/s, p50 %.2f ms, p99 %.2f ms' "$healthz_rps" "$healthz_p50" "$healthz_p99")"
echo "load average after wrk: $load_after"
bench_table
