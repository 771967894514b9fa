//! The compliance engine through the API: a host's open violations and the agency's page.

use actix_web::http::Method;
use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp};
use crate::identity::resident_id;
use crate::roster::create_influencer;

async fn codes(app: &TestApp, session: &Session, id: Uuid) -> Vec<String> {
    let answer = app
        .call(
            Method::GET,
            &format!("/v1/influencers/{id}/compliance"),
            Some(session),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let body = answer.json();
    body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Submits an identity born `years` ago (plus `days`), and has `reviewer` verify it.
async fn verified_identity(
    app: &TestApp,
    owner: &Session,
    reviewer: &Session,
    id: Uuid,
    born: chrono::NaiveDate,
    sequence: &str,
) {
    let number = resident_id(&born.format("%Y%m%d").to_string(), sequence);
    let body = json!({ "real_name": "Host", "document_type": "cn_resident_id", "document_number": number });
    let put = app
        .call(
            Method::PUT,
            &format!("/v1/influencers/{id}/identity"),
            Some(owner),
            Some(body),
        )
        .await;
    assert!(put.status.is_success(), "{}", put.text());
    let verify = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{id}/identity/verify"),
            Some(reviewer),
            None,
        )
        .await;
    assert_eq!(verify.status, 200, "{}", verify.text());
}

fn years_ago(years: i32, extra_days: i64) -> chrono::NaiveDate {
    // Agency time is Shanghai; a day of margin either side keeps the test off the boundary.
    let today = Utc::now().date_naive();
    let date = today
        .with_year(today.year() - years)
        .unwrap_or(today - Duration::days(365 * i64::from(years)));
    date + Duration::days(extra_days)
}

#[actix_web::test]
async fn a_human_host_is_clean_once_verified_and_adult() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Clean Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let id = create_influencer(&app, &owner, "human", "Adult").await;
    let violations = app
        .call(
            Method::GET,
            &format!("/v1/influencers/{id}/compliance"),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(
        violations["violations"],
        json!([{ "code": "identity_unverified", "message": "The host has no verified real-name identity.", "blocks": "schedule" }])
    );
    assert!(violations["evaluated_on"].is_string());
    verified_identity(&app, &owner, &compliance, id, years_ago(30, 0), "001").await;
    assert!(codes(&app, &owner, id).await.is_empty());

    app.call(
        Method::POST,
        &format!("/v1/influencers/{id}/suspend"),
        Some(&owner),
        Some(json!({ "reason": "tax" })),
    )
    .await;
    assert_eq!(codes(&app, &owner, id).await, vec!["influencer_suspended"]);
}

#[actix_web::test]
async fn age_rules_follow_the_birth_date_and_consent() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Age Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let child = create_influencer(&app, &owner, "human", "Child").await;
    let teen = create_influencer(&app, &owner, "human", "Teen").await;
    verified_identity(&app, &owner, &compliance, child, years_ago(15, -30), "002").await;
    verified_identity(&app, &owner, &compliance, teen, years_ago(17, -30), "003").await;
    assert_eq!(codes(&app, &owner, child).await, vec!["underage"]);
    assert_eq!(
        codes(&app, &owner, teen).await,
        vec!["guardian_consent_missing"]
    );
    app.call(
        Method::PUT,
        &format!("/v1/influencers/{teen}/guardian-consent"),
        Some(&owner),
        Some(json!({ "guardian_name": "Parent", "relation": "father", "consented_on": "2025-01-01" })),
    )
    .await;
    assert!(codes(&app, &owner, teen).await.is_empty());
}

#[actix_web::test]
async fn virtual_hosts_need_an_operator_and_a_verified_responsible_person() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Operator Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let avatar = create_influencer(&app, &owner, "virtual", "Avatar").await;
    assert_eq!(
        codes(&app, &owner, avatar).await,
        vec!["operator_unverified"]
    );
    verified_identity(&app, &owner, &compliance, avatar, years_ago(40, 0), "004").await;
    assert_eq!(
        codes(&app, &owner, avatar).await,
        vec!["operator_unverified"]
    );
    app.call(
        Method::POST,
        &format!("/v1/influencers/{avatar}/legal-entities"),
        Some(&owner),
        Some(json!({ "entity_type": "company", "name": "Avatar Tech", "credit_code": "91350100M000100Y43" })),
    )
    .await;
    assert!(codes(&app, &owner, avatar).await.is_empty());
}

#[actix_web::test]
async fn the_compliance_page_lists_open_violations_across_the_roster() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Page Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let unverified = create_influencer(&app, &owner, "human", "Unverified").await;
    let expiring = create_influencer(&app, &owner, "human", "Expiring").await;
    let gone = create_influencer(&app, &owner, "human", "Gone").await;
    verified_identity(&app, &owner, &compliance, expiring, years_ago(35, 0), "005").await;
    let soon = (Utc::now().date_naive() + Duration::days(10)).to_string();
    app.call(
        Method::POST,
        &format!("/v1/influencers/{expiring}/qualifications"),
        Some(&owner),
        Some(json!({ "field": "finance", "certificate_number": "F-1", "issuer": "CSRC", "valid_from": "2020-01-01", "valid_until": soon })),
    )
    .await;
    app.call(
        Method::DELETE,
        &format!("/v1/influencers/{gone}"),
        Some(&owner),
        None,
    )
    .await;

    let page = app
        .call(
            Method::GET,
            "/v1/compliance/issues",
            Some(&compliance),
            None,
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let items: Vec<(String, String, String)> = page.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["influencer_id"].as_str().unwrap().to_owned(),
                i["code"].as_str().unwrap().to_owned(),
                i["blocks"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![
            (
                unverified.to_string(),
                "identity_unverified".to_owned(),
                "schedule".to_owned()
            ),
            (
                expiring.to_string(),
                "qualification_expiring".to_owned(),
                "none".to_owned()
            ),
        ],
        "terminated hosts are left out"
    );
    let filtered = app
        .call(
            Method::GET,
            "/v1/compliance/issues?code=qualification_expiring",
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["items"][0]["stage_name"], "Expiring");
    let by_host = app
        .call(
            Method::GET,
            &format!("/v1/compliance/issues?influencer_id={unverified}"),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(by_host["items"][0]["code"], "identity_unverified");
    let first = app
        .call(
            Method::GET,
            "/v1/compliance/issues?limit=1",
            Some(&owner),
            None,
        )
        .await
        .json();
    let next = first["next_cursor"].as_str().unwrap();
    let second = app
        .call(
            Method::GET,
            &format!("/v1/compliance/issues?limit=1&cursor={next}"),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(second["items"][0]["code"], "qualification_expiring");
    assert_eq!(second["next_cursor"], Value::Null);

    // Another agency sees none of it.
    let other = app.signup_agency("Other Page Co").await;
    let theirs = app
        .call(Method::GET, "/v1/compliance/issues", Some(&other), None)
        .await
        .json();
    assert!(theirs["items"].as_array().unwrap().is_empty());
}
