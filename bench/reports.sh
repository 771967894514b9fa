#!/usr/bin/env bash
# Reports at scale: one agency with 10,000,000 sales lines over the last 365 days, then the GMV
# report by platform for 30 and 365 days and one month's settlement, each with wrk at
# concurrency 8 against a release build; and the ceiling: the same aggregates over the raw
# table in psql.
#
# Usage: bench/reports.sh [rows, default 10000000] [duration, default 20s]
# Loading uses the bulk path an operator would (foreign-key and rollup triggers off for the
# load, rollups then built in one aggregate pass — the same sums the triggers keep); its time
# is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-10000000}"
duration="${2:-20s}"
port="${BENCH_PORT:-18182}"
base_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mcn}"
database="mcn_bench_reports"
export DATABASE_URL="${base_url%/*}/$database"
server_url="${base_url%/*}/postgres"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
scripts/ensure-postgres >/dev/null
cargo build --release --quiet

password="bench-password"
# BENCH_REUSE=1 keeps a database loaded by an earlier run (migrating it, rebuilding rollups).
existing=$(psql -At -d "$DATABASE_URL" -c "SELECT count(*) FROM sales" 2>/dev/null || echo 0)
if [ "${BENCH_REUSE:-0}" = 1 ] && [ "$existing" -ge "$rows" ]; then
  reuse=1
  MCN__LOG__LEVEL=warn target/release/mcn migrate
  agency=$(psql -At -d "$DATABASE_URL" -c "SELECT agency_id FROM users WHERE email = 'owner@bench.example.com'")
  # Give the owner this run's password: hash it through a throwaway account, copy the hash.
  MCN_OWNER_PASSWORD="$password" MCN__LOG__LEVEL=warn target/release/mcn create-agency \
    --name "Hash $$" --email "hash-$$@bench.example.com" >/dev/null
  psql -q -d "$DATABASE_URL" -c "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'hash-$$@bench.example.com') WHERE email = 'owner@bench.example.com'"
  echo "reusing $existing lines of agency $agency"
else
  reuse=0
  psql -q -d "$server_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)"
  MCN__LOG__LEVEL=warn target/release/mcn migrate
  agency=$(MCN_OWNER_PASSWORD="$password" MCN__LOG__LEVEL=warn target/release/mcn create-agency \
    --name "Bench Media" --email "owner@bench.example.com" | sed -E 's/.*"agency_id":"([^"]+)".*/\1/')
  echo "agency $agency"
fi

start=$(date +%s)
if [ "$reuse" = 0 ]; then
echo "== loading $rows sales lines"
psql -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" <<SQL
\set agency '$agency'
\set owner '$owner'
INSERT INTO influencers (agency_id, id, kind, stage_name)
SELECT :'agency', gen_random_uuid(), 'human', 'Host ' || n FROM generate_series(1, 100) n;
INSERT INTO products (agency_id, id, sku, name, list_price, currency, commission_percent)
SELECT :'agency', gen_random_uuid(), 'SKU-' || n, 'Product ' || n, 10 + (n % 490), 'CNY', 5 + (n % 26)
FROM generate_series(1, 1000) n;
INSERT INTO contracts (agency_id, id, influencer_id, valid_from, agency_share_percent)
SELECT agency_id, gen_random_uuid(), id, date '2020-01-01', 20 + (abs(hashtext(id::text)) % 30)
FROM influencers WHERE agency_id = :'agency';
CREATE TEMP TABLE host_idx AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM influencers WHERE agency_id = :'agency';
CREATE TEMP TABLE product_idx AS SELECT row_number() OVER (ORDER BY sku) - 1 AS n, id, commission_percent FROM products WHERE agency_id = :'agency';
CREATE UNIQUE INDEX ON host_idx (n);
CREATE UNIQUE INDEX ON product_idx (n);
SET session_replication_role = replica;
SQL
chunk=1000000
for ((offset = 0; offset < rows; offset += chunk)); do
  last=$(( offset + chunk < rows ? offset + chunk : rows ))
  psql -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" <<SQL
SET session_replication_role = replica;
CREATE TEMP TABLE host_idx AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM influencers WHERE agency_id = '$agency';
CREATE TEMP TABLE product_idx AS SELECT row_number() OVER (ORDER BY sku) - 1 AS n, id, commission_percent FROM products WHERE agency_id = '$agency';
INSERT INTO sales (agency_id, id, platform, external_order_id, sold_at, influencer_id, product_id, quantity,
                   unit_price, currency, gross, commission_percent, status, refunded_amount)
SELECT '$agency', gen_random_uuid(), p.platform, 'B' || g.i, g.sold_at, h.id, pr.id, g.quantity, g.price,
       g.currency, g.quantity * g.price, pr.commission_percent,
       CASE WHEN g.i % 20 = 0 THEN 'partially_refunded' WHEN g.i % 97 = 0 THEN 'cancelled' ELSE 'paid' END,
       CASE WHEN g.i % 20 = 0 THEN round(g.quantity * g.price / 3, 2) ELSE 0 END
FROM (
  SELECT i,
         now() - make_interval(days => 1) - (random() * interval '365 days') AS sold_at,
         (i % 100) AS host_n,
         1 + (i % 5) AS quantity,
         round((9.9 + random() * 490)::numeric, 2) AS price,
         CASE WHEN i % 20 = 7 THEN 'USD' ELSE 'CNY' END AS currency,
         (i / 7) % 6 AS platform_n
  FROM generate_series($offset + 1, $last) i
) g
JOIN host_idx h ON h.n = g.host_n
JOIN product_idx pr ON pr.n = (g.host_n * 10 + (g.i % 30)) % 1000
JOIN (VALUES (0, 'douyin'), (1, 'douyin'), (2, 'kuaishou'), (3, 'taobao'), (4, 'xiaohongshu'), (5, 'tiktok')) p(n, platform)
  ON p.n = g.platform_n;
SQL
  echo "  $last lines"
done
fi
echo "== building the rollups (the sums the triggers keep)"
psql -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" <<SQL
TRUNCATE sales_rollup_delta, sales_rollup_host, sales_rollup_platform, sales_daily_host, sales_daily_platform, sales_monthly_host;
INSERT INTO sales_rollup_host
SELECT agency_id, date_trunc('hour', sold_at, 'UTC'), influencer_id, platform, currency, count(*), sum(quantity),
       sum(gross), sum(refunded_amount), sum(gross * commission_percent), sum(refunded_amount * commission_percent)
FROM sales WHERE status <> 'cancelled' GROUP BY 1, 2, 3, 4, 5;
INSERT INTO sales_rollup_platform
SELECT agency_id, bucket, platform, currency, sum(orders), sum(units), sum(gross), sum(refunded)
FROM sales_rollup_host GROUP BY 1, 2, 3, 4;
INSERT INTO sales_daily_host
SELECT s.agency_id, (s.sold_at AT TIME ZONE a.time_zone)::date, s.influencer_id, s.currency, count(*), sum(s.quantity),
       sum(s.gross), sum(s.refunded_amount), sum(s.gross * s.commission_percent), sum(s.refunded_amount * s.commission_percent)
FROM sales s JOIN agencies a ON a.id = s.agency_id WHERE s.status <> 'cancelled' GROUP BY 1, 2, 3, 4;
INSERT INTO sales_monthly_host
SELECT agency_id, date_trunc('month', day)::date, influencer_id, currency, sum(orders), sum(units), sum(gross), sum(refunded),
       sum(gross_commission), sum(refunded_commission)
FROM sales_daily_host GROUP BY 1, 2, 3, 4;
INSERT INTO sales_daily_platform
SELECT s.agency_id, (s.sold_at AT TIME ZONE a.time_zone)::date, s.platform, s.currency, count(*), sum(s.quantity),
       sum(s.gross), sum(s.refunded_amount)
FROM sales s JOIN agencies a ON a.id = s.agency_id WHERE s.status <> 'cancelled' GROUP BY 1, 2, 3, 4;
VACUUM ANALYZE;
SQL
end=$(date +%s)
count() { psql -At -d "$DATABASE_URL" -c "SELECT count(*) FROM $1"; }
echo "loaded (or rollups rebuilt) in $((end - start)) s: $(count sales) lines; rollup rows: $(count sales_daily_platform) platform-day, \
$(count sales_daily_host) host-day, $(count sales_rollup_platform) platform-hour, $(count sales_rollup_host) host-hour"

MCN_ADDR="127.0.0.1:$port" MCN__LOG__LEVEL=warn MCN__SERVER__WORKERS=2 target/release/mcn serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -fs -H 'content-type: application/json' \
  -d "{\"email\":\"owner@bench.example.com\",\"password\":\"$password\"}" \
  "http://127.0.0.1:$port/v1/auth/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

today=$(TZ=Asia/Shanghai date +%F)
d30=$(TZ=Asia/Shanghai date -d "$today - 30 days" +%F)
d365=$(TZ=Asia/Shanghai date -d "$today - 365 days" +%F)
month=$(TZ=Asia/Shanghai date -d "$(date +%Y-%m-01) - 1 month" +%Y-%m)
for path in "/v1/reports/gmv?from=$d30&to=$today&group_by=platform" \
            "/v1/reports/gmv?from=$d365&to=$today&group_by=platform" \
            "/v1/reports/settlements?month=$month"; do
  echo "== GET $path (wrk -t2 -c8 -d$duration --latency)"
  curl -fs -o /tmp/mcn_bench_answer.json -H "authorization: Bearer $token" "http://127.0.0.1:$port$path"
  head -c 300 /tmp/mcn_bench_answer.json; echo
  wrk -t2 -c8 -d"$duration" --latency -H "authorization: Bearer $token" "http://127.0.0.1:$port$path" \
    | grep -E 'Requests/sec|Latency  |50%|90%|99%|Non-2xx'
done

echo "== ceiling: the same aggregates over the raw sales table in psql (best of 3)"
for label_sql in \
  "gmv-30d|SELECT platform, currency, count(*), sum(quantity), sum(gross), sum(refunded_amount) FROM sales WHERE agency_id = '$agency' AND status <> 'cancelled' AND sold_at >= (date '$d30')::timestamp AT TIME ZONE 'Asia/Shanghai' AND sold_at < (date '$today')::timestamp AT TIME ZONE 'Asia/Shanghai' GROUP BY 1, 2" \
  "gmv-365d|SELECT platform, currency, count(*), sum(quantity), sum(gross), sum(refunded_amount) FROM sales WHERE agency_id = '$agency' AND status <> 'cancelled' AND sold_at >= (date '$d365')::timestamp AT TIME ZONE 'Asia/Shanghai' AND sold_at < (date '$today')::timestamp AT TIME ZONE 'Asia/Shanghai' GROUP BY 1, 2" \
  "settlement|SELECT influencer_id, currency, (sold_at AT TIME ZONE 'Asia/Shanghai')::date, sum(gross - refunded_amount), sum((gross - refunded_amount) * commission_percent) FROM sales WHERE agency_id = '$agency' AND status <> 'cancelled' AND sold_at >= (date '$month-01')::timestamp AT TIME ZONE 'Asia/Shanghai' AND sold_at < ((date '$month-01') + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai' GROUP BY 1, 2, 3"; do
  label="${label_sql%%|*}"
  sql="${label_sql#*|}"
  best=$(for _ in 1 2 3; do
    psql -At -d "$DATABASE_URL" -c '\timing on' -c "$sql" | grep -E '^Time:' | sed -E 's/Time: ([0-9.]+) ms.*/\1/'
  done | sort -n | head -n 1)
  echo "  $label raw: $best ms"
done
