#!/usr/bin/env bash
# Imports that stay linear: twenty 20,000-row CSV files through POST /v1/sales/imports (atomic
# mode), one after the other, into a freshly created agency, with no ANALYZE in between
# (autovacuum is off on every table for the run, so the planner keeps the statistics taken
# before the new agency existed). Ceiling, same run: `\copy` of the same lines, resolved into
# the sales table's columns, into another fresh agency with the same roster, every trigger on.
# Targets: every file within 1.5× the time of the first; overall ≥ 0.50 of `\copy`'s rows/s.
#
# Usage: bench/imports.sh [files, default 20] [rows per file, default 20000]
# Environment: BENCH_IMPORT_FILES and BENCH_IMPORT_ROWS (the defaults of the arguments),
# BENCH_IMPORT_BUDGET (seconds the API files may take in all before the run stops
# early and fails, default 600), BENCH_SALES (ledger size, default 200000), BENCH_PORT, BENCH_KEEP=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
files="${1:-${BENCH_IMPORT_FILES:-20}}"
rows="${2:-${BENCH_IMPORT_ROWS:-20000}}"
budget="${BENCH_IMPORT_BUDGET:-600}"
bench_setup imports 18189
bench_fresh_database
bench_server_start
bench_ledger

# No ANALYZE in between: autovacuum off on every table until the end of the run.
tables=$(bench_sql "SELECT string_agg(format('%I', tablename), ' ') FROM pg_tables WHERE schemaname = 'public'")
for table in $tables; do
  bench_psql -c "ALTER TABLE $table SET (autovacuum_enabled = off)"
  bench_on_exit "psql -X -q -d '$DATABASE_URL' -c 'ALTER TABLE $table RESET (autovacuum_enabled)'"
done

# Two fresh agencies with the same roster (100 hosts, 1,000 products): one imports through the
# API, the other gets `\copy`.
run="$$$(date +%s)"
new_agency() {
  local email="owner@$1-$run.bench.example.com" reviewer
  bench_signup "Bench $1 $run" "$email"
  new_token=$(bench_login "$email")
  [ -n "$new_token" ] || bench_die "login as $email failed"
  bench_create_user "$new_token" "reviewer@$1-$run.bench.example.com" compliance
  reviewer=$(bench_sql "SELECT id FROM users WHERE email = 'reviewer@$1-$run.bench.example.com'")
  bench_seed_roster "$BENCH_AGENCY" "$BENCH_OWNER" "$reviewer" 100 1000
}
new_agency imports
api_agency=$BENCH_AGENCY
token=$new_token
new_agency copy
copy_agency=$BENCH_AGENCY

# The same lines for both agencies: file f, line i has the same order id, time, platform,
# quantity and price, and the host and product of the same rank (by stage name and SKU).
lines_sql() {
  cat <<SQL
WITH hosts AS (
  SELECT row_number() OVER (ORDER BY stage_name COLLATE "C") - 1 AS n, id
  FROM influencers WHERE agency_id = '$1'),
products AS (
  SELECT row_number() OVER (ORDER BY sku COLLATE "C") - 1 AS n, id, sku, commission_percent
  FROM products WHERE agency_id = '$1'),
lines AS (
  SELECT i, ($2 - 1) * $rows + i AS k,
         (ARRAY['douyin', 'douyin', 'kuaishou', 'taobao', 'xiaohongshu', 'tiktok'])[1 + i % 6] AS platform,
         date_trunc('minute', now()) - make_interval(mins => ((($2 - 1) * $rows + i) % 43200)::int) AS sold_at,
         1 + i % 5 AS quantity, round((10 + i % 490) + (i % 100) / 100.0, 2) AS unit_price
  FROM generate_series(1, $rows) i)
SQL
}
echo "== writing $files files of $rows lines for each agency"
for f in $(seq 1 "$files"); do
  # psql's \copy takes its query on one line.
  api_query=$(lines_sql "$api_agency" "$f")
  api_query+="SELECT l.platform, 'IMP-$run-' || l.k AS external_order_id,
      to_char(l.sold_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS sold_at, h.id AS influencer_id,
      p.sku, l.quantity, l.unit_price
    FROM lines l JOIN hosts h ON h.n = l.i % 100 JOIN products p ON p.n = (l.k * 7) % 1000 ORDER BY l.i"
  copy_query=$(lines_sql "$copy_agency" "$f")
  copy_query+="SELECT '$copy_agency', (lpad(to_hex($f), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(l.i), 12, '0'))::uuid,
      l.platform, 'IMP-$run-' || l.k, l.sold_at, h.id, p.id, l.quantity, l.unit_price, 'CNY',
      l.quantity * l.unit_price, p.commission_percent
    FROM lines l JOIN hosts h ON h.n = l.i % 100 JOIN products p ON p.n = (l.k * 7) % 1000 ORDER BY l.i"
  bench_psql -c "\\copy ($(tr '\n' ' ' <<<"$api_query")) TO '$BENCH_TMP/api-$f.csv' WITH (FORMAT csv, HEADER)"
  bench_psql -c "\\copy ($(tr '\n' ' ' <<<"$copy_query")) TO '$BENCH_TMP/copy-$f.csv' WITH (FORMAT csv)"
done
echo "  $(wc -c <"$BENCH_TMP/api-1.csv") bytes a file (API), $(wc -c <"$BENCH_TMP/copy-1.csv") bytes (\\copy)"

clock() { date +%s.%N; }

echo "== ceiling: \\copy into sales, one file after the other (every trigger on)"
copy_total=0
for f in $(seq 1 "$files"); do
  started=$(clock)
  bench_psql -c "\\copy sales (agency_id, id, platform, external_order_id, sold_at, influencer_id, product_id, quantity, unit_price, currency, gross, commission_percent) FROM '$BENCH_TMP/copy-$f.csv' WITH (FORMAT csv)"
  took=$(bench_calc "$(clock) - $started")
  copy_total=$(bench_calc "$copy_total + $took")
  printf '  file %2d: %6.2f s\n' "$f" "$took"
done
copied=$(bench_sql "SELECT count(*) FROM sales WHERE agency_id = '$copy_agency'")
[ "$copied" = $((files * rows)) ] || bench_die "\\copy left $copied lines, not $((files * rows))"

echo "== POST /v1/sales/imports, one file after the other (text/csv, atomic)"
api_total=0
first=0
slowest=0
done_files=0
errors=0
for f in $(seq 1 "$files"); do
  took=$(curl -sS -o "$BENCH_TMP/answer-$f.json" -w '%{time_total}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: text/csv' --data-binary "@$BENCH_TMP/api-$f.csv" \
    "$BENCH_BASE/v1/sales/imports?file_name=bench-$f.csv") || took=0
  inserted=$(sed -nE 's/.*"inserted":([0-9]+).*/\1/p' "$BENCH_TMP/answer-$f.json")
  if [ "$inserted" != "$rows" ]; then
    echo "  file $f: inserted '${inserted}' of $rows: $(head -c 400 "$BENCH_TMP/answer-$f.json")"
    errors=$((errors + 1))
  fi
  api_total=$(bench_calc "$api_total + $took")
  [ "$f" = 1 ] && first=$took
  slowest=$(awk -v a="$slowest" -v b="$took" 'BEGIN { print (b > a ? b : a) }')
  done_files=$f
  printf '  file %2d: %6.2f s (%.2f× the first)\n' "$f" "$took" "$(bench_calc "$took / $first")"
  if awk -v t="$api_total" -v b="$budget" 'BEGIN { exit !(t > b) }' && [ "$f" -lt "$files" ]; then
    echo "  stopping: $api_total s spent, over the budget of $budget s (BENCH_IMPORT_BUDGET)"
    errors=$((errors + 1))
    break
  fi
done
bench_server_stop

api_rate=$(bench_calc "$done_files * $rows / $api_total")
copy_rate=$(bench_calc "$files * $rows / $copy_total")
ratio=$(bench_calc "$api_rate / $copy_rate")
growth=$(bench_calc "$slowest / $first")
bench_result "imports: $files × $rows rows, new agency, no ANALYZE" \
  "$(printf '%.0f rows/s (%d files, %.1f s)' "$api_rate" "$done_files" "$api_total")" \
  "$(printf '\\copy: %.0f rows/s (%.1f s)' "$copy_rate" "$copy_total")" "$ratio" "≥ 0.50" \
  "$(bench_verdict "$ratio >= 0.50" "$errors")"
bench_result "imports: slowest file / first" \
  "$(printf 'first %.2f s, slowest %.2f s' "$first" "$slowest")" "—" "${growth}×" "≤ 1.5×" \
  "$(bench_verdict "$growth <= 1.5" "$errors")"
bench_table
