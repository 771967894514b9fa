//! Correcting and cancelling one sale line: every check of a new line, `If-Match`, the audit
//! trail from/to, the `sale.updated` event, closed months refused, refunds bounded by the
//! corrected gross, roles, other agencies, and rollups that still equal the ledger.

use std::collections::BTreeMap;

use actix_web::http::Method;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::agency_settings::send_if_match;
use crate::helpers::{Session, TestApp, TestResponse};
use crate::reports::rollup_mismatches;
use crate::statements::books;

async fn correct(
    app: &TestApp,
    session: &Session,
    id: &str,
    if_match: Option<&str>,
    body: Value,
) -> TestResponse {
    send_if_match(
        app,
        Method::PATCH,
        &format!("/v1/sales/{id}"),
        session,
        if_match,
        body,
    )
    .await
}

async fn cancel(
    app: &TestApp,
    session: &Session,
    id: &str,
    if_match: Option<&str>,
) -> TestResponse {
    send_if_match(
        app,
        Method::POST,
        &format!("/v1/sales/{id}/cancel"),
        session,
        if_match,
        json!({ "reason": "the buyer cancelled before shipping" }),
    )
    .await
}

/// A subscription to `sale.updated`, written straight to the table (the webhooks API is not
/// what this test is about).
async fn subscribe(app: &TestApp, agency: Uuid) {
    let mut conn = app.state.conn().await.unwrap();
    diesel::sql_query(
        "INSERT INTO webhooks (agency_id, id, url, events, secret_ciphertext, secret_nonce, secret_key_id) \
         VALUES ($1, $2, 'https://hooks.example.com/mcn', ARRAY['sale.updated'], '\\x00', '\\x00', 'test')",
    )
    .bind::<SqlUuid, _>(agency)
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .execute(&mut conn)
    .await
    .unwrap();
}

#[derive(diesel::QueryableByName)]
struct Event {
    #[diesel(sql_type = Text)]
    data: String,
}

async fn updated_events(app: &TestApp, agency: uuid::Uuid) -> Vec<Value> {
    let mut conn = app.state.conn().await.unwrap();
    let rows: Vec<Event> = diesel::sql_query(format!(
        "SELECT data::text AS data FROM webhook_events \
         WHERE agency_id = '{agency}' AND type = 'sale.updated' ORDER BY seq"
    ))
    .load(&mut conn)
    .await
    .unwrap();
    rows.iter()
        .map(|r| serde_json::from_str(&r.data).unwrap())
        .collect()
}

/// GMV per day from the report, and the same summed over `GET /v1/sales`.
async fn report_and_ledger(
    app: &TestApp,
    session: &Session,
) -> (
    BTreeMap<String, (i64, String)>,
    BTreeMap<String, (i64, String)>,
) {
    let report = app
        .call(
            Method::GET,
            "/v1/reports/gmv?from=2026-10-01&to=2026-12-01&group_by=day",
            Some(session),
            None,
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.text());
    let from_report = report.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["day"].as_str().unwrap().to_owned(),
                (
                    r["units"].as_i64().unwrap(),
                    r["net"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    let lines = app
        .call(Method::GET, "/v1/sales?limit=200", Some(session), None)
        .await;
    let shanghai: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let mut sums: BTreeMap<String, (i64, Decimal)> = BTreeMap::new();
    for line in lines.json()["items"].as_array().unwrap() {
        if line["status"] == "cancelled" {
            continue;
        }
        let at: chrono::DateTime<chrono::Utc> = line["sold_at"].as_str().unwrap().parse().unwrap();
        let day = at.with_timezone(&shanghai).date_naive().to_string();
        let entry = sums.entry(day).or_default();
        entry.0 += line["quantity"].as_i64().unwrap();
        entry.1 += line["net"].as_str().unwrap().parse::<Decimal>().unwrap();
    }
    let from_ledger = sums
        .into_iter()
        .map(|(day, (units, net))| (day, (units, format!("{net:.2}"))))
        .collect();
    (from_report, from_ledger)
}

#[actix_web::test]
async fn a_correction_moves_the_line_and_the_rollups_with_it() {
    let books = books("Correct Co").await;
    let (app, owner) = (&books.app, &books.owner);
    subscribe(app, owner.agency_id).await;
    let host = books.host("Cora", "2026-01-01", "0", "labour").await;
    let other_host = books.host("Otto", "2026-01-01", "0", "labour").await;
    let a = books
        .sale(host, "A", "2026-11-10T10:00:00+08:00", "10.00")
        .await;
    let b = books
        .sale(host, "B", "2026-11-11T10:00:00+08:00", "20.00")
        .await;
    books
        .sale(other_host, "C", "2026-11-11T11:00:00+08:00", "30.00")
        .await;
    let mut conn = app.state.conn().await.unwrap();
    mcn::reports::fold::fold_all(&mut conn).await.unwrap();
    let id = a["id"].as_str().unwrap();

    let corrected = correct(
        app,
        owner,
        id,
        Some("\"1\""),
        json!({ "quantity": 3, "unit_price": "12.50", "sold_at": "2026-11-12T23:59:00+08:00", "influencer_id": other_host, "reason": "typed the wrong host" }),
    )
    .await;
    assert_eq!(corrected.status, 200, "{}", corrected.text());
    let line = corrected.json();
    assert_eq!(corrected.header("etag"), Some("\"2\""));
    assert_eq!(
        (
            &line["quantity"],
            &line["unit_price"],
            &line["gross"],
            &line["influencer_id"]
        ),
        (
            &json!(3),
            &json!("12.50"),
            &json!("37.50"),
            &json!(other_host)
        )
    );
    assert_eq!(line["sold_at"], "2026-11-12T15:59:00Z");
    assert_eq!(line["platform"], "douyin");
    assert_eq!(line["external_order_id"], "A");
    correct(app, owner, id, Some("\"1\""), json!({ "quantity": 1 }))
        .await
        .problem(412, "precondition_failed");

    // Refund part of a line, then try to correct its gross below the refunds.
    let b_id = b["id"].as_str().unwrap();
    let refund = app
        .call(
            Method::POST,
            &format!("/v1/sales/{b_id}/refunds"),
            Some(owner),
            Some(json!({ "amount": "15.00" })),
        )
        .await;
    assert_eq!(refund.status, 201, "{}", refund.text());
    correct(app, owner, b_id, None, json!({ "unit_price": "14.99" }))
        .await
        .problem(422, "refund_exceeds_gross");
    let partly = correct(app, owner, b_id, None, json!({ "quantity": 2 })).await;
    assert_eq!(partly.status, 200, "{}", partly.text());
    assert_eq!(
        (
            &partly.json()["gross"],
            &partly.json()["status"],
            &partly.json()["net"]
        ),
        (
            &json!("40.00"),
            &json!("partially_refunded"),
            &json!("25.00")
        )
    );
    let exact = correct(
        app,
        owner,
        b_id,
        None,
        json!({ "quantity": 1, "unit_price": "15.00" }),
    )
    .await;
    assert_eq!(exact.json()["status"], "refunded", "{}", exact.text());

    // A cancellation, unfolded.
    let cancelled = cancel(app, owner, id, Some("\"2\"")).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text());
    assert_eq!(cancelled.json()["status"], "cancelled");
    cancel(app, owner, id, None)
        .await
        .problem(409, "already_cancelled");
    correct(app, owner, id, None, json!({ "quantity": 1 }))
        .await
        .problem(409, "invalid_transition");

    // The report equals the ledger, folded or not, and every rollup equals it too.
    let (report, ledger) = report_and_ledger(app, owner).await;
    assert_eq!(report, ledger);
    assert_eq!(
        report,
        BTreeMap::from([("2026-11-11".to_owned(), (2, "30.00".to_owned())),])
    );
    assert_eq!(
        rollup_mismatches(&mut conn, "_live", books.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
    mcn::reports::fold::fold_all(&mut conn).await.unwrap();
    assert_eq!(
        rollup_mismatches(&mut conn, "", books.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );

    // Audited from/to, with the reason.
    let audit = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_type=sale&entity_id={id}"),
            Some(owner),
            None,
        )
        .await;
    let events = audit.json()["items"].as_array().unwrap().clone();
    let correction = events
        .iter()
        .find(|e| e["action"] == "sale.correct")
        .expect("audited");
    assert_eq!(
        correction["changes"]["quantity"],
        json!({ "from": 1, "to": 3 })
    );
    assert_eq!(
        correction["changes"]["gross"],
        json!({ "from": "10.00", "to": "37.50" })
    );
    assert_eq!(
        correction["changes"]["influencer_id"],
        json!({ "from": host, "to": other_host })
    );
    assert_eq!(correction["changes"]["reason"], "typed the wrong host");
    let cancellation = events
        .iter()
        .find(|e| e["action"] == "sale.cancel")
        .expect("audited");
    assert_eq!(
        cancellation["changes"]["status"],
        json!({ "from": "paid", "to": "cancelled" })
    );

    // One `sale.updated` per change (the refund's included), carrying the line as answered.
    let sent = updated_events(app, owner.agency_id).await;
    assert_eq!(sent.len(), 5, "{sent:?}");
    assert_eq!(sent[0]["gross"], "37.50");
    assert_eq!(sent[1]["refunded_amount"], "15.00");
    assert_eq!(sent[4]["status"], "cancelled");
}

#[actix_web::test]
async fn corrections_keep_every_check_of_a_new_line() {
    let books = books("Checks Co").await;
    let (app, owner) = (&books.app, &books.owner);
    let host = books.host("Cheq", "2026-01-01", "0", "labour").await;
    let sale = books
        .sale(host, "K1", "2026-11-10T10:00:00+08:00", "10.00")
        .await;
    let id = sale["id"].as_str().unwrap();
    let field_codes = |answer: &TestResponse| -> Vec<(String, String)> {
        let problem = answer.problem(422, "validation_failed");
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // The typed body: unknown fields and money as numbers are 400/422 before anything else.
    correct(app, owner, id, None, json!({ "platform": "kuaishou" }))
        .await
        .problem(400, "unknown_field");
    correct(app, owner, id, None, json!({ "unit_price": 9.5 }))
        .await
        .problem(422, "validation_failed");
    let future = correct(
        app,
        owner,
        id,
        None,
        json!({ "sold_at": "2999-01-01T00:00:00Z", "quantity": 0 }),
    )
    .await;
    assert_eq!(
        field_codes(&future),
        vec![
            ("sold_at".to_owned(), "in_future".to_owned()),
            ("quantity".to_owned(), "out_of_range".to_owned())
        ]
    );
    let unknown = correct(
        app,
        owner,
        id,
        None,
        json!({ "product_id": Uuid::now_v7(), "influencer_id": Uuid::now_v7() }),
    )
    .await;
    let mut codes = field_codes(&unknown);
    codes.sort();
    assert_eq!(
        codes,
        vec![
            ("influencer_id".to_owned(), "not_found".to_owned()),
            ("product_id".to_owned(), "not_found".to_owned())
        ]
    );
    // A session of another host.
    let compliance = app.login_as(owner, "compliance").await;
    let (other, account) =
        crate::sessions::ready_host(app, owner, &compliance, "Sess", "303").await;
    let scheduled = app
        .call(
            Method::POST,
            "/v1/live-sessions",
            Some(owner),
            Some(crate::sessions::session_body(other, account, 0, 2, &[])),
        )
        .await;
    assert_eq!(scheduled.status, 201, "{}", scheduled.text());
    let session_id = scheduled.json()["id"].as_str().unwrap().to_owned();
    let theirs = correct(
        app,
        owner,
        id,
        None,
        json!({ "live_session_id": session_id }),
    )
    .await;
    assert_eq!(
        field_codes(&theirs),
        vec![("live_session_id".to_owned(), "not_this_host".to_owned())]
    );
    // With the host it goes.
    let moved = correct(
        app,
        owner,
        id,
        None,
        json!({ "live_session_id": session_id, "influencer_id": other }),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(moved.json()["live_session_id"], json!(session_id));
    // The SKU names a product too; a correction that changes nothing is no new version.
    let same = correct(
        app,
        owner,
        id,
        Some("\"2\""),
        json!({ "sku": "ALL", "quantity": 1 }),
    )
    .await;
    assert_eq!(same.status, 200, "{}", same.text());
    assert_eq!(same.header("etag"), Some("\"2\""));
    // Local times are read in the agency's zone.
    let local = correct(
        app,
        owner,
        id,
        None,
        json!({ "sold_at": "2026-11-09 23:30:00" }),
    )
    .await;
    assert_eq!(
        local.json()["sold_at"],
        "2026-11-09T15:30:00Z",
        "{}",
        local.text()
    );
    // `null` detaches the line from its session.
    let detached = correct(app, owner, id, None, json!({ "live_session_id": null })).await;
    assert_eq!(detached.status, 200, "{}", detached.text());
    assert_eq!(detached.json()["live_session_id"], Value::Null);
}

#[actix_web::test]
async fn a_month_with_an_approved_statement_refuses_corrections_and_cancellations() {
    let books = books("Closed Co").await;
    let (app, owner) = (&books.app, &books.owner);
    let host = books.host("Clo", "2026-01-01", "0", "labour").await;
    let october = books
        .sale(host, "O1", "2026-10-20T10:00:00+08:00", "10.00")
        .await;
    let november = books
        .sale(host, "N1", "2026-11-20T10:00:00+08:00", "10.00")
        .await;
    let statement = books.draft(host, "2026-10").await;
    let approved = books
        .approve(&books.finance, statement["id"].as_str().unwrap())
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text());
    let (october, november) = (
        october["id"].as_str().unwrap(),
        november["id"].as_str().unwrap(),
    );

    correct(app, owner, october, None, json!({ "quantity": 2 }))
        .await
        .problem(409, "period_closed");
    cancel(app, owner, october, None)
        .await
        .problem(409, "period_closed");
    // Into the closed month, from an open one.
    correct(
        app,
        owner,
        november,
        None,
        json!({ "sold_at": "2026-10-31T23:00:00+08:00" }),
    )
    .await
    .problem(409, "period_closed");
    // Within open months it goes; a draft of the month becomes stale.
    let draft = books.draft(host, "2026-11").await;
    let moved = correct(
        app,
        owner,
        november,
        None,
        json!({ "sold_at": "2026-11-02T09:00:00+08:00" }),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let reread = app
        .call(
            Method::GET,
            &format!("/v1/statements/{}", draft["id"].as_str().unwrap()),
            Some(owner),
            None,
        )
        .await;
    assert_eq!(reread.json()["stale"], true, "{}", reread.text());
    // Nothing was written to the closed month: no adjustment waits.
    let mut conn = app.state.conn().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let waiting: N = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM statement_adjustments WHERE agency_id = '{}'",
        owner.agency_id
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(waiting.n, 0);
}

#[actix_web::test]
async fn only_writers_of_this_agency_correct_or_cancel() {
    let books = books("Roles Co").await;
    let (app, owner) = (&books.app, &books.owner);
    let host = books.host("Rolo", "2026-01-01", "0", "labour").await;
    let sale = books
        .sale(host, "R1", "2026-11-10T10:00:00+08:00", "10.00")
        .await;
    let id = sale["id"].as_str().unwrap();
    for role in ["analyst", "finance", "compliance"] {
        let session = app.login_as(owner, role).await;
        correct(app, &session, id, None, json!({ "quantity": 2 }))
            .await
            .problem(403, "forbidden");
        cancel(app, &session, id, None)
            .await
            .problem(403, "forbidden");
    }
    let manager = app.login_as(owner, "manager").await;
    assert_eq!(
        correct(app, &manager, id, None, json!({ "quantity": 2 }))
            .await
            .status,
        200
    );

    let other = app.signup_agency("Someone Else").await;
    correct(app, &other, id, None, json!({ "quantity": 3 }))
        .await
        .problem(404, "not_found");
    cancel(app, &other, id, None)
        .await
        .problem(404, "not_found");
    let unchanged = app
        .call(Method::GET, &format!("/v1/sales/{id}"), Some(owner), None)
        .await;
    assert_eq!(unchanged.json()["quantity"], 2);
}
