//! Bounded password hashing: a login flood beyond the hashing queue is answered 503 `busy` with
//! `Retry-After` (never a 500, never a counted attempt), and the rest of the service keeps
//! answering meanwhile.

use std::cell::Cell;
use std::time::{Duration, Instant};

use actix_web::http::Method;
use futures_util::future::join_all;

use crate::helpers::{PASSWORD, Session, Spawn, TestApp, TestResponse};

/// One hashing thread with one waiting place, and argon2 at the production cost so that a check
/// takes long enough for a flood to fill the queue.
async fn app_with_one_hashing_thread() -> TestApp {
    Spawn::new()
        .await
        .settings(|s| {
            s.auth.password_hashing_threads = 1;
            s.auth.password_hashing_queue_per_thread = 1;
            s.auth.argon2_memory_kib = 19456;
            s.auth.argon2_iterations = 2;
            // Only the hashing bound is under test here, not the failed-login throttle.
            s.auth.login_max_failures_per_account = 1000;
            s.auth.login_max_failures_per_address = 1000;
        })
        .start()
        .await
}

fn is_busy(answer: &TestResponse) -> bool {
    if answer.status != 503 {
        return false;
    }
    answer.problem(503, "busy");
    let retry_after: u64 = answer
        .header("retry-after")
        .expect("a busy answer says when to retry")
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry_after >= 1);
    true
}

#[actix_web::test]
async fn a_login_flood_beyond_the_hashing_queue_is_answered_busy_never_500() {
    let app = app_with_one_hashing_thread().await;
    let owner = app.signup_agency("Flood Co").await;
    let answers = join_all((0..16).map(|_| app.login(&owner.email, PASSWORD))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "only tokens or busy: {statuses:?}"
    );
    let busy = answers.iter().filter(|a| is_busy(a)).count();
    assert!(busy > 0, "two places for sixteen logins: {statuses:?}");
    assert!(
        busy < answers.len(),
        "the admitted logins go through: {statuses:?}"
    );
    // A refusal as busy counts no failed attempt: the account is not locked, and a wrong
    // password is still a plain 401.
    let after = app.login(&owner.email, PASSWORD).await;
    assert_eq!(after.status, 200, "{}", after.text());
    app.login(&owner.email, "not the password at all")
        .await
        .problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn new_passwords_are_hashed_within_the_same_bound() {
    let app = app_with_one_hashing_thread().await;
    let owner = app.signup_agency("Busy Signup Co").await;
    let bodies: Vec<serde_json::Value> = (0..12)
        .map(|n| {
            serde_json::json!({
                "agency_name": format!("Crowd {n}"),
                "email": format!("crowd-{n}-{}@example.com", uuid::Uuid::now_v7().simple()),
                "password": PASSWORD,
            })
        })
        .collect();
    let signups = join_all(
        bodies
            .iter()
            .map(|body| app.send_json(Method::POST, "/v1/auth/signup", body)),
    )
    .await;
    let statuses: Vec<u16> = signups.iter().map(|a| a.status.as_u16()).collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "{statuses:?}"
    );
    assert!(signups.iter().any(is_busy), "{statuses:?}");
    // The same for a staff account created while logins flood in.
    let flood = join_all((0..8).map(|_| app.login(&owner.email, PASSWORD)));
    let staff = app.call(
        Method::POST,
        "/v1/users",
        Some(&owner),
        Some(serde_json::json!({
            "email": format!("staff-{}@example.com", uuid::Uuid::now_v7().simple()),
            "password": PASSWORD, "display_name": "Staff", "role": "analyst",
        })),
    );
    let (logins, staff) = tokio::join!(flood, staff);
    assert!(
        staff.status == 201 || is_busy(&staff),
        "created or busy: {}",
        staff.text()
    );
    assert!(logins.iter().all(|a| a.status == 200 || is_busy(a)));
}

/// How long `GET /v1/me` takes as `session`.
async fn time_me(app: &TestApp, session: &Session) -> Duration {
    let started = Instant::now();
    let answer = app.call(Method::GET, "/v1/me", Some(session), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    started.elapsed()
}

/// Logs in again and again until `stop`; answers (logged in, busy).
async fn flood_logins(app: &TestApp, email: &str, stop: &Cell<bool>) -> (u32, u32) {
    let (mut ok, mut busy) = (0, 0);
    while !stop.get() {
        let answer = app.login(email, PASSWORD).await;
        match answer.status.as_u16() {
            200 => ok += 1,
            503 => {
                busy += 1;
                // A client backing off a little; the flood stays beyond the queue.
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
            other => panic!(
                "a login during the flood answered {other}: {}",
                answer.text()
            ),
        }
    }
    (ok, busy)
}

#[actix_web::test]
async fn other_routes_keep_answering_during_a_login_flood() {
    let app = app_with_one_hashing_thread().await;
    let owner = app.signup_agency("Steady Co").await;
    let mut idle = Vec::new();
    for _ in 0..5 {
        idle.push(time_me(&app, &owner).await);
    }
    idle.sort();

    let stop = Cell::new(false);
    let flooders = join_all((0..8).map(|_| flood_logins(&app, &owner.email, &stop)));
    let probe = async {
        let mut during = Vec::new();
        // Let the flood start before measuring.
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        for _ in 0..10 {
            during.push(time_me(&app, &owner).await);
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        stop.set(true);
        during
    };
    let (mut during, tallies) = tokio::join!(probe, flooders);
    during.sort();
    let (ok, busy) = tallies
        .iter()
        .fold((0, 0), |(a, b), (ok, busy)| (a + ok, b + busy));
    assert!(ok > 0, "logins went through during the flood");
    assert!(busy > 0, "the flood was larger than the hashing queue");
    // Every request answered; the median stays near the idle one (generous bounds for a shared
    // CI machine: the point is that nothing waits for the hashing threads).
    let idle_median = idle[idle.len() / 2];
    let median = during[during.len() / 2];
    assert!(
        median < idle_median * 10 + Duration::from_millis(100),
        "GET /v1/me during the flood: median {median:?}, idle {idle_median:?}; all {during:?}"
    );
    assert!(
        during[during.len() - 1] < Duration::from_secs(2),
        "GET /v1/me during the flood: {during:?}"
    );
}

#[actix_web::test]
async fn the_document_states_busy_on_every_route_that_hashes_a_password() {
    let app = TestApp::spawn().await;
    let document = app.get("/openapi.json").await.json();
    for (path, method) in [
        ("/v1/auth/login", "post"),
        ("/v1/auth/signup", "post"),
        ("/v1/users", "post"),
        ("/v1/users/{id}", "patch"),
    ] {
        let busy = &document["paths"][path][method]["responses"]["503"];
        assert_eq!(busy["$ref"], "#/components/responses/Unavailable", "{path}");
        assert!(
            busy["description"].as_str().unwrap().contains("`busy`"),
            "{method} {path}: {busy}"
        );
    }
    let shared = &document["components"]["responses"]["Unavailable"];
    assert!(shared["headers"]["Retry-After"].is_object(), "{shared}");
}
