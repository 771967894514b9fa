//! Each thing once (issue 11 point 4), counted on the wire between the service and PostgreSQL:
//! a single sale looks its order line up once (the insert itself) and re-reads nothing it wrote;
//! a session answer reads the host's accounts once; a page of the ledger is the caller check
//! and the page, on the one connection the request took from the pool.

use actix_web::http::Method;
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use serde_json::json;

use crate::helpers::wire::{Executed, WireRecorder};
use crate::helpers::{Spawn, TestApp};
use crate::products::{create_product, record_test};
use crate::roster::create_influencer;
use crate::sessions::{ready_host, session_body};

/// A server whose every connection goes through a recorder.
pub async fn recorded_app() -> (TestApp, WireRecorder) {
    let recorder = WireRecorder::start().await;
    let spawn = Spawn::new().await;
    let name = spawn.database.as_ref().expect("a database").name.clone();
    let url = recorder.url_for(&name);
    let app = spawn.settings(|s| s.database.url = url).start().await;
    (app, recorder)
}

pub fn listing(executed: &[Executed]) -> String {
    executed
        .iter()
        .map(|e| format!("  [conn {}] {}", e.connection, e.sql))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The statements that name `table` as a table (read, written or locked).
fn touching<'a>(executed: &'a [Executed], table: &str) -> Vec<&'a Executed> {
    let quoted = format!("\"{table}\"");
    executed
        .iter()
        .filter(|e| {
            let sql = e.sql.replace(&quoted, table);
            ["FROM ", "INTO ", "UPDATE ", "JOIN "].iter().any(|kw| {
                sql.contains(&format!("{kw}{table} ")) || sql.ends_with(&format!("{kw}{table}"))
            })
        })
        .collect()
}

#[actix_web::test]
async fn a_single_sale_looks_its_order_line_up_once_and_reads_back_nothing_it_wrote() {
    let (app, recorder) = recorded_app().await;
    let owner = app.signup_agency("Wire Sales Co").await;
    let host = create_influencer(&app, &owner, "human", "Seller").await;
    let product = create_product(&app, &owner, "WIRE-1", None).await;
    let line = |order: &str| {
        json!({
            "platform": "douyin", "external_order_id": order, "sold_at": "2026-11-20T21:30:00+08:00",
            "influencer_id": host, "product_id": product, "quantity": 2, "unit_price": "10.00"
        })
    };
    let warm = app
        .call(Method::POST, "/v1/sales", Some(&owner), Some(line("W-0")))
        .await;
    assert_eq!(warm.status, 201, "{}", warm.text());

    recorder.clear();
    let created = app
        .call(Method::POST, "/v1/sales", Some(&owner), Some(line("W-1")))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["gross"], "20.00");
    let executed = recorder.executed();
    let on_sales = touching(&executed, "sales");
    assert_eq!(
        on_sales.len(),
        1,
        "one statement on the ledger, the insert that is also the look-up:\n{}",
        listing(&executed)
    );
    let insert = &on_sales[0].sql;
    assert!(
        insert.starts_with("INSERT INTO")
            && insert.contains("ON CONFLICT")
            && insert.contains("RETURNING"),
        "{insert}"
    );
    // Caller check, agency defaults, host, product, BEGIN, the insert, its audit event, the
    // webhook outbox (one statement that writes nothing when no subscription asks), COMMIT.
    assert_eq!(executed.len(), 9, "{}", listing(&executed));

    // A line already recorded: the same single statement finds it, and the answer is 409.
    recorder.clear();
    let again = app
        .call(Method::POST, "/v1/sales", Some(&owner), Some(line("W-1")))
        .await;
    again.problem(409, "duplicate_order_line");
    let executed = recorder.executed();
    assert_eq!(
        touching(&executed, "sales").len(),
        1,
        "{}",
        listing(&executed)
    );
    assert_eq!(
        touching(&executed, "audit_events").len(),
        0,
        "{}",
        listing(&executed)
    );
}

#[actix_web::test]
async fn a_session_answer_reads_the_hosts_accounts_once() {
    let (app, recorder) = recorded_app().await;
    let owner = app.signup_agency("Wire Sessions Co").await;
    let reviewer = app.login_as(&owner, "admin").await;
    let (host, account) = ready_host(&app, &owner, &reviewer, "Anchor", "321").await;
    let product = create_product(&app, &owner, "WIRE-S", None).await;
    let today = Utc::now().date_naive().to_string();
    let tested = record_test(&app, &owner, product, host, &today, "pass").await;
    assert_eq!(tested.status, 201, "{}", tested.text());

    recorder.clear();
    let created = app
        .call(
            Method::POST,
            "/v1/live-sessions",
            Some(&owner),
            Some(session_body(host, account, 0, 2, &[product])),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let session = created.json();
    assert_eq!(session["platform"], "douyin");
    assert_eq!(session["compliance"]["ready_to_start"], true, "{session}");
    let executed = recorder.executed();
    assert_eq!(
        touching(&executed, "platform_accounts").len(),
        1,
        "the account check, the rules and the answer share one read:\n{}",
        listing(&executed)
    );
    assert_eq!(
        touching(&executed, "live_sessions").len(),
        1,
        "{}",
        listing(&executed)
    );
    assert_eq!(
        touching(&executed, "products").len(),
        1,
        "the lineup check's products serve the rules and the answer:\n{}",
        listing(&executed)
    );

    for path in [format!(
        "/v1/live-sessions/{}",
        session["id"].as_str().unwrap()
    )] {
        recorder.clear();
        let read = app.call(Method::GET, &path, Some(&owner), None).await;
        assert_eq!(read.status, 200, "{}", read.text());
        assert_eq!(read.json()["compliance"], session["compliance"]);
        let executed = recorder.executed();
        assert_eq!(
            touching(&executed, "platform_accounts").len(),
            1,
            "{}",
            listing(&executed)
        );
        assert_eq!(
            touching(&executed, "products").len(),
            1,
            "{}",
            listing(&executed)
        );
    }

    // A reschedule judges the new plan and answers it from the same facts.
    recorder.clear();
    let etag = app
        .call(
            Method::GET,
            &format!("/v1/live-sessions/{}", session["id"].as_str().unwrap()),
            Some(&owner),
            None,
        )
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    recorder.clear();
    let moved = app
        .request(
            Method::PATCH,
            &format!("/v1/live-sessions/{}", session["id"].as_str().unwrap()),
        )
        .bearer_auth(&owner.access_token)
        .insert_header(("If-Match", etag))
        .send_json(&json!({ "platform_account_id": account, "title": "Moved" }))
        .await;
    let moved = crate::helpers::TestResponse::read(moved).await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let executed = recorder.executed();
    assert_eq!(
        touching(&executed, "platform_accounts").len(),
        1,
        "{}",
        listing(&executed)
    );
}

#[actix_web::test]
async fn a_ledger_page_is_the_caller_check_and_the_page_on_one_connection() {
    let (app, recorder) = recorded_app().await;
    let owner = app.signup_agency("Wire Pages Co").await;
    let host = create_influencer(&app, &owner, "human", "Seller").await;
    let product = create_product(&app, &owner, "WIRE-P", None).await;
    for i in 0..5 {
        let posted = app
            .call(
                Method::POST,
                "/v1/sales",
                Some(&owner),
                Some(json!({
                    "platform": "douyin", "external_order_id": format!("P-{i}"),
                    "sold_at": format!("2026-11-20T21:3{i}:00+08:00"),
                    "influencer_id": host, "product_id": product, "quantity": 1, "unit_price": "1.00"
                })),
            )
            .await;
        assert_eq!(posted.status, 201, "{}", posted.text());
    }
    let first = app
        .call(Method::GET, "/v1/sales?limit=2", Some(&owner), None)
        .await;
    assert_eq!(first.status, 200);
    let cursor = first.json()["next_cursor"].as_str().unwrap().to_owned();

    recorder.clear();
    let page = app
        .call(
            Method::GET,
            &format!("/v1/sales?limit=2&cursor={cursor}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let items = page.json()["items"].clone();
    let orders: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["external_order_id"].as_str().unwrap())
        .collect();
    assert_eq!(orders, ["P-2", "P-1"]);
    let executed = recorder.executed();
    assert_eq!(executed.len(), 2, "{}", listing(&executed));
    assert!(executed[0].sql.contains("users"), "{}", listing(&executed));
    assert_eq!(
        executed[0].connection,
        executed[1].connection,
        "the handler goes on with the connection the caller was checked on:\n{}",
        listing(&executed)
    );
    // The cursor is one row comparison, a range of the (agency, time, id) index.
    assert!(
        executed[1].sql.contains("(sales.sold_at, sales.id) < ("),
        "{}",
        listing(&executed)
    );
}

/// Statements kept prepared name their columns: a column added by a migration while the server
/// runs changes no cached statement's result type ("cached plan must not change result type"),
/// so imports, sales and pages go on answering on the same connections.
#[actix_web::test]
async fn statements_kept_prepared_survive_a_column_added_while_the_server_runs() {
    let shop = crate::sales::shop("Prepared Co").await;
    let file = |from: usize| {
        let mut csv = String::from(
            "platform,external_order_id,sold_at,influencer_id,product_id,quantity,unit_price\n",
        );
        for i in from..from + 3 {
            csv.push_str(&format!(
                "douyin,PREP-{i},2026-11-20T21:30:00+08:00,{},{},1,9.90\n",
                shop.host, shop.product
            ));
        }
        csv
    };
    let run = |round: usize| {
        let shop = &shop;
        async move {
            let imported = shop.import("", "text/csv", file(round)).await;
            assert_eq!(imported.status, 201, "round {round}: {}", imported.text());
            let posted = crate::sales::post(
                shop,
                &crate::sales::line(&format!("ONE-{round}"), shop.host, shop.product),
            )
            .await;
            assert_eq!(posted.status, 201, "round {round}: {}", posted.text());
            let page = shop
                .app
                .call(Method::GET, "/v1/sales?limit=5", Some(&shop.owner), None)
                .await;
            assert_eq!(page.status, 200, "round {round}: {}", page.text());
        }
    };
    // Every connection of the pool (4 in tests) prepares the statements.
    for round in 0..8 {
        run(round).await;
    }
    let mut conn =
        diesel_async::AsyncPgConnection::establish(&shop.app.state.settings.database.url)
            .await
            .unwrap();
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("ALTER TABLE sales ADD COLUMN added_later integer"),
        &mut conn,
    )
    .await
    .unwrap();
    for round in 8..16 {
        run(round).await;
    }
}
