//! Liveness, readiness, metrics, request ids, CORS and the docs page.

use actix_web::http::Method;

use crate::helpers::{Spawn, TestApp};

#[actix_web::test]
async fn healthz_and_readyz_answer_with_a_live_database() {
    let app = TestApp::spawn().await;

    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(ready.json()["status"], "ready");
}

#[actix_web::test]
async fn every_answer_carries_a_request_id_and_a_sane_one_sent_is_kept() {
    let app = TestApp::spawn().await;

    let generated = app.get("/healthz").await;
    let id = generated.header("x-request-id").expect("request id");
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "a UUID when none was sent: {id}"
    );

    let kept = app
        .request(Method::GET, "/healthz")
        .insert_header(("x-request-id", "client-trace-42"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        kept.headers().get("x-request-id").unwrap(),
        "client-trace-42"
    );

    let replaced = app
        .request(Method::GET, "/nowhere")
        .insert_header(("x-request-id", "evil\" injected"))
        .send()
        .await
        .unwrap();
    let id = replaced
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_ne!(id, "evil\" injected");
    assert!(uuid::Uuid::parse_str(id).is_ok());
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_and_status_and_show_the_pool() {
    let app = TestApp::spawn().await;
    app.get("/healthz").await;
    app.get("/healthz").await;
    app.get("/readyz").await;
    app.get("/no/such/route").await;

    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.text();
    for line in [
        r#"mcn_http_requests_total{method="GET",route="/healthz",status="200"} 2"#,
        r#"mcn_http_requests_total{method="GET",route="/readyz",status="200"} 1"#,
        r#"mcn_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"mcn_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 2"#,
        r#"mcn_db_pool_max_size 4"#,
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(
        text.contains(r#"mcn_db_pool_connections{state="idle"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"mcn_db_pool_connections{state="in_use"}"#),
        "{text}"
    );
}

#[actix_web::test]
async fn cors_lets_an_allowed_frontend_origin_in_and_keeps_others_out() {
    let app = Spawn::new()
        .await
        .settings(|s| s.server.cors_allowed_origins = vec!["https://app.example.com".into()])
        .start()
        .await;

    let preflight = app
        .request(Method::OPTIONS, "/v1/anything")
        .insert_header(("origin", "https://app.example.com"))
        .insert_header(("access-control-request-method", "PATCH"))
        .insert_header((
            "access-control-request-headers",
            "authorization, content-type, if-match",
        ))
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let headers = preflight.headers();
    assert_eq!(
        headers.get("access-control-allow-origin").unwrap(),
        "https://app.example.com"
    );
    let methods = headers
        .get("access-control-allow-methods")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(methods.contains("PATCH"), "{methods}");
    let allowed = headers
        .get("access-control-allow-headers")
        .unwrap()
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("if-match") && allowed.contains("authorization"),
        "{allowed}"
    );

    let simple = app
        .request(Method::GET, "/healthz")
        .insert_header(("origin", "https://app.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(simple.status(), 200);
    assert_eq!(
        simple.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example.com"
    );
    let exposed = simple
        .headers()
        .get("access-control-expose-headers")
        .unwrap()
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("x-request-id") && exposed.contains("etag"),
        "{exposed}"
    );

    let foreign = app
        .request(Method::OPTIONS, "/healthz")
        .insert_header(("origin", "https://evil.example.net"))
        .insert_header(("access-control-request-method", "GET"))
        .send()
        .await
        .unwrap();
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(foreign.status().is_client_error(), "{}", foreign.status());
    assert_eq!(
        foreign.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
}

#[actix_web::test]
async fn the_docs_page_is_served_by_the_binary_and_reads_our_document() {
    let app = TestApp::spawn().await;

    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/docs/"));

    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains("swagger-ui"), "{}", page.text());

    let initializer = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status, 200);
    assert!(initializer.text().contains("/openapi.json"));
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, 200);
    assert!(
        bundle.body.len() > 100_000,
        "the bundle is vendored, not fetched"
    );

    app.get("/docs/no-such-file.js")
        .await
        .problem(404, "not_found");
}
