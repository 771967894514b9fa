//! The income type of a contract: `labour` unless told, never patched, and changed only by a new
//! contract that an owner records (audited with the type it replaces).

use actix_web::http::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::roster::create_influencer;

/// `POST /v1/influencers/{host}/contracts` with `body`, as `session`.
pub async fn create_contract(
    app: &TestApp,
    session: &Session,
    host: Uuid,
    body: Value,
) -> TestResponse {
    app.call(
        Method::POST,
        &format!("/v1/influencers/{host}/contracts"),
        Some(session),
        Some(body),
    )
    .await
}

/// `PATCH` of a contract at version `version`, as `session`.
pub async fn patch_contract(
    app: &TestApp,
    session: &Session,
    host: Uuid,
    contract: &str,
    version: i32,
    body: Value,
) -> TestResponse {
    let sent = app
        .request(
            Method::PATCH,
            &format!("/v1/influencers/{host}/contracts/{contract}"),
        )
        .bearer_auth(&session.access_token)
        .insert_header(("if-match", format!("\"{version}\"")))
        .send_json(&body)
        .await;
    TestResponse::read(sent).await
}

/// The `contract.create` event of `contract`, as the owner reads it.
async fn creation_event(app: &TestApp, owner: &Session, contract: &str) -> Value {
    let trail = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_type=contract&entity_id={contract}"),
            Some(owner),
            None,
        )
        .await;
    assert_eq!(trail.status, 200, "{}", trail.text());
    let trail = trail.json();
    let events = trail["items"].as_array().unwrap();
    let create = events
        .iter()
        .find(|e| e["action"] == "contract.create")
        .unwrap_or_else(|| panic!("no contract.create event: {trail}"));
    create.clone()
}

#[actix_web::test]
async fn a_contract_is_labour_unless_told_otherwise() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Income Co").await;
    let host = create_influencer(&app, &owner, "human", "Default").await;
    let employed = create_influencer(&app, &owner, "human", "Employed").await;

    let labour = create_contract(
        &app,
        &owner,
        host,
        json!({ "valid_from": "2026-01-01", "agency_share_percent": "30" }),
    )
    .await;
    assert_eq!(labour.status, 201, "{}", labour.text());
    assert_eq!(labour.json()["income_type"], "labour");
    let wages = create_contract(
        &app,
        &owner,
        employed,
        json!({ "valid_from": "2026-01-01", "agency_share_percent": "30", "income_type": "wages" }),
    )
    .await;
    assert_eq!(wages.status, 201, "{}", wages.text());
    let wages = wages.json();
    assert_eq!(wages["income_type"], "wages");
    let read = app
        .call(
            Method::GET,
            &format!(
                "/v1/influencers/{employed}/contracts/{}",
                wages["id"].as_str().unwrap()
            ),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(read.json()["income_type"], "wages", "stored as sent");
    let event = creation_event(&app, &owner, wages["id"].as_str().unwrap()).await;
    assert_eq!(event["changes"]["income_type"], "wages");

    // Only the three types exist; nothing was stored for the refused one.
    let refused = create_contract(
        &app,
        &owner,
        employed,
        json!({ "valid_from": "2030-01-01", "agency_share_percent": "30", "income_type": "waived" }),
    )
    .await;
    assert!(
        refused.status == 400 || refused.status == 422,
        "{}",
        refused.text()
    );
    let list = app
        .call(
            Method::GET,
            &format!("/v1/influencers/{employed}/contracts"),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn the_income_type_is_never_patched() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Fixed Type Co").await;
    let host = create_influencer(&app, &owner, "human", "Fixed").await;
    let created = create_contract(
        &app,
        &owner,
        host,
        json!({ "valid_from": "2026-01-01", "agency_share_percent": "30" }),
    )
    .await
    .json();
    let id = created["id"].as_str().unwrap();

    for body in [
        json!({ "income_type": "entity" }),
        // Even the type it already has, or nothing: the field is not the patch's.
        json!({ "income_type": "labour" }),
        json!({ "income_type": null }),
        json!({ "valid_until": "2026-12-31", "income_type": "wages" }),
    ] {
        let refused = patch_contract(&app, &owner, host, id, 1, body.clone()).await;
        let problem = refused.problem(409, "income_type_fixed");
        assert!(
            problem["detail"].as_str().unwrap().contains("new contract"),
            "{problem}"
        );
    }
    let read = app
        .call(
            Method::GET,
            &format!("/v1/influencers/{host}/contracts/{id}"),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(read["version"], 1, "nothing changed: {read}");
    assert_eq!(read["income_type"], "labour");
    assert_eq!(read["valid_until"], Value::Null);

    // The rest of a contract is still corrected as before.
    let ended = patch_contract(
        &app,
        &owner,
        host,
        id,
        1,
        json!({ "valid_until": "2026-12-31" }),
    )
    .await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    assert_eq!(ended.json()["income_type"], "labour");
}

#[actix_web::test]
async fn only_an_owner_changes_a_hosts_income_type() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Conversion Co").await;
    let admin = app.login_as(&owner, "admin").await;
    let host = create_influencer(&app, &owner, "human", "Converting").await;

    let first = create_contract(
        &app,
        &admin,
        host,
        json!({ "valid_from": "2026-01-01", "valid_until": "2026-06-30", "agency_share_percent": "30" }),
    )
    .await;
    assert_eq!(
        first.status,
        201,
        "a first contract is no change: {}",
        first.text()
    );

    // The next contract in another type is a change: the admin may not record it.
    app.call(
        Method::POST,
        &format!("/v1/influencers/{host}/contracts"),
        Some(&admin),
        Some(json!({ "valid_from": "2026-07-01", "agency_share_percent": "30", "income_type": "entity" })),
    )
    .await
    .problem(403, "owner_required");
    // In the same type it is no change.
    let same = create_contract(
        &app,
        &admin,
        host,
        json!({ "valid_from": "2026-07-01", "valid_until": "2026-09-30", "agency_share_percent": "25" }),
    )
    .await;
    assert_eq!(same.status, 201, "{}", same.text());
    let event = creation_event(&app, &owner, same.json()["id"].as_str().unwrap()).await;
    assert_eq!(event["changes"]["income_type"], "labour", "{event}");

    // The owner may, and the trail names the type it replaces.
    let entity = create_contract(
        &app,
        &owner,
        host,
        json!({ "valid_from": "2026-10-01", "agency_share_percent": "20", "income_type": "entity" }),
    )
    .await;
    assert_eq!(entity.status, 201, "{}", entity.text());
    let entity = entity.json();
    assert_eq!(entity["income_type"], "entity");
    let event = creation_event(&app, &owner, entity["id"].as_str().unwrap()).await;
    assert_eq!(event["actor_id"], owner.user_id.to_string());
    assert_eq!(
        event["changes"]["income_type"],
        json!({ "from": "labour", "to": "entity" }),
        "{event}"
    );

    // A contract recorded before the host's first one changes the type at that one's start:
    // the same owner's decision.
    app.call(
        Method::POST,
        &format!("/v1/influencers/{host}/contracts"),
        Some(&admin),
        Some(json!({ "valid_from": "2025-01-01", "valid_until": "2025-12-31", "agency_share_percent": "30", "income_type": "wages" })),
    )
    .await
    .problem(403, "owner_required");
    let earlier = create_contract(
        &app,
        &owner,
        host,
        json!({ "valid_from": "2025-01-01", "valid_until": "2025-12-31", "agency_share_percent": "30", "income_type": "wages" }),
    )
    .await;
    assert_eq!(earlier.status, 201, "{}", earlier.text());
    let event = creation_event(&app, &owner, earlier.json()["id"].as_str().unwrap()).await;
    assert_eq!(event["changes"]["income_type"], "wages");
    assert_eq!(event["changes"]["next_income_type"], "labour");

    let list = app
        .call(
            Method::GET,
            &format!("/v1/influencers/{host}/contracts"),
            Some(&owner),
            None,
        )
        .await
        .json();
    let types: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["income_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["wages", "labour", "labour", "entity"]);
}
