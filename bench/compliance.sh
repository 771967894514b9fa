#!/usr/bin/env bash
# The compliance page at scale: one agency with 500 hosts and 20,000 scheduled sessions (two
# lineup products each, some recalled, some untested; some hosts unverified, some accounts
# banned), then `GET /v1/compliance/issues` with wrk at concurrency 8 against a release build;
# and the ceiling: the page's own reads (freshness checks and the keyset page) through pgbench.
#
# Usage: bench/compliance.sh [duration, default 20s]
# Loading goes through SQL with triggers off, so the first page request evaluates the whole
# roster (the once-a-day full evaluation): its time is printed, and so is the time of a request
# right after a write (a recall, re-evaluating the hosts it touches).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"
port="${BENCH_PORT:-18183}"
base_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mcn}"
database="mcn_bench_compliance"
export DATABASE_URL="${base_url%/*}/$database"
server_url="${base_url%/*}/postgres"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
scripts/ensure-postgres >/dev/null
cargo build --release --quiet

password="bench-password"
psql -q -d "$server_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)"
MCN__LOG__LEVEL=warn target/release/mcn migrate
agency=$(MCN_OWNER_PASSWORD="$password" MCN__LOG__LEVEL=warn target/release/mcn create-agency \
  --name "Bench Compliance" --email "owner@bench.example.com" | sed -E 's/.*"agency_id":"([^"]+)".*/\1/')
owner=$(psql -At -d "$DATABASE_URL" -c "SELECT id FROM users WHERE email = 'owner@bench.example.com'")
echo "agency $agency"

start=$(date +%s)
psql -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" <<SQL
SET session_replication_role = replica;
INSERT INTO users (id, agency_id, email, password_hash, display_name, role)
SELECT gen_random_uuid(), agency_id, 'reviewer@bench.example.com', password_hash, 'Reviewer', 'compliance'
FROM users WHERE id = '$owner';
INSERT INTO influencers (agency_id, id, kind, stage_name, status, status_reason)
SELECT '$agency', gen_random_uuid(), 'human', 'Host ' || n,
       CASE WHEN n % 50 = 0 THEN 'suspended' ELSE 'active' END,
       CASE WHEN n % 50 = 0 THEN 'bench' END
FROM generate_series(1, 500) n;
CREATE TEMP TABLE host_idx AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM influencers WHERE agency_id = '$agency';
-- Nine hosts in ten verified adults with an active legal entity.
INSERT INTO identities (agency_id, influencer_id, is_host_self, real_name, document_type, document_ciphertext,
                        document_nonce, document_key_id, document_hmac, document_number_masked, date_of_birth,
                        verification_state, submitted_by, submitted_at, reviewed_by, reviewed_at)
SELECT '$agency', id, true, 'Host ' || n, 'cn_resident_id', '\x00', decode(substr(md5(id::text), 1, 24), 'hex'), 'k1',
       decode(md5(id::text) || md5(n::text), 'hex'), '1***', date '1990-01-01', 'verified', '$owner', now(),
       (SELECT id FROM users WHERE email = 'reviewer@bench.example.com'), now()
FROM host_idx WHERE n % 10 <> 0;
INSERT INTO legal_entities (agency_id, id, influencer_id, entity_type, name, credit_code, status)
SELECT '$agency', gen_random_uuid(), id, 'individual_business', 'Studio ' || n, 'CC' || lpad(n::text, 16, '0'), 'active'
FROM host_idx WHERE n % 10 <> 0;
INSERT INTO platform_accounts (agency_id, id, influencer_id, platform, handle, platform_user_id, status)
SELECT '$agency', gen_random_uuid(), id, 'douyin', '@host' || n, 'dy-' || n,
       CASE WHEN n % 25 = 3 THEN 'banned' ELSE 'active' END
FROM host_idx;
INSERT INTO products (agency_id, id, sku, name, list_price, currency, commission_percent, recalled_at, recall_reason, recalled_by)
SELECT '$agency', gen_random_uuid(), 'SKU-' || n, 'Product ' || n, 99, 'CNY', 20,
       CASE WHEN n % 40 = 0 THEN now() END, CASE WHEN n % 40 = 0 THEN 'bench' END, CASE WHEN n % 40 = 0 THEN '$owner'::uuid END
FROM generate_series(1, 1000) n;
CREATE TEMP TABLE product_idx AS SELECT row_number() OVER (ORDER BY sku) - 1 AS n, id FROM products WHERE agency_id = '$agency';
-- 40 sessions per host, one a day from tomorrow, 10:00-12:00 Shanghai.
INSERT INTO live_sessions (agency_id, id, influencer_id, platform_account_id, title, scheduled_start, scheduled_end, language)
SELECT '$agency', gen_random_uuid(), h.id, a.id, 'Show ' || k,
       (current_date + 1 + k)::timestamp AT TIME ZONE 'Asia/Shanghai' + interval '10 hours',
       (current_date + 1 + k)::timestamp AT TIME ZONE 'Asia/Shanghai' + interval '12 hours', 'zh-CN'
FROM host_idx h JOIN platform_accounts a ON a.agency_id = '$agency' AND a.influencer_id = h.id, generate_series(0, 39) k;
CREATE TEMP TABLE session_idx AS
SELECT s.id, h.n AS host_n, h.id AS host_id, row_number() OVER (PARTITION BY s.influencer_id ORDER BY s.scheduled_start) - 1 AS k
FROM live_sessions s JOIN host_idx h ON h.id = s.influencer_id WHERE s.agency_id = '$agency';
INSERT INTO session_products (agency_id, session_id, position, product_id)
SELECT '$agency', s.id, pos, p.id
FROM session_idx s CROSS JOIN generate_series(0, 1) pos
JOIN product_idx p ON p.n = (s.host_n * 7 + s.k * 2 + pos) % 1000;
-- Every host tested the first product of each of their lineups; the second stays untested.
INSERT INTO product_tests (agency_id, id, product_id, influencer_id, tested_on, result, recorded_by)
SELECT DISTINCT ON (sp.product_id, s.host_id) '$agency'::uuid, gen_random_uuid(), sp.product_id, s.host_id, current_date, 'pass', '$owner'::uuid
FROM session_idx s JOIN session_products sp ON sp.agency_id = '$agency' AND sp.session_id = s.id AND sp.position = 0;
VACUUM ANALYZE;
SQL
end=$(date +%s)
count() { psql -At -d "$DATABASE_URL" -c "SELECT count(*) FROM $1"; }
echo "loaded in $((end - start)) s: $(count influencers) hosts, $(count live_sessions) sessions, \
$(count session_products) lineup items, $(count product_tests) product tests"

MCN_ADDR="127.0.0.1:$port" MCN__LOG__LEVEL=warn MCN__SERVER__WORKERS=2 target/release/mcn serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -fs -H 'content-type: application/json' \
  -d "{\"email\":\"owner@bench.example.com\",\"password\":\"$password\"}" \
  "http://127.0.0.1:$port/v1/auth/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
get() { curl -fs -o /tmp/mcn_bench_answer.json -w '%{time_total}' -H "authorization: Bearer $token" "http://127.0.0.1:$port$1"; }

echo "== first request: the full evaluation of the roster (once a day): $(get /v1/compliance/issues) s"
echo "   stored open issues: $(count compliance_issues)"
head -c 400 /tmp/mcn_bench_answer.json; echo
product=$(psql -At -d "$DATABASE_URL" -c "SELECT id FROM products WHERE sku = 'SKU-7'")
curl -fs -o /dev/null -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"reason":"bench"}' "http://127.0.0.1:$port/v1/products/$product/recall"
echo "== a request after a recall touching $(psql -At -d "$DATABASE_URL" -c "SELECT count(DISTINCT influencer_id) FROM compliance_dirty") hosts: $(get /v1/compliance/issues) s"
echo "== a request with nothing changed: $(get /v1/compliance/issues) s"

echo "load average before wrk: $(cut -d" " -f1-3 /proc/loadavg)"
for path in "/readyz" "/v1/compliance/issues" "/v1/compliance/issues?code=product_recalled" \
            "/v1/compliance/issues?limit=200"; do
  echo "== GET $path (wrk -t2 -c8 -d$duration --latency)"
  wrk -t2 -c8 -d"$duration" --latency -H "authorization: Bearer $token" "http://127.0.0.1:$port$path" \
    | grep -E 'Requests/sec|Latency  |50%|90%|99%|Non-2xx'
done

echo "== ceiling: the page's reads (agency, freshness checks, the keyset page of 51) through pgbench (-c8 -j2, prepared)"
cat > /tmp/mcn_bench_compliance.sql <<SQL
SELECT time_zone FROM agencies WHERE id = '$agency';
SELECT evaluated_on, time_zone, valid_days FROM compliance_refresh WHERE agency_id = '$agency';
SELECT EXISTS (SELECT 1 FROM compliance_dirty WHERE agency_id = '$agency');
SELECT i.id, i.kind, i.influencer_id, f.stage_name, i.session_id, i.code, i.message, i.blocks
FROM compliance_issues i JOIN influencers f ON f.agency_id = i.agency_id AND f.id = i.influencer_id
WHERE i.agency_id = '$agency'
  AND NOT EXISTS (SELECT 1 FROM compliance_finding_states s WHERE s.agency_id = i.agency_id AND s.issue_id = i.id)
ORDER BY i.influencer_id, i.code, i.id LIMIT 51;
SQL
rm -f /tmp/mcn_bench_pgbench_log*
pgbench -n -c8 -j2 -T"${duration%s}" -M prepared -l --log-prefix=/tmp/mcn_bench_pgbench_log \
  -f /tmp/mcn_bench_compliance.sql "$DATABASE_URL" 2>/dev/null | grep -E 'tps|latency average'
# Percentiles of the per-transaction latencies pgbench logged (third field, microseconds).
cat /tmp/mcn_bench_pgbench_log* | awk '{print $3}' | sort -n | awk '{v[NR] = $1}
  END {printf "  p50 %.2f ms, p99 %.2f ms over %d transactions\n", v[int(NR * 0.50)] / 1000, v[int(NR * 0.99)] / 1000, NR}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
