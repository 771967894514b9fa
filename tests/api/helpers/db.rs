//! Test databases: a template migrated once per migration set (shared by every test process of
//! a run and by later runs), and one database per test cloned from it.
//!
//! With `MCN_TEST_SHARED_DATABASE` set to a database URL (`scripts/test-citus`: a Citus
//! coordinator's database, migrated and distributed once for the run), every test uses that one
//! database instead, isolated from the others by the agencies it signs up: a Citus cluster's
//! node metadata and worker databases are per database, so a cloned template would be a plain
//! PostgreSQL database.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mcn::config::{DatabaseSettings, Profile, Settings};
use mcn::db::{connect, quote_ident, quote_literal};
use tokio::sync::OnceCell;

/// The server the tests use: `DATABASE_URL` (its database name is replaced) or the default.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/mcn".to_owned())
}

/// `server_url()` with another database name.
pub fn url_for(database: &str) -> String {
    let url = server_url();
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base.to_owned(), Some(query.to_owned())),
        None => (url.clone(), None),
    };
    let slash = base.rfind('/').expect("database url has a path");
    let mut out = format!("{}/{database}", &base[..slash]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(&query);
    }
    out
}

pub fn test_settings() -> Settings {
    Settings::load_profile(Profile::Test, false).expect("test profile loads")
}

fn db_settings(url: String) -> DatabaseSettings {
    DatabaseSettings {
        url,
        ..test_settings().database
    }
}

async fn maintenance() -> AsyncPgConnection {
    let url = url_for("postgres");
    connect(&db_settings(url.clone()), &url)
        .await
        .expect("PostgreSQL is reachable (see README: tests need a running PostgreSQL)")
}

/// A name that changes whenever a migration file changes.
fn migrations_fingerprint() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.strip_prefix(&dir).unwrap_or(&file).hash(&mut hasher);
        std::fs::read(&file)
            .expect("read migration")
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("read migrations dir")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn execute(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = {}) AS found",
        quote_literal(name)
    );
    diesel::sql_query(sql)
        .get_result::<Found>(conn)
        .await
        .expect("look up database")
        .found
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// The migrated template's name, creating it on first use.
async fn template() -> String {
    TEMPLATE
        .get_or_init(|| ensure_template(format!("mcn_test_tpl_{}", migrations_fingerprint())))
        .await
        .clone()
}

/// Builds the template `name` unless it exists. Test processes run in parallel (and checkouts
/// with other migration sets may drop it as stale), so creation is serialised by an advisory
/// lock and published by an atomic rename.
async fn ensure_template(name: String) -> String {
    let mut conn = maintenance().await;
    execute(&mut conn, "SELECT pg_advisory_lock(8152026)").await;
    if !database_exists(&mut conn, &name).await {
        let building = format!("{name}_building");
        execute(
            &mut conn,
            &format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&building)
            ),
        )
        .await;
        execute(
            &mut conn,
            &format!("CREATE DATABASE {}", quote_ident(&building)),
        )
        .await;
        mcn::db::run_migrations(&db_settings(url_for(&building)))
            .await
            .expect("migrations apply to a fresh database");
        execute(
            &mut conn,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {}",
                quote_literal(&building)
            ),
        )
        .await;
        execute(
            &mut conn,
            &format!(
                "ALTER DATABASE {} RENAME TO {}",
                quote_ident(&building),
                quote_ident(&name)
            ),
        )
        .await;
        drop_stale_templates(&mut conn, &name).await;
    }
    execute(&mut conn, "SELECT pg_advisory_unlock(8152026)").await;
    name
}

/// Templates of older migration sets are of no further use.
async fn drop_stale_templates(conn: &mut AsyncPgConnection, keep: &str) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let stale: Vec<Name> = diesel::sql_query(format!(
        "SELECT datname FROM pg_database WHERE datname LIKE 'mcn\\_test\\_tpl\\_%' AND datname <> {}",
        quote_literal(keep)
    ))
    .load(conn)
    .await
    .expect("list templates");
    for Name { datname } in stale {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {}", quote_ident(&datname)))
            .execute(conn)
            .await;
    }
}

/// The run's one database when tests share it (see the module's text).
pub fn shared_database_url() -> Option<String> {
    std::env::var("MCN_TEST_SHARED_DATABASE")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// True, after printing why, when the tests share one (Citus) database: for the few tests that
/// read single-node PostgreSQL internals (plans, lock waits) or need a database to themselves.
pub fn skip_on_shared_database(reason: &str) -> bool {
    if shared_database_url().is_none() {
        return false;
    }
    eprintln!("skipped on the shared (Citus) database: {reason}");
    true
}

/// A database of one test's own, dropped when the value is (or the run's shared database, which
/// is never dropped).
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    shared: bool,
}

impl TestDatabase {
    /// A fresh, migrated database cloned from the template (or the run's shared database).
    pub async fn create() -> Self {
        if let Some(url) = shared_database_url() {
            let config: tokio_postgres::Config = url
                .parse()
                .expect("MCN_TEST_SHARED_DATABASE is a database URL");
            return Self {
                name: config
                    .get_dbname()
                    .expect("MCN_TEST_SHARED_DATABASE names a database")
                    .to_owned(),
                url,
                shared: true,
            };
        }
        let template = template().await;
        let name = format!("mcn_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = maintenance().await;
        let create = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_ident(&name),
            quote_ident(&template)
        );
        if diesel::sql_query(&create).execute(&mut conn).await.is_err() {
            // Another checkout's run dropped the template as stale: build it again, once.
            ensure_template(template).await;
            execute(&mut conn, &create).await;
        }
        Self {
            url: url_for(&name),
            name,
            shared: false,
        }
    }

    /// A name for a database that does not exist yet (for tests of `serve`/`migrate` creating
    /// it); dropped at the end like any other.
    pub fn unborn() -> Self {
        let name = format!("mcn_test_{}", uuid::Uuid::now_v7().simple());
        Self {
            url: url_for(&name),
            name,
            shared: false,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.shared {
            return;
        }
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread of its own
        // with a small runtime does the work.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let mut conn = maintenance().await;
                let _ = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    quote_ident(&name)
                ))
                .execute(&mut conn)
                .await;
            });
        })
        .join();
    }
}
