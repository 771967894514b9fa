//! Statements, payouts and withholding through the API: the figures of issue 14 end to end,
//! four eyes, approved statements that never change (the database refuses it), adjustments and
//! carried balances, stale drafts, the entity invoice gate, CSV, roles and other agencies.

use actix_web::http::Method;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::roster::create_influencer;

/// An agency with an owner (who generates) and a finance user (who approves and pays).
pub struct Books {
    pub app: TestApp,
    pub owner: Session,
    pub finance: Session,
    /// A product paying 100 % commission: with a contract giving the agency 0 %, a host's
    /// share is exactly the net of their sales.
    pub product: Uuid,
}

pub async fn books(name: &str) -> Books {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency(name).await;
    let finance = app.login_as(&owner, "finance").await;
    let answer = app
        .call(
            Method::POST,
            "/v1/products",
            Some(&owner),
            Some(json!({ "sku": "ALL", "name": "All commission", "list_price": "1.00", "commission_percent": "100" })),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let product = answer.json()["id"].as_str().unwrap().parse().unwrap();
    Books {
        app,
        owner,
        finance,
        product,
    }
}

impl Books {
    /// A host with a contract from `from` (agency share `share` percent) of `income_type`.
    pub async fn host(&self, name: &str, from: &str, share: &str, income_type: &str) -> Uuid {
        let host = create_influencer(&self.app, &self.owner, "human", name).await;
        self.contract(host, from, None, share, income_type).await;
        host
    }

    pub async fn contract(
        &self,
        host: Uuid,
        from: &str,
        until: Option<&str>,
        share: &str,
        income_type: &str,
    ) -> TestResponse {
        let mut body =
            json!({ "valid_from": from, "valid_until": until, "agency_share_percent": share });
        // `labour` is the default: left out, as most clients will.
        if income_type != "labour" {
            body["income_type"] = json!(income_type);
        }
        let answer = self
            .app
            .call(
                Method::POST,
                &format!("/v1/influencers/{host}/contracts"),
                Some(&self.owner),
                Some(body),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        answer
    }

    /// A sale of `amount` (one unit) by `host` at `at`.
    pub async fn sale(&self, host: Uuid, order: &str, at: &str, amount: &str) -> Value {
        let answer = self
            .app
            .call(
                Method::POST,
                "/v1/sales",
                Some(&self.owner),
                Some(json!({ "platform": "douyin", "external_order_id": order, "sold_at": at, "influencer_id": host, "product_id": self.product, "quantity": 1, "unit_price": amount })),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        answer.json()
    }

    pub async fn generate(&self, by: &Session, month: &str, host: Option<Uuid>) -> Value {
        let answer = self.try_generate(by, month, host).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()
    }

    pub async fn try_generate(
        &self,
        by: &Session,
        month: &str,
        host: Option<Uuid>,
    ) -> TestResponse {
        let mut body = json!({ "month": month });
        if let Some(host) = host {
            body["influencer_id"] = json!(host);
        }
        self.app
            .call(
                Method::POST,
                "/v1/statements/generate",
                Some(by),
                Some(body),
            )
            .await
    }

    /// Generates `host`'s statement of `month` as the owner and answers it.
    pub async fn draft(&self, host: Uuid, month: &str) -> Value {
        let generated = self.generate(&self.owner, month, Some(host)).await;
        let statements = generated["statements"].as_array().unwrap();
        assert_eq!(statements.len(), 1, "{generated}");
        statements[0].clone()
    }

    pub async fn approve(&self, by: &Session, statement: &str) -> TestResponse {
        self.app
            .call(
                Method::POST,
                &format!("/v1/statements/{statement}/approve"),
                Some(by),
                None,
            )
            .await
    }

    pub async fn pay(&self, statement: &str, paid_on: &str, payee: Option<&str>) -> TestResponse {
        let mut body = json!({ "paid_on": paid_on, "payee_account": "6222020200112233445", "bank_reference": format!("REF-{statement}") });
        if let Some(payee) = payee {
            body["payee_name"] = json!(payee);
        }
        self.app
            .call(
                Method::POST,
                &format!("/v1/statements/{statement}/pay"),
                Some(&self.finance),
                Some(body),
            )
            .await
    }

    /// Generates, approves (finance) and pays `host`'s statement of `month`; answers the payout.
    pub async fn settle(&self, host: Uuid, month: &str, paid_on: &str) -> Value {
        let statement = self.draft(host, month).await;
        let id = statement["id"].as_str().unwrap();
        let approved = self.approve(&self.finance, id).await;
        assert_eq!(approved.status, 200, "{}", approved.text());
        let paid = self.pay(id, paid_on, Some("Payee")).await;
        assert_eq!(paid.status, 201, "{}", paid.text());
        paid.json()
    }

    pub async fn get(&self, path: &str) -> Value {
        let answer = self
            .app
            .call(Method::GET, path, Some(&self.finance), None)
            .await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text());
        answer.json()
    }
}

#[actix_web::test]
async fn a_single_labour_payment_withholds_the_per_payment_tax() {
    let books = books("Labour Co").await;
    for (n, (gross, tax)) in [
        ("3000.00", "440.00"),
        ("4000.00", "640.00"),
        ("5000.00", "800.00"),
        ("25000.00", "4000.00"),
        ("30000.00", "5200.00"),
        ("60000.00", "12400.00"),
        ("100000.00", "25000.00"),
    ]
    .into_iter()
    .enumerate()
    {
        let host = books
            .host(&format!("Host {n}"), "2026-01-01", "0", "labour")
            .await;
        books
            .sale(host, &format!("L-{n}"), "2026-10-15T12:00:00+08:00", gross)
            .await;
        let payout = books.settle(host, "2026-10", "2026-11-05").await;
        assert_eq!(payout["gross"], gross, "{payout}");
        assert_eq!(payout["tax_withheld"], tax, "{payout}");
        let net = gross.parse::<f64>().unwrap() - tax.parse::<f64>().unwrap();
        assert_eq!(payout["net"], format!("{net:.2}"), "{payout}");
        assert_eq!(payout["tax_month"], "2026-11");
        assert_eq!(payout["income_type"], "labour");
        assert_eq!(payout["tax_table_id"], "labour-2019");
    }
}

#[actix_web::test]
async fn two_labour_payments_in_one_tax_month_are_taxed_as_one() {
    let books = books("Twice Co").await;
    let host = books.host("Twice", "2026-01-01", "0", "labour").await;
    books
        .sale(host, "A", "2026-09-10T12:00:00+08:00", "20000.00")
        .await;
    books
        .sale(host, "B", "2026-10-10T12:00:00+08:00", "20000.00")
        .await;
    let first = books.settle(host, "2026-09", "2026-11-05").await;
    assert_eq!(first["tax_withheld"], "3200.00");
    let second = books.settle(host, "2026-10", "2026-11-20").await;
    assert_eq!(second["tax_withheld"], "4400.00");
    assert_eq!(second["net"], "15600.00");
    // In another tax month the second payment would stand alone.
    let third_host = books.host("Apart", "2026-01-01", "0", "labour").await;
    books
        .sale(third_host, "C", "2026-09-10T12:00:00+08:00", "20000.00")
        .await;
    books
        .sale(third_host, "D", "2026-10-10T12:00:00+08:00", "20000.00")
        .await;
    assert_eq!(
        books.settle(third_host, "2026-09", "2026-10-05").await["tax_withheld"],
        "3200.00"
    );
    assert_eq!(
        books.settle(third_host, "2026-10", "2026-11-05").await["tax_withheld"],
        "3200.00"
    );
}

#[actix_web::test]
async fn wages_withhold_cumulatively_over_the_tax_year() {
    let books = books("Wages Co").await;
    let host = books.host("Employee", "2025-12-01", "0", "wages").await;
    let mut withheld = Vec::new();
    for (month, at, paid_on) in [
        ("2025-12", "2025-12-15T12:00:00+08:00", "2026-01-10"),
        ("2026-01", "2026-01-15T12:00:00+08:00", "2026-02-10"),
        ("2026-02", "2026-02-15T12:00:00+08:00", "2026-03-10"),
    ] {
        books.sale(host, month, at, "20000.00").await;
        let payout = books.settle(host, month, paid_on).await;
        assert_eq!(payout["income_type"], "wages");
        assert_eq!(payout["tax_table_id"], "wages-2019");
        withheld.push(payout["tax_withheld"].as_str().unwrap().to_owned());
    }
    assert_eq!(withheld, ["450.00", "450.00", "1080.00"]);
}

#[actix_web::test]
async fn statements_follow_the_settlement_report_and_list_by_month_host_and_state() {
    let books = books("Report Co").await;
    let app = &books.app;
    let host = create_influencer(app, &books.owner, "human", "Split").await;
    books
        .contract(host, "2026-10-01", Some("2026-10-15"), "30", "labour")
        .await;
    books
        .contract(host, "2026-10-16", None, "40", "labour")
        .await;
    let lip = crate::products::create_product(app, &books.owner, "LIP-1", None).await;
    for (order, at, price) in [
        ("T1", "2026-10-10T12:00:00+08:00", "100.00"),
        ("T2", "2026-10-20T12:00:00+08:00", "33.33"),
        ("T3", "2026-11-01T00:30:00+08:00", "999.00"),
    ] {
        let answer = app
            .call(Method::POST, "/v1/sales", Some(&books.owner), Some(json!({ "platform": "douyin", "external_order_id": order, "sold_at": at, "influencer_id": host, "product_id": lip, "quantity": 1, "unit_price": price })))
            .await;
        assert_eq!(answer.status, 201);
    }
    // A cancelled line counts nothing.
    let answer = app
        .call(Method::POST, "/v1/sales", Some(&books.owner), Some(json!({ "platform": "douyin", "external_order_id": "T4", "sold_at": "2026-10-20T12:00:00+08:00", "influencer_id": host, "product_id": lip, "quantity": 1, "unit_price": "500.00", "status": "cancelled" })))
        .await;
    assert_eq!(answer.status, 201);
    let statement = books.draft(host, "2026-10").await;
    let report = books.get("/v1/reports/settlements?month=2026-10").await;
    let row = &report["rows"][0];
    for key in ["net_gmv", "commission", "agency_share", "host_share"] {
        assert_eq!(statement[key], row[key], "{key}");
    }
    assert_eq!(statement["host_share"], "18.00");
    assert_eq!(statement["payable"], "18.00");
    assert_eq!(statement["state"], "draft");
    assert_eq!(statement["time_zone"], "Asia/Shanghai");
    assert_eq!(statement["month"], "2026-10");
    assert_eq!(statement["income_type"], "labour");
    assert_eq!(statement["stale"], false);

    let id = statement["id"].as_str().unwrap();
    let detail = books.get(&format!("/v1/statements/{id}")).await;
    let lines = detail["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{detail}");
    assert_eq!(lines[0]["product_name"], "Product LIP-1");
    assert_eq!(detail["payout"], Value::Null);

    let csv = app
        .request(Method::GET, &format!("/v1/statements/{id}"))
        .insert_header((
            "Authorization",
            format!("Bearer {}", books.finance.access_token),
        ))
        .insert_header(("Accept", "text/csv"))
        .send()
        .await;
    let csv = TestResponse::read(csv).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.text();
    assert!(
        text.starts_with("kind,line_no,platform,product_id,product_name"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");

    // Regenerating a draft keeps its id and bumps its version.
    let again = books.draft(host, "2026-10").await;
    assert_eq!(again["id"], statement["id"]);
    assert_eq!(again["version"], 2);

    let page = books.get("/v1/statements?month=2026-10&state=draft").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let page = books.get("/v1/statements?state=approved").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let page = books
        .get(&format!("/v1/statements?influencer_id={}", Uuid::now_v7()))
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let bad = app
        .call(
            Method::GET,
            "/v1/statements?month=2026-13",
            Some(&books.owner),
            None,
        )
        .await;
    bad.problem(422, "validation_failed");
    let bad = books.try_generate(&books.owner, "October", None).await;
    bad.problem(422, "validation_failed");
}

#[actix_web::test]
async fn approval_needs_a_second_pair_of_eyes_and_a_settling_role() {
    let books = books("Eyes Co").await;
    let host = books.host("Eyes", "2026-01-01", "0", "labour").await;
    books
        .sale(host, "E1", "2026-10-10T12:00:00+08:00", "100.00")
        .await;
    for role in ["manager", "compliance", "analyst"] {
        let user = books.app.login_as(&books.owner, role).await;
        books
            .try_generate(&user, "2026-10", None)
            .await
            .problem(403, "forbidden");
    }
    // Finance generates; finance cannot approve its own statement; the owner can.
    let generated = books.generate(&books.finance, "2026-10", None).await;
    let id = generated["statements"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    books
        .approve(&books.finance, &id)
        .await
        .problem(403, "four_eyes_required");
    let manager = books.app.login_as(&books.owner, "manager").await;
    books.approve(&manager, &id).await.problem(403, "forbidden");
    let approved = books.approve(&books.owner, &id).await;
    assert_eq!(approved.status, 200, "{}", approved.text());
    assert_eq!(approved.json()["state"], "approved");
    books
        .approve(&books.owner, &id)
        .await
        .problem(409, "invalid_transition");
    // Only approved statements are paid, once.
    let paid = books.pay(&id, "2026-11-05", Some("Payee")).await;
    assert_eq!(paid.status, 201, "{}", paid.text());
    books
        .pay(&id, "2026-11-06", Some("Payee"))
        .await
        .problem(409, "already_paid");
    let detail = books.get(&format!("/v1/statements/{id}")).await;
    assert_eq!(detail["state"], "paid");
    assert_eq!(detail["payout"]["tax_withheld"], "0.00");
    let trail = books
        .app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_type=statement&entity_id={id}"),
            Some(&books.owner),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"statement.approve"), "{actions:?}");
    assert!(actions.contains(&"statement.pay"), "{actions:?}");
}

#[actix_web::test]
async fn approved_statements_never_change_and_later_changes_become_adjustments() {
    let books = books("Adjust Co").await;
    let host = books.host("Adjusted", "2026-01-01", "0", "labour").await;
    let sale = books
        .sale(host, "O1", "2026-08-10T12:00:00+08:00", "1000.00")
        .await;
    let august = books.draft(host, "2026-08").await;
    let august_id = august["id"].as_str().unwrap().to_owned();

    // A draft whose month changes is stale until generated again.
    books
        .sale(host, "O2", "2026-08-11T12:00:00+08:00", "100.00")
        .await;
    books
        .approve(&books.finance, &august_id)
        .await
        .problem(409, "statement_stale");
    let august = books.draft(host, "2026-08").await;
    assert_eq!(august["payable"], "1100.00");
    assert_eq!(books.approve(&books.finance, &august_id).await.status, 200);

    // The database itself refuses to change an approved statement or its lines.
    let mut conn = books.app.state.conn().await.unwrap();
    let changed = diesel::sql_query(format!(
        "UPDATE statements SET payable = 0, host_share = 0 WHERE id = '{august_id}'"
    ))
    .execute(&mut conn)
    .await;
    assert!(changed.is_err(), "an approved statement was changed");
    let deleted = diesel::sql_query(format!(
        "DELETE FROM statement_lines WHERE statement_id = '{august_id}'"
    ))
    .execute(&mut conn)
    .await;
    assert!(
        deleted.is_err(),
        "an approved statement's lines were deleted"
    );
    drop(conn);
    // Generating the month again keeps it.
    let regenerated = books.generate(&books.owner, "2026-08", Some(host)).await;
    assert_eq!(regenerated["statements"].as_array().unwrap().len(), 0);
    assert_eq!(regenerated["kept"][0], august_id.as_str());

    // A refund of an August sale, and a late August sale, after approval.
    let refund = books
        .app
        .call(
            Method::POST,
            &format!("/v1/sales/{}/refunds", sale["id"].as_str().unwrap()),
            Some(&books.owner),
            Some(json!({ "amount": "1000.00" })),
        )
        .await;
    assert_eq!(refund.status, 201, "{}", refund.text());
    books
        .sale(host, "O3", "2026-08-30T12:00:00+08:00", "50.00")
        .await;
    let detail = books.get(&format!("/v1/statements/{august_id}")).await;
    assert_eq!(detail["payable"], "1100.00", "approved figures stay");

    // September: 200 of sales, −1000 + 50 of adjustments → −750, carried forward.
    books
        .sale(host, "N1", "2026-09-10T12:00:00+08:00", "200.00")
        .await;
    let september = books.draft(host, "2026-09").await;
    assert_eq!(september["host_share"], "200.00");
    assert_eq!(september["adjustments_total"], "-950.00");
    assert_eq!(september["payable"], "-750.00");
    let september_id = september["id"].as_str().unwrap().to_owned();
    let detail = books.get(&format!("/v1/statements/{september_id}")).await;
    let adjustments = detail["adjustments"].as_array().unwrap();
    assert_eq!(adjustments.len(), 2, "{detail}");
    assert_eq!(adjustments[0]["sale_id"], sale["id"]);
    assert_eq!(adjustments[0]["kind"], "refund");
    assert_eq!(adjustments[0]["host_share"], "-1000.00");
    assert_eq!(adjustments[0]["source_statement_id"], august_id.as_str());
    assert_eq!(adjustments[1]["kind"], "late_sale");
    assert_eq!(adjustments[1]["host_share"], "50.00");
    assert_eq!(
        books.approve(&books.finance, &september_id).await.status,
        200
    );
    books
        .pay(&september_id, "2026-10-05", Some("Payee"))
        .await
        .problem(409, "nothing_to_pay");

    // October carries September's negative balance.
    books
        .sale(host, "D1", "2026-10-10T12:00:00+08:00", "1000.00")
        .await;
    let october = books.draft(host, "2026-10").await;
    assert_eq!(october["carried_forward"], "-750.00");
    assert_eq!(october["payable"], "250.00");
    let detail = books
        .get(&format!(
            "/v1/statements/{}",
            october["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        detail["carries"][0]["from_statement_id"],
        september_id.as_str()
    );
    // Regenerating it carries the balance once, not twice.
    let october = books.draft(host, "2026-10").await;
    assert_eq!(october["carried_forward"], "-750.00");
}

#[actix_web::test]
async fn a_contract_change_makes_a_draft_stale_and_a_missing_contract_blocks_approval() {
    let books = books("Stale Co").await;
    let host = create_influencer(&books.app, &books.owner, "human", "Uncontracted").await;
    books
        .sale(host, "U1", "2026-10-10T12:00:00+08:00", "100.00")
        .await;
    let draft = books.draft(host, "2026-10").await;
    assert_eq!(draft["contract_missing"], true);
    let id = draft["id"].as_str().unwrap().to_owned();
    books
        .approve(&books.finance, &id)
        .await
        .problem(409, "contract_missing");
    books
        .contract(host, "2026-10-01", None, "10", "labour")
        .await;
    let after = books.get(&format!("/v1/statements/{id}")).await;
    assert_eq!(after["stale"], true);
    let draft = books.draft(host, "2026-10").await;
    assert_eq!(draft["contract_missing"], false);
    assert_eq!(draft["payable"], "90.00");
    assert_eq!(books.approve(&books.finance, &id).await.status, 200);
}

#[actix_web::test]
async fn an_entity_is_paid_only_against_its_invoice_and_in_its_own_name() {
    let books = books("Entity Co").await;
    let host = create_influencer(&books.app, &books.owner, "human", "Studio Host").await;
    let code = crate::sessions::credit_code("7770001");
    let entity = books
        .app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/legal-entities"),
            Some(&books.owner),
            Some(json!({ "entity_type": "individual_business", "name": "Star Studio", "credit_code": code })),
        )
        .await;
    assert_eq!(entity.status, 201, "{}", entity.text());
    books
        .contract(host, "2026-01-01", None, "0", "entity")
        .await;
    books
        .sale(host, "S1", "2026-10-10T12:00:00+08:00", "10300.00")
        .await;
    let statement = books.draft(host, "2026-10").await;
    assert_eq!(statement["income_type"], "entity");
    let id = statement["id"].as_str().unwrap().to_owned();
    let invoice_path = format!("/v1/statements/{id}/invoice");
    let invoice = json!({ "number": "26442000000012345678", "issued_on": "2026-11-02", "seller_credit_code": code,
        "amount_before_vat": "10000.00", "vat_rate_percent": "3", "vat_amount": "300.00", "total": "10300.00" });
    // Not before approval.
    books
        .app
        .call(
            Method::PUT,
            &invoice_path,
            Some(&books.finance),
            Some(invoice.clone()),
        )
        .await
        .problem(409, "not_approved");
    assert_eq!(books.approve(&books.finance, &id).await.status, 200);
    books
        .pay(&id, "2026-11-05", None)
        .await
        .problem(409, "invoice_required");
    let mut wrong = invoice.clone();
    wrong["seller_credit_code"] = json!(crate::sessions::credit_code("1234567"));
    books
        .app
        .call(
            Method::PUT,
            &invoice_path,
            Some(&books.finance),
            Some(wrong),
        )
        .await
        .problem(422, "validation_failed");
    let mut short = invoice.clone();
    short["total"] = json!("10000.00");
    short["vat_amount"] = json!("0.00");
    short["vat_rate_percent"] = json!("0");
    books
        .app
        .call(
            Method::PUT,
            &invoice_path,
            Some(&books.finance),
            Some(short),
        )
        .await
        .problem(422, "validation_failed");
    let recorded = books
        .app
        .call(
            Method::PUT,
            &invoice_path,
            Some(&books.finance),
            Some(invoice),
        )
        .await;
    assert_eq!(recorded.status, 200, "{}", recorded.text());
    assert_eq!(recorded.json()["total"], "10300.00");
    books
        .pay(&id, "2026-11-05", Some("Someone Else"))
        .await
        .problem(422, "validation_failed");
    let paid = books.pay(&id, "2026-11-05", None).await;
    assert_eq!(paid.status, 201, "{}", paid.text());
    let payout = paid.json();
    assert_eq!(payout["tax_withheld"], "0.00");
    assert_eq!(payout["net"], "10300.00");
    assert_eq!(payout["payee_name"], "Star Studio");
    assert_eq!(payout["third_party"], false);
    assert_eq!(payout["tax_table_id"], Value::Null);
}

#[actix_web::test]
async fn another_agencys_statements_are_not_found() {
    let books = books("Mine Co").await;
    let host = books.host("Mine", "2026-01-01", "0", "labour").await;
    books
        .sale(host, "M1", "2026-10-10T12:00:00+08:00", "100.00")
        .await;
    let statement = books.draft(host, "2026-10").await;
    let id = statement["id"].as_str().unwrap();
    let other = books.app.signup_agency("Other Co").await;
    for (method, path, body) in [
        (Method::GET, format!("/v1/statements/{id}"), None),
        (Method::POST, format!("/v1/statements/{id}/approve"), None),
        (
            Method::POST,
            format!("/v1/statements/{id}/pay"),
            Some(json!({ "paid_on": "2026-11-05", "payee_account": "1", "bank_reference": "R" })),
        ),
    ] {
        books
            .app
            .call(method, &path, Some(&other), body)
            .await
            .problem(404, "not_found");
    }
    let page = books
        .app
        .call(Method::GET, "/v1/statements", Some(&other), None)
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    // Generating for another agency's host is 404; the other agency's month has nothing.
    books
        .try_generate(&other, "2026-10", Some(host))
        .await
        .problem(404, "not_found");
    let generated = books.generate(&other, "2026-10", None).await;
    assert_eq!(generated["statements"].as_array().unwrap().len(), 0);
}
