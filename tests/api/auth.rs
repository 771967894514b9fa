//! Sign-up, login, tokens, refresh rotation and reuse detection, logout, `/v1/me`, throttling.

use actix_web::http::Method;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Session, Spawn, TestApp};

#[actix_web::test]
async fn signup_creates_an_agency_and_its_owner() {
    let app = TestApp::spawn().await;
    let answer = app
        .send_json(
            Method::POST,
            "/v1/auth/signup",
            &json!({
                "agency_name": "  Star Hosts  ",
                "email": "Boss@StarHosts.example.cn",
                "password": PASSWORD,
                "display_name": "Boss",
                "time_zone": "Asia/Urumqi"
            }),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["agency"]["name"], "Star Hosts");
    assert_eq!(body["agency"]["time_zone"], "Asia/Urumqi");
    assert_eq!(body["agency"]["default_currency"], "CNY");
    assert_eq!(body["user"]["role"], "owner");
    assert_eq!(body["user"]["email"], "Boss@StarHosts.example.cn");
    assert!(body["user"].get("password_hash").is_none());
    assert_eq!(
        answer.header("location").unwrap(),
        format!("/v1/users/{}", body["user"]["id"].as_str().unwrap())
    );

    // The login is case-insensitive, and the time zone defaults to Shanghai.
    let owner = app.session_for("boss@starhosts.example.cn").await;
    let me = app
        .call(Method::GET, "/v1/me", Some(&owner), None)
        .await
        .json();
    assert_eq!(me["user"]["display_name"], "Boss");
    assert_eq!(me["agency"]["id"], body["agency"]["id"]);

    let second = app
        .send_json(
            Method::POST,
            "/v1/auth/signup",
            &json!({ "agency_name": "Other", "email": "other@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(second.json()["agency"]["time_zone"], "Asia/Shanghai");
}

#[actix_web::test]
async fn signup_refuses_bad_fields_taken_emails_and_can_be_switched_off() {
    let app = TestApp::spawn().await;
    let bad = app
        .send_json(
            Method::POST,
            "/v1/auth/signup",
            &json!({ "agency_name": " ", "email": "not-an-email", "password": "short", "time_zone": "Mars/Base" }),
        )
        .await;
    let problem = bad.problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["agency_name", "email", "password", "time_zone"] {
        assert!(fields.contains(&field), "{field} in {problem}");
    }

    let body = json!({ "agency_name": "A", "email": "dup@example.com", "password": PASSWORD });
    assert_eq!(
        app.send_json(Method::POST, "/v1/auth/signup", &body)
            .await
            .status,
        201
    );
    let again = json!({ "agency_name": "B", "email": "DUP@example.com", "password": PASSWORD });
    app.send_json(Method::POST, "/v1/auth/signup", &again)
        .await
        .problem(409, "email_taken");

    // A huge password is refused by its length, before any hashing; past the body limit, by size.
    let huge =
        json!({ "agency_name": "A", "email": "huge@example.com", "password": "x".repeat(900_000) });
    let started = std::time::Instant::now();
    app.send_json(Method::POST, "/v1/auth/signup", &huge)
        .await
        .problem(422, "validation_failed");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let bigger = json!({ "agency_name": "A", "email": "huge@example.com", "password": "x".repeat(1_100_000) });
    app.send_json(Method::POST, "/v1/auth/signup", &bigger)
        .await
        .problem(413, "payload_too_large");
    let long =
        json!({ "agency_name": "A", "email": "long@example.com", "password": "x".repeat(129) });
    app.send_json(Method::POST, "/v1/auth/signup", &long)
        .await
        .problem(422, "validation_failed");

    let closed = Spawn::new()
        .await
        .settings(|s| s.server.signup_enabled = false)
        .start()
        .await;
    closed
        .send_json(
            Method::POST,
            "/v1/auth/signup",
            &json!({ "agency_name": "A", "email": "a@example.com", "password": PASSWORD }),
        )
        .await
        .problem(403, "signup_disabled");
}

#[actix_web::test]
async fn login_answers_a_token_pair_and_wrong_or_unknown_credentials_look_the_same() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Login Co").await;
    let tokens = app.login(&owner.email, PASSWORD).await.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(tokens["refresh_token"].as_str().unwrap().len() >= 43);

    // The access token is an HS256 JWT with the documented claims.
    let token = tokens["access_token"].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    assert_eq!(header["kid"], "test-1");
    for claim in ["sub", "agency", "role", "iat", "exp", "iss", "aud", "jti"] {
        assert!(!claims[claim].is_null(), "{claim} in {claims}");
    }
    assert_eq!(claims["role"], "owner");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );

    let wrong = app.login(&owner.email, "not the password at all").await;
    let unknown = app
        .login("nobody@example.com", "not the password at all")
        .await;
    let wrong_problem = wrong.problem(401, "invalid_credentials");
    let unknown_problem = unknown.problem(401, "invalid_credentials");
    assert_eq!(wrong_problem["detail"], unknown_problem["detail"]);
}

async fn refresh(app: &TestApp, token: &str) -> crate::helpers::TestResponse {
    app.send_json(
        Method::POST,
        "/v1/auth/refresh",
        &json!({ "refresh_token": token }),
    )
    .await
}

#[actix_web::test]
async fn refresh_rotates_and_reusing_a_spent_token_revokes_the_family() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Rotate Co").await;

    let first = refresh(&app, &owner.refresh_token).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let second_token = first.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, owner.refresh_token);
    let access = first.json()["access_token"].as_str().unwrap().to_owned();
    let me = app
        .call(
            Method::GET,
            "/v1/me",
            Some(&Session {
                access_token: access,
                ..owner.clone()
            }),
            None,
        )
        .await;
    assert_eq!(me.status, 200);

    // The first token was spent: presenting it again is theft, and kills the whole family.
    refresh(&app, &owner.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
    refresh(&app, &second_token)
        .await
        .problem(401, "invalid_refresh_token");

    // A fresh login starts a new family that works.
    let again = app.session_for(&owner.email).await;
    assert_eq!(refresh(&app, &again.refresh_token).await.status, 200);

    refresh(&app, "mcnr_garbage")
        .await
        .problem(401, "invalid_refresh_token");
    refresh(&app, &again.access_token)
        .await
        .problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn logout_revokes_the_refresh_token() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Logout Co").await;
    let body = json!({ "refresh_token": owner.refresh_token });
    assert_eq!(
        app.send_json(Method::POST, "/v1/auth/logout", &body)
            .await
            .status,
        204
    );
    refresh(&app, &owner.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
    // Twice is harmless.
    assert_eq!(
        app.send_json(Method::POST, "/v1/auth/logout", &body)
            .await
            .status,
        204
    );
}

fn sign(header: &Header, claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn valid_claims(owner: &Session) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": owner.user_id, "agency": owner.agency_id, "role": "owner",
        "iat": now, "exp": now + 600, "iss": "mcn", "aud": "mcn-api",
        "jti": uuid::Uuid::now_v7(), "ver": 1
    })
}

#[actix_web::test]
async fn bad_access_tokens_are_401_problems() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Token Co").await;
    let secret = crate::helpers::db::test_settings().auth.jwt_secret;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("test-1".into());

    // A token we sign ourselves with the right key works: the cases below differ by one thing.
    let good = sign(&header, &valid_claims(&owner), &secret);
    let as_token = |token: String| Session {
        access_token: token,
        ..owner.clone()
    };
    assert_eq!(
        app.call(Method::GET, "/v1/me", Some(&as_token(good.clone())), None)
            .await
            .status,
        200
    );

    let none = app.call(Method::GET, "/v1/me", None, None).await;
    none.problem(401, "missing_token");
    assert!(
        none.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );

    let garbled = app
        .request(Method::GET, "/v1/me")
        .insert_header(("authorization", "Bearer not.a.jwt"))
        .send()
        .await;
    crate::helpers::TestResponse::read(garbled)
        .await
        .problem(401, "invalid_token");
    let basic = app
        .request(Method::GET, "/v1/me")
        .insert_header(("authorization", "Basic Zm9vOmJhcg=="))
        .send()
        .await;
    crate::helpers::TestResponse::read(basic)
        .await
        .problem(401, "invalid_token");

    let unsigned = {
        let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"test-1"}"#);
        let body = URL_SAFE_NO_PAD.encode(valid_claims(&owner).to_string());
        format!("{head}.{body}.")
    };
    let cases = [
        ("alg none", unsigned),
        (
            "wrong signature",
            sign(
                &header,
                &valid_claims(&owner),
                "another-secret-of-sufficient-length-000",
            ),
        ),
        ("unknown kid", {
            let mut other = header.clone();
            other.kid = Some("retired-9".into());
            sign(&other, &valid_claims(&owner), &secret)
        }),
        (
            "no kid",
            sign(
                &Header::new(Algorithm::HS256),
                &valid_claims(&owner),
                &secret,
            ),
        ),
        ("wrong audience", {
            let mut claims = valid_claims(&owner);
            claims["aud"] = json!("someone-else");
            sign(&header, &claims, &secret)
        }),
        ("wrong issuer", {
            let mut claims = valid_claims(&owner);
            claims["iss"] = json!("evil");
            sign(&header, &claims, &secret)
        }),
        ("HS512", {
            let mut other = Header::new(Algorithm::HS512);
            other.kid = Some("test-1".into());
            sign(&other, &valid_claims(&owner), &secret)
        }),
        ("refresh token as access token", owner.refresh_token.clone()),
    ];
    for (case, token) in cases {
        let answer = app
            .call(Method::GET, "/v1/me", Some(&as_token(token)), None)
            .await;
        assert_eq!(answer.status, 401, "{case}: {}", answer.text());
        answer.problem(401, "invalid_token");
    }

    let mut expired = valid_claims(&owner);
    expired["iat"] = json!(chrono::Utc::now().timestamp() - 3600);
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 1800);
    app.call(
        Method::GET,
        "/v1/me",
        Some(&as_token(sign(&header, &expired, &secret))),
        None,
    )
    .await
    .problem(401, "token_expired");
}

#[actix_web::test]
async fn the_previous_signing_key_still_verifies_during_rotation() {
    let app = Spawn::new()
        .await
        .settings(|s| {
            s.auth.jwt_previous_key_id = "test-0".into();
            s.auth.jwt_previous_secret = "previous-test-secret-0123456789abcdef01".into();
        })
        .start()
        .await;
    let owner = app.signup_agency("Rotation Co").await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("test-0".into());
    let old = sign(
        &header,
        &valid_claims(&owner),
        "previous-test-secret-0123456789abcdef01",
    );
    let answer = app
        .call(
            Method::GET,
            "/v1/me",
            Some(&Session {
                access_token: old,
                ..owner.clone()
            }),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
}

#[actix_web::test]
async fn failed_logins_are_throttled_per_account_and_successes_do_not_count() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Throttle Co").await;

    // Successful logins never count.
    for _ in 0..7 {
        assert_eq!(app.login(&owner.email, PASSWORD).await.status, 200);
    }
    for _ in 0..5 {
        app.login(&owner.email, "wrong password!!")
            .await
            .problem(401, "invalid_credentials");
    }
    let throttled = app.login(&owner.email, "wrong password!!").await;
    throttled.problem(429, "too_many_requests");
    let retry: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Even the right password waits now, and so does an unknown email's separate account key…
    app.login(&owner.email, PASSWORD)
        .await
        .problem(429, "too_many_requests");
    // …but other accounts are not affected.
    let other = app.login_as(&owner, "analyst").await;
    assert_eq!(app.login(&other.email, PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn failed_logins_are_throttled_per_client_address() {
    if crate::helpers::db::skip_on_shared_database(
        "the counter of 127.0.0.1 is shared by every test of the run",
    ) {
        return;
    }
    let app = Spawn::new()
        .await
        .settings(|s| s.auth.login_max_failures_per_address = 3)
        .start()
        .await;
    for n in 0..3 {
        app.login(&format!("nobody{n}@example.com"), "wrong password!!")
            .await
            .problem(401, "invalid_credentials");
    }
    let throttled = app
        .login("someone-else@example.com", "wrong password!!")
        .await;
    throttled.problem(429, "too_many_requests");
    let retry: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[actix_web::test]
async fn housekeeping_forgets_long_expired_tokens_and_counters_only() {
    if crate::helpers::db::skip_on_shared_database(
        "the sweep purges every agency's expired rows: its counts need a database of its own",
    ) {
        return;
    }
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Sweep Co").await;
    app.login(&owner.email, "wrong password!!").await;
    let mut conn = app.state.conn().await.unwrap();
    // Nothing is old enough yet.
    assert_eq!(
        mcn::maintenance::purge_expired(&mut conn).await.unwrap(),
        (0, 0, 0)
    );
    diesel::sql_query("UPDATE refresh_tokens SET expires_at = now() - interval '2 days', created_at = now() - interval '32 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("UPDATE login_throttle SET window_started_at = now() - interval '2 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO idempotency_keys (agency_id, user_id, key, fingerprint, started_at) VALUES \
         ('{}', '{}', 'old', '\\x00', now() - interval '3 days'), ('{}', '{}', 'fresh', '\\x00', now())",
        owner.agency_id, owner.user_id, owner.agency_id, owner.user_id
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let (tokens, counters, keys) = mcn::maintenance::purge_expired(&mut conn).await.unwrap();
    assert_eq!(keys, 1, "only the key older than 48 hours");
    assert_eq!(tokens, 1);
    assert_eq!(counters, 2, "the account and the address counter");
}
