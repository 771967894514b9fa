#!/usr/bin/env bash
# Logins at production argon2 settings over many accounts, and what a login flood does to the
# rest of the API:
#   1. POST /v1/auth/login at concurrency 32, round robin over 64 staff accounts created through
#      the API (each password hashed by the server with its own salt), by clients that honour
#      Retry-After when the server is busy (503) or throttles (429), against the argon2 ceiling
#      measured in the same run: argon2id verifies with the server's own parameters on one
#      thread per core (examples/argon2_ceiling.rs), the same cores the server has.
#      Target: successful logins ≥ 0.90 of the ceiling.
#   2. GET /v1/me p99 idle, then during a login flood (two wrk processes at once; the flood's
#      clients ignore Retry-After and ask again at once). Target: flood p99 within 2× of idle.
# The server runs the default profile, whose argon2 parameters are production's
# (config/default.toml; config/test.toml is the only profile with cheap ones).
#
# Usage: bench/login.sh [duration, default 20s] [accounts, default 64]
# Environment: BENCH_PORT, BENCH_WRK_CPU, BENCH_KEEP=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
duration="${1:-20s}"
accounts="${2:-64}"
seconds="${duration%s}"
bench_setup login 18188
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  cargo build --release --quiet --example argon2_ceiling
fi
[ -x target/release/examples/argon2_ceiling ] || bench_die "no target/release/examples/argon2_ceiling"
bench_fresh_database
bench_server_start
bench_settle

run="$$$(date +%s)"
domain="login-$run.bench.example.com"
bench_signup "Bench Logins $run" "owner@$domain"
token=$(bench_login "owner@$domain")
[ -n "$token" ] || bench_die "login failed"
echo "== $accounts staff accounts through POST /v1/users"
: >"$BENCH_TMP/emails.txt"
for n in $(seq 1 "$accounts"); do
  bench_create_user "$token" "staff$n@$domain" analyst
  echo "staff$n@$domain" >>"$BENCH_TMP/emails.txt"
done
stored=$(bench_sql "SELECT split_part(password_hash, '\$', 2) || ' ' || split_part(password_hash, '\$', 4) FROM users WHERE email = 'staff1@$domain'")
echo "  stored hashes: $stored"
polite=$(bench_lua post-login retry-after)
flood=$(bench_lua post-login)
report=$(bench_lua)

echo "== 1. POST /v1/auth/login over $accounts accounts, honouring Retry-After (wrk -t1 -c$BENCH_CONNECTIONS -d$duration, pinned to core $BENCH_WRK_CPU)"
bench_wrk login "$BENCH_CONNECTIONS" "$duration" "$polite" "$BENCH_BASE/v1/auth/login" \
  -- "$BENCH_TMP/emails.txt" "$BENCH_PASSWORD"

echo "== 2. GET /v1/me idle, then during a login flood that ignores Retry-After (wrk -t1 -c$BENCH_CONNECTIONS each)"
bench_wrk me_idle "$BENCH_CONNECTIONS" "$duration" "$report" "$BENCH_BASE/v1/me" -H "Authorization: Bearer $token"
bench_wrk_background flood "$BENCH_CONNECTIONS" "$duration" "$flood" "$BENCH_BASE/v1/auth/login" \
  -- "$BENCH_TMP/emails.txt" "$BENCH_PASSWORD"
bench_wrk me_flood "$BENCH_CONNECTIONS" "$duration" "$report" "$BENCH_BASE/v1/me" -H "Authorization: Bearer $token"
bench_wrk_wait flood
bench_server_stop

echo "== ceiling: argon2id verifies with the server's parameters, $(nproc) threads, ${seconds} s"
ceiling_line=$(target/release/examples/argon2_ceiling "$(nproc)" "$seconds")
echo "  $ceiling_line"
ceiling_rps=$(sed -nE 's/.*verifies_per_s=([0-9.]+).*/\1/p' <<<"$ceiling_line")
params=$(sed -nE 's/.*(m=[0-9]+ t=[0-9]+ p=[0-9]+).*/\1/p' <<<"$ceiling_line")
[ -n "$ceiling_rps" ] || bench_die "no figure from argon2_ceiling"

ratio=$(bench_calc "$login_rps / $ceiling_rps")
slower=$(bench_calc "$me_flood_p99 / $me_idle_p99")
bench_result "POST /v1/auth/login c32, $accounts accounts" \
  "$(printf '%.1f logins/s, p50 %.0f ms, p99 %.0f ms; %d refused, %d timeouts' "$login_rps" "$login_p50" "$login_p99" "$login_non2xx" "$login_socket_errors")" \
  "$(printf 'argon2id %s, %d threads: %.1f verifies/s' "$params" "$(nproc)" "$ceiling_rps")" "$ratio" \
  "≥ 0.90" "$(bench_verdict "$ratio >= 0.90")"
bench_result "GET /v1/me p99 during a login flood" \
  "$(printf 'p99 %.1f ms (%.0f req/s; flood: %.1f logins/s, %d refused)' "$me_flood_p99" "$me_flood_rps" "$flood_rps" "$flood_non2xx")" \
  "$(printf 'idle: p99 %.1f ms (%.0f req/s)' "$me_idle_p99" "$me_idle_rps")" "${slower}×" \
  "≤ 2× idle" "$(bench_verdict "$slower <= 2" "$((me_idle_errors + me_flood_errors))")"
bench_table
