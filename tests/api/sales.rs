//! The sales ledger through the API: order lines, exact money, refunds as entries, idempotency,
//! filters, compliance findings and other agencies.

use actix_web::http::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::products::create_product;
use crate::roster::create_influencer;

pub struct Shop {
    pub app: TestApp,
    pub owner: Session,
    pub host: Uuid,
    pub product: Uuid,
}

impl Shop {
    /// `POST /v1/sales/imports{query}` with `body` as `content_type`, as the owner.
    pub async fn import(
        &self,
        query: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> TestResponse {
        let request = self
            .app
            .request(Method::POST, &format!("/v1/sales/imports{query}"))
            .bearer_auth(&self.owner.access_token)
            .insert_header(("content-type", content_type));
        TestResponse::read(request.send_body(body.into()).await).await
    }
}

/// An agency with a host (Douyin account `dy-777`) and a product `LIP-1`.
pub async fn shop(name: &str) -> Shop {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency(name).await;
    let host = create_influencer(&app, &owner, "human", "Seller").await;
    let account = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/platform-accounts"),
            Some(&owner),
            Some(
                json!({ "platform": "douyin", "handle": "@seller", "platform_user_id": "dy-777" }),
            ),
        )
        .await;
    assert_eq!(account.status, 201);
    let product = create_product(&app, &owner, "LIP-1", None).await;
    Shop {
        app,
        owner,
        host,
        product,
    }
}

pub fn line(order: &str, host: Uuid, product: Uuid) -> Value {
    json!({
        "platform": "douyin", "external_order_id": order, "sold_at": "2026-11-20T21:30:00+08:00",
        "influencer_id": host, "product_id": product, "quantity": 3, "unit_price": "33.33"
    })
}

/// `POST /v1/sales` with `body`, as the owner.
pub async fn post(shop: &Shop, body: &Value) -> TestResponse {
    shop.app
        .call(
            Method::POST,
            "/v1/sales",
            Some(&shop.owner),
            Some(body.clone()),
        )
        .await
}

#[actix_web::test]
async fn an_order_line_is_recorded_exactly_once() {
    let shop = shop("Ledger Co").await;
    let created = post(&shop, &line("DY-1", shop.host, shop.product)).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let sale = created.json();
    assert_eq!(sale["gross"], "99.99");
    assert_eq!(sale["net"], "99.99");
    assert_eq!(sale["refunded_amount"], "0.00");
    assert_eq!(sale["currency"], "CNY");
    assert_eq!(sale["status"], "paid");
    assert_eq!(sale["sold_at"], "2026-11-20T13:30:00Z");
    assert_eq!(
        created.header("location").unwrap(),
        format!("/v1/sales/{}", sale["id"].as_str().unwrap())
    );

    post(&shop, &line("DY-1", shop.host, shop.product))
        .await
        .problem(409, "duplicate_order_line");
    let mut elsewhere = line("DY-1", shop.host, shop.product);
    elsewhere["platform"] = json!("kuaishou");
    assert_eq!(
        post(&shop, &elsewhere).await.status,
        201,
        "the same order id on another platform is another line"
    );

    // By SKU and platform user id instead of ids.
    let by_names = json!({
        "platform": "douyin", "external_order_id": "DY-2", "sold_at": "2026-11-20T22:00:00+08:00",
        "platform_user_id": "dy-777", "sku": "LIP-1", "quantity": 1, "unit_price": "10", "currency": "USD"
    });
    let created = post(&shop, &by_names).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["influencer_id"], shop.host.to_string());
    assert_eq!(created.json()["gross"], "10.00");
    assert_eq!(created.json()["currency"], "USD");
}

#[actix_web::test]
async fn bad_lines_are_refused_with_field_errors_and_money_is_never_a_float() {
    let shop = shop("Strict Co").await;
    let mut float = line("DY-F", shop.host, shop.product);
    float["unit_price"] = json!(33.33);
    let problem = post(&shop, &float).await.problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "unit_price");
    assert_eq!(problem["errors"][0]["code"], "must_be_string");

    let mut bad = line("DY-B", shop.host, shop.product);
    bad["quantity"] = json!(0);
    bad["unit_price"] = json!("1.005");
    bad["currency"] = json!("XYZ");
    bad["sold_at"] = json!("yesterday");
    let problem = post(&shop, &bad).await.problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["quantity", "currency", "sold_at"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let mut yen = line("DY-Y", shop.host, shop.product);
    yen["currency"] = json!("JPY");
    let problem = post(&shop, &yen).await.problem(422, "validation_failed");
    assert_eq!(
        problem["errors"][0]["code"], "too_many_decimals",
        "yen have no minor unit"
    );

    let mut unknown = line("DY-U", shop.host, shop.product);
    unknown["colour"] = json!("red");
    post(&shop, &unknown).await.problem(400, "unknown_field");

    let mut missing_host = line("DY-H", Uuid::now_v7(), shop.product);
    missing_host["product_id"] = json!(Uuid::now_v7());
    let problem = post(&shop, &missing_host)
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);

    // A session must be the host's own.
    let other_host = create_influencer(&shop.app, &shop.owner, "human", "Other").await;
    let mut wrong_session = line("DY-S", other_host, shop.product);
    wrong_session["live_session_id"] = json!(Uuid::now_v7());
    let problem = post(&shop, &wrong_session)
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "live_session_id");
}

#[actix_web::test]
async fn refunds_are_entries_that_move_status_and_never_exceed_the_gross() {
    let shop = shop("Refund Co").await;
    let sale = post(&shop, &line("DY-R", shop.host, shop.product))
        .await
        .json();
    let path = format!("/v1/sales/{}/refunds", sale["id"].as_str().unwrap());
    let partial = shop
        .app
        .call(
            Method::POST,
            &path,
            Some(&shop.owner),
            Some(json!({ "amount": "33.33", "reason": "one broken" })),
        )
        .await;
    assert_eq!(partial.status, 201, "{}", partial.text());
    let refund = partial.json();
    assert_eq!(refund["amount"], "33.33");
    assert_eq!(refund["currency"], "CNY");
    assert_eq!(refund["reason"], "one broken");
    assert_eq!(refund["sale_id"], sale["id"]);
    let location = partial.header("location").unwrap().to_owned();
    assert_eq!(
        location,
        format!("{path}/{}", refund["id"].as_str().unwrap())
    );
    let followed = shop
        .app
        .call(Method::GET, &location, Some(&shop.owner), None)
        .await;
    assert_eq!(followed.status, 200, "{}", followed.text());
    assert_eq!(followed.json(), refund);
    let sale_path = format!("/v1/sales/{}", sale["id"].as_str().unwrap());
    let read = shop
        .app
        .call(Method::GET, &sale_path, Some(&shop.owner), None)
        .await
        .json();
    assert_eq!(read["status"], "partially_refunded");
    assert_eq!(read["refunded_amount"], "33.33");
    assert_eq!(read["net"], "66.66");
    shop.app
        .call(
            Method::POST,
            &path,
            Some(&shop.owner),
            Some(json!({ "amount": "66.67" })),
        )
        .await
        .problem(422, "refund_exceeds_gross");
    shop.app
        .call(
            Method::POST,
            &path,
            Some(&shop.owner),
            Some(json!({ "amount": 1 })),
        )
        .await
        .problem(422, "validation_failed");
    let full = shop
        .app
        .call(
            Method::POST,
            &path,
            Some(&shop.owner),
            Some(json!({ "amount": "66.66" })),
        )
        .await;
    assert_eq!(full.status, 201, "{}", full.text());
    assert_eq!(full.json()["amount"], "66.66");
    let read = shop
        .app
        .call(Method::GET, &sale_path, Some(&shop.owner), None)
        .await
        .json();
    assert_eq!(read["status"], "refunded");
    assert_eq!(read["net"], "0.00");
    let amounts: Vec<&str> = read["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, vec!["33.33", "66.66"]);

    // A line reported refunded at creation has its refund entry too.
    let mut refunded = line("DY-R2", shop.host, shop.product);
    refunded["status"] = json!("refunded");
    let created = post(&shop, &refunded).await.json();
    assert_eq!(created["refunded_amount"], "99.99");
    let read = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/sales/{}", created["id"].as_str().unwrap()),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(read["refunds"][0]["amount"], "99.99");
    let mut inconsistent = line("DY-R3", shop.host, shop.product);
    inconsistent["status"] = json!("paid");
    inconsistent["refunded_amount"] = json!("5.00");
    post(&shop, &inconsistent)
        .await
        .problem(422, "validation_failed");

    // The database itself refuses to delete ledger rows.
    let mut conn = shop.app.state.conn().await.unwrap();
    use diesel_async::RunQueryDsl;
    let refused = diesel::sql_query("DELETE FROM sales")
        .execute(&mut conn)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("never deleted"), "{refused}");
}

#[actix_web::test]
async fn sale_creation_honours_idempotency_keys() {
    let shop = shop("Idem Sales").await;
    let send = |key: &'static str, body: Value| {
        let app = &shop.app;
        let token = shop.owner.access_token.clone();
        async move {
            TestResponse::read(
                app.request(Method::POST, "/v1/sales")
                    .bearer_auth(token)
                    .insert_header(("idempotency-key", key))
                    .send_json(&body)
                    .await,
            )
            .await
        }
    };
    let body = line("DY-I", shop.host, shop.product);
    let first = send("order-1", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let again = send("order-1", body.clone()).await;
    assert_eq!(again.status, 201, "replayed, not a duplicate error");
    assert_eq!(again.json(), first.json());
    let mut other = body;
    other["quantity"] = json!(4);
    send("order-1", other)
        .await
        .problem(422, "idempotency_key_reused");
    let list = shop
        .app
        .call(Method::GET, "/v1/sales", Some(&shop.owner), None)
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn the_ledger_lists_newest_first_with_filters() {
    let shop = shop("List Co").await;
    for (order, at) in [
        ("A", "2026-11-01T10:00:00Z"),
        ("B", "2026-11-02T10:00:00Z"),
        ("C", "2026-11-03T10:00:00Z"),
    ] {
        let mut body = line(order, shop.host, shop.product);
        body["sold_at"] = json!(at);
        assert_eq!(post(&shop, &body).await.status, 201);
    }
    let orders = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["external_order_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = shop
        .app
        .call(Method::GET, "/v1/sales", Some(&shop.owner), None)
        .await
        .json();
    assert_eq!(orders(&all), vec!["C", "B", "A"]);
    let ranged = shop
        .app
        .call(
            Method::GET,
            "/v1/sales?from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z",
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(orders(&ranged), vec!["B"]);
    let page = shop
        .app
        .call(Method::GET, "/v1/sales?limit=2", Some(&shop.owner), None)
        .await
        .json();
    let next = page["next_cursor"].as_str().unwrap();
    let rest = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/sales?limit=2&cursor={next}"),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(orders(&rest), vec!["A"]);
    let filtered = shop
        .app
        .call(
            Method::GET,
            &format!(
                "/v1/sales?product_id={}&platform=douyin&status=paid",
                shop.product
            ),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(orders(&filtered).len(), 3);
    let none = shop
        .app
        .call(
            Method::GET,
            "/v1/sales?platform=jd",
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert!(orders(&none).is_empty());
}

#[actix_web::test]
async fn sales_reveal_compliance_problems_without_being_refused() {
    let shop = shop("Findings Co").await;
    assert_eq!(
        post(&shop, &line("DY-X", shop.host, shop.product))
            .await
            .status,
        201,
        "accepted despite no legal entity"
    );
    let compliance = shop.app.login_as(&shop.owner, "compliance").await;
    shop.app
        .call(
            Method::POST,
            &format!("/v1/products/{}/recall", shop.product),
            Some(&compliance),
            Some(json!({ "reason": "unsafe" })),
        )
        .await;
    let mut after = line("DY-Y", shop.host, shop.product);
    after["sold_at"] = json!(chrono::Utc::now().to_rfc3339());
    assert_eq!(
        post(&shop, &after).await.status,
        201,
        "accepted despite the recall"
    );

    let host = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/influencers/{}/compliance", shop.host),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    let codes: Vec<&str> = host["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"sales_without_legal_entity"), "{codes:?}");
    assert!(codes.contains(&"recalled_product_sold"), "{codes:?}");
    let sold = host["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["code"] == "recalled_product_sold")
        .unwrap();
    assert!(
        sold["message"].as_str().unwrap().starts_with("1 sales"),
        "only the sale after the recall: {sold}"
    );
    assert_eq!(sold["blocks"], "none");

    let impact = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/products/{}/impact", shop.product),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(impact["sales"][0]["orders"], 2);
    assert_eq!(impact["sales"][0]["orders_after_recall"], 1);
    assert_eq!(impact["sales"][0]["gross"], "199.98");
    assert_eq!(impact["hosts"][0]["influencer_id"], shop.host.to_string());
}

#[actix_web::test]
async fn another_agencys_ledger_is_out_of_reach() {
    let shop = shop("Private Ledger").await;
    let sale = post(&shop, &line("DY-P", shop.host, shop.product))
        .await
        .json();
    let other = shop.app.signup_agency("Snoop Co").await;
    let path = format!("/v1/sales/{}", sale["id"].as_str().unwrap());
    shop.app
        .call(Method::GET, &path, Some(&other), None)
        .await
        .problem(404, "not_found");
    shop.app
        .call(
            Method::POST,
            &format!("{path}/refunds"),
            Some(&other),
            Some(json!({ "amount": "1.00" })),
        )
        .await
        .problem(404, "not_found");
    let theirs = shop
        .app
        .call(Method::GET, "/v1/sales", Some(&other), None)
        .await
        .json();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    // Naming our host or product from their agency finds nothing.
    let refused = shop
        .app
        .call(
            Method::POST,
            "/v1/sales",
            Some(&other),
            Some(line("DY-P", shop.host, shop.product)),
        )
        .await;
    assert_eq!(
        refused.problem(422, "validation_failed")["errors"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let analyst = shop.app.login_as(&shop.owner, "analyst").await;
    shop.app
        .call(
            Method::POST,
            "/v1/sales",
            Some(&analyst),
            Some(line("DY-Q", shop.host, shop.product)),
        )
        .await
        .problem(403, "forbidden");
}
