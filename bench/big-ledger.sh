# The large data set of bench/statements.sh and bench/dashboard.sh: sourced after lib.sh (and
# bench_setup), never run.
#
# bench_big_ledger NAME DOMAIN LINES HOSTS RENEWAL_MONTH
#
# One agency NAME signed up through the API (owner@DOMAIN), with a compliance reviewer
# (reviewer@DOMAIN) and a finance user (finance@DOMAIN) created through the API; HOSTS hosts
# through bench_seed_roster (triggers on: verified identity, an active legal entity, one open
# labour contract at 30 % from 2020, a douyin and a kuaishou account); one host in ten renews its
# contract on the 16th of RENEWAL_MONTH (YYYY-MM) at 25 %, so its statement of that month has
# lines at two shares. 1,000 products. LINES order lines over the twelve months of 2026 in time
# order (Asia/Shanghai), each host selling 20 products on 2 or 3 platforms (half the hosts
# each), 5 % partly refunded with their refund entries, 1 % cancelled, all in CNY. Loaded with
# triggers off (`session_replication_role = replica`) in chunks of 1,000,000 lines, then the
# rollups built in one aggregate pass (the sums the triggers keep) and the compliance marks the
# triggers would have left; then bench_settle.
#
# With BENCH_REUSE=1, a database an earlier run kept (same owner, same number of lines) is used
# as it is (then BENCH_LEDGER_REUSED=1 and the caller resets what its scenario changes), and is
# kept again. Sets BENCH_AGENCY, BENCH_OWNER, BENCH_OWNER_EMAIL, BENCH_FINANCE_EMAIL and
# BENCH_REVIEWER_EMAIL. The server is stopped when it returns.
bench_big_ledger() {
  local name=$1 domain=$2 lines=$3 hosts=$4 month=$5
  BENCH_OWNER_EMAIL="owner@$domain"
  BENCH_FINANCE_EMAIL="finance@$domain"
  BENCH_REVIEWER_EMAIL="reviewer@$domain"
  BENCH_LEDGER_REUSED=0
  if [ "${BENCH_REUSE:-0}" = 1 ]; then
    BENCH_KEEP=1
    if [ -n "$(psql -X -At -d "$BENCH_SERVER_URL" -c "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB'")" ] &&
      [ -n "$(bench_sql "SELECT 1 FROM users WHERE email = '$BENCH_FINANCE_EMAIL'" 2>/dev/null || true)" ]; then
      BENCH_AGENCY=$(bench_sql "SELECT agency_id FROM users WHERE email = '$BENCH_OWNER_EMAIL'")
      local existing
      existing=$(bench_sql "SELECT count(*) FROM sales WHERE agency_id = '$BENCH_AGENCY'")
      if [ "$existing" = "$lines" ]; then
        BENCH_LEDGER_REUSED=1
      else
        echo "  the kept database holds $existing lines, not $lines: loading again"
      fi
    fi
  fi
  if [ "$BENCH_LEDGER_REUSED" = 1 ]; then
    MCN__LOG__LEVEL=warn target/release/mcn migrate >/dev/null
    BENCH_OWNER=$(bench_sql "SELECT id FROM users WHERE email = '$BENCH_OWNER_EMAIL'")
    echo "== reusing $lines lines of agency $BENCH_AGENCY (BENCH_REUSE=1)"
    return 0
  fi

  bench_fresh_database
  bench_server_start
  local started token reviewer renewal load_started chunk first last rollups_started
  started=$(date +%s)
  echo "== the roster: $hosts hosts, 1,000 products (through the API and SQL, triggers on)"
  bench_signup "$name" "$BENCH_OWNER_EMAIL"
  token=$(bench_login "$BENCH_OWNER_EMAIL")
  [ -n "$token" ] || bench_die "login failed"
  bench_create_user "$token" "$BENCH_REVIEWER_EMAIL" compliance
  bench_create_user "$token" "$BENCH_FINANCE_EMAIL" finance
  reviewer=$(bench_sql "SELECT id FROM users WHERE email = '$BENCH_REVIEWER_EMAIL'")
  bench_seed_roster "$BENCH_AGENCY" "$BENCH_OWNER" "$reviewer" "$hosts" 1000
  bench_server_stop
  # One host in ten (Host 10, Host 20, …) renews its contract on the 16th of the month at 25 %.
  renewal=$(date -d "$month-16" +%F)
  bench_psql -v agency="$BENCH_AGENCY" -v renewal="$renewal" <<'SQL'
BEGIN;
CREATE TEMP TABLE renewing ON COMMIT DROP AS
SELECT id FROM influencers WHERE agency_id = :'agency' AND substr(stage_name, 6)::int % 10 = 0;
UPDATE contracts SET valid_until = date :'renewal' - 1
WHERE agency_id = :'agency' AND influencer_id IN (SELECT id FROM renewing);
INSERT INTO contracts (agency_id, id, influencer_id, valid_from, agency_share_percent)
SELECT :'agency', gen_random_uuid(), id, date :'renewal', 25 FROM renewing;
COMMIT;
SQL

  echo "== loading $lines sales lines over 2026 (triggers off, chunks of 1,000,000)"
  load_started=$(date +%s)
  chunk=1000000
  for ((first = 1; first <= lines; first += chunk)); do
    last=$((first + chunk - 1 < lines ? first + chunk - 1 : lines))
    bench_psql -v agency="$BENCH_AGENCY" -v owner="$BENCH_OWNER" -v first="$first" -v last="$last" \
      -v lines="$lines" -v hosts="$hosts" <<'SQL'
SET session_replication_role = replica;
-- Host n is "Host n+1", product n is "SKU-n+1".
CREATE TEMP TABLE host_idx AS
SELECT substr(stage_name, 6)::int - 1 AS n, id FROM influencers WHERE agency_id = :'agency';
CREATE TEMP TABLE product_idx AS
SELECT substr(sku, 5)::int - 1 AS n, id, commission_percent FROM products WHERE agency_id = :'agency';
CREATE UNIQUE INDEX ON host_idx (n);
CREATE UNIQUE INDEX ON product_idx (n);
ANALYZE host_idx;
ANALYZE product_idx;
-- Line i: host i mod H; the host's (i div H)-th sale, m, is of its product m mod 20, on its
-- platform (m div 20) mod (2 or 3); sold in time order over the year (Asia/Shanghai).
WITH g AS (
  SELECT i, i % :hosts AS h, i / :hosts AS m, random() AS u,
         timestamptz '2026-01-01 00:00:00+08' + make_interval(secs => (i - 1 + random()) * 31536000.0 / :lines) AS sold_at,
         1 + floor(random() * 5)::int AS quantity,
         round((9.9 + random() * 490)::numeric, 2) AS price
  FROM generate_series(:first, :last) i
), l AS (
  SELECT g.i, g.sold_at, g.quantity, g.price, h.id AS host_id, p.id AS product_id, p.commission_percent,
         (ARRAY['douyin', 'kuaishou', 'taobao', 'xiaohongshu', 'tiktok', 'wechat_channels'])
           [1 + (g.h + (g.m / 20) % (2 + g.h % 2)) % 6] AS platform,
         CASE WHEN g.u < 0.01 THEN 'cancelled' WHEN g.u < 0.06 THEN 'partially_refunded' ELSE 'paid' END AS status
  FROM g
  JOIN host_idx h ON h.n = g.h
  JOIN product_idx p ON p.n = (g.h * 20 + g.m % 20) % 1000
), s AS (
  INSERT INTO sales (agency_id, id, platform, external_order_id, sold_at, influencer_id, product_id, quantity,
                     unit_price, currency, gross, commission_percent, status, refunded_amount)
  SELECT :'agency', gen_random_uuid(), platform, 'ST-' || i, sold_at, host_id, product_id, quantity, price, 'CNY',
         quantity * price, commission_percent, status,
         CASE WHEN status = 'partially_refunded' THEN round(quantity * price / 3, 2) ELSE 0 END
  FROM l
  RETURNING agency_id, id, status, refunded_amount
)
INSERT INTO refunds (agency_id, id, sale_id, amount, reason, recorded_by)
SELECT agency_id, gen_random_uuid(), id, refunded_amount, 'seeded', :'owner'
FROM s WHERE status = 'partially_refunded';
SQL
    printf '\r  %d of %d lines (%d s)' "$last" "$lines" "$(($(date +%s) - load_started))"
  done
  echo
  echo "== the rollups in one aggregate pass, and the compliance marks of the sellers"
  rollups_started=$(date +%s)
  bench_psql <<'SQL'
BEGIN;
TRUNCATE sales_rollup_delta, sales_rollup_host, sales_rollup_platform, sales_daily_host, sales_daily_platform,
         sales_monthly_host;
INSERT INTO sales_rollup_host
SELECT agency_id, date_trunc('hour', sold_at, 'UTC'), influencer_id, platform, currency, count(*), sum(quantity),
       sum(gross), sum(refunded_amount), sum(gross * commission_percent), sum(refunded_amount * commission_percent)
FROM sales WHERE status <> 'cancelled' GROUP BY 1, 2, 3, 4, 5;
INSERT INTO sales_rollup_platform
SELECT agency_id, bucket, platform, currency, sum(orders), sum(units), sum(gross), sum(refunded)
FROM sales_rollup_host GROUP BY 1, 2, 3, 4;
INSERT INTO sales_daily_host
SELECT s.agency_id, (s.sold_at AT TIME ZONE a.time_zone)::date, s.influencer_id, s.currency, count(*), sum(s.quantity),
       sum(s.gross), sum(s.refunded_amount), sum(s.gross * s.commission_percent),
       sum(s.refunded_amount * s.commission_percent)
FROM sales s JOIN agencies a ON a.id = s.agency_id WHERE s.status <> 'cancelled' GROUP BY 1, 2, 3, 4;
INSERT INTO sales_monthly_host
SELECT agency_id, date_trunc('month', day)::date, influencer_id, currency, sum(orders), sum(units), sum(gross),
       sum(refunded), sum(gross_commission), sum(refunded_commission)
FROM sales_daily_host GROUP BY 1, 2, 3, 4;
INSERT INTO sales_daily_platform
SELECT s.agency_id, (s.sold_at AT TIME ZONE a.time_zone)::date, s.platform, s.currency, count(*), sum(s.quantity),
       sum(s.gross), sum(s.refunded_amount)
FROM sales s JOIN agencies a ON a.id = s.agency_id WHERE s.status <> 'cancelled' GROUP BY 1, 2, 3, 4;
INSERT INTO compliance_dirty (agency_id, influencer_id)
SELECT DISTINCT agency_id, influencer_id FROM sales;
COMMIT;
SQL
  echo "  rollups built in $(($(date +%s) - rollups_started)) s"
  bench_settle
  echo "loaded in $(($(date +%s) - started)) s: $(bench_sql "SELECT count(*) FROM sales") lines," \
    "$(bench_sql "SELECT count(*) FROM refunds") refund entries," \
    "$(bench_sql "SELECT pg_size_pretty(pg_total_relation_size('sales'))") for sales and its indexes"
}
