//! Legal entities, qualifications, platform accounts and contracts of a host.

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{TestApp, TestResponse};
use crate::roster::create_influencer;

#[actix_web::test]
async fn legal_entities_need_a_valid_credit_code_unique_in_the_agency() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Entity Co").await;
    let id = create_influencer(&app, &owner, "human", "Seller").await;
    let other = create_influencer(&app, &owner, "human", "Other Seller").await;
    let path = format!("/v1/influencers/{id}/legal-entities");
    let body = json!({ "entity_type": "individual_business", "name": "Mei Studio", "credit_code": "91350100m000100y43", "tax_registered_on": "2025-05-01" });
    let created = app
        .call(Method::POST, &path, Some(&owner), Some(body.clone()))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let entity = created.json();
    assert_eq!(entity["credit_code"], "91350100M000100Y43");
    assert_eq!(entity["status"], "active");

    let bad = app
        .call(Method::POST, &path, Some(&owner), Some(json!({ "entity_type": "company", "name": "X", "credit_code": "91350100M000100Y44" })))
        .await;
    assert_eq!(
        bad.problem(422, "invalid_credit_code")["errors"][0]["field"],
        "credit_code"
    );
    app.call(
        Method::POST,
        &format!("/v1/influencers/{other}/legal-entities"),
        Some(&owner),
        Some(body),
    )
    .await
    .problem(409, "credit_code_taken");

    let entity_path = format!("{path}/{}", entity["id"].as_str().unwrap());
    let patched = app
        .request(Method::PATCH, &entity_path)
        .bearer_auth(&owner.access_token)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({ "status": "deregistered" }))
        .await;
    let patched = TestResponse::read(patched).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["status"], "deregistered");
    app.call(
        Method::PATCH,
        &entity_path,
        Some(&owner),
        Some(json!({ "credit_code": "914403001922038216" })),
    )
    .await
    .problem(400, "unknown_field");
    // The entity belongs to its host: under another host it is not found.
    let wrong_host = format!(
        "/v1/influencers/{other}/legal-entities/{}",
        entity["id"].as_str().unwrap()
    );
    app.call(
        Method::PATCH,
        &wrong_host,
        Some(&owner),
        Some(json!({ "name": "x" })),
    )
    .await
    .problem(404, "not_found");
    let list = app
        .call(Method::GET, &path, Some(&owner), None)
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn platform_user_ids_are_unique_per_platform() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Accounts Co").await;
    let a = create_influencer(&app, &owner, "human", "A").await;
    let b = create_influencer(&app, &owner, "human", "B").await;
    let account = json!({ "platform": "douyin", "handle": "@a", "platform_user_id": "123456", "followers": 1000, "verified": true });
    let created = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{a}/platform-accounts"),
            Some(&owner),
            Some(account.clone()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["followers"], 1000);
    app.call(
        Method::POST,
        &format!("/v1/influencers/{b}/platform-accounts"),
        Some(&owner),
        Some(account),
    )
    .await
    .problem(409, "platform_account_taken");
    let same_id_elsewhere =
        json!({ "platform": "kuaishou", "handle": "@b", "platform_user_id": "123456" });
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/v1/influencers/{b}/platform-accounts"),
            Some(&owner),
            Some(same_id_elsewhere)
        )
        .await
        .status,
        201
    );
    app.call(
        Method::POST,
        &format!("/v1/influencers/{b}/platform-accounts"),
        Some(&owner),
        Some(json!({ "platform": "myspace", "handle": "@b", "platform_user_id": "1" })),
    )
    .await
    .problem(400, "invalid_body");
    app.call(
        Method::POST,
        &format!("/v1/influencers/{b}/platform-accounts"),
        Some(&owner),
        Some(json!({ "platform": "weibo", "handle": "@b", "platform_user_id": "1", "followers": -1 })),
    )
    .await
    .problem(422, "validation_failed");

    let path = format!(
        "/v1/influencers/{a}/platform-accounts/{}",
        created.json()["id"].as_str().unwrap()
    );
    let banned = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner),
            Some(json!({ "status": "banned" })),
        )
        .await;
    assert_eq!(banned.json()["status"], "banned");
    assert_eq!(banned.json()["version"], 2);
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner), None)
            .await
            .status,
        204
    );
    // A platform account is really deleted: reading it afterwards is 404 (the contract test
    // leaves schemathesis' use-after-free check out because other DELETEs keep their record).
    app.call(Method::GET, &path, Some(&owner), None)
        .await
        .problem(404, "not_found");
    app.call(Method::DELETE, &path, Some(&owner), None)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn contracts_of_a_host_never_overlap() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Contract Co").await;
    let id = create_influencer(&app, &owner, "human", "Signed").await;
    let other = create_influencer(&app, &owner, "human", "Also Signed").await;
    let path = format!("/v1/influencers/{id}/contracts");
    let first = app
        .call(Method::POST, &path, Some(&owner), Some(json!({ "valid_from": "2026-01-01", "valid_until": "2026-06-30", "agency_share_percent": "30.50" })))
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.json()["agency_share_percent"], "30.50");

    app.call(
        Method::POST,
        &path,
        Some(&owner),
        Some(json!({ "valid_from": "2026-06-30", "agency_share_percent": "20" })),
    )
    .await
    .problem(409, "contract_overlap");
    let next = app
        .call(
            Method::POST,
            &path,
            Some(&owner),
            Some(json!({ "valid_from": "2026-07-01", "agency_share_percent": "20" })),
        )
        .await;
    assert_eq!(next.status, 201, "back to back is fine: {}", next.text());
    assert_eq!(next.json()["valid_until"], serde_json::Value::Null);
    app.call(
        Method::POST,
        &path,
        Some(&owner),
        Some(json!({ "valid_from": "2030-01-01", "agency_share_percent": "20" })),
    )
    .await
    .problem(409, "contract_overlap");
    // Another host's contracts are independent.
    let theirs = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{other}/contracts"),
            Some(&owner),
            Some(json!({ "valid_from": "2026-01-01", "agency_share_percent": "10" })),
        )
        .await;
    assert_eq!(theirs.status, 201);

    for (share, code) in [
        (json!(30), "must_be_string"),
        (json!("100.5"), "out_of_range"),
        (json!("12.345"), "too_many_decimals"),
        (json!("ten"), "invalid_decimal"),
    ] {
        let answer = app
            .call(
                Method::POST,
                &path,
                Some(&owner),
                Some(json!({ "valid_from": "2031-01-01", "agency_share_percent": share })),
            )
            .await;
        assert_eq!(
            answer.problem(422, "validation_failed")["errors"][0]["code"],
            code
        );
    }
    app.call(Method::POST, &path, Some(&owner), Some(json!({ "valid_from": "2031-02-01", "valid_until": "2031-01-01", "agency_share_percent": "1" })))
        .await
        .problem(422, "validation_failed");
    let list = app
        .call(Method::GET, &path, Some(&owner), None)
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn qualifications_are_recorded_with_their_validity() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Qualified Co").await;
    let id = create_influencer(&app, &owner, "human", "Doctor").await;
    let path = format!("/v1/influencers/{id}/qualifications");
    let body = json!({ "field": "medicine", "certificate_number": "MED-001", "issuer": "Health Commission", "valid_from": "2025-01-01", "valid_until": "2028-01-01" });
    let created = app
        .call(Method::POST, &path, Some(&owner), Some(body.clone()))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    app.call(Method::POST, &path, Some(&owner), Some(body))
        .await
        .problem(409, "qualification_exists");
    app.call(
        Method::POST,
        &path,
        Some(&owner),
        Some(json!({ "field": "law", "certificate_number": "L", "issuer": "Bar", "valid_from": "2025-01-01", "valid_until": "2024-01-01" })),
    )
    .await
    .problem(422, "validation_failed");
    app.call(
        Method::POST,
        &path,
        Some(&owner),
        Some(json!({ "field": "astrology", "certificate_number": "L", "issuer": "Bar", "valid_from": "2025-01-01", "valid_until": "2026-01-01" })),
    )
    .await
    .problem(400, "invalid_body");
    assert_eq!(
        app.call(Method::GET, &path, Some(&owner), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
