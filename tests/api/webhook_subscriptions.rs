//! Webhook subscriptions through the API: the secret shown once and rotated, `If-Match`,
//! checked events, roles, other agencies, and target URLs refused after resolution.

use actix_web::http::Method;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Spawn, TestApp, TestResponse};
use crate::webhook_receiver::subscribe;

#[actix_web::test]
async fn subscriptions_show_their_secret_once_rotate_and_follow_if_match_roles_and_agencies() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Hook Admin").await;
    let created = app
        .call(
            Method::POST,
            "/v1/webhooks",
            Some(&owner),
            Some(json!({ "url": "https://hooks.example.com/mcn", "events": ["sale.created", "session.started"], "active": false })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/v1/webhooks/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    let body = created.json();
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(BASE64.decode(&secret[6..]).unwrap().len(), 32);
    assert_eq!(body["events"], json!(["sale.created", "session.started"]));
    assert_eq!(body["active"], false);
    assert_eq!(body["version"], 1);

    let path = format!("/v1/webhooks/{id}");
    let read = app.call(Method::GET, &path, Some(&owner), None).await;
    assert_eq!(read.status, 200);
    assert!(
        read.json().get("secret").is_none(),
        "the secret is shown once"
    );
    assert!(!read.text().contains(&secret));
    let list = app
        .call(Method::GET, "/v1/webhooks", Some(&owner), None)
        .await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
    assert!(!list.text().contains(&secret));

    let stale = app
        .request(Method::PATCH, &path)
        .bearer_auth(&owner.access_token)
        .insert_header(("If-Match", "\"7\""))
        .send_json(&json!({ "active": true }))
        .await;
    TestResponse::read(stale)
        .await
        .problem(412, "precondition_failed");
    let patched = app
        .request(Method::PATCH, &path)
        .bearer_auth(&owner.access_token)
        .insert_header(("If-Match", "\"1\""))
        .send_json(&json!({ "active": true, "events": ["statement.paid"] }))
        .await;
    let patched = TestResponse::read(patched).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["events"], json!(["statement.paid"]));
    assert_eq!(patched.json()["active"], true);
    assert_eq!(patched.json()["version"], 2);

    let rotated = app
        .call(
            Method::POST,
            &format!("{path}/rotate-secret"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    let new_secret = rotated.json()["secret"].as_str().unwrap().to_owned();
    assert!(new_secret.starts_with("whsec_"));
    assert_ne!(new_secret, secret);

    // Events are checked: unknown, repeated, none.
    for (events, field, code) in [
        (
            json!(["sale.created", "sale.exploded"]),
            "events[1]",
            "unknown_event",
        ),
        (
            json!(["sale.created", "sale.created"]),
            "events[1]",
            "duplicate",
        ),
        (json!([]), "events", "required"),
    ] {
        let refused = app
            .call(
                Method::POST,
                "/v1/webhooks",
                Some(&owner),
                Some(json!({ "url": "https://hooks.example.com/x", "events": events })),
            )
            .await;
        let problem = refused.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    let malformed = app
        .call(
            Method::POST,
            "/v1/webhooks",
            Some(&owner),
            Some(json!({ "url": "not a url", "events": ["sale.created"] })),
        )
        .await;
    malformed.problem(422, "validation_failed");

    // Managers and other roles may not manage webhooks; admins may.
    for role in ["manager", "compliance", "finance", "analyst"] {
        let staff = app.login_as(&owner, role).await;
        app.call(Method::GET, "/v1/webhooks", Some(&staff), None)
            .await
            .problem(403, "forbidden");
        app.call(
            Method::POST,
            "/v1/webhooks",
            Some(&staff),
            Some(json!({ "url": "https://hooks.example.com/x", "events": ["sale.created"] })),
        )
        .await
        .problem(403, "forbidden");
    }
    let admin = app.login_as(&owner, "admin").await;
    assert_eq!(
        app.call(Method::GET, &path, Some(&admin), None)
            .await
            .status,
        200
    );

    // Another agency sees none of it.
    let other = app.signup_agency("Other Hooks").await;
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::DELETE, ""),
        (Method::POST, "/rotate-secret"),
        (Method::GET, "/deliveries"),
    ] {
        app.call(method, &format!("{path}{suffix}"), Some(&other), None)
            .await
            .problem(404, "not_found");
    }
    app.call(
        Method::PATCH,
        &path,
        Some(&other),
        Some(json!({ "active": false })),
    )
    .await
    .problem(404, "not_found");
    let retry = format!("{path}/deliveries/{}/retry", Uuid::now_v7());
    app.call(Method::POST, &retry, Some(&owner), None)
        .await
        .problem(404, "not_found");
    let others = app
        .call(Method::GET, "/v1/webhooks", Some(&other), None)
        .await;
    assert!(others.json()["items"].as_array().unwrap().is_empty());

    let deleted = app.call(Method::DELETE, &path, Some(&owner), None).await;
    assert_eq!(deleted.status, 204);
    app.call(Method::GET, &path, Some(&owner), None)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn urls_that_reach_internal_addresses_are_refused_unless_allowed() {
    let app = Spawn::new()
        .await
        .settings(|s| s.webhooks.allow_private_addresses = false)
        .start()
        .await;
    let owner = app.signup_agency("Strict Hooks").await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://2130706433/hook",
        "http://100.64.0.1/hook",
        "http://[fd00::1]/hook",
        "http://localhost:9000/hook",
        "ftp://hooks.example.com/x",
        "https://user:secret@hooks.example.com/x",
    ] {
        let refused = app
            .call(
                Method::POST,
                "/v1/webhooks",
                Some(&owner),
                Some(json!({ "url": url, "events": ["sale.created"] })),
            )
            .await;
        let problem = refused.problem(422, "webhook_url_not_allowed");
        assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
    }
    // The test profile allows private addresses (a receiver on this machine).
    let relaxed = TestApp::spawn().await;
    let owner = relaxed.signup_agency("Local Hooks").await;
    subscribe(
        &relaxed,
        &owner,
        "http://127.0.0.1:9/hook",
        &["sale.created"],
    )
    .await;
    let hook = subscribe(
        &relaxed,
        &owner,
        "http://localhost:9/hook",
        &["sale.created"],
    )
    .await;
    let patched = relaxed
        .call(
            Method::PATCH,
            &format!("/v1/webhooks/{}", hook["id"].as_str().unwrap()),
            Some(&owner),
            Some(json!({ "url": "gopher://localhost/" })),
        )
        .await;
    patched.problem(422, "webhook_url_not_allowed");
}
