//! The catalogue: products, money as strings, product tests, recalls and their impact.

use actix_web::http::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::roster::create_influencer;

pub async fn create_product(
    app: &TestApp,
    session: &Session,
    sku: &str,
    regulated: Option<&str>,
) -> Uuid {
    let answer = app
        .call(
            Method::POST,
            "/v1/products",
            Some(session),
            Some(json!({ "sku": sku, "name": format!("Product {sku}"), "list_price": "199.00", "commission_percent": "20", "regulated_field": regulated })),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()["id"].as_str().unwrap().parse().unwrap()
}

pub async fn record_test(
    app: &TestApp,
    session: &Session,
    product: Uuid,
    host: Uuid,
    tested_on: &str,
    result: &str,
) -> TestResponse {
    app.call(
        Method::POST,
        &format!("/v1/products/{product}/tests"),
        Some(session),
        Some(json!({ "influencer_id": host, "tested_on": tested_on, "result": result, "evidence_url": "https://files.example.com/test.mp4" })),
    )
    .await
}

#[actix_web::test]
async fn products_keep_money_exact_and_skus_unique() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Catalogue Co").await;
    let created = app
        .call(
            Method::POST,
            "/v1/products",
            Some(&owner),
            Some(json!({ "sku": "LIP-001", "name": "Lipstick", "brand": "Rouge", "category": "beauty", "list_price": "199.9", "commission_percent": "25.5" })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let product = created.json();
    assert_eq!(product["list_price"], "199.90");
    assert_eq!(product["currency"], "CNY", "the agency's default");
    assert_eq!(product["commission_percent"], "25.50");
    assert_eq!(product["recalled"], false);

    app.call(Method::POST, "/v1/products", Some(&owner), Some(json!({ "sku": "LIP-001", "name": "Again", "list_price": "1", "commission_percent": "1" })))
        .await
        .problem(409, "sku_taken");
    let float = app
        .call(Method::POST, "/v1/products", Some(&owner), Some(json!({ "sku": "F-1", "name": "Float", "list_price": 19.99, "commission_percent": "1" })))
        .await;
    assert_eq!(
        float.problem(422, "validation_failed")["errors"][0]["code"],
        "must_be_string"
    );
    let yen = app
        .call(Method::POST, "/v1/products", Some(&owner), Some(json!({ "sku": "JP-1", "name": "Yen", "list_price": "1200.50", "currency": "JPY", "commission_percent": "1" })))
        .await;
    assert_eq!(
        yen.problem(422, "validation_failed")["errors"][0]["code"],
        "too_many_decimals"
    );
    let yen = app
        .call(Method::POST, "/v1/products", Some(&owner), Some(json!({ "sku": "JP-1", "name": "Yen", "list_price": "1200", "currency": "JPY", "commission_percent": "1" })))
        .await;
    assert_eq!(yen.json()["list_price"], "1200");
    app.call(Method::POST, "/v1/products", Some(&owner), Some(json!({ "sku": "X 1", "name": "x", "list_price": "1", "currency": "ABC", "commission_percent": "101" })))
        .await
        .problem(422, "validation_failed");

    let path = format!("/v1/products/{}", product["id"].as_str().unwrap());
    let patched = app
        .request(Method::PATCH, &path)
        .bearer_auth(&owner.access_token)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({ "list_price": "179.00", "brand": null, "regulated_field": "health" }))
        .await;
    let patched = TestResponse::read(patched).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["list_price"], "179.00");
    assert_eq!(patched.json()["brand"], serde_json::Value::Null);
    assert_eq!(patched.json()["regulated_field"], "health");
    let list = app
        .call(
            Method::GET,
            "/v1/products?q=lip&regulated_field=health",
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let analyst = app.login_as(&owner, "analyst").await;
    app.call(
        Method::POST,
        "/v1/products",
        Some(&analyst),
        Some(json!({ "sku": "A", "name": "a", "list_price": "1", "commission_percent": "1" })),
    )
    .await
    .problem(403, "forbidden");
    let other = app.signup_agency("Other Catalogue").await;
    app.call(Method::GET, &path, Some(&other), None)
        .await
        .problem(404, "not_found");
    app.call(
        Method::POST,
        &format!("{path}/recall"),
        Some(&other),
        Some(json!({ "reason": "x" })),
    )
    .await
    .problem(404, "not_found");
    // Another agency may use the same SKU.
    assert_eq!(
        app.call(Method::POST, "/v1/products", Some(&other), Some(json!({ "sku": "LIP-001", "name": "Theirs", "list_price": "1", "commission_percent": "1" })))
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn product_tests_record_who_tested_what_and_until_when_it_counts() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Tests Co").await;
    let host = create_influencer(&app, &owner, "human", "Tester").await;
    let product = create_product(&app, &owner, "SERUM-1", None).await;
    let pass = record_test(&app, &owner, product, host, "2026-01-10", "pass").await;
    assert_eq!(pass.status, 201, "{}", pass.text());
    assert_eq!(pass.json()["valid_until"], "2026-07-09", "180 days");
    let fail = record_test(&app, &owner, product, host, "2026-01-11", "fail").await;
    assert_eq!(fail.json()["valid_until"], serde_json::Value::Null);
    let unknown = record_test(&app, &owner, product, Uuid::now_v7(), "2026-01-10", "pass").await;
    assert_eq!(
        unknown.problem(422, "validation_failed")["errors"][0]["field"],
        "influencer_id"
    );
    record_test(&app, &owner, product, host, "2999-01-01", "pass")
        .await
        .problem(422, "validation_failed");
    let list = app
        .call(
            Method::GET,
            &format!("/v1/products/{product}/tests"),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["items"][0]["result"], "fail", "newest first");
}

#[actix_web::test]
async fn recalls_are_for_reviewing_roles_and_happen_once() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Recall Co").await;
    let manager = app.login_as(&owner, "manager").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let product = create_product(&app, &owner, "TOY-1", None).await;
    let path = format!("/v1/products/{product}/recall");
    app.call(
        Method::POST,
        &path,
        Some(&manager),
        Some(json!({ "reason": "lead paint" })),
    )
    .await
    .problem(403, "forbidden");
    let recalled = app
        .call(
            Method::POST,
            &path,
            Some(&compliance),
            Some(json!({ "reason": "lead paint" })),
        )
        .await;
    assert_eq!(recalled.status, 200, "{}", recalled.text());
    assert_eq!(recalled.json()["recalled"], true);
    assert_eq!(recalled.json()["recall_reason"], "lead paint");
    app.call(
        Method::POST,
        &path,
        Some(&compliance),
        Some(json!({ "reason": "again" })),
    )
    .await
    .problem(409, "already_recalled");
    let list = app
        .call(
            Method::GET,
            "/v1/products?recalled=true",
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}
