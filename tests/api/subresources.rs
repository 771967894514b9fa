//! Every URL the API hands out resolves: one host record, product test, platform item or refund
//! by its id, paged lists of them, and corrections of qualifications and contracts.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::products::{create_product, record_test};
use crate::roster::create_influencer;
use crate::sessions::{credit_code, ready_host};

/// Posts `body` to `path`, asserts 201, and follows the `Location`: it answers 200 with the
/// same body (and the same `ETag`, if any). Answers the created object.
pub async fn create_and_follow(app: &TestApp, session: &Session, path: &str, body: Value) -> Value {
    let created = app
        .call(Method::POST, path, Some(session), Some(body))
        .await;
    assert_eq!(created.status, 201, "{path}: {}", created.text());
    let object = created.json();
    let location = created.header("location").expect("a Location").to_owned();
    assert_eq!(
        location,
        format!("{path}/{}", object["id"].as_str().unwrap()),
        "the Location names the new object under its collection"
    );
    let read = app.call(Method::GET, &location, Some(session), None).await;
    assert_eq!(read.status, 200, "{location}: {}", read.text());
    assert_eq!(
        read.json(),
        object,
        "{location} answers what the create did"
    );
    assert_eq!(read.header("etag"), created.header("etag"), "{location}");
    object
}

pub async fn patch(
    app: &TestApp,
    session: &Session,
    path: &str,
    if_match: Option<&str>,
    body: Value,
) -> TestResponse {
    let mut request = app
        .request(Method::PATCH, path)
        .bearer_auth(&session.access_token);
    if let Some(tag) = if_match {
        request = request.insert_header(("if-match", tag));
    }
    TestResponse::read(request.send_json(&body).await).await
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

fn qualification(number: &str) -> Value {
    json!({ "field": "medicine", "certificate_number": number, "issuer": "NHC", "valid_from": (today() - Duration::days(10)).to_string(), "valid_until": (today() + Duration::days(400)).to_string() })
}

fn account(user_id: &str) -> Value {
    json!({ "platform": "douyin", "handle": format!("@{user_id}"), "platform_user_id": user_id })
}

fn entity(seed: &str) -> Value {
    json!({ "entity_type": "individual_business", "name": format!("Studio {seed}"), "credit_code": credit_code(seed) })
}

fn contract(from: &str, until: Option<&str>) -> Value {
    json!({ "valid_from": from, "valid_until": until, "agency_share_percent": "30" })
}

/// One record of each kind for `host` and a test of `product` by it; answers their URLs.
async fn one_of_each(app: &TestApp, owner: &Session, host: Uuid, product: Uuid) -> Vec<String> {
    let base = format!("/v1/influencers/{host}");
    let mut urls = Vec::new();
    for (collection, body) in [
        ("legal-entities", entity("7")),
        (
            "platform-accounts",
            account(&format!("dy-{}", host.simple())),
        ),
        ("qualifications", qualification("MED-1")),
        ("contracts", contract("2026-01-01", None)),
    ] {
        let path = format!("{base}/{collection}");
        let object = create_and_follow(app, owner, &path, body).await;
        urls.push(format!("{path}/{}", object["id"].as_str().unwrap()));
    }
    let path = format!("/v1/products/{product}/tests");
    let test = create_and_follow(
        app,
        owner,
        &path,
        json!({ "influencer_id": host, "tested_on": today().to_string(), "result": "pass" }),
    )
    .await;
    urls.push(format!("{path}/{}", test["id"].as_str().unwrap()));
    let path = format!("/v1/products/{product}/platform-items");
    let item = create_and_follow(
        app,
        owner,
        &path,
        json!({ "platform": "douyin", "item_id": format!("item-{}", product.simple()) }),
    )
    .await;
    urls.push(format!("{path}/{}", item["id"].as_str().unwrap()));
    urls
}

#[actix_web::test]
async fn every_location_a_create_hands_out_resolves_for_its_agency_only() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Located Co").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let host = create_influencer(&app, &owner, "human", "Located").await;
    let other_host = create_influencer(&app, &owner, "human", "Elsewhere").await;
    let product = create_product(&app, &owner, "PILL-1", Some("medicine")).await;
    let other_product = create_product(&app, &owner, "PILL-2", None).await;
    let urls = one_of_each(&app, &owner, host, product).await;

    let stranger = app.signup_agency("Stranger Co").await;
    for url in &urls {
        // Every role reads.
        let read = app.call(Method::GET, url, Some(&analyst), None).await;
        assert_eq!(read.status, 200, "{url}: {}", read.text());
        // Another agency's caller finds nothing, and so does nobody.
        app.call(Method::GET, url, Some(&stranger), None)
            .await
            .problem(404, "not_found");
        assert_eq!(app.call(Method::GET, url, None, None).await.status, 401);
        // A record under another host (or product) of the same agency is not found there.
        let moved = url
            .replace(&host.to_string(), &other_host.to_string())
            .replace(&product.to_string(), &other_product.to_string());
        assert_ne!(&moved, url);
        app.call(Method::GET, &moved, Some(&owner), None)
            .await
            .problem(404, "not_found");
        // An unknown id is not found.
        let (collection, _) = url.rsplit_once('/').unwrap();
        app.call(
            Method::GET,
            &format!("{collection}/{}", Uuid::now_v7()),
            Some(&owner),
            None,
        )
        .await
        .problem(404, "not_found");
        app.call(
            Method::GET,
            &format!("{collection}/not-a-uuid"),
            Some(&owner),
            None,
        )
        .await
        .problem(400, "invalid_path");
    }
}

/// Reads `path` two at a time; answers every id in order and checks the page shape.
async fn walk(app: &TestApp, session: &Session, path: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=2&cursor={c}"),
            None => format!("{path}?limit=2"),
        };
        let page = app.call(Method::GET, &url, Some(session), None).await;
        assert_eq!(page.status, 200, "{url}: {}", page.text());
        let page = page.json();
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2, "{url}");
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "{path} ends");
    }
    ids
}

#[actix_web::test]
async fn the_lists_of_host_records_and_product_tests_are_pages() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Paged Co").await;
    let host = create_influencer(&app, &owner, "human", "Paged").await;
    let product = create_product(&app, &owner, "LIP-1", None).await;
    let base = format!("/v1/influencers/{host}");
    let mut expected: Vec<(String, Vec<String>)> = Vec::new();
    let mut create = async |path: String, bodies: Vec<Value>| {
        let mut ids = Vec::new();
        for body in bodies {
            let answer = app
                .call(Method::POST, &path, Some(&owner), Some(body))
                .await;
            assert_eq!(answer.status, 201, "{path}: {}", answer.text());
            ids.push(answer.json()["id"].as_str().unwrap().to_owned());
        }
        expected.push((path, ids));
    };
    create(
        format!("{base}/legal-entities"),
        vec![entity("1001"), entity("1002"), entity("1003")],
    )
    .await;
    create(
        format!("{base}/platform-accounts"),
        vec![account("p-1"), account("p-2"), account("p-3")],
    )
    .await;
    create(
        format!("{base}/qualifications"),
        vec![
            qualification("Q-1"),
            qualification("Q-2"),
            qualification("Q-3"),
        ],
    )
    .await;
    // Created out of date order: the list is earliest first.
    create(
        format!("{base}/contracts"),
        vec![
            contract("2026-03-01", Some("2026-03-31")),
            contract("2026-01-01", Some("2026-01-31")),
            contract("2026-02-01", Some("2026-02-28")),
        ],
    )
    .await;
    let tests = format!("/v1/products/{product}/tests");
    create(
        tests.clone(),
        ["2026-01-02", "2026-01-03", "2026-01-01"]
            .iter()
            .map(|day| json!({ "influencer_id": host, "tested_on": day, "result": "pass" }))
            .collect(),
    )
    .await;
    let items = format!("/v1/products/{product}/platform-items");
    create(
        items.clone(),
        ["9", "1", "5"]
            .iter()
            .map(|item| json!({ "platform": "taobao", "item_id": item }))
            .collect(),
    )
    .await;

    for (path, mut ids) in expected {
        if path.ends_with("/contracts") {
            ids = vec![ids[1].clone(), ids[2].clone(), ids[0].clone()];
        } else if path == tests {
            // Newest test day first.
            ids = vec![ids[1].clone(), ids[0].clone(), ids[2].clone()];
        }
        assert_eq!(walk(&app, &owner, &path).await, ids, "{path}");
        let whole = app
            .call(Method::GET, &path, Some(&owner), None)
            .await
            .json();
        assert_eq!(whole["items"].as_array().unwrap().len(), 3, "{path}");
        assert_eq!(whole["next_cursor"], Value::Null, "{path}");
        let problem = app
            .call(Method::GET, &format!("{path}?limit=0"), Some(&owner), None)
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "limit", "{path}");
        let problem = app
            .call(
                Method::GET,
                &format!("{path}?cursor=garbage"),
                Some(&owner),
                None,
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "cursor", "{path}");
    }
    // Another agency's caller cannot list them.
    let stranger = app.signup_agency("Lister Co").await;
    for path in [format!("{base}/contracts"), tests, items] {
        app.call(Method::GET, &path, Some(&stranger), None)
            .await
            .problem(404, "not_found");
    }
}

/// The audit events of one object, newest first.
pub async fn actions(app: &TestApp, owner: &Session, entity_type: &str, id: &str) -> Vec<Value> {
    let trail = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_type={entity_type}&entity_id={id}"),
            Some(owner),
            None,
        )
        .await;
    assert_eq!(trail.status, 200, "{}", trail.text());
    trail.json()["items"].as_array().unwrap().clone()
}

/// The actions of audit events, in their order.
pub fn action_names(trail: &[Value]) -> Vec<&str> {
    trail
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn qualifications_are_corrected_and_revoked_with_if_match() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Revoking Co").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let host = create_influencer(&app, &owner, "human", "Doctor").await;
    let collection = format!("/v1/influencers/{host}/qualifications");
    let created = create_and_follow(&app, &owner, &collection, qualification("MED-1")).await;
    assert_eq!(created["version"], 1);
    assert_eq!(created["revoked_at"], Value::Null);
    create_and_follow(&app, &owner, &collection, qualification("MED-2")).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("{collection}/{id}");

    let corrected = patch(
        &app,
        &owner,
        &path,
        Some("\"1\""),
        json!({ "valid_until": "2030-12-31", "issuer": "National Health Commission" }),
    )
    .await;
    assert_eq!(corrected.status, 200, "{}", corrected.text());
    assert_eq!(corrected.header("etag"), Some("\"2\""));
    assert_eq!(corrected.json()["valid_until"], "2030-12-31");
    assert_eq!(corrected.json()["issuer"], "National Health Commission");
    assert_eq!(corrected.json()["version"], 2);
    // A stale If-Match changes nothing.
    patch(
        &app,
        &owner,
        &path,
        Some("\"1\""),
        json!({ "issuer": "Someone" }),
    )
    .await
    .problem(412, "precondition_failed");
    let problem = patch(
        &app,
        &owner,
        &path,
        None,
        json!({ "valid_from": "2031-01-01" }),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["code"], "invalid_range");
    let problem = patch(&app, &owner, &path, None, json!({ "revoked": true }))
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "revoke_reason");
    let problem = patch(&app, &owner, &path, None, json!({ "revoke_reason": "why" }))
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["code"], "not_allowed");
    patch(
        &app,
        &owner,
        &path,
        None,
        json!({ "certificate_number": "MED-2" }),
    )
    .await
    .problem(409, "qualification_exists");
    patch(&app, &owner, &path, None, json!({ "field": "law" }))
        .await
        .problem(400, "unknown_field");
    patch(&app, &analyst, &path, None, json!({ "issuer": "x" }))
        .await
        .problem(403, "forbidden");
    let stranger = app.signup_agency("Meddling Co").await;
    patch(&app, &stranger, &path, None, json!({ "issuer": "x" }))
        .await
        .problem(404, "not_found");
    let read = app.call(Method::GET, &path, Some(&owner), None).await;
    assert_eq!(
        read.header("etag"),
        Some("\"2\""),
        "refusals changed nothing"
    );
    assert_eq!(read.json()["issuer"], "National Health Commission");

    let revoked = patch(
        &app,
        &owner,
        &path,
        Some("\"2\""),
        json!({ "revoked": true, "revoke_reason": "certificate withdrawn by the issuer" }),
    )
    .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    let revoked = revoked.json();
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(
        revoked["revoke_reason"],
        "certificate withdrawn by the issuer"
    );
    assert_eq!(revoked["version"], 3);
    let trail = actions(&app, &owner, "qualification", id).await;
    assert_eq!(
        action_names(&trail),
        vec![
            "qualification.revoke",
            "qualification.update",
            "qualification.create"
        ]
    );
    assert_eq!(trail[1]["changes"]["valid_until"]["to"], "2030-12-31");
    assert_eq!(
        trail[0]["changes"]["revoke_reason"]["to"],
        "certificate withdrawn by the issuer"
    );

    // A revocation made in error is taken back.
    let restored = patch(
        &app,
        &owner,
        &path,
        Some("\"3\""),
        json!({ "revoked": false }),
    )
    .await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    assert_eq!(restored.json()["revoked_at"], Value::Null);
    assert_eq!(restored.json()["revoke_reason"], Value::Null);
}

fn slot(days: i64) -> (String, String) {
    let start = (Utc::now() + Duration::days(days))
        .date_naive()
        .and_hms_opt(4, 0, 0)
        .unwrap()
        .and_utc();
    (
        start.to_rfc3339(),
        (start + Duration::hours(2)).to_rfc3339(),
    )
}

fn violation_codes(session: &Value) -> Vec<String> {
    session["compliance"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_revoked_qualification_no_longer_qualifies_the_host() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Qualified Sessions").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let (host, account) = ready_host(&app, &owner, &compliance, "Healer", "317").await;
    let product = create_product(&app, &owner, "PILL-9", Some("medicine")).await;
    let test = record_test(&app, &owner, product, host, &today().to_string(), "pass").await;
    assert_eq!(test.status, 201, "{}", test.text());
    let qualification = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/qualifications"),
            Some(&owner),
            Some(qualification("MED-7")),
        )
        .await;
    assert_eq!(qualification.status, 201, "{}", qualification.text());
    let (start, end) = slot(2);
    let created = app
        .call(
            Method::POST,
            "/v1/live-sessions",
            Some(&owner),
            Some(json!({
                "influencer_id": host, "platform_account_id": account, "title": "Health hour",
                "scheduled_start": start, "scheduled_end": end, "language": "zh-CN",
                "lineup": [{ "product_id": product }],
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let session = created.json();
    assert_eq!(
        session["compliance"]["ready_to_start"], true,
        "{}",
        session["compliance"]
    );
    let session_path = format!("/v1/live-sessions/{}", session["id"].as_str().unwrap());

    let revoked = patch(
        &app,
        &owner,
        &format!(
            "/v1/influencers/{host}/qualifications/{}",
            qualification.json()["id"].as_str().unwrap()
        ),
        Some("\"1\""),
        json!({ "revoked": true, "revoke_reason": "forged" }),
    )
    .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    let session = app
        .call(Method::GET, &session_path, Some(&owner), None)
        .await
        .json();
    assert_eq!(violation_codes(&session), vec!["qualification_missing"]);
    assert_eq!(session["compliance"]["ready_to_start"], false);
    app.call(
        Method::POST,
        &format!("{session_path}/start"),
        Some(&owner),
        None,
    )
    .await
    .problem(422, "compliance_violation");
}

#[actix_web::test]
async fn contracts_end_early_and_are_corrected_but_never_overlap() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Contract Edits").await;
    let manager = app.login_as(&owner, "manager").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let host = create_influencer(&app, &owner, "human", "Signed").await;
    let collection = format!("/v1/influencers/{host}/contracts");
    let first = create_and_follow(&app, &owner, &collection, contract("2026-01-01", None)).await;
    let path = format!("{collection}/{}", first["id"].as_str().unwrap());
    assert_eq!(first["version"], 1);

    // Ends early.
    let ended = patch(
        &app,
        &manager,
        &path,
        Some("\"1\""),
        json!({ "valid_until": "2026-06-30" }),
    )
    .await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    assert_eq!(ended.header("etag"), Some("\"2\""));
    assert_eq!(ended.json()["valid_until"], "2026-06-30");
    let second = create_and_follow(&app, &owner, &collection, contract("2026-07-01", None)).await;

    // Cannot come to overlap the next one, whether extended or made open-ended again.
    for body in [
        json!({ "valid_until": "2026-07-01" }),
        json!({ "valid_until": null }),
    ] {
        patch(&app, &owner, &path, Some("\"2\""), body)
            .await
            .problem(409, "contract_overlap");
    }
    let problem = patch(
        &app,
        &owner,
        &path,
        None,
        json!({ "valid_until": "2025-12-31" }),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["code"], "invalid_range");
    let problem = patch(
        &app,
        &owner,
        &path,
        None,
        json!({ "agency_share_percent": "100.01" }),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "agency_share_percent");
    // The income type is the contract's for good: a change is a new contract from a date.
    patch(&app, &owner, &path, None, json!({ "income_type": "wages" }))
        .await
        .problem(409, "income_type_fixed");
    patch(
        &app,
        &owner,
        &path,
        Some("\"1\""),
        json!({ "agency_share_percent": "10" }),
    )
    .await
    .problem(412, "precondition_failed");
    patch(
        &app,
        &analyst,
        &path,
        None,
        json!({ "agency_share_percent": "10" }),
    )
    .await
    .problem(403, "forbidden");
    let stranger = app.signup_agency("Poacher Co").await;
    patch(
        &app,
        &stranger,
        &path,
        None,
        json!({ "agency_share_percent": "10" }),
    )
    .await
    .problem(404, "not_found");
    // Under another host the contract is not found either.
    let other = create_influencer(&app, &owner, "human", "Other").await;
    patch(
        &app,
        &owner,
        &format!(
            "/v1/influencers/{other}/contracts/{}",
            first["id"].as_str().unwrap()
        ),
        None,
        json!({ "agency_share_percent": "10" }),
    )
    .await
    .problem(404, "not_found");

    let corrected = patch(
        &app,
        &owner,
        &path,
        Some("\"2\""),
        json!({ "agency_share_percent": "12.5", "valid_from": "2025-12-01" }),
    )
    .await;
    assert_eq!(corrected.status, 200, "{}", corrected.text());
    let corrected = corrected.json();
    assert_eq!(corrected["agency_share_percent"], "12.50");
    assert_eq!(corrected["valid_from"], "2025-12-01");
    assert_eq!(corrected["valid_until"], "2026-06-30");
    assert_eq!(corrected["version"], 3);
    let read = app.call(Method::GET, &path, Some(&owner), None).await;
    assert_eq!(read.json(), corrected);
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{collection}/{}", second["id"].as_str().unwrap()),
            Some(&owner),
            None
        )
        .await
        .json()["version"],
        1,
        "the next contract is untouched"
    );

    let trail = actions(&app, &owner, "contract", first["id"].as_str().unwrap()).await;
    assert_eq!(
        action_names(&trail),
        vec!["contract.update", "contract.update", "contract.create"]
    );
    assert_eq!(
        trail[0]["changes"]["agency_share_percent"],
        json!({ "from": "30.00", "to": "12.50" })
    );
    assert_eq!(
        trail[1]["changes"]["valid_until"],
        json!({ "from": null, "to": "2026-06-30" })
    );
}

#[actix_web::test]
async fn a_refund_is_found_under_its_own_sale_only() {
    let shop = crate::sales::shop("Refund Lookup").await;
    let mut sales = Vec::new();
    for order in ["RL-1", "RL-2"] {
        let answer = shop
            .app
            .call(
                Method::POST,
                "/v1/sales",
                Some(&shop.owner),
                Some(crate::sales::line(order, shop.host, shop.product)),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        sales.push(answer.json()["id"].as_str().unwrap().to_owned());
    }
    let collection = format!("/v1/sales/{}/refunds", sales[0]);
    let refund = create_and_follow(
        &shop.app,
        &shop.owner,
        &collection,
        json!({ "amount": "10.00", "reason": "late delivery" }),
    )
    .await;
    assert_eq!(refund["amount"], "10.00");
    let rid = refund["id"].as_str().unwrap();
    // The sale lists it too.
    let sale = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/sales/{}", sales[0]),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(sale["refunds"][0], refund);
    assert_eq!(sale["refunded_amount"], "10.00");
    for url in [
        format!("/v1/sales/{}/refunds/{rid}", sales[1]),
        format!("{collection}/{}", Uuid::now_v7()),
        format!("/v1/sales/{}/refunds/{rid}", Uuid::now_v7()),
    ] {
        shop.app
            .call(Method::GET, &url, Some(&shop.owner), None)
            .await
            .problem(404, "not_found");
    }
    let stranger = shop.app.signup_agency("Refund Snoop").await;
    shop.app
        .call(
            Method::GET,
            &format!("{collection}/{rid}"),
            Some(&stranger),
            None,
        )
        .await
        .problem(404, "not_found");
    let analyst = shop.app.login_as(&shop.owner, "analyst").await;
    assert_eq!(
        shop.app
            .call(
                Method::GET,
                &format!("{collection}/{rid}"),
                Some(&analyst),
                None
            )
            .await
            .status,
        200
    );
}
