//! Putting the service together: the shared state (see [`crate::state`]), the route table, the middleware stack, the HTTP
//! server, and the database preparation that precedes it.

use std::net::TcpListener;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::error::{self, AppError};
use crate::routing::Routes;
use crate::state::AppState;
use crate::telemetry;
use crate::{
    agencies, audit, auth, compliance, dashboard, feeds, influencers, openapi, products, registers,
    reports, sales, sessions, staff, statements, system, webhooks,
};

/// The OpenAPI document of [`routes`] as pretty JSON, as served at `/openapi.json` and kept in
/// `tests/openapi.json`.
pub fn document_json() -> anyhow::Result<String> {
    Ok(openapi::document(&routes()).to_pretty_json()?)
}

/// The shared state, with the OpenAPI document rendered once and handed to it.
pub fn build_state(settings: Settings, pool: DbPool) -> anyhow::Result<AppState> {
    AppState::new(settings, pool, document_json()?)
}

/// Every API route of every area. The OpenAPI test compares this table with the document.
pub fn routes() -> Routes {
    let mut routes = Routes::new();
    system::routes(&mut routes);
    agencies::routes(&mut routes);
    auth::routes(&mut routes);
    staff::routes(&mut routes);
    audit::routes(&mut routes);
    influencers::routes(&mut routes);
    compliance::routes(&mut routes);
    products::routes(&mut routes);
    sessions::routes(&mut routes);
    feeds::routes(&mut routes);
    sales::routes(&mut routes);
    reports::routes(&mut routes);
    registers::routes(&mut routes);
    statements::routes(&mut routes);
    dashboard::routes(&mut routes);
    webhooks::routes(&mut routes);
    routes
}

/// Mounts a route table and the docs page's files.
fn configure(cfg: &mut web::ServiceConfig, routes: Routes) {
    routes.mount(cfg);
    cfg.route(
        system::DOCS_ASSETS,
        web::get().to(system::handlers::docs_asset),
    );
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            telemetry::REQUEST_ID_HEADER,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            telemetry::REQUEST_ID_HEADER,
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin.trim_end_matches('/'));
    }
    cors
}

/// The application: state, extractor limits, a route table (normally [`routes`]) and the
/// middleware stack. Tests and the server build it the same way.
pub fn app(
    state: web::Data<AppState>,
    routes: Routes,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let server = &state.settings.server;
    let (json, path, query, payload) =
        error::extractor_configs(server.json_body_limit, server.raw_body_limit);
    let origins = &server.cors_allowed_origins;
    let cors_enabled = !origins.is_empty();
    let cors = cors(origins);
    App::new()
        .app_data(state.clone())
        .app_data(json)
        .app_data(path)
        .app_data(query)
        .app_data(payload)
        .configure(|cfg| configure(cfg, routes))
        .default_service(web::to(error::route_not_found))
        // Outermost last: request id and span around everything, then metrics and logs, then
        // the problem+json guarantee, then CORS next to the routes.
        .wrap(Condition::new(cors_enabled, cors))
        .wrap(from_fn(error::refuse_nul))
        .wrap(from_fn(error::problem_json))
        .wrap(from_fn(telemetry::observe_request))
}

/// Starts serving on `listener`; the server stops gracefully on SIGTERM (in-flight requests get
/// `shutdown_timeout_secs` to finish).
pub fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    run_with_routes(listener, state, routes)
}

/// [`run`] with another route table (the tests add probe routes to the real one).
pub fn run_with_routes(
    listener: TcpListener,
    state: web::Data<AppState>,
    routes: fn() -> Routes,
) -> anyhow::Result<Server> {
    let server_settings = state.settings.server.clone();
    let mut server = HttpServer::new(move || app(state.clone(), routes()))
        .shutdown_timeout(server_settings.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(30))
        .listen(listener)
        .context("listening")?;
    if server_settings.workers > 0 {
        server = server.workers(server_settings.workers);
    }
    Ok(server.run())
}

/// Creates the database when allowed and missing, then applies pending migrations.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<()> {
    if settings.database.create_if_missing {
        db::ensure_database_exists(&settings.database).await?;
    }
    let applied = db::run_migrations(&settings.database).await?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied migrations");
    }
    Ok(())
}

/// `mcn distribute`: prepare the database, then place its tables on the Citus cluster (nothing
/// to do on plain PostgreSQL).
pub async fn distribute(
    settings: &Settings,
    shards: Option<u32>,
) -> anyhow::Result<crate::distribute::Report> {
    prepare_database(settings).await?;
    let mut conn = db::connect(&settings.database, &settings.database.url).await?;
    crate::distribute::distribute(&mut conn, shards).await
}

/// `mcn serve`: prepare the database, then listen until SIGTERM.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    prepare_database(&settings).await?;
    let pool = db::build_pool(&settings.database)?;
    let addr = settings.server.addr.clone();
    let listener = TcpListener::bind(&addr).with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(
        addr = %local,
        profile = settings.profile.name(),
        database = %db::redact_url(&settings.database.url),
        "listening"
    );
    crate::maintenance::spawn_sweeper(
        pool.clone(),
        Duration::from_secs(settings.maintenance.sweep_interval_secs),
    );
    crate::reports::fold::spawn_folder(
        pool.clone(),
        Duration::from_millis(settings.reports.fold_interval_ms),
    );
    let state = web::Data::new(build_state(settings, pool)?);
    let webhook_worker = webhooks::Worker::spawn(state.clone())?;
    run(listener, state)?.await.context("serving")?;
    webhook_worker.stop().await;
    tracing::info!("stopped");
    Ok(())
}

/// `mcn create-agency`: prepare the database, then create an agency and its owner.
pub async fn create_agency(
    settings: &Settings,
    input: crate::agencies::signup::NewAgency,
) -> anyhow::Result<(crate::agencies::model::Agency, crate::staff::model::User)> {
    prepare_database(settings).await?;
    let passwords = crate::auth::password::Passwords::new(&settings.auth)?;
    let mut conn = db::connect(&settings.database, &settings.database.url).await?;
    crate::agencies::signup::create_agency_with_owner(&mut conn, &passwords, input, None)
        .await
        .map_err(|err| match err {
            AppError::Unprocessable { errors, .. } => anyhow::anyhow!(
                "invalid: {}",
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => anyhow::anyhow!("{other}"),
        })
}
