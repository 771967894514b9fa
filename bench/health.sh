#!/usr/bin/env bash
# The HTTP shell's cost: GET /healthz (no database) and GET /readyz (one pooled query), against a
# release build, with wrk; then the ceiling: the same `SELECT 1` through pgbench.
# Usage: bench/health.sh [duration, default 15s] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-15s}"
connections="${2:-64}"
port="${BENCH_PORT:-18181}"
base_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mcn}"
database="mcn_bench_health"
export DATABASE_URL="${base_url%/*}/$database"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
scripts/ensure-postgres >/dev/null
cargo build --release --quiet

MCN_ADDR="127.0.0.1:$port" MCN__LOG__LEVEL=warn target/release/mcn serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

for path in /healthz /readyz; do
  echo "== GET $path (wrk -t2 -c$connections -d$duration --latency)"
  wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$path" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
done

echo "== ceiling: SELECT 1 through pgbench (-c16 -j2 -T${duration%s}, prepared)"
printf 'SELECT 1;\n' > /tmp/mcn_bench_select1.sql
pgbench -n -c16 -j2 -T"${duration%s}" -M prepared -f /tmp/mcn_bench_select1.sql "$DATABASE_URL" 2>/dev/null | grep -E 'tps|latency average'
