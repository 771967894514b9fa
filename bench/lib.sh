# Shared helpers of the benchmark scripts: sourced, never run. See bench/README.md.
#
# What a script gets by sourcing this file and calling `bench_setup <scenario> <port>`:
#   - the working directory is the repository; BENCH_TMP is a private scratch folder;
#   - DATABASE_URL names the scenario's own database `mcn_bench_<scenario>` (or the shared one
#     run-all.sh hands over in BENCH_DATABASE, which is then neither recreated nor dropped);
#   - wrk and pgbench are installed if missing, and the release build is made (BENCH_NO_BUILD=1
#     skips it, run-all.sh builds once);
#   - everything started or created is stopped or dropped on exit, through `bench_on_exit`.
#
# Load generators are pinned to one core (BENCH_WRK_CPU, default 1), `wrk -t1` and
# `pgbench -j1` alike, so the API and its ceiling are driven under the same conditions.

# ---------------------------------------------------------------------------------------------
# Cleanup when the script exits, however it exits: first this shell's background jobs still
# running (servers, wrk; by their ids, and only those not yet waited for), then the commands
# registered with bench_on_exit, in reverse order.

_bench_cleanup=()
bench_on_exit() { _bench_cleanup+=("$1"); }
_bench_run_cleanup() {
  local status=$? i pid
  trap - EXIT
  for pid in $(jobs -pr); do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for ((i = ${#_bench_cleanup[@]} - 1; i >= 0; i--)); do
    eval "${_bench_cleanup[i]}" >/dev/null 2>&1 || true
  done
  exit "$status"
}
trap _bench_run_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_die() {
  echo "bench: $*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Setup.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$BENCH_ROOT" || exit 1
BENCH_WRK_CPU="${BENCH_WRK_CPU:-1}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-32}"
# wrk drops answers slower than its timeout from the latencies (default 2 s): keep them.
BENCH_WRK_TIMEOUT="${BENCH_WRK_TIMEOUT:-30s}"
BENCH_PASSWORD="bench-password-0123"
_bench_base_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mcn}"
BENCH_SERVER_URL="${_bench_base_url%/*}/postgres"

# bench_setup SCENARIO DEFAULT_PORT
bench_setup() {
  BENCH_PORT="${BENCH_PORT:-$2}"
  BENCH_TMP=$(mktemp -d "/tmp/mcn-bench-$1.XXXXXX")
  bench_on_exit "rm -rf '$BENCH_TMP'"
  if [ -n "${BENCH_DATABASE:-}" ]; then
    BENCH_DB="$BENCH_DATABASE"
    BENCH_SHARED_DB=1
  else
    BENCH_DB="mcn_bench_$1"
    BENCH_SHARED_DB=0
  fi
  export DATABASE_URL="${_bench_base_url%/*}/$BENCH_DB"
  # The profile a new user runs (argon2 at production parameters), whatever this shell says.
  export MCN_ENV="${BENCH_MCN_ENV:-development}"
  BENCH_BASE="http://127.0.0.1:$BENCH_PORT"
  bench_tools
  scripts/ensure-postgres >/dev/null
  if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    cargo build --release --quiet
  fi
  [ -x target/release/mcn ] || bench_die "no release build at target/release/mcn"
}

bench_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v taskset >/dev/null || missing+=(util-linux)
  command -v curl >/dev/null || missing+=(curl)
  command -v perl >/dev/null || missing+=(perl)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  command -v pgbench >/dev/null || bench_die "pgbench is missing (it comes with the PostgreSQL server package)"
  if [ "$(nproc)" -le "$BENCH_WRK_CPU" ]; then
    BENCH_WRK_CPU=0
  fi
}

bench_psql() { psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"; }
bench_sql() { psql -X -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"; }

# A fresh, migrated database of the scenario's own, dropped on exit (BENCH_KEEP=1 keeps it).
# A shared database (BENCH_DATABASE) is left as it is.
bench_fresh_database() {
  [ "$BENCH_SHARED_DB" = 1 ] && return 0
  psql -X -q -d "$BENCH_SERVER_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)"
  MCN__LOG__LEVEL=warn target/release/mcn migrate >/dev/null
  if [ "${BENCH_KEEP:-0}" != 1 ]; then
    bench_on_exit "psql -X -q -d '$BENCH_SERVER_URL' -c 'DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)'"
  fi
}

# ---------------------------------------------------------------------------------------------
# The server: release build, development profile (BENCH_MCN_ENV), so argon2 runs at the
# production parameters of config/default.toml. Extra VAR=value arguments go to its environment.

bench_server_start() {
  if curl -fs -o /dev/null "$BENCH_BASE/healthz"; then
    bench_die "something already answers on port $BENCH_PORT; set BENCH_PORT"
  fi
  env MCN_ADDR="127.0.0.1:$BENCH_PORT" MCN__LOG__LEVEL=warn MCN__AUTH__ACCESS_TOKEN_TTL_SECS=7200 "$@" \
    target/release/mcn serve >>"$BENCH_TMP/server.log" 2>&1 &
  BENCH_SERVER_PID=$!
  local _
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$BENCH_BASE/readyz" && return 0
    kill -0 "$BENCH_SERVER_PID" 2>/dev/null || { cat "$BENCH_TMP/server.log" >&2; bench_die "the server stopped"; }
    sleep 0.1
  done
  bench_die "the server did not become ready"
}

bench_server_stop() {
  [ -n "${BENCH_SERVER_PID:-}" ] || return 0
  kill "$BENCH_SERVER_PID" 2>/dev/null || true
  wait "$BENCH_SERVER_PID" 2>/dev/null || true
  BENCH_SERVER_PID=
}

# A JSON string field of a JSON answer (flat enough for sed).
bench_json_field() { sed -nE "s/.*\"$1\":\"([^\"]*)\".*/\1/p"; }

# bench_signup NAME EMAIL: a new agency and its owner through POST /v1/auth/signup; sets
# BENCH_AGENCY and BENCH_OWNER (ids).
bench_signup() {
  curl -fsS -o "$BENCH_TMP/signup.json" -H 'content-type: application/json' \
    -d "{\"agency_name\":\"$1\",\"email\":\"$2\",\"password\":\"$BENCH_PASSWORD\"}" "$BENCH_BASE/v1/auth/signup" \
    || bench_die "signup of $2 failed: $(cat "$BENCH_TMP/signup.json" 2>/dev/null)"
  BENCH_OWNER=$(bench_sql "SELECT id FROM users WHERE email = '$2'")
  BENCH_AGENCY=$(bench_sql "SELECT agency_id FROM users WHERE email = '$2'")
  [ -n "$BENCH_AGENCY" ] || bench_die "signup of $2 left no user"
}

# bench_login EMAIL: prints an access token (POST /v1/auth/login).
bench_login() {
  curl -fsS -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$BENCH_PASSWORD\"}" "$BENCH_BASE/v1/auth/login" \
    | bench_json_field access_token
}

# bench_create_user TOKEN EMAIL ROLE: a staff account through POST /v1/users (its password is
# hashed by the server, each with its own salt).
bench_create_user() {
  curl -fsS -o /dev/null -H "authorization: Bearer $1" -H 'content-type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"$BENCH_PASSWORD\",\"display_name\":\"${2%@*}\",\"role\":\"$3\"}" \
    "$BENCH_BASE/v1/users" || bench_die "creating user $2 failed"
}

# ---------------------------------------------------------------------------------------------
# Seeding through SQL, every trigger and constraint active (no session_replication_role), so the
# rollups, compliance marks and checks are exactly what the API would have left.

# bench_seed_roster AGENCY OWNER REVIEWER HOSTS PRODUCTS: hosts with verified identities (the
# reviewer is a second user: four eyes), an active legal entity, a contract and a douyin and a
# kuaishou account each; products with SKUs `SKU-1` … in CNY.
bench_seed_roster() {
  bench_psql -v agency="$1" -v owner="$2" -v reviewer="$3" -v hosts="$4" -v products="$5" <<'SQL'
BEGIN;
INSERT INTO influencers (agency_id, id, kind, stage_name)
SELECT :'agency', gen_random_uuid(), 'human', 'Host ' || n FROM generate_series(1, :hosts) n;
CREATE TEMP TABLE bench_hosts ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY stage_name COLLATE "C") AS n, id FROM influencers WHERE agency_id = :'agency';
INSERT INTO identities (agency_id, influencer_id, is_host_self, real_name, document_type, document_ciphertext,
                        document_nonce, document_key_id, document_hmac, document_number_masked, date_of_birth,
                        verification_state, submitted_by, submitted_at, reviewed_by, reviewed_at)
SELECT :'agency', id, true, 'Host ' || n, 'cn_resident_id', '\x00', decode(substr(md5(id::text), 1, 24), 'hex'), 'bench',
       decode(md5(id::text) || md5(n::text), 'hex'), '1***', date '1990-01-01', 'verified', :'owner', now(),
       :'reviewer', now()
FROM bench_hosts;
INSERT INTO legal_entities (agency_id, id, influencer_id, entity_type, name, credit_code, status)
SELECT :'agency', gen_random_uuid(), id, 'individual_business', 'Studio ' || n, 'CC' || lpad(n::text, 16, '0'), 'active'
FROM bench_hosts;
INSERT INTO contracts (agency_id, id, influencer_id, valid_from, agency_share_percent)
SELECT :'agency', gen_random_uuid(), id, date '2020-01-01', 30 FROM bench_hosts;
INSERT INTO platform_accounts (agency_id, id, influencer_id, platform, handle, platform_user_id, verified)
SELECT :'agency', gen_random_uuid(), h.id, p.platform, '@host' || h.n, p.prefix || h.n, true
FROM bench_hosts h CROSS JOIN (VALUES ('douyin', 'dy-'), ('kuaishou', 'ks-')) p(platform, prefix);
INSERT INTO products (agency_id, id, sku, name, list_price, currency, commission_percent)
SELECT :'agency', gen_random_uuid(), 'SKU-' || n, 'Product ' || n, 10 + n % 490, 'CNY', 5 + n % 26
FROM generate_series(1, :products) n;
COMMIT;
SQL
}

# bench_seed_sales AGENCY OWNER ROWS [DAYS, default 365]: order lines over the last DAYS days
# across every host and product and six platforms; one in 20 partly refunded (with its refund
# entry, as the API records it), one in 100 cancelled. Inserted in chunks of 50,000 with every
# trigger on.
bench_seed_sales() {
  local agency=$1 owner=$2 rows=$3 days=${4:-365} chunk=50000 first last
  for ((first = 1; first <= rows; first += chunk)); do
    last=$((first + chunk - 1 < rows ? first + chunk - 1 : rows))
    bench_psql -v agency="$agency" -v owner="$owner" -v first="$first" -v last="$last" -v days="$days" <<'SQL'
BEGIN;
CREATE TEMP TABLE bench_hosts ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM influencers WHERE agency_id = :'agency';
CREATE TEMP TABLE bench_products ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, commission_percent FROM products WHERE agency_id = :'agency';
CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
SELECT i, now() - interval '1 minute' - random() * make_interval(days => :days) AS sold_at,
       1 + i % 5 AS quantity, round((9.9 + random() * 490)::numeric, 2) AS price,
       (ARRAY['douyin', 'douyin', 'kuaishou', 'taobao', 'xiaohongshu', 'tiktok'])[1 + (i / 7) % 6] AS platform,
       CASE WHEN i % 100 = 50 THEN 'cancelled' WHEN i % 20 = 3 THEN 'partially_refunded' ELSE 'paid' END AS status
FROM generate_series(:first, :last) i;
INSERT INTO sales (agency_id, id, platform, external_order_id, sold_at, influencer_id, product_id, quantity,
                   unit_price, currency, gross, commission_percent, status, refunded_amount)
SELECT :'agency', gen_random_uuid(), l.platform, 'SEED-' || l.i, l.sold_at, h.id, p.id, l.quantity, l.price, 'CNY',
       l.quantity * l.price, p.commission_percent, l.status,
       CASE WHEN l.status = 'partially_refunded' THEN round(l.quantity * l.price / 3, 2) ELSE 0 END
FROM bench_lines l
JOIN bench_hosts h ON h.n = l.i % (SELECT count(*) FROM bench_hosts)
JOIN bench_products p ON p.n = (l.i * 7) % (SELECT count(*) FROM bench_products);
INSERT INTO refunds (agency_id, id, sale_id, amount, reason, recorded_by)
SELECT :'agency', gen_random_uuid(), s.id, s.refunded_amount, 'seeded', :'owner'
FROM bench_lines l
JOIN sales s ON s.agency_id = :'agency' AND s.platform = l.platform AND s.external_order_id = 'SEED-' || l.i
WHERE l.status = 'partially_refunded';
COMMIT;
SQL
    printf '\r  seeded %d of %d lines' "$last" "$rows"
  done
  echo
}

# bench_settle: waits for the server's background work on what was just written (the fold of
# the rollup deltas, where the schema has them; at most BENCH_SETTLE_SECS, default 300), then
# VACUUM ANALYZE: measurements start from a steady state.
bench_settle() {
  local deadline=$(($(date +%s) + ${BENCH_SETTLE_SECS:-300})) pending
  if [ -n "$(bench_sql "SELECT to_regclass('sales_rollup_delta')")" ]; then
    while pending=$(bench_sql "SELECT count(*) FROM sales_rollup_delta") && [ "$pending" != 0 ]; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "  WARNING: $pending rollup deltas still unfolded; measuring anyway"
        break
      fi
      sleep 1
    done
  fi
  bench_psql -c "VACUUM ANALYZE"
}

# bench_ledger NAME: the usual data set: an agency signed up through the API with a second
# user (the identity reviewer), 100 hosts, 1,000 products and BENCH_SALES (default 200,000)
# order lines, then bench_settle: the steady state of a ledger in use. Sets BENCH_AGENCY,
# BENCH_OWNER and BENCH_OWNER_EMAIL. With a shared database the agency seeded by run-all.sh is
# reused instead (its ids come from the database), settled again after the scripts before.
bench_ledger() {
  BENCH_OWNER_EMAIL="owner@ledger.bench.example.com"
  if [ "$BENCH_SHARED_DB" = 1 ] && [ -n "$(bench_sql "SELECT 1 FROM users WHERE email = '$BENCH_OWNER_EMAIL'")" ]; then
    BENCH_OWNER=$(bench_sql "SELECT id FROM users WHERE email = '$BENCH_OWNER_EMAIL'")
    BENCH_AGENCY=$(bench_sql "SELECT agency_id FROM users WHERE email = '$BENCH_OWNER_EMAIL'")
    echo "ledger: agency $BENCH_AGENCY, $(bench_sql "SELECT count(*) FROM sales WHERE agency_id = '$BENCH_AGENCY'") lines (shared)"
    bench_settle
    return 0
  fi
  local rows="${BENCH_SALES:-200000}" started token
  started=$(date +%s)
  bench_signup "Bench Ledger" "$BENCH_OWNER_EMAIL"
  token=$(bench_login "$BENCH_OWNER_EMAIL")
  bench_create_user "$token" "reviewer@ledger.bench.example.com" compliance
  local reviewer
  reviewer=$(bench_sql "SELECT id FROM users WHERE email = 'reviewer@ledger.bench.example.com'")
  bench_seed_roster "$BENCH_AGENCY" "$BENCH_OWNER" "$reviewer" 100 1000
  bench_seed_sales "$BENCH_AGENCY" "$BENCH_OWNER" "$rows"
  bench_settle
  echo "ledger: agency $BENCH_AGENCY, $rows lines seeded in $(($(date +%s) - started)) s"
}

# ---------------------------------------------------------------------------------------------
# Load generators. Each run leaves its figures in variables named after its label:
#   <label>_rps (successful answers per second), <label>_p50, <label>_p99 (ms),
#   <label>_requests, <label>_errors (non-2xx answers, socket errors or failed transactions), and
#   for wrk <label>_non2xx and <label>_socket_errors (timeouts included).

# bench_lua NAME…: a wrk script made of bench/lua/NAME.lua files with the shared reporting
# appended; prints its path. `bench_lua` alone is the plain GET script.
bench_lua() {
  local out name
  out="$BENCH_TMP/wrk-$(IFS=-; echo "${*:-get}").lua"
  : >"$out"
  for name in "$@"; do
    cat "bench/lua/$name.lua" >>"$out"
  done
  cat bench/lua/report.lua >>"$out"
  echo "$out"
}

_bench_set() { printf -v "${1}_$2" '%s' "$3"; }

# bench_wrk LABEL CONNECTIONS DURATION SCRIPT URL [wrk options] [-- script arguments]
# The line `BENCH …` printed by bench/lua/report.lua holds the figures.
bench_wrk() {
  local label=$1 connections=$2 duration=$3 script=$4 url=$5
  shift 5
  local out="$BENCH_TMP/wrk-$label.txt"
  if ! taskset -c "$BENCH_WRK_CPU" wrk -t1 -c"$connections" -d"$duration" --timeout "$BENCH_WRK_TIMEOUT" --latency \
    -s "$script" "$url" "$@" >"$out" 2>&1; then
    cat "$out" >&2
    bench_die "wrk failed ($label)"
  fi
  _bench_parse_wrk "$label" "$out"
}

# bench_wrk_background LABEL … (as bench_wrk): starts wrk and returns at once; collect the
# figures with bench_wrk_wait LABEL.
bench_wrk_background() {
  local label=$1 connections=$2 duration=$3 script=$4 url=$5
  shift 5
  taskset -c "$BENCH_WRK_CPU" wrk -t1 -c"$connections" -d"$duration" --timeout "$BENCH_WRK_TIMEOUT" --latency \
    -s "$script" "$url" "$@" >"$BENCH_TMP/wrk-$label.txt" 2>&1 &
  _bench_set "$label" pid "$!"
}

bench_wrk_wait() {
  local pid_var="${1}_pid"
  wait "${!pid_var}" || { cat "$BENCH_TMP/wrk-$1.txt" >&2; bench_die "wrk failed ($1)"; }
  _bench_parse_wrk "$1" "$BENCH_TMP/wrk-$1.txt"
}

_bench_parse_wrk() {
  local label=$1 out=$2 line field
  line=$(grep '^BENCH ' "$out" | tail -n 1) || { cat "$out" >&2; bench_die "no figures from wrk ($label)"; }
  for field in $line; do
    case "$field" in
      ok_rps=*) _bench_set "$label" rps "${field#*=}" ;;
      p50_ms=*) _bench_set "$label" p50 "${field#*=}" ;;
      p99_ms=*) _bench_set "$label" p99 "${field#*=}" ;;
      requests=*) _bench_set "$label" requests "${field#*=}" ;;
      errors=*) _bench_set "$label" errors "${field#*=}" ;;
      non2xx=*) _bench_set "$label" non2xx "${field#*=}" ;;
      socket_errors=*) _bench_set "$label" socket_errors "${field#*=}" ;;
    esac
  done
  bench_print_run "$label" "wrk"
  if [ "$(bench_get "$label" errors)" != 0 ]; then
    echo "    (non-2xx or socket errors; first answers below)"
    grep -E 'Non-2xx|Socket errors' "$out" | sed 's/^/    /'
  fi
}

bench_get() { local var="${1}_$2"; echo "${!var:-}"; }

bench_print_run() {
  printf '  %-28s %-8s %10.1f /s   p50 %8.2f ms   p99 %8.2f ms   %d done, %d errors\n' "$1" "$2" \
    "$(bench_get "$1" rps)" "$(bench_get "$1" p50)" "$(bench_get "$1" p99)" \
    "$(bench_get "$1" requests)" "$(bench_get "$1" errors)"
}

# bench_pgbench LABEL CLIENTS SECONDS PGBENCH_OPTIONS…: the ceiling (the options name the scripts
# with -f), prepared statements, one pgbench thread on the load generator's core. Percentiles come
# from the per-transaction log.
bench_pgbench() {
  local label=$1 clients=$2 seconds=$3
  shift 3
  local out="$BENCH_TMP/pgbench-$label.txt" prefix="$BENCH_TMP/pgbench-$label-log" status=0
  # pgbench binds an undefined variable as NULL without a word: refuse to run with one.
  perl -e '
    my (%defined, @files);
    $defined{$_} = 1 for qw(client_id default_seed random_seed scale);
    while (defined(my $arg = shift)) {
      if ($arg eq "-D") { my ($name) = split /=/, shift; $defined{$name} = 1 }
      elsif ($arg eq "-f") { push @files, shift }
    }
    my @missing;
    for my $file (@files) {
      open my $in, "<", $file or die "cannot read $file\n";
      my @lines = <$in>;
      for (@lines) { $defined{$1} = 1 if /^\s*\\set\s+(\w+)/ }
      for (@lines) {
        next if /^\s*(--|\\)/;
        while (/(?<!:):([A-Za-z_]\w*)/g) { push @missing, "$file: :$1" unless $defined{$1} }
      }
    }
    die "pgbench variables never set: @missing\n" if @missing;
  ' -- "$@" || bench_die "pgbench run $label: fix its variables"
  rm -f "$prefix".*
  taskset -c "$BENCH_WRK_CPU" pgbench -n -c"$clients" -j1 -T"$seconds" -M prepared -l --log-prefix="$prefix" \
    "$@" "$DATABASE_URL" >"$out" 2>&1 || status=$?
  local tps failed aborted n p50 p99
  tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$out" | tail -n 1)
  failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$out")
  aborted=$(grep -c 'aborted' "$out" || true)
  if [ "$status" != 0 ] || [ -z "$tps" ]; then
    echo "  pgbench ($label) ended with status $status:" >&2
    grep -vE '^(pgbench|transaction type|scaling|query mode|number of clients|number of threads|duration|maximum)' "$out" | head -n 20 >&2
  fi
  _bench_set "$label" rps "${tps:-0}"
  _bench_set "$label" errors "$((${failed:-0} + aborted))"
  # Log fields: client, transaction number, latency (µs), script, epoch, µs.
  local figures
  figures=$(cat "$prefix".* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ {print $3}' | sort -n | awk '
    {v[NR] = $1}
    END {
      if (NR == 0) { print "0 0 0"; exit }
      i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
      i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
      printf "%d %.3f %.3f\n", NR, v[i50] / 1000, v[i99] / 1000
    }')
  read -r n p50 p99 <<<"$figures"
  _bench_set "$label" requests "$n"
  _bench_set "$label" p50 "$p50"
  _bench_set "$label" p99 "$p99"
  bench_print_run "$label" "pgbench"
}

# bench_best LABEL CANDIDATE…: LABEL's figures become those of the candidate run with the highest
# throughput (a ceiling is the best PostgreSQL did).
bench_best() {
  local label=$1 best="" candidate field
  shift
  for candidate in "$@"; do
    if [ -z "$best" ] || awk "BEGIN { exit !($(bench_get "$candidate" rps) > $(bench_get "$best" rps)) }"; then
      best=$candidate
    fi
  done
  for field in rps p50 p99 requests errors; do
    _bench_set "$label" "$field" "$(bench_get "$best" "$field")"
  done
  _bench_set "$label" from "$best"
}

# The server's connection pool size (the most statements it runs at once).
bench_pool_size() {
  echo "${MCN__DATABASE__POOL_MAX_SIZE:-$(sed -nE 's/^pool_max_size = ([0-9]+).*/\1/p' config/default.toml)}"
}

# ---------------------------------------------------------------------------------------------
# Figures and the results table.

# bench_calc EXPRESSION: awk arithmetic, printed with 2 decimals.
bench_calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

# bench_verdict CONDITION [ERRORS]: "pass" when the awk condition holds and there were no errors.
bench_verdict() {
  if [ "${2:-0}" != 0 ]; then
    echo "FAIL (errors)"
  elif awk "BEGIN { exit !($1) }"; then
    echo "pass"
  else
    echo "FAIL"
  fi
}

# bench_result SCENARIO API CEILING RATIO TARGET VERDICT: one row of the table. Rows go to this
# script's table and, under run-all.sh, to BENCH_RESULTS too.
bench_result() {
  local row
  row=$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$@")
  echo "$row" >>"$BENCH_TMP/results.tsv"
  if [ -n "${BENCH_RESULTS:-}" ]; then
    echo "$row" >>"$BENCH_RESULTS"
  fi
}

# bench_table [FILE]: the rows as a Markdown table.
bench_table() {
  local file="${1:-$BENCH_TMP/results.tsv}"
  [ -s "$file" ] || return 0
  echo
  echo "| scenario | API | ceiling | ratio | target | verdict |"
  echo "|---|---|---|---|---|---|"
  awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$file"
  echo
  echo "($(nproc) cores; load average now $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
}

# ---------------------------------------------------------------------------------------------
# Statement shapes: what the server really runs for one request, against a pgbench file.

# The server's log file, when this machine's PostgreSQL keeps one we can read.
_bench_pg_log() {
  local file data version cluster
  file=$(psql -X -At -d "$BENCH_SERVER_URL" -c "SELECT pg_current_logfile()" 2>/dev/null || true)
  if [ -n "$file" ]; then
    case "$file" in
      /*) ;;
      *) file="$(psql -X -At -d "$BENCH_SERVER_URL" -c "SHOW data_directory")/$file" ;;
    esac
    [ -r "$file" ] && { echo "$file"; return 0; }
  fi
  # Debian's pg_ctlcluster sends stderr to /var/log/postgresql/postgresql-<version>-<cluster>.log.
  data=$(psql -X -At -d "$BENCH_SERVER_URL" -c "SHOW data_directory" 2>/dev/null || true)
  version=$(basename "$(dirname "$data")")
  cluster=$(basename "$data")
  file="/var/log/postgresql/postgresql-$version-$cluster.log"
  [ -r "$file" ] && echo "$file"
}

# bench_check_statements SQL_FILE COMMAND…: restarts the server with log_statement = 'all' on
# this database only (and its background fold paused), runs COMMAND (one request), and compares the statements the server ran with
# those of SQL_FILE (`-- bench-check: same` — the same statements in the same order — or
# `-- bench-check: contains` — the file's statements appear among the server's). Prints a
# warning when they differ; never fails the run. The server is running again afterwards.
bench_check_statements() {
  local file=$1
  shift
  local log
  log=$(_bench_pg_log || true)
  if [ -z "$log" ]; then
    echo "  WARNING: cannot read PostgreSQL's log; $file not checked against the server's statements"
    return 0
  fi
  bench_server_stop
  bench_psql -c "ALTER DATABASE $BENCH_DB SET log_statement = 'all'"
  bench_on_exit "psql -X -q -d '$BENCH_SERVER_URL' -c 'ALTER DATABASE $BENCH_DB RESET log_statement'"
  # Background work off (the rollup fold: once at start, then not for a day), so that the log
  # holds the request's statements only.
  bench_server_start MCN__REPORTS__FOLD_INTERVAL_MS=86400000
  sleep 0.5
  local offset
  offset=$(($(stat -c %s "$log") + 1))
  "$@"
  sleep 1
  tail -c +"$offset" "$log" >"$BENCH_TMP/statements.log"
  bench_server_stop
  bench_psql -c "ALTER DATABASE $BENCH_DB RESET log_statement"
  bench_server_start
  perl bench/statement-shapes.pl "$BENCH_DB" "$BENCH_TMP/statements.log" "$file" || true
}
