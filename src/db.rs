//! The PostgreSQL side: connections with timeouts, the pool, creating the database, and the
//! migrations embedded in the binary. Transactions are diesel-async's own
//! `conn.transaction(async |conn| { ... })`, which commits on `Ok` and rolls back on `Err`.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use diesel::ConnectionError;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

use crate::config::DatabaseSettings;

/// The migrations of `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// How one connection is opened: bounded in time, with the session limits the service relies on.
#[derive(Debug, Clone)]
struct ConnectOptions {
    connect_timeout: Duration,
    statement_timeout_ms: u64,
}

async fn connect_with(
    url: String,
    options: ConnectOptions,
) -> Result<AsyncPgConnection, ConnectionError> {
    let mut config = tokio_postgres::Config::from_str(&url)
        .map_err(|err| ConnectionError::BadConnection(format!("invalid database url: {err}")))?;
    config
        .connect_timeout(options.connect_timeout)
        .application_name("mcn")
        .options(format!(
            "-c statement_timeout={} -c idle_in_transaction_session_timeout={} -c TimeZone=UTC",
            options.statement_timeout_ms,
            options.statement_timeout_ms.saturating_mul(3),
        ));
    // The connect timeout covers each address; this bounds the whole handshake too.
    let connecting = config.connect(tokio_postgres::NoTls);
    let (client, connection) = tokio::time::timeout(options.connect_timeout, connecting)
        .await
        .map_err(|_| ConnectionError::BadConnection("timed out connecting to the database".into()))?
        .map_err(|err| ConnectionError::BadConnection(err.to_string()))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// Opens one connection outside the pool (migrations, maintenance).
pub async fn connect(settings: &DatabaseSettings, url: &str) -> anyhow::Result<AsyncPgConnection> {
    connect_with(url.to_owned(), connect_options(settings))
        .await
        .with_context(|| format!("connecting to {}", redact_url(url)))
}

fn connect_options(settings: &DatabaseSettings) -> ConnectOptions {
    ConnectOptions {
        connect_timeout: settings.connect_timeout(),
        statement_timeout_ms: settings.statement_timeout_ms,
    }
}

/// Builds the pool. It connects lazily, so it builds even while the database is down; every
/// checkout is bounded by the wait, create and recycle timeouts, so an outage answers fast.
pub fn build_pool(settings: &DatabaseSettings) -> anyhow::Result<DbPool> {
    let options = connect_options(settings);
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    // A connection whose socket closed is dropped by the manager (`is_broken`), so the cheap
    // recycle check is enough and saves a round trip on every checkout.
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |url: &str| -> BoxFuture<'_, _> {
        connect_with(url.to_owned(), options.clone()).boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(&settings.url, manager_config);
    Pool::builder(manager)
        .max_size(settings.pool_max_size)
        .wait_timeout(Some(Duration::from_secs(settings.pool_wait_timeout_secs)))
        .create_timeout(Some(settings.connect_timeout()))
        .recycle_timeout(Some(Duration::from_secs(
            settings.pool_recycle_timeout_secs,
        )))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// The database name and the URL of the server's `postgres` maintenance database.
fn split_database_url(url: &str) -> anyhow::Result<(String, String)> {
    let config = tokio_postgres::Config::from_str(url).context("parsing the database url")?;
    let name = config
        .get_dbname()
        .context("the database url names no database")?
        .to_owned();
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let slash = base
        .rfind('/')
        .filter(|&i| i > "postgres://".len())
        .context("the database url must be of the form postgres://user@host:port/name")?;
    let mut maintenance = format!("{}/postgres", &base[..slash]);
    if let Some(query) = query {
        maintenance.push('?');
        maintenance.push_str(query);
    }
    Ok((name, maintenance))
}

/// Creates the database named in `settings.url` when it does not exist yet.
pub async fn ensure_database_exists(settings: &DatabaseSettings) -> anyhow::Result<()> {
    let (name, maintenance_url) = split_database_url(&settings.url)?;
    // Connecting to the database itself succeeds when it exists, which needs no rights on
    // the maintenance database.
    if connect(settings, &settings.url).await.is_ok() {
        return Ok(());
    }
    let mut conn = connect(settings, &maintenance_url).await?;
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = {})",
        quote_literal(&name)
    )))
    .get_result(&mut conn)
    .await
    .context("looking up the database")?;
    if !exists {
        let created = diesel::sql_query(format!("CREATE DATABASE {}", quote_ident(&name)))
            .execute(&mut conn)
            .await;
        match created {
            Ok(_) => tracing::info!(database = %name, "created the database"),
            // Another instance created it at the same moment.
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("already exists") => {}
            Err(err) => return Err(err).context(format!("creating database {name}")),
        }
    }
    Ok(())
}

/// Runs every pending migration; answers the versions it applied.
///
/// Instances starting together over one database take turns (a session-level advisory lock,
/// released with the connection), so that one applies the migrations and the others find none.
pub async fn run_migrations(settings: &DatabaseSettings) -> anyhow::Result<Vec<String>> {
    let mut conn = connect(settings, &settings.url).await?;
    // Waiting for another instance's migrations, or building an index over a big table, is not
    // a request: no statement timeout on this connection.
    diesel::sql_query("SET statement_timeout = 0")
        .execute(&mut conn)
        .await
        .context("lifting the statement timeout for migrations")?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .execute(&mut conn)
        .await
        .context("waiting for the migration lock")?;
    let mut harness: AsyncConnectionWrapper<AsyncPgConnection> = AsyncConnectionWrapper::from(conn);
    tokio::task::spawn_blocking(move || {
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|err| anyhow::anyhow!("running migrations: {err}"))
    })
    .await
    .context("the migration task failed")?
}

/// The advisory lock key migrations run under.
const MIGRATION_LOCK: i64 = 0x6d63_6e5f_6d69_6772;

/// `'name'` as an SQL string literal.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `"name"` as an SQL identifier.
pub fn quote_ident(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// The URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_url_keeps_host_and_query() {
        let (name, url) =
            split_database_url("postgres://postgres@127.0.0.1:5432/mcn?sslmode=disable").unwrap();
        assert_eq!(name, "mcn");
        assert_eq!(
            url,
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
        );
    }

    #[test]
    fn url_without_database_is_refused() {
        assert!(split_database_url("postgres://postgres@127.0.0.1:5432").is_err());
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/mcn"),
            "postgres://app:***@db:5432/mcn"
        );
        assert_eq!(redact_url("postgres://app@db/mcn"), "postgres://app@db/mcn");
    }

    #[test]
    fn quoting_doubles_delimiters() {
        assert_eq!(quote_ident(r#"a"b"#), r#""a""b""#);
        assert_eq!(quote_literal("o'neil"), "'o''neil'");
    }
}

/// A statement kept prepared on its connection, like diesel keeps its plain `SELECT`s, for the
/// statements diesel would prepare anew each time: raw SQL (`sql_query`), SQL fragments, every
/// `UPDATE`, and inserts with a column left to its default. Unprepared, each costs a second
/// round trip to PostgreSQL (parse and describe, then bind and run) and a fresh plan.
///
/// Safe because the cache entry is keyed by the statement's SQL text (and bind types), never
/// by its Rust type: two statements that differ in their text are two entries. Only for
/// statements whose text comes from a bounded set (constants, a few shapes), so that the cache
/// stays small.
#[derive(Debug, Clone, Copy)]
pub struct KeepPrepared<Q>(pub Q);

impl<Q> diesel::query_builder::QueryId for KeepPrepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for KeepPrepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> diesel::query_builder::QueryFragment<diesel::pg::Pg> for KeepPrepared<Q>
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _: &diesel::pg::Pg) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}
