//! Live sessions: compliance gates, no double booking (also under concurrency), the lifecycle,
//! reviews, recalls, idempotency, the calendar and other agencies.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::identity::resident_id;
use crate::products::{create_product, record_test};
use crate::roster::create_influencer;

/// A host who may be scheduled and sell: verified identity, active legal entity and a Douyin
/// account. Answers (host, account).
pub async fn ready_host(
    app: &TestApp,
    owner: &Session,
    reviewer: &Session,
    name: &str,
    sequence: &str,
) -> (Uuid, Uuid) {
    let host = create_influencer(app, owner, "human", name).await;
    let identity = json!({ "real_name": name, "document_type": "cn_resident_id", "document_number": resident_id("19900101", sequence) });
    let put = app
        .call(
            Method::PUT,
            &format!("/v1/influencers/{host}/identity"),
            Some(owner),
            Some(identity),
        )
        .await;
    assert!(put.status.is_success(), "{}", put.text());
    let verified = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/identity/verify"),
            Some(reviewer),
            None,
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    let code = credit_code(sequence);
    let entity = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/legal-entities"),
            Some(owner),
            Some(json!({ "entity_type": "individual_business", "name": format!("{name} Studio"), "credit_code": code })),
        )
        .await;
    assert_eq!(entity.status, 201, "{}", entity.text());
    let account = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/platform-accounts"),
            Some(owner),
            Some(json!({ "platform": "douyin", "handle": format!("@{name}"), "platform_user_id": format!("dy-{sequence}") })),
        )
        .await;
    assert_eq!(account.status, 201, "{}", account.text());
    (
        host,
        account.json()["id"].as_str().unwrap().parse().unwrap(),
    )
}

/// A valid unified social credit code that differs per `seed`.
pub fn credit_code(seed: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let digits: String = seed.chars().filter(char::is_ascii_digit).collect();
    let first17 = format!(
        "9144030000{:0>7}",
        &digits[digits.len().saturating_sub(7)..]
    );
    let sum: usize = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| ALPHABET.iter().position(|&c| c == b).unwrap() * w)
        .sum();
    let check = ALPHABET[(31 - sum % 31) % 31] as char;
    format!("{first17}{check}")
}

fn at(hours_from_now: i64) -> String {
    let base = (Utc::now() + Duration::days(2))
        .date_naive()
        .and_hms_opt(4, 0, 0)
        .unwrap()
        .and_utc();
    (base + Duration::hours(hours_from_now)).to_rfc3339()
}

pub fn session_body(host: Uuid, account: Uuid, start: i64, end: i64, lineup: &[Uuid]) -> Value {
    json!({
        "influencer_id": host,
        "platform_account_id": account,
        "title": "Evening beauty show",
        "scheduled_start": at(start),
        "scheduled_end": at(end),
        "language": "zh-CN",
        "venue": { "type": "studio", "city": "Hangzhou", "city_tier": 2 },
        "lineup": lineup.iter().map(|id| json!({ "product_id": id, "planned_price": "99.00" })).collect::<Vec<_>>(),
    })
}

async fn create(app: &TestApp, session: &Session, body: &Value) -> TestResponse {
    app.call(
        Method::POST,
        "/v1/live-sessions",
        Some(session),
        Some(body.clone()),
    )
    .await
}

fn codes(body: &Value, at: &str) -> Vec<String> {
    body.pointer(at)
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |v| {
            v.iter()
                .map(|x| x["code"].as_str().unwrap().to_owned())
                .collect()
        })
}

struct World {
    app: TestApp,
    owner: Session,
    compliance: Session,
    host: Uuid,
    account: Uuid,
    product: Uuid,
}

async fn world(name: &str) -> World {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency(name).await;
    let compliance = app.login_as(&owner, "compliance").await;
    let (host, account) = ready_host(&app, &owner, &compliance, "Mei", "101").await;
    let product = create_product(&app, &owner, "LIP-1", None).await;
    let today = Utc::now().date_naive().to_string();
    assert_eq!(
        record_test(&app, &owner, product, host, &today, "pass")
            .await
            .status,
        201
    );
    World {
        app,
        owner,
        compliance,
        host,
        account,
        product,
    }
}

#[actix_web::test]
async fn a_compliant_session_is_scheduled_goes_live_ends_and_is_reviewed() {
    let w = world("Live Co").await;
    let created = create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 0, 2, &[w.product]),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let session = created.json();
    assert_eq!(session["state"], "scheduled");
    assert_eq!(session["platform"], "douyin");
    assert_eq!(session["time_zone"], "Asia/Shanghai");
    assert_eq!(
        session["compliance"],
        json!({ "ready_to_start": true, "violations": [] })
    );
    assert_eq!(session["lineup"][0]["sku"], "LIP-1");
    assert_eq!(session["lineup"][0]["planned_price"], "99.00");
    assert_eq!(
        session["venue"],
        json!({ "type": "studio", "city": "Hangzhou", "city_tier": 2 })
    );
    let path = created.header("location").unwrap().to_owned();

    w.app
        .call(Method::POST, &format!("{path}/end"), Some(&w.owner), None)
        .await
        .problem(409, "invalid_transition");
    w.app
        .call(
            Method::POST,
            &format!("{path}/review"),
            Some(&w.compliance),
            Some(json!({ "mandarin_spoken": true, "dress_code_ok": true })),
        )
        .await
        .problem(409, "invalid_transition");
    let live = w
        .app
        .call(Method::POST, &format!("{path}/start"), Some(&w.owner), None)
        .await;
    assert_eq!(live.status, 200, "{}", live.text());
    assert_eq!(live.json()["state"], "live");
    assert!(live.json()["actual_start"].is_string());
    w.app
        .call(
            Method::POST,
            &format!("{path}/cancel"),
            Some(&w.owner),
            None,
        )
        .await
        .problem(409, "invalid_transition");
    let ended = w
        .app
        .call(Method::POST, &format!("{path}/end"), Some(&w.owner), None)
        .await;
    assert_eq!(ended.json()["state"], "ended");

    w.app
        .call(
            Method::POST,
            &format!("{path}/review"),
            Some(&w.owner.clone()),
            Some(json!({ "mandarin_spoken": true, "dress_code_ok": true })),
        )
        .await;
    let manager = w.app.login_as(&w.owner, "manager").await;
    w.app
        .call(
            Method::POST,
            &format!("{path}/review"),
            Some(&manager),
            Some(json!({ "mandarin_spoken": true, "dress_code_ok": true })),
        )
        .await
        .problem(403, "forbidden");
    let reviewed = w
        .app
        .call(
            Method::POST,
            &format!("{path}/review"),
            Some(&w.compliance),
            Some(json!({ "mandarin_spoken": false, "dress_code_ok": false, "incidents": [{ "severity": "high", "description": "switched to English" }] })),
        )
        .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text());
    assert_eq!(
        reviewed.json()["review"]["incidents"][0]["severity"],
        "high"
    );

    let page = w
        .app
        .call(Method::GET, "/v1/compliance/issues", Some(&w.owner), None)
        .await
        .json();
    let found = codes(&page, "/items");
    assert!(
        found.contains(&"review_language_violation".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"review_dress_violation".to_owned()),
        "{found:?}"
    );
}

#[actix_web::test]
async fn schedule_rules_refuse_with_every_violation_listed() {
    let w = world("Gate Co").await;
    let unverified = create_influencer(&w.app, &w.owner, "human", "New Face").await;
    let account = w
        .app
        .call(
            Method::POST,
            &format!("/v1/influencers/{unverified}/platform-accounts"),
            Some(&w.owner),
            Some(json!({ "platform": "douyin", "handle": "@new", "platform_user_id": "dy-new", "status": "banned" })),
        )
        .await
        .json();
    let mut body = session_body(
        unverified,
        account["id"].as_str().unwrap().parse().unwrap(),
        0,
        2,
        &[],
    );
    body["language"] = json!("en-US");
    let refused = create(&w.app, &w.owner, &body).await;
    let problem = refused.problem(422, "compliance_violation");
    let found = codes(&problem, "/violations");
    for code in [
        "identity_unverified",
        "platform_account_missing",
        "language_not_mandarin",
    ] {
        assert!(found.contains(&code.to_owned()), "{code} in {found:?}");
    }
    assert_eq!(problem["violations"][0]["blocks"], "schedule");

    let avatar = create_influencer(&w.app, &w.owner, "virtual", "Avatar").await;
    let account = w
        .app
        .call(
            Method::POST,
            &format!("/v1/influencers/{avatar}/platform-accounts"),
            Some(&w.owner),
            Some(json!({ "platform": "tiktok", "handle": "@ai", "platform_user_id": "tt-1" })),
        )
        .await
        .json();
    let mut body = session_body(
        avatar,
        account["id"].as_str().unwrap().parse().unwrap(),
        0,
        2,
        &[],
    );
    body["language"] = json!("en");
    let refused = create(&w.app, &w.owner, &body)
        .await
        .problem(422, "compliance_violation");
    let found = codes(&refused, "/violations");
    assert!(
        found.contains(&"ai_label_missing".to_owned())
            && found.contains(&"operator_unverified".to_owned()),
        "{found:?}"
    );
    assert!(
        !found.contains(&"language_not_mandarin".to_owned()),
        "TikTok is not a mainland platform"
    );

    let recalled = create_product(&w.app, &w.owner, "BAD-1", None).await;
    w.app
        .call(
            Method::POST,
            &format!("/v1/products/{recalled}/recall"),
            Some(&w.compliance),
            Some(json!({ "reason": "unsafe" })),
        )
        .await;
    let refused = create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 0, 2, &[recalled]),
    )
    .await
    .problem(422, "compliance_violation");
    assert!(codes(&refused, "/violations").contains(&"product_recalled".to_owned()));
}

#[actix_web::test]
async fn start_rules_warn_while_scheduled_and_block_going_live() {
    let w = world("Start Co").await;
    let untested = create_product(&w.app, &w.owner, "PILL-1", Some("medicine")).await;
    let created = create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 0, 2, &[w.product, untested]),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let session = created.json();
    assert_eq!(session["compliance"]["ready_to_start"], false);
    assert_eq!(
        codes(&session, "/compliance/violations"),
        vec!["product_untested", "qualification_missing"]
    );
    let path = format!("/v1/live-sessions/{}", session["id"].as_str().unwrap());
    let refused = w
        .app
        .call(Method::POST, &format!("{path}/start"), Some(&w.owner), None)
        .await;
    assert_eq!(
        codes(&refused.problem(422, "compliance_violation"), "/violations").len(),
        2
    );

    let today = Utc::now().date_naive();
    record_test(
        &w.app,
        &w.owner,
        untested,
        w.host,
        &today.to_string(),
        "pass",
    )
    .await;
    w.app
        .call(
            Method::POST,
            &format!("/v1/influencers/{}/qualifications", w.host),
            Some(&w.owner),
            Some(json!({ "field": "medicine", "certificate_number": "M-1", "issuer": "NHC", "valid_from": (today - Duration::days(10)).to_string(), "valid_until": (today + Duration::days(400)).to_string() })),
        )
        .await;
    let ready = w
        .app
        .call(Method::GET, &path, Some(&w.owner), None)
        .await
        .json();
    assert_eq!(
        ready["compliance"]["ready_to_start"], true,
        "{}",
        ready["compliance"]
    );

    // A suspension after scheduling stops it going live.
    w.app
        .call(
            Method::POST,
            &format!("/v1/influencers/{}/suspend", w.host),
            Some(&w.owner),
            Some(json!({ "reason": "tax" })),
        )
        .await;
    let refused = w
        .app
        .call(Method::POST, &format!("{path}/start"), Some(&w.owner), None)
        .await
        .problem(422, "compliance_violation");
    assert!(codes(&refused, "/violations").contains(&"influencer_suspended".to_owned()));
    w.app
        .call(
            Method::POST,
            &format!("/v1/influencers/{}/reinstate", w.host),
            Some(&w.owner),
            Some(json!({ "reason": "ok" })),
        )
        .await;

    // So does a recall of a lineup product, shown at once on the session.
    w.app
        .call(
            Method::POST,
            &format!("/v1/products/{}/recall", w.product),
            Some(&w.compliance),
            Some(json!({ "reason": "unsafe" })),
        )
        .await;
    let flagged = w
        .app
        .call(Method::GET, &path, Some(&w.owner), None)
        .await
        .json();
    assert!(codes(&flagged, "/compliance/violations").contains(&"product_recalled".to_owned()));
    w.app
        .call(Method::POST, &format!("{path}/start"), Some(&w.owner), None)
        .await
        .problem(422, "compliance_violation");
    let impact = w
        .app
        .call(
            Method::GET,
            &format!("/v1/products/{}/impact", w.product),
            Some(&w.owner),
            None,
        )
        .await
        .json();
    assert_eq!(impact["sessions"][0]["upcoming"], true);
    assert_eq!(impact["hosts"][0]["stage_name"], "Mei");
}

#[actix_web::test]
async fn a_host_is_never_double_booked() {
    let w = world("Booking Co").await;
    assert_eq!(
        create(
            &w.app,
            &w.owner,
            &session_body(w.host, w.account, 0, 2, &[])
        )
        .await
        .status,
        201
    );
    create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 1, 3, &[]),
    )
    .await
    .problem(409, "session_overlap");
    let back_to_back = create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 2, 4, &[]),
    )
    .await;
    assert_eq!(
        back_to_back.status,
        201,
        "back to back is fine: {}",
        back_to_back.text()
    );
    create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 0, 25, &[]),
    )
    .await
    .problem(422, "validation_failed");
    create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 6, 6, &[]),
    )
    .await
    .problem(422, "validation_failed");

    // Cancelling frees the time.
    let path = format!(
        "/v1/live-sessions/{}",
        back_to_back.json()["id"].as_str().unwrap()
    );
    let cancelled = w
        .app
        .call(
            Method::POST,
            &format!("{path}/cancel"),
            Some(&w.owner),
            Some(json!({ "reason": "host ill" })),
        )
        .await;
    assert_eq!(cancelled.json()["state"], "cancelled");
    assert_eq!(cancelled.json()["cancel_reason"], "host ill");
    assert_eq!(
        create(
            &w.app,
            &w.owner,
            &session_body(w.host, w.account, 3, 4, &[])
        )
        .await
        .status,
        201
    );

    // Rescheduling onto another session is refused too.
    let later = create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 10, 11, &[]),
    )
    .await
    .json();
    let later_path = format!("/v1/live-sessions/{}", later["id"].as_str().unwrap());
    w.app
        .call(
            Method::PATCH,
            &later_path,
            Some(&w.owner),
            Some(json!({ "scheduled_start": at(1), "scheduled_end": at(2) })),
        )
        .await
        .problem(409, "session_overlap");
    let moved = w
        .app
        .call(
            Method::PATCH,
            &later_path,
            Some(&w.owner),
            Some(json!({ "scheduled_start": at(12), "scheduled_end": at(13) })),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    w.app
        .call(
            Method::PATCH,
            &later_path,
            Some(&w.owner),
            Some(json!({ "language": "ja" })),
        )
        .await
        .problem(422, "compliance_violation");
}

#[actix_web::test]
async fn twenty_concurrent_overlapping_creates_book_exactly_once() {
    let w = world("Race Co").await;
    let body = session_body(w.host, w.account, 20, 22, &[]);
    let requests = (0..20).map(|_| {
        w.app
            .request(Method::POST, "/v1/live-sessions")
            .bearer_auth(&w.owner.access_token)
            .send_json(&body)
    });
    let answers = futures_util::future::join_all(requests).await;
    let mut statuses = Vec::new();
    for answer in answers {
        let answer = TestResponse::read(answer).await;
        if answer.status == 409 {
            answer.problem(409, "session_overlap");
        }
        statuses.push(answer.status.as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn idempotency_keys_replay_the_first_answer() {
    let w = world("Idem Co").await;
    let body = session_body(w.host, w.account, 30, 31, &[w.product]);
    let send = |key: &'static str, body: Value| {
        let app = &w.app;
        let token = w.owner.access_token.clone();
        async move {
            let answer = app
                .request(Method::POST, "/v1/live-sessions")
                .bearer_auth(token)
                .insert_header(("idempotency-key", key))
                .send_json(&body)
                .await;
            TestResponse::read(answer).await
        }
    };
    let first = send("key-1", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let again = send("key-1", body.clone()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(again.header("location"), first.header("location"));
    let mut other = body.clone();
    other["title"] = json!("Another title");
    send("key-1", other)
        .await
        .problem(422, "idempotency_key_reused");
    let list = w
        .app
        .call(
            Method::GET,
            &format!("/v1/live-sessions?influencer_id={}", w.host),
            Some(&w.owner),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "one row");
    // A refused request does not burn its key.
    let mut bad = body;
    bad["title"] = json!("");
    send("key-2", bad.clone())
        .await
        .problem(422, "validation_failed");
    bad["title"] = json!("Fixed");
    bad["scheduled_start"] = json!(at(40));
    bad["scheduled_end"] = json!(at(41));
    assert_eq!(send("key-2", bad).await.status, 201);
}

#[actix_web::test]
async fn a_replay_answers_the_stored_session_before_the_rules_are_checked_again() {
    let w = world("Replay Co").await;
    let body = session_body(w.host, w.account, 30, 31, &[w.product]);
    let send = || {
        w.app
            .request(Method::POST, "/v1/live-sessions")
            .bearer_auth(w.owner.access_token.clone())
            .insert_header(("idempotency-key", "replay-1"))
            .send_json(&body)
    };
    let first = TestResponse::read(send().await).await;
    assert_eq!(first.status, 201, "{}", first.text());
    // The host is suspended since: a new schedule would break a rule, but a replay of the key
    // answers what was stored, without judging the session again.
    let suspended = w
        .app
        .call(
            Method::POST,
            &format!("/v1/influencers/{}/suspend", w.host),
            Some(&w.owner),
            Some(json!({ "reason": "tax investigation" })),
        )
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.text());
    let replay = TestResponse::read(send().await).await;
    assert_eq!(replay.status, 201, "{}", replay.text());
    assert_eq!(replay.json()["id"], first.json()["id"]);
    let mut fresh = body.clone();
    fresh["title"] = json!("Another session");
    fresh["scheduled_start"] = json!(at(50));
    fresh["scheduled_end"] = json!(at(51));
    w.app
        .call(
            Method::POST,
            "/v1/live-sessions",
            Some(&w.owner),
            Some(fresh),
        )
        .await
        .problem(422, "compliance_violation");
}

#[actix_web::test]
async fn lineups_are_replaced_checked_and_frozen_after_going_live() {
    let w = world("Lineup Co").await;
    let other = create_product(&w.app, &w.owner, "MASK-1", None).await;
    let session = create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 0, 2, &[w.product]),
    )
    .await
    .json();
    let path = format!(
        "/v1/live-sessions/{}/lineup",
        session["id"].as_str().unwrap()
    );
    let replaced = w
        .app
        .call(Method::PUT, &path, Some(&w.owner), Some(json!({ "items": [{ "product_id": other }, { "product_id": w.product, "planned_price": "88.8" }] })))
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    let lineup = replaced.json()["lineup"].clone();
    assert_eq!(lineup[0]["sku"], "MASK-1");
    assert_eq!(lineup[1]["planned_price"], "88.80");
    w.app
        .call(
            Method::PUT,
            &path,
            Some(&w.owner),
            Some(json!({ "items": [{ "product_id": other }, { "product_id": other }] })),
        )
        .await
        .problem(422, "validation_failed");
    w.app
        .call(
            Method::PUT,
            &path,
            Some(&w.owner),
            Some(json!({ "items": [{ "product_id": Uuid::now_v7() }] })),
        )
        .await
        .problem(422, "validation_failed");
    w.app
        .call(
            Method::PUT,
            &path,
            Some(&w.owner),
            Some(json!({ "items": [{ "product_id": other, "planned_price": 9.9 }] })),
        )
        .await
        .problem(422, "validation_failed");
}

#[actix_web::test]
async fn the_calendar_lists_and_exports_sessions_by_filter() {
    let w = world("Calendar Co").await;
    let (second, second_account) = ready_host(&w.app, &w.owner, &w.compliance, "Lin", "202").await;
    create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 0, 2, &[]),
    )
    .await;
    create(
        &w.app,
        &w.owner,
        &session_body(second, second_account, 1, 3, &[]),
    )
    .await;
    create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 48, 50, &[]),
    )
    .await;

    let all = w
        .app
        .call(Method::GET, "/v1/live-sessions", Some(&w.owner), None)
        .await
        .json();
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let range = format!(
        "/v1/live-sessions?from={}&to={}",
        urlencode(&at(1)),
        urlencode(&at(10))
    );
    let in_range = w
        .app
        .call(Method::GET, &range, Some(&w.owner), None)
        .await
        .json();
    assert_eq!(
        in_range["items"].as_array().unwrap().len(),
        2,
        "overlapping the range"
    );
    let by_host = w
        .app
        .call(
            Method::GET,
            &format!("/v1/live-sessions?influencer_id={second}"),
            Some(&w.owner),
            None,
        )
        .await
        .json();
    assert_eq!(by_host["items"].as_array().unwrap().len(), 1);
    let on_kuaishou = w
        .app
        .call(
            Method::GET,
            "/v1/live-sessions?platform=kuaishou",
            Some(&w.owner),
            None,
        )
        .await
        .json();
    assert!(on_kuaishou["items"].as_array().unwrap().is_empty());
    let first_page = w
        .app
        .call(
            Method::GET,
            "/v1/live-sessions?limit=2",
            Some(&w.owner),
            None,
        )
        .await
        .json();
    let next = first_page["next_cursor"].as_str().unwrap();
    let second_page = w
        .app
        .call(
            Method::GET,
            &format!("/v1/live-sessions?limit=2&cursor={next}"),
            Some(&w.owner),
            None,
        )
        .await
        .json();
    assert_eq!(second_page["items"].as_array().unwrap().len(), 1);
    assert_eq!(second_page["next_cursor"], Value::Null);

    let feed = w
        .app
        .call(
            Method::GET,
            &format!("/v1/live-sessions.ics?influencer_id={}", w.host),
            Some(&w.owner),
            None,
        )
        .await;
    assert_eq!(feed.status, 200);
    assert!(
        feed.header("content-type")
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = feed.text();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    assert!(text.contains("SUMMARY:Evening beauty show"));
    assert!(text.contains("LOCATION:Hangzhou (studio)"));
    let start = chrono::DateTime::parse_from_rfc3339(&at(0))
        .unwrap()
        .with_timezone(&Utc);
    assert!(text.contains(&format!("DTSTART:{}", start.format("%Y%m%dT%H%M%SZ"))));
    assert!(text.lines().all(|l| l.len() <= 75));
}

fn urlencode(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn another_agencys_sessions_hosts_and_products_are_out_of_reach() {
    let w = world("Mine Co").await;
    let session = create(
        &w.app,
        &w.owner,
        &session_body(w.host, w.account, 0, 2, &[w.product]),
    )
    .await
    .json();
    let path = format!("/v1/live-sessions/{}", session["id"].as_str().unwrap());
    let other = w.app.signup_agency("Theirs Co").await;
    w.app
        .call(Method::GET, &path, Some(&other), None)
        .await
        .problem(404, "not_found");
    w.app
        .call(Method::POST, &format!("{path}/start"), Some(&other), None)
        .await
        .problem(404, "not_found");
    w.app
        .call(
            Method::PATCH,
            &path,
            Some(&other),
            Some(json!({ "title": "x" })),
        )
        .await
        .problem(404, "not_found");
    w.app
        .call(
            Method::PUT,
            &format!("{path}/lineup"),
            Some(&other),
            Some(json!({ "items": [] })),
        )
        .await
        .problem(404, "not_found");
    let refused = create(
        &w.app,
        &other,
        &session_body(w.host, w.account, 5, 6, &[w.product]),
    )
    .await;
    let problem = refused.problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"influencer_id") && fields.contains(&"lineup[0].product_id"),
        "{fields:?}"
    );
    let theirs = w
        .app
        .call(Method::GET, "/v1/live-sessions", Some(&other), None)
        .await
        .json();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let feed = w
        .app
        .call(Method::GET, "/v1/live-sessions.ics", Some(&other), None)
        .await;
    assert!(!feed.text().contains("BEGIN:VEVENT"));
}
