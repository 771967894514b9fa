//! Products as the platforms list them: a product's platform items (an item id, and optionally
//! one SKU code of it), one product per item and SKU code in an agency, the field checks, roles,
//! other agencies, the audit trail, and the importer's look-up of them.

use std::collections::HashMap;

use actix_web::http::Method;
use mcn::domain::enums::Platform;
use mcn::sales::lookup::platform_items;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::products::create_product;
use crate::sales::shop;
use crate::subresources::{action_names, actions};

fn items_of(product: Uuid) -> String {
    format!("/v1/products/{product}/platform-items")
}

/// `POST /v1/products/{product}/platform-items` with `body`, as `session`.
async fn map(app: &TestApp, session: &Session, product: Uuid, body: Value) -> TestResponse {
    app.call(Method::POST, &items_of(product), Some(session), Some(body))
        .await
}

/// Maps `body` to `product`, asserting 201; answers the mapping.
async fn mapped(app: &TestApp, session: &Session, product: Uuid, body: Value) -> Value {
    let created = map(app, session, product, body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

/// The ids of the product's mappings, as `session` lists them.
async fn listed(app: &TestApp, session: &Session, product: Uuid) -> Vec<String> {
    let page = app
        .call(Method::GET, &items_of(product), Some(session), None)
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.json();
    assert_eq!(page["next_cursor"], Value::Null);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_product_maps_platform_items_lists_them_and_removes_them_audited() {
    let shop = shop("Mapping Co").await;
    let (app, owner, product) = (&shop.app, &shop.owner, shop.product);
    let created = map(
        app,
        owner,
        product,
        json!({ "platform": "douyin", "item_id": " 3579 ", "sku_code": "red-XL" }),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let one = created.json();
    let id = one["id"].as_str().unwrap().to_owned();
    let location = format!("{}/{id}", items_of(product));
    assert_eq!(created.header("location"), Some(location.as_str()));
    let mut fields: Vec<&str> = one
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "created_at",
            "created_by",
            "id",
            "item_id",
            "platform",
            "product_id",
            "sku_code"
        ],
        "no agency_id"
    );
    assert_eq!(one["product_id"], product.to_string());
    assert_eq!(one["platform"], "douyin");
    assert_eq!(one["item_id"], "3579", "trimmed");
    assert_eq!(one["sku_code"], "red-XL");
    assert_eq!(one["created_by"], owner.user_id.to_string());
    let read = app.call(Method::GET, &location, Some(owner), None).await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.json(), one);

    let whole = mapped(
        app,
        owner,
        product,
        json!({ "platform": "douyin", "item_id": "3579" }),
    )
    .await;
    assert_eq!(whole["sku_code"], Value::Null, "every SKU of the item");
    let explicit_null = mapped(
        app,
        owner,
        product,
        json!({ "platform": "taobao", "item_id": "3579", "sku_code": null }),
    )
    .await;
    assert_eq!(explicit_null["sku_code"], Value::Null);
    let all = [&one, &whole, &explicit_null].map(|m| m["id"].as_str().unwrap().to_owned());
    assert_eq!(listed(app, owner, product).await, all, "in creation order");

    let removed = app.call(Method::DELETE, &location, Some(owner), None).await;
    assert_eq!(removed.status, 204, "{}", removed.text());
    assert!(removed.body.is_empty());
    app.call(Method::GET, &location, Some(owner), None)
        .await
        .problem(404, "not_found");
    app.call(Method::DELETE, &location, Some(owner), None)
        .await
        .problem(404, "not_found");
    assert_eq!(listed(app, owner, product).await, all[1..]);
    // The SKU code is free again.
    mapped(
        app,
        owner,
        product,
        json!({ "platform": "douyin", "item_id": "3579", "sku_code": "red-XL" }),
    )
    .await;

    let trail = actions(app, owner, "product_platform_item", &id).await;
    assert_eq!(
        action_names(&trail),
        [
            "product_platform_item.delete",
            "product_platform_item.create"
        ]
    );
    for event in &trail {
        assert_eq!(event["actor_id"], owner.user_id.to_string());
        assert_eq!(
            event["changes"],
            json!({ "product_id": product, "platform": "douyin", "item_id": "3579", "sku_code": "red-XL" })
        );
    }
}

#[actix_web::test]
async fn an_item_and_sku_code_map_to_one_product_of_the_agency() {
    let shop = shop("Unique Items Co").await;
    let (app, owner, lip) = (&shop.app, &shop.owner, shop.product);
    let gloss = create_product(app, owner, "GLOSS-1", None).await;
    let red = mapped(
        app,
        owner,
        lip,
        json!({ "platform": "douyin", "item_id": "100", "sku_code": "red" }),
    )
    .await;
    for product in [gloss, lip] {
        let problem = map(
            app,
            owner,
            product,
            json!({ "platform": "douyin", "item_id": "100", "sku_code": " red " }),
        )
        .await
        .problem(409, "platform_item_taken");
        assert_eq!(problem["product_id"], lip.to_string(), "{problem}");
        assert_eq!(problem["platform_item_id"], red["id"], "{problem}");
    }
    // Another SKU code of the item, the whole item, the same ids elsewhere: all free.
    mapped(
        app,
        owner,
        gloss,
        json!({ "platform": "douyin", "item_id": "100", "sku_code": "blue" }),
    )
    .await;
    let whole = mapped(
        app,
        owner,
        lip,
        json!({ "platform": "douyin", "item_id": "100" }),
    )
    .await;
    mapped(
        app,
        owner,
        gloss,
        json!({ "platform": "kuaishou", "item_id": "100", "sku_code": "red" }),
    )
    .await;
    mapped(
        app,
        owner,
        gloss,
        json!({ "platform": "douyin", "item_id": "101", "sku_code": "red" }),
    )
    .await;
    // A missing SKU code is one value of the key: the whole item maps once.
    for body in [
        json!({ "platform": "douyin", "item_id": "100" }),
        json!({ "platform": "douyin", "item_id": "100", "sku_code": null }),
    ] {
        let problem = map(app, owner, gloss, body)
            .await
            .problem(409, "platform_item_taken");
        assert_eq!(problem["product_id"], lip.to_string());
        assert_eq!(problem["platform_item_id"], whole["id"]);
    }
    // Each agency has its own.
    let other = app.signup_agency("Other Items Co").await;
    let theirs = create_product(app, &other, "LIP-1", None).await;
    mapped(
        app,
        &other,
        theirs,
        json!({ "platform": "douyin", "item_id": "100", "sku_code": "red" }),
    )
    .await;
    assert_eq!(listed(app, owner, lip).await.len(), 2);
    assert_eq!(listed(app, owner, gloss).await.len(), 3);
}

#[actix_web::test]
async fn platform_item_fields_are_checked() {
    let shop = shop("Checked Items Co").await;
    let (app, owner, product) = (&shop.app, &shop.owner, shop.product);
    let long = "9".repeat(101);
    for (body, field, code) in [
        (
            json!({ "platform": "douyin", "item_id": "" }),
            "item_id",
            "invalid_length",
        ),
        (
            json!({ "platform": "douyin", "item_id": "   " }),
            "item_id",
            "invalid_length",
        ),
        (
            json!({ "platform": "douyin", "item_id": long }),
            "item_id",
            "invalid_length",
        ),
        (
            json!({ "platform": "douyin", "item_id": "12\t34" }),
            "item_id",
            "invalid_format",
        ),
        (
            json!({ "platform": "douyin", "item_id": "12\u{1}" }),
            "item_id",
            "invalid_format",
        ),
        (
            json!({ "platform": "douyin", "item_id": "1\u{0}" }),
            "item_id",
            "invalid_character",
        ),
        (
            json!({ "platform": "douyin", "item_id": "1", "sku_code": "" }),
            "sku_code",
            "invalid_length",
        ),
        (
            json!({ "platform": "douyin", "item_id": "1", "sku_code": long }),
            "sku_code",
            "invalid_length",
        ),
        (
            json!({ "platform": "douyin", "item_id": "1", "sku_code": "a\nb" }),
            "sku_code",
            "invalid_format",
        ),
    ] {
        let problem = map(app, owner, product, body.clone())
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            problem["errors"],
            json!([{ "field": field, "code": code, "message": problem["errors"][0]["message"] }]),
            "{body}"
        );
    }
    let problem = map(
        app,
        owner,
        product,
        json!({ "platform": "douyin", "item_id": "", "sku_code": "\t" }),
    )
    .await
    .problem(422, "validation_failed");
    // Every bad field at once.
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "item_id");
    assert_eq!(problem["errors"][1]["field"], "sku_code");
    // The body's shape, as everywhere: unknown platforms, fields and missing ones are 400.
    for (body, code) in [
        (
            json!({ "platform": "myspace", "item_id": "1" }),
            "invalid_body",
        ),
        (
            json!({ "platform": "Douyin", "item_id": "1" }),
            "invalid_body",
        ),
        (json!({ "item_id": "1" }), "invalid_body"),
        (json!({ "platform": "douyin" }), "invalid_body"),
        (
            json!({ "platform": "douyin", "item_id": 1 }),
            "invalid_body",
        ),
        (
            json!({ "platform": "douyin", "item_id": "1", "sku": "x" }),
            "unknown_field",
        ),
    ] {
        map(app, owner, product, body).await.problem(400, code);
    }
    assert!(listed(app, owner, product).await.is_empty());
    // The bounds: 100 characters (not bytes), and every platform.
    let hundred = "商".repeat(100);
    let edge = mapped(
        app,
        owner,
        product,
        json!({ "platform": "douyin", "item_id": hundred, "sku_code": hundred }),
    )
    .await;
    assert_eq!(edge["item_id"], hundred);
    for platform in Platform::ALL {
        mapped(
            app,
            owner,
            product,
            json!({ "platform": platform, "item_id": "ALL-1" }),
        )
        .await;
    }
}

#[actix_web::test]
async fn another_agencys_products_and_mappings_are_not_found() {
    let shop = shop("Alpha Items").await;
    let (app, alpha, mine) = (&shop.app, &shop.owner, shop.product);
    let beta = app.signup_agency("Beta Items").await;
    let theirs = create_product(app, &beta, "LIP-1", None).await;
    let their_item = mapped(
        app,
        &beta,
        theirs,
        json!({ "platform": "douyin", "item_id": "777" }),
    )
    .await;
    let their_id = their_item["id"].as_str().unwrap();
    let body = json!({ "platform": "douyin", "item_id": "888" });
    app.call(Method::GET, &items_of(theirs), Some(alpha), None)
        .await
        .problem(404, "not_found");
    map(app, alpha, theirs, body.clone())
        .await
        .problem(404, "not_found");
    for path in [
        format!("{}/{their_id}", items_of(theirs)),
        // Their mapping's id under a product of the caller's own.
        format!("{}/{their_id}", items_of(mine)),
    ] {
        app.call(Method::GET, &path, Some(alpha), None)
            .await
            .problem(404, "not_found");
        app.call(Method::DELETE, &path, Some(alpha), None)
            .await
            .problem(404, "not_found");
    }
    // No product at all.
    let nowhere = Uuid::now_v7();
    app.call(Method::GET, &items_of(nowhere), Some(alpha), None)
        .await
        .problem(404, "not_found");
    map(app, alpha, nowhere, body)
        .await
        .problem(404, "not_found");
    // Theirs is untouched, and mine holds nothing of theirs.
    assert_eq!(listed(app, &beta, theirs).await, [their_id]);
    assert!(listed(app, alpha, mine).await.is_empty());
}

#[actix_web::test]
async fn roles_without_data_writes_read_mappings_but_do_not_change_them() {
    let shop = shop("Roles Items Co").await;
    let (app, owner, product) = (&shop.app, &shop.owner, shop.product);
    let manager = app.login_as(owner, "manager").await;
    let item = mapped(
        app,
        &manager,
        product,
        json!({ "platform": "jd", "item_id": "1" }),
    )
    .await;
    let path = format!("{}/{}", items_of(product), item["id"].as_str().unwrap());
    for role in ["analyst", "compliance"] {
        let session = app.login_as(owner, role).await;
        assert_eq!(listed(app, &session, product).await.len(), 1, "{role}");
        let read = app.call(Method::GET, &path, Some(&session), None).await;
        assert_eq!(read.status, 200, "{role}");
        map(
            app,
            &session,
            product,
            json!({ "platform": "jd", "item_id": "2" }),
        )
        .await
        .problem(403, "forbidden");
        app.call(Method::DELETE, &path, Some(&session), None)
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(listed(app, owner, product).await.len(), 1);
    let items = items_of(product);
    for (method, path) in [
        (Method::GET, &items),
        (Method::POST, &items),
        (Method::GET, &path),
        (Method::DELETE, &path),
    ] {
        let answer = app.call(method.clone(), path, None, None).await;
        assert_eq!(answer.status, 401, "{method} {path}");
    }
}

#[actix_web::test]
async fn the_importers_look_up_prefers_the_exact_sku_code_then_the_whole_item() {
    let shop = shop("Lookup Co").await;
    let (app, owner, lip) = (&shop.app, &shop.owner, shop.product);
    let serum = app
        .call(
            Method::POST,
            "/v1/products",
            Some(owner),
            Some(json!({ "sku": "SERUM-1", "name": "Serum", "list_price": "88.00", "commission_percent": "12.5" })),
        )
        .await;
    assert_eq!(serum.status, 201, "{}", serum.text());
    let serum: Uuid = serum.json()["id"].as_str().unwrap().parse().unwrap();
    for (product, body) in [
        (lip, json!({ "platform": "douyin", "item_id": "500" })),
        (
            serum,
            json!({ "platform": "douyin", "item_id": "500", "sku_code": "red" }),
        ),
        (
            serum,
            json!({ "platform": "taobao", "item_id": "7", "sku_code": "blue" }),
        ),
    ] {
        mapped(app, owner, product, body).await;
    }
    let other = app.signup_agency("Other Lookup Co").await;
    let theirs = create_product(app, &other, "LIP-1", None).await;
    mapped(
        app,
        &other,
        theirs,
        json!({ "platform": "kuaishou", "item_id": "500" }),
    )
    .await;

    let keys = [
        (Platform::Douyin, "500", Some("red")),
        (Platform::Douyin, "500", Some("green")),
        (Platform::Douyin, "500", None),
        (Platform::Douyin, "500", Some("red")),
        (Platform::Taobao, "7", Some("blue")),
        (Platform::Taobao, "7", None),
        (Platform::Taobao, "7", Some("green")),
        (Platform::Kuaishou, "500", None),
        (Platform::Douyin, "501", None),
    ];
    let mut conn = app.state.conn().await.unwrap();
    let found = platform_items(&mut conn, owner.agency_id, keys)
        .await
        .unwrap();
    let twenty = Decimal::new(20, 0);
    let twelve_and_a_half = Decimal::new(125, 1);
    let key = |platform, item: &str, sku: Option<&str>| {
        (platform, item.to_owned(), sku.map(str::to_owned))
    };
    let expected: HashMap<_, _> = [
        (
            key(Platform::Douyin, "500", Some("red")),
            (serum, twelve_and_a_half),
        ),
        // No mapping of this SKU code: the whole item's.
        (key(Platform::Douyin, "500", Some("green")), (lip, twenty)),
        (key(Platform::Douyin, "500", None), (lip, twenty)),
        (
            key(Platform::Taobao, "7", Some("blue")),
            (serum, twelve_and_a_half),
        ),
        // A mapping of one SKU code never stands for the item or its other SKU codes; another
        // agency's mappings are not this one's.
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected);
    let theirs_found = platform_items(&mut conn, other.agency_id, keys)
        .await
        .unwrap();
    assert_eq!(theirs_found.len(), 1);
    assert_eq!(
        theirs_found[&key(Platform::Kuaishou, "500", None)].0,
        theirs
    );
    let none = platform_items(&mut conn, owner.agency_id, Vec::new())
        .await
        .unwrap();
    assert!(none.is_empty());
}
