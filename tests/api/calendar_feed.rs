//! Subscribable calendar feeds (issue 15 point 3): a secret URL per user that serves, without a
//! bearer token, exactly what the authenticated schedule feed serves that user; replaced by a new
//! URL, revoked, dead with a deactivated user, and never another agency's.

use actix_web::http::Method;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{Session, Spawn, TestApp, TestResponse};
use crate::sessions::{ready_host, session_body};

/// Creates the caller's feed: the answer's URL, checked against its `Location`.
async fn create_feed(app: &TestApp, session: &Session) -> String {
    let created = app
        .call(Method::POST, "/v1/me/calendar-feed", Some(session), None)
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let url = created.json()["url"].as_str().unwrap().to_owned();
    assert_eq!(created.header("location"), Some(url.as_str()));
    url
}

/// The path of a feed URL this test server answered.
fn path_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&app.url(""))
        .unwrap_or_else(|| panic!("{url} is not on {}", app.url("")))
        .to_owned()
}

/// The token in a feed URL.
fn token_of(url: &str) -> String {
    let name = url.rsplit('/').next().unwrap();
    name.strip_suffix(".ics").unwrap().to_owned()
}

/// Reads `path` without any token.
async fn fetch(app: &TestApp, path: &str) -> TestResponse {
    app.call(Method::GET, path, None, None).await
}

/// A feed's text with the one line that depends on the moment of the request left out.
fn comparable(feed: &TestResponse) -> String {
    feed.text()
        .split("\r\n")
        .filter(|line| !line.starts_with("DTSTAMP:"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// An agency with a host and two scheduled sessions: (app, owner, host).
async fn scheduled(name: &str) -> (TestApp, Session, Uuid) {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency(name).await;
    let reviewer = app.login_as(&owner, "admin").await;
    let (host, account) = ready_host(&app, &owner, &reviewer, "Anchor", "412").await;
    for (start, end) in [(0, 2), (24, 26)] {
        let created = app
            .call(
                Method::POST,
                "/v1/live-sessions",
                Some(&owner),
                Some(session_body(host, account, start, end, &[])),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
    }
    (app, owner, host)
}

async fn audit_actions(app: &TestApp, owner: &Session) -> (Vec<String>, String) {
    let events = app
        .call(
            Method::GET,
            "/v1/audit-events?entity_type=calendar_feed&limit=200",
            Some(owner),
            None,
        )
        .await;
    assert_eq!(events.status, 200, "{}", events.text());
    let body = events.json();
    let mut actions: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    actions.sort();
    (actions, body.to_string())
}

#[actix_web::test]
async fn a_feed_url_serves_the_authenticated_feed_without_a_token() {
    let (app, owner, host) = scheduled("Feed Co").await;
    let analyst = app.login_as(&owner, "analyst").await;
    let url = create_feed(&app, &analyst).await;
    let token = token_of(&url);
    assert!(url.starts_with(&app.url("/v1/calendar/")), "{url}");
    // The agency as 32 hex digits, `_`, 32 random bytes in base64url.
    assert_eq!(token.len(), 76, "{token}");
    assert_eq!(&token[..33], format!("{}_", owner.agency_id.simple()));
    assert!(
        token[33..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );

    let path = path_of(&app, &url);
    for query in [
        String::new(),
        format!("?influencer_id={host}&state=scheduled"),
        "?platform=kuaishou".to_owned(),
    ] {
        let feed = fetch(&app, &format!("{path}{query}")).await;
        assert_eq!(feed.status, 200, "{query}: {}", feed.text());
        assert_eq!(
            feed.header("content-type"),
            Some("text/calendar; charset=utf-8")
        );
        let authenticated = app
            .call(
                Method::GET,
                &format!("/v1/live-sessions.ics{query}"),
                Some(&analyst),
                None,
            )
            .await;
        assert_eq!(authenticated.status, 200);
        assert_eq!(comparable(&feed), comparable(&authenticated), "{query}");
        assert_eq!(
            feed.header("content-disposition"),
            authenticated.header("content-disposition")
        );
        let events = if query.contains("kuaishou") { 0 } else { 2 };
        assert_eq!(feed.text().matches("BEGIN:VEVENT").count(), events);
    }
    // A bearer token changes nothing, and no token is needed to read.
    let with_token = app.call(Method::GET, &path, Some(&owner), None).await;
    assert_eq!(
        comparable(&with_token),
        comparable(&fetch(&app, &path).await)
    );

    // Audited, without the token.
    let (actions, trail) = audit_actions(&app, &owner).await;
    assert_eq!(actions, ["calendar_feed.create"]);
    assert!(!trail.contains(&token[33..]), "{trail}");
    // Creating one needs a login.
    app.call(Method::POST, "/v1/me/calendar-feed", None, None)
        .await
        .problem(401, "missing_token");
}

#[actix_web::test]
async fn a_new_url_replaces_the_old_one_and_revocation_ends_it() {
    let (app, owner, _) = scheduled("Rotate Co").await;
    let manager = app.login_as(&owner, "manager").await;
    let first = path_of(&app, &create_feed(&app, &manager).await);
    assert_eq!(fetch(&app, &first).await.status, 200);
    let second = path_of(&app, &create_feed(&app, &manager).await);
    assert_ne!(first, second);
    fetch(&app, &first).await.problem(404, "not_found");
    assert_eq!(fetch(&app, &second).await.status, 200);
    // Another user's feed is their own: the owner's feed leaves the manager's alone.
    let owners = path_of(&app, &create_feed(&app, &owner).await);

    let revoked = app
        .call(Method::DELETE, "/v1/me/calendar-feed", Some(&manager), None)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text());
    fetch(&app, &second).await.problem(404, "not_found");
    assert_eq!(fetch(&app, &owners).await.status, 200);
    app.call(Method::DELETE, "/v1/me/calendar-feed", Some(&manager), None)
        .await
        .problem(404, "not_found");
    // A feed made after a revocation works again.
    let third = path_of(&app, &create_feed(&app, &manager).await);
    assert_eq!(fetch(&app, &third).await.status, 200);

    let (actions, trail) = audit_actions(&app, &owner).await;
    assert_eq!(
        actions,
        [
            "calendar_feed.create",
            "calendar_feed.create",
            "calendar_feed.create",
            "calendar_feed.revoke",
            "calendar_feed.rotate",
        ]
    );
    for path in [&first, &second, &third, &owners] {
        assert!(!trail.contains(&token_of(path)[33..]));
    }
}

#[actix_web::test]
async fn a_feed_never_shows_another_agencys_sessions() {
    let (app, owner, host) = scheduled("Ours Co").await;
    let ours = path_of(&app, &create_feed(&app, &owner).await);
    let other = app.signup_agency("Theirs Co").await;
    let theirs = path_of(&app, &create_feed(&app, &other).await);
    let feed = fetch(&app, &theirs).await;
    assert_eq!(feed.status, 200);
    assert!(!feed.text().contains("BEGIN:VEVENT"), "{}", feed.text());
    let filtered = fetch(&app, &format!("{theirs}?influencer_id={host}")).await;
    assert!(!filtered.text().contains("BEGIN:VEVENT"));
    // Our secret under their agency's id is no feed of theirs (nor ours).
    let token = token_of(&ours);
    let swapped = format!(
        "/v1/calendar/{}{}.ics",
        other.agency_id.simple(),
        &token[32..]
    );
    fetch(&app, &swapped).await.problem(404, "not_found");
    // Their revocation is theirs only.
    let revoked = app
        .call(Method::DELETE, "/v1/me/calendar-feed", Some(&other), None)
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(
        fetch(&app, &ours)
            .await
            .text()
            .matches("BEGIN:VEVENT")
            .count(),
        2
    );
}

#[actix_web::test]
async fn a_deactivated_users_feed_is_gone() {
    let (app, owner, _) = scheduled("Leaver Co").await;
    let leaver = app.login_as(&owner, "finance").await;
    let path = path_of(&app, &create_feed(&app, &leaver).await);
    assert_eq!(fetch(&app, &path).await.status, 200);
    let deactivated = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{}", leaver.user_id),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(deactivated.status, 204, "{}", deactivated.text());
    fetch(&app, &path).await.problem(404, "not_found");
    // Reactivated, the user does not get the old URL back: it ended with the deactivation.
    let reactivated = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{}", leaver.user_id),
            Some(&owner),
            Some(serde_json::json!({"active": true})),
        )
        .await;
    assert_eq!(reactivated.status, 200, "{}", reactivated.text());
    fetch(&app, &path).await.problem(404, "not_found");
}

#[actix_web::test]
async fn malformed_tokens_are_404_never_500() {
    let (app, owner, _) = scheduled("Malformed Co").await;
    let path = path_of(&app, &create_feed(&app, &owner).await);
    let token = token_of(&path);
    let agency = owner.agency_id.simple().to_string();
    let mut flipped = token.clone().into_bytes();
    flipped[40] = if flipped[40] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let malformed = [
        "x".to_owned(),
        token.to_uppercase(),
        format!("{token}="),
        token[..75].to_owned(),
        format!("{token}A"),
        format!("{}{}", owner.agency_id, &token[32..]),
        token.replacen('_', "-", 1),
        format!("{agency}_"),
        format!("{agency}_{}", "A".repeat(43)),
        "%F0%9F%93%85".repeat(10),
        "'; DROP TABLE calendar_feeds; --".replace(' ', "%20"),
        "a".repeat(5000),
        format!("{token}.ics"),
        flipped,
    ];
    for bad in &malformed {
        let answer = fetch(&app, &format!("/v1/calendar/{bad}.ics")).await;
        answer.problem(404, "not_found");
    }
    // A NUL character is refused for every path, before any route.
    fetch(&app, &format!("/v1/calendar/{}.ics", "%00".repeat(30)))
        .await
        .problem(400, "invalid_path");
    // Not the shape of the route at all.
    for path in [
        "/v1/calendar/.ics".to_owned(),
        format!("/v1/calendar/{token}"),
        format!("/v1/calendar/{token}.ics/more"),
    ] {
        let answer = fetch(&app, &path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
    }
    // The real one still works.
    assert_eq!(fetch(&app, &path).await.status, 200);
}

#[actix_web::test]
async fn window_parameters_are_refused_as_the_authenticated_feed_refuses_them() {
    let (app, owner, _) = scheduled("Window Co").await;
    let path = path_of(&app, &create_feed(&app, &owner).await);
    let cases = [
        ("?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", 422),
        ("?from=2026-01-01T00:00:00Z&to=2027-07-02T00:00:00Z", 422),
        ("?from=2020-01-01T00:00:00Z", 422),
        ("?limit=10", 400),
        ("?from=yesterday", 400),
        ("?state=paused", 400),
        ("?from=2026-01-01T00:00:00Z&to=2027-07-01T00:00:00Z", 200),
    ];
    for (query, status) in cases {
        let feed = fetch(&app, &format!("{path}{query}")).await;
        let authenticated = app
            .call(
                Method::GET,
                &format!("/v1/live-sessions.ics{query}"),
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(feed.status, status, "{query}: {}", feed.text());
        assert_eq!(authenticated.status, status, "{query}");
        if status != 200 {
            let strip = |mut problem: Value| {
                problem.as_object_mut().unwrap().remove("instance");
                problem.as_object_mut().unwrap().remove("request_id");
                problem
            };
            assert_eq!(strip(feed.json()), strip(authenticated.json()), "{query}");
        }
    }
    // A window problem of an unknown token is still only "no such feed".
    fetch(
        &app,
        &format!(
            "/v1/calendar/{}_{}.ics?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z",
            owner.agency_id.simple(),
            "A".repeat(43)
        ),
    )
    .await
    .problem(404, "not_found");
}

#[actix_web::test]
async fn the_url_names_the_configured_public_address_or_the_requests_host() {
    let app = Spawn::new()
        .await
        .settings(|s| s.server.public_base_url = "https://calendar.example.com/".to_owned())
        .start()
        .await;
    let owner = app.signup_agency("Public Co").await;
    let url = create_feed(&app, &owner).await;
    assert!(
        url.starts_with("https://calendar.example.com/v1/calendar/") && url.ends_with(".ics"),
        "{url}"
    );
    let path = url.strip_prefix("https://calendar.example.com").unwrap();
    assert_eq!(fetch(&app, path).await.status, 200);

    // Without one, the request's own Host; forwarded headers only behind a trusted proxy.
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Host Co").await;
    let created = TestResponse::read(
        app.request(Method::POST, "/v1/me/calendar-feed")
            .bearer_auth(&owner.access_token)
            .insert_header(("X-Forwarded-Host", "evil.example.com"))
            .insert_header(("X-Forwarded-Proto", "https"))
            .send()
            .await,
    )
    .await;
    assert_eq!(created.status, 201);
    let url = created.json()["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.url("/v1/calendar/")), "{url}");
}
