//! The `mcn` binary itself: `serve` creates and migrates its database, `migrate` does only that,
//! production refuses development secrets, and SIGTERM stops the server cleanly.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{TestDatabase, closed_port};

fn mcn() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcn"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .env_remove("MCN_ADDR")
        .env_remove("DATABASE_URL")
        .env("MCN_ENV", "test")
        .stdin(Stdio::null());
    command
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

async fn wait_until_healthy(base: &str) {
    let client = awc::Client::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await
            && response.status() == 200
        {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn serve_creates_and_migrates_a_missing_database_then_stops_cleanly_on_sigterm() {
    let database = TestDatabase::unborn();
    let port = closed_port();
    let child = mcn()
        .arg("serve")
        .env("DATABASE_URL", &database.url)
        .env("MCN_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let base = format!("http://127.0.0.1:{port}");
    wait_until_healthy(&base).await;

    let ready = awc::Client::default()
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200, "migrated database is ready");

    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status =
        wait_for_exit(&mut server.0, Duration::from_secs(10)).expect("exits after SIGTERM");
    assert!(status.success(), "clean exit: {status:?}");
}

#[actix_web::test]
async fn migrate_creates_the_database_and_applies_every_migration() {
    let database = TestDatabase::unborn();
    let output = mcn()
        .arg("migrate")
        .env("DATABASE_URL", &database.url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Running it again is a no-op that still succeeds.
    let again = mcn()
        .arg("migrate")
        .env("DATABASE_URL", &database.url)
        .output()
        .unwrap();
    assert!(again.status.success());

    use diesel_async::RunQueryDsl;
    let settings = crate::helpers::db::test_settings();
    let mut conn = mcn::db::connect(&settings.database, &database.url)
        .await
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let applied: Count = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result(&mut conn)
        .await
        .unwrap();
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().is_dir())
        .count();
    assert_eq!(applied.n, i64::try_from(shipped).unwrap());
}

#[test]
fn production_refuses_to_start_without_real_secrets_and_says_which() {
    let output = mcn()
        .env("MCN_ENV", "production")
        .env("MCN_ADDR", format!("127.0.0.1:{}", closed_port()))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for key in [
        "auth.jwt_secret is missing",
        "MCN__AUTH__JWT_SECRET",
        "crypto.pii_key is missing",
    ] {
        assert!(stderr.contains(key), "{key} in {stderr}");
    }

    let development_secret = mcn()
        .env("MCN_ENV", "production")
        .env("MCN__AUTH__JWT_KEY_ID", "k1")
        .env(
            "MCN__AUTH__JWT_SECRET",
            "development-only-jwt-secret-0123456789abcdef",
        )
        .output()
        .unwrap();
    assert_eq!(development_secret.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&development_secret.stderr);
    assert!(
        stderr.contains("auth.jwt_secret is a development default"),
        "{stderr}"
    );
}

#[test]
fn environment_overrides_reach_the_settings() {
    // A bad override is reported, which proves MCN__SECTION__KEY is read.
    let output = mcn()
        .arg("migrate")
        .env("MCN__DATABASE__POOL_MAX_SIZE", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("database.pool_max_size must be at least 1"),
        "{stderr}"
    );
}

#[actix_web::test]
async fn create_agency_bootstraps_an_owner_who_can_log_in() {
    let database = TestDatabase::create().await;
    let mut child = mcn()
        .args([
            "create-agency",
            "--name",
            "Bootstrap Media",
            "--email",
            "founder@bootstrap.example.com",
        ])
        .env("DATABASE_URL", &database.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{}", crate::helpers::PASSWORD).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(printed["agency_id"].is_string(), "{printed}");

    let app = crate::helpers::Spawn::with_database_url(&database.url)
        .start()
        .await;
    let owner = app.session_for("founder@bootstrap.example.com").await;
    assert_eq!(
        owner.agency_id.to_string(),
        printed["agency_id"].as_str().unwrap()
    );

    // A second run with the same email is refused, with a clear message.
    let again = mcn()
        .args([
            "create-agency",
            "--name",
            "Copy",
            "--email",
            "founder@bootstrap.example.com",
        ])
        .env("DATABASE_URL", &database.url)
        .env("MCN_OWNER_PASSWORD", crate::helpers::PASSWORD)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}
