//! Staff accounts: roles, who may manage whom, the last owner, immediate revocation on
//! deactivation and role change, own password changes, ETags, pagination, other agencies.

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

#[actix_web::test]
async fn owners_create_list_read_and_update_staff() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Staff Co").await;

    let created = app
        .call(
            Method::POST,
            "/v1/users",
            Some(&owner),
            Some(json!({ "email": "mgr@staff.example.com", "password": PASSWORD, "display_name": "Manager Wang", "role": "manager" })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.header("etag"), Some("\"1\""));
    let user = created.json();
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap());
    assert_eq!(created.header("location"), Some(path.as_str()));
    assert_eq!(user["role"], "manager");
    assert_eq!(user["active"], true);

    let read = app.call(Method::GET, &path, Some(&owner), None).await;
    assert_eq!(read.json()["display_name"], "Manager Wang");

    let renamed = app
        .request(Method::PATCH, &path)
        .bearer_auth(&owner.access_token)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({ "display_name": "Manager Li" }))
        .await;
    let renamed = crate::helpers::TestResponse::read(renamed).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(renamed.json()["display_name"], "Manager Li");
    assert_eq!(renamed.header("etag"), Some("\"2\""));

    let stale = app
        .request(Method::PATCH, &path)
        .bearer_auth(&owner.access_token)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({ "display_name": "Manager Zhao" }))
        .await;
    crate::helpers::TestResponse::read(stale)
        .await
        .problem(412, "precondition_failed");

    let list = app
        .call(Method::GET, "/v1/users?role=manager", Some(&owner), None)
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["next_cursor"], serde_json::Value::Null);
}

#[actix_web::test]
async fn user_lists_page_with_cursors() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Paging Co").await;
    for n in 0..4 {
        app.call(
            Method::POST,
            "/v1/users",
            Some(&owner),
            Some(json!({ "email": format!("p{n}@paging.example.com"), "password": PASSWORD, "display_name": format!("P{n}"), "role": "analyst" })),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/users?limit=2&cursor={c}"),
            None => "/v1/users?limit=2".to_owned(),
        };
        let page = app
            .call(Method::GET, &path, Some(&owner), None)
            .await
            .json();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen.len(),
        5,
        "owner and four analysts, each once: {seen:?}"
    );
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 5);

    app.call(Method::GET, "/v1/users?limit=500", Some(&owner), None)
        .await
        .problem(422, "validation_failed");
    app.call(Method::GET, "/v1/users?cursor=bogus", Some(&owner), None)
        .await
        .problem(422, "validation_failed");
}

#[actix_web::test]
async fn roles_without_user_management_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Roles Co").await;
    let body = json!({ "email": "x@roles.example.com", "password": PASSWORD, "display_name": "X", "role": "analyst" });
    for role in ["manager", "compliance", "analyst"] {
        let session = app.login_as(&owner, role).await;
        app.call(
            Method::POST,
            "/v1/users",
            Some(&session),
            Some(body.clone()),
        )
        .await
        .problem(403, "forbidden");
        // Reading the roster of staff is allowed to every role.
        assert_eq!(
            app.call(Method::GET, "/v1/users", Some(&session), None)
                .await
                .status,
            200
        );
    }
    app.call(Method::GET, "/v1/users", None, None)
        .await
        .problem(401, "missing_token");
}

#[actix_web::test]
async fn admins_manage_staff_but_not_owners() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Admin Co").await;
    let admin = app.login_as(&owner, "admin").await;

    let owner_body = json!({ "email": "o2@admin.example.com", "password": PASSWORD, "display_name": "O2", "role": "owner" });
    app.call(
        Method::POST,
        "/v1/users",
        Some(&admin),
        Some(owner_body.clone()),
    )
    .await
    .problem(403, "owner_management_forbidden");
    let owner_path = format!("/v1/users/{}", owner.user_id);
    app.call(
        Method::PATCH,
        &owner_path,
        Some(&admin),
        Some(json!({ "role": "analyst" })),
    )
    .await
    .problem(403, "owner_management_forbidden");
    app.call(Method::DELETE, &owner_path, Some(&admin), None)
        .await
        .problem(403, "owner_management_forbidden");

    let analyst = app.login_as(&admin, "analyst").await;
    let analyst_path = format!("/v1/users/{}", analyst.user_id);
    app.call(
        Method::PATCH,
        &analyst_path,
        Some(&admin),
        Some(json!({ "role": "owner" })),
    )
    .await
    .problem(403, "owner_management_forbidden");
    let promoted = app
        .call(
            Method::PATCH,
            &analyst_path,
            Some(&admin),
            Some(json!({ "role": "manager" })),
        )
        .await;
    assert_eq!(promoted.json()["role"], "manager");

    // Owners may create owners.
    assert_eq!(
        app.call(Method::POST, "/v1/users", Some(&owner), Some(owner_body))
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn the_last_active_owner_can_be_neither_removed_nor_demoted() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Owner Co").await;
    let path = format!("/v1/users/{}", owner.user_id);
    app.call(Method::DELETE, &path, Some(&owner), None)
        .await
        .problem(409, "last_owner");
    app.call(
        Method::PATCH,
        &path,
        Some(&owner),
        Some(json!({ "role": "admin" })),
    )
    .await
    .problem(409, "last_owner");

    // With a second owner, the first may step down.
    let second = app.login_as(&owner, "owner").await;
    let demoted = app
        .call(
            Method::PATCH,
            &path,
            Some(&second),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.text());
    let second_path = format!("/v1/users/{}", second.user_id);
    app.call(Method::DELETE, &second_path, Some(&second), None)
        .await
        .problem(409, "last_owner");
}

#[actix_web::test]
async fn deactivation_and_role_changes_take_effect_on_the_next_request() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Revoke Co").await;
    let manager = app.login_as(&owner, "manager").await;
    assert_eq!(
        app.call(Method::GET, "/v1/me", Some(&manager), None)
            .await
            .status,
        200
    );

    let path = format!("/v1/users/{}", manager.user_id);
    let changed = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner),
            Some(json!({ "role": "analyst" })),
        )
        .await;
    assert_eq!(changed.status, 200);
    app.call(Method::GET, "/v1/me", Some(&manager), None)
        .await
        .problem(401, "token_revoked");
    app.send_json(
        Method::POST,
        "/v1/auth/refresh",
        &json!({ "refresh_token": manager.refresh_token }),
    )
    .await
    .problem(401, "invalid_refresh_token");

    let analyst = app.session_for(&manager.email).await;
    let me = app
        .call(Method::GET, "/v1/me", Some(&analyst), None)
        .await
        .json();
    assert_eq!(me["user"]["role"], "analyst");

    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner), None)
            .await
            .status,
        204
    );
    app.call(Method::GET, "/v1/me", Some(&analyst), None)
        .await
        .problem(401, "token_revoked");
    app.login(&manager.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    let row = app
        .call(Method::GET, &path, Some(&owner), None)
        .await
        .json();
    assert_eq!(row["active"], false, "deactivation keeps the row");
    assert!(row["deactivated_at"].is_string());
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner), None)
            .await
            .status,
        204,
        "idempotent"
    );
}

#[actix_web::test]
async fn users_change_their_own_password_with_the_current_one() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Password Co").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let path = format!("/v1/users/{}", analyst.user_id);

    let missing = app
        .call(
            Method::PATCH,
            &path,
            Some(&analyst),
            Some(json!({ "password": "a brand new password" })),
        )
        .await;
    assert_eq!(
        missing.problem(422, "validation_failed")["errors"][0]["field"],
        "current_password"
    );
    let wrong = app
        .call(
            Method::PATCH,
            &path,
            Some(&analyst),
            Some(json!({ "password": "a brand new password", "current_password": "not my password" })),
        )
        .await;
    assert_eq!(
        wrong.problem(422, "validation_failed")["errors"][0]["code"],
        "incorrect"
    );

    let changed = app
        .call(
            Method::PATCH,
            &path,
            Some(&analyst),
            Some(json!({ "password": "a brand new password", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    app.login(&analyst.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(
        app.login(&analyst.email, "a brand new password")
            .await
            .status,
        200
    );
    app.call(Method::GET, "/v1/me", Some(&analyst), None)
        .await
        .problem(401, "token_revoked");

    // Nobody else's password without managing rights.
    let other = app.login_as(&owner, "manager").await;
    app.call(
        Method::PATCH,
        &format!("/v1/users/{}", other.user_id),
        Some(
            &app.session_for_password(&analyst.email, "a brand new password")
                .await,
        ),
        Some(json!({ "password": "hijacked password" })),
    )
    .await
    .problem(403, "forbidden");
}

#[actix_web::test]
async fn another_agencys_users_are_not_found() {
    let app = TestApp::spawn().await;
    let alpha = app.signup_agency("Alpha").await;
    let beta = app.signup_agency("Beta").await;
    let path = format!("/v1/users/{}", beta.user_id);
    app.call(Method::GET, &path, Some(&alpha), None)
        .await
        .problem(404, "not_found");
    app.call(
        Method::PATCH,
        &path,
        Some(&alpha),
        Some(json!({ "display_name": "x" })),
    )
    .await
    .problem(404, "not_found");
    app.call(Method::DELETE, &path, Some(&alpha), None)
        .await
        .problem(404, "not_found");
    let list = app
        .call(Method::GET, "/v1/users", Some(&alpha), None)
        .await
        .json();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![alpha.user_id.to_string()]);
}

#[actix_web::test]
async fn user_fields_are_validated() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Valid Co").await;
    let bad = app
        .call(
            Method::POST,
            "/v1/users",
            Some(&owner),
            Some(json!({ "email": "nope", "password": "short", "display_name": "", "role": "analyst" })),
        )
        .await;
    assert_eq!(
        bad.problem(422, "validation_failed")["errors"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    app.call(
        Method::POST,
        "/v1/users",
        Some(&owner),
        Some(json!({ "email": "a@b.example.com", "password": PASSWORD, "display_name": "A", "role": "emperor" })),
    )
    .await
    .problem(400, "invalid_body");
    app.call(
        Method::POST,
        "/v1/users",
        Some(&owner),
        Some(json!({ "email": owner.email.to_uppercase(), "password": PASSWORD, "display_name": "A", "role": "analyst" })),
    )
    .await
    .problem(409, "email_taken");
}
