//! The dashboard: every figure against data made in the test and against the routes it
//! summarises (live sessions, compliance issues, GMV report, statements), other agencies never
//! counted, an empty agency answering zeros, and every role reading it.

use std::collections::BTreeMap;

use actix_web::http::Method;
use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp};
use crate::products::{create_product, record_test};
use crate::roster::create_influencer;
use crate::sessions::ready_host;

async fn get(app: &TestApp, session: &Session, path: &str) -> Value {
    let answer = app.call(Method::GET, path, Some(session), None).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text());
    answer.json()
}

async fn post(app: &TestApp, session: &Session, path: &str, body: Option<Value>) -> Value {
    let answer = app.call(Method::POST, path, Some(session), body).await;
    assert!(answer.status.is_success(), "{path}: {}", answer.text());
    answer.json()
}

fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339()
}

/// Schedules a session from `start` for `minutes`; answers its id.
async fn schedule(
    app: &TestApp,
    owner: &Session,
    (host, account): (Uuid, Uuid),
    start: Duration,
    minutes: i64,
    lineup: &[Uuid],
) -> String {
    let body = json!({
        "influencer_id": host, "platform_account_id": account, "title": "Dash show",
        "scheduled_start": at(start), "scheduled_end": at(start + Duration::minutes(minutes)),
        "language": "zh-CN",
        "lineup": lineup.iter().map(|id| json!({ "product_id": id })).collect::<Vec<_>>(),
    });
    let created = post(app, owner, "/v1/live-sessions", Some(body)).await;
    created["id"].as_str().unwrap().to_owned()
}

/// A sale of `quantity` × `price` in `currency` by `host`, `ago` before now.
#[allow(clippy::too_many_arguments)]
async fn sale(
    app: &TestApp,
    owner: &Session,
    host: Uuid,
    product: Uuid,
    order: &str,
    ago: Duration,
    (quantity, price, currency): (i64, &str, &str),
    status: &str,
) -> Value {
    let body = json!({
        "platform": "douyin", "external_order_id": order, "sold_at": at(-ago),
        "influencer_id": host, "product_id": product, "quantity": quantity,
        "unit_price": price, "currency": currency, "status": status,
    });
    post(app, owner, "/v1/sales", Some(body)).await
}

/// The GMV report's figures per currency for `[from, to)`, without `group_by`.
async fn report(app: &TestApp, session: &Session, window: &Value) -> Vec<Value> {
    let path = format!(
        "/v1/reports/gmv?from={}&to={}",
        window["from"].as_str().unwrap(),
        window["to"].as_str().unwrap()
    );
    let rows = get(app, session, &path).await["rows"].clone();
    rows.as_array().unwrap().clone()
}

/// Checks each GMV window of `dashboard` against the report for its dates.
async fn gmv_matches_the_report(app: &TestApp, session: &Session, dashboard: &Value) {
    for window in ["today", "last_7_days", "last_30_days"] {
        let figures = &dashboard["gmv"][window];
        let rows = report(app, session, figures).await;
        assert_eq!(
            figures["currencies"].as_array().unwrap(),
            &rows,
            "{window}: the dashboard's figures are the report's"
        );
    }
}

/// Open issues per code, read from `GET /v1/compliance/issues`.
async fn issues_by_code(app: &TestApp, session: &Session) -> Value {
    let page = get(app, session, "/v1/compliance/issues?limit=200").await;
    assert!(page["next_cursor"].is_null(), "one page holds them all");
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for issue in page["items"].as_array().unwrap() {
        *counts
            .entry(issue["code"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let by_code: Vec<Value> = counts
        .iter()
        .map(|(code, count)| json!({ "code": code, "count": count }))
        .collect();
    json!({ "open_issues": counts.values().sum::<i64>(), "by_code": by_code })
}

#[actix_web::test]
async fn the_dashboard_shows_what_the_other_routes_show() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Dash Co").await;
    let reviewer = app.login_as(&owner, "compliance").await;
    let finance = app.login_as(&owner, "finance").await;
    let mei = ready_host(&app, &owner, &reviewer, "Mei", "301").await;
    let lan = ready_host(&app, &owner, &reviewer, "Lan", "302").await;
    let paused = create_influencer(&app, &owner, "human", "Paused").await;
    post(
        &app,
        &owner,
        &format!("/v1/influencers/{paused}/suspend"),
        Some(json!({ "reason": "tax audit" })),
    )
    .await;
    let gone = create_influencer(&app, &owner, "human", "Gone").await;
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/v1/influencers/{gone}?reason=left"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let tested = create_product(&app, &owner, "DASH-1", None).await;
    let untested = create_product(&app, &owner, "DASH-2", None).await;
    let today = Utc::now().date_naive().to_string();
    let test = record_test(&app, &owner, tested, mei.0, &today, "pass").await;
    assert_eq!(test.status, 201, "{}", test.text());

    // Sessions: today's (one ended, one cancelled), three scheduled in the window, and those it
    // leaves out (yesterday's, one cancelled later this week, one 8 days ahead).
    let ended = schedule(&app, &owner, mei, Duration::minutes(-30), 60, &[]).await;
    post(
        &app,
        &owner,
        &format!("/v1/live-sessions/{ended}/start"),
        None,
    )
    .await;
    post(
        &app,
        &owner,
        &format!("/v1/live-sessions/{ended}/end"),
        None,
    )
    .await;
    let called_off = schedule(&app, &owner, lan, Duration::minutes(-20), 40, &[]).await;
    post(
        &app,
        &owner,
        &format!("/v1/live-sessions/{called_off}/cancel"),
        None,
    )
    .await;
    let ready = schedule(&app, &owner, mei, Duration::days(2), 120, &[tested]).await;
    let blocked = schedule(&app, &owner, lan, Duration::days(3), 120, &[untested]).await;
    let last_day = schedule(&app, &owner, mei, Duration::days(7), 60, &[]).await;
    schedule(&app, &owner, mei, Duration::hours(-27), 60, &[]).await;
    let later = schedule(&app, &owner, lan, Duration::days(4), 60, &[]).await;
    post(
        &app,
        &owner,
        &format!("/v1/live-sessions/{later}/cancel"),
        None,
    )
    .await;
    schedule(
        &app,
        &owner,
        mei,
        Duration::days(8) + Duration::hours(1),
        60,
        &[],
    )
    .await;

    // Sales: today in two currencies, 3 days ago (partly refunded), 20 days ago (and a
    // cancelled line), 40 days ago (outside every window, in a month with statements).
    let cny = |quantity, price| (quantity, price, "CNY");
    let none = Duration::minutes(1);
    sale(
        &app,
        &owner,
        mei.0,
        tested,
        "D-1",
        none,
        cny(2, "10.00"),
        "paid",
    )
    .await;
    sale(
        &app,
        &owner,
        mei.0,
        tested,
        "D-2",
        none,
        (1, "5.50", "USD"),
        "paid",
    )
    .await;
    let refunded = sale(
        &app,
        &owner,
        mei.0,
        tested,
        "D-3",
        Duration::days(3),
        cny(1, "100.00"),
        "paid",
    )
    .await;
    let refund_path = format!("/v1/sales/{}/refunds", refunded["id"].as_str().unwrap());
    post(
        &app,
        &owner,
        &refund_path,
        Some(json!({ "amount": "30.00" })),
    )
    .await;
    sale(
        &app,
        &owner,
        mei.0,
        tested,
        "D-4",
        Duration::days(20),
        cny(1, "7.00"),
        "paid",
    )
    .await;
    sale(
        &app,
        &owner,
        mei.0,
        tested,
        "D-5",
        Duration::days(20),
        cny(1, "1000.00"),
        "cancelled",
    )
    .await;
    sale(
        &app,
        &owner,
        mei.0,
        tested,
        "D-6",
        Duration::days(40),
        cny(1, "500.00"),
        "paid",
    )
    .await;
    sale(
        &app,
        &owner,
        lan.0,
        tested,
        "D-7",
        Duration::days(40),
        cny(1, "50.00"),
        "paid",
    )
    .await;

    // Statements of that month: Mei under contract, Lan without one (a draft that cannot be
    // approved as it stands).
    let month = (Utc::now() - Duration::days(40))
        .format("%Y-%m")
        .to_string();
    let from = (Utc::now() - Duration::days(400)).date_naive().to_string();
    let contract = json!({ "valid_from": from, "agency_share_percent": "30" });
    post(
        &app,
        &owner,
        &format!("/v1/influencers/{}/contracts", mei.0),
        Some(contract),
    )
    .await;
    let generated = post(
        &app,
        &owner,
        "/v1/statements/generate",
        Some(json!({ "month": month })),
    )
    .await;
    assert_eq!(
        generated["statements"].as_array().unwrap().len(),
        2,
        "{generated}"
    );

    let dashboard = get(&app, &owner, "/v1/dashboard").await;
    assert_eq!(dashboard["time_zone"], "Asia/Shanghai");
    let local_today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    assert_eq!(dashboard["today"], local_today.to_string());

    let sessions = &dashboard["sessions"];
    let ids: Vec<&str> = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [&ended, &called_off, &ready, &blocked, &last_day]);
    assert_eq!(sessions["total"], 5);
    assert_eq!(sessions["truncated"], false);
    let days: Vec<i64> = sessions["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sessions"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [2, 0, 1, 1, 0, 0, 0, 1]);
    assert_eq!(sessions["days"][0]["date"], local_today.to_string());
    for item in sessions["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let full = get(&app, &owner, &format!("/v1/live-sessions/{id}")).await;
        for field in [
            "title",
            "influencer_id",
            "platform",
            "scheduled_start",
            "scheduled_end",
            "state",
        ] {
            assert_eq!(item[field], full[field], "{field} of {id}");
        }
        let codes: Vec<&Value> = full["compliance"]["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| &v["code"])
            .collect();
        assert_eq!(
            item["compliance"],
            json!({ "ready_to_start": full["compliance"]["ready_to_start"], "violations": codes }),
            "the compliance of {id} is the session's own"
        );
    }
    let item = |i: usize| &sessions["items"][i];
    assert_eq!(
        (item(0)["state"].as_str(), item(0)["stage_name"].as_str()),
        (Some("ended"), Some("Mei"))
    );
    assert_eq!(item(1)["state"], "cancelled");
    assert_eq!(item(2)["platform"], "douyin");
    assert_eq!(
        item(2)["compliance"],
        json!({ "ready_to_start": true, "violations": [] })
    );
    assert_eq!(
        item(3)["compliance"],
        json!({ "ready_to_start": false, "violations": ["product_untested"] })
    );

    // Open issues: the compliance page's, counted per code.
    assert_eq!(dashboard["compliance"], issues_by_code(&app, &owner).await);
    let codes: Vec<&str> = dashboard["compliance"]["by_code"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"identity_unverified") && codes.contains(&"product_untested"));

    // GMV: the figures made above, and the report's for the same dates.
    let figures = |window: &str| dashboard["gmv"][window]["currencies"].clone();
    let cny_usd = |orders: i64, units: i64, gross: &str, refunded: &str, net: &str| {
        json!([
            { "currency": "CNY", "orders": orders, "units": units, "gross": gross, "refunded": refunded, "net": net },
            { "currency": "USD", "orders": 1, "units": 1, "gross": "5.50", "refunded": "0.00", "net": "5.50" },
        ])
    };
    assert_eq!(figures("today"), cny_usd(1, 2, "20.00", "0.00", "20.00"));
    assert_eq!(
        figures("last_7_days"),
        cny_usd(2, 3, "120.00", "30.00", "90.00")
    );
    assert_eq!(
        figures("last_30_days"),
        cny_usd(3, 4, "127.00", "30.00", "97.00")
    );
    let tomorrow = (local_today + Duration::days(1)).to_string();
    for (window, days) in [("today", 0), ("last_7_days", 6), ("last_30_days", 29)] {
        assert_eq!(
            dashboard["gmv"][window]["from"],
            (local_today - Duration::days(days)).to_string()
        );
        assert_eq!(dashboard["gmv"][window]["to"], tomorrow);
    }
    gmv_matches_the_report(&app, &owner, &dashboard).await;

    assert_eq!(
        dashboard["hosts"],
        json!({ "total": 4, "active": 2, "suspended": 1, "terminated": 1 })
    );

    // Drafts: those `GET /v1/statements?state=draft` lists.
    let drafts = get(&app, &owner, "/v1/statements?state=draft&limit=200").await;
    let drafts = drafts["items"].as_array().unwrap();
    let stuck = drafts
        .iter()
        .filter(|s| s["stale"] == true || s["contract_missing"] == true)
        .count();
    assert_eq!((drafts.len(), stuck), (2, 1));
    assert_eq!(
        dashboard["statements"],
        json!({ "awaiting_approval": 2, "months": [{ "month": month, "count": 2, "blocked": 1 }] })
    );

    // Approving Mei's leaves Lan's; folding the rollup deltas changes no figure.
    let mei_draft = drafts
        .iter()
        .find(|s| s["influencer_id"] == json!(mei.0))
        .unwrap();
    let approve = format!(
        "/v1/statements/{}/approve",
        mei_draft["id"].as_str().unwrap()
    );
    post(&app, &finance, &approve, None).await;
    let mut conn = AsyncPgConnection::establish(&app.state.settings.database.url)
        .await
        .unwrap();
    mcn::reports::fold::fold_all(&mut conn).await.unwrap();
    let again = get(&app, &finance, "/v1/dashboard").await;
    assert_eq!(
        again["statements"],
        json!({ "awaiting_approval": 1, "months": [{ "month": month, "count": 1, "blocked": 1 }] })
    );
    assert_eq!(
        again["gmv"], dashboard["gmv"],
        "rollups and deltas add up alike"
    );
    gmv_matches_the_report(&app, &finance, &again).await;

    // Another agency's hosts, sessions, sales and issues are never counted.
    let other = app.signup_agency("Other Dash").await;
    let other_reviewer = app.login_as(&other, "compliance").await;
    let theirs = ready_host(&app, &other, &other_reviewer, "Theirs", "303").await;
    let their_product = create_product(&app, &other, "DASH-1", None).await;
    schedule(
        &app,
        &other,
        theirs,
        Duration::days(1),
        60,
        &[their_product],
    )
    .await;
    sale(
        &app,
        &other,
        theirs.0,
        their_product,
        "D-1",
        none,
        cny(9, "9.00"),
        "paid",
    )
    .await;
    create_influencer(&app, &other, "human", "Unverified").await;
    let after = get(&app, &finance, "/v1/dashboard").await;
    assert_eq!(after, again, "nothing of another agency shows");
    let their_view = get(&app, &other, "/v1/dashboard").await;
    assert_eq!(their_view["sessions"]["total"], 1);
    assert_eq!(their_view["hosts"]["total"], 2);
    assert_eq!(
        their_view["gmv"]["today"]["currencies"],
        json!([{ "currency": "CNY", "orders": 1, "units": 9, "gross": "81.00", "refunded": "0.00", "net": "81.00" }])
    );
    assert_eq!(their_view["compliance"], issues_by_code(&app, &other).await);
    assert_eq!(their_view["statements"]["awaiting_approval"], 0);
}

#[actix_web::test]
async fn an_empty_agency_answers_zeros_to_every_role() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Empty Dash").await;
    let dashboard = get(&app, &owner, "/v1/dashboard").await;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let days: Vec<Value> = (0..8)
        .map(|n| json!({ "date": (today + Duration::days(n)).to_string(), "sessions": 0 }))
        .collect();
    assert_eq!(dashboard["sessions"]["total"], 0);
    assert_eq!(dashboard["sessions"]["truncated"], false);
    assert_eq!(dashboard["sessions"]["items"], json!([]));
    assert_eq!(dashboard["sessions"]["days"], json!(days));
    assert_eq!(
        dashboard["compliance"],
        json!({ "open_issues": 0, "by_code": [] })
    );
    for window in ["today", "last_7_days", "last_30_days"] {
        assert_eq!(
            dashboard["gmv"][window]["currencies"],
            json!([]),
            "{window}"
        );
    }
    assert_eq!(
        dashboard["hosts"],
        json!({ "total": 0, "active": 0, "suspended": 0, "terminated": 0 })
    );
    assert_eq!(
        dashboard["statements"],
        json!({ "awaiting_approval": 0, "months": [] })
    );

    for role in ["admin", "manager", "compliance", "finance", "analyst"] {
        let staff = app.login_as(&owner, role).await;
        assert_eq!(
            get(&app, &staff, "/v1/dashboard").await,
            dashboard,
            "{role}"
        );
    }
    app.call(Method::GET, "/v1/dashboard", None, None)
        .await
        .problem(401, "missing_token");
}
