//! Rows that carry what a roster table shows (issue 15 point 5): each host in the list and the
//! detail comes with its identity state, whether an active legal entity exists, its platforms
//! and its number of open violations (the number the compliance pages show), read for a whole
//! page in a fixed number of statements.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp};
use crate::identity::resident_id;
use crate::products::create_product;
use crate::roster::create_influencer;
use crate::round_trips::{listing, recorded_app};
use crate::sessions::{credit_code, ready_host};

async fn add_account(
    app: &TestApp,
    owner: &Session,
    host: Uuid,
    platform: &str,
    id: &str,
    status: &str,
) {
    let created = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/platform-accounts"),
            Some(owner),
            Some(json!({ "platform": platform, "handle": format!("@{id}"), "platform_user_id": id, "status": status })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
}

async fn verify_identity(
    app: &TestApp,
    owner: &Session,
    reviewer: &Session,
    host: Uuid,
    sequence: &str,
) {
    let identity = json!({ "real_name": "Verified", "document_type": "cn_resident_id", "document_number": resident_id("19920202", sequence) });
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
}

/// The host's open issues on the compliance page, and the violations of its own page.
async fn shown_violations(app: &TestApp, session: &Session, host: Uuid) -> (usize, usize) {
    let issues = app
        .call(
            Method::GET,
            &format!("/v1/compliance/issues?limit=200&influencer_id={host}"),
            Some(session),
            None,
        )
        .await;
    assert_eq!(issues.status, 200, "{}", issues.text());
    let own = app
        .call(
            Method::GET,
            &format!("/v1/influencers/{host}/compliance"),
            Some(session),
            None,
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.text());
    (
        issues.json()["items"].as_array().unwrap().len(),
        own.json()["violations"].as_array().unwrap().len(),
    )
}

async fn roster(app: &TestApp, session: &Session, query: &str) -> Vec<Value> {
    let listed = app
        .call(
            Method::GET,
            &format!("/v1/influencers?limit=200{query}"),
            Some(session),
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    listed.json()["items"].as_array().unwrap().clone()
}

fn item(items: &[Value], host: Uuid) -> Value {
    items
        .iter()
        .find(|i| i["id"] == json!(host))
        .unwrap_or_else(|| panic!("{host} listed"))
        .clone()
}

fn facts(item: &Value) -> Value {
    json!({
        "identity_state": item["identity_state"],
        "has_active_legal_entity": item["has_active_legal_entity"],
        "platforms": item["platforms"],
        "open_violations": item["open_violations"],
    })
}

#[actix_web::test]
async fn hosts_carry_identity_entity_platforms_and_open_violations() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Table Co").await;
    let admin = app.login_as(&owner, "admin").await;
    let analyst = app.login_as(&owner, "analyst").await;

    // A: verified, an active entity, accounts on two platforms (one twice, a banned third),
    // an expiring qualification (a rule) and a recalled product sold after its recall (a finding).
    let (busy, _) = ready_host(&app, &owner, &admin, "Busy", "511").await;
    add_account(&app, &owner, busy, "kuaishou", "ks-511", "active").await;
    add_account(&app, &owner, busy, "douyin", "dy-511b", "active").await;
    add_account(&app, &owner, busy, "tiktok", "tt-511", "banned").await;
    let soon = (Utc::now().date_naive() + Duration::days(10)).to_string();
    let qualification = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{busy}/qualifications"),
            Some(&owner),
            Some(json!({ "field": "finance", "certificate_number": "F-511", "issuer": "CSRC", "valid_from": "2020-01-01", "valid_until": soon })),
        )
        .await;
    assert_eq!(qualification.status, 201, "{}", qualification.text());
    let product = create_product(&app, &owner, "REC-1", None).await;
    let recalled = app
        .call(
            Method::POST,
            &format!("/v1/products/{product}/recall"),
            Some(&admin),
            Some(json!({ "reason": "lead" })),
        )
        .await;
    assert_eq!(recalled.status, 200, "{}", recalled.text());
    let sold = app
        .call(
            Method::POST,
            "/v1/sales",
            Some(&owner),
            Some(json!({
                "platform": "douyin", "external_order_id": "REC-SOLD", "sold_at": Utc::now().to_rfc3339(),
                "influencer_id": busy, "product_id": product, "quantity": 1, "unit_price": "10.00"
            })),
        )
        .await;
    assert_eq!(sold.status, 201, "{}", sold.text());

    // B: verified, nothing else: a deregistered entity and a banned account count for nothing.
    let quiet = create_influencer(&app, &owner, "human", "Quiet").await;
    verify_identity(&app, &owner, &admin, quiet, "512").await;
    let entity = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{quiet}/legal-entities"),
            Some(&owner),
            Some(json!({ "entity_type": "company", "name": "Quiet Ltd", "credit_code": credit_code("512"), "status": "deregistered" })),
        )
        .await;
    assert_eq!(entity.status, 201, "{}", entity.text());
    add_account(&app, &owner, quiet, "douyin", "dy-512", "banned").await;

    // C: just added: no identity yet.
    let fresh = create_influencer(&app, &owner, "human", "Fresh").await;

    let listed = roster(&app, &analyst, "").await;
    let expected = [
        (
            busy,
            json!({ "identity_state": "verified", "has_active_legal_entity": true, "platforms": ["douyin", "kuaishou"], "open_violations": 2 }),
        ),
        (
            quiet,
            json!({ "identity_state": "verified", "has_active_legal_entity": false, "platforms": [], "open_violations": 0 }),
        ),
        (
            fresh,
            json!({ "identity_state": "unverified", "has_active_legal_entity": false, "platforms": [], "open_violations": 1 }),
        ),
    ];
    for (host, want) in &expected {
        let row = item(&listed, *host);
        assert_eq!(facts(&row), *want, "{row}");
        // The detail carries the same, and the compliance pages show the same number.
        let detail = app
            .call(
                Method::GET,
                &format!("/v1/influencers/{host}"),
                Some(&analyst),
                None,
            )
            .await;
        assert_eq!(detail.status, 200, "{}", detail.text());
        assert_eq!(detail.header("etag"), Some("\"1\""));
        assert_eq!(detail.json(), row);
        let count = want["open_violations"].as_u64().unwrap() as usize;
        assert_eq!(
            shown_violations(&app, &analyst, *host).await,
            (count, count)
        );
    }

    // Pages of one host carry the same facts (the look-ahead row is not the page's).
    let mut cursor = String::new();
    let mut paged = Vec::new();
    loop {
        let page = app
            .call(
                Method::GET,
                &format!("/v1/influencers?limit=1{cursor}"),
                Some(&analyst),
                None,
            )
            .await
            .json();
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(paged, listed);

    // The count follows the compliance page: a finding acknowledged leaves both; a rule fixed too.
    let finding = app
        .call(
            Method::GET,
            &format!("/v1/compliance/issues?influencer_id={busy}&code=recalled_product_sold"),
            Some(&owner),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let acknowledged = app
        .call(
            Method::POST,
            &format!("/v1/compliance/issues/{finding}/acknowledge"),
            Some(&admin),
            Some(json!({ "note": "known" })),
        )
        .await;
    assert_eq!(acknowledged.status, 200, "{}", acknowledged.text());
    verify_identity(&app, &owner, &admin, fresh, "513").await;
    let listed = roster(&app, &analyst, "").await;
    assert_eq!(item(&listed, busy)["open_violations"], 1);
    assert_eq!(item(&listed, fresh)["open_violations"], 0);
    assert_eq!(item(&listed, fresh)["identity_state"], "verified");
    assert_eq!(shown_violations(&app, &analyst, busy).await.0, 1);

    // Filters keep the facts; another agency sees none of these hosts.
    let on_kuaishou = roster(&app, &analyst, "&platform=kuaishou").await;
    assert_eq!(on_kuaishou.len(), 1);
    assert_eq!(on_kuaishou[0]["platforms"], json!(["douyin", "kuaishou"]));
    let other = app.signup_agency("Other Table Co").await;
    assert!(roster(&app, &other, "").await.is_empty());
    app.call(
        Method::GET,
        &format!("/v1/influencers/{busy}"),
        Some(&other),
        None,
    )
    .await
    .problem(404, "not_found");
}

#[actix_web::test]
async fn a_page_of_hosts_costs_the_same_statements_whatever_its_size() {
    let (app, recorder) = recorded_app().await;
    let owner = app.signup_agency("Wire Roster Co").await;
    let admin = app.login_as(&owner, "admin").await;
    for (i, name) in ["One", "Two", "Three", "Four", "Five"].iter().enumerate() {
        let (host, _) = ready_host(&app, &owner, &admin, name, &format!("60{i}")).await;
        add_account(
            &app,
            &owner,
            host,
            "kuaishou",
            &format!("ks-60{i}"),
            "active",
        )
        .await;
    }
    // Brings the compliance page up to date after the writes above.
    assert_eq!(roster(&app, &owner, "").await.len(), 5);

    let mut counts = Vec::new();
    for limit in [1, 2, 5, 50] {
        recorder.clear();
        let page = app
            .call(
                Method::GET,
                &format!("/v1/influencers?limit={limit}"),
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.text());
        let items = page.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), limit.min(5));
        assert!(
            items
                .iter()
                .all(|i| i["platforms"] == json!(["douyin", "kuaishou"]))
        );
        let executed = recorder.executed();
        let facts: Vec<_> = executed
            .iter()
            .filter(|e| e.sql.contains("platform_accounts"))
            .collect();
        assert_eq!(facts.len(), 1, "{}", listing(&executed));
        counts.push(executed.len());
    }
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "{counts:?}");
    // Caller check, agency, compliance refresh check, the page, the facts.
    assert_eq!(counts[0], 5, "{counts:?}");
}
