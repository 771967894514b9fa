//! `Idempotency-Key` on POSTs that create things (sessions, sales).
//!
//! A key is scoped to the caller's agency and user. The first request claims it (committed at
//! once, so a concurrent duplicate sees it and gets 409); the mutation and the stored answer
//! commit together; the same key with the same body then replays that answer, with another
//! body it is 422 `idempotency_key_reused`. A failed request releases its key so the client may
//! retry. A claim abandoned by a crash is taken over after [`ABANDONED_AFTER_SECS`].
//!
//! [`run`] is the one path of such a create: it claims the key before any other work, so a
//! replay answers what the first call answered without checking or judging the request again.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::caller::Caller;
use crate::error::AppError;
use crate::json::Json;
use crate::schema::idempotency_keys;

/// Seconds after which an unfinished claim is considered abandoned.
pub const ABANDONED_AFTER_SECS: i64 = 60;

/// The longest `Idempotency-Key` accepted.
pub const KEY_MAX_LENGTH: usize = 255;

/// The `Idempotency-Key` header, if sent (1 to 255 visible ASCII characters).
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let header = req.headers().get("idempotency-key");
        std::future::ready(match header {
            None => Ok(Self(None)),
            Some(value) => match value.to_str() {
                Ok(text)
                    if (1..=KEY_MAX_LENGTH).contains(&text.len())
                        && text.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(Self(Some(text.to_owned())))
                }
                _ => Err(AppError::BadRequest {
                    code: "invalid_idempotency_key",
                    detail: "Idempotency-Key must be 1 to 255 visible ASCII characters.".to_owned(),
                    errors: Vec::new(),
                }),
            },
        })
    }
}

/// What a create that honours `Idempotency-Key` reads of its request: the key, the JSON body as
/// sent (the handler decodes it) and the request's fingerprint, for [`run`]. The key is read
/// first: a malformed key is refused before the body is read.
#[derive(Debug)]
pub struct IdempotentCreate {
    pub key: IdempotencyKey,
    pub body: serde_json::Value,
    pub fingerprint: Vec<u8>,
}

impl FromRequest for IdempotentCreate {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let key = IdempotencyKey::from_request(req, payload).into_inner();
        let body = Json::<serde_json::Value>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let key = key?;
            let body = body.await?.into_inner();
            let fingerprint = fingerprint(&req, &body);
            Ok(Self {
                key,
                body,
                fingerprint,
            })
        })
    }
}

/// A stored answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
}

impl Answer {
    pub fn new(
        status: StatusCode,
        body: &impl Serialize,
        location: Option<String>,
    ) -> Result<Self, AppError> {
        Ok(Self {
            status,
            body: serde_json::to_string(body).map_err(|e| AppError::Internal(e.into()))?,
            location,
        })
    }

    pub fn into_response(self, replayed: bool) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type("application/json");
        if let Some(location) = self.location {
            response.insert_header(("Location", location));
        }
        if replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        response.body(self.body)
    }
}

/// A claimed key, to be completed inside the mutation's transaction or released on failure.
#[derive(Debug, Clone)]
pub struct Claim {
    key: Option<String>,
}

/// What claiming found.
enum Claimed {
    /// Go ahead; complete or release the claim afterwards.
    Fresh(Claim),
    /// The same request was answered before: send this.
    Replay(Answer),
}

/// The fingerprint of a request: method, path and the body as canonical JSON (keys sorted),
/// so whitespace or key order do not make it another request.
fn fingerprint(req: &HttpRequest, body: &serde_json::Value) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.path());
    hasher.update(b"\n");
    hasher.update(body.to_string());
    hasher.finalize().to_vec()
}

#[derive(Debug, Queryable)]
struct Stored {
    fingerprint: Vec<u8>,
    status_code: Option<i16>,
    response_body: Option<String>,
    location: Option<String>,
    started_at: chrono::DateTime<Utc>,
}

/// Runs an idempotent create: claims `key` first, then either answers the stored response
/// (a replay) or runs `body`, which checks the request and writes it in a transaction that
/// calls [`Claim::complete`]. A failing `body` releases the claim, so a corrected retry may
/// use the same key. Without a key, `body` simply runs.
pub async fn run(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    key: &IdempotencyKey,
    fingerprint: Vec<u8>,
    body: impl AsyncFnOnce(&mut AsyncPgConnection, &Claim) -> Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    let claim = match claim(conn, caller, key, fingerprint).await? {
        Claimed::Replay(answer) => return Ok(answer.into_response(true)),
        Claimed::Fresh(claim) => claim,
    };
    let outcome = body(conn, &claim).await;
    if outcome.is_err() {
        claim.release(conn, caller).await;
    }
    outcome
}

/// Claims `key` (no key: nothing to claim) for this caller and request fingerprint.
async fn claim(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    key: &IdempotencyKey,
    fingerprint: Vec<u8>,
) -> Result<Claimed, AppError> {
    let Some(key) = key.0.clone() else {
        return Ok(Claimed::Fresh(Claim { key: None }));
    };
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::agency_id.eq(caller.agency_id),
            idempotency_keys::user_id.eq(caller.user_id),
            idempotency_keys::key.eq(&key),
            idempotency_keys::fingerprint.eq(&fingerprint),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(Claimed::Fresh(Claim { key: Some(key) }));
    }
    let stored: Stored = idempotency_keys::table
        .find((caller.agency_id, caller.user_id, &key))
        .select((
            idempotency_keys::fingerprint,
            idempotency_keys::status_code,
            idempotency_keys::response_body,
            idempotency_keys::location,
            idempotency_keys::started_at,
        ))
        .first(conn)
        .await?;
    if stored.fingerprint != fingerprint {
        return Err(AppError::Unprocessable {
            code: "idempotency_key_reused",
            detail: "This Idempotency-Key was used for another request.".to_owned(),
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        });
    }
    if let (Some(status), Some(body)) = (stored.status_code, stored.response_body) {
        let status =
            StatusCode::from_u16(u16::try_from(status).unwrap_or(200)).unwrap_or(StatusCode::OK);
        return Ok(Claimed::Replay(Answer {
            status,
            body,
            location: stored.location,
        }));
    }
    if Utc::now() - stored.started_at < Duration::seconds(ABANDONED_AFTER_SECS) {
        return Err(AppError::Conflict {
            code: "idempotency_request_in_flight",
            detail: "A request with this Idempotency-Key is still being processed; retry shortly."
                .to_owned(),
        });
    }
    // Abandoned: take it over, unless another request just did.
    let taken = diesel::update(
        idempotency_keys::table
            .find((caller.agency_id, caller.user_id, &key))
            .filter(idempotency_keys::started_at.eq(stored.started_at))
            .filter(idempotency_keys::completed_at.is_null()),
    )
    .set(idempotency_keys::started_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    if taken == 1 {
        Ok(Claimed::Fresh(Claim { key: Some(key) }))
    } else {
        Err(AppError::Conflict {
            code: "idempotency_request_in_flight",
            detail: "A request with this Idempotency-Key is still being processed; retry shortly."
                .to_owned(),
        })
    }
}

impl Claim {
    /// Stores the answer; call inside the mutation's transaction.
    pub async fn complete(
        &self,
        conn: &mut AsyncPgConnection,
        caller: &Caller,
        answer: &Answer,
    ) -> QueryResult<()> {
        let Some(key) = &self.key else {
            return Ok(());
        };
        // Kept prepared: diesel prepares every UPDATE anew otherwise.
        crate::db::KeepPrepared(
            diesel::update(idempotency_keys::table.find((caller.agency_id, caller.user_id, key)))
                .set((
                    idempotency_keys::status_code
                        .eq(Some(i16::try_from(answer.status.as_u16()).unwrap_or(200))),
                    idempotency_keys::response_body.eq(Some(&answer.body)),
                    idempotency_keys::location.eq(answer.location.as_ref()),
                    idempotency_keys::completed_at.eq(Some(Utc::now())),
                )),
        )
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Frees the key after a failed request, so the client may retry with it.
    pub async fn release(&self, conn: &mut AsyncPgConnection, caller: &Caller) {
        if let Some(key) = &self.key {
            let released = diesel::delete(
                idempotency_keys::table
                    .find((caller.agency_id, caller.user_id, key))
                    .filter(idempotency_keys::completed_at.is_null()),
            )
            .execute(conn)
            .await;
            if let Err(error) = released {
                tracing::warn!(%error, "could not release an idempotency key");
            }
        }
    }
}
