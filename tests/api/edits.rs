//! The everyday edits of issue 15 outside sales lines: users reactivated or given a new email,
//! products archived, recalls withdrawn, the sales filters by order id and import, and session
//! search by title. Roles and other agencies for each.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::agency_settings::send_if_match;
use crate::helpers::{PASSWORD, Session, TestApp, TestResponse};
use crate::products::{create_product, record_test};
use crate::sales::{line, post, shop};
use crate::sessions::ready_host;

async fn patch_user(
    app: &TestApp,
    by: &Session,
    id: Uuid,
    if_match: Option<&str>,
    body: Value,
) -> TestResponse {
    send_if_match(
        app,
        Method::PATCH,
        &format!("/v1/users/{id}"),
        by,
        if_match,
        body,
    )
    .await
}

async fn post_json(app: &TestApp, by: &Session, path: &str, body: Option<Value>) -> TestResponse {
    app.call(Method::POST, path, Some(by), body).await
}

fn ids(items: &Value) -> Vec<String> {
    items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_deactivated_user_cannot_log_in_until_reactivated() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("People Co").await;
    let manager = app.login_as(&owner, "manager").await;
    let admin = app.login_as(&owner, "admin").await;

    // Managers may not (de)activate anybody, themselves included.
    patch_user(
        &app,
        &manager,
        manager.user_id,
        None,
        json!({ "active": false }),
    )
    .await
    .problem(403, "forbidden");
    let off = patch_user(
        &app,
        &admin,
        manager.user_id,
        Some("\"1\""),
        json!({ "active": false }),
    )
    .await;
    assert_eq!(off.status, 200, "{}", off.text());
    assert_eq!(off.json()["active"], false);
    assert!(off.json()["deactivated_at"].is_string());
    // As DELETE does: sessions end at once.
    app.login(&manager.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    app.send_json(
        Method::POST,
        "/v1/auth/refresh",
        &json!({ "refresh_token": manager.refresh_token }),
    )
    .await
    .problem(401, "invalid_refresh_token");
    assert_eq!(
        app.call(Method::GET, "/v1/me", Some(&manager), None)
            .await
            .status,
        401
    );

    let on = patch_user(
        &app,
        &admin,
        manager.user_id,
        None,
        json!({ "active": true }),
    )
    .await;
    assert_eq!(on.status, 200, "{}", on.text());
    assert_eq!(
        (&on.json()["active"], &on.json()["deactivated_at"]),
        (&json!(true), &Value::Null)
    );
    assert_eq!(app.login(&manager.email, PASSWORD).await.status, 200);

    // The last active owner stays; admins do not touch owners.
    patch_user(
        &app,
        &owner,
        owner.user_id,
        None,
        json!({ "active": false }),
    )
    .await
    .problem(409, "last_owner");
    patch_user(
        &app,
        &admin,
        owner.user_id,
        None,
        json!({ "active": false }),
    )
    .await
    .problem(403, "owner_management_forbidden");

    let audit = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_id={}", manager.user_id),
            Some(&owner),
            None,
        )
        .await;
    let actives: Vec<Value> = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["changes"].get("active").cloned())
        .collect();
    assert_eq!(actives.len(), 2, "{}", audit.text());

    // Another agency's owner cannot see or change these users.
    let other = app.signup_agency("Other People").await;
    patch_user(
        &app,
        &other,
        manager.user_id,
        None,
        json!({ "active": false }),
    )
    .await
    .problem(404, "not_found");
}

#[actix_web::test]
async fn a_new_email_is_the_login_and_the_old_one_no_longer_is() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Mail Co").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let new_email = format!("Analyst.{}@New.Example.com", Uuid::now_v7().simple());

    let changed = patch_user(
        &app,
        &owner,
        analyst.user_id,
        None,
        json!({ "email": format!("  {new_email} ") }),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["email"], new_email.as_str());
    app.login(&analyst.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(
        app.login(&new_email.to_lowercase(), PASSWORD).await.status,
        200
    );

    // Taken (in any case, by anybody), or not an address.
    patch_user(
        &app,
        &owner,
        analyst.user_id,
        None,
        json!({ "email": owner.email.to_uppercase() }),
    )
    .await
    .problem(409, "email_taken");
    let bad = patch_user(
        &app,
        &owner,
        analyst.user_id,
        None,
        json!({ "email": "not-an-address" }),
    )
    .await;
    assert_eq!(
        bad.problem(422, "validation_failed")["errors"][0]["code"],
        "invalid_email"
    );

    // One's own email needs one's password; others' roles may not change it.
    let me = app.session_for(&new_email).await;
    let own = format!("me-{}@example.com", Uuid::now_v7().simple());
    let refused = patch_user(&app, &me, me.user_id, None, json!({ "email": own })).await;
    assert_eq!(
        refused.problem(422, "validation_failed")["errors"][0]["field"],
        "current_password"
    );
    let wrong = patch_user(
        &app,
        &me,
        me.user_id,
        None,
        json!({ "email": own, "current_password": "wrong password!" }),
    )
    .await;
    assert_eq!(
        wrong.problem(422, "validation_failed")["errors"][0]["code"],
        "incorrect"
    );
    let mine = patch_user(
        &app,
        &me,
        me.user_id,
        None,
        json!({ "email": own, "current_password": PASSWORD }),
    )
    .await;
    assert_eq!(mine.status, 200, "{}", mine.text());
    assert_eq!(app.login(&own, PASSWORD).await.status, 200);
    patch_user(
        &app,
        &me,
        owner.user_id,
        None,
        json!({ "email": "x@example.com" }),
    )
    .await
    .problem(403, "forbidden");

    // Audited, masked.
    let audit = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_id={}", analyst.user_id),
            Some(&owner),
            None,
        )
        .await;
    let emails: Vec<Value> = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["changes"].get("email").cloned())
        .collect();
    assert!(
        emails.iter().any(|e| e["to"] == "m***@example.com"),
        "{emails:?}"
    );
    assert!(!audit.text().contains(&new_email), "addresses are masked");

    let other = app.signup_agency("Other Mail").await;
    patch_user(
        &app,
        &other,
        analyst.user_id,
        None,
        json!({ "email": "steal@example.com" }),
    )
    .await
    .problem(404, "not_found");
}

async fn sell(
    app: &TestApp,
    by: &Session,
    order: &str,
    host: Uuid,
    product: Value,
    at: &str,
) -> TestResponse {
    let mut body = json!({ "platform": "douyin", "external_order_id": order, "sold_at": at, "influencer_id": host, "quantity": 1, "unit_price": "9.00" });
    match product.as_str().map(|text| (text, text.parse::<Uuid>())) {
        Some((sku, Err(_))) => body["sku"] = json!(sku),
        _ => body["product_id"] = product,
    }
    post_json(app, by, "/v1/sales", Some(body)).await
}

fn lineup_body(products: &[Uuid]) -> Value {
    json!({ "items": products.iter().map(|id| json!({ "product_id": id })).collect::<Vec<_>>() })
}

#[actix_web::test]
async fn archived_products_stay_readable_but_leave_lists_lineups_and_new_lines() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Archive Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let (host, account) = ready_host(&app, &owner, &compliance, "Arch", "404").await;
    let old = create_product(&app, &owner, "OLD-1", None).await;
    let other = create_product(&app, &owner, "NEW-1", None).await;
    let today = Utc::now().date_naive().to_string();
    for product in [old, other] {
        assert_eq!(
            record_test(&app, &owner, product, host, &today, "pass")
                .await
                .status,
            201
        );
    }
    let day = |days: i64, hour: i64| {
        (Utc::now() + Duration::days(days) + Duration::hours(hour)).to_rfc3339()
    };
    let scheduled = post_json(
        &app,
        &owner,
        "/v1/live-sessions",
        Some(json!({ "influencer_id": host, "platform_account_id": account, "title": "Clearance", "scheduled_start": day(3, 0), "scheduled_end": day(3, 2), "language": "zh-CN", "lineup": [{ "product_id": old }] })),
    )
    .await;
    assert_eq!(scheduled.status, 201, "{}", scheduled.text());
    let session = scheduled.json()["id"].as_str().unwrap().to_owned();
    let before = day(0, -2);
    assert_eq!(
        sell(&app, &owner, "BEFORE", host, json!(old), &before)
            .await
            .status,
        201
    );

    let path = format!("/v1/products/{old}/archive");
    post_json(&app, &analyst, &path, None)
        .await
        .problem(403, "forbidden");
    let archived = post_json(&app, &owner, &path, None).await;
    assert_eq!(archived.status, 200, "{}", archived.text());
    assert!(archived.json()["archived_at"].is_string());
    post_json(&app, &owner, &path, None)
        .await
        .problem(409, "already_archived");

    // Readable, listed only when asked for.
    let read = app
        .call(
            Method::GET,
            &format!("/v1/products/{old}"),
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(read.status, 200);
    let listed = app
        .call(Method::GET, "/v1/products", Some(&owner), None)
        .await
        .json();
    assert_eq!(ids(&listed), vec![other.to_string()]);
    let archived_list = app
        .call(
            Method::GET,
            "/v1/products?archived=true",
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(ids(&archived_list), vec![old.to_string()]);

    // No new line sold from now on names it, by id, SKU or import; earlier lines still come in.
    let now = day(0, 0);
    for (order, product) in [("AFTER-1", json!(old)), ("AFTER-2", json!("OLD-1"))] {
        let refused = sell(&app, &owner, order, host, product, &now).await;
        let problem = refused.problem(422, "validation_failed");
        assert_eq!(
            problem["errors"][0]["code"], "product_archived",
            "{problem}"
        );
    }
    let late = sell(&app, &owner, "LATE", host, json!(old), &day(0, -1)).await;
    assert_eq!(
        late.status,
        201,
        "a line sold before the archive is still recorded: {}",
        late.text()
    );
    let file = format!(
        "platform,external_order_id,sold_at,influencer_id,product_id,quantity,unit_price\ndouyin,IMP-1,{now},{host},{old},1,9.00\n"
    );
    let imported = TestResponse::read(
        app.request(Method::POST, "/v1/sales/imports")
            .bearer_auth(&owner.access_token)
            .insert_header(("content-type", "text/csv"))
            .send_body(file)
            .await,
    )
    .await;
    assert_eq!(imported.status, 422, "{}", imported.text());
    assert!(
        imported.text().contains("product_archived"),
        "{}",
        imported.text()
    );
    // A correction moving a line to it is refused; a line that has it keeps it.
    let moved = sell(&app, &owner, "OTHER", host, json!(other), &before).await;
    let moved_id = moved.json()["id"].as_str().unwrap().to_owned();
    let refused = send_if_match(
        &app,
        Method::PATCH,
        &format!("/v1/sales/{moved_id}"),
        &owner,
        None,
        json!({ "product_id": old, "sold_at": now }),
    )
    .await;
    assert_eq!(
        refused.problem(422, "validation_failed")["errors"][0]["code"],
        "product_archived"
    );

    // No new lineup features it; the session that had it keeps it.
    let put = |items: Value| {
        let app = &app;
        let owner = &owner;
        let session = session.clone();
        async move {
            app.call(
                Method::PUT,
                &format!("/v1/live-sessions/{session}/lineup"),
                Some(owner),
                Some(items),
            )
            .await
        }
    };
    let kept = put(lineup_body(&[old, other])).await;
    assert_eq!(kept.status, 200, "{}", kept.text());
    assert_eq!(put(lineup_body(&[other])).await.status, 200);
    let again = put(lineup_body(&[other, old])).await;
    let problem = again.problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["code"], "product_archived");
    assert_eq!(problem["errors"][0]["field"], "items[1].product_id");
    let new_session = post_json(
        &app,
        &owner,
        "/v1/live-sessions",
        Some(json!({ "influencer_id": host, "platform_account_id": account, "title": "Again", "scheduled_start": day(5, 0), "scheduled_end": day(5, 2), "language": "zh-CN", "lineup": [{ "product_id": old }] })),
    )
    .await;
    assert_eq!(
        new_session.problem(422, "validation_failed")["errors"][0]["code"],
        "product_archived"
    );

    // Audited; another agency gets 404.
    let audit = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_id={old}"),
            Some(&owner),
            None,
        )
        .await;
    assert!(audit.text().contains("product.archive"), "{}", audit.text());
    let stranger = app.signup_agency("Stranger Co").await;
    post_json(&app, &stranger, &path, None)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn withdrawing_a_recall_clears_its_compliance_consequences() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Withdraw Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let manager = app.login_as(&owner, "manager").await;
    let (host, account) = ready_host(&app, &owner, &compliance, "Wendy", "505").await;
    let product = create_product(&app, &owner, "TOY-1", None).await;
    let today = Utc::now().date_naive().to_string();
    assert_eq!(
        record_test(&app, &owner, product, host, &today, "pass")
            .await
            .status,
        201
    );
    let start = (Utc::now() + Duration::days(3)).to_rfc3339();
    let end = (Utc::now() + Duration::days(3) + Duration::hours(2)).to_rfc3339();
    let scheduled = post_json(
        &app,
        &owner,
        "/v1/live-sessions",
        Some(json!({ "influencer_id": host, "platform_account_id": account, "title": "Toys", "scheduled_start": start, "scheduled_end": end, "language": "zh-CN", "lineup": [{ "product_id": product }] })),
    )
    .await;
    assert_eq!(scheduled.status, 201, "{}", scheduled.text());
    let session = scheduled.json()["id"].as_str().unwrap().to_owned();
    let withdraw = format!("/v1/products/{product}/recall/withdraw");
    post_json(
        &app,
        &compliance,
        &withdraw,
        Some(json!({ "reason": "never recalled" })),
    )
    .await
    .problem(409, "not_recalled");
    let recalled = post_json(
        &app,
        &compliance,
        &format!("/v1/products/{product}/recall"),
        Some(json!({ "reason": "lead paint" })),
    )
    .await;
    assert_eq!(recalled.status, 200, "{}", recalled.text());
    let sold = sell(
        &app,
        &owner,
        "RECALLED",
        host,
        json!(product),
        &Utc::now().to_rfc3339(),
    )
    .await;
    assert_eq!(sold.status, 201, "{}", sold.text());

    let violations = |body: Value| -> Vec<String> {
        body["compliance"]["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let issues = || async {
        let page = app
            .call(
                Method::GET,
                "/v1/compliance/issues?limit=200",
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.text());
        page.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let read = app
        .call(
            Method::GET,
            &format!("/v1/live-sessions/{session}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(violations(read.json()), vec!["product_recalled"]);
    let open = issues().await;
    assert!(
        open.contains(&"recalled_product_sold".to_owned()),
        "{open:?}"
    );

    post_json(
        &app,
        &manager,
        &withdraw,
        Some(json!({ "reason": "test lab error" })),
    )
    .await
    .problem(403, "forbidden");
    post_json(&app, &compliance, &withdraw, Some(json!({})))
        .await
        .problem(400, "invalid_body");
    post_json(
        &app,
        &compliance,
        &withdraw,
        Some(json!({ "reason": "  " })),
    )
    .await
    .problem(422, "validation_failed");
    let stranger = app.signup_agency("Stranger Two").await;
    post_json(
        &app,
        &stranger,
        &withdraw,
        Some(json!({ "reason": "mine now" })),
    )
    .await
    .problem(404, "not_found");
    let withdrawn = post_json(
        &app,
        &compliance,
        &withdraw,
        Some(json!({ "reason": "test lab error" })),
    )
    .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text());
    assert_eq!(
        (
            &withdrawn.json()["recalled"],
            &withdrawn.json()["recalled_at"]
        ),
        (&json!(false), &Value::Null)
    );
    post_json(
        &app,
        &compliance,
        &withdraw,
        Some(json!({ "reason": "again" })),
    )
    .await
    .problem(409, "not_recalled");

    let read = app
        .call(
            Method::GET,
            &format!("/v1/live-sessions/{session}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(violations(read.json()), Vec::<String>::new());
    let open = issues().await;
    assert!(
        !open
            .iter()
            .any(|code| code.starts_with("recalled_") || code == "product_recalled"),
        "{open:?}"
    );

    let audit = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_id={product}"),
            Some(&owner),
            None,
        )
        .await;
    let event = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "product.recall_withdraw")
        .cloned()
        .expect("audited");
    assert_eq!(event["changes"]["reason"], "test lab error");
    assert_eq!(event["changes"]["recall_reason"], "lead paint");
    assert_eq!(event["actor_id"], json!(compliance.user_id));
}

#[actix_web::test]
async fn sales_filter_by_order_id_and_import_and_sessions_by_title() {
    let shop = shop("Filter Co").await;
    let (app, owner) = (&shop.app, &shop.owner);
    for order in ["ORD-1", "ORD-2"] {
        assert_eq!(
            post(&shop, &line(order, shop.host, shop.product))
                .await
                .status,
            201
        );
    }
    let kuaishou = json!({ "platform": "kuaishou", "external_order_id": "ORD-1", "sold_at": "2026-11-21T10:00:00+08:00", "influencer_id": shop.host, "product_id": shop.product, "quantity": 1, "unit_price": "1.00" });
    assert_eq!(post(&shop, &kuaishou).await.status, 201);
    let file = format!(
        "platform,external_order_id,sold_at,influencer_id,product_id,quantity,unit_price\n\
         douyin,IMP-1,2026-11-01T10:00:00Z,{h},{p},1,2.00\n\
         douyin,IMP-2,2026-11-02T10:00:00Z,{h},{p},1,2.00\n\
         douyin,IMP-3,2026-11-03T10:00:00Z,{h},{p},1,2.00\n",
        h = shop.host,
        p = shop.product
    );
    let imported = shop.import("", "text/csv", file).await;
    assert_eq!(imported.status, 201, "{}", imported.text());
    let batch = imported.json()["id"].as_str().unwrap().to_owned();

    let orders = |items: &Value| -> Vec<String> {
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                format!(
                    "{}:{}",
                    i["platform"].as_str().unwrap(),
                    i["external_order_id"].as_str().unwrap()
                )
            })
            .collect()
    };
    let get = |path: String| async move {
        let answer = app.call(Method::GET, &path, Some(owner), None).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()
    };
    let mut both = orders(&get("/v1/sales?external_order_id=ORD-1".to_owned()).await);
    both.sort();
    assert_eq!(both, vec!["douyin:ORD-1", "kuaishou:ORD-1"]);
    assert_eq!(
        orders(&get("/v1/sales?external_order_id=ORD-1&platform=kuaishou".to_owned()).await),
        vec!["kuaishou:ORD-1"]
    );
    assert_eq!(
        orders(&get(format!("/v1/sales?import_batch_id={batch}")).await),
        vec!["douyin:IMP-3", "douyin:IMP-2", "douyin:IMP-1"]
    );
    // Page by page, in the list's order.
    let first = get(format!("/v1/sales?import_batch_id={batch}&limit=2")).await;
    assert_eq!(orders(&first), vec!["douyin:IMP-3", "douyin:IMP-2"]);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = get(format!(
        "/v1/sales?import_batch_id={batch}&limit=2&cursor={cursor}"
    ))
    .await;
    assert_eq!(orders(&second), vec!["douyin:IMP-1"]);
    assert_eq!(
        app.call(
            Method::GET,
            "/v1/sales?import_batch_id=nope",
            Some(owner),
            None
        )
        .await
        .status,
        400
    );
    // Another agency's filters find nothing of ours.
    let other = app.signup_agency("Other Filter").await;
    let theirs = app
        .call(
            Method::GET,
            &format!("/v1/sales?import_batch_id={batch}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(theirs.json()["items"], json!([]));
    let theirs = app
        .call(
            Method::GET,
            "/v1/sales?external_order_id=ORD-1",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(theirs.json()["items"], json!([]));

    // Sessions by a part of their title, any case; LIKE's wildcards are plain characters.
    let compliance = app.login_as(owner, "compliance").await;
    let (host, account) = ready_host(app, owner, &compliance, "Tia", "606").await;
    for (title, days) in [
        ("Morning LIPSTICK show", 3),
        ("Evening skincare", 4),
        ("100% cotton", 5),
    ] {
        let start = (Utc::now() + Duration::days(days)).to_rfc3339();
        let end = (Utc::now() + Duration::days(days) + Duration::hours(1)).to_rfc3339();
        let created = post_json(
            app,
            owner,
            "/v1/live-sessions",
            Some(json!({ "influencer_id": host, "platform_account_id": account, "title": title, "scheduled_start": start, "scheduled_end": end, "language": "zh-CN" })),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
    }
    let titles = |body: Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        titles(get("/v1/live-sessions?q=lipstick".to_owned()).await),
        vec!["Morning LIPSTICK show"]
    );
    assert_eq!(
        titles(get("/v1/live-sessions?q=ING".to_owned()).await),
        vec!["Morning LIPSTICK show", "Evening skincare"]
    );
    assert_eq!(
        titles(get("/v1/live-sessions?q=0%25".to_owned()).await),
        vec!["100% cotton"]
    );
    assert_eq!(
        titles(get("/v1/live-sessions?q=%25".to_owned()).await),
        vec!["100% cotton"]
    );
    assert_eq!(
        titles(get("/v1/live-sessions?q=_".to_owned()).await),
        Vec::<String>::new()
    );
    let theirs = app
        .call(
            Method::GET,
            "/v1/live-sessions?q=lipstick",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(theirs.json()["items"], json!([]));
}

/// One row of `EXPLAIN (FORMAT JSON)`.
struct Plan(Value);

impl diesel::QueryableByName<diesel::pg::Pg> for Plan {
    fn build<'a>(
        row: &impl diesel::row::NamedRow<'a, diesel::pg::Pg>,
    ) -> diesel::deserialize::Result<Self> {
        diesel::row::NamedRow::get::<diesel::sql_types::Json, Value>(row, "QUERY PLAN").map(Plan)
    }
}

/// The indexes `plan` reads `sales` through, and whether any node reads it otherwise.
fn sales_reads(plan: &Value, out: &mut Vec<String>) {
    if plan["Relation Name"] == "sales" {
        out.push(
            plan["Index Name"]
                .as_str()
                .unwrap_or("(no index)")
                .to_owned(),
        );
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        sales_reads(child, out);
    }
}

/// The list's filters by order id and by import each read one index led by the agency, the
/// batch's in the list's order (no sort of the batch's lines).
#[actix_web::test]
async fn the_new_sales_filters_read_one_index_of_the_agency() {
    if crate::helpers::db::skip_on_shared_database(
        "reads single-node plans (EXPLAIN); on Citus the plan is a remote task's",
    ) {
        return;
    }
    use diesel::sql_types::{Text, Uuid as SqlUuid};
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Plan Co").await;
    let mut conn = app.state.conn().await.unwrap();
    let columns = "agency_id, id, platform, external_order_id, sold_at";
    for (filter, value, index) in [
        (
            "external_order_id = $2::text",
            "ORD-1",
            "sales_external_order_idx",
        ),
        (
            "import_batch_id = $2::text::uuid",
            "01a22c9a-1d24-7056-9ef5-67af639b7b6e",
            "sales_import_batch_idx",
        ),
    ] {
        let sql = format!(
            "EXPLAIN (FORMAT JSON) SELECT {columns} FROM sales WHERE agency_id = $1 AND {filter} \
             ORDER BY sold_at DESC, id DESC LIMIT 51"
        );
        let plan: Plan = diesel::sql_query(sql)
            .bind::<SqlUuid, _>(owner.agency_id)
            .bind::<Text, _>(value)
            .get_result(&mut conn)
            .await
            .unwrap();
        let root = &plan.0[0]["Plan"];
        let mut reads = Vec::new();
        sales_reads(root, &mut reads);
        assert_eq!(reads, vec![index.to_owned()], "{root}");
        let condition = root.to_string();
        assert!(
            condition.contains("agency_id"),
            "scoped by the agency: {root}"
        );
    }
}
