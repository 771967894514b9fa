//! The `finance` role in the role matrix (DESIGN.md, "Tenancy and access"): it reads
//! everything, settles statements, and writes no roster, catalogue, session, sale, identity or
//! staff record.

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};
use crate::products::create_product;
use crate::roster::create_influencer;

#[actix_web::test]
async fn finance_reads_everything_and_writes_no_roster_catalogue_session_or_staff() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Finance Co").await;
    let host = create_influencer(&app, &owner, "human", "Host").await;
    let product = create_product(&app, &owner, "FIN-1", None).await;
    // The users API takes the role; the account answers it.
    let finance = app.login_as(&owner, "finance").await;
    let user = app
        .call(
            Method::GET,
            &format!("/v1/users/{}", finance.user_id),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(user.status, 200, "{}", user.text());
    assert_eq!(user.json()["role"], "finance");

    for path in [
        "/v1/influencers".to_owned(),
        format!("/v1/influencers/{host}"),
        format!("/v1/influencers/{host}/contracts"),
        format!("/v1/influencers/{host}/compliance"),
        "/v1/products".to_owned(),
        format!("/v1/products/{product}"),
        "/v1/live-sessions".to_owned(),
        "/v1/sales".to_owned(),
        "/v1/sales/imports".to_owned(),
        "/v1/reports/gmv?from=2026-11-01&to=2026-12-01".to_owned(),
        "/v1/reports/settlements?month=2026-11".to_owned(),
        "/v1/compliance/issues".to_owned(),
        "/v1/users".to_owned(),
    ] {
        let read = app.call(Method::GET, &path, Some(&finance), None).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text());
    }

    let host_path = format!("/v1/influencers/{host}");
    let product_path = format!("/v1/products/{product}");
    let refused = [
        // The roster.
        (
            Method::POST,
            "/v1/influencers".to_owned(),
            json!({ "kind": "human", "stage_name": "x" }),
        ),
        (
            Method::PATCH,
            host_path.clone(),
            json!({ "stage_name": "x" }),
        ),
        (
            Method::POST,
            format!("{host_path}/suspend"),
            json!({ "reason": "tax investigation" }),
        ),
        (
            Method::POST,
            format!("{host_path}/contracts"),
            json!({ "valid_from": "2026-01-01", "agency_share_percent": "30" }),
        ),
        // Identity: reviewing and the full personal data.
        (
            Method::PUT,
            format!("{host_path}/identity"),
            json!({ "real_name": "Zhao", "document_type": "passport", "document_number": "E12345678" }),
        ),
        (
            Method::POST,
            format!("{host_path}/identity/verify"),
            json!({}),
        ),
        (
            Method::POST,
            format!("{host_path}/erase-personal-data"),
            json!({}),
        ),
        // Sessions.
        (
            Method::POST,
            "/v1/live-sessions".to_owned(),
            json!({ "influencer_id": host, "platform": "douyin", "title": "x", "scheduled_start": "2026-12-01T20:00:00+08:00", "scheduled_end": "2026-12-01T22:00:00+08:00", "language": "zh-CN", "venue": { "type": "studio", "city": "Hangzhou", "city_tier": 2 } }),
        ),
        // The catalogue.
        (
            Method::POST,
            "/v1/products".to_owned(),
            json!({ "sku": "FIN-2", "name": "x", "list_price": "1", "commission_percent": "1" }),
        ),
        (Method::PATCH, product_path.clone(), json!({ "name": "x" })),
        (
            Method::POST,
            format!("{product_path}/recall"),
            json!({ "reason": "x" }),
        ),
        // Sales.
        (
            Method::POST,
            "/v1/sales".to_owned(),
            json!({ "platform": "douyin", "external_order_id": "FIN-O1", "sold_at": "2026-11-20T21:30:00+08:00", "influencer_id": host, "product_id": product, "quantity": 1, "unit_price": "10.00" }),
        ),
        // Staff.
        (
            Method::POST,
            "/v1/users".to_owned(),
            json!({ "email": "x@finance.example.com", "password": PASSWORD, "display_name": "X", "role": "analyst" }),
        ),
    ];
    for (method, path, body) in refused {
        let answer = app
            .call(method.clone(), &path, Some(&finance), Some(body))
            .await;
        answer.problem(403, "forbidden");
    }
    for path in [
        format!("{host_path}/personal-data"),
        "/v1/audit-events".to_owned(),
    ] {
        app.call(Method::GET, &path, Some(&finance), None)
            .await
            .problem(403, "forbidden");
    }

    // Nothing was written.
    let roster = app
        .call(Method::GET, "/v1/influencers", Some(&owner), None)
        .await
        .json();
    assert_eq!(roster["items"].as_array().unwrap().len(), 1);
    let host_now = app.call(Method::GET, &host_path, Some(&owner), None).await;
    assert_eq!(host_now.json()["status"], "active");
    assert_eq!(host_now.json()["stage_name"], "Host");
}
