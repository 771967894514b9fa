//! Database outages: quick 503s (never a hang, never a 500), `/readyz` saying so, and recovery
//! without a restart when the database returns.

use std::time::{Duration, Instant};

use crate::helpers::proxy::DbProxy;
use crate::helpers::{Spawn, TestDatabase, closed_port};

#[actix_web::test]
async fn an_unreachable_database_is_a_quick_503_on_readyz_while_healthz_stays_up() {
    let url = format!("postgres://postgres@127.0.0.1:{}/mcn", closed_port());
    let app = Spawn::with_database_url(&url).start().await;

    let started = Instant::now();
    let ready = app.get("/readyz").await;
    ready.problem(503, "database_unavailable");
    assert_eq!(ready.header("retry-after"), Some("1"));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        !ready.text().contains("127.0.0.1"),
        "no internals: {}",
        ready.text()
    );

    assert_eq!(
        app.get("/healthz").await.status,
        200,
        "liveness does not depend on the database"
    );
}

#[actix_web::test]
async fn a_database_that_accepts_but_never_answers_is_a_bounded_503() {
    // A listener that accepts connections and says nothing: the connect timeout must fire.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/mcn");
    let app = Spawn::with_database_url(&url)
        .settings(|s| s.database.connect_timeout_secs = 1)
        .start()
        .await;

    let started = Instant::now();
    app.get("/readyz")
        .await
        .problem(503, "database_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    drop(silent);
}

#[actix_web::test]
async fn the_service_recovers_by_itself_when_the_database_returns() {
    let database = TestDatabase::create().await;
    let mut proxy = DbProxy::start().await;
    let app = Spawn::with_database_url(&proxy.url_for(&database.name))
        .start()
        .await;

    assert_eq!(app.get("/readyz").await.status, 200);

    proxy.cut().await;
    let started = Instant::now();
    app.get("/readyz")
        .await
        .problem(503, "database_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    // Still down: every attempt answers, none hangs.
    app.get("/readyz")
        .await
        .problem(503, "database_unavailable");

    proxy.resume().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ready = app.get("/readyz").await;
        if ready.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover: {}",
            ready.text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(app);
    drop(database);
}

#[actix_web::test]
async fn an_exhausted_pool_is_a_503_after_the_wait_timeout_not_a_hang() {
    let app = Spawn::new()
        .await
        .settings(|s| {
            s.database.pool_max_size = 1;
            s.database.pool_wait_timeout_secs = 1;
        })
        .start()
        .await;
    let held = app.state.conn().await.unwrap();

    let started = Instant::now();
    app.get("/readyz")
        .await
        .problem(503, "database_unavailable");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "took {waited:?}"
    );

    drop(held);
    assert_eq!(app.get("/readyz").await.status, 200);
}
