//! Every error answer is problem+json (RFC 9457) with a stable code: the service's own errors,
//! actix's extractor rejections, unknown routes, wrong methods, oversized bodies, wrong content
//! types, internal errors. Probe routes are added to the real route table, so the production
//! extractor configuration and middleware stack are what is tested.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use mcn::error::AppError;
use mcn::routing::Routes;
use serde::Deserialize;
use serde_json::json;

use crate::helpers::{Spawn, TestApp};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeBody {
    name: String,
    count: u32,
}

#[derive(Debug, Deserialize)]
struct ProbeQuery {
    limit: u32,
}

async fn probe_json(body: mcn::json::Json<ProbeBody>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "name": body.name, "count": body.count }))
}

async fn probe_path(id: web::Path<uuid::Uuid>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "id": id.into_inner() }))
}

async fn probe_query(query: web::Query<ProbeQuery>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "limit": query.limit }))
}

async fn probe_raw(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "bytes": body.len() }))
}

async fn probe_internal() -> Result<HttpResponse, AppError> {
    Err(AppError::Internal(anyhow::anyhow!(
        "connection string postgres://app:hunter2@db/mcn refused"
    )))
}

async fn probe_database_error(
    state: web::Data<mcn::state::AppState>,
) -> Result<HttpResponse, AppError> {
    use diesel_async::RunQueryDsl;
    let mut conn = state.conn().await?;
    diesel::sql_query("SELECT * FROM no_such_table")
        .execute(&mut conn)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

async fn probe_slow_query(
    state: web::Data<mcn::state::AppState>,
) -> Result<HttpResponse, AppError> {
    use diesel_async::RunQueryDsl;
    let mut conn = state.conn().await?;
    diesel::sql_query("SELECT pg_sleep(2)")
        .execute(&mut conn)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

fn probe_routes() -> Routes {
    let mut routes = mcn::startup::routes();
    routes
        .post("/probe/json", probe_json)
        .put("/probe/json", probe_json)
        .get("/probe/items/{id}", probe_path)
        .get("/probe/query", probe_query)
        .post("/probe/raw", probe_raw)
        .get("/probe/internal", probe_internal)
        .get("/probe/database-error", probe_database_error)
        .get("/probe/slow", probe_slow_query);
    routes
}

async fn probe_app() -> TestApp {
    Spawn::new()
        .await
        .routes(probe_routes)
        .settings(|s| {
            s.server.json_body_limit = 256;
            s.server.raw_body_limit = 1024;
            s.database.statement_timeout_ms = 200;
        })
        .start()
        .await
}

#[actix_web::test]
async fn well_formed_requests_pass_the_probes() {
    let app = probe_app().await;
    let ok = app
        .send_json(
            Method::POST,
            "/probe/json",
            &json!({"name": "a", "count": 2}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json(), json!({"name": "a", "count": 2}));
    assert_eq!(app.get("/probe/query?limit=5").await.json()["limit"], 5);
    let id = uuid::Uuid::now_v7();
    assert_eq!(app.get(&format!("/probe/items/{id}")).await.status, 200);
}

#[actix_web::test]
async fn malformed_json_is_400_malformed_json() {
    let app = probe_app().await;
    let answer = app
        .send_raw(
            Method::POST,
            "/probe/json",
            "application/json",
            r#"{"name": "a", "count": "#,
        )
        .await;
    answer.problem(400, "malformed_json");
}

#[actix_web::test]
async fn unknown_fields_are_400_unknown_field_naming_the_field() {
    let app = probe_app().await;
    let answer = app
        .send_json(
            Method::POST,
            "/probe/json",
            &json!({"name": "a", "count": 1, "colour": "red"}),
        )
        .await;
    let problem = answer.problem(400, "unknown_field");
    assert_eq!(problem["errors"][0]["field"], "colour");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
}

#[actix_web::test]
async fn wrong_shapes_are_400_invalid_body() {
    let app = probe_app().await;
    let wrong_type = app
        .send_json(
            Method::POST,
            "/probe/json",
            &json!({"name": "a", "count": "two"}),
        )
        .await;
    wrong_type.problem(400, "invalid_body");
    let missing = app
        .send_json(Method::POST, "/probe/json", &json!({"name": "a"}))
        .await;
    let problem = missing.problem(400, "invalid_body");
    assert!(
        problem["detail"].as_str().unwrap().contains("count"),
        "{problem}"
    );
    let not_an_object = app
        .send_json(Method::POST, "/probe/json", &json!([1, 2]))
        .await;
    not_an_object.problem(400, "invalid_body");
}

#[actix_web::test]
async fn bad_path_and_query_parameters_are_400() {
    let app = probe_app().await;
    app.get("/probe/items/not-a-uuid")
        .await
        .problem(400, "invalid_path");
    app.get("/probe/query?limit=many")
        .await
        .problem(400, "invalid_query");
    app.get("/probe/query").await.problem(400, "invalid_query");
}

#[actix_web::test]
async fn unknown_routes_are_404_route_not_found() {
    let app = probe_app().await;
    let problem = app
        .get("/v1/nothing-here")
        .await
        .problem(404, "route_not_found");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("/v1/nothing-here")
    );
    app.send_json(Method::DELETE, "/", &json!({}))
        .await
        .problem(404, "route_not_found");
}

#[actix_web::test]
async fn wrong_methods_are_405_with_allow() {
    let app = probe_app().await;
    let answer = app
        .send_json(Method::DELETE, "/probe/json", &json!({}))
        .await;
    answer.problem(405, "method_not_allowed");
    assert_eq!(answer.header("allow"), Some("POST, PUT"));
    let answer = app.send_json(Method::POST, "/healthz", &json!({})).await;
    answer.problem(405, "method_not_allowed");
    assert_eq!(answer.header("allow"), Some("GET"));
}

#[actix_web::test]
async fn oversized_bodies_are_413() {
    let app = probe_app().await;
    let big_json = json!({"name": "x".repeat(300), "count": 1});
    let answer = app.send_json(Method::POST, "/probe/json", &big_json).await;
    let problem = answer.problem(413, "payload_too_large");
    assert!(
        problem["detail"].as_str().unwrap().contains("256"),
        "{problem}"
    );

    // Without a Content-Length the limit still holds while the body streams in.
    let chunks = futures_util::stream::iter(
        (0..40).map(|_| Ok::<_, std::io::Error>(web::Bytes::from_static(b"          "))),
    );
    let streamed = app
        .request(Method::POST, "/probe/json")
        .insert_header(("content-type", "application/json"))
        .send_stream(chunks)
        .await;
    crate::helpers::TestResponse::read(streamed)
        .await
        .problem(413, "payload_too_large");

    let raw = app
        .send_raw(Method::POST, "/probe/raw", "text/csv", vec![b'a'; 2048])
        .await;
    raw.problem(413, "payload_too_large");
    let small = app
        .send_raw(Method::POST, "/probe/raw", "text/csv", vec![b'a'; 100])
        .await;
    assert_eq!(small.json()["bytes"], 100);
}

#[actix_web::test]
async fn wrong_content_types_are_415() {
    let app = probe_app().await;
    let answer = app
        .send_raw(
            Method::POST,
            "/probe/json",
            "text/plain",
            r#"{"name": "a", "count": 1}"#,
        )
        .await;
    answer.problem(415, "unsupported_media_type");
    let none = app
        .request(Method::POST, "/probe/json")
        .send_body(r#"{"name": "a", "count": 1}"#)
        .await;
    crate::helpers::TestResponse::read(none)
        .await
        .problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn internal_errors_are_500_without_their_cause() {
    let app = probe_app().await;
    let answer = app.get("/probe/internal").await;
    let problem = answer.problem(500, "internal_error");
    assert!(!answer.text().contains("hunter2"), "{problem}");
    assert!(!answer.text().contains("postgres://"), "{problem}");

    let answer = app.get("/probe/database-error").await;
    answer.problem(500, "internal_error");
    assert!(
        !answer.text().contains("no_such_table"),
        "{}",
        answer.text()
    );
}

#[actix_web::test]
async fn a_statement_past_the_timeout_is_cancelled_and_answered_503() {
    let app = probe_app().await;
    let started = std::time::Instant::now();
    app.get("/probe/slow")
        .await
        .problem(503, "database_timeout");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    // The connection is still good for the next request.
    assert_eq!(app.get("/readyz").await.status, 200);
}
