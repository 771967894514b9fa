//! `mcn distribute`: nothing to do on plain PostgreSQL; on Citus (`scripts/test-citus`, which
//! distributes the run's database before the suite) every table placed as docs/scale-out.md
//! says, and a second run changes nothing.

use std::process::{Command, Stdio};

use diesel::QueryableByName;
use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;
use mcn::distribute::{LOCAL_TABLES, REFERENCE_TABLES};

use crate::helpers::TestDatabase;
use crate::helpers::db::{shared_database_url, skip_on_shared_database, test_settings};

/// `mcn distribute` against `url`, which must succeed: its standard output.
fn distribute(url: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mcn"))
        .arg("distribute")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .env_remove("MCN_ADDR")
        .env("MCN_ENV", "test")
        .env("DATABASE_URL", url)
        .stdin(Stdio::null())
        .output()
        .expect("mcn runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "mcn distribute failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn connect(url: &str) -> diesel_async::AsyncPgConnection {
    mcn::db::connect(&test_settings().database, url)
        .await
        .expect("database reachable")
}

#[actix_web::test]
async fn on_plain_postgresql_there_is_nothing_to_distribute() {
    if skip_on_shared_database("this is the plain PostgreSQL case") {
        return;
    }
    let database = TestDatabase::create().await;
    let stdout = distribute(&database.url);
    assert!(
        stdout.contains("plain PostgreSQL") && stdout.contains("nothing to distribute"),
        "{stdout}"
    );
    // The migrations' placement helpers do nothing there either.
    let mut conn = connect(&database.url).await;
    diesel::sql_query("SELECT place_tenant_table('sales'), place_global_table('agencies')")
        .execute(&mut conn)
        .await
        .expect("the helpers run on plain PostgreSQL");
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let citus: Found = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS found",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(!citus.found);
}

#[actix_web::test]
async fn on_citus_every_table_is_placed_and_a_second_run_changes_nothing() {
    let Some(url) = shared_database_url() else {
        eprintln!("skipped without a Citus database (scripts/test-citus runs it)");
        return;
    };
    let stdout = distribute(&url);
    assert!(
        stdout.contains("reference tables made: none")
            && stdout.contains("tables distributed by agency_id: none"),
        "a second run places nothing: {stdout}"
    );

    let mut conn = connect(&url).await;
    let tables = mcn::distribute::tables(&mut conn).await.unwrap();
    let placed = mcn::distribute::placements(&mut conn).await.unwrap();

    let mut groups = std::collections::BTreeSet::new();
    let mut distributed = 0;
    for table in &tables {
        let name = table.name.as_str();
        let placement = placed.get(name);
        if REFERENCE_TABLES.contains(&name) {
            assert_eq!(
                placement.map(|p| p.kind.as_str()),
                Some("reference"),
                "{name}"
            );
        } else if LOCAL_TABLES.contains(&name) {
            assert!(
                placement.is_none(),
                "{name} stays a plain coordinator table"
            );
        } else {
            assert!(table.tenant, "{name} is a tenant table");
            let placement = placement.unwrap_or_else(|| panic!("{name} is not placed"));
            assert_eq!(placement.kind, "distributed", "{name}");
            assert_eq!(placement.column, "agency_id", "{name}");
            groups.insert(placement.colocation);
            distributed += 1;
        }
    }
    assert!(distributed >= 41, "{distributed} tenant tables distributed");
    assert_eq!(groups.len(), 1, "one colocation group: {groups:?}");
    assert!(
        tables.iter().any(|t| t.name == "login_throttle"),
        "the throttle table exists"
    );
    // The statement lock runs where the ledger's triggers take it: on the agency's node.
    #[derive(QueryableByName)]
    struct Delegated {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let delegated: Delegated = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_dist_object WHERE objid = 'statements_lock(uuid)'::regprocedure \
             AND distribution_argument_index = 0 AND force_delegation \
             AND colocationid = (SELECT colocationid FROM pg_dist_partition \
                                 WHERE logicalrelid = 'statements'::regclass)) AS found",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(delegated.found, "statements_lock is delegated by agency");
    assert!(
        stdout.contains("functions run on their agency's node: none"),
        "{stdout}"
    );
}
