//! Reports: GMV sums against hand-computed fixtures (refunds, currencies, local days in
//! Shanghai and New York), settlements that add up, CSV, the chart, other agencies, and the
//! rollups staying equal to the ledger.

use actix_web::http::Method;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::sales::{Shop, shop};

async fn sale(
    shop: &Shop,
    order: &str,
    platform: &str,
    at: &str,
    quantity: i64,
    price: &str,
    currency: &str,
) -> Value {
    let body = json!({
        "platform": platform, "external_order_id": order, "sold_at": at, "influencer_id": shop.host,
        "product_id": shop.product, "quantity": quantity, "unit_price": price, "currency": currency
    });
    let answer = shop
        .app
        .call(Method::POST, "/v1/sales", Some(&shop.owner), Some(body))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()
}

pub async fn refund(shop: &Shop, sale: &Value, amount: &str) {
    let path = format!("/v1/sales/{}/refunds", sale["id"].as_str().unwrap());
    let answer = shop
        .app
        .call(
            Method::POST,
            &path,
            Some(&shop.owner),
            Some(json!({ "amount": amount })),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
}

async fn get(app: &TestApp, session: &Session, path: &str) -> Value {
    let answer = app.call(Method::GET, path, Some(session), None).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text());
    answer.json()
}

fn compact(rows: &Value, keys: &[&str]) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            keys.iter()
                .map(|k| match &row[*k] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

async fn fixture(name: &str) -> Shop {
    let shop = shop(name).await;
    sale(
        &shop,
        "S1",
        "douyin",
        "2026-11-20T23:59:00+08:00",
        2,
        "50.00",
        "CNY",
    )
    .await;
    let s2 = sale(
        &shop,
        "S2",
        "douyin",
        "2026-11-21T00:00:00+08:00",
        1,
        "10.00",
        "CNY",
    )
    .await;
    refund(&shop, &s2, "4.00").await;
    sale(
        &shop,
        "S3",
        "kuaishou",
        "2026-11-20T12:00:00+08:00",
        3,
        "33.33",
        "CNY",
    )
    .await;
    sale(
        &shop,
        "S4",
        "douyin",
        "2026-11-20T10:00:00+08:00",
        1,
        "5.00",
        "USD",
    )
    .await;
    // A cancelled line counts nothing.
    let cancelled = json!({
        "platform": "douyin", "external_order_id": "S5", "sold_at": "2026-11-20T10:00:00+08:00", "influencer_id": shop.host,
        "product_id": shop.product, "quantity": 1, "unit_price": "1000.00", "status": "cancelled"
    });
    assert_eq!(
        shop.app
            .call(
                Method::POST,
                "/v1/sales",
                Some(&shop.owner),
                Some(cancelled)
            )
            .await
            .status,
        201
    );
    shop
}

const FIGURES: [&str; 8] = [
    "platform", "day", "currency", "orders", "units", "gross", "refunded", "net",
];

#[actix_web::test]
async fn gmv_by_platform_and_local_day_is_exact_and_never_mixes_currencies() {
    let shop = fixture("Gmv Co").await;
    let report = get(
        &shop.app,
        &shop.owner,
        "/v1/reports/gmv?from=2026-11-20&to=2026-11-22&group_by=platform,day",
    )
    .await;
    assert_eq!(report["tz"], "Asia/Shanghai");
    assert_eq!(
        compact(&report["rows"], &FIGURES),
        vec![
            "douyin 2026-11-20 CNY 1 2 100.00 0.00 100.00",
            "douyin 2026-11-20 USD 1 1 5.00 0.00 5.00",
            "douyin 2026-11-21 CNY 1 1 10.00 4.00 6.00",
            "kuaishou 2026-11-20 CNY 1 3 99.99 0.00 99.99",
        ]
    );
    // In UTC, 23:59 and 00:00 Shanghai time fall on the same day.
    let utc = get(
        &shop.app,
        &shop.owner,
        "/v1/reports/gmv?from=2026-11-20&to=2026-11-22&group_by=platform,day&tz=UTC",
    )
    .await;
    assert_eq!(
        compact(&utc["rows"], &FIGURES),
        vec![
            "douyin 2026-11-20 CNY 2 3 110.00 4.00 106.00",
            "douyin 2026-11-20 USD 1 1 5.00 0.00 5.00",
            "kuaishou 2026-11-20 CNY 1 3 99.99 0.00 99.99",
        ]
    );
    // No grouping: one row per currency.
    let totals = get(
        &shop.app,
        &shop.owner,
        "/v1/reports/gmv?from=2026-11-01&to=2026-12-01",
    )
    .await;
    assert_eq!(
        compact(
            &totals["rows"],
            &["currency", "orders", "gross", "refunded", "net"]
        ),
        vec!["CNY 3 209.99 4.00 205.99", "USD 1 5.00 0.00 5.00"]
    );
    // The ledger path (by product and city tier) agrees with the rollups.
    let by_product = get(
        &shop.app,
        &shop.owner,
        "/v1/reports/gmv?from=2026-11-01&to=2026-12-01&group_by=product,city_tier",
    )
    .await;
    assert_eq!(
        compact(
            &by_product["rows"],
            &["product_id", "city_tier", "currency", "net"]
        ),
        vec![
            format!("{} null CNY 205.99", shop.product),
            format!("{} null USD 5.00", shop.product)
        ]
    );
    let by_host = get(&shop.app, &shop.owner, &format!("/v1/reports/gmv?from=2026-11-01&to=2026-12-01&group_by=influencer,month&influencer_id={}", shop.host)).await;
    assert_eq!(
        compact(
            &by_host["rows"],
            &["influencer_id", "month", "currency", "net"]
        ),
        vec![
            format!("{} 2026-11 CNY 205.99", shop.host),
            format!("{} 2026-11 USD 5.00", shop.host)
        ]
    );
    let week = get(
        &shop.app,
        &shop.owner,
        "/v1/reports/gmv?from=2026-11-16&to=2026-11-30&group_by=week&platform=kuaishou",
    )
    .await;
    assert_eq!(
        compact(&week["rows"], &["week", "net"]),
        vec!["2026-11-16 99.99"],
        "weeks start on Monday"
    );
}

#[actix_web::test]
async fn local_days_follow_daylight_saving_time() {
    let shop = shop("Dst Co").await;
    // New York leaves daylight saving time on 2026-11-01 at 06:00 UTC.
    sale(
        &shop,
        "N1",
        "tiktok",
        "2026-10-31T03:59:00Z",
        1,
        "1.00",
        "USD",
    )
    .await; // 23:59 EDT Oct 30
    sale(
        &shop,
        "N2",
        "tiktok",
        "2026-11-01T05:30:00Z",
        1,
        "2.00",
        "USD",
    )
    .await; // 01:30 EDT Nov 1
    sale(
        &shop,
        "N3",
        "tiktok",
        "2026-11-02T04:30:00Z",
        1,
        "4.00",
        "USD",
    )
    .await; // 23:30 EST Nov 1
    sale(
        &shop,
        "N4",
        "tiktok",
        "2026-11-02T05:00:00Z",
        1,
        "8.00",
        "USD",
    )
    .await; // 00:00 EST Nov 2
    let ny = get(
        &shop.app,
        &shop.owner,
        "/v1/reports/gmv?from=2026-10-30&to=2026-11-03&group_by=day&tz=America/New_York",
    )
    .await;
    assert_eq!(
        compact(&ny["rows"], &["day", "net"]),
        vec!["2026-10-30 1.00", "2026-11-01 6.00", "2026-11-02 8.00"]
    );
    let utc = get(
        &shop.app,
        &shop.owner,
        "/v1/reports/gmv?from=2026-10-30&to=2026-11-03&group_by=day&tz=UTC",
    )
    .await;
    assert_eq!(
        compact(&utc["rows"], &["day", "net"]),
        vec!["2026-10-31 1.00", "2026-11-01 2.00", "2026-11-02 12.00"]
    );
    // A half-hour zone reads the ledger and still lands on its own days.
    let india = get(
        &shop.app,
        &shop.owner,
        "/v1/reports/gmv?from=2026-11-01&to=2026-11-03&group_by=day&tz=Asia/Kolkata",
    )
    .await;
    assert_eq!(
        compact(&india["rows"], &["day", "net"]),
        vec!["2026-11-01 2.00", "2026-11-02 12.00"]
    );
}

#[actix_web::test]
async fn bad_report_parameters_are_422() {
    let shop = shop("Params Co").await;
    for (query, field) in [
        ("from=2026-11-10&to=2026-11-01", "to"),
        ("from=2026-11-01&to=2026-11-10&group_by=colour", "group_by"),
        ("from=2026-11-01&to=2026-11-10&tz=Mars/Olympus", "tz"),
        ("from=yesterday&to=2026-11-10", "from"),
        ("to=2026-11-10", "from"),
    ] {
        let answer = shop
            .app
            .call(
                Method::GET,
                &format!("/v1/reports/gmv?{query}"),
                Some(&shop.owner),
                None,
            )
            .await;
        let problem = answer.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }
    shop.app
        .call(
            Method::GET,
            "/v1/reports/settlements?month=2026-13",
            Some(&shop.owner),
            None,
        )
        .await
        .problem(422, "validation_failed");
    shop.app
        .call(
            Method::GET,
            "/v1/reports/settlements",
            Some(&shop.owner),
            None,
        )
        .await
        .problem(422, "validation_failed");
    shop.app
        .call(
            Method::GET,
            "/v1/reports/gmv.svg?from=2026-11-01&to=2026-11-10&group_by=platform",
            Some(&shop.owner),
            None,
        )
        .await
        .problem(422, "validation_failed");
}

#[actix_web::test]
async fn settlements_split_commission_by_the_contract_of_each_day_and_add_up() {
    let shop = shop("Settle Co").await;
    let owner = &shop.owner;
    let app = &shop.app;
    for (from, until, share) in [
        ("2026-10-01", Some("2026-10-15"), "30"),
        ("2026-10-16", None, "40"),
    ] {
        let answer = app
            .call(Method::POST, &format!("/v1/influencers/{}/contracts", shop.host), Some(owner), Some(json!({ "valid_from": from, "valid_until": until, "agency_share_percent": share })))
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
    }
    // LIP-1 pays 20 %: 100.00 on Oct 10 (30 % contract) and 33.33 on Oct 20 (40 %).
    sale(
        &shop,
        "T1",
        "douyin",
        "2026-10-10T12:00:00+08:00",
        1,
        "100.00",
        "CNY",
    )
    .await;
    sale(
        &shop,
        "T2",
        "douyin",
        "2026-10-20T12:00:00+08:00",
        1,
        "33.33",
        "CNY",
    )
    .await;
    // Outside the month (Shanghai time), so not in October's settlement.
    sale(
        &shop,
        "T3",
        "douyin",
        "2026-11-01T00:30:00+08:00",
        1,
        "999.00",
        "CNY",
    )
    .await;
    let report = get(app, owner, "/v1/reports/settlements?month=2026-10").await;
    let row = &report["rows"][0];
    assert_eq!(row["net_gmv"], "133.33");
    // 20.00 + 6.666 = 26.666 → 26.67; agency 6.00 + 2.6664 = 8.6664 → 8.67; host 18.00.
    assert_eq!(
        (
            row["commission"].as_str(),
            row["agency_share"].as_str(),
            row["host_share"].as_str()
        ),
        (Some("26.67"), Some("8.67"), Some("18.00"))
    );
    assert_eq!(row["contract_missing"], false);
    assert_eq!(row["stage_name"], "Seller");

    // Half to even, once per row: 12.5 % of 1.00 is 0.125 → 0.12; half of it 0.0625 → 0.06.
    let half = app
        .call(Method::POST, "/v1/products", Some(owner), Some(json!({ "sku": "HALF", "name": "Half", "list_price": "1.00", "commission_percent": "12.5" })))
        .await
        .json();
    let other_host = crate::roster::create_influencer(app, owner, "human", "Other").await;
    app.call(
        Method::POST,
        &format!("/v1/influencers/{other_host}/contracts"),
        Some(owner),
        Some(json!({ "valid_from": "2026-10-01", "agency_share_percent": "50" })),
    )
    .await;
    let body = json!({ "platform": "jd", "external_order_id": "H1", "sold_at": "2026-10-05T12:00:00+08:00", "influencer_id": other_host, "product_id": half["id"], "quantity": 1, "unit_price": "1.00" });
    assert_eq!(
        app.call(Method::POST, "/v1/sales", Some(owner), Some(body))
            .await
            .status,
        201
    );
    // A host without any contract is flagged, not given an invented share.
    let lonely = crate::roster::create_influencer(app, owner, "human", "Lonely").await;
    let body = json!({ "platform": "jd", "external_order_id": "L1", "sold_at": "2026-10-05T12:00:00+08:00", "influencer_id": lonely, "product_id": shop.product, "quantity": 1, "unit_price": "10.00" });
    assert_eq!(
        app.call(Method::POST, "/v1/sales", Some(owner), Some(body))
            .await
            .status,
        201
    );

    let report = get(app, owner, "/v1/reports/settlements?month=2026-10").await;
    let rows = report["rows"].as_array().unwrap();
    let find = |id: Uuid| {
        rows.iter()
            .find(|r| r["influencer_id"] == id.to_string())
            .unwrap()
            .clone()
    };
    let half_row = find(other_host);
    assert_eq!(
        (
            half_row["commission"].as_str(),
            half_row["agency_share"].as_str(),
            half_row["host_share"].as_str()
        ),
        (Some("0.12"), Some("0.06"), Some("0.06"))
    );
    let lonely_row = find(lonely);
    assert_eq!(lonely_row["contract_missing"], true);
    assert_eq!(lonely_row["commission"], "2.00");
    assert_eq!(lonely_row["agency_share"], Value::Null);
    for row in rows.iter().filter(|r| r["contract_missing"] == false) {
        let parse = |k: &str| {
            row[k]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        };
        assert_eq!(
            parse("agency_share") + parse("host_share"),
            parse("commission"),
            "{row}"
        );
    }
}

#[actix_web::test]
async fn reports_download_as_csv_with_formula_cells_defused() {
    let shop = fixture("Csv Co").await;
    shop.app
        .call(
            Method::PATCH,
            &format!("/v1/influencers/{}", shop.host),
            Some(&shop.owner),
            Some(json!({ "stage_name": "=HYPERLINK(\"http://x\")" })),
        )
        .await;
    let csv = TestResponse::read(
        shop.app
            .request(
                Method::GET,
                "/v1/reports/gmv?from=2026-11-20&to=2026-11-22&group_by=platform,day",
            )
            .bearer_auth(&shop.owner.access_token)
            .insert_header(("accept", "text/csv"))
            .send()
            .await,
    )
    .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"gmv-2026-11-20-2026-11-22.csv\"")
    );
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "platform,day,currency,orders,units,gross,refunded,net"
    );
    assert_eq!(lines[1], "douyin,2026-11-20,CNY,1,2,100.00,0.00,100.00");
    assert_eq!(lines.len(), 5);

    let settlements = TestResponse::read(
        shop.app
            .request(Method::GET, "/v1/reports/settlements?month=2026-11")
            .bearer_auth(&shop.owner.access_token)
            .insert_header(("accept", "text/csv"))
            .send()
            .await,
    )
    .await;
    let text = settlements.text();
    assert!(text.starts_with("influencer_id,stage_name,currency,net_gmv,commission,agency_share,host_share,contract_missing\n"), "{text}");
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\",CNY,"),
        "formula escaped: {text}"
    );
}

#[actix_web::test]
async fn the_chart_is_well_formed_svg() {
    let shop = fixture("Chart Co").await;
    let answer = shop
        .app
        .call(
            Method::GET,
            "/v1/reports/gmv.svg?from=2026-11-19&to=2026-11-23&group_by=platform,day",
            Some(&shop.owner),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("image/svg+xml"));
    let svg = answer.text();
    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    assert_eq!(
        document
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count(),
        2,
        "douyin and kuaishou"
    );
    assert!(svg.contains(">douyin<") && svg.contains("CNY"));
    let by_host = shop
        .app
        .call(
            Method::GET,
            "/v1/reports/gmv.svg?from=2026-11-19&to=2026-11-23&group_by=influencer,week",
            Some(&shop.owner),
            None,
        )
        .await;
    assert!(by_host.text().contains(">Seller<"), "hosts are named");
    roxmltree::Document::parse(&by_host.text()).expect("well-formed XML");
}

#[actix_web::test]
async fn another_agencys_sales_never_appear_in_reports() {
    let shop = fixture("Mine Reports").await;
    let other = shop.app.signup_agency("Theirs Reports").await;
    let gmv = get(
        &shop.app,
        &other,
        "/v1/reports/gmv?from=2026-11-01&to=2026-12-01&group_by=platform",
    )
    .await;
    assert!(gmv["rows"].as_array().unwrap().is_empty());
    let settlements = get(&shop.app, &other, "/v1/reports/settlements?month=2026-11").await;
    assert!(settlements["rows"].as_array().unwrap().is_empty());
    let analyst = shop.app.login_as(&shop.owner, "analyst").await;
    assert_eq!(
        get(
            &shop.app,
            &analyst,
            "/v1/reports/gmv?from=2026-11-01&to=2026-12-01"
        )
        .await["rows"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "every role reads reports"
    );
}

#[actix_web::test]
async fn rollups_equal_the_ledger_after_inserts_refunds_cancellations_and_imports() {
    let shop = shop("Rollup Co").await;
    let platforms = ["douyin", "kuaishou", "taobao", "tiktok"];
    let currencies = ["CNY", "CNY", "USD", "JPY"];
    let mut seed: u64 = 0x5eed_1234;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut sales = Vec::new();
    for i in 0..40 {
        let currency = currencies[next(4) as usize];
        let price = if currency == "JPY" {
            format!("{}", 100 + next(900))
        } else {
            format!("{}.{:02}", 1 + next(300), next(100))
        };
        let at = format!(
            "2026-10-{:02}T{:02}:{:02}:00+08:00",
            1 + next(28),
            next(24),
            next(60)
        );
        sales.push(
            sale(
                &shop,
                &format!("R{i}"),
                platforms[next(4) as usize],
                &at,
                1 + next(5) as i64,
                &price,
                currency,
            )
            .await,
        );
    }
    for sale in sales.iter().take(15) {
        let gross: rust_decimal::Decimal = sale["gross"].as_str().unwrap().parse().unwrap();
        let part = (gross / rust_decimal::Decimal::from(3))
            .round_dp(if sale["currency"] == "JPY" { 0 } else { 2 });
        if part > rust_decimal::Decimal::ZERO {
            refund(&shop, sale, &part.to_string()).await;
        }
    }
    // Cancel some lines and add new ones through an import.
    let mut file = String::from(
        "platform,external_order_id,sold_at,influencer_id,product_id,quantity,unit_price,currency,status\n",
    );
    for sale in sales.iter().skip(20).take(5) {
        file.push_str(&format!(
            "{},{},{},{},{},{},{},{},cancelled\n",
            sale["platform"].as_str().unwrap(),
            sale["external_order_id"].as_str().unwrap(),
            sale["sold_at"].as_str().unwrap(),
            shop.host,
            shop.product,
            sale["quantity"],
            sale["unit_price"].as_str().unwrap(),
            sale["currency"].as_str().unwrap()
        ));
    }
    for i in 0..10 {
        file.push_str(&format!(
            "douyin,IMP{i},2026-10-{:02}T10:00:00Z,{},{},2,12.34,CNY,paid\n",
            1 + i,
            shop.host,
            shop.product
        ));
    }
    let imported = shop.import("", "text/csv", file).await;
    assert_eq!(imported.status, 201, "{}", imported.text());
    assert_eq!(
        (
            imported.json()["updated"].as_i64(),
            imported.json()["inserted"].as_i64()
        ),
        (Some(5), Some(10))
    );

    let mut conn = shop.app.state.conn().await.unwrap();
    // Nothing folded yet: rollups plus deltas are exact.
    assert_eq!(
        rollup_mismatches(&mut conn, "_live", shop.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
    // Folded: the rollups alone are, and nothing is left pending.
    assert!(mcn::reports::fold::fold_all(&mut conn).await.unwrap() > 0);
    assert_eq!(
        rollup_mismatches(&mut conn, "", shop.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
    assert_eq!(
        rollup_mismatches(&mut conn, "_live", shop.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
    assert_eq!(pending_deltas(&mut conn, shop.owner.agency_id).await, 0);
    let lines: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM sales WHERE status = 'cancelled' AND agency_id = '{}'",
        shop.owner.agency_id
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(lines.n, 5);
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
pub struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// Deltas not folded yet.
pub async fn pending_deltas(conn: &mut diesel_async::AsyncPgConnection, agency: uuid::Uuid) -> i64 {
    let count: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM sales_rollup_delta WHERE agency_id = '{agency}'"
    ))
    .get_result(conn)
    .await
    .unwrap();
    count.n
}

/// Each rollup (`suffix` ""), or each rollup plus its unfolded deltas (`suffix` "_live", what
/// the reports read), compared with the ledger: the rollups whose groups differ, with the number
/// of differing groups, for one agency. Each comparison is one statement, so one snapshot (on
/// a Citus cluster, a snapshot of the agency's node: one agency is what one statement sees
/// consistently there).
pub async fn rollup_mismatches(
    conn: &mut diesel_async::AsyncPgConnection,
    suffix: &str,
    agency: uuid::Uuid,
) -> Vec<(String, i64)> {
    let day = "(s.sold_at AT TIME ZONE a.time_zone)::date";
    let month = "date_trunc('month', s.sold_at AT TIME ZONE a.time_zone)::date";
    let hour = "date_trunc('hour', s.sold_at, 'UTC')";
    let plain = "count(*), sum(s.quantity), sum(s.gross), sum(s.refunded_amount)";
    let with_commission = "count(*), sum(s.quantity), sum(s.gross), sum(s.refunded_amount), \
        sum(s.gross * s.commission_percent), sum(s.refunded_amount * s.commission_percent)";
    let sums = "sum(orders), sum(units), sum(gross), sum(refunded)";
    let sums_commission = "sum(orders), sum(units), sum(gross), sum(refunded), \
        sum(gross_commission), sum(refunded_commission)";
    // (rollup, its key columns, the ledger's key expressions, the ledger's sums, the rollup's sums)
    let rollups = [
        (
            "sales_rollup_platform",
            "bucket, platform, currency",
            format!("{hour}, s.platform, s.currency"),
            plain,
            sums,
        ),
        (
            "sales_rollup_host",
            "bucket, influencer_id, platform, currency",
            format!("{hour}, s.influencer_id, s.platform, s.currency"),
            with_commission,
            sums_commission,
        ),
        (
            "sales_daily_platform",
            "day, platform, currency",
            format!("{day}, s.platform, s.currency"),
            plain,
            sums,
        ),
        (
            "sales_daily_host",
            "day, influencer_id, currency",
            format!("{day}, s.influencer_id, s.currency"),
            with_commission,
            sums_commission,
        ),
        (
            "sales_monthly_host",
            "month, influencer_id, currency",
            format!("{month}, s.influencer_id, s.currency"),
            with_commission,
            sums_commission,
        ),
    ];
    let mut mismatches = Vec::new();
    for (table, keys, ledger_keys, ledger_sums, rollup_sums) in rollups {
        let sql = format!(
            "WITH raw AS (SELECT s.agency_id, {ledger_keys}, {ledger_sums} FROM sales s JOIN agencies a ON a.id = s.agency_id \
                          WHERE s.status <> 'cancelled' AND s.agency_id = '{agency}' GROUP BY 1, {ledger_keys}), \
                  roll AS (SELECT agency_id, {keys}, {rollup_sums} FROM {table}{suffix} WHERE agency_id = '{agency}' \
                           GROUP BY agency_id, {keys} \
                           HAVING sum(orders) <> 0 OR sum(gross) <> 0) \
             SELECT count(*) AS n FROM ((TABLE raw EXCEPT TABLE roll) UNION ALL (TABLE roll EXCEPT TABLE raw)) d"
        );
        let differing: Count = diesel::sql_query(&sql).get_result(conn).await.unwrap();
        if differing.n != 0 {
            mismatches.push((format!("{table}{suffix}"), differing.n));
        }
    }
    mismatches
}

/// An agency west of UTC reads its own days, weeks and months from the daily rollups: the
/// rollups hold its local dates, which must not be shifted again as if they were instants.
#[actix_web::test]
async fn an_agency_west_of_utc_gets_its_own_days_from_the_daily_rollups() {
    let app = TestApp::spawn().await;
    let email = format!("owner-{}@west.example.com", uuid::Uuid::now_v7().simple());
    let signup = app
        .send_json(
            Method::POST,
            "/v1/auth/signup",
            &json!({ "agency_name": "West Co", "email": email, "password": crate::helpers::PASSWORD, "time_zone": "America/New_York" }),
        )
        .await;
    assert_eq!(signup.status, 201, "{}", signup.text());
    let owner = app.session_for(&email).await;
    let host = crate::roster::create_influencer(&app, &owner, "human", "West Host").await;
    let product = crate::products::create_product(&app, &owner, "WEST-1", None).await;
    for (order, at, price) in [
        ("W1", "2026-11-02T04:30:00Z", "4.00"), // 23:30 EST, Sunday Nov 1
        ("W2", "2026-11-02T05:00:00Z", "8.00"), // 00:00 EST, Monday Nov 2
        ("W3", "2026-11-01T03:00:00Z", "16.00"), // 23:00 EDT, Saturday Oct 31
    ] {
        let posted = app
            .call(
                Method::POST,
                "/v1/sales",
                Some(&owner),
                Some(json!({
                    "platform": "tiktok", "external_order_id": order, "sold_at": at,
                    "influencer_id": host, "product_id": product, "quantity": 1,
                    "unit_price": price, "currency": "USD"
                })),
            )
            .await;
        assert_eq!(posted.status, 201, "{}", posted.text());
    }
    let days = get(
        &app,
        &owner,
        "/v1/reports/gmv?from=2026-10-31&to=2026-11-03&group_by=day",
    )
    .await;
    assert_eq!(
        compact(&days["rows"], &["day", "net"]),
        vec!["2026-10-31 16.00", "2026-11-01 4.00", "2026-11-02 8.00"]
    );
    let weeks = get(
        &app,
        &owner,
        "/v1/reports/gmv?from=2026-10-31&to=2026-11-03&group_by=platform,week",
    )
    .await;
    assert_eq!(
        compact(&weeks["rows"], &["week", "net"]),
        vec!["2026-10-26 20.00", "2026-11-02 8.00"]
    );
    let months = get(
        &app,
        &owner,
        "/v1/reports/gmv?from=2026-10-31&to=2026-11-03&group_by=month",
    )
    .await;
    assert_eq!(
        compact(&months["rows"], &["month", "net"]),
        vec!["2026-10 16.00", "2026-11 12.00"]
    );
}
