//! The roster: influencers, their status, filters, concurrency, roles and other agencies.

use actix_web::http::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};

pub async fn create_influencer(app: &TestApp, session: &Session, kind: &str, name: &str) -> Uuid {
    let answer = app
        .call(
            Method::POST,
            "/v1/influencers",
            Some(session),
            Some(json!({ "kind": kind, "stage_name": name, "languages": ["zh-CN"] })),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()["id"].as_str().unwrap().parse().unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["stage_name"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn hosts_are_created_read_listed_and_updated() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Roster Co").await;
    let manager = app.login_as(&owner, "manager").await;
    let created = app
        .call(
            Method::POST,
            "/v1/influencers",
            Some(&manager),
            Some(json!({ "kind": "human", "stage_name": " 小美 ", "languages": ["zh-CN", "en"], "notes": "beauty" })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let host = created.json();
    assert_eq!(host["stage_name"], "小美");
    assert_eq!(host["status"], "active");
    assert_eq!(host["languages"], json!(["zh-CN", "en"]));
    assert_eq!(created.header("etag"), Some("\"1\""));
    let path = created.header("location").unwrap().to_owned();

    let patched = app
        .request(Method::PATCH, &path)
        .bearer_auth(&manager.access_token)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({ "stage_name": "小美 Mei", "notes": null }))
        .await;
    let patched = TestResponse::read(patched).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["stage_name"], "小美 Mei");
    assert_eq!(patched.json()["notes"], Value::Null);
    assert_eq!(patched.json()["version"], 2);

    let stale = app
        .request(Method::PATCH, &path)
        .bearer_auth(&manager.access_token)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({ "stage_name": "late" }))
        .await;
    TestResponse::read(stale)
        .await
        .problem(412, "precondition_failed");

    app.call(
        Method::PATCH,
        &path,
        Some(&manager),
        Some(json!({ "kind": "virtual" })),
    )
    .await
    .problem(400, "unknown_field");
    let bad = app
        .call(
            Method::POST,
            "/v1/influencers",
            Some(&manager),
            Some(json!({ "kind": "human", "stage_name": "", "languages": ["chinese"] })),
        )
        .await;
    assert_eq!(
        bad.problem(422, "validation_failed")["errors"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[actix_web::test]
async fn the_roster_filters_by_status_kind_platform_and_name() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Filter Roster").await;
    let mei = create_influencer(&app, &owner, "human", "Mei Beauty").await;
    create_influencer(&app, &owner, "virtual", "AI Lin").await;
    let brand = create_influencer(&app, &owner, "brand", "Brand Store").await;
    app.call(
        Method::POST,
        &format!("/v1/influencers/{mei}/platform-accounts"),
        Some(&owner),
        Some(json!({ "platform": "douyin", "handle": "@mei", "platform_user_id": "dy-1" })),
    )
    .await;
    app.call(
        Method::POST,
        &format!("/v1/influencers/{brand}/suspend"),
        Some(&owner),
        Some(json!({ "reason": "audit" })),
    )
    .await;

    let list = |query: &'static str| {
        let app = &app;
        let owner = &owner;
        async move {
            app.call(
                Method::GET,
                &format!("/v1/influencers{query}"),
                Some(owner),
                None,
            )
            .await
            .json()
        }
    };
    assert_eq!(
        names(&list("").await),
        vec!["Mei Beauty", "AI Lin", "Brand Store"]
    );
    assert_eq!(names(&list("?kind=virtual").await), vec!["AI Lin"]);
    assert_eq!(names(&list("?status=suspended").await), vec!["Brand Store"]);
    assert_eq!(names(&list("?platform=douyin").await), vec!["Mei Beauty"]);
    assert_eq!(names(&list("?q=beau").await), vec!["Mei Beauty"]);
    assert_eq!(
        names(&list("?q=%25").await),
        Vec::<String>::new(),
        "LIKE wildcards are literal"
    );
    let page = list("?limit=2").await;
    assert_eq!(names(&page).len(), 2);
    let next = page["next_cursor"].as_str().unwrap();
    let rest = app
        .call(
            Method::GET,
            &format!("/v1/influencers?limit=2&cursor={next}"),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(names(&rest), vec!["Brand Store"]);
    app.call(
        Method::GET,
        "/v1/influencers?kind=robot",
        Some(&owner),
        None,
    )
    .await
    .problem(400, "invalid_query");
}

#[actix_web::test]
async fn suspension_reinstatement_and_termination_keep_history() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Status Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let id = create_influencer(&app, &owner, "human", "Taxed").await;
    let path = format!("/v1/influencers/{id}");

    app.call(
        Method::POST,
        &format!("{path}/suspend"),
        Some(&analyst),
        Some(json!({ "reason": "x" })),
    )
    .await
    .problem(403, "forbidden");
    app.call(
        Method::POST,
        &format!("{path}/suspend"),
        Some(&compliance),
        Some(json!({ "reason": " " })),
    )
    .await
    .problem(422, "validation_failed");
    let suspended = app
        .call(
            Method::POST,
            &format!("{path}/suspend"),
            Some(&compliance),
            Some(json!({ "reason": "tax investigation" })),
        )
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.text());
    assert_eq!(suspended.json()["status"], "suspended");
    assert_eq!(suspended.json()["status_reason"], "tax investigation");
    app.call(
        Method::POST,
        &format!("{path}/suspend"),
        Some(&compliance),
        Some(json!({ "reason": "again" })),
    )
    .await
    .problem(409, "invalid_transition");

    let back = app
        .call(
            Method::POST,
            &format!("{path}/reinstate"),
            Some(&owner),
            Some(json!({ "reason": "cleared" })),
        )
        .await;
    assert_eq!(back.json()["status"], "active");
    app.call(
        Method::POST,
        &format!("{path}/reinstate"),
        Some(&owner),
        Some(json!({ "reason": "again" })),
    )
    .await
    .problem(409, "invalid_transition");

    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("{path}?reason=contract%20ended"),
            Some(&owner),
            None
        )
        .await
        .status,
        204
    );
    let gone = app
        .call(Method::GET, &path, Some(&owner), None)
        .await
        .json();
    assert_eq!(gone["status"], "terminated", "terminated, not deleted");
    assert_eq!(gone["status_reason"], "contract ended");
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner), None)
            .await
            .status,
        204,
        "idempotent"
    );
    app.call(
        Method::POST,
        &format!("{path}/reinstate"),
        Some(&owner),
        Some(json!({ "reason": "x" })),
    )
    .await
    .problem(409, "invalid_transition");

    let trail = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_type=influencer&entity_id={id}"),
            Some(&owner),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "influencer.terminate",
            "influencer.reinstate",
            "influencer.suspend",
            "influencer.create"
        ]
    );
}

#[actix_web::test]
async fn read_only_roles_cannot_change_the_roster() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Readonly Co").await;
    let id = create_influencer(&app, &owner, "human", "Host").await;
    for role in ["analyst", "compliance"] {
        let session = app.login_as(&owner, role).await;
        app.call(
            Method::POST,
            "/v1/influencers",
            Some(&session),
            Some(json!({ "kind": "human", "stage_name": "x" })),
        )
        .await
        .problem(403, "forbidden");
        app.call(
            Method::PATCH,
            &format!("/v1/influencers/{id}"),
            Some(&session),
            Some(json!({ "stage_name": "x" })),
        )
        .await
        .problem(403, "forbidden");
        assert_eq!(
            app.call(
                Method::GET,
                &format!("/v1/influencers/{id}"),
                Some(&session),
                None
            )
            .await
            .status,
            200
        );
    }
}

#[actix_web::test]
async fn another_agencys_hosts_and_their_records_are_not_found() {
    let app = TestApp::spawn().await;
    let alpha = app.signup_agency("Alpha Roster").await;
    let beta = app.signup_agency("Beta Roster").await;
    let theirs = create_influencer(&app, &beta, "human", "Beta Star").await;
    let base = format!("/v1/influencers/{theirs}");
    let reads = [
        base.clone(),
        format!("{base}/identity"),
        format!("{base}/legal-entities"),
        format!("{base}/qualifications"),
        format!("{base}/platform-accounts"),
        format!("{base}/contracts"),
        format!("{base}/compliance"),
    ];
    for path in &reads {
        app.call(Method::GET, path, Some(&alpha), None)
            .await
            .problem(404, "not_found");
    }
    let writes = [
        (Method::PATCH, base.clone(), json!({ "stage_name": "mine" })),
        (
            Method::POST,
            format!("{base}/suspend"),
            json!({ "reason": "x" }),
        ),
        (
            Method::PUT,
            format!("{base}/identity"),
            json!({ "real_name": "x", "document_type": "passport", "document_number": "E1234567", "date_of_birth": "1990-01-01" }),
        ),
        (Method::POST, format!("{base}/identity/verify"), json!({})),
        (
            Method::POST,
            format!("{base}/legal-entities"),
            json!({ "entity_type": "company", "name": "x", "credit_code": "91350100M000100Y43" }),
        ),
        (
            Method::POST,
            format!("{base}/platform-accounts"),
            json!({ "platform": "douyin", "handle": "x", "platform_user_id": "x" }),
        ),
        (
            Method::POST,
            format!("{base}/contracts"),
            json!({ "valid_from": "2026-01-01", "agency_share_percent": "10" }),
        ),
        (
            Method::POST,
            format!("{base}/qualifications"),
            json!({ "field": "law", "certificate_number": "x", "issuer": "x", "valid_from": "2026-01-01", "valid_until": "2027-01-01" }),
        ),
    ];
    for (method, path, body) in writes {
        let answer = app
            .call(method.clone(), &path, Some(&alpha), Some(body))
            .await;
        answer.problem(404, "not_found");
    }
    app.call(Method::DELETE, &base, Some(&alpha), None)
        .await
        .problem(404, "not_found");
    let mine = app
        .call(Method::GET, "/v1/influencers", Some(&alpha), None)
        .await
        .json();
    assert!(mine["items"].as_array().unwrap().is_empty());
    let still = app.call(Method::GET, &base, Some(&beta), None).await.json();
    assert_eq!(still["stage_name"], "Beta Star");
    assert_eq!(still["status"], "active");
}
