//! Saved import mappings (`/v1/import-mappings`) and the built-in formats
//! (`/v1/import-formats`).

use actix_web::http::Method;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp};
use crate::subresources::{create_and_follow, patch};

const MAPPINGS: &str = "/v1/import-mappings";

/// A mapping of some shop's own export, from scratch.
fn scratch(name: &str) -> Value {
    json!({
        "name": name,
        "platform": "jd",
        "columns": [
            {"header": "订单编号", "field": "external_order_id"},
            {"header": "下单时间", "field": "sold_at"},
            {"header": "商品编号", "field": "item_id"},
            {"header": "数量", "field": "quantity"},
            {"header": "实付（分）", "field": "amount"},
            {"header": "状态", "field": "status"}
        ],
        "status_values": {"已完成": "paid", "已取消": "cancelled"},
        "amount_unit": "fen",
        "time_zone": "Asia/Hong_Kong"
    })
}

async fn create(app: &TestApp, session: &Session, body: Value) -> Value {
    create_and_follow(app, session, MAPPINGS, body).await
}

fn id_of(object: &Value) -> String {
    object["id"].as_str().unwrap().to_owned()
}

/// The (field, code) pairs of a 422 `validation_failed`.
async fn refused(app: &TestApp, session: &Session, body: Value) -> Vec<(String, String)> {
    let answer = app
        .call(Method::POST, MAPPINGS, Some(session), Some(body))
        .await;
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
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

#[actix_web::test]
async fn a_mapping_from_scratch_is_created_read_listed_and_deleted() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Mapping Co").await;
    let created = app
        .call(
            Method::POST,
            MAPPINGS,
            Some(&owner),
            Some(scratch("JD shop")),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.header("etag"), Some("\"1\""));
    let mapping = create(&app, &owner, scratch("JD shop 2")).await;
    assert_eq!(mapping["name"], "JD shop 2");
    assert_eq!(mapping["platform"], "jd");
    assert_eq!(mapping["columns"], scratch("")["columns"]);
    assert_eq!(mapping["status_values"], scratch("")["status_values"]);
    assert_eq!(mapping["amount_unit"], "fen");
    assert_eq!(mapping["time_zone"], "Asia/Hong_Kong");
    assert_eq!(mapping["based_on"], Value::Null);
    assert_eq!(mapping["created_by"], owner.user_id.to_string());
    assert_eq!(mapping["version"], 1);

    // The defaults: yuan, Asia/Shanghai, no status values (no status column).
    let mut plain = scratch("Plain");
    let body = plain.as_object_mut().unwrap();
    for field in ["amount_unit", "time_zone", "status_values"] {
        body.remove(field);
    }
    body["columns"].as_array_mut().unwrap().pop();
    let plain = create(&app, &owner, plain).await;
    assert_eq!(plain["amount_unit"], "yuan");
    assert_eq!(plain["time_zone"], "Asia/Shanghai");
    assert_eq!(plain["status_values"], json!({}));

    let first = app
        .call(
            Method::GET,
            &format!("{MAPPINGS}?limit=2"),
            Some(&owner),
            None,
        )
        .await
        .json();
    let names: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["JD shop", "JD shop 2"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .call(
            Method::GET,
            &format!("{MAPPINGS}?limit=2&cursor={cursor}"),
            Some(&owner),
            None,
        )
        .await
        .json();
    assert_eq!(rest["items"][0]["name"], "Plain");
    assert_eq!(rest["next_cursor"], Value::Null);

    let path = format!("{MAPPINGS}/{}", id_of(&mapping));
    let deleted = app.call(Method::DELETE, &path, Some(&owner), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    app.call(Method::GET, &path, Some(&owner), None)
        .await
        .problem(404, "not_found");
    app.call(Method::DELETE, &path, Some(&owner), None)
        .await
        .problem(404, "not_found");
    let list = app
        .call(Method::GET, MAPPINGS, Some(&owner), None)
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let trail = app
        .call(
            Method::GET,
            &format!(
                "/v1/audit-events?entity_type=import_mapping&entity_id={}",
                id_of(&mapping)
            ),
            Some(&owner),
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
    assert!(actions.contains(&"import_mapping.create"), "{trail}");
    assert!(actions.contains(&"import_mapping.delete"), "{trail}");
}

#[actix_web::test]
async fn a_mapping_from_a_builtin_copies_it_and_a_patch_renames_a_column() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Kuaishou Co").await;
    let formats = app
        .call(Method::GET, "/v1/import-formats", Some(&owner), None)
        .await
        .json();
    let kuaishou = formats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "kuaishou_orders")
        .unwrap()
        .clone();
    let mapping = create(
        &app,
        &owner,
        json!({"name": "Kuaishou v2", "from_format": "kuaishou_orders"}),
    )
    .await;
    assert_eq!(mapping["based_on"], "kuaishou_orders");
    assert_eq!(mapping["platform"], "kuaishou");
    for field in ["columns", "status_values", "amount_unit", "time_zone"] {
        assert_eq!(mapping[field], kuaishou[field], "{field} copied");
    }
    // Fields given replace the copied ones; Taobao's format imports as Tmall too.
    let tmall = create(
        &app,
        &owner,
        json!({"name": "Tmall", "from_format": "taobao_suborders", "platform": "tmall", "time_zone": "UTC"}),
    )
    .await;
    assert_eq!(tmall["platform"], "tmall");
    assert_eq!(tmall["time_zone"], "UTC");
    assert_eq!(tmall["based_on"], "taobao_suborders");

    // The platform renamed 实付款 to 实付金额.
    let mut columns = mapping["columns"].as_array().unwrap().clone();
    let amount = columns
        .iter_mut()
        .find(|c| c["header"] == "实付款")
        .unwrap();
    amount["header"] = json!("实付金额");
    let path = format!("{MAPPINGS}/{}", id_of(&mapping));
    let patched = patch(
        &app,
        &owner,
        &path,
        Some("\"1\""),
        json!({"columns": columns}),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.header("etag"), Some("\"2\""));
    let patched = patched.json();
    assert_eq!(patched["version"], 2);
    assert_eq!(patched["columns"], json!(columns));
    assert_eq!(
        patched["status_values"], kuaishou["status_values"],
        "untouched"
    );
    assert_eq!(patched["based_on"], "kuaishou_orders");

    // A stale ETag changes nothing.
    patch(
        &app,
        &owner,
        &path,
        Some("\"1\""),
        json!({"amount_unit": "fen"}),
    )
    .await
    .problem(412, "precondition_failed");
    let read = app.call(Method::GET, &path, Some(&owner), None).await;
    assert_eq!(read.header("etag"), Some("\"2\""));
    assert_eq!(read.json()["amount_unit"], "yuan");

    // The mapping as changed must still read a file.
    let problem = patch(
        &app,
        &owner,
        &path,
        Some("\"2\""),
        json!({"columns": [{"header": "订单号", "field": "external_order_id"}]}),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["code"], "missing_field", "{problem}");
    patch(&app, &owner, &path, Some("\"2\""), json!({"name": "Tmall"}))
        .await
        .problem(409, "mapping_name_taken");
    patch(
        &app,
        &owner,
        &path,
        Some("\"2\""),
        json!({"status_values": {"x": "paid"}, "colour": 1}),
    )
    .await
    .problem(400, "unknown_field");

    let trail = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_id={}", id_of(&mapping)),
            Some(&owner),
            None,
        )
        .await
        .json();
    let update = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "import_mapping.update")
        .unwrap();
    let changed: Vec<&String> = update["changes"].as_object().unwrap().keys().collect();
    assert_eq!(changed, ["columns"], "only what changed: {update}");
}

#[actix_web::test]
async fn mapping_requests_are_checked_field_by_field() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Checks Co").await;
    let with = |changes: Value| {
        let mut body = scratch("Checked");
        for (field, value) in changes.as_object().unwrap() {
            body[field] = value.clone();
        }
        body
    };

    assert_eq!(
        refused(&app, &owner, json!({"name": "No spec"})).await,
        [pair("platform", "required"), pair("columns", "required")]
    );
    let mut no_amount = scratch("Checked");
    no_amount["columns"].as_array_mut().unwrap().remove(4);
    assert_eq!(
        refused(&app, &owner, no_amount).await,
        [pair("columns", "missing_field")]
    );
    let twice = with(json!({"columns": [
        {"header": "订单编号", "field": "external_order_id"},
        {"header": "下单时间", "field": "sold_at"},
        {"header": "商品编号", "field": "item_id"},
        {"header": "数量", "field": "quantity"},
        {"header": "件数", "field": "quantity"},
        {"header": "实付", "field": "amount"}
    ]}));
    assert_eq!(
        refused(&app, &owner, twice).await,
        [pair("columns", "duplicate_field")]
    );
    let colour = with(json!({"columns": [
        {"header": "订单编号", "field": "external_order_id"},
        {"header": "颜色", "field": "colour"}
    ]}));
    let answer = app
        .call(Method::POST, MAPPINGS, Some(&owner), Some(colour))
        .await;
    let problem = answer.problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "columns[1].field");
    assert_eq!(problem["errors"][0]["code"], "invalid_value");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("external_order_id"),
        "names the fields there are: {problem}"
    );
    assert_eq!(
        refused(
            &app,
            &owner,
            with(json!({"status_values": {"已完成": "done"}}))
        )
        .await,
        [pair("status_values.已完成", "invalid_value")]
    );
    assert_eq!(
        refused(&app, &owner, with(json!({"status_values": {}}))).await,
        [pair("status_values", "required")],
        "a status column needs its values"
    );
    assert_eq!(
        refused(&app, &owner, with(json!({"time_zone": "Mars/Olympus"}))).await,
        [pair("time_zone", "invalid_time_zone")]
    );
    assert_eq!(
        refused(&app, &owner, with(json!({"amount_unit": "cents"}))).await,
        [pair("amount_unit", "invalid_value")]
    );
    assert_eq!(
        refused(&app, &owner, with(json!({"platform": "myspace"}))).await,
        [pair("platform", "invalid_value")]
    );
    assert_eq!(
        refused(&app, &owner, with(json!({"name": "   "}))).await,
        [pair("name", "invalid_length")]
    );
    let unknown = app
        .call(
            Method::POST,
            MAPPINGS,
            Some(&owner),
            Some(json!({"name": "x", "from_format": "myspace_orders"})),
        )
        .await;
    let problem = unknown.problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "from_format");
    assert_eq!(problem["errors"][0]["code"], "unknown_format");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("pinduoduo_orders"),
        "lists the formats: {problem}"
    );
    assert_eq!(
        refused(
            &app,
            &owner,
            json!({"name": "x", "from_format": "douyin_orders", "platform": "kuaishou"})
        )
        .await,
        [pair("platform", "platform_mismatch")]
    );
    app.call(
        Method::POST,
        MAPPINGS,
        Some(&owner),
        Some(with(json!({"colour": "red"}))),
    )
    .await
    .problem(400, "unknown_field");

    create(&app, &owner, scratch("Taken")).await;
    app.call(Method::POST, MAPPINGS, Some(&owner), Some(scratch("Taken")))
        .await
        .problem(409, "mapping_name_taken");
    let list = app
        .call(Method::GET, MAPPINGS, Some(&owner), None)
        .await
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "nothing refused was stored"
    );
}

#[actix_web::test]
async fn another_agencys_mapping_is_not_found_and_not_listed() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Owner Co").await;
    let other = app.signup_agency("Other Co").await;
    let mapping = create(&app, &owner, scratch("Ours")).await;
    let path = format!("{MAPPINGS}/{}", id_of(&mapping));
    app.call(Method::GET, &path, Some(&other), None)
        .await
        .problem(404, "not_found");
    patch(&app, &other, &path, None, json!({"name": "Theirs"}))
        .await
        .problem(404, "not_found");
    app.call(Method::DELETE, &path, Some(&other), None)
        .await
        .problem(404, "not_found");
    let theirs = app
        .call(Method::GET, MAPPINGS, Some(&other), None)
        .await
        .json();
    assert_eq!(theirs["items"], json!([]));
    // The same name is free in another agency.
    create(&app, &other, scratch("Ours")).await;
    let ours = app
        .call(Method::GET, &path, Some(&owner), None)
        .await
        .json();
    assert_eq!(ours["name"], "Ours");
    assert_eq!(ours["version"], 1);

    // The importer's look-up answers the same.
    let id: Uuid = id_of(&mapping).parse().unwrap();
    let mut conn = app.state.conn().await.unwrap();
    let (row, spec) = mcn::sales::mapping::load_spec(&mut conn, owner.agency_id, id)
        .await
        .unwrap();
    assert_eq!(row.name, "Ours");
    assert_eq!(spec.amount_unit, mcn::sales::mapping::spec::AmountUnit::Fen);
    assert_eq!(spec.time_zone, chrono_tz::Asia::Hong_Kong);
    assert_eq!(spec.columns.len(), 6);
    let elsewhere = mcn::sales::mapping::load_spec(&mut conn, other.agency_id, id).await;
    assert!(matches!(elsewhere, Err(mcn::error::AppError::NotFound)));
}

#[actix_web::test]
async fn roles_without_write_data_read_mappings_but_do_not_change_them() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Roles Co").await;
    let mapping = create(&app, &owner, scratch("Owned")).await;
    let path = format!("{MAPPINGS}/{}", id_of(&mapping));
    let manager = app.login_as(&owner, "manager").await;
    create(&app, &manager, scratch("Managed")).await;
    for role in ["analyst", "compliance"] {
        let reader = app.login_as(&owner, role).await;
        for read in [MAPPINGS, path.as_str(), "/v1/import-formats"] {
            let answer = app.call(Method::GET, read, Some(&reader), None).await;
            assert_eq!(answer.status, 200, "{role} {read}: {}", answer.text());
        }
        app.call(Method::POST, MAPPINGS, Some(&reader), Some(scratch(role)))
            .await
            .problem(403, "forbidden");
        patch(&app, &reader, &path, Some("\"1\""), json!({"name": "Mine"}))
            .await
            .problem(403, "forbidden");
        app.call(Method::DELETE, &path, Some(&reader), None)
            .await
            .problem(403, "forbidden");
    }
    let unchanged = app
        .call(Method::GET, &path, Some(&owner), None)
        .await
        .json();
    assert_eq!(unchanged["name"], "Owned");
}

#[actix_web::test]
async fn the_builtin_formats_are_listed_with_their_columns() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Formats Co").await;
    let answer = app
        .call(Method::GET, "/v1/import-formats", Some(&owner), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let formats = answer.json();
    let items = formats["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "douyin_orders",
            "douyin_alliance",
            "kuaishou_orders",
            "wechat_shop_orders",
            "taobao_suborders",
            "pinduoduo_orders"
        ]
    );
    let douyin = &items[0];
    assert_eq!(douyin["platform"], "douyin");
    assert_eq!(douyin["platforms"], json!(["douyin"]));
    assert_eq!(
        douyin["signature"],
        json!(["主订单编号", "子订单编号", "订单应付金额"])
    );
    assert!(
        douyin["columns"]
            .as_array()
            .unwrap()
            .contains(&json!({"header": "订单应付金额", "field": "amount"})),
        "{douyin}"
    );
    assert_eq!(douyin["status_values"]["已完成"], "paid");
    assert_eq!(
        douyin["status_values"]["退款成功"], "refunded",
        "after-sale values too"
    );
    assert_eq!(douyin["amount_unit"], "yuan");
    assert_eq!(douyin["time_zone"], "Asia/Shanghai");
    assert_eq!(douyin["host_column"], true);
    let taobao = &items[4];
    assert_eq!(taobao["platforms"], json!(["taobao", "tmall"]));
    assert_eq!(taobao["host_column"], false);
    assert_eq!(items[5]["host_column"], false);
    for format in items {
        assert!(
            format["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
        assert!(!format["columns"].as_array().unwrap().is_empty());
    }
    app.call(Method::GET, "/v1/import-formats", None, None)
        .await
        .problem(401, "missing_token");
}

#[actix_web::test]
async fn a_stored_mapping_that_does_not_decode_is_an_error_never_a_default() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Broken Co").await;
    let mapping = create(&app, &owner, scratch("Broken")).await;
    let path = format!("{MAPPINGS}/{}", id_of(&mapping));
    let mut conn = app.state.conn().await.unwrap();
    for corruption in [
        "column_map = '[{\"header\": \"颜色\", \"field\": \"colour\"}]'",
        "status_values = '{\"已完成\": \"maybe\"}'",
        "time_zone = 'Mars/Olympus'",
    ] {
        diesel::sql_query(format!("UPDATE import_mappings SET {corruption}"))
            .execute(&mut conn)
            .await
            .unwrap();
        app.call(Method::GET, &path, Some(&owner), None)
            .await
            .problem(500, "internal_error");
        app.call(Method::GET, MAPPINGS, Some(&owner), None)
            .await
            .problem(500, "internal_error");
        let id: Uuid = id_of(&mapping).parse().unwrap();
        assert!(matches!(
            mcn::sales::mapping::load_spec(&mut conn, owner.agency_id, id).await,
            Err(mcn::error::AppError::Internal(_))
        ));
        // Put it right for the next corruption.
        diesel::sql_query(format!(
            "UPDATE import_mappings SET column_map = '{}'::jsonb, status_values = '{}'::jsonb, time_zone = 'Asia/Hong_Kong'",
            scratch("")["columns"],
            scratch("")["status_values"]
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        let read = app.call(Method::GET, &path, Some(&owner), None).await;
        assert_eq!(read.status, 200, "{}", read.text());
    }
}
