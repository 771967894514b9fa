//! The OpenAPI document is the wire: what it declares is what the server does. These tests read
//! the served document and hold the server to it (the contract test, `scripts/contract-test`,
//! does the same at random with schemathesis and a generated TypeScript client).

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};

async fn document(app: &TestApp) -> Value {
    let served = app.get("/openapi.json").await;
    assert_eq!(served.status, 200);
    served.json()
}

fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    out
}

fn enum_values(document: &Value, schema: &str) -> Vec<String> {
    document["components"]["schemas"][schema]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{schema} is an enum"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn enums_are_declared_as_sent_and_every_declared_value_is_accepted() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert_eq!(
        enum_values(&doc, "Role"),
        [
            "owner",
            "admin",
            "manager",
            "compliance",
            "finance",
            "analyst"
        ]
    );
    assert!(enum_values(&doc, "Platform").contains(&"wechat_channels".to_owned()));
    assert!(enum_values(&doc, "DocumentType").contains(&"cn_resident_id".to_owned()));
    assert!(enum_values(&doc, "OnError").contains(&"skip".to_owned()));
    // No enum anywhere is spelled otherwise than snake_case.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for value in schema["enum"].as_array().into_iter().flatten() {
            let value = value.as_str().unwrap();
            assert_eq!(value, value.to_lowercase(), "{name}: {value}");
        }
    }

    // Every documented value is accepted where the document offers it.
    let owner = app.signup_agency("Enum Co").await;
    for role in enum_values(&doc, "Role") {
        if role == "owner" {
            continue;
        }
        app.login_as(&owner, &role).await;
    }
    for kind in enum_values(&doc, "InfluencerKind") {
        let created = app
            .call(
                Method::POST,
                "/v1/influencers",
                Some(&owner),
                Some(json!({ "kind": kind, "stage_name": format!("Host {kind}") })),
            )
            .await;
        assert_eq!(created.status, 201, "{kind}: {}", created.text());
        assert_eq!(created.json()["kind"], kind);
    }
    for platform in enum_values(&doc, "Platform") {
        let listed = app
            .call(
                Method::GET,
                &format!("/v1/influencers?platform={platform}&limit=1"),
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(listed.status, 200, "{platform}: {}", listed.text());
    }
}

#[actix_web::test]
async fn every_operation_declares_what_it_can_answer_through_shared_responses() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let shared: BTreeSet<&str> = doc["components"]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for name in [
        "BadRequest",
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "Conflict",
        "PreconditionFailed",
        "PayloadTooLarge",
        "UnsupportedMediaType",
        "Unprocessable",
        "TooManyRequests",
        "InternalError",
        "Unavailable",
    ] {
        assert!(shared.contains(name), "{name}");
        let content = &doc["components"]["responses"][name]["content"];
        assert_eq!(
            content["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
    }
    let mut operation_ids = BTreeSet::new();
    for (method, path, operation) in operations(&doc) {
        let at = format!("{method} {path}");
        assert!(
            operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{at}: summary"
        );
        let id = operation["operationId"].as_str().unwrap().to_owned();
        assert!(operation_ids.insert(id), "{at}: operationId is unique");
        let responses = operation["responses"].as_object().unwrap();
        // Every error answer is a reference to the shared set.
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let reference = response["$ref"].as_str().unwrap_or_default();
                assert!(
                    reference.starts_with("#/components/responses/"),
                    "{at} {status} is shared"
                );
            }
        }
        let security = operation["security"].as_array().expect("security declared");
        let secured = !security.is_empty();
        // Public: the auth routes, and calendar feeds (their URL carries a secret of its own).
        assert_eq!(
            secured,
            path.starts_with("/v1/")
                && !path.starts_with("/v1/auth/")
                && !path.starts_with("/v1/calendar/"),
            "{at}"
        );
        if secured {
            assert!(responses.contains_key("401"), "{at}: 401");
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{at}: 404");
        }
        let takes_input = operation.get("requestBody").is_some()
            || operation["parameters"]
                .as_array()
                .is_some_and(|p| !p.is_empty());
        if takes_input {
            assert!(responses.contains_key("400"), "{at}: 400");
        }
        if operation.get("requestBody").is_some() {
            for status in ["413", "415", "422"] {
                assert!(responses.contains_key(status), "{at}: {status}");
            }
        }
        if path.starts_with("/v1/") {
            assert!(responses.contains_key("503"), "{at}: 503");
        }
        if method == "POST" && responses.contains_key("201") {
            assert!(
                responses["201"]["headers"].get("Location").is_some(),
                "{at}: Location"
            );
        }
    }
    // Nothing refers to a schema the document does not define.
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{name} is defined"
        );
    }
}

#[actix_web::test]
async fn declared_constraints_are_the_ones_enforced() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let owner = app.signup_agency("Constraint Co").await;
    // `limit` is 1..=200, as declared.
    let limit = doc["paths"]["/v1/influencers"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()["schema"]
        .clone();
    assert_eq!(
        (limit["minimum"].as_u64(), limit["maximum"].as_u64()),
        (Some(1), Some(200))
    );
    for (value, status) in [("0", 422), ("1", 200), ("200", 200), ("201", 422)] {
        let answer = app
            .call(
                Method::GET,
                &format!("/v1/influencers?limit={value}"),
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(answer.status, status, "limit={value}");
    }
    // A declared maximum length counts what was sent, spaces included.
    let stage_name =
        &doc["components"]["schemas"]["CreateInfluencerRequest"]["properties"]["stage_name"];
    assert_eq!(stage_name["maxLength"], 100);
    let padded = format!(" {} ", "x".repeat(99));
    app.call(
        Method::POST,
        "/v1/influencers",
        Some(&owner),
        Some(json!({ "kind": "human", "stage_name": padded })),
    )
    .await
    .problem(422, "validation_failed");
    // Decimal strings follow the declared pattern exactly.
    let pattern = doc["components"]["schemas"]["CreateProductRequest"]["properties"]["list_price"]
        ["pattern"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(pattern, r"^-?[0-9]+(\.[0-9]+)?$");
    for (price, status) in [("19.90", 201), (" 19.90", 422), ("19.", 422), (".5", 422)] {
        let answer = app
            .call(
                Method::POST,
                "/v1/products",
                Some(&owner),
                Some(json!({
                    "sku": format!("SKU-{}", uuid::Uuid::now_v7().simple()),
                    "name": "Tea", "list_price": price, "commission_percent": "10.00"
                })),
            )
            .await;
        assert_eq!(
            answer.status,
            status,
            "list_price {price:?}: {}",
            answer.text()
        );
    }
    // A number JSON Schema calls an integer is one: 3.0 is 3.
    let host = app
        .call(
            Method::POST,
            "/v1/influencers",
            Some(&owner),
            Some(json!({ "kind": "human", "stage_name": "Floaty" })),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let account = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/platform-accounts"),
            Some(&owner),
            Some(json!({ "platform": "douyin", "handle": "@f", "platform_user_id": "dy-f", "followers": 1200.0 })),
        )
        .await;
    assert_eq!(account.status, 201, "{}", account.text());
    assert_eq!(account.json()["followers"], 1200);
    // Bodies are JSON objects: an array of the fields is not one.
    app.call(
        Method::PATCH,
        &format!("/v1/influencers/{host}"),
        Some(&owner),
        Some(json!([null, null])),
    )
    .await
    .problem(400, "invalid_body");
    // A sale's fields have the declared JSON types: a quantity as a string is not an integer.
    let sale_schema = &doc["components"]["schemas"]["SaleRequest"];
    assert_eq!(sale_schema["additionalProperties"], false);
    assert_eq!(sale_schema["properties"]["quantity"]["maximum"], 100000);
}

async fn patch_with_if_match(
    app: &TestApp,
    owner: &Session,
    host: &str,
    if_match: &str,
) -> crate::helpers::TestResponse {
    let request = app
        .request(Method::PATCH, &format!("/v1/influencers/{host}"))
        .bearer_auth(&owner.access_token)
        .insert_header(("If-Match", if_match));
    crate::helpers::TestResponse::read(request.send_json(&json!({ "notes": "n" })).await).await
}

#[actix_web::test]
async fn if_match_has_the_declared_grammar_and_a_stale_one_is_412() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let header = doc["paths"]["/v1/influencers/{id}"]["patch"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "If-Match")
        .unwrap()
        .clone();
    assert_eq!(header["in"], "header");
    assert!(header["schema"]["pattern"].is_string());
    assert!(
        doc["paths"]["/v1/influencers/{id}"]["patch"]["responses"]
            .get("412")
            .is_some()
    );
    let owner = app.signup_agency("Etag Co").await;
    let created = app
        .call(
            Method::POST,
            "/v1/influencers",
            Some(&owner),
            Some(json!({ "kind": "human", "stage_name": "Tagged" })),
        )
        .await;
    assert_eq!(created.header("etag"), Some("\"1\""));
    let host = created.json()["id"].as_str().unwrap().to_owned();
    for malformed in ["0", "null", "\"x\"", "\"1\" and more"] {
        patch_with_if_match(&app, &owner, &host, malformed)
            .await
            .problem(400, "invalid_if_match");
    }
    patch_with_if_match(&app, &owner, &host, "\"7\"")
        .await
        .problem(412, "precondition_failed");
    let changed = patch_with_if_match(&app, &owner, &host, "\"1\"").await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.header("etag"), Some("\"2\""));
    let star = patch_with_if_match(&app, &owner, &host, "*").await;
    assert_eq!(star.status, 200);
}
