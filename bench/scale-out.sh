#!/usr/bin/env bash
# Scaling out: the same work through one instance and through HAProxy over two instances
# (deploy/haproxy.cfg) sharing one database, on plain PostgreSQL and, when asked, on the local
# Citus cluster (a coordinator and two workers on this machine, ../shared/tools/citus-cluster).
# For each setup and each way in:
#   GET /healthz              the ceiling of the HTTP path (no database), same run
#   GET /v1/reports/gmv       30 days by platform and day, as bench/gmv.sh reads it
#   POST /v1/sales            one new line per request, its own order id and Idempotency-Key,
#                             as bench/sales.sh sends them (bench/lua/post-sale.lua)
#   POST /v1/sales/imports    one CSV file of BENCH_SCALE_IMPORT_ROWS lines (atomic), timed
# The ways in: `one` (straight to instance a, the only one running), `proxy-one` (HAProxy with
# both its servers pointing at a: the balancer's own cost) and `two` (HAProxy round robin over
# a and b). No target: the figures are for comparison. On this machine (2 cores) every process
# shares the same two cores, so a second instance adds no CPU: expect overhead, not scale.
#
# Usage: bench/scale-out.sh [--citus] [duration of each wrk run, default 15s]
# Environment: BENCH_CITUS=1 (as --citus), BENCH_SCALE_SETUPS ("plain citus", "citus", …),
# BENCH_SCALE_TOPOLOGIES (default "one proxy-one two"), BENCH_SCALE_IMPORT_ROWS (default 20000),
# BENCH_SALES (ledger size, default 200000), BENCH_PORT (instance a; b, the balancer are the next
# two ports), BENCH_WRK_CPU, BENCH_CONNECTIONS, BENCH_KEEP=1, BENCH_NO_BUILD=1,
# CITUS_CLUSTER (the cluster tool, default ../shared/tools/citus-cluster).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
citus_wanted="${BENCH_CITUS:-0}"
args=()
for arg in "$@"; do
  case "$arg" in
    --citus) citus_wanted=1 ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) args+=("$arg") ;;
  esac
done
duration="${args[0]:-15s}"
default_setups=plain
if [ "$citus_wanted" = 1 ]; then
  default_setups="plain citus"
fi
setups="${BENCH_SCALE_SETUPS:-$default_setups}"
topologies="${BENCH_SCALE_TOPOLOGIES:-one proxy-one two}"
import_rows="${BENCH_SCALE_IMPORT_ROWS:-20000}"
bench_setup scale_out 18190
port_a=$BENCH_PORT
port_b=$((BENCH_PORT + 1))
port_lb=$((BENCH_PORT + 2))
citus_tool="${CITUS_CLUSTER:-$BENCH_ROOT/../shared/tools/citus-cluster}"
plain_server_url=$BENCH_SERVER_URL
command -v haproxy >/dev/null || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }
haproxy -v | head -n 1
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before"
: >"$BENCH_TMP/scale.tsv"

# ---------------------------------------------------------------------------------------------
# The instances and the balancer. Every instance trusts X-Forwarded-For (it is behind the
# balancer) and runs the release build with the development profile, as bench/lib.sh does.

instance_start() {
  local name=$1 port=$2 pid
  if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then
    bench_die "something already answers on port $port; set BENCH_PORT"
  fi
  env MCN_ADDR="127.0.0.1:$port" MCN__LOG__LEVEL=warn MCN__AUTH__ACCESS_TOKEN_TTL_SECS=7200 \
    MCN__SERVER__TRUST_FORWARDED_FOR=true \
    target/release/mcn serve >>"$BENCH_TMP/server-$name.log" 2>&1 &
  pid=$!
  _bench_set instance "$name" "$pid"
  local _
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$BENCH_TMP/server-$name.log" >&2; bench_die "instance $name stopped"; }
    sleep 0.1
  done
  bench_die "instance $name did not become ready"
}

instance_stop() {
  local pid
  pid=$(bench_get instance "$1")
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  _bench_set instance "$1" ""
}

# balancer_start BACKEND_A BACKEND_B (ports): deploy/haproxy.cfg on port_lb.
balancer_start() {
  if curl -fs -o /dev/null "http://127.0.0.1:$port_lb/healthz"; then
    bench_die "something already answers on port $port_lb; set BENCH_PORT"
  fi
  MCN_LB_BIND="127.0.0.1:$port_lb" MCN_BACKEND_A="127.0.0.1:$1" MCN_BACKEND_B="127.0.0.1:$2" \
    haproxy -db -f deploy/haproxy.cfg >>"$BENCH_TMP/haproxy.log" 2>&1 &
  balancer_pid=$!
  local _
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port_lb/healthz" && break
    kill -0 "$balancer_pid" 2>/dev/null || { cat "$BENCH_TMP/haproxy.log" >&2; bench_die "haproxy stopped"; }
    sleep 0.1
  done
  curl -fs -o /dev/null "http://127.0.0.1:$port_lb/healthz" || bench_die "the balancer does not answer"
  # A round of health checks (every second) before measuring.
  sleep 1.5
}

balancer_stop() {
  [ -n "${balancer_pid:-}" ] || return 0
  kill "$balancer_pid" 2>/dev/null || true
  wait "$balancer_pid" 2>/dev/null || true
  balancer_pid=
}

# scale_row SETUP TARGET TOPOLOGY LABEL: a row of the table from a wrk run's figures.
scale_row() {
  local label=$4
  printf '%s\t%s\t%s\t%.0f req/s\t%.2f\t%.2f\t%s\n' "$1" "$2" "$3" "$(bench_get "$label" rps)" \
    "$(bench_get "$label" p50)" "$(bench_get "$label" p99)" "$(bench_get "$label" errors)" >>"$BENCH_TMP/scale.tsv"
}

# ---------------------------------------------------------------------------------------------
# One setup: its database, the ledger, then every way in.

run_setup() {
  local setup=$1
  echo
  echo "######## $setup"
  case "$setup" in
    plain)
      BENCH_DB=mcn_bench_scale_out
      BENCH_SERVER_URL=$plain_server_url
      export DATABASE_URL="${_bench_base_url%/*}/$BENCH_DB"
      bench_fresh_database
      ;;
    citus)
      BENCH_DB=mcn_bench_scale_citus
      "$citus_tool" dropdb "$BENCH_DB" >/dev/null 2>&1 || true
      export DATABASE_URL
      DATABASE_URL=$("$citus_tool" createdb "$BENCH_DB")
      BENCH_SERVER_URL="${DATABASE_URL%/*}/postgres"
      if [ "${BENCH_KEEP:-0}" != 1 ]; then
        bench_on_exit "'$citus_tool' dropdb $BENCH_DB"
      fi
      MCN__LOG__LEVEL=warn target/release/mcn migrate >/dev/null
      target/release/mcn distribute
      ;;
    *) bench_die "unknown setup $setup (plain, citus)" ;;
  esac
  echo "database: ${DATABASE_URL%%\?*}"

  BENCH_BASE="http://127.0.0.1:$port_a"
  instance_start a "$port_a"
  bench_ledger
  local token host time_zone today from to path run
  token=$(bench_login "$BENCH_OWNER_EMAIL")
  [ -n "$token" ] || bench_die "login failed"
  host=$(bench_sql "SELECT id FROM influencers WHERE agency_id = '$BENCH_AGENCY' ORDER BY id LIMIT 1")
  bench_sql "SELECT id FROM products WHERE agency_id = '$BENCH_AGENCY' ORDER BY sku LIMIT 10" >"$BENCH_TMP/lineup.txt"
  time_zone=$(bench_sql "SELECT time_zone FROM agencies WHERE id = '$BENCH_AGENCY'")
  today=$(TZ="$time_zone" date +%F)
  from=$(date -d "$today - 29 days" +%F)
  to=$(date -d "$today + 1 day" +%F)
  path="/v1/reports/gmv?from=$from&to=$to&group_by=platform,day"
  run="$$-$(date +%s)"

  local topology base label seconds inserted file
  for topology in $topologies; do
    echo
    echo "== $setup, $topology"
    case "$topology" in
      one) base="http://127.0.0.1:$port_a" ;;
      proxy-one)
        balancer_start "$port_a" "$port_a"
        base="http://127.0.0.1:$port_lb"
        ;;
      two)
        instance_start b "$port_b"
        balancer_start "$port_a" "$port_b"
        base="http://127.0.0.1:$port_lb"
        ;;
      *) bench_die "unknown topology $topology (one, proxy-one, two)" ;;
    esac
    curl -fsS -o "$BENCH_TMP/report.json" -H "Authorization: Bearer $token" "$base$path" \
      || bench_die "GET $path failed: $(cat "$BENCH_TMP/report.json")"
    label="${setup}_${topology//-/_}"

    bench_wrk "${label}_healthz" "$BENCH_CONNECTIONS" "$duration" "$(bench_lua)" "$base/healthz"
    scale_row "$setup" "GET /healthz (ceiling)" "$topology" "${label}_healthz"

    bench_settle >/dev/null
    bench_wrk "${label}_gmv" "$BENCH_CONNECTIONS" "$duration" "$(bench_lua)" "$base$path" \
      -H "Authorization: Bearer $token"
    scale_row "$setup" "GET /v1/reports/gmv 30 days" "$topology" "${label}_gmv"

    bench_wrk "${label}_sales" "$BENCH_CONNECTIONS" "$duration" "$(bench_lua post-sale)" "$base/v1/sales" \
      -H "Authorization: Bearer $token" -- "$host" "$BENCH_TMP/lineup.txt" "$run-$topology"
    scale_row "$setup" "POST /v1/sales" "$topology" "${label}_sales"

    # One import: a CSV of import_rows lines for the ledger's hosts and products, its own order ids.
    file="$BENCH_TMP/import-$setup-$topology.csv"
    bench_psql -c "\\copy (SELECT (ARRAY['douyin', 'kuaishou', 'taobao'])[1 + i % 3] AS platform, 'SCALE-$run-$topology-' || i AS external_order_id, to_char((date_trunc('minute', now()) - make_interval(mins => 1 + i % 40000)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS sold_at, h.id AS influencer_id, p.sku, 1 + i % 5 AS quantity, (10 + i % 490) || '.' || lpad((i % 100)::text, 2, '0') AS unit_price FROM generate_series(1, $import_rows) i JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM influencers WHERE agency_id = '$BENCH_AGENCY') h ON h.n = i % 100 JOIN (SELECT row_number() OVER (ORDER BY sku) - 1 AS n, sku FROM products WHERE agency_id = '$BENCH_AGENCY') p ON p.n = (i * 7) % 1000 ORDER BY i) TO '$file' WITH (FORMAT csv, HEADER)"
    seconds=$(curl -sS -o "$BENCH_TMP/import.json" -w '%{time_total}' -H "Authorization: Bearer $token" \
      -H 'Content-Type: text/csv' --data-binary "@$file" "$base/v1/sales/imports?file_name=scale-$topology.csv") || seconds=0
    inserted=$(sed -nE 's/.*"inserted":([0-9]+).*/\1/p' "$BENCH_TMP/import.json")
    if [ "$inserted" != "$import_rows" ]; then
      echo "  import: inserted '${inserted}' of $import_rows: $(head -c 400 "$BENCH_TMP/import.json")"
      printf '%s\t%s\t%s\t%s\t—\t—\t1\n' "$setup" "POST /v1/sales/imports, $import_rows lines" "$topology" "failed" >>"$BENCH_TMP/scale.tsv"
    else
      printf '  %-28s %-8s %10.0f rows/s  (%.2f s)\n' "${label}_import" "curl" "$(bench_calc "$import_rows / $seconds")" "$seconds"
      printf '%s\t%s\t%s\t%.0f rows/s (%.2f s)\t—\t—\t0\n' "$setup" "POST /v1/sales/imports, $import_rows lines" "$topology" \
        "$(bench_calc "$import_rows / $seconds")" "$seconds" >>"$BENCH_TMP/scale.tsv"
    fi
    balancer_stop
  done
  instance_stop b
  instance_stop a
  server_logs "$setup"
}

# server_logs SETUP: what the instances logged during the setup (they run at level warn, so
# every line is a warning, an error or a panic), counted for the summary with the first lines
# shown; the logs are emptied for the next setup.
server_logs() {
  local name lines
  for name in a b; do
    [ -s "$BENCH_TMP/server-$name.log" ] || continue
    lines=$(grep -cE 'WARN|ERROR|panicked' "$BENCH_TMP/server-$name.log" || true)
    echo "  instance $name logged $lines warnings or errors; the first:"
    grep -E 'WARN|ERROR|panicked' "$BENCH_TMP/server-$name.log" | head -n 5 | cut -c1-400 | sed 's/^/    /'
    printf '%s: instance %s logged %s warnings or errors\n' "$1" "$name" "$lines" >>"$BENCH_TMP/server-logs.txt"
    : >"$BENCH_TMP/server-$name.log"
  done
}

# What the Citus setup needs before it starts: the cluster up, and `mcn distribute` in this
# build. Without either it is reported as failed and the other setups still run.
citus_ready() {
  if [ ! -x "$citus_tool" ]; then
    echo "Citus: no cluster tool at $citus_tool (set CITUS_CLUSTER)" >&2
    return 1
  fi
  if ! "$citus_tool" status >/dev/null 2>&1; then
    echo "Citus: the local cluster does not answer ('$citus_tool status' fails); start it with '$citus_tool start'" >&2
    return 1
  fi
  if ! target/release/mcn distribute --help >/dev/null 2>&1; then
    echo "Citus: this build has no 'mcn distribute' (the subcommand that distributes the tables by agency);" \
      "merge main once it has landed, rebuild, and run again" >&2
    return 1
  fi
}

failed=()
for setup in $setups; do
  if [ "$setup" = citus ] && ! citus_ready; then
    failed+=("$setup")
    printf '%s\t%s\t%s\t%s\t—\t—\t—\n' citus "(not run)" "—" "the cluster or \`mcn distribute\` is missing" >>"$BENCH_TMP/scale.tsv"
    continue
  fi
  run_setup "$setup"
done

echo
echo "######## scale-out: $(nproc) cores; wrk -t1 -c$BENCH_CONNECTIONS -d$duration pinned to core $BENCH_WRK_CPU;" \
  "${BENCH_SALES:-200000} sales in the ledger; release build; PostgreSQL on this machine"
if [ -s "$BENCH_TMP/scale.tsv" ]; then
  echo
  echo "| setup | request | way in | throughput | p50 ms | p99 ms | errors |"
  echo "|---|---|---|---|---|---|---|"
  awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$BENCH_TMP/scale.tsv"
  echo
  echo "two instances / one instance (throughput):"
  awk -F '\t' '{ split($4, v, " "); key = $1 " | " $2; value[key, $3] = v[1]; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
    END { for (i = 1; i <= n; i++) { k = order[i]; if (value[k, "one"] > 0 && value[k, "two"] > 0)
            printf "  %-50s %.2f×%s\n", k, value[k, "two"] / value[k, "one"],
              (value[k, "proxy-one"] > 0 ? sprintf("   (HAProxy over one: %.2f×)", value[k, "proxy-one"] / value[k, "one"]) : "") } }' \
    "$BENCH_TMP/scale.tsv"
fi
if [ -s "$BENCH_TMP/server-logs.txt" ]; then
  echo
  cat "$BENCH_TMP/server-logs.txt"
fi
echo
echo "(load average before $load_before, now $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
if [ ${#failed[@]} -gt 0 ]; then
  echo "setups that failed: ${failed[*]} (see above)"
  exit 1
fi
