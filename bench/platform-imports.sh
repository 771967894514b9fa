#!/usr/bin/env bash
# Platform export files through POST /v1/sales/imports against `\copy`: a 100,000-row Douyin 抖店
# order export (CSV, UTF-8 with BOM, the real export's 32 columns) and a 100,000-row Kuaishou
# 快手小店 order export (XLSX, 40 columns, two sheets), each imported into a new agency whose
# hosts have the douyin/kuaishou accounts the rows name and whose products are mapped to the
# rows' platform items. About 10 % of the rows are other creators' (`not_ours`), 1 % unpaid
# (`not_paid`), 2 % closed unpaid (cancelled lines), 3 % refunded (a refund entry each).
# Ceiling, same run: `\copy` of exactly the lines (and refund entries) each import writes,
# resolved into the tables' columns, into another new agency with the same roster, every trigger
# on. The ratio compares lines written per second (inserted lines / import time against copied
# lines / `\copy` time); file rows per second are printed too. Target ≥ 0.50.
# Also: the server's peak memory during the XLSX import (VmRSS sampled every 50 ms, on a freshly
# started server, and VmHWM), and where the time goes: each file again into an agency without
# hosts, where every row is parsed, looked up and counted `not_ours`, and nothing is written.
#
# Usage: bench/platform-imports.sh [rows per file, default 100000]
# Environment: BENCH_PLATFORM_ROWS (the default of the argument), BENCH_KUAISHOU_SHEET_ROWS (rows
# on the XLSX's first sheet, default 60 % of the rows), BENCH_PORT, BENCH_KEEP=1,
# BENCH_NO_BUILD=1 (the server's release build as it is; the example xlsx_from_csv is built when
# missing), BENCH_PERF=1 (`perf record` of the whole machine during each import, and where the
# samples fell: by thread, and the server's hottest functions). The server's import limits
# (imports.max_bytes, max_unpacked_bytes, max_rows, server.raw_body_limit) are raised for the run
# when the files exceed them, and the run says so.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rows="${1:-${BENCH_PLATFORM_ROWS:-100000}}"
sheet_rows="${BENCH_KUAISHOU_SHEET_ROWS:-$((rows * 6 / 10))}"
bench_setup platform_imports 18190
if [ "${BENCH_NO_BUILD:-0}" != 1 ] || [ ! -x target/release/examples/xlsx_from_csv ]; then
  cargo build --release --quiet --example xlsx_from_csv
fi
bench_fresh_database
run="$$$(date +%s)"
XLSX_TYPE=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
clock() { date +%s.%N; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
count() { sed -nE "s/.*\"$1\":([0-9]+).*/\1/p" "$2"; }

# ---------------------------------------------------------------------------------------------
# The rows, once, in a table of their own: both files and both `\copy` loads are made from it.
# Row i of a platform: ours unless i % 10 = 7 (another creator), host 1 + 7i % 100, product
# 1 + 13i % 1000; unpaid when i % 100 = 11, closed unpaid when i % 100 is 21 or 22, refunded
# when 31 to 33, else paid. Times count back from an hour ago (Beijing), 25 s apart; every fifth
# paid time is written as Excel writes it (2026/9/22 21:25, no seconds).
rows_table="bench_platform_rows_$run"
bench_on_exit "psql -X -q -d '$DATABASE_URL' -c 'DROP TABLE IF EXISTS $rows_table'"
echo "== the rows: $rows a platform"
bench_psql -v rows="$rows" <<SQL
CREATE UNLOGGED TABLE $rows_table AS
WITH base AS (
  SELECT date_trunc('minute', now() AT TIME ZONE 'Asia/Shanghai') - interval '1 hour' AS t0),
r AS (
  SELECT p.platform, p.idx, i, i % 10 <> 7 AS ours, 1 + (i * 7) % 100 AS host_n, 1 + (i * 13) % 1000 AS product_n,
         CASE WHEN i % 9 = 0 THEN 2 WHEN i % 31 = 0 THEN 3 ELSE 1 END AS quantity,
         round(9.9 + (i * 37) % 2990 + (i % 10) / 10.0, 2) AS price,
         CASE WHEN i % 100 = 11 THEN 'unpaid' WHEN i % 100 IN (21, 22) THEN 'closed'
              WHEN i % 100 IN (31, 32, 33) THEN 'refunded' ELSE 'paid' END AS kind,
         i % 5 = 0 AS excel_time,
         base.t0 - make_interval(secs => i * 25) AS ordered_local,
         (10 + i % 21)::numeric(5, 2) AS rate
  FROM generate_series(1, :rows) i
  CROSS JOIN (VALUES ('douyin', 1), ('kuaishou', 2)) p(platform, idx)
  CROSS JOIN base)
SELECT r.*,
       round(quantity * price * CASE WHEN i % 4 = 0 THEN 0.95 ELSE 1 END, 2) AS gross,
       CASE WHEN kind IN ('unpaid', 'closed') THEN NULL
            WHEN excel_time THEN date_trunc('minute', ordered_local + make_interval(secs => 20 + i % 280))
            ELSE ordered_local + make_interval(secs => 20 + i % 280) END AS paid_local,
       CASE WHEN ours THEN CASE platform WHEN 'douyin' THEN 'dy-' ELSE 'ks-' END || host_n
            ELSE ((CASE platform WHEN 'douyin' THEN 7100000000 ELSE 3000000000 END) + i)::text END AS creator_id,
       CASE WHEN ours THEN '@host' || host_n ELSE '达人' || (i % 997) END AS creator_name,
       ((CASE platform WHEN 'douyin' THEN 35800000 ELSE 72000000 END) + product_n)::text AS item_id,
       CASE platform WHEN 'douyin' THEN (6920000000000000000 + i * 10 + 1)::text
            ELSE (2600000000000000 + i)::text END AS order_id
FROM r;
SQL

# psql's COPY … TO STDOUT takes the query as written, on several lines.
ts() { echo "to_char($1, 'YYYY-MM-DD HH24:MI:SS')"; }
yuan() { echo "'¥' || to_char($1, 'FM999,999,990.00')"; }
paid_time="CASE WHEN paid_local IS NULL THEN '-' WHEN excel_time THEN to_char(paid_local, 'YYYY/FMMM/FMDD FMHH24:MI') ELSE $(ts paid_local) END"

echo "== the Douyin 抖店 order export (CSV, UTF-8 with BOM, 32 columns)"
douyin_csv="$BENCH_TMP/douyin-orders.csv"
printf '\xEF\xBB\xBF' >"$douyin_csv"
bench_psql -c "COPY (
  SELECT (6920000000000000000 + i * 10)::text || E'\t' AS \"主订单编号\",
         order_id || E'\t' AS \"子订单编号\",
         '商品' || product_n || ' 丝绒雾面口红' AS \"选购商品\",
         '颜色:' || (ARRAY['正红色', '豆沙色', '枫叶红'])[1 + i % 3] || ';规格:3.5g' AS \"商品规格\",
         quantity AS \"商品数量\",
         item_id || E'\t' AS \"商品ID\",
         'MC-' || product_n || '-' || i % 3 AS \"商家编码\",
         $(yuan price) AS \"商品单价\",
         $(yuan gross) AS \"订单应付金额\",
         '0.00' AS \"运费\",
         $(yuan "quantity * price - gross") AS \"优惠总金额\",
         '0.00' AS \"平台优惠\",
         $(yuan "quantity * price - gross") AS \"商家优惠\",
         '0.00' AS \"达人优惠\",
         (ARRAY['抖音支付', '微信', '支付宝'])[1 + i % 3] AS \"支付方式\",
         (ARRAY['张', '王', '李', '赵'])[1 + i % 4] || '**' AS \"收件人\",
         '1' || (30 + i % 60) || '****' || lpad((i % 10000)::text, 4, '0') AS \"收件人手机号\",
         (ARRAY['浙江省', '广东省', '江苏省'])[1 + i % 3] AS \"省\",
         (ARRAY['杭州市', '深圳市', '南京市'])[1 + i % 3] AS \"市\",
         (ARRAY['西湖区', '南山区', '鼓楼区'])[1 + i % 3] AS \"区\",
         '文三路' || (i % 500) || '号 ***' AS \"详细地址\",
         $(ts ordered_local) AS \"订单提交时间\",
         CASE WHEN kind = 'paid' AND i % 4 = 0 AND ordered_local < t_now - interval '3 days'
              THEN $(ts "ordered_local + interval '3 days'") ELSE '-' END AS \"订单完成时间\",
         $paid_time AS \"支付完成时间\",
         (ARRAY['抖音', '抖音极速版', '抖音火山版'])[1 + i % 3] AS \"APP渠道\",
         (ARRAY['直播', '短视频', '商品卡'])[1 + i % 3] AS \"流量来源\",
         CASE kind WHEN 'unpaid' THEN '待支付' WHEN 'paid' THEN (ARRAY['已完成', '已发货', '待发货', '备货中'])[1 + i % 4]
                   ELSE '已关闭' END AS \"订单状态\",
         '普通订单' AS \"订单类型\",
         creator_id AS \"达人ID\",
         creator_name AS \"达人昵称\",
         CASE WHEN kind = 'refunded' THEN '退款成功' WHEN kind = 'paid' AND i % 50 = 7 THEN '售后关闭' ELSE '-' END AS \"售后状态\",
         CASE kind WHEN 'closed' THEN '超时未支付' ELSE '-' END AS \"取消原因\"
  FROM $rows_table CROSS JOIN (SELECT now() AT TIME ZONE 'Asia/Shanghai' AS t_now) t
  WHERE platform = 'douyin' ORDER BY i
) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE *)" >>"$douyin_csv"

echo "== the Kuaishou 快手小店 order export (XLSX, 40 columns, sheets of $sheet_rows and $((rows - sheet_rows)) rows)"
kuaishou_csv="$BENCH_TMP/kuaishou-orders.csv"
kuaishou_xlsx="$BENCH_TMP/kuaishou-orders.xlsx"
bench_psql -c "COPY (
  SELECT order_id AS \"订单号\",
         $(ts ordered_local) AS \"订单创建时间\",
         CASE WHEN paid_local IS NULL THEN '' WHEN excel_time THEN to_char(paid_local, 'YYYY/FMMM/FMDD FMHH24:MI')
              ELSE $(ts paid_local) END AS \"订单支付时间\",
         CASE kind WHEN 'unpaid' THEN '待付款' WHEN 'paid' THEN (ARRAY['交易成功', '已收货', '已发货', '待发货'])[1 + i % 4]
                   ELSE '交易关闭' END AS \"订单状态\",
         '快手好物' || product_n || '号 保温杯' AS \"商品名称\",
         item_id AS \"商品ID\",
         '颜色分类:' || (ARRAY['白色', '黑色', '粉色'])[1 + i % 3] || ';容量:500ml' AS \"商品规格\",
         'KS-' || product_n || '-' || i % 3 AS \"SKU编码\",
         (90000000000 + product_n * 10 + i % 3)::text AS \"SKU ID\",
         $(yuan price) AS \"商品单价\",
         quantity AS \"成交数量\",
         $(yuan gross) AS \"实付款\",
         '¥0.00' AS \"快递费\",
         $(yuan "quantity * price - gross") AS \"店铺优惠\",
         '¥0.00' AS \"平台补贴\",
         '¥0.00' AS \"主播补贴\",
         (ARRAY['微信', '支付宝', '快手支付'])[1 + i % 3] AS \"支付方式\",
         '快手用户' || (i * 17) % 100000 AS \"买家昵称\",
         (ARRAY['张', '王', '李', '赵'])[1 + i % 4] || '**' AS \"收货人\",
         '1' || (30 + i % 60) || '****' || lpad((i % 10000)::text, 4, '0') AS \"收货人电话\",
         (ARRAY['广东省深圳市南山区', '浙江省杭州市西湖区', '江苏省南京市鼓楼区'])[1 + i % 3] || '科技园' || (i % 900) || '号' AS \"收货地址\",
         (ARRAY['广东省', '浙江省', '江苏省'])[1 + i % 3] AS \"省\",
         (ARRAY['深圳市', '杭州市', '南京市'])[1 + i % 3] AS \"市\",
         (ARRAY['南山区', '西湖区', '鼓楼区'])[1 + i % 3] AS \"区\",
         CASE WHEN i % 17 = 0 THEN '请尽快发货' ELSE '' END AS \"买家留言\",
         '' AS \"商家备注\",
         CASE WHEN kind = 'refunded' THEN '退款成功' WHEN kind = 'paid' AND i % 50 = 7 THEN '售后关闭' ELSE '无售后' END AS \"售后状态\",
         CASE WHEN kind = 'paid' THEN (ARRAY['中通快递', '圆通速递', '韵达快递'])[1 + i % 3] ELSE '' END AS \"快递公司\",
         CASE WHEN kind = 'paid' THEN (7531000000000000 + i)::text ELSE '' END AS \"快递单号\",
         CASE WHEN kind = 'paid' AND ordered_local < t_now - interval '1 day'
              THEN $(ts "ordered_local + interval '1 day'") ELSE '' END AS \"发货时间\",
         (ARRAY['直播间', '短视频', '商品卡'])[1 + i % 3] AS \"渠道\",
         creator_id AS \"CPS达人ID\",
         creator_name AS \"CPS达人昵称\",
         $(yuan "round(gross * rate / 100, 2)") AS \"预估推广佣金\",
         to_char(rate, 'FM990.0') || '%' AS \"预估推广者分佣比例\",
         CASE WHEN i % 3 = 0 THEN (5100000 + i % 40)::text ELSE '' END AS \"团长ID\",
         CASE WHEN i % 3 = 0 THEN '团长' || i % 40 ELSE '' END AS \"团长昵称\",
         '' AS \"赠品订单号\",
         CASE WHEN i % 11 = 0 THEN 'HD' || (2600000000000000 + i) ELSE '' END AS \"活动订单编号\",
         '普通订单' AS \"订单类型\"
  FROM $rows_table CROSS JOIN (SELECT now() AT TIME ZONE 'Asia/Shanghai' AS t_now) t
  WHERE platform = 'kuaishou' ORDER BY i
) TO STDOUT WITH (FORMAT csv, HEADER)" >"$kuaishou_csv"
xlsx_summary=$(target/release/examples/xlsx_from_csv "$kuaishou_csv" "$kuaishou_xlsx" \
  --rows-per-sheet "$sheet_rows" --sheet-prefix 订单列表)
echo "  $xlsx_summary"
unpacked=$(sed -nE 's/.*unpacked_bytes=([0-9]+).*/\1/p' <<<"$xlsx_summary")
douyin_bytes=$(stat -c %s "$douyin_csv")
kuaishou_bytes=$(stat -c %s "$kuaishou_xlsx")
echo "  Douyin CSV: $(mb "$douyin_bytes"); Kuaishou XLSX: $(mb "$kuaishou_bytes"), unpacks to $(mb "$unpacked")"

# What each import must come to.
expected() { # PLATFORM → "inserted not_ours not_paid refunds"
  bench_sql "SELECT count(*) FILTER (WHERE ours AND kind <> 'unpaid'), count(*) FILTER (WHERE NOT ours AND kind <> 'unpaid'),
                    count(*) FILTER (WHERE kind = 'unpaid'), count(*) FILTER (WHERE ours AND kind = 'refunded')
             FROM $rows_table WHERE platform = '$1'" | tr '|' ' '
}
read -r douyin_lines douyin_not_ours douyin_not_paid douyin_refunds <<<"$(expected douyin)"
read -r kuaishou_lines kuaishou_not_ours kuaishou_not_paid kuaishou_refunds <<<"$(expected kuaishou)"

# ---------------------------------------------------------------------------------------------
# The server's limits: raised for this run when the files exceed them.
setting() { # ENV_NAME KEY (in [imports] or [server] of config/default.toml)
  local value="${!1:-}"
  [ -n "$value" ] || value=$(sed -nE "s/^$2 = ([0-9]+).*/\1/p" config/default.toml)
  echo "$value"
}
server_env=()
max_bytes=$(setting MCN__IMPORTS__MAX_BYTES max_bytes)
raw_limit=$(setting MCN__SERVER__RAW_BODY_LIMIT raw_body_limit)
max_unpacked=$(setting MCN__IMPORTS__MAX_UNPACKED_BYTES max_unpacked_bytes)
max_rows=$(setting MCN__IMPORTS__MAX_ROWS max_rows)
largest=$((douyin_bytes > kuaishou_bytes ? douyin_bytes : kuaishou_bytes))
mib_above() { echo $((($1 / 1048576 + 8) * 1048576)); }
if [ "$largest" -gt "$max_bytes" ]; then
  server_env+=("MCN__IMPORTS__MAX_BYTES=$(mib_above "$largest")")
fi
if [ "$largest" -gt "$raw_limit" ]; then
  server_env+=("MCN__SERVER__RAW_BODY_LIMIT=$(mib_above "$largest")")
fi
if [ "$unpacked" -gt "$max_unpacked" ]; then
  server_env+=("MCN__IMPORTS__MAX_UNPACKED_BYTES=$(mib_above "$unpacked")")
fi
if [ "$rows" -gt "$max_rows" ]; then
  server_env+=("MCN__IMPORTS__MAX_ROWS=$rows")
fi
if [ ${#server_env[@]} -gt 0 ]; then
  echo "== LIMITS RAISED for this run (imports.max_bytes $max_bytes, server.raw_body_limit $raw_limit,"
  echo "   imports.max_unpacked_bytes $max_unpacked, imports.max_rows $max_rows): ${server_env[*]}"
else
  echo "== the files are within the server's import limits (max_bytes $max_bytes, max_unpacked_bytes $max_unpacked, max_rows $max_rows)"
fi

# ---------------------------------------------------------------------------------------------
# Three new agencies: the API's (roster, items mapped), the ceiling's (the same roster), and one
# without hosts (every row someone else's: the parse-only runs).
bench_server_start "${server_env[@]}"
new_agency() { # NAME [roster]
  local email="owner@$1-$run.bench.example.com" reviewer
  bench_signup "Bench $1 $run" "$email"
  new_token=$(bench_login "$email")
  [ -n "$new_token" ] || bench_die "login as $email failed"
  if [ "${2:-}" = roster ]; then
    bench_create_user "$new_token" "reviewer@$1-$run.bench.example.com" compliance
    reviewer=$(bench_sql "SELECT id FROM users WHERE email = 'reviewer@$1-$run.bench.example.com'")
    bench_seed_roster "$BENCH_AGENCY" "$BENCH_OWNER" "$reviewer" 100 1000
  fi
}
echo "== agencies: 100 hosts with dy-N and ks-N accounts, 1,000 products SKU-N"
new_agency platform-api roster
api_agency=$BENCH_AGENCY
api_owner=$BENCH_OWNER
token=$new_token
new_agency platform-copy roster
copy_agency=$BENCH_AGENCY
copy_owner=$BENCH_OWNER
new_agency platform-parse
parse_token=$new_token
# The API agency's products as the platforms list them: douyin item 35800000 + n and kuaishou
# item 72000000 + n are SKU-n (every SKU of the item), so rows match by item id.
bench_psql <<SQL
INSERT INTO product_platform_items (agency_id, id, product_id, platform, item_id, sku_code, created_by)
SELECT '$api_agency', gen_random_uuid(), p.id, m.platform, (m.base + substr(p.sku, 5)::int)::text, NULL, '$api_owner'
FROM products p CROSS JOIN (VALUES ('douyin', 35800000), ('kuaishou', 72000000)) m(platform, base)
WHERE p.agency_id = '$api_agency';
SQL
bench_settle

# ---------------------------------------------------------------------------------------------
# Ceiling: the same lines, resolved into the sales columns (and the refund entries of refunded
# lines, as the import records them), into the ceiling's agency, every trigger on.
copy_file() { # PLATFORM → sales and refunds files
  local platform=$1 status="CASE kind WHEN 'closed' THEN 'cancelled' WHEN 'refunded' THEN 'refunded' ELSE 'paid' END"
  local rate="p.commission_percent"
  [ "$platform" = kuaishou ] && rate="r.rate"
  local from="FROM $rows_table r
      JOIN platform_accounts a ON a.agency_id = '$copy_agency' AND a.platform = r.platform AND a.platform_user_id = r.creator_id
      JOIN products p ON p.agency_id = '$copy_agency' AND p.sku = 'SKU-' || r.product_n
    WHERE r.platform = '$platform' AND r.ours AND r.kind <> 'unpaid'"
  local sale_id="(lpad(to_hex(r.idx), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(r.i), 12, '0'))::uuid"
  bench_psql -c "COPY (
    SELECT '$copy_agency', $sale_id, r.platform, r.order_id, (coalesce(r.paid_local, r.ordered_local) AT TIME ZONE 'Asia/Shanghai'),
           a.influencer_id, p.id, r.quantity, round(r.gross / r.quantity, 4), 'CNY', r.gross, $rate, $status,
           CASE WHEN r.kind = 'refunded' THEN r.gross ELSE 0 END
    $from ORDER BY r.i) TO STDOUT WITH (FORMAT csv)" >"$BENCH_TMP/copy-$platform-sales.csv"
  bench_psql -c "COPY (
    SELECT '$copy_agency', (lpad(to_hex(r.idx), 8, '0') || '-0000-7000-9000-' || lpad(to_hex(r.i), 12, '0'))::uuid,
           $sale_id, r.gross, 'refunded on the platform before the line was recorded', '$copy_owner'
    $from AND r.kind = 'refunded' ORDER BY r.i) TO STDOUT WITH (FORMAT csv)" >"$BENCH_TMP/copy-$platform-refunds.csv"
}
# The server folds the rollup deltas of what was just written in the background: each
# measurement starts once nothing is left to fold (at most 120 s).
folded() {
  local deadline=$(($(date +%s) + 120))
  while [ "$(bench_sql "SELECT count(*) FROM sales_rollup_delta")" != 0 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "  WARNING: rollup deltas still unfolded; measuring anyway"; return 0; }
    sleep 0.5
  done
}
copy_file douyin
copy_file kuaishou
# CPU time (ticks of 1/CLK_TCK s) of the server, and of PostgreSQL (every postgres process, and
# the backends that exited since: the postmaster's children's time). PostgreSQL serves this
# machine's other databases too: a busy machine adds to its figure.
ticks_per_s=$(getconf CLK_TCK)
server_ticks() { local f; read -r -a f <"/proc/$BENCH_SERVER_PID/stat"; echo $((f[13] + f[14])); }
postgres_ticks() {
  local total=0 pid f
  for pid in $(ps -u postgres -o pid=); do
    read -r -a f <"/proc/$pid/stat" 2>/dev/null || continue
    total=$((total + f[13] + f[14] + f[15] + f[16]))
  done
  echo "$total"
}
cpu_s() { bench_calc "$1 / $ticks_per_s"; }

echo "== ceiling: \\copy into sales (and refunds), every trigger on"
# copy_time PLATFORM: sets <PLATFORM>_copy_s (seconds).
copy_time() {
  local started pg took
  folded
  pg=$(postgres_ticks)
  started=$(clock)
  bench_psql \
    -c "\\copy sales (agency_id, id, platform, external_order_id, sold_at, influencer_id, product_id, quantity, unit_price, currency, gross, commission_percent, status, refunded_amount) FROM '$BENCH_TMP/copy-$1-sales.csv' WITH (FORMAT csv)" \
    -c "\\copy refunds (agency_id, id, sale_id, amount, reason, recorded_by) FROM '$BENCH_TMP/copy-$1-refunds.csv' WITH (FORMAT csv)"
  took=$(bench_calc "$(clock) - $started")
  printf -v "${1}_copy_s" '%s' "$took"
  printf '  %-16s %7.2f s  PostgreSQL CPU %5.2f s\n' "$1" "$took" "$(cpu_s $(($(postgres_ticks) - pg)))"
}
copy_time douyin
copy_time kuaishou
echo "  each: $douyin_lines and $kuaishou_lines lines, $douyin_refunds and $kuaishou_refunds refund entries"
copied=$(bench_sql "SELECT count(*) FROM sales WHERE agency_id = '$copy_agency'")
[ "$copied" = $((douyin_lines + kuaishou_lines)) ] \
  || bench_die "\\copy left $copied lines, not $((douyin_lines + kuaishou_lines))"

# ---------------------------------------------------------------------------------------------
# The imports. VmRSS of the server sampled every 50 ms while each runs.
rss_sampler() { # PID OUT
  local key value _
  while [ -r "/proc/$1/status" ]; do
    while read -r key value _; do
      if [ "$key" = VmRSS: ]; then
        echo "$value"
        break
      fi
    done <"/proc/$1/status"
    sleep 0.05
  done >"$2"
}
proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
errors=0
# import LABEL FILE CONTENT_TYPE TOKEN EXPECTED_INSERTED EXPECTED_NOT_OURS EXPECTED_NOT_PAID [QUERY]
# Sets <LABEL>_s (seconds) and <LABEL>_peak_kb.
import() {
  local label=$1 file=$2 type=$3 auth=$4 inserted=$5 not_ours=$6 not_paid=$7 query=${8:-} took sampler got
  local server pg
  rss_sampler "$BENCH_SERVER_PID" "$BENCH_TMP/rss-$label.txt" &
  sampler=$!
  server=$(server_ticks)
  pg=$(postgres_ticks)
  if [ "${BENCH_PERF:-0}" = 1 ]; then
    perf record -a -F 499 -o "$BENCH_TMP/perf-$label.data" -q >/dev/null 2>&1 &
    perf_pid=$!
  fi
  took=$(curl -sS -o "$BENCH_TMP/answer-$label.json" -w '%{time_total}' -H "Authorization: Bearer $auth" \
    -H "Content-Type: $type" -H 'Expect:' --data-binary "@$file" \
    "$BENCH_BASE/v1/sales/imports?file_name=$(basename "$file")$query") || took=0
  server=$(($(server_ticks) - server))
  pg=$(($(postgres_ticks) - pg))
  if [ "${BENCH_PERF:-0}" = 1 ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    echo "    perf, samples by thread (whole machine):"
    perf report -i "$BENCH_TMP/perf-$label.data" --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -n 12 | sed 's/^/    /'
    echo "    perf, the server's hottest functions:"
    perf report -i "$BENCH_TMP/perf-$label.data" --pid "$BENCH_SERVER_PID" --sort comm,sym --stdio 2>/dev/null \
      | grep -E '^ +[0-9]' | head -n 25 | sed 's/^/    /' || true
  fi
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  printf -v "${label}_s" '%s' "$took"
  printf -v "${label}_peak_kb" '%s' "$(sort -n "$BENCH_TMP/rss-$label.txt" | tail -n 1)"
  got="$(count inserted "$BENCH_TMP/answer-$label.json") $(count not_ours "$BENCH_TMP/answer-$label.json") $(count not_paid "$BENCH_TMP/answer-$label.json") $(count rejected "$BENCH_TMP/answer-$label.json")"
  printf '  %-16s %7.2f s  server CPU %5.2f s, PostgreSQL CPU %5.2f s; inserted/not_ours/not_paid/rejected: %s\n' \
    "$label" "$took" "$(cpu_s "$server")" "$(cpu_s "$pg")" "$got"
  if [ "$got" != "$inserted $not_ours $not_paid 0" ]; then
    echo "  FAILED: $label answered '$got', expected '$inserted $not_ours $not_paid 0': $(head -c 600 "$BENCH_TMP/answer-$label.json")" >&2
    errors=$((errors + 1))
  fi
}

echo "== POST /v1/sales/imports: the Douyin CSV (text/csv)"
folded
import douyin "$douyin_csv" text/csv "$token" "$douyin_lines" "$douyin_not_ours" "$douyin_not_paid"

echo "== POST /v1/sales/imports: the Kuaishou XLSX, on a freshly started server"
bench_server_stop
bench_server_start "${server_env[@]}"
folded
sleep 1
rss_before_kb=$(proc_kb "$BENCH_SERVER_PID" VmRSS)
import kuaishou "$kuaishou_xlsx" "$XLSX_TYPE" "$token" "$kuaishou_lines" "$kuaishou_not_ours" "$kuaishou_not_paid"
hwm_kb=$(proc_kb "$BENCH_SERVER_PID" VmHWM)
rss_after_kb=$(proc_kb "$BENCH_SERVER_PID" VmRSS)
echo "  server VmRSS: $((rss_before_kb / 1024)) MB before, peak $((kuaishou_peak_kb / 1024)) MB (sampled every 50 ms), $((rss_after_kb / 1024)) MB after; VmHWM $((hwm_kb / 1024)) MB"

written=$(bench_sql "SELECT count(*) FROM sales WHERE agency_id = '$api_agency'")
[ "$written" = $((douyin_lines + kuaishou_lines)) ] || {
  echo "  FAILED: the API agency holds $written lines, not $((douyin_lines + kuaishou_lines))" >&2
  errors=$((errors + 1))
}
refunds=$(bench_sql "SELECT count(*) FROM refunds WHERE agency_id = '$api_agency'")
[ "$refunds" = $((douyin_refunds + kuaishou_refunds)) ] || {
  echo "  FAILED: the API agency holds $refunds refund entries, not $((douyin_refunds + kuaishou_refunds))" >&2
  errors=$((errors + 1))
}

echo "== where the time goes: the same files into an agency without hosts (parsed, looked up, nothing written)"
folded
import douyin_parse "$douyin_csv" text/csv "$parse_token" 0 $((rows - douyin_not_paid)) "$douyin_not_paid"
import kuaishou_parse "$kuaishou_xlsx" "$XLSX_TYPE" "$parse_token" 0 $((rows - kuaishou_not_paid)) "$kuaishou_not_paid"
bench_server_stop

# ---------------------------------------------------------------------------------------------
report() { # LABEL NAME SIZE_TEXT LINES COPY_S
  local label=$1 name=$2 size=$3 lines=$4 copy_s=$5 took file_rate line_rate copy_rate ratio
  took=$(bench_get "$label" s)
  awk -v t="$took" 'BEGIN { exit !(t > 0) }' || took=0.001
  file_rate=$(bench_calc "$rows / $took")
  line_rate=$(bench_calc "$lines / $took")
  copy_rate=$(bench_calc "$lines / $copy_s")
  ratio=$(bench_calc "$line_rate / $copy_rate")
  printf '  %-14s file rows/s %8.0f   inserted lines/s %8.0f   \\copy lines/s %8.0f   ratio (lines/s) %s\n' \
    "$name" "$file_rate" "$line_rate" "$copy_rate" "$ratio"
  bench_result "platform imports: $name, $rows rows ($size), new agency" \
    "$(printf '%d lines in %.1f s: %.0f lines/s (%.0f file rows/s)' "$lines" "$took" "$line_rate" "$file_rate")" \
    "$(printf '\\copy: %.0f lines/s (%.1f s)' "$copy_rate" "$copy_s")" "$ratio" "≥ 0.50" \
    "$(bench_verdict "$ratio >= 0.50" "$errors")"
}
echo
echo "== figures (the ratio compares lines written per second: inserted lines / import time, against copied lines / \\copy time)"
report douyin "Douyin CSV" "$(mb "$douyin_bytes")" "$douyin_lines" "$douyin_copy_s"
report kuaishou "Kuaishou XLSX" "$(mb "$kuaishou_bytes"), 2 sheets" "$kuaishou_lines" "$kuaishou_copy_s"
growth_kb=$((kuaishou_peak_kb - rss_before_kb))
share=$(bench_calc "$growth_kb * 1024 * 100 / $unpacked")
bench_result "platform imports: server memory during the Kuaishou XLSX import (unpacks to $(mb "$unpacked")), fresh server" \
  "$(printf 'peak VmRSS %d MB (%d MB before, +%d MB); VmHWM %d MB' $((kuaishou_peak_kb / 1024)) $((rss_before_kb / 1024)) $((growth_kb / 1024)) $((hwm_kb / 1024)))" \
  "—" "+${share} % of unpacked" "streamed: growth ≤ 10 % of unpacked" "$(bench_verdict "$share <= 10" "$errors")"
for pair in "douyin Douyin CSV" "kuaishou Kuaishou XLSX"; do
  read -r label name <<<"$pair"
  parse_s=$(bench_get "${label}_parse" s)
  full_s=$(bench_get "$label" s)
  bench_result "platform imports: $name into an agency without hosts (every row read, looked up, counted not_ours; nothing written)" \
    "$(printf '%.1f s: %.0f file rows/s' "$parse_s" "$(bench_calc "$rows / $parse_s")")" \
    "$(printf 'the import: %.1f s' "$full_s")" "$(bench_calc "$parse_s / $full_s")" "—" "reference"
done
[ "$errors" = 0 ] || echo "  $errors check(s) failed: see above"
bench_table
[ "$errors" = 0 ]
