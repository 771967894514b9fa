#!/usr/bin/env bash
# A 100,000-row CSV import through POST /v1/sales/imports (atomic mode) against a release
# build, into the database bench/reports.sh loaded (run that first): the time it takes with
# every trigger and rollup on, the server's peak memory, and a second run of the same file
# (all duplicates).
# Usage: bench/import.sh [rows, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-100000}"
port="${BENCH_PORT:-18184}"
base_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mcn}"
export DATABASE_URL="${base_url%/*}/mcn_bench_reports"
cargo build --release --quiet
host=$(psql -At -d "$DATABASE_URL" -c "SELECT id FROM influencers ORDER BY id LIMIT 1")
file=$(mktemp --suffix .csv)
{
  echo "platform,external_order_id,sold_at,influencer_id,sku,quantity,unit_price"
  seq 1 "$rows" | awk -v host="$host" -v run="$$" '{ printf "douyin,IMP-%s-%d,2026-11-%02dT%02d:%02d:00+08:00,%s,SKU-%d,%d,%d.%02d\n", run, $1, 1 + $1 % 24, $1 % 24, $1 % 60, host, 1 + $1 % 1000, 1 + $1 % 5, 10 + $1 % 490, $1 % 100 }'
} > "$file"
echo "file: $(wc -c < "$file") bytes, $rows rows"

MCN_ADDR="127.0.0.1:$port" MCN__LOG__LEVEL=warn MCN__SERVER__WORKERS=2 target/release/mcn serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -f "$file"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -fs -H 'content-type: application/json' -d '{"email":"owner@bench.example.com","password":"bench-password"}' \
  "http://127.0.0.1:$port/v1/auth/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
for run in first again; do
  /usr/bin/time -f "  $run: %e s wall (client)" curl -fs -o /tmp/mcn_import_answer.json \
    -H "authorization: Bearer $token" -H 'content-type: text/csv' --data-binary "@$file" \
    "http://127.0.0.1:$port/v1/sales/imports?file_name=bench.csv"
  sed -E 's/.*"inserted":([0-9]+).*"duplicates":([0-9]+).*/  inserted \1, duplicates \2/' /tmp/mcn_import_answer.json | head -c 200; echo
done
echo "  server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2 $3}')"
