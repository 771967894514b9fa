//! The OpenAPI document: served as generated, equal to the checked-in snapshot, and covering
//! every mounted route.

use std::collections::BTreeSet;
use std::path::Path;

use crate::helpers::TestApp;

const SNAPSHOT: &str = "tests/openapi.json";

#[actix_web::test]
async fn the_served_document_is_the_generated_one() {
    let app = TestApp::spawn().await;
    let served = app.get("/openapi.json").await;
    assert_eq!(served.status, 200);
    assert!(
        served
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let generated: serde_json::Value =
        serde_json::from_str(&mcn::startup::document_json().unwrap()).unwrap();
    assert_eq!(served.json(), generated);
    assert!(served.json()["openapi"].as_str().unwrap().starts_with("3."));
}

/// Run with `UPDATE_SNAPSHOTS=1` to accept a changed document; review the diff like code.
#[test]
fn the_document_matches_the_checked_in_snapshot() {
    let generated = mcn::startup::document_json().unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let snapshot = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        snapshot == generated,
        "the OpenAPI document differs from {SNAPSHOT}; if the API change is intended, run \
         `UPDATE_SNAPSHOTS=1 cargo test --test api openapi` and commit the snapshot"
    );
}

fn documented() -> BTreeSet<(String, String)> {
    let document: serde_json::Value =
        serde_json::from_str(&mcn::startup::document_json().unwrap()).unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

fn mounted() -> BTreeSet<(String, String)> {
    mcn::startup::routes()
        .mounted()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .collect()
}

#[test]
fn every_mounted_route_is_documented_and_every_documented_route_is_mounted() {
    let mounted = mounted();
    let documented = documented();
    let undocumented: Vec<_> = mounted.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "mounted but missing from the OpenAPI document: {undocumented:?}"
    );
    let phantom: Vec<_> = documented.difference(&mounted).collect();
    assert!(
        phantom.is_empty(),
        "documented but not mounted: {phantom:?}"
    );
    assert!(mounted.contains(&("GET".to_owned(), "/healthz".to_owned())));
}

#[test]
fn a_route_mounted_without_documentation_is_caught() {
    // The check above must be able to fail: mount one more route and compare again.
    let mut routes = mcn::startup::routes();
    routes.get("/v1/undocumented", || async { "hidden" });
    let mounted: BTreeSet<(String, String)> = routes
        .mounted()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .collect();
    let documented = documented();
    let missing: Vec<_> = mounted.difference(&documented).collect();
    assert_eq!(
        missing,
        vec![&("GET".to_owned(), "/v1/undocumented".to_owned())]
    );
}
