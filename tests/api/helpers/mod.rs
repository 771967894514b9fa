//! Test helpers: a real server on a free port over a database of its own, an HTTP client, and
//! readers for JSON and problem+json answers.

pub mod db;
pub mod proxy;
pub mod wire;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::{Method, StatusCode, header::HeaderMap};
use actix_web::web;
use mcn::config::Settings;
use mcn::routing::Routes;
use mcn::startup;
use mcn::state::AppState;
use serde_json::Value;

pub use self::db::TestDatabase;

/// A running server for one test.
pub struct TestApp {
    pub base: String,
    pub state: web::Data<AppState>,
    pub handle: ServerHandle,
    client: awc::Client,
    /// Kept so the database lives as long as the app; dropped after it.
    _database: Option<TestDatabase>,
}

/// How to start a [`TestApp`].
pub struct Spawn {
    pub settings: Settings,
    pub routes: fn() -> Routes,
    pub database: Option<TestDatabase>,
}

impl Spawn {
    /// The test profile over a fresh database of its own.
    pub async fn new() -> Self {
        let database = TestDatabase::create().await;
        let mut settings = db::test_settings();
        settings.database.url = database.url.clone();
        Self {
            settings,
            routes: startup::routes,
            database: Some(database),
        }
    }

    /// The test profile pointed at `url`, creating no database.
    pub fn with_database_url(url: &str) -> Self {
        let mut settings = db::test_settings();
        settings.database.url = url.to_owned();
        Self {
            settings,
            routes: startup::routes,
            database: None,
        }
    }

    pub fn settings(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(&mut self.settings);
        self
    }

    pub fn routes(mut self, routes: fn() -> Routes) -> Self {
        self.routes = routes;
        self
    }

    pub async fn start(self) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().expect("local addr").port();
        let mut settings = self.settings;
        settings.server.workers = 2;
        settings.server.shutdown_timeout_secs = 5;
        let pool = mcn::db::build_pool(&settings.database).expect("pool builds");
        let state = web::Data::new(startup::build_state(settings, pool).expect("state builds"));
        let server =
            startup::run_with_routes(listener, state.clone(), self.routes).expect("server starts");
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            state,
            handle,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            _database: self.database,
        }
    }
}

impl TestApp {
    /// The real service over a fresh database.
    pub async fn spawn() -> Self {
        Spawn::new().await.start().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request builder for `method` on `path`, to add headers and send.
    pub fn request(&self, method: Method, path: &str) -> awc::ClientRequest {
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        TestResponse::read(self.request(Method::GET, path).send().await).await
    }

    /// Sends `body` as JSON (any `serde_json::Value`, or raw text with `send_raw`).
    pub async fn send_json(&self, method: Method, path: &str, body: &Value) -> TestResponse {
        TestResponse::read(self.request(method, path).send_json(body).await).await
    }

    /// Sends `body` as-is with `content_type`.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> TestResponse {
        let request = self
            .request(method, path)
            .insert_header(("content-type", content_type));
        TestResponse::read(request.send_body(body.into()).await).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server (its pool connections close with it) before the database is dropped.
        let stopping = self.handle.stop(false);
        drop(stopping);
    }
}

/// A whole answer, read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub async fn read<S>(sent: Result<awc::ClientResponse<S>, awc::error::SendRequestError>) -> Self
    where
        S: futures_util::Stream<
                Item = Result<actix_web::web::Bytes, actix_http::error::PayloadError>,
            > + Unpin,
    {
        let mut response = sent.expect("request sent");
        let body = response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .expect("body read");
        let mut headers = HeaderMap::new();
        for (name, value) in response.headers() {
            headers.append(name.clone(), value.clone());
        }
        Self {
            status: response.status(),
            headers,
            body: body.to_vec(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text()))
    }

    /// Asserts a problem+json answer of `status` and `code` in the shape of API.md; returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "status; body: {}",
            self.text()
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "content type; body: {}",
            self.text()
        );
        let problem = self.json();
        assert_eq!(problem["code"], code, "code; body: {problem}");
        assert_eq!(problem["status"], status, "status member; body: {problem}");
        for member in ["type", "title", "detail"] {
            assert!(
                problem[member].is_string(),
                "{member} is a string: {problem}"
            );
        }
        assert!(
            problem["errors"].is_array(),
            "errors is an array: {problem}"
        );
        assert!(
            self.header("x-request-id").is_some(),
            "every answer has a request id"
        );
        problem
    }
}

/// A logged-in staff member of a test agency.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub user_id: uuid::Uuid,
    pub agency_id: uuid::Uuid,
    pub email: String,
}

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Sends a request as `session` (no token with `None`), with an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        session: Option<&Session>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut request = self.request(method, path);
        if let Some(session) = session {
            request = request.bearer_auth(&session.access_token);
        }
        let sent = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        TestResponse::read(sent).await
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.send_json(
            Method::POST,
            "/v1/auth/login",
            &serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Signs up a new agency and logs its owner in.
    pub async fn signup_agency(&self, name: &str) -> Session {
        let email = format!(
            "owner-{}@{}.example.com",
            uuid::Uuid::now_v7().simple(),
            name.to_lowercase().replace(' ', "-")
        );
        let answer = self
            .send_json(
                Method::POST,
                "/v1/auth/signup",
                &serde_json::json!({ "agency_name": name, "email": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        self.session_for(&email).await
    }

    /// Logs `email` in with [`PASSWORD`].
    pub async fn session_for(&self, email: &str) -> Session {
        self.session_for_password(email, PASSWORD).await
    }

    pub async fn session_for_password(&self, email: &str, password: &str) -> Session {
        let login = self.login(email, password).await;
        assert_eq!(login.status, 200, "{}", login.text());
        let tokens = login.json();
        let mut session = Session {
            access_token: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
            user_id: uuid::Uuid::nil(),
            agency_id: uuid::Uuid::nil(),
            email: email.to_owned(),
        };
        let me = self.call(Method::GET, "/v1/me", Some(&session), None).await;
        assert_eq!(me.status, 200, "{}", me.text());
        let me = me.json();
        session.user_id = me["user"]["id"].as_str().unwrap().parse().unwrap();
        session.agency_id = me["agency"]["id"].as_str().unwrap().parse().unwrap();
        session
    }

    /// Has `owner` create a user with `role` in its agency, and logs that user in.
    pub async fn login_as(&self, owner: &Session, role: &str) -> Session {
        let email = format!("{role}-{}@example.com", uuid::Uuid::now_v7().simple());
        let created = self
            .call(
                Method::POST,
                "/v1/users",
                Some(owner),
                Some(serde_json::json!({ "email": email, "password": PASSWORD, "display_name": role, "role": role })),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        self.session_for(&email).await
    }
}

/// A free TCP port on loopback, nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
