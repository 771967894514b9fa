#!/usr/bin/env bash
# Every benchmark of issue 11 in one go, on one shared database (the 200,000-line ledger is
# seeded once), then ONE table: scenario | API | ceiling | ratio | target | verdict.
#   bench/list.sh     GET /v1/sales?limit=50 against pgbench's keyset page
#   bench/gmv.sh      the GMV report, 30 days by platform and day
#   bench/sales.sh    single-sale POST against pgbench replaying the handler's transaction
#   bench/imports.sh  twenty 20,000-row imports into a new agency against \copy
#   bench/platform-imports.sh  a 100,000-row Douyin CSV and Kuaishou XLSX export against \copy
#   bench/login.sh    logins against the argon2 ceiling; GET /v1/me during a login flood
#   bench/statements.sh  a month's statements generated over a 10,000,000-line ledger; a statement
#                     read at c8 against pgbench of its statements (its own database, not the
#                     shared ledger; only when BENCH_ONLY names it: loading takes minutes)
# Reads run before writes, so they see exactly the seeded ledger. About 10 to 15 minutes.
#
# Usage: bench/run-all.sh [duration of each load, default 20s]
# Environment: BENCH_SALES (default 200000), BENCH_WRK_CPU (default 1), BENCH_KEEP=1 (keep the
# database mcn_bench_all), BENCH_ONLY="list gmv" (a subset; platform-imports names
# bench/platform-imports.sh; statements adds bench/statements.sh, which the default set leaves
# out).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
duration="${1:-20s}"
bench_setup all 18180
started=$(date +%s)
[ "${BENCH_NO_BUILD:-0}" = 1 ] || cargo build --release --quiet --example argon2_ceiling --example xlsx_from_csv

scenarios="${BENCH_ONLY:-list gmv sales imports platform-imports login}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_fresh_database
# bench/statements.sh loads a data set of its own: the shared ledger only for the others.
if [ -n "$(echo "$scenarios" | tr ' ' '\n' | grep -vx -e statements -e '')" ]; then
  bench_server_start
  echo "== seeding the shared ledger"
  bench_ledger
  bench_server_stop
fi

export BENCH_DATABASE="$BENCH_DB" BENCH_NO_BUILD=1 BENCH_RESULTS="$BENCH_TMP/all.tsv"
unset BENCH_PORT
: >"$BENCH_RESULTS"
failed=()
for scenario in $scenarios; do
  echo
  echo "######## bench/$scenario.sh"
  case "$scenario" in
    imports | platform-imports) args=() ;;
    *) args=("$duration") ;;
  esac
  if ! "bench/$scenario.sh" "${args[@]}"; then
    failed+=("$scenario")
    bench_result "$scenario" "the script failed" "—" "—" "—" "FAIL (script)"
  fi
done

echo
echo "######## all scenarios ($(($(date +%s) - started)) s; release build; ${BENCH_SALES:-200000} sales in the ledger;"
echo "######## wrk -t1 -c$BENCH_CONNECTIONS and pgbench -j1 pinned to core $BENCH_WRK_CPU; PostgreSQL on this machine)"
bench_table "$BENCH_RESULTS"
[ ${#failed[@]} -eq 0 ] || echo "scripts that failed: ${failed[*]}"
