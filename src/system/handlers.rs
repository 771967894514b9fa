//! Handlers of the operational routes.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::state::AppState;

/// How long `/readyz` waits for the database before it says no.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when alive, `ready` when ready.
    pub status: &'static str,
}

/// Liveness: the process answers. Never touches the database.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "system",
    responses((status = 200, description = "The process is alive", body = Health))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: the database answers a query within two seconds.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "system",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database is unreachable"),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let check = async {
        let mut conn = state.conn().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok::<_, AppError>(())
    };
    match tokio::time::timeout(READINESS_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(Health { status: "ready" })),
        Ok(Err(AppError::Unavailable { code, cause })) => {
            Err(AppError::Unavailable { code, cause })
        }
        Ok(Err(err)) => Err(AppError::Unavailable {
            code: "database_unavailable",
            cause: err.to_string(),
        }),
        Err(_) => Err(AppError::Unavailable {
            code: "database_unavailable",
            cause: "readiness check timed out".to_owned(),
        }),
    }
}

/// Prometheus metrics: requests and latency by route and status, database pool state.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain"))
)]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let text = state.metrics.render(&state.pool)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "system",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi_json.as_bytes().to_vec())
}

/// The interactive API page.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "system",
    responses((status = 308, description = "Redirects to the interactive API page at /docs/"))
)]
pub async fn docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

static SWAGGER_CONFIG: LazyLock<Arc<utoipa_swagger_ui::Config<'static>>> =
    LazyLock::new(|| Arc::new(utoipa_swagger_ui::Config::new(["/openapi.json"])));

/// The docs page's files, served from the binary.
pub async fn docs_asset(file: web::Path<String>) -> Result<HttpResponse, AppError> {
    let served = utoipa_swagger_ui::serve(&file, SWAGGER_CONFIG.clone())
        .map_err(|err| AppError::Internal(anyhow::anyhow!("serving the docs page: {err}")))?;
    let Some(asset) = served else {
        return Err(AppError::NotFound);
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if asset.gzpipped {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    Ok(response.body(asset.bytes.into_owned()))
}
