//! The agency's compliance page: violations of scheduled sessions with their session, stable
//! ids, acting on findings, and a list that follows every write.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp};
use crate::products::{create_product, record_test};
use crate::roster::create_influencer;
use crate::sessions::ready_host;

async fn page(app: &TestApp, session: &Session, query: &str) -> Vec<Value> {
    let answer = app
        .call(
            Method::GET,
            &format!("/v1/compliance/issues?limit=200{query}"),
            Some(session),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()["items"].as_array().unwrap().clone()
}

/// (code, session_id) of the host's open issues.
async fn issues_of(app: &TestApp, session: &Session, host: Uuid) -> Vec<(String, Value)> {
    page(app, session, &format!("&influencer_id={host}"))
        .await
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap().to_owned(),
                i["session_id"].clone(),
            )
        })
        .collect()
}

fn start_in_days(days: i64, hour: u32) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .and_hms_opt(hour, 0, 0)
        .unwrap()
        .and_utc()
        .to_rfc3339()
}

async fn schedule(
    app: &TestApp,
    owner: &Session,
    host: Uuid,
    account: Uuid,
    lineup: &[Uuid],
) -> Uuid {
    let body = json!({
        "influencer_id": host, "platform_account_id": account, "title": "Evening show",
        "scheduled_start": start_in_days(3, 4), "scheduled_end": start_in_days(3, 6),
        "language": "zh-CN",
        "lineup": lineup.iter().map(|id| json!({ "product_id": id })).collect::<Vec<_>>(),
    });
    let created = app
        .call(Method::POST, "/v1/live-sessions", Some(owner), Some(body))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()["id"].as_str().unwrap().parse().unwrap()
}

async fn put_lineup(app: &TestApp, owner: &Session, session: Uuid, lineup: &[Uuid]) {
    let body =
        json!({ "items": lineup.iter().map(|id| json!({ "product_id": id })).collect::<Vec<_>>() });
    let put = app
        .call(
            Method::PUT,
            &format!("/v1/live-sessions/{session}/lineup"),
            Some(owner),
            Some(body),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
}

#[actix_web::test]
async fn violations_of_scheduled_sessions_are_listed_with_their_session_until_fixed() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Schedule Page Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let (host, account) = ready_host(&app, &owner, &compliance, "Mei", "201").await;
    let lipstick = create_product(&app, &owner, "LIP-1", None).await;
    let today = Utc::now().date_naive().to_string();
    assert_eq!(
        record_test(&app, &owner, lipstick, host, &today, "pass")
            .await
            .status,
        201
    );
    let session = schedule(&app, &owner, host, account, &[lipstick]).await;
    assert!(issues_of(&app, &owner, host).await.is_empty());

    // A recall after scheduling: the session shows it, with its id, on the next request.
    let recalled = app
        .call(
            Method::POST,
            &format!("/v1/products/{lipstick}/recall"),
            Some(&compliance),
            Some(json!({ "reason": "lead" })),
        )
        .await;
    assert_eq!(recalled.status, 200, "{}", recalled.text());
    let items = page(&app, &owner, "").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["code"], "product_recalled");
    assert_eq!(item["kind"], "rule");
    assert_eq!(item["blocks"], "schedule");
    assert_eq!(item["session_id"], json!(session));
    assert_eq!(item["influencer_id"], json!(host));
    assert_eq!(item["stage_name"], "Mei");
    assert_eq!(item["message"], "Product LIP-1 is recalled.");
    let id = item["id"].as_str().unwrap().to_owned();
    // The same open issue keeps its id, for every caller and request.
    for _ in 0..2 {
        assert_eq!(page(&app, &compliance, "").await[0]["id"], json!(id));
    }
    // A rule violation is not acknowledged: it leaves when its cause is fixed.
    app.call(
        Method::POST,
        &format!("/v1/compliance/issues/{id}/acknowledge"),
        Some(&compliance),
        Some(json!({ "note": "seen" })),
    )
    .await
    .problem(409, "not_a_finding");
    app.call(
        Method::POST,
        &format!("/v1/compliance/issues/{id}/resolve"),
        Some(&compliance),
        Some(json!({ "note": "seen" })),
    )
    .await
    .problem(409, "not_a_finding");

    // Fixed: the lineup without the recalled product.
    put_lineup(&app, &owner, session, &[]).await;
    assert!(issues_of(&app, &owner, host).await.is_empty());

    // A product the host never tested, and one of a regulated field without qualification.
    let serum = create_product(&app, &owner, "SER-1", None).await;
    let pill = create_product(&app, &owner, "MED-1", Some("medicine")).await;
    record_test(&app, &owner, pill, host, &today, "pass").await;
    put_lineup(&app, &owner, session, &[serum, pill]).await;
    let mut found = issues_of(&app, &owner, host).await;
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        vec![
            ("product_untested".to_owned(), json!(session)),
            ("qualification_missing".to_owned(), json!(session)),
        ]
    );
    record_test(&app, &owner, serum, host, &today, "pass").await;
    assert_eq!(
        issues_of(&app, &owner, host).await,
        vec![("qualification_missing".to_owned(), json!(session))]
    );
    put_lineup(&app, &owner, session, &[serum]).await;
    assert!(issues_of(&app, &owner, host).await.is_empty());

    // A banned account.
    let banned = app
        .call(
            Method::PATCH,
            &format!("/v1/influencers/{host}/platform-accounts/{account}"),
            Some(&owner),
            Some(json!({ "status": "banned" })),
        )
        .await;
    assert_eq!(banned.status, 200, "{}", banned.text());
    assert_eq!(
        issues_of(&app, &owner, host).await,
        vec![("platform_account_missing".to_owned(), json!(session))]
    );
    app.call(
        Method::PATCH,
        &format!("/v1/influencers/{host}/platform-accounts/{account}"),
        Some(&owner),
        Some(json!({ "status": "active" })),
    )
    .await;
    assert!(issues_of(&app, &owner, host).await.is_empty());

    // A suspended host: the host's own rule and the session's.
    app.call(
        Method::POST,
        &format!("/v1/influencers/{host}/suspend"),
        Some(&owner),
        Some(json!({ "reason": "tax" })),
    )
    .await;
    assert_eq!(
        issues_of_sorted(issues_of(&app, &owner, host).await),
        issues_of_sorted(vec![
            ("influencer_suspended".to_owned(), Value::Null),
            ("influencer_suspended".to_owned(), json!(session)),
        ])
    );
    app.call(
        Method::POST,
        &format!("/v1/influencers/{host}/reinstate"),
        Some(&owner),
        Some(json!({ "reason": "cleared" })),
    )
    .await;
    assert!(issues_of(&app, &owner, host).await.is_empty());

    // The legal entity deregistered: the lineup can no longer be sold.
    let entities = app
        .call(
            Method::GET,
            &format!("/v1/influencers/{host}/legal-entities"),
            Some(&owner),
            None,
        )
        .await
        .json();
    let entity = entities["items"][0]["id"].as_str().unwrap().to_owned();
    let deregistered = app
        .call(
            Method::PATCH,
            &format!("/v1/influencers/{host}/legal-entities/{entity}"),
            Some(&owner),
            Some(json!({ "status": "deregistered" })),
        )
        .await;
    assert_eq!(deregistered.status, 200, "{}", deregistered.text());
    assert_eq!(
        issues_of(&app, &owner, host).await,
        vec![("legal_entity_missing".to_owned(), json!(session))]
    );

    // A cancelled session is no longer checked.
    let cancelled = app
        .call(
            Method::POST,
            &format!("/v1/live-sessions/{session}/cancel"),
            Some(&owner),
            Some(json!({ "reason": "moved" })),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text());
    assert!(issues_of(&app, &owner, host).await.is_empty());

    // Another agency sees nothing of it.
    let other = app.signup_agency("Other Schedule Co").await;
    assert!(page(&app, &other, "").await.is_empty());
}

fn issues_of_sorted(mut items: Vec<(String, Value)>) -> Vec<(String, Value)> {
    items.sort_by_key(|(code, session)| (code.clone(), session.to_string()));
    items
}

async fn sell(app: &TestApp, owner: &Session, order: &str, host: Uuid, product: Uuid) {
    let sold = app
        .call(
            Method::POST,
            "/v1/sales",
            Some(owner),
            Some(json!({
                "platform": "douyin", "external_order_id": order, "sold_at": "2026-11-20T21:30:00+08:00",
                "influencer_id": host, "product_id": product, "quantity": 1, "unit_price": "10.00"
            })),
        )
        .await;
    assert_eq!(sold.status, 201, "{}", sold.text());
}

#[actix_web::test]
async fn findings_are_acknowledged_or_resolved_and_leave_the_list() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Findings Co").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let manager = app.login_as(&owner, "manager").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let host = create_influencer(&app, &owner, "human", "Seller").await;
    let product = create_product(&app, &owner, "LIP-1", None).await;
    sell(&app, &owner, "DY-1", host, product).await;

    let finding = page(&app, &owner, "&code=sales_without_legal_entity").await;
    assert_eq!(finding.len(), 1, "{finding:?}");
    assert_eq!(finding[0]["kind"], "finding");
    assert_eq!(finding[0]["blocks"], "none");
    assert_eq!(finding[0]["session_id"], Value::Null);
    let id = finding[0]["id"].as_str().unwrap().to_owned();
    let acknowledge = format!("/v1/compliance/issues/{id}/acknowledge");
    let resolve = format!("/v1/compliance/issues/{id}/resolve");

    for denied in [&manager, &analyst] {
        app.call(
            Method::POST,
            &acknowledge,
            Some(denied),
            Some(json!({ "note": "seen" })),
        )
        .await
        .problem(403, "forbidden");
        app.call(
            Method::POST,
            &resolve,
            Some(denied),
            Some(json!({ "note": "done" })),
        )
        .await
        .problem(403, "forbidden");
    }
    app.call(
        Method::POST,
        &acknowledge,
        Some(&compliance),
        Some(json!({ "note": "  " })),
    )
    .await
    .problem(422, "validation_failed");
    let other = app.signup_agency("Other Findings Co").await;
    app.call(
        Method::POST,
        &acknowledge,
        Some(&other),
        Some(json!({ "note": "mine?" })),
    )
    .await
    .problem(404, "not_found");
    app.call(
        Method::POST,
        &format!("/v1/compliance/issues/{}/acknowledge", Uuid::now_v7()),
        Some(&compliance),
        Some(json!({ "note": "seen" })),
    )
    .await
    .problem(404, "not_found");
    assert_eq!(
        page(&app, &owner, "&code=sales_without_legal_entity")
            .await
            .len(),
        1,
        "refused attempts change nothing"
    );

    let acknowledged = app
        .call(
            Method::POST,
            &acknowledge,
            Some(&compliance),
            Some(json!({ "note": "Entity being registered" })),
        )
        .await;
    assert_eq!(acknowledged.status, 200, "{}", acknowledged.text());
    let body = acknowledged.json();
    assert_eq!(body["id"], json!(id));
    assert_eq!(body["state"], "acknowledged");
    assert_eq!(body["note"], "Entity being registered");
    assert_eq!(body["acted_by"], json!(compliance.user_id));
    assert_eq!(body["code"], "sales_without_legal_entity");
    let codes: Vec<Value> = page(&app, &owner, "")
        .await
        .iter()
        .map(|i| i["code"].clone())
        .collect();
    assert_eq!(
        codes,
        vec![json!("identity_unverified")],
        "off the open list"
    );
    app.call(
        Method::POST,
        &acknowledge,
        Some(&compliance),
        Some(json!({ "note": "again" })),
    )
    .await
    .problem(409, "invalid_transition");

    let resolved = app
        .call(
            Method::POST,
            &resolve,
            Some(&owner),
            Some(json!({ "note": "Sales moved to the studio's entity" })),
        )
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text());
    assert_eq!(resolved.json()["state"], "resolved");
    app.call(
        Method::POST,
        &resolve,
        Some(&owner),
        Some(json!({ "note": "again" })),
    )
    .await
    .problem(409, "invalid_transition");
    app.call(
        Method::POST,
        &acknowledge,
        Some(&owner),
        Some(json!({ "note": "again" })),
    )
    .await
    .problem(409, "invalid_transition");

    // A resolved finding stays resolved: its id is its host and subject, not the evidence.
    sell(&app, &owner, "DY-2", host, product).await;
    assert!(
        page(&app, &owner, "&code=sales_without_legal_entity")
            .await
            .is_empty()
    );

    // Audited, newest first.
    let trail = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_type=compliance_issue&entity_id={id}"),
            Some(&owner),
            None,
        )
        .await
        .json();
    let events = trail["items"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["compliance_issue.resolve", "compliance_issue.acknowledge"]
    );
    assert_eq!(
        events[0]["changes"]["state"],
        json!({ "from": "acknowledged", "to": "resolved" })
    );
    assert_eq!(
        events[1]["changes"]["note"],
        json!("Entity being registered")
    );

    // A finding resolved at once, from open; recalled products sold after the recall.
    app.call(
        Method::POST,
        &format!("/v1/products/{product}/recall"),
        Some(&compliance),
        Some(json!({ "reason": "lead" })),
    )
    .await;
    let late = json!({
        "platform": "douyin", "external_order_id": "DY-3", "sold_at": Utc::now().to_rfc3339(),
        "influencer_id": host, "product_id": product, "quantity": 1, "unit_price": "10.00"
    });
    let sold = app
        .call(Method::POST, "/v1/sales", Some(&owner), Some(late))
        .await;
    assert_eq!(sold.status, 201, "{}", sold.text());
    let recalled = page(&app, &owner, "&code=recalled_product_sold").await;
    assert_eq!(recalled.len(), 1, "{recalled:?}");
    let recalled_id = recalled[0]["id"].as_str().unwrap().to_owned();
    assert_ne!(recalled_id, id);
    let resolved = app
        .call(
            Method::POST,
            &format!("/v1/compliance/issues/{recalled_id}/resolve"),
            Some(&compliance),
            Some(json!({ "note": "Orders refunded" })),
        )
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text());
    assert!(
        page(&app, &owner, "&code=recalled_product_sold")
            .await
            .is_empty()
    );
}

#[actix_web::test]
async fn the_whole_roster_is_evaluated_again_when_the_day_changes() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Day Co").await;
    let host = create_influencer(&app, &owner, "human", "Host").await;
    assert_eq!(page(&app, &owner, "").await.len(), 1);
    // The list as if evaluated yesterday, with an issue that no longer holds.
    let mut conn = app.state.conn().await.unwrap();
    let stale = Uuid::now_v7();
    diesel::sql_query(format!(
        "INSERT INTO compliance_issues (agency_id, id, influencer_id, kind, code, message, blocks) \
         SELECT agency_id, '{stale}', id, 'rule', 'underage', 'stale', 'schedule' FROM influencers WHERE id = '{host}'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        page(&app, &owner, "").await.len(),
        2,
        "nothing changed, nothing evaluated"
    );
    diesel::sql_query("UPDATE compliance_refresh SET evaluated_on = evaluated_on - 1")
        .execute(&mut conn)
        .await
        .unwrap();
    let items = page(&app, &owner, "").await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["code"], "identity_unverified");
}

#[actix_web::test]
async fn piled_up_dirty_hosts_are_traded_for_a_full_evaluation() {
    if crate::helpers::db::skip_on_shared_database(
        "the compaction sweeps every agency's queue: its counts need a database of its own",
    ) {
        return;
    }
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Busy Co").await;
    let host = create_influencer(&app, &owner, "human", "Host").await;
    assert_eq!(page(&app, &owner, "").await.len(), 1);
    let mut conn = app.state.conn().await.unwrap();
    for name in ["Second", "Third"] {
        create_influencer(&app, &owner, "human", name).await;
    }
    // Under the limit: nothing happens.
    assert_eq!(
        mcn::maintenance::compact_compliance_dirty(&mut conn, 2)
            .await
            .unwrap(),
        0
    );
    app.call(
        Method::PATCH,
        &format!("/v1/influencers/{host}"),
        Some(&owner),
        Some(json!({ "stage_name": "Renamed" })),
    )
    .await;
    assert_eq!(
        mcn::maintenance::compact_compliance_dirty(&mut conn, 2)
            .await
            .unwrap(),
        3
    );
    // The next request evaluates everything: the new hosts are there.
    let items = page(&app, &owner, "").await;
    assert_eq!(items.len(), 3, "{items:?}");
}
