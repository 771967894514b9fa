//! Webhooks through the API and over the wire: subscriptions (secret once, rotation, If-Match,
//! roles, other agencies), target URLs refused after resolution, and the worker delivering to a
//! real HTTP receiver: signatures, retries with backoff, order per subscription, a restart,
//! giving up, two workers at once, manual retries, and the events every area emits.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use actix_web::web;
use mcn::webhooks::Worker;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp};
use crate::products::create_product;
use crate::roster::create_influencer;
use crate::webhook_receiver::{Received, Receiver, hook_app, signed_by, subscribe};

/// An agency with a host and a product, selling through `POST /v1/sales`.
struct Seller {
    app: TestApp,
    owner: Session,
    host: Uuid,
    product: Uuid,
}

impl Seller {
    async fn new(app: TestApp) -> Self {
        let owner = app.signup_agency("Hook Shop").await;
        let host = create_influencer(&app, &owner, "human", "Seller").await;
        let product = create_product(&app, &owner, "LIP-1", None).await;
        Self {
            app,
            owner,
            host,
            product,
        }
    }

    async fn sell(&self, order: &str) -> Value {
        let answer = self
            .app
            .call(
                Method::POST,
                "/v1/sales",
                Some(&self.owner),
                Some(json!({ "platform": "douyin", "external_order_id": order, "sold_at": "2026-11-20T21:30:00+08:00", "influencer_id": self.host, "product_id": self.product, "quantity": 1, "unit_price": "10.00" })),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        answer.json()
    }

    async fn deliveries(&self, webhook: &Value, query: &str) -> Vec<Value> {
        let answer = self
            .app
            .call(
                Method::GET,
                &format!(
                    "/v1/webhooks/{}/deliveries{query}",
                    webhook["id"].as_str().unwrap()
                ),
                Some(&self.owner),
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()["items"].as_array().unwrap().clone()
    }
}

fn orders(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| {
            r.json()["data"]["external_order_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[actix_web::test]
async fn events_arrive_signed_within_seconds_of_the_commit_and_in_order() {
    let _turn = worker_turn().await;
    let seller = Seller::new(hook_app(|_| {}).await).await;
    let receiver = Receiver::start();
    let hook = subscribe(&seller.app, &seller.owner, &receiver.url, &["sale.created"]).await;
    let secret = hook["secret"].as_str().unwrap();
    let worker = Worker::spawn(seller.app.state.clone()).unwrap();
    let committed = Instant::now();
    let mut sales = Vec::new();
    for n in 1..=5 {
        sales.push(seller.sell(&format!("ORD-{n}")).await);
    }
    let received = receiver.wait_for(5, Duration::from_secs(10)).await;
    worker.stop().await;
    assert_eq!(received.len(), 5, "{received:?}");
    assert!(
        received[0].at.duration_since(committed) < Duration::from_secs(5),
        "the first attempt follows the commit within 5 s"
    );
    assert_eq!(
        orders(&received),
        ["ORD-1", "ORD-2", "ORD-3", "ORD-4", "ORD-5"]
    );
    for (request, sale) in received.iter().zip(&sales) {
        assert!(signed_by(request, secret), "{request:?}");
        assert_eq!(request.content_type, "application/json");
        let body = request.json();
        assert_eq!(body["id"], request.id.as_str());
        assert_eq!(body["type"], "sale.created");
        assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
        assert_eq!(
            body["data"], *sale,
            "data is the sale as the API answered it"
        );
        let sent_at: i64 = request.timestamp.parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
    }
    // Another secret does not verify.
    assert!(!signed_by(
        &received[0],
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    ));

    let deliveries = seller.deliveries(&hook, "").await;
    assert_eq!(deliveries.len(), 5);
    assert_eq!(
        deliveries[0]["event_id"],
        received[4].id.as_str(),
        "newest first"
    );
    for delivery in &deliveries {
        assert_eq!(delivery["state"], "delivered");
        assert_eq!(delivery["event_type"], "sale.created");
        assert_eq!(delivery["attempt_count"], 1);
        assert!(delivery["delivered_at"].is_string());
        assert!(delivery["next_attempt_at"].is_null());
        let attempt = &delivery["attempts"][0];
        assert_eq!(attempt["status_code"], 204);
        assert_eq!(attempt["manual"], false);
        assert!(attempt["latency_ms"].as_i64().unwrap() >= 0);
    }
    let paged = seller.deliveries(&hook, "?limit=2&state=delivered").await;
    assert_eq!(paged.len(), 2);
    assert!(seller.deliveries(&hook, "?state=failed").await.is_empty());
}

#[actix_web::test]
async fn failures_are_retried_with_backoff_and_later_events_wait_their_turn() {
    let _turn = worker_turn().await;
    let seller = Seller::new(hook_app(|_| {}).await).await;
    let receiver = Receiver::start();
    // The first event fails twice (500, then 503), then everything is accepted.
    receiver.answer(|request, earlier| {
        let first = request.json()["data"]["external_order_id"] == "ORD-1";
        match (first, earlier) {
            (true, 0) => 500,
            (true, 1) => 503,
            _ => 200,
        }
    });
    let hook = subscribe(&seller.app, &seller.owner, &receiver.url, &["sale.created"]).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    seller.sell("ORD-1").await;
    seller.sell("ORD-2").await;
    let worker = Worker::spawn(seller.app.state.clone()).unwrap();
    let received = receiver.wait_for(4, Duration::from_secs(15)).await;
    worker.stop().await;
    assert_eq!(
        orders(&received),
        ["ORD-1", "ORD-1", "ORD-1", "ORD-2"],
        "in order: ORD-2 waits for ORD-1"
    );
    assert_eq!(
        received[0].id, received[2].id,
        "the same webhook-id on every attempt"
    );
    assert!(received.iter().all(|r| signed_by(r, &secret)));
    // retry_base_ms is 200 in the test profile: 200 ms, then 400 ms.
    let first_gap = received[1].at - received[0].at;
    let second_gap = received[2].at - received[1].at;
    assert!(first_gap >= Duration::from_millis(190), "{first_gap:?}");
    assert!(second_gap >= Duration::from_millis(390), "{second_gap:?}");

    let deliveries = seller.deliveries(&hook, "").await;
    let first = &deliveries[1];
    assert_eq!(first["state"], "delivered");
    assert_eq!(first["attempt_count"], 3);
    let statuses: Vec<i64> = first["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 503, 200]);
    assert_eq!(first["attempts"][0]["error"], "answered 500");
}

#[actix_web::test]
async fn a_new_worker_delivers_what_a_stopped_one_left_pending() {
    let _turn = worker_turn().await;
    let seller = Seller::new(hook_app(|_| {}).await).await;
    let receiver = Receiver::start();
    receiver.answer(|_, _| 503);
    let hook = subscribe(&seller.app, &seller.owner, &receiver.url, &["sale.created"]).await;
    let first = Worker::spawn(seller.app.state.clone()).unwrap();
    seller.sell("ORD-1").await;
    seller.sell("ORD-2").await;
    receiver.wait_for(1, Duration::from_secs(5)).await;
    first.stop().await;
    let pending = seller.deliveries(&hook, "?state=pending").await;
    assert_eq!(pending.len(), 2, "still pending after the worker stopped");
    assert!(pending[1]["attempt_count"].as_i64().unwrap() >= 1);
    // A pending delivery retried by hand is made due now, nothing is sent during the request.
    let tried = receiver.received().len();
    let path = format!(
        "/v1/webhooks/{}/deliveries/{}/retry",
        hook["id"].as_str().unwrap(),
        pending[1]["id"].as_str().unwrap()
    );
    let due = seller
        .app
        .call(Method::POST, &path, Some(&seller.owner), None)
        .await;
    assert_eq!(due.status, 200, "{}", due.text());
    let due = due.json();
    assert_eq!(due["state"], "pending");
    let next: chrono::DateTime<chrono::Utc> =
        due["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert!(next <= chrono::Utc::now());
    assert_eq!(receiver.received().len(), tried);

    receiver.answer(|_, _| 200);
    let tried_before = receiver.received().len();
    let second = Worker::spawn(seller.app.state.clone()).unwrap();
    let received = receiver
        .wait_for(tried_before + 2, Duration::from_secs(10))
        .await;
    second.stop().await;
    assert_eq!(orders(&received[tried_before..]), ["ORD-1", "ORD-2"]);
    assert!(seller.deliveries(&hook, "?state=pending").await.is_empty());
    assert_eq!(seller.deliveries(&hook, "?state=delivered").await.len(), 2);
}

#[actix_web::test]
async fn a_delivery_failing_past_the_window_fails_the_next_goes_and_a_manual_retry_delivers_it() {
    let _turn = worker_turn().await;
    let app = hook_app(|s| s.webhooks.give_up_after_secs = 1).await;
    let seller = Seller::new(app).await;
    let receiver = Receiver::start();
    receiver.answer(|request, _| {
        if request.json()["data"]["external_order_id"] == "ORD-1" {
            500
        } else {
            200
        }
    });
    let hook = subscribe(&seller.app, &seller.owner, &receiver.url, &["sale.created"]).await;
    seller.sell("ORD-1").await;
    seller.sell("ORD-2").await;
    let worker = Worker::spawn(seller.app.state.clone()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !orders(&receiver.received()).contains(&"ORD-2".to_owned()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.stop().await;
    let deliveries = seller.deliveries(&hook, "").await;
    assert_eq!(deliveries[0]["state"], "delivered", "{deliveries:?}");
    let failed = &deliveries[1];
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(failed["attempt_count"].as_i64().unwrap() >= 2);
    assert_eq!(failed["last_status_code"], 500);

    // By hand: attempted at once, recorded as manual.
    receiver.answer(|_, _| 200);
    let path = format!(
        "/v1/webhooks/{}/deliveries/{}/retry",
        hook["id"].as_str().unwrap(),
        failed["id"].as_str().unwrap()
    );
    let retried = seller
        .app
        .call(Method::POST, &path, Some(&seller.owner), None)
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text());
    let retried = retried.json();
    assert_eq!(retried["state"], "delivered");
    let last = retried["attempts"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["manual"], true);
    assert_eq!(last["status_code"], 200);
    let again = seller
        .app
        .call(Method::POST, &path, Some(&seller.owner), None)
        .await;
    again.problem(409, "delivery_delivered");
}

#[actix_web::test]
async fn two_workers_at_once_deliver_every_event_once_and_in_order() {
    let _turn = worker_turn().await;
    let seller = Seller::new(hook_app(|_| {}).await).await;
    let one = Receiver::start();
    let two = Receiver::start();
    subscribe(&seller.app, &seller.owner, &one.url, &["sale.created"]).await;
    subscribe(
        &seller.app,
        &seller.owner,
        &two.url,
        &["sale.created", "sale.updated"],
    )
    .await;
    let a = Worker::spawn(seller.app.state.clone()).unwrap();
    let b = Worker::spawn(seller.app.state.clone()).unwrap();
    let expected: Vec<String> = (1..=15).map(|n| format!("ORD-{n}")).collect();
    for order in &expected {
        seller.sell(order).await;
    }
    let first = one.wait_for(15, Duration::from_secs(20)).await;
    let second = two.wait_for(15, Duration::from_secs(20)).await;
    // Let any duplicate show up before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.stop().await;
    b.stop().await;
    assert_eq!(orders(&one.received()), expected);
    assert_eq!(orders(&two.received()), expected);
    assert_eq!(first.len(), 15);
    assert_eq!(second.len(), 15);
}

#[actix_web::test]
async fn every_delivery_checks_the_address_it_connects_to() {
    let _turn = worker_turn().await;
    // Subscribed while private addresses were allowed; a worker that refuses them never
    // connects, and records why.
    let seller = Seller::new(hook_app(|_| {}).await).await;
    let receiver = Receiver::start();
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let literal = subscribe(&seller.app, &seller.owner, &receiver.url, &["sale.created"]).await;
    let named = subscribe(&seller.app, &seller.owner, &by_name, &["sale.created"]).await;
    let mut strict = (*seller.app.state.settings).clone();
    strict.webhooks.allow_private_addresses = false;
    let pool = mcn::db::build_pool(&strict.database).unwrap();
    let state = web::Data::new(mcn::startup::build_state(strict, pool).unwrap());
    let worker = Worker::spawn(state).unwrap();
    seller.sell("ORD-1").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut attempts = Vec::new();
    while Instant::now() < deadline {
        attempts = Vec::new();
        for hook in [&literal, &named] {
            let deliveries = seller.deliveries(hook, "").await;
            if let Some(error) = deliveries[0]["attempts"][0]["error"].as_str() {
                attempts.push(error.to_owned());
            }
        }
        if attempts.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.stop().await;
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    for error in &attempts {
        assert!(error.contains("is not a public address"), "{error}");
    }
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}

/// On the run's shared (Citus) database every worker sees every agency's deliveries, so the
/// tests that run workers (each with its own settings) take turns there.
async fn worker_turn() -> Option<tokio::sync::MutexGuard<'static, ()>> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    match crate::helpers::db::shared_database_url() {
        Some(_) => Some(TURN.lock().await),
        None => None,
    }
}
