#!/usr/bin/env bash
# Settlement statements at scale (issue 14 point 8): one agency with 500 hosts and a
# 10,000,000-line ledger over the twelve months of 2026, then
#   - POST /v1/statements/generate for one month (2026-10, about 850,000 lines), timed three
#     times: the first generation (no statement in the database yet, as for a new agency), a
#     regeneration right after it (the same drafts remade, same ids), and a regeneration after
#     `ANALYZE` of the statement tables (what autovacuum does soon after: the steady state);
#     each prints its statements of 100 ms or more from PostgreSQL's log, when readable;
#   - GET /v1/statements/{id} over every statement of that month, wrk at concurrency 8;
# and the ceilings, in the same run with the server stopped: the statements one read runs
# (bench/sql/statement-read.sql) through pgbench at concurrency 8, and the generation's main
# query alone (bench/sql/statement-lines.sql) through pgbench, with its EXPLAIN ANALYZE.
# Targets: a generation under 10 s; a read's p99 under 20 ms at concurrency 8.
#
# Usage: bench/statements.sh [duration of the reads, default 20s]
# Environment: BENCH_STATEMENT_LINES (ledger size, default 10000000), BENCH_STATEMENT_HOSTS
# (default 500), BENCH_STATEMENT_MONTH (default 2026-10), BENCH_REUSE=1 (keep the loaded
# database and use it again next time: loading 10,000,000 lines takes minutes), BENCH_KEEP=1,
# BENCH_NO_BUILD=1, BENCH_PORT, BENCH_WRK_CPU.
#
# The data set is its own (database mcn_bench_statements), also under run-all.sh: the shared
# ledger there is another shape. It is made by bench_big_ledger (bench/big-ledger.sh, shared
# with bench/dashboard.sh): 500 hosts, one in ten renewing its contract on the 16th of the month
# at 25 % (its statement has lines at two shares), 1,000 products, the lines over 2026 in time
# order, loaded by the bulk path of bench/reports.sh; then VACUUM ANALYZE.
set -euo pipefail
# Never the shared ledger of run-all.sh (BENCH_DATABASE): this scenario needs its own data set.
unset BENCH_DATABASE
source "$(dirname "$0")/lib.sh"
duration="${1:-20s}"
seconds="${duration%s}"
lines="${BENCH_STATEMENT_LINES:-10000000}"
hosts="${BENCH_STATEMENT_HOSTS:-500}"
month="${BENCH_STATEMENT_MONTH:-2026-10}"
connections=8
bench_setup statements 18191

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# The data set (bench/big-ledger.sh), or the one an earlier BENCH_REUSE=1 run left.

source "$(dirname "$0")/big-ledger.sh"
bench_big_ledger "Bench Statements" statements.bench.example.com "$lines" "$hosts" "$month"
finance_email="$BENCH_FINANCE_EMAIL"
if [ "$BENCH_LEDGER_REUSED" = 1 ]; then
  # The first generation below is a first one, as in a new database: no statement, and no
  # planner statistics on the statement tables (an ANALYZE of an empty table keeps those
  # gathered before, and the first generation's plans depend on them).
  bench_psql <<'SQL'
TRUNCATE statements, statement_lines, statement_adjustments, statement_carries, statement_invoices, payouts;
DELETE FROM pg_statistic
WHERE starelid IN ('statements'::regclass, 'statement_lines'::regclass, 'statement_adjustments'::regclass,
                   'statement_carries'::regclass, 'statement_invoices'::regclass, 'payouts'::regclass);
SQL
  bench_settle
fi
# Dirty pages written out now, not by the checkpointer during the measurements.
bench_psql -c "CHECKPOINT"

month_lines=$(bench_sql "SELECT count(*) FROM sales s JOIN agencies a ON a.id = s.agency_id
  WHERE s.agency_id = '$BENCH_AGENCY' AND s.sold_at >= (date '$month-01')::timestamp AT TIME ZONE a.time_zone
    AND s.sold_at < (date '$month-01' + interval '1 month') AT TIME ZONE a.time_zone")
echo "month $month: $month_lines lines of the ledger's $lines"

# ---------------------------------------------------------------------------------------------
# The API.

# Where a generation's time goes: statements of 100 ms or more go to PostgreSQL's log (this
# database only), and each generation prints its own when the log is readable.
pg_log=$(_bench_pg_log || true)
bench_psql -c "ALTER DATABASE $BENCH_DB SET log_min_duration_statement = 100"
bench_on_exit "psql -X -q -d '$BENCH_SERVER_URL' -c 'ALTER DATABASE $BENCH_DB RESET log_min_duration_statement'"
bench_server_start
token=$(bench_login "$finance_email")
[ -n "$token" ] || bench_die "login failed"

# generate LABEL: POST /v1/statements/generate for the month; sets <LABEL>_seconds and
# <LABEL>_status. Prints what the month's statements look like afterwards, and when PostgreSQL
# last analyzed the statement tables (the per-row checks on statement_lines are planned from it).
generate() {
  local out="$BENCH_TMP/generate-$1.json" status seconds offset=0
  [ -z "$pg_log" ] || offset=$(($(stat -c %s "$pg_log") + 1))
  read -r status seconds < <(curl -sS -o "$out" -w '%{http_code} %{time_total}\n' \
    -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"month\":\"$month\"}" "$BENCH_BASE/v1/statements/generate" || echo "000 0")
  printf -v "${1}_seconds" '%s' "$seconds"
  printf -v "${1}_status" '%s' "$status"
  if [ "$status" = 200 ]; then
    printf '  %-22s %7.2f s   %d statements, %d lines, %d contract_missing; answer %d bytes; %s\n' "$1" "$seconds" \
      "$(bench_sql "SELECT count(*) FROM statements WHERE agency_id = '$BENCH_AGENCY' AND month = '$month-01'")" \
      "$(bench_sql "SELECT count(*) FROM statement_lines l JOIN statements s ON s.agency_id = l.agency_id AND s.id = l.statement_id
                    WHERE s.agency_id = '$BENCH_AGENCY' AND s.month = '$month-01'")" \
      "$(bench_sql "SELECT count(*) FROM statements WHERE agency_id = '$BENCH_AGENCY' AND month = '$month-01' AND contract_missing")" \
      "$(wc -c <"$out")" "$(analyzed)"
  else
    printf '  %-22s %7.2f s   answered %s: %s\n' "$1" "$seconds" "$status" "$(head -c 300 "$out")"
  fi
  # The statements of 100 ms or more, and any error (with the statement it came from).
  if [ -n "$pg_log" ]; then
    sleep 0.5
    tail -c +"$offset" "$pg_log" | grep -F "@$BENCH_DB " | grep -E 'LOG:  duration:|ERROR:|CONTEXT:' |
      sed -E 's/.*duration: ([0-9.]+) ms +(execute [^:]*|statement): (.*)/\1 ms  \3/; s/.*(ERROR|CONTEXT): +/\1: /' |
      awk '{ printf "      %s\n", substr($0, 1, 150) }'
  fi
}
# When the statement tables were last analyzed, and what PostgreSQL then believed they held.
analyzed() {
  bench_sql "SELECT string_agg(t.relname || ' ' || coalesce(to_char(greatest(t.last_analyze, t.last_autoanalyze), 'HH24:MI:SS'), 'never')
                               || ' (' || c.reltuples::bigint || ' rows)', ', ' ORDER BY t.relname)
             FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid
             WHERE t.relname IN ('statements', 'statement_lines')" | sed 's/^/analyzed: /'
}
statement_ids() {
  bench_sql "SELECT id FROM statements WHERE agency_id = '$BENCH_AGENCY' AND month = '$month-01' ORDER BY influencer_id"
}

# Three generations: the first (no statement in the database yet, as for a new agency), a
# regeneration right after it, and one after `ANALYZE statements, statement_lines` (what
# autovacuum does within a minute or so of the first: the steady state of an agency with months
# of statements).
echo "== POST /v1/statements/generate {\"month\":\"$month\"} (wall time of the request); before: $(analyzed)"
generate first
statement_ids >"$BENCH_TMP/statement-ids.txt"
generate regenerate
statement_ids >"$BENCH_TMP/statement-ids-again.txt"
if [ "$regenerate_status" != 200 ]; then
  :
elif cmp -s "$BENCH_TMP/statement-ids.txt" "$BENCH_TMP/statement-ids-again.txt"; then
  echo "  the regeneration remade the same $(wc -l <"$BENCH_TMP/statement-ids.txt") drafts (same ids)"
else
  echo "  WARNING: the regeneration changed the statements' ids"
fi
bench_psql -c "ANALYZE statements, statement_lines"
generate analyzed
statement_ids >"$BENCH_TMP/statement-ids.txt"
[ -s "$BENCH_TMP/statement-ids.txt" ] || bench_die "no statements were generated"

generate_once() { generate checked >/dev/null; }
echo "== a generation's statements against bench/sql/statement-lines.sql"
bench_check_statements bench/sql/statement-lines.sql generate_once

first_id=$(head -n 1 "$BENCH_TMP/statement-ids.txt")
read_one() {
  curl -fsS -o "$BENCH_TMP/statement.json" -H "Authorization: Bearer $token" "$BENCH_BASE/v1/statements/$first_id" ||
    bench_die "GET /v1/statements/$first_id failed"
}
echo "== a read's statements against bench/sql/statement-read.sql"
bench_check_statements bench/sql/statement-read.sql read_one
token=$(bench_login "$finance_email")
read_one
echo "  one statement: $(wc -c <"$BENCH_TMP/statement.json") bytes, $(grep -o '"line_no"' "$BENCH_TMP/statement.json" | wc -l) lines"
curl -fsS -o "$BENCH_TMP/list.json" -H "Authorization: Bearer $token" "$BENCH_BASE/v1/statements?month=$month" ||
  bench_die "GET /v1/statements?month=$month failed"
echo "  GET /v1/statements?month=$month: $(grep -o '"influencer_id"' "$BENCH_TMP/list.json" | wc -l) statements on the first page"

echo "== load average before wrk: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== GET /readyz (reference: one pooled SELECT 1), wrk -t1 -c$connections -d$duration, pinned to core $BENCH_WRK_CPU"
bench_wrk readyz "$connections" "$duration" "$(bench_lua)" "$BENCH_BASE/readyz"
echo "== GET /v1/statements/{id} round robin over the month's $(wc -l <"$BENCH_TMP/statement-ids.txt") statements," \
  "wrk -t1 -c$connections -d$duration, pinned to core $BENCH_WRK_CPU"
bench_wrk read "$connections" "$duration" "$(bench_lua get-statement)" "$BENCH_BASE/v1/statements/$first_id" \
  -H "Authorization: Bearer $token" -- "$BENCH_TMP/statement-ids.txt"
bench_server_stop

# ---------------------------------------------------------------------------------------------
# Ceilings, the server stopped.

finance=$(bench_sql "SELECT id FROM users WHERE email = '$finance_email'")
# The read's statements for 10 of the month's statements, one pgbench script each (pgbench
# picks one at random per transaction). Not more: each script's statements are prepared on each
# connection and planned afresh for their first five runs, which with 100 scripts is most of a
# 20 s run.
scripts=()
while read -r id; do
  sed "s/:statement\b/'$id'/g" bench/sql/statement-read.sql >"$BENCH_TMP/read-$id.sql"
  scripts+=(-f "$BENCH_TMP/read-$id.sql")
done < <(awk 'NR % 50 == 1' "$BENCH_TMP/statement-ids.txt" | head -n 10)
echo "== ceiling: a read's statements through pgbench (-c$connections -j1 -T$seconds, prepared, $((${#scripts[@]} / 2)) statements)"
bench_pgbench ceiling "$connections" "$seconds" "${scripts[@]}" -D "agency=$BENCH_AGENCY" -D "user=$finance"

time_zone=$(bench_sql "SELECT time_zone FROM agencies WHERE id = '$BENCH_AGENCY'")
start=$(bench_sql "SELECT to_char((date '$month-01')::timestamp AT TIME ZONE '$time_zone', 'YYYY-MM-DD\"T\"HH24:MI:SSOF')")
end=$(bench_sql "SELECT to_char((date '$month-01' + interval '1 month') AT TIME ZONE '$time_zone', 'YYYY-MM-DD\"T\"HH24:MI:SSOF')")
lines_vars=(-D "agency=$BENCH_AGENCY" -D "start=$start" -D "end=$end" -D "currency=CNY" -D "zone=$time_zone")
echo "== the generation's main query alone (bench/sql/statement-lines.sql, $start to $end), EXPLAIN (ANALYZE, BUFFERS)"
sed -n '/^SELECT/,$p' bench/sql/statement-lines.sql |
  sed "s|:agency|'$BENCH_AGENCY'|g; s|:start|'$start'|g; s|:end|'$end'|g; s|:currency|'CNY'|g; s|:zone|'$time_zone'|g" |
  sed '1s/^/EXPLAIN (ANALYZE, BUFFERS) /' >"$BENCH_TMP/explain.sql"
bench_psql -f "$BENCH_TMP/explain.sql" | sed 's/^/  /'
lines_seconds=$((seconds < 30 ? 30 : seconds))
echo "== ceiling: the same query through pgbench (-c1 -T$lines_seconds, prepared)"
bench_pgbench lines 1 "$lines_seconds" -f bench/sql/statement-lines.sql "${lines_vars[@]}"

# ---------------------------------------------------------------------------------------------
# Figures.

lines_s=$(bench_calc "$lines_p50 / 1000")
for run in first regenerate analyzed; do
  seconds_var="${run}_seconds" status_var="${run}_status"
  case "$run" in
    first) what="first generation (no statement yet)" ;;
    regenerate) what="regeneration, right after" ;;
    analyzed) what="regeneration, statement tables analyzed" ;;
  esac
  if [ "${!status_var}" = 200 ]; then
    api=$(printf '%.2f s' "${!seconds_var}")
    verdict=$(bench_verdict "${!seconds_var} < 10" "$lines_errors")
  else
    api=$(printf '%s after %.2f s' "${!status_var}" "${!seconds_var}")
    verdict="FAIL (${!status_var})"
  fi
  bench_result "POST /v1/statements/generate $month: $what; $hosts hosts, $month_lines of $lines lines" "$api" \
    "$(printf 'main query alone (pgbench): %.2f s' "$lines_s")" "$(bench_calc "$lines_s / (${!seconds_var} + 0.000001)")" \
    "< 10 s" "$verdict"
done
ratio=$(bench_calc "$read_rps / $ceiling_rps")
bench_result "GET /v1/statements/{id} c$connections" \
  "$(printf '%.0f req/s, p50 %.1f ms, p99 %.1f ms' "$read_rps" "$read_p50" "$read_p99")" \
  "$(printf 'the read'"'"'s statements (pgbench): %.0f tps, p99 %.1f ms' "$ceiling_rps" "$ceiling_p99")" "$ratio" \
  "p99 < 20 ms" "$(bench_verdict "$read_p99 < 20" "$((read_errors + ceiling_errors))")"
echo
echo "GET /readyz c$connections (reference): $(printf '%.0f req/s, p50 %.2f ms, p99 %.2f ms' "$readyz_rps" "$readyz_p50" "$readyz_p99")"
bench_table
