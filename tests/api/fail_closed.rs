//! Nothing fails silently: text PostgreSQL refuses and out-of-range values are 4xx, never 500;
//! parsers that stop early, stored records that do not decode and evaluations without a verdict
//! are errors, never a success or an empty answer; filters are applied, never ignored.

use actix_web::http::Method;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::proxy::DbProxy;
use crate::helpers::{Spawn, TestApp, TestDatabase, TestResponse};
use crate::identity::resident_id;
use crate::roster::create_influencer;
use crate::sales::{Shop, line, shop};

async fn import(shop: &Shop, query: &str, content_type: &str, body: Vec<u8>) -> TestResponse {
    shop.import(query, content_type, body).await
}

async fn count(shop: &Shop, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = shop.app.state.conn().await.unwrap();
    let row: Count = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(shop.owner.agency_id)
        .get_result(&mut conn)
        .await
        .unwrap();
    row.n
}

async fn execute(app: &TestApp, sql: &str) {
    let mut conn = app.state.conn().await.unwrap();
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

fn fields(problem: &Value) -> Vec<(String, String)> {
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
}

#[actix_web::test]
async fn a_nul_character_anywhere_is_a_400_or_422_naming_where_never_a_500() {
    let shop = shop("Nul Co").await;
    let app = &shop.app;
    let owner = Some(&shop.owner);

    // A query parameter (this one reached an ILIKE and answered 500).
    let answer = app
        .call(Method::GET, "/v1/influencers?q=a%00b", owner, None)
        .await;
    let problem = answer.problem(422, "validation_failed");
    assert_eq!(
        fields(&problem),
        vec![("q".to_owned(), "invalid_character".to_owned())]
    );
    for path in [
        "/v1/products?q=%00",
        "/v1/sales?external_order_id=%00",
        "/v1/reports/gmv?from=2026-01-01&to=2026-02-01&tz=Asia%2FShanghai%00",
    ] {
        app.call(Method::GET, path, owner, None)
            .await
            .problem(422, "validation_failed");
    }

    // A JSON string field, a nested one, and a key.
    let answer = app
        .call(
            Method::POST,
            "/v1/influencers",
            owner,
            Some(json!({ "kind": "human", "stage_name": "Mei\u{0}", "languages": ["zh-CN"] })),
        )
        .await;
    let problem = answer.problem(422, "validation_failed");
    assert_eq!(
        fields(&problem),
        vec![("stage_name".to_owned(), "invalid_character".to_owned())]
    );
    let mut sale = line("DY-NUL", shop.host, shop.product);
    sale["external_order_id"] = json!("DY\u{0}1");
    let problem = app
        .call(Method::POST, "/v1/sales", owner, Some(sale))
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "external_order_id");
    let answer = app
        .call(
            Method::POST,
            "/v1/influencers",
            owner,
            Some(json!({ "kind": "human", "stage_name": "Mei", "languages": ["zh-CN", "x\u{0}"] })),
        )
        .await;
    assert_eq!(
        answer.problem(422, "validation_failed")["errors"][0]["field"],
        "languages[1]"
    );
    // Raw text that merely looks like an escape is fine.
    let answer = app
        .call(
            Method::POST,
            "/v1/influencers",
            owner,
            Some(json!({ "kind": "human", "stage_name": "Mei \\u0000", "languages": ["zh-CN"] })),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());

    // A path segment.
    for path in [
        "/v1/influencers/%00",
        "/v1/products/ab%00cd/impact",
        "/v1/no-such%00",
    ] {
        let problem = app
            .call(Method::GET, path, owner, None)
            .await
            .problem(400, "invalid_path");
        assert_eq!(
            fields(&problem),
            vec![("path".to_owned(), "invalid_character".to_owned())]
        );
    }

    // Import cells, CSV and JSON: reported per line, nothing written.
    let csv = "platform,external_order_id,sold_at,platform_user_id,sku,quantity,unit_price\r\n\
               douyin,DY-1,2026-11-20T21:30:00+08:00,dy-777,LIP-1,1,10.00\r\n\
               douyin,DY-2,2026-11-20T21:30:00+08:00,dy-777,LIP\u{0}1,1,10.00\r\n";
    let problem = import(&shop, "", "text/csv", csv.as_bytes().to_vec())
        .await
        .problem(422, "import_rejected");
    assert_eq!(problem["errors"][0]["line"], 3);
    assert_eq!(problem["errors"][0]["field"], "sku");
    assert_eq!(problem["errors"][0]["code"], "invalid_character");
    let rows = json!([
        { "platform": "douyin", "external_order_id": "J-1", "sold_at": "2026-11-20T21:30:00+08:00",
          "platform_user_id": "dy-777\u{0}", "sku": "LIP-1", "quantity": 1, "unit_price": "1.00" },
        { "platform": "douyin", "external_order_id": "J-2", "sold_at": "2026-11-20T21:30:00+08:00",
          "platform_user_id": "dy-777", "sku": "LIP-1", "quantity": 1, "unit_price": "1.00", "x\u{0}": "1" },
    ]);
    let answer = import(
        &shop,
        "?on_error=skip",
        "application/json",
        serde_json::to_vec(&rows).unwrap(),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let batch = answer.json();
    assert_eq!(batch["rejected"], 2, "{batch}");
    assert_eq!(batch["errors"][0]["field"], "platform_user_id");
    assert_eq!(batch["errors"][0]["code"], "invalid_character");
    assert_eq!(batch["errors"][1]["code"], "unknown_field");
    assert_eq!(
        count(
            &shop,
            "SELECT count(*) AS n FROM sales WHERE agency_id = $1"
        )
        .await,
        0
    );
    // The stored record of that import reads back.
    let path = format!("/v1/sales/imports/{}", batch["id"].as_str().unwrap());
    assert_eq!(app.call(Method::GET, &path, owner, None).await.status, 200);
}

#[actix_web::test]
async fn out_of_range_and_garbage_parameters_are_4xx_never_500() {
    let shop = shop("Range Co").await;
    let app = &shop.app;
    let owner = Some(&shop.owner);
    let long = "x".repeat(20_000);
    let lists = [
        "/v1/influencers",
        "/v1/products",
        "/v1/live-sessions",
        "/v1/live-sessions.ics",
        "/v1/sales",
        "/v1/sales/imports",
        "/v1/users",
        "/v1/audit-events",
        "/v1/compliance/issues",
    ];
    let probes = [
        "limit=99999999999999999999".to_owned(),
        "limit=-1".to_owned(),
        "limit=0".to_owned(),
        "cursor=%25%25garbage".to_owned(),
        "cursor=eyJhIjoxfQ".to_owned(),
        "from=0000-01-01T00:00:00Z".to_owned(),
        "from=99999-01-01T00:00:00Z".to_owned(),
        "to=-10000-01-01T00:00:00Z".to_owned(),
        "from=2026-01-01&to=99999-01-01".to_owned(),
        "platform=mars".to_owned(),
        "influencer_id=not-a-uuid".to_owned(),
        format!("q={long}"),
    ];
    let mut failures = Vec::new();
    for list in lists {
        for probe in &probes {
            let path = format!("{list}?{probe}");
            let answer = app.call(Method::GET, &path, owner, None).await;
            if !(answer.status.is_success() || answer.status.is_client_error()) {
                failures.push(format!(
                    "{list}?{}: {}",
                    &probe[..probe.len().min(60)],
                    answer.status
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    for report in [
        "/v1/reports/gmv?from=0000-01-01&to=0001-01-01",
        "/v1/reports/gmv?from=99999-01-01&to=99999-02-01",
        "/v1/reports/gmv?from=-4800-01-01&to=-4800-02-01",
        "/v1/reports/gmv?from=262000-01-01&to=262000-02-01&group_by=product",
        "/v1/reports/settlements?month=99999-01",
        "/v1/reports/settlements?month=0000-01",
    ] {
        let answer = app.call(Method::GET, report, owner, None).await;
        assert!(
            answer.status.is_success() || answer.status.is_client_error(),
            "{report}: {} {}",
            answer.status,
            answer.text()
        );
    }

    // A quantity of the right JSON type but out of range: a field error.
    for quantity in [json!(-1), json!(0), json!(100_001)] {
        let mut sale = line("DY-Q", shop.host, shop.product);
        sale["quantity"] = quantity.clone();
        let problem = app
            .call(Method::POST, "/v1/sales", owner, Some(sale))
            .await
            .problem(422, "validation_failed");
        let found = fields(&problem);
        assert_eq!(found.len(), 1, "quantity {quantity}: {found:?}");
        assert_eq!(found[0].0, "quantity");
        assert!(
            ["out_of_range", "invalid_integer"].contains(&found[0].1.as_str()),
            "{found:?}"
        );
    }
    // Not an integer the document allows at all (beyond 32 bits, or a string): the body does
    // not have the declared shape, 400.
    for quantity in [
        json!(4_294_967_297_i64),
        json!("99999999999999999999"),
        json!("5"),
    ] {
        let mut sale = line("DY-Q", shop.host, shop.product);
        sale["quantity"] = quantity.clone();
        app.call(Method::POST, "/v1/sales", owner, Some(sale))
            .await
            .problem(400, "invalid_body");
    }
    let account = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{}/platform-accounts", shop.host),
            owner,
            Some(json!({ "platform": "kuaishou", "handle": "@big", "platform_user_id": "ks-1", "followers": 1e30 })),
        )
        .await;
    assert_eq!(
        account.problem(400, "invalid_body")["errors"][0]["code"],
        "invalid",
        "followers beyond any integer"
    );
}

#[actix_web::test]
async fn signup_answers_503_when_the_database_goes_away_and_422_only_for_an_unknown_zone() {
    let database = TestDatabase::create().await;
    let mut proxy = DbProxy::start().await;
    let app = Spawn::with_database_url(&proxy.url_for(&database.name))
        .start()
        .await;
    let signup = |email: &str, zone: &str| json!({ "agency_name": "Zone Co", "email": email, "password": crate::helpers::PASSWORD, "time_zone": zone });
    let answer = app
        .send_json(
            Method::POST,
            "/v1/auth/signup",
            &signup("a@zone.example.com", "Mars/Olympus"),
        )
        .await;
    assert_eq!(
        fields(&answer.problem(422, "validation_failed")),
        vec![("time_zone".to_owned(), "invalid_time_zone".to_owned())]
    );

    // A connection that dies between checkout and the zone check: the outage is a 503, not a
    // complaint about the caller's time zone.
    let mut conn = app.state.conn().await.unwrap();
    proxy.cut().await;
    let outcome = mcn::agencies::signup::create_agency_with_owner(
        &mut conn,
        &app.state.auth.passwords,
        mcn::agencies::signup::NewAgency {
            agency_name: "Zone Co".to_owned(),
            email: "b@zone.example.com".to_owned(),
            password: crate::helpers::PASSWORD.to_owned(),
            display_name: None,
            time_zone: Some("Asia/Shanghai".to_owned()),
        },
        None,
    )
    .await;
    match outcome {
        Err(error @ mcn::error::AppError::Unavailable { .. }) => {
            assert_eq!(error.code(), "database_unavailable");
        }
        other => panic!("expected 503, got {other:?}"),
    }
    drop(conn);
    app.send_json(
        Method::POST,
        "/v1/auth/signup",
        &signup("c@zone.example.com", "Asia/Shanghai"),
    )
    .await
    .problem(503, "database_unavailable");
    drop(app);
    drop(database);
}

fn json_line(n: usize) -> Value {
    json!({ "platform": "douyin", "external_order_id": format!("BIG-{n}"), "sold_at": "2026-11-20T21:30:00+08:00",
            "platform_user_id": "dy-777", "sku": "LIP-1", "quantity": 1, "unit_price": "10.00" })
}

#[actix_web::test]
async fn an_import_whose_parser_fails_after_the_first_batches_commits_nothing() {
    let shop = shop("Broken File Co").await;
    // 1500 good lines (more than one 1000-line batch), then the file breaks.
    let mut body = String::from("[");
    for n in 0..1500 {
        body.push_str(&json_line(n).to_string());
        body.push(',');
    }
    body.push_str("{\"platform\": ");
    for query in ["", "?on_error=skip"] {
        let answer = import(&shop, query, "application/json", body.clone().into_bytes()).await;
        answer.problem(400, "malformed_json");
        assert_eq!(
            count(
                &shop,
                "SELECT count(*) AS n FROM sales WHERE agency_id = $1"
            )
            .await,
            0
        );
    }
    assert_eq!(
        count(
            &shop,
            "SELECT count(*) AS n FROM import_batches WHERE outcome <> 'rejected' AND agency_id = $1"
        )
        .await,
        0,
        "no import is on record as a success"
    );

    // CSV: 1500 good rows, then a bad one (bytes that are not UTF-8 make the file GB18030, where
    // they read as another SKU).
    let mut csv =
        b"platform,external_order_id,sold_at,platform_user_id,sku,quantity,unit_price\r\n".to_vec();
    for n in 0..1500 {
        csv.extend_from_slice(
            format!("douyin,CSV-{n},2026-11-20T21:30:00+08:00,dy-777,LIP-1,1,10.00\r\n").as_bytes(),
        );
    }
    csv.extend_from_slice(
        b"douyin,CSV-X,2026-11-20T21:30:00+08:00,dy-777,LIP-\xff\xfe,1,10.00\r\n",
    );
    let problem = import(&shop, "", "text/csv", csv)
        .await
        .problem(422, "import_rejected");
    assert_eq!(problem["errors"][0]["line"], 1502);
    assert_eq!(problem["errors"][0]["field"], "sku");
    assert_eq!(problem["errors"][0]["code"], "not_found");
    assert_eq!(
        count(
            &shop,
            "SELECT count(*) AS n FROM sales WHERE agency_id = $1"
        )
        .await,
        0
    );
}

#[actix_web::test]
async fn stored_json_that_does_not_decode_is_an_error_not_an_empty_list() {
    let shop = shop("Corrupt Co").await;
    let app = &shop.app;
    let owner = Some(&shop.owner);
    let mut bad = json_line(1);
    bad["quantity"] = json!(-1);
    let answer = import(
        &shop,
        "?on_error=skip",
        "application/json",
        serde_json::to_vec(&json!([json_line(0), bad])).unwrap(),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let batch = answer.json();
    assert_eq!(batch["errors"][0]["field"], "quantity", "{batch}");
    let path = format!("/v1/sales/imports/{}", batch["id"].as_str().unwrap());
    assert_eq!(app.call(Method::GET, &path, owner, None).await.status, 200);

    execute(
        app,
        "UPDATE import_batches SET errors = '{\"not\": \"a list\"}'",
    )
    .await;
    app.call(Method::GET, &path, owner, None)
        .await
        .problem(500, "internal_error");
    app.call(Method::GET, "/v1/sales/imports", owner, None)
        .await
        .problem(500, "internal_error");

    // A session review whose incidents do not decode.
    execute(
        app,
        &format!(
            "INSERT INTO live_sessions (agency_id, id, influencer_id, platform_account_id, title, \
             scheduled_start, scheduled_end, language, ai_label, state, actual_start, actual_end, version, created_at, updated_at) \
             SELECT agency_id, '0192b7a0-0000-7000-8000-000000000001', influencer_id, id, 'Old show', \
             now() - interval '3 hours', now() - interval '2 hours', 'zh-CN', false, 'ended', \
             now() - interval '3 hours', now() - interval '2 hours', 1, now(), now() \
             FROM platform_accounts WHERE influencer_id = '{}'",
            shop.host
        ),
    )
    .await;
    let session = "/v1/live-sessions/0192b7a0-0000-7000-8000-000000000001";
    execute(
        app,
        &format!(
            "INSERT INTO session_reviews (agency_id, session_id, mandarin_spoken, dress_code_ok, incidents, reviewed_by, reviewed_at) \
             VALUES ('{}', '0192b7a0-0000-7000-8000-000000000001', true, true, '[]', '{}', now())",
            shop.owner.agency_id, shop.owner.user_id
        ),
    )
    .await;
    let read = app.call(Method::GET, session, owner, None).await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.json()["review"]["incidents"], json!([]));
    execute(
        app,
        "UPDATE session_reviews SET incidents = '[{\"severity\": 42}]'",
    )
    .await;
    app.call(Method::GET, session, owner, None)
        .await
        .problem(500, "internal_error");
}

async fn audit_events(app: &TestApp, owner: &crate::helpers::Session) -> usize {
    app.call(Method::GET, "/v1/audit-events?limit=200", Some(owner), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len()
}

#[actix_web::test]
async fn an_empty_user_patch_checks_rights_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Patch Co").await;
    let admin = app.login_as(&owner, "admin").await;
    let manager = app.login_as(&owner, "manager").await;
    let before = audit_events(&app, &owner).await;

    let admin_path = format!("/v1/users/{}", admin.user_id);
    let owner_path = format!("/v1/users/{}", owner.user_id);
    app.call(Method::PATCH, &admin_path, Some(&manager), Some(json!({})))
        .await
        .problem(403, "forbidden");
    app.call(Method::PATCH, &owner_path, Some(&admin), Some(json!({})))
        .await
        .problem(403, "owner_management_forbidden");

    let read = app.call(Method::GET, &admin_path, Some(&owner), None).await;
    let version = read.json()["version"].clone();
    let answer = app
        .call(Method::PATCH, &admin_path, Some(&owner), Some(json!({})))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["version"], version, "no new version");
    assert_eq!(answer.json(), read.json(), "the user as it was");
    // The same name again changes nothing either.
    let same = json!({ "display_name": read.json()["display_name"] });
    let answer = app
        .call(Method::PATCH, &admin_path, Some(&owner), Some(same))
        .await;
    assert_eq!(answer.json()["version"], version);
    // Oneself, with nothing to change: fine, and nothing happens.
    let own = format!("/v1/users/{}", manager.user_id);
    let answer = app
        .call(Method::PATCH, &own, Some(&manager), Some(json!({})))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(audit_events(&app, &owner).await, before, "no audit event");

    // A real change still bumps the version and is audited.
    let answer = app
        .call(
            Method::PATCH,
            &admin_path,
            Some(&owner),
            Some(json!({ "display_name": "Renamed" })),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_ne!(answer.json()["version"], version);
    assert_eq!(audit_events(&app, &owner).await, before + 1);
}

#[actix_web::test]
async fn a_currency_change_needs_a_list_price_valid_in_the_new_currency() {
    let shop = shop("Yen Co").await;
    let app = &shop.app;
    let path = format!("/v1/products/{}", shop.product);
    let owner = Some(&shop.owner);
    let problem = app
        .call(
            Method::PATCH,
            &path,
            owner,
            Some(json!({ "currency": "JPY" })),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(&problem),
        vec![("list_price".to_owned(), "required".to_owned())]
    );
    let problem = app
        .call(
            Method::PATCH,
            &path,
            owner,
            Some(json!({ "currency": "JPY", "list_price": "10.50" })),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "list_price");
    let unchanged = app.call(Method::GET, &path, owner, None).await.json();
    assert_eq!(unchanged["currency"], "CNY");
    assert_eq!(unchanged["list_price"], "199.00");

    // Naming the current currency again is no change of currency.
    let answer = app
        .call(
            Method::PATCH,
            &path,
            owner,
            Some(json!({ "currency": "CNY" })),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let answer = app
        .call(
            Method::PATCH,
            &path,
            owner,
            Some(json!({ "currency": "JPY", "list_price": "1050" })),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["currency"], "JPY");
    assert_eq!(answer.json()["list_price"], "1050");
}

#[actix_web::test]
async fn manager_and_analyst_see_a_hosts_age_not_the_date_of_birth() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Age Co").await;
    let host = create_influencer(&app, &owner, "human", "Young").await;
    let path = format!("/v1/influencers/{host}/identity");
    let put = app
        .call(
            Method::PUT,
            &path,
            Some(&owner),
            Some(json!({ "real_name": "王小美", "document_type": "cn_resident_id", "document_number": resident_id("19950307", "123") })),
        )
        .await;
    assert_eq!(put.status, 201, "{}", put.text());
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let born = chrono::NaiveDate::from_ymd_opt(1995, 3, 7).unwrap();
    let age = today.years_since(born).unwrap();
    for role in ["owner", "admin", "compliance", "manager", "analyst"] {
        let session = if role == "owner" {
            owner.clone()
        } else {
            app.login_as(&owner, role).await
        };
        let identity = app.call(Method::GET, &path, Some(&session), None).await;
        assert_eq!(identity.status, 200, "{role}: {}", identity.text());
        let identity = identity.json();
        assert_eq!(identity["age"], age, "{role}: {identity}");
        if matches!(role, "manager" | "analyst") {
            assert!(
                identity.get("date_of_birth").is_none(),
                "{role} sees no date of birth: {identity}"
            );
            assert!(!identity.to_string().contains("1995"), "{identity}");
        } else {
            assert_eq!(identity["date_of_birth"], "1995-03-07", "{role}");
        }
    }
}

#[actix_web::test]
async fn the_gmv_report_applies_its_currency_filter_on_every_source() {
    let shop = shop("Two Currencies Co").await;
    let app = &shop.app;
    for (order, price, currency) in [
        ("A", "10.00", "CNY"),
        ("B", "7.00", "USD"),
        ("C", "5.00", "CNY"),
    ] {
        let mut sale = line(order, shop.host, shop.product);
        sale["unit_price"] = json!(price);
        sale["currency"] = json!(currency);
        sale["quantity"] = json!(1);
        let answer = app
            .call(Method::POST, "/v1/sales", Some(&shop.owner), Some(sale))
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
    }
    // Daily rollup (platform), hourly rollup (platform in another zone) and the ledger
    // (product).
    for grouping in [
        "group_by=platform",
        "group_by=platform&tz=Asia%2FTokyo",
        "group_by=product",
        "group_by=platform,product",
    ] {
        let base = format!("/v1/reports/gmv?from=2026-11-01&to=2026-12-01&{grouping}");
        let all = app
            .call(Method::GET, &base, Some(&shop.owner), None)
            .await
            .json();
        assert_eq!(
            all["rows"].as_array().unwrap().len(),
            2,
            "{grouping}: {all}"
        );
        let usd = app
            .call(
                Method::GET,
                &format!("{base}&currency=USD"),
                Some(&shop.owner),
                None,
            )
            .await;
        assert_eq!(usd.status, 200, "{}", usd.text());
        let rows = usd.json()["rows"].as_array().unwrap().clone();
        assert_eq!(rows.len(), 1, "{grouping}: {rows:?}");
        assert_eq!(rows[0]["currency"], "USD");
        assert_eq!(rows[0]["gross"], "7.00");
        let cny = app
            .call(
                Method::GET,
                &format!("{base}&currency=CNY"),
                Some(&shop.owner),
                None,
            )
            .await
            .json();
        assert_eq!(cny["rows"][0]["gross"], "15.00", "{grouping}: {cny}");
        assert_eq!(cny["rows"].as_array().unwrap().len(), 1);
    }
    let problem = app
        .call(
            Method::GET,
            "/v1/reports/gmv?from=2026-11-01&to=2026-12-01&currency=XYZ",
            Some(&shop.owner),
            None,
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "currency");
}

#[actix_web::test]
async fn the_calendar_serves_every_session_of_its_window() {
    let shop = shop("Busy Calendar Co").await;
    let app = &shop.app;
    // 1200 one-hour sessions every five hours from 80 days ago (all in the default window),
    // two more a year and a half away, one 100 days ago.
    execute(
        app,
        &format!(
            "INSERT INTO live_sessions (agency_id, id, influencer_id, platform_account_id, title, \
             scheduled_start, scheduled_end, language, ai_label, state, version, created_at, updated_at) \
             SELECT a.agency_id, gen_random_uuid(), a.influencer_id, a.id, 'Show ' || g, \
             s.start, s.start + interval '1 hour', 'zh-CN', false, 'scheduled', 1, now(), now() \
             FROM platform_accounts a, \
             LATERAL (SELECT g, date_trunc('hour', now()) - interval '80 days' + g * interval '5 hours' AS start \
                      FROM generate_series(0, 1199) g \
                      UNION ALL SELECT 5000 + g, date_trunc('hour', now()) + interval '540 days' + g * interval '5 hours' \
                      FROM generate_series(0, 1) g \
                      UNION ALL SELECT 9000, date_trunc('hour', now()) - interval '100 days') s \
             WHERE a.influencer_id = '{}'",
            shop.host
        ),
    )
    .await;
    let feed = |query: String| {
        let owner = shop.owner.clone();
        async move {
            let answer = app
                .call(
                    Method::GET,
                    &format!("/v1/live-sessions.ics{query}"),
                    Some(&owner),
                    None,
                )
                .await;
            (answer.status.as_u16(), answer.text())
        }
    };
    let (status, text) = feed(String::new()).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        1200,
        "every session of the default window, none beyond it"
    );
    assert!(text.contains("SUMMARY:Show 1199\r\n"));
    assert!(!text.contains("SUMMARY:Show 9000\r\n"));

    let now = chrono::Utc::now();
    let stamp = |days: i64| {
        (now + chrono::Duration::days(days))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            .replace('+', "%2B")
    };
    let (status, text) = feed(format!("?from={}&to={}", stamp(400), stamp(600))).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    let (status, text) = feed(format!("?from={}&to={}", stamp(-101), stamp(-99))).await;
    assert_eq!(status, 200);
    assert!(text.contains("SUMMARY:Show 9000\r\n"));

    // At most 18 months; the window must be a window; paging parameters are not taken.
    let (status, text) = feed(format!("?from={}&to={}", stamp(0), stamp(600))).await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("range_too_long"), "{text}");
    let (status, _) = feed(format!("?from={}&to={}", stamp(0), stamp(-1))).await;
    assert_eq!(status, 422);
    let (status, text) = feed("?limit=10".to_owned()).await;
    assert_eq!(status, 400, "{text}");
}
