//! GMV rows carry labels next to their ids (issue 15 point 5): the host's stage name, the
//! product's name and SKU, the session's title, in JSON and in the CSV, read with one statement
//! per kind of id whatever the number of rows.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::products::create_product;
use crate::round_trips::{listing, recorded_app};
use crate::sessions::{ready_host, session_body};

struct Labelled {
    app: TestApp,
    owner: Session,
    host: Uuid,
    products: Vec<Uuid>,
    session: Uuid,
}

async fn sell(app: &TestApp, owner: &Session, body: Value) {
    let sold = app
        .call(Method::POST, "/v1/sales", Some(owner), Some(body))
        .await;
    assert_eq!(sold.status, 201, "{}", sold.text());
}

/// A host "Mei" with a session, and a sale per product on 20, 21, 22 November: the first in the
/// session, the others outside any.
async fn labelled(app: TestApp, name: &str, products: usize) -> Labelled {
    let owner = app.signup_agency(name).await;
    let admin = app.login_as(&owner, "admin").await;
    let (host, account) = ready_host(&app, &owner, &admin, "Mei", "701").await;
    let created = app
        .call(
            Method::POST,
            "/v1/live-sessions",
            Some(&owner),
            Some(session_body(host, account, 0, 2, &[])),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let session: Uuid = created.json()["id"].as_str().unwrap().parse().unwrap();
    let mut ids = Vec::new();
    for i in 0..products {
        let product = create_product(&app, &owner, &format!("LBL-{i}"), None).await;
        ids.push(product);
        let mut body = json!({
            "platform": "douyin", "external_order_id": format!("L-{i}"),
            "sold_at": format!("2026-11-{}T21:30:00+08:00", 20 + i),
            "influencer_id": host, "product_id": product, "quantity": 1, "unit_price": "10.00"
        });
        if i == 0 {
            body["live_session_id"] = json!(session);
        }
        sell(&app, &owner, body).await;
    }
    Labelled {
        app,
        owner,
        host,
        products: ids,
        session,
    }
}

async fn report(w: &Labelled, query: &str) -> Value {
    let answer = w
        .app
        .call(
            Method::GET,
            &format!("/v1/reports/gmv?{query}"),
            Some(&w.owner),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()
}

#[actix_web::test]
async fn gmv_rows_carry_stage_names_product_names_skus_and_session_titles() {
    let w = labelled(TestApp::spawn().await, "Labels Co", 2).await;
    let body = report(
        &w,
        "from=2026-11-20&to=2026-11-23&group_by=influencer,product,session",
    )
    .await;
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{body}");
    let keys: BTreeSet<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "influencer_id",
            "stage_name",
            "product_id",
            "product_name",
            "sku",
            "session_id",
            "session_title",
            "currency",
            "orders",
            "units",
            "gross",
            "refunded",
            "net",
        ])
    );
    let in_session = rows
        .iter()
        .find(|r| r["product_id"] == json!(w.products[0]))
        .unwrap();
    assert_eq!(in_session["influencer_id"], json!(w.host));
    assert_eq!(in_session["stage_name"], "Mei");
    assert_eq!(in_session["product_name"], "Product LBL-0");
    assert_eq!(in_session["sku"], "LBL-0");
    assert_eq!(in_session["session_id"], json!(w.session));
    assert_eq!(in_session["session_title"], "Evening beauty show");
    let outside = rows
        .iter()
        .find(|r| r["product_id"] == json!(w.products[1]))
        .unwrap();
    assert_eq!(outside["sku"], "LBL-1");
    assert_eq!(outside["session_id"], Value::Null);
    assert_eq!(
        outside["session_title"],
        Value::Null,
        "no session, no title"
    );

    // Only the labels of the groupings asked for.
    let by_platform = report(&w, "from=2026-11-20&to=2026-11-23&group_by=platform,day").await;
    for row in by_platform["rows"].as_array().unwrap() {
        for label in ["stage_name", "product_name", "sku", "session_title"] {
            assert!(row.get(label).is_none(), "{row}");
        }
    }
    let by_host = report(&w, "from=2026-11-20&to=2026-11-23&group_by=influencer").await;
    assert_eq!(by_host["rows"][0]["stage_name"], "Mei");
    assert!(by_host["rows"][0].get("sku").is_none());

    // Labels are read at report time: a renamed host shows its new name.
    let renamed = w
        .app
        .call(
            Method::PATCH,
            &format!("/v1/influencers/{}", w.host),
            Some(&w.owner),
            Some(json!({ "stage_name": "Mei Mei" })),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    let by_host = report(&w, "from=2026-11-20&to=2026-11-23&group_by=influencer").await;
    assert_eq!(by_host["rows"][0]["stage_name"], "Mei Mei");

    // The CSV has each label next to its id.
    let csv = TestResponse::read(
        w.app
            .request(
                Method::GET,
                "/v1/reports/gmv?from=2026-11-20&to=2026-11-23&group_by=session,product,influencer",
            )
            .bearer_auth(&w.owner.access_token)
            .insert_header(("accept", "text/csv"))
            .send()
            .await,
    )
    .await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "session_id,session_title,product_id,product_name,sku,influencer_id,stage_name,currency,orders,units,gross,refunded,net"
    );
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines.contains(
            &format!(
                ",,{},Product LBL-1,LBL-1,{},Mei Mei,CNY,1,1,10.00,0.00,10.00",
                w.products[1], w.host
            )
            .as_str()
        ),
        "{text}"
    );
    assert!(
        lines.contains(
            &format!(
                "{},Evening beauty show,{},Product LBL-0,LBL-0,{},Mei Mei,CNY,1,1,10.00,0.00,10.00",
                w.session, w.products[0], w.host
            )
            .as_str()
        ),
        "{text}"
    );

    // Another agency's report has none of these rows, labelled or not.
    let other = w.app.signup_agency("Other Labels Co").await;
    let theirs = w
        .app
        .call(
            Method::GET,
            "/v1/reports/gmv?from=2026-11-20&to=2026-11-23&group_by=influencer,product,session",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(theirs.json()["rows"], json!([]));
}

#[actix_web::test]
async fn labels_cost_one_statement_per_kind_whatever_the_rows() {
    let (app, recorder) = recorded_app().await;
    let w = labelled(app, "Wire Labels Co", 3).await;
    let query = |to: &str| format!("from=2026-11-20&to={to}&group_by=influencer,product,session");
    // Warm: the first report of a shape prepares its statements.
    report(&w, &query("2026-11-23")).await;
    let mut counts = Vec::new();
    for (to, rows) in [("2026-11-21", 1), ("2026-11-23", 3)] {
        recorder.clear();
        let body = report(&w, &query(to)).await;
        assert_eq!(body["rows"].as_array().unwrap().len(), rows);
        let executed = recorder.executed();
        for table in ["influencers", "products", "live_sessions"] {
            let lookups = executed
                .iter()
                .filter(|e| e.sql.contains("unnest") && e.sql.contains(&format!("FROM {table} ")))
                .count();
            assert_eq!(lookups, 1, "{table}:\n{}", listing(&executed));
        }
        counts.push(executed.len());
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
}
