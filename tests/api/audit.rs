//! The audit trail: written with every mutation, readable by owners, admins and compliance,
//! filterable, scoped to the agency, and append-only in the database itself.

use actix_web::http::Method;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn mutations_are_audited_with_actor_request_and_redacted_changes() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Audit Co").await;
    let created = app
        .request(Method::POST, "/v1/users")
        .bearer_auth(&owner.access_token)
        .insert_header(("x-request-id", "audit-test-1"))
        .send_json(&json!({ "email": "clerk@audit.example.com", "password": PASSWORD, "display_name": "Clerk", "role": "analyst" }))
        .await;
    let created = crate::helpers::TestResponse::read(created).await.json();
    let user_id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/users/{user_id}");
    app.call(
        Method::PATCH,
        &path,
        Some(&owner),
        Some(json!({ "role": "manager", "password": "another fine password" })),
    )
    .await;
    app.call(Method::DELETE, &path, Some(&owner), None).await;

    let trail = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_type=user&entity_id={user_id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(trail.status, 200, "{}", trail.text());
    let trail = trail.json();
    assert_eq!(
        actions(&trail),
        vec!["user.deactivate", "user.update", "user.create"],
        "newest first"
    );
    let events = trail["items"].as_array().unwrap();
    for event in events {
        assert_eq!(event["actor_id"], owner.user_id.to_string());
    }
    let create = &events[2];
    assert_eq!(create["request_id"], "audit-test-1");
    assert_eq!(create["changes"]["role"], "analyst");
    assert_eq!(create["changes"]["email"], "c***@audit.example.com");
    assert_eq!(create["changes"]["password"], "[redacted]");
    let update = &events[1];
    assert_eq!(
        update["changes"]["role"],
        json!({ "from": "analyst", "to": "manager" })
    );
    assert_eq!(update["changes"]["password"], "[redacted]");
    assert_eq!(
        events[0]["changes"]["active"],
        json!({ "from": true, "to": false })
    );

    let text = app
        .call(
            Method::GET,
            "/v1/audit-events?limit=200",
            Some(&owner),
            None,
        )
        .await
        .text();
    assert!(
        !text.contains("$argon2id"),
        "no password hashes in the trail"
    );
    assert!(!text.contains(PASSWORD) && !text.contains("another fine password"));
    assert!(
        !text.contains("mcnr_") && !text.contains("eyJ"),
        "no tokens in the trail"
    );

    let all = app
        .call(
            Method::GET,
            "/v1/audit-events?limit=200",
            Some(&owner),
            None,
        )
        .await
        .json();
    let all = actions(&all);
    for action in [
        "agency.create",
        "user.create",
        "auth.login",
        "user.update",
        "user.deactivate",
    ] {
        assert!(all.iter().any(|a| a == action), "{action} in {all:?}");
    }
}

#[actix_web::test]
async fn audit_filters_by_actor_and_time_and_pages() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Filter Co").await;
    let admin = app.login_as(&owner, "admin").await;
    app.login_as(&admin, "analyst").await;

    let by_admin = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?actor_id={}", admin.user_id),
            Some(&owner),
            None,
        )
        .await
        .json();
    let by_admin = actions(&by_admin);
    assert!(by_admin.contains(&"user.create".to_owned()), "{by_admin:?}");
    assert!(
        by_admin
            .iter()
            .all(|a| a == "user.create" || a == "auth.login"),
        "{by_admin:?}"
    );

    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let none = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?from={}", urlencode(&future)),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert!(none["items"].as_array().unwrap().is_empty());
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let recent = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?from={}&limit=2", urlencode(&past)),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(recent["items"].as_array().unwrap().len(), 2);
    let next = recent["next_cursor"].as_str().unwrap();
    let second = app
        .call(
            Method::GET,
            &format!(
                "/v1/audit-events?from={}&limit=2&cursor={next}",
                urlencode(&past)
            ),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_ne!(second["items"][0]["id"], recent["items"][0]["id"]);

    app.call(
        Method::GET,
        "/v1/audit-events?from=yesterday",
        Some(&owner),
        None,
    )
    .await
    .problem(400, "invalid_query");
}

fn urlencode(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn only_owners_admins_and_compliance_read_the_trail() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Reader Co").await;
    for (role, allowed) in [
        ("admin", true),
        ("compliance", true),
        ("manager", false),
        ("analyst", false),
    ] {
        let session = app.login_as(&owner, role).await;
        let answer = app
            .call(Method::GET, "/v1/audit-events", Some(&session), None)
            .await;
        if allowed {
            assert_eq!(answer.status, 200, "{role}");
        } else {
            answer.problem(403, "forbidden");
        }
    }
}

#[actix_web::test]
async fn another_agencys_events_never_show() {
    let app = TestApp::spawn().await;
    let alpha = app.signup_agency("Alpha Audit").await;
    let beta = app.signup_agency("Beta Audit").await;
    let page = app
        .call(
            Method::GET,
            "/v1/audit-events?limit=200",
            Some(&alpha),
            None,
        )
        .await
        .json();
    for event in page["items"].as_array().unwrap() {
        assert_ne!(event["entity_id"], beta.user_id.to_string());
        assert_ne!(event["actor_id"], beta.user_id.to_string());
    }
    let filtered = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_id={}", beta.user_id),
            Some(&alpha),
            None,
        )
        .await
        .json();
    assert!(filtered["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn the_database_refuses_to_change_or_delete_audit_rows() {
    let app = TestApp::spawn().await;
    app.signup_agency("Immutable Co").await;
    let mut conn = app.state.conn().await.unwrap();
    for sql in [
        "UPDATE audit_events SET action = 'tampered'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let refused = diesel::sql_query(sql).execute(&mut conn).await;
        let error = refused.expect_err(sql).to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
}
