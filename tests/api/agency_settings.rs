//! `GET/PATCH /v1/agency`: the agency's settings, their ETag, roles, and a change of time zone
//! that rebuilds the rollups of local days and months (reports equal the ledger in the new
//! zone, a line near midnight moves days) while approved statements keep their zone.

use std::collections::BTreeMap;

use actix_web::http::Method;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestResponse};
use crate::reports::rollup_mismatches;
use crate::statements::books;

/// Sends `body` as `session` with an optional `If-Match`.
pub async fn send_if_match(
    app: &TestApp,
    method: Method,
    path: &str,
    session: &Session,
    if_match: Option<&str>,
    body: Value,
) -> TestResponse {
    let mut request = app.request(method, path).bearer_auth(&session.access_token);
    if let Some(tag) = if_match {
        request = request.insert_header(("If-Match", tag));
    }
    TestResponse::read(request.send_json(&body).await).await
}

async fn patch_agency(
    app: &TestApp,
    session: &Session,
    if_match: Option<&str>,
    body: Value,
) -> TestResponse {
    send_if_match(app, Method::PATCH, "/v1/agency", session, if_match, body).await
}

/// Gross per local day of the GMV report over October and November, in the agency's own zone.
async fn report_by_day(app: &TestApp, session: &Session) -> BTreeMap<String, String> {
    let answer = app
        .call(
            Method::GET,
            "/v1/reports/gmv?from=2026-10-01&to=2026-12-03&group_by=day",
            Some(session),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["day"].as_str().unwrap().to_owned(),
                row["gross"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The same figures summed from `GET /v1/sales` in Rust, by each line's day in `zone`.
async fn ledger_by_day(app: &TestApp, session: &Session, zone: Tz) -> BTreeMap<String, String> {
    let answer = app
        .call(Method::GET, "/v1/sales?limit=200", Some(session), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let mut days: BTreeMap<String, Decimal> = BTreeMap::new();
    for line in answer.json()["items"].as_array().unwrap() {
        if line["status"] == "cancelled" {
            continue;
        }
        let at: DateTime<Utc> = line["sold_at"].as_str().unwrap().parse().unwrap();
        let gross: Decimal = line["gross"].as_str().unwrap().parse().unwrap();
        *days
            .entry(at.with_timezone(&zone).date_naive().to_string())
            .or_default() += gross;
    }
    days.into_iter()
        .map(|(day, gross)| (day, format!("{gross:.2}")))
        .collect()
}

fn days(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(d, g)| ((*d).to_owned(), (*g).to_owned()))
        .collect()
}

#[actix_web::test]
async fn settings_are_read_by_everyone_and_changed_by_owners_and_admins() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Settings Co").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let manager = app.login_as(&owner, "manager").await;
    let admin = app.login_as(&owner, "admin").await;

    let read = app
        .call(Method::GET, "/v1/agency", Some(&analyst), None)
        .await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.header("etag"), Some("\"1\""));
    assert_eq!(read.json()["time_zone"], "Asia/Shanghai");
    assert_eq!(read.json()["default_currency"], "CNY");
    assert_eq!(read.json()["id"], json!(owner.agency_id));

    for session in [&analyst, &manager] {
        patch_agency(&app, session, None, json!({ "name": "Mine now" }))
            .await
            .problem(403, "forbidden");
    }
    let bad = patch_agency(
        &app,
        &owner,
        None,
        json!({ "name": " ", "default_currency": "XXX", "time_zone": "Mars/Olympus" }),
    )
    .await;
    let problem = bad.problem(422, "validation_failed");
    let codes: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["invalid_length", "invalid_currency", "invalid_time_zone"]
    );
    patch_agency(&app, &owner, None, json!({ "colour": "red" }))
        .await
        .problem(400, "unknown_field");

    let changed = patch_agency(
        &app,
        &admin,
        Some("\"1\""),
        json!({ "name": "  Settings Group ", "default_currency": "USD" }),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.header("etag"), Some("\"2\""));
    assert_eq!(changed.json()["name"], "Settings Group");
    assert_eq!(changed.json()["default_currency"], "USD");
    patch_agency(&app, &owner, Some("\"1\""), json!({ "name": "Stale" }))
        .await
        .problem(412, "precondition_failed");
    // The same values again: nothing changes, no new version.
    let same = patch_agency(
        &app,
        &owner,
        Some("\"2\""),
        json!({ "default_currency": "USD" }),
    )
    .await;
    assert_eq!(same.header("etag"), Some("\"2\""));

    // A sale naming no currency takes the new default.
    let host = crate::roster::create_influencer(&app, &owner, "human", "Host").await;
    let product = crate::products::create_product(&app, &owner, "SET-1", None).await;
    let sale = app
        .call(
            Method::POST,
            "/v1/sales",
            Some(&owner),
            Some(json!({ "platform": "douyin", "external_order_id": "S1", "sold_at": "2026-11-02T10:00:00Z", "influencer_id": host, "product_id": product, "quantity": 1, "unit_price": "5.00" })),
        )
        .await;
    assert_eq!(sale.json()["currency"], "USD", "{}", sale.text());

    let audit = app
        .call(
            Method::GET,
            "/v1/audit-events?entity_type=agency",
            Some(&owner),
            None,
        )
        .await;
    let events = audit.json()["items"].as_array().unwrap().clone();
    let update = events
        .iter()
        .find(|e| e["action"] == "agency.update")
        .expect("the change is audited");
    assert_eq!(update["actor_id"], json!(admin.user_id));
    assert_eq!(
        update["changes"]["default_currency"],
        json!({ "from": "CNY", "to": "USD" })
    );
    assert_eq!(
        update["changes"]["name"],
        json!({ "from": "Settings Co", "to": "Settings Group" })
    );

    // Another agency reads and changes only its own.
    let other = app.signup_agency("Other Co").await;
    let theirs = app
        .call(Method::GET, "/v1/agency", Some(&other), None)
        .await;
    assert_eq!(theirs.json()["id"], json!(other.agency_id));
    assert_eq!(theirs.json()["name"], "Other Co");
    let renamed = patch_agency(&app, &other, None, json!({ "name": "Other Group" })).await;
    assert_eq!(renamed.status, 200);
    let ours = app
        .call(Method::GET, "/v1/agency", Some(&owner), None)
        .await;
    assert_eq!(ours.json()["name"], "Settings Group");
}

#[actix_web::test]
async fn a_new_time_zone_rebuilds_the_local_rollups_and_keeps_approved_statements() {
    let books = books("Zone Co").await;
    let (app, owner) = (&books.app, &books.owner);
    let host = books.host("Zoe", "2026-01-01", "0", "labour").await;
    // An approved statement of October, generated in Shanghai.
    books
        .sale(host, "OCT-1", "2026-10-15T12:00:00+08:00", "7.00")
        .await;
    let october = books.draft(host, "2026-10").await;
    let october_id = october["id"].as_str().unwrap().to_owned();
    assert_eq!(books.approve(&books.finance, &october_id).await.status, 200);

    books
        .sale(host, "N1", "2026-11-10T23:30:00+08:00", "10.00")
        .await; // 15:30Z
    // Near midnight: Nov 11 in Shanghai, still Nov 10 in Kolkata (22:00).
    books
        .sale(host, "N2", "2026-11-11T00:30:00+08:00", "20.00")
        .await;
    let mut conn = app.state.conn().await.unwrap();
    assert!(mcn::reports::fold::fold_all(&mut conn).await.unwrap() > 0);
    books
        .sale(host, "N3", "2026-11-11T09:00:00+08:00", "40.00")
        .await;
    // Across a month: November 1 in Shanghai, October 31 in Kolkata (23:30). Not folded.
    books
        .sale(host, "N4", "2026-11-01T02:00:00+08:00", "80.00")
        .await;

    assert_eq!(
        report_by_day(app, owner).await,
        days(&[
            ("2026-10-15", "7.00"),
            ("2026-11-01", "80.00"),
            ("2026-11-10", "10.00"),
            ("2026-11-11", "60.00")
        ])
    );
    let changed = patch_agency(
        app,
        owner,
        Some("\"1\""),
        json!({ "time_zone": "Asia/Kolkata" }),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["time_zone"], "Asia/Kolkata");
    assert_eq!(changed.header("etag"), Some("\"2\""));

    let kolkata: Tz = "Asia/Kolkata".parse().unwrap();
    let expected = days(&[
        ("2026-10-15", "7.00"),
        ("2026-10-31", "80.00"),
        ("2026-11-10", "30.00"),
        ("2026-11-11", "40.00"),
    ]);
    assert_eq!(report_by_day(app, owner).await, expected);
    assert_eq!(ledger_by_day(app, owner, kolkata).await, expected);
    // Every rollup equals the ledger in the new zone, folded (the change folds what waited) and
    // as the reports read them.
    assert_eq!(
        rollup_mismatches(&mut conn, "", books.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
    assert_eq!(
        rollup_mismatches(&mut conn, "_live", books.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );

    // Lines recorded afterwards count in the new zone's days; the rollups stay exact.
    books.sale(host, "N5", "2026-11-20T20:00:00Z", "5.00").await; // 01:30 Nov 21 in Kolkata
    let after = report_by_day(app, owner).await;
    assert_eq!(after.get("2026-11-21").map(String::as_str), Some("5.00"));
    assert_eq!(after, ledger_by_day(app, owner, kolkata).await);
    assert_eq!(
        rollup_mismatches(&mut conn, "_live", books.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );

    // The approved statement keeps the zone and figures it was generated with.
    let statement = app
        .call(
            Method::GET,
            &format!("/v1/statements/{october_id}"),
            Some(owner),
            None,
        )
        .await;
    assert_eq!(statement.status, 200, "{}", statement.text());
    assert_eq!(statement.json()["time_zone"], "Asia/Shanghai");
    assert_eq!(statement.json()["state"], "approved");
    assert_eq!(statement.json()["net_gmv"], october["net_gmv"]);
    assert_eq!(statement.json()["period_start"], october["period_start"]);

    // Audited, with the zone from and to.
    let audit = app
        .call(
            Method::GET,
            "/v1/audit-events?entity_type=agency",
            Some(owner),
            None,
        )
        .await;
    let update = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "agency.update")
        .cloned()
        .expect("audited");
    assert_eq!(
        update["changes"]["time_zone"],
        json!({ "from": "Asia/Shanghai", "to": "Asia/Kolkata" })
    );
}

#[actix_web::test]
async fn zone_changes_racing_sales_and_folds_leave_the_rollups_exact() {
    let books = books("Race Co").await;
    let host = books.host("Rae", "2026-01-01", "0", "labour").await;
    let app = &books.app;
    let writes = (0..12).map(|i| {
        let books = &books;
        async move {
            // Sold around local midnight in every zone used below.
            let at = format!("2026-11-{:02}T{:02}:45:00Z", 1 + i, (15 + i) % 24);
            books.sale(host, &format!("RACE-{i}"), &at, "3.00").await;
        }
    });
    let zones = ["America/New_York", "Asia/Kathmandu", "UTC", "Asia/Shanghai"];
    let owner = &books.owner;
    let changes = zones.iter().map(|zone| async move {
        let answer = patch_agency(app, owner, None, json!({ "time_zone": zone })).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
    });
    let folds = (0..4).map(|_| async {
        let mut conn = app.state.conn().await.unwrap();
        mcn::reports::fold::fold_all(&mut conn).await.unwrap();
    });
    tokio::join!(
        futures_util::future::join_all(writes),
        futures_util::future::join_all(changes),
        futures_util::future::join_all(folds)
    );
    let mut conn = app.state.conn().await.unwrap();
    assert_eq!(
        rollup_mismatches(&mut conn, "_live", books.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
    mcn::reports::fold::fold_all(&mut conn).await.unwrap();
    assert_eq!(
        rollup_mismatches(&mut conn, "", books.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
}
