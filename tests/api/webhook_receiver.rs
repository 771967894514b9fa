//! A real HTTP receiver for the webhook tests, the Standard Webhooks signature check, and
//! helpers to subscribe and to run the service beside delivery workers.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::http::Method;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{Session, Spawn, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

type Plan = Arc<dyn Fn(&Received, usize) -> u16 + Send + Sync>;

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    plan: Arc<Mutex<Plan>>,
}

/// A real HTTP server on 127.0.0.1 that records every request and answers as its plan says.
pub struct Receiver {
    pub url: String,
    shared: Shared,
    handle: ServerHandle,
}

impl Receiver {
    /// Answers 204 to everything until told otherwise.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Shared {
            received: Arc::default(),
            plan: Arc::new(Mutex::new(Arc::new(|_: &Received, _: usize| 204))),
        };
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hooks"),
            shared,
            handle,
        }
    }

    /// Answers `status(request, number of requests before it with the same webhook-id)`.
    pub fn answer(&self, status: impl Fn(&Received, usize) -> u16 + Send + Sync + 'static) {
        *self.shared.plan.lock().unwrap() = Arc::new(status);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until `count` requests came (at most `within`), and answers them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let received = Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    let earlier = {
        let mut all = shared.received.lock().unwrap();
        let earlier = all.iter().filter(|r| r.id == received.id).count();
        all.push(received.clone());
        earlier
    };
    let plan = shared.plan.lock().unwrap().clone();
    let status = plan(&received, earlier);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

/// Checks the Standard Webhooks signature of `request` with `secret` (`whsec_…`).
pub fn signed_by(request: &Received, secret: &str) -> bool {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", request.id, request.timestamp, request.body).as_bytes());
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    request.signature == expected
}

/// Subscribes `url` to `events` as `session`; answers the created subscription (with its secret).
pub async fn subscribe(app: &TestApp, session: &Session, url: &str, events: &[&str]) -> Value {
    let created = app
        .call(
            Method::POST,
            "/v1/webhooks",
            Some(session),
            Some(json!({ "url": url, "events": events })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

/// The test service with room in its pool for the workers the test runs beside it.
pub async fn hook_app(change: impl FnOnce(&mut mcn::config::Settings)) -> TestApp {
    Spawn::new()
        .await
        .settings(|s| {
            s.database.pool_max_size = 16;
            change(s);
        })
        .start()
        .await
}
