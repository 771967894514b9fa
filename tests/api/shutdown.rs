//! Graceful shutdown: a request in flight when the server is told to stop still gets its answer.

use std::time::Duration;

use crate::helpers::proxy::DbProxy;
use crate::helpers::{Spawn, TestDatabase};

#[actix_web::test]
async fn in_flight_requests_finish_when_the_server_stops_gracefully() {
    let database = TestDatabase::create().await;
    let mut proxy = DbProxy::start().await;
    // The first database connection takes a second to open, so /readyz is in flight for a while.
    proxy.cut().await;
    proxy.connect_delay = Duration::from_millis(1200);
    proxy.resume().await;
    let app = Spawn::with_database_url(&proxy.url_for(&database.name))
        .start()
        .await;

    let in_flight = app.request(actix_web::http::Method::GET, "/readyz").send();
    let stop = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        // The same graceful stop that SIGTERM triggers.
        app.handle.stop(true).await;
    };
    let (answer, ()) = tokio::join!(in_flight, stop);
    let answer = crate::helpers::TestResponse::read(answer).await;
    assert_eq!(answer.status, 200, "{}", answer.text());

    // Stopped: new connections are refused.
    let after = awc::Client::default().get(app.url("/healthz")).send().await;
    assert!(after.is_err(), "the server still answers after stopping");
}
