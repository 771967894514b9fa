//! The guards of statements on other records, driven through the statements API end to end:
//! a contract never changes a day of an approved month (409 `period_closed`), and a host paid in
//! the current or previous tax year keeps their personal data (409 `retention_required`).
//! (`closed_periods.rs` proves the same guards with rows written straight into the database.)

use crate::helpers::{Session, TestApp, TestResponse};
use crate::income_types::{create_contract, patch_contract};
use crate::sales::{Shop, shop};
use actix_web::http::Method;
use serde_json::{Value, json};

/// Today in Asia/Shanghai (the test agencies' zone), as `YYYY-MM-DD`.
fn today_in_shanghai() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string()
}

/// A `POST` on a statement, with `If-Match` set to its current `ETag` (when it has one).
async fn act(app: &TestApp, session: &Session, id: &str, verb: &str, body: Value) -> TestResponse {
    let current = app
        .call(
            Method::GET,
            &format!("/v1/statements/{id}"),
            Some(session),
            None,
        )
        .await;
    assert_eq!(current.status, 200, "{}", current.text());
    let mut request = app
        .request(Method::POST, &format!("/v1/statements/{id}/{verb}"))
        .bearer_auth(&session.access_token);
    if let Some(etag) = current.header("etag") {
        request = request.insert_header(("if-match", etag.to_owned()));
    }
    TestResponse::read(request.send_json(&body).await).await
}

/// The shop's host with a labour contract from September and a sale in October 2026, whose
/// October statement the owner generated and finance approved. Answers the contract's id, the
/// statement's id and the finance session.
async fn approved_october(shop: &Shop) -> (String, String, Session) {
    let (app, owner, host) = (&shop.app, &shop.owner, shop.host);
    let contract = create_contract(
        app,
        owner,
        host,
        json!({ "valid_from": "2026-09-01", "agency_share_percent": "30" }),
    )
    .await;
    assert_eq!(contract.status, 201, "{}", contract.text());
    let contract = contract.json()["id"].as_str().unwrap().to_owned();
    let sale = app
        .call(
            Method::POST,
            "/v1/sales",
            Some(owner),
            Some(json!({
                "platform": "douyin", "external_order_id": "OCT-1",
                "sold_at": "2026-10-20T21:30:00+08:00", "influencer_id": host,
                "product_id": shop.product, "quantity": 10, "unit_price": "100.00"
            })),
        )
        .await;
    assert_eq!(sale.status, 201, "{}", sale.text());

    let generated = app
        .call(
            Method::POST,
            "/v1/statements/generate",
            Some(owner),
            Some(json!({ "month": "2026-10", "influencer_id": host })),
        )
        .await;
    assert!(
        generated.status.is_success(),
        "generate: {}",
        generated.text()
    );
    let list = app
        .call(
            Method::GET,
            &format!("/v1/statements?month=2026-10&influencer_id={host}"),
            Some(owner),
            None,
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    let list = list.json();
    let statement = list["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no statement: {list}"))
        .to_owned();
    let finance = app.login_as(owner, "finance").await;
    let approved = act(app, &finance, &statement, "approve", json!({})).await;
    assert_eq!(approved.status, 200, "approve: {}", approved.text());
    (contract, statement, finance)
}

#[actix_web::test]
async fn a_contract_never_changes_a_day_of_an_approved_month() {
    let shop = shop("Guarded Month Co").await;
    let (contract, _, _) = approved_october(&shop).await;
    let (app, owner, host) = (&shop.app, &shop.owner, shop.host);

    // The share of October, or any day of it, is fixed.
    for body in [
        json!({ "agency_share_percent": "40" }),
        json!({ "valid_from": "2026-10-15" }),
        json!({ "valid_until": "2026-10-15" }),
    ] {
        patch_contract(app, owner, host, &contract, 1, body)
            .await
            .problem(409, "period_closed");
    }
    // Ending the contract after the month touches no closed day.
    let ended = patch_contract(
        app,
        owner,
        host,
        &contract,
        1,
        json!({ "valid_until": "2026-11-30" }),
    )
    .await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    // A new contract over a day of October is refused by the period guard (it runs before the
    // overlap check); one from December is not.
    create_contract(
        app,
        owner,
        host,
        json!({ "valid_from": "2026-10-31", "valid_until": "2026-10-31", "agency_share_percent": "30" }),
    )
    .await
    .problem(409, "period_closed");
    let next = create_contract(
        app,
        owner,
        host,
        json!({ "valid_from": "2026-12-01", "agency_share_percent": "25" }),
    )
    .await;
    assert_eq!(next.status, 201, "{}", next.text());
}

#[actix_web::test]
async fn a_host_paid_this_tax_year_keeps_their_personal_data() {
    let shop = shop("Guarded Erasure Co").await;
    let (_, statement, finance) = approved_october(&shop).await;
    let (app, owner, host) = (&shop.app, &shop.owner, shop.host);

    let paid = act(
        app,
        &finance,
        &statement,
        "pay",
        json!({ "paid_on": today_in_shanghai(), "payee_account": "6222020000000001", "bank_reference": "REF1" }),
    )
    .await;
    assert!(paid.status.is_success(), "pay: {}", paid.text());
    let payout = paid.json();
    for figure in ["gross", "tax_withheld", "net"] {
        assert!(payout[figure].is_string(), "{figure}: {payout}");
    }

    let refused = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/erase-personal-data"),
            Some(owner),
            Some(json!({ "reason": "request of the data subject" })),
        )
        .await;
    let problem = refused.problem(409, "retention_required");
    assert!(problem["detail"].is_string());
    // Compliance may erase too, and is refused the same way.
    let compliance = app.login_as(owner, "compliance").await;
    app.call(
        Method::POST,
        &format!("/v1/influencers/{host}/erase-personal-data"),
        Some(&compliance),
        None,
    )
    .await
    .problem(409, "retention_required");
}
