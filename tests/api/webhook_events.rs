//! The events every area emits, in the transaction of the change: a sale and its refund, an
//! import (exactly one event, none for a dry run), a session's lifecycle, a recall, identity
//! decisions, a statement approved and paid, and compliance issues opened and resolved.

use std::collections::BTreeMap;

use actix_web::http::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::identity::resident_id;
use crate::sessions::{ready_host, session_body};
use crate::statements::books;
use crate::webhook_receiver::subscribe;

const ALL: [&str; 14] = [
    "sale.created",
    "sale.updated",
    "import.completed",
    "session.scheduled",
    "session.started",
    "session.ended",
    "session.cancelled",
    "compliance.violation_opened",
    "compliance.violation_resolved",
    "product.recalled",
    "identity.verified",
    "identity.rejected",
    "statement.approved",
    "statement.paid",
];

/// The subscription's deliveries (oldest first) with their events' data, read from the outbox.
async fn events(app: &TestApp, owner: &Session, hook: &Value) -> Vec<(String, Value)> {
    let answer = app
        .call(
            Method::GET,
            &format!(
                "/v1/webhooks/{}/deliveries?limit=200",
                hook["id"].as_str().unwrap()
            ),
            Some(owner),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let mut conn = mcn::db::connect(
        &app.state.settings.database,
        &app.state.settings.database.url,
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    for delivery in answer.json()["items"].as_array().unwrap().iter().rev() {
        let event_id: Uuid = delivery["event_id"].as_str().unwrap().parse().unwrap();
        let event = mcn::webhooks::send::load_event(&mut conn, owner.agency_id, event_id)
            .await
            .unwrap();
        assert_eq!(delivery["event_type"], event.event_type.as_str());
        out.push((event.event_type, event.data));
    }
    out
}

fn of_type<'a>(events: &'a [(String, Value)], event_type: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|(t, _)| t == event_type)
        .map(|(_, data)| data)
        .collect()
}

async fn ok(answer: TestResponse, status: u16) -> Value {
    assert_eq!(answer.status, status, "{}", answer.text());
    answer.json()
}

#[actix_web::test]
async fn every_area_emits_its_events_in_the_transaction_of_the_change() {
    let books = books("Events Co").await;
    let app = &books.app;
    let owner = &books.owner;
    let hook = subscribe(app, owner, "http://127.0.0.1:9/hook", &ALL).await;
    let compliance = app.login_as(owner, "compliance").await;

    // Compliance: a host without an identity opens `identity_unverified` when the list is
    // evaluated.
    let host = books.host("Payee", "2026-01-01", "0", "labour").await;
    ok(
        app.call(Method::GET, "/v1/compliance/issues", Some(owner), None)
            .await,
        200,
    )
    .await;

    // A sale, and its refund (the sale changed).
    let sale = books
        .sale(host, "EV-1", "2026-10-15T12:00:00+08:00", "100.00")
        .await;
    let refund = app
        .call(
            Method::POST,
            &format!("/v1/sales/{}/refunds", sale["id"].as_str().unwrap()),
            Some(owner),
            Some(json!({ "amount": "10.00" })),
        )
        .await;
    ok(refund, 201).await;

    // An import of three lines: one event. A dry run: none.
    let lines: Vec<Value> = (1..=3)
        .map(|n| json!({ "platform": "douyin", "external_order_id": format!("IMP-{n}"), "sold_at": "2026-11-20T10:00:00Z", "influencer_id": host, "product_id": books.product, "quantity": 1, "unit_price": "5.00" }))
        .collect();
    for query in ["", "?dry_run=true"] {
        let request = app
            .request(Method::POST, &format!("/v1/sales/imports{query}"))
            .bearer_auth(&owner.access_token)
            .insert_header(("content-type", "application/json"));
        let answer = TestResponse::read(
            request
                .send_body(Value::from(lines.clone()).to_string())
                .await,
        )
        .await;
        assert!(answer.status.is_success(), "{}", answer.text());
    }

    // A session scheduled, started, ended; another cancelled. The host's identity is verified
    // on the way (by someone other than its submitter).
    let (streamer, account) = ready_host(app, owner, &compliance, "Streamer", "042").await;
    let first = ok(
        app.call(
            Method::POST,
            "/v1/live-sessions",
            Some(owner),
            Some(session_body(streamer, account, 1, 3, &[])),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/v1/live-sessions/{}", first["id"].as_str().unwrap());
    ok(
        app.call(Method::POST, &format!("{path}/start"), Some(owner), None)
            .await,
        200,
    )
    .await;
    ok(
        app.call(Method::POST, &format!("{path}/end"), Some(owner), None)
            .await,
        200,
    )
    .await;
    let second = ok(
        app.call(
            Method::POST,
            "/v1/live-sessions",
            Some(owner),
            Some(session_body(streamer, account, 5, 7, &[])),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/v1/live-sessions/{}", second["id"].as_str().unwrap());
    ok(
        app.call(Method::POST, &format!("{path}/cancel"), Some(owner), None)
            .await,
        200,
    )
    .await;

    // An identity rejected.
    let doubtful = crate::roster::create_influencer(app, owner, "human", "Doubtful").await;
    let identity = json!({ "real_name": "Doubtful", "document_type": "cn_resident_id", "document_number": resident_id("19900101", "077") });
    let put = app
        .call(
            Method::PUT,
            &format!("/v1/influencers/{doubtful}/identity"),
            Some(owner),
            Some(identity),
        )
        .await;
    assert!(put.status.is_success(), "{}", put.text());
    ok(
        app.call(
            Method::POST,
            &format!("/v1/influencers/{doubtful}/identity/reject"),
            Some(&compliance),
            Some(json!({ "reason": "blurred scan" })),
        )
        .await,
        200,
    )
    .await;

    // A recall.
    let recalled = ok(
        app.call(
            Method::POST,
            &format!("/v1/products/{}/recall", books.product),
            Some(owner),
            Some(json!({ "reason": "unsafe" })),
        )
        .await,
        200,
    )
    .await;

    // A statement approved and paid.
    let payout = books.settle(host, "2026-10", "2026-11-05").await;

    // The host's identity verified: on the next evaluation `identity_unverified` is resolved.
    let identity = json!({ "real_name": "Payee", "document_type": "cn_resident_id", "document_number": resident_id("19900101", "088") });
    let put = app
        .call(
            Method::PUT,
            &format!("/v1/influencers/{host}/identity"),
            Some(owner),
            Some(identity),
        )
        .await;
    assert!(put.status.is_success(), "{}", put.text());
    ok(
        app.call(
            Method::POST,
            &format!("/v1/influencers/{host}/identity/verify"),
            Some(&compliance),
            None,
        )
        .await,
        200,
    )
    .await;
    ok(
        app.call(Method::GET, "/v1/compliance/issues", Some(owner), None)
            .await,
        200,
    )
    .await;

    let events = events(app, owner, &hook).await;
    let counts: BTreeMap<&str, usize> = ALL
        .iter()
        .map(|t| (*t, of_type(&events, t).len()))
        .collect();
    for event_type in ALL {
        assert!(counts[event_type] >= 1, "no {event_type}: {counts:?}");
    }
    assert_eq!(
        counts["import.completed"], 1,
        "one event per import, none for the dry run"
    );
    let import = of_type(&events, "import.completed")[0];
    assert_eq!(
        (import["inserted"].as_i64(), import["outcome"].as_str()),
        (Some(3), Some("committed"))
    );
    assert_eq!(
        counts["sale.created"], 1,
        "imported lines have no event of their own"
    );
    assert_eq!(of_type(&events, "sale.created")[0]["id"], sale["id"]);
    let updated = of_type(&events, "sale.updated")[0];
    assert_eq!(updated["refunded_amount"], "10.00", "{updated}");
    let states: Vec<&str> = [
        "session.scheduled",
        "session.started",
        "session.ended",
        "session.cancelled",
    ]
    .iter()
    .map(|t| {
        of_type(&events, t).last().unwrap()["state"]
            .as_str()
            .unwrap()
    })
    .collect();
    assert_eq!(states, ["scheduled", "live", "ended", "cancelled"]);
    assert_eq!(*of_type(&events, "product.recalled")[0], recalled);
    let verified = of_type(&events, "identity.verified");
    assert!(
        verified
            .iter()
            .any(|d| d["influencer_id"] == streamer.to_string())
    );
    assert!(
        verified.iter().all(|d| d.get("real_name").is_none()),
        "no personal data"
    );
    assert_eq!(
        of_type(&events, "identity.rejected")[0]["rejection_reason"],
        "blurred scan"
    );
    assert_eq!(
        of_type(&events, "statement.approved")[0]["state"],
        "approved"
    );
    let paid = of_type(&events, "statement.paid")[0];
    assert_eq!(paid["payout_id"], payout["id"]);
    assert_eq!(paid["net"], payout["net"]);
    let opened = of_type(&events, "compliance.violation_opened");
    let unverified = opened
        .iter()
        .find(|d| d["influencer_id"] == host.to_string() && d["code"] == "identity_unverified")
        .expect("identity_unverified opened");
    let resolved = of_type(&events, "compliance.violation_resolved");
    assert!(
        resolved
            .iter()
            .any(|d| d["id"] == unverified["id"] && d["resolution"] == "cleared"),
        "{resolved:?}"
    );
}

#[actix_web::test]
async fn nothing_is_written_to_the_outbox_without_a_subscription_asking() {
    let books = books("Quiet Co").await;
    let app = &books.app;
    let owner = &books.owner;
    let hook = subscribe(app, owner, "http://127.0.0.1:9/hook", &["statement.paid"]).await;
    let host = books.host("Quiet", "2026-01-01", "0", "labour").await;
    books
        .sale(host, "Q-1", "2026-10-15T12:00:00+08:00", "10.00")
        .await;
    let paused = app
        .call(
            Method::PATCH,
            &format!("/v1/webhooks/{}", hook["id"].as_str().unwrap()),
            Some(owner),
            Some(json!({ "active": false })),
        )
        .await;
    ok(paused, 200).await;
    books.settle(host, "2026-10", "2026-11-05").await;
    assert!(events(app, owner, &hook).await.is_empty());
    let mut conn = mcn::db::connect(
        &app.state.settings.database,
        &app.state.settings.database.url,
    )
    .await
    .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count: Count = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(format!(
            "SELECT count(*) AS n FROM webhook_events WHERE agency_id = '{}'",
            owner.agency_id
        )),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(count.n, 0);
}
