//! Personal-data rights: the audited export with the number decrypted, and erasure that leaves
//! nothing readable or decryptable in the database while sessions, sales and the trail stay.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use diesel_async::RunQueryDsl;
use mcn::crypto::Sealed;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp};
use crate::identity::resident_id;
use crate::products::create_product;
use crate::roster::create_influencer;
use crate::sales::line;
use crate::sessions::credit_code;

const REAL_NAME: &str = "欧阳秘密";
const GUARDIAN: &str = "Guardian Quillfeather";
const DOCUMENT_REF: &str = "consent-cabinet-QX-4471";
const BIRTH: &str = "19931122";

struct Host {
    app: TestApp,
    owner: Session,
    compliance: Session,
    host: Uuid,
    account: Uuid,
    number: String,
}

/// A verified host (its stage name differs from its real name) with a guardian consent, a legal
/// entity, a Douyin account, a contract and a qualification.
async fn host(agency: &str) -> Host {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency(agency).await;
    let compliance = app.login_as(&owner, "compliance").await;
    let host = create_influencer(&app, &owner, "human", "Stage Star").await;
    let number = resident_id(BIRTH, "357");
    let base = format!("/v1/influencers/{host}");
    let calls = [
        (
            Method::PUT,
            format!("{base}/identity"),
            &owner,
            Some(
                json!({ "real_name": REAL_NAME, "document_type": "cn_resident_id", "document_number": number }),
            ),
        ),
        (
            Method::POST,
            format!("{base}/identity/verify"),
            &compliance,
            None,
        ),
        (
            Method::PUT,
            format!("{base}/guardian-consent"),
            &owner,
            Some(
                json!({ "guardian_name": GUARDIAN, "relation": "mother", "consented_on": "2010-01-10", "document_ref": DOCUMENT_REF }),
            ),
        ),
        (
            Method::POST,
            format!("{base}/legal-entities"),
            &owner,
            Some(
                json!({ "entity_type": "individual_business", "name": "Star Studio", "credit_code": credit_code("5550357") }),
            ),
        ),
        (
            Method::POST,
            format!("{base}/contracts"),
            &owner,
            Some(json!({ "valid_from": "2026-01-01", "agency_share_percent": "30.00" })),
        ),
        (
            Method::POST,
            format!("{base}/qualifications"),
            &owner,
            Some(
                json!({ "field": "finance", "certificate_number": "CERT-9", "issuer": "CSRC", "valid_from": "2026-01-01", "valid_until": "2030-12-31" }),
            ),
        ),
    ];
    for (method, path, session, body) in calls {
        let answer = app.call(method, &path, Some(session), body).await;
        assert!(answer.status.is_success(), "{path}: {}", answer.text());
    }
    let account = app
        .call(
            Method::POST,
            &format!("{base}/platform-accounts"),
            Some(&owner),
            Some(json!({ "platform": "douyin", "handle": "@star", "platform_user_id": "dy-4471" })),
        )
        .await;
    assert_eq!(account.status, 201, "{}", account.text());
    Host {
        account: account.json()["id"].as_str().unwrap().parse().unwrap(),
        app,
        owner,
        compliance,
        host,
        number,
    }
}

fn session_body(host: Uuid, account: Uuid, days_ahead: i64) -> Value {
    let start = (Utc::now() + Duration::days(days_ahead))
        .date_naive()
        .and_hms_opt(4, 0, 0)
        .unwrap()
        .and_utc();
    json!({
        "influencer_id": host, "platform_account_id": account, "title": "Evening show",
        "scheduled_start": start.to_rfc3339(), "scheduled_end": (start + Duration::hours(2)).to_rfc3339(),
        "language": "zh-CN",
    })
}

async fn trail(app: &TestApp, session: &Session, host: Uuid) -> Vec<Value> {
    let answer = app
        .call(
            Method::GET,
            &format!("/v1/audit-events?entity_type=influencer&entity_id={host}&limit=200"),
            Some(session),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()["items"].as_array().unwrap().clone()
}

fn events<'a>(trail: &'a [Value], action: &str) -> Vec<&'a Value> {
    trail.iter().filter(|e| e["action"] == action).collect()
}

#[actix_web::test]
async fn the_export_holds_everything_with_the_number_decrypted_and_the_read_is_audited() {
    let h = host("Export Co").await;
    let admin = h.app.login_as(&h.owner, "admin").await;
    let path = format!("/v1/influencers/{}/personal-data", h.host);
    assert!(events(&trail(&h.app, &h.owner, h.host).await, "personal_data.read").is_empty());

    let answer = h.app.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let data = answer.json();
    let identity = &data["identity"];
    assert_eq!(identity["document_number"], h.number.as_str());
    assert_eq!(identity["real_name"], REAL_NAME);
    assert_eq!(identity["document_type"], "cn_resident_id");
    assert_eq!(identity["date_of_birth"], "1993-11-22");
    assert_eq!(identity["verification_state"], "verified");
    assert_eq!(identity["submitted_by"], h.owner.user_id.to_string());
    assert_eq!(identity["reviewed_by"], h.compliance.user_id.to_string());
    assert_eq!(data["influencer"]["id"], h.host.to_string());
    assert_eq!(data["influencer"]["identity_state"], "verified");
    assert_eq!(data["guardian_consent"]["guardian_name"], GUARDIAN);
    assert_eq!(data["guardian_consent"]["document_ref"], DOCUMENT_REF);
    assert_eq!(data["legal_entities"][0]["name"], "Star Studio");
    assert_eq!(data["platform_accounts"][0]["platform_user_id"], "dy-4471");
    assert_eq!(data["contracts"][0]["agency_share_percent"], "30.00");
    assert_eq!(data["qualifications"][0]["certificate_number"], "CERT-9");

    // Compliance may read it too; every read is an event on the host, by its reader.
    let again = h
        .app
        .call(Method::GET, &path, Some(&h.compliance), None)
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    let trail = trail(&h.app, &h.owner, h.host).await;
    let reads = events(&trail, "personal_data.read");
    assert_eq!(reads.len(), 2, "{trail:?}");
    assert_eq!(reads[0]["actor_id"], h.compliance.user_id.to_string());
    assert_eq!(reads[1]["actor_id"], admin.user_id.to_string());
    assert_eq!(reads[1]["entity_type"], "influencer");
    assert_eq!(reads[1]["changes"]["identity_state"], "verified");
    let text = serde_json::to_string(&trail).unwrap();
    assert!(
        !text.contains(&h.number) && !text.contains(REAL_NAME) && !text.contains(GUARDIAN),
        "no personal data in the trail: {text}"
    );
}

#[actix_web::test]
async fn only_owner_admin_and_compliance_read_and_only_owner_and_compliance_erase() {
    let h = host("Rights Co").await;
    let export = format!("/v1/influencers/{}/personal-data", h.host);
    let erase = format!("/v1/influencers/{}/erase-personal-data", h.host);
    for role in ["manager", "analyst"] {
        let session = h.app.login_as(&h.owner, role).await;
        h.app
            .call(Method::GET, &export, Some(&session), None)
            .await
            .problem(403, "forbidden");
    }
    for role in ["admin", "manager", "analyst"] {
        let session = h.app.login_as(&h.owner, role).await;
        h.app
            .call(Method::POST, &erase, Some(&session), None)
            .await
            .problem(403, "forbidden");
    }
    h.app
        .call(Method::GET, &export, None, None)
        .await
        .problem(401, "missing_token");

    // Another agency's owner sees no such host; neither does anyone for an unknown id.
    let other = h.app.signup_agency("Other Rights Co").await;
    h.app
        .call(Method::GET, &export, Some(&other), None)
        .await
        .problem(404, "not_found");
    h.app
        .call(Method::POST, &erase, Some(&other), None)
        .await
        .problem(404, "not_found");
    let unknown = Uuid::now_v7();
    h.app
        .call(
            Method::POST,
            &format!("/v1/influencers/{unknown}/erase-personal-data"),
            Some(&h.owner),
            None,
        )
        .await
        .problem(404, "not_found");

    // Bad bodies: an unknown field, an empty reason, not JSON.
    h.app
        .call(
            Method::POST,
            &erase,
            Some(&h.owner),
            Some(json!({ "reasn": "typo" })),
        )
        .await
        .problem(400, "unknown_field");
    let problem = h
        .app
        .call(
            Method::POST,
            &erase,
            Some(&h.owner),
            Some(json!({ "reason": " " })),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "reason");
    let raw = h
        .app
        .request(Method::POST, &erase)
        .bearer_auth(&h.owner.access_token)
        .insert_header(("content-type", "application/json"))
        .send_body("{not json")
        .await;
    crate::helpers::TestResponse::read(raw)
        .await
        .problem(400, "malformed_json");

    // Nothing was erased, and nothing but reads was recorded by the refusals.
    let data = h.app.call(Method::GET, &export, Some(&h.owner), None).await;
    assert_eq!(data.json()["identity"]["verification_state"], "verified");
    assert_eq!(
        data.json()["identity"]["document_number"],
        h.number.as_str()
    );
    assert!(
        events(
            &trail(&h.app, &h.owner, h.host).await,
            "personal_data.erase"
        )
        .is_empty()
    );

    // A host that never had an identity: nothing to erase, harmlessly.
    let bare = create_influencer(&h.app, &h.owner, "human", "Bare").await;
    let answer = h
        .app
        .call(
            Method::POST,
            &format!("/v1/influencers/{bare}/erase-personal-data"),
            Some(&h.compliance),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["identity_state"], "unverified");
    assert_eq!(answer.json()["changed"], false);
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct Dump {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    dump: Option<String>,
}

#[derive(diesel::QueryableByName)]
struct Bytes {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bytea>)]
    value: Option<Vec<u8>>,
}

#[derive(diesel::QueryableByName)]
struct KeyId {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    key_id: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every row of every table of the database, as text.
async fn dump_database(app: &TestApp) -> String {
    let mut conn = app.state.conn().await.unwrap();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT quote_ident(table_name) AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert!(tables.len() > 10, "every table is dumped");
    let mut out = String::new();
    for table in tables {
        let rows: Vec<Dump> = diesel::sql_query(format!(
            "SELECT string_agg(t::text, E'\\n') AS dump FROM {} t",
            table.name
        ))
        .load(&mut conn)
        .await
        .unwrap();
        for row in rows {
            out.push_str(&row.dump.unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

/// Every `bytea` value stored anywhere in the database.
async fn every_bytea(app: &TestApp) -> Vec<Vec<u8>> {
    let mut conn = app.state.conn().await.unwrap();
    let columns: Vec<Name> = diesel::sql_query(
        "SELECT format('SELECT %I AS value FROM %I', column_name, table_name) AS name \
         FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'bytea'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let mut out = Vec::new();
    for select in columns {
        let values: Vec<Bytes> = diesel::sql_query(&select.name)
            .load(&mut conn)
            .await
            .unwrap();
        out.extend(values.into_iter().filter_map(|v| v.value));
    }
    out
}

/// Tries every stored byte string as a ciphertext with every 12-byte one as its nonce, under
/// every key id the database names and the configured one, in the identity's context: whatever
/// opens is answered.
async fn decryptable(app: &TestApp, agency: Uuid, host: Uuid) -> Vec<String> {
    let values = every_bytea(app).await;
    let mut conn = app.state.conn().await.unwrap();
    let mut key_ids: Vec<String> = diesel::sql_query(
        "SELECT document_key_id AS key_id FROM identities WHERE document_key_id IS NOT NULL",
    )
    .load::<KeyId>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .filter_map(|k| k.key_id)
    .collect();
    key_ids.push(
        mcn::config::Settings::load_profile(mcn::config::Profile::Test, false)
            .unwrap()
            .crypto
            .pii_key_id,
    );
    key_ids.sort();
    key_ids.dedup();
    let context = format!("identity:{agency}:{host}:cn_resident_id");
    let mut opened = Vec::new();
    for ciphertext in values.iter().filter(|v| v.len() > 16) {
        for nonce in values.iter().filter(|v| v.len() == 12) {
            for key_id in &key_ids {
                let sealed = Sealed {
                    ciphertext: ciphertext.clone(),
                    nonce: nonce.clone(),
                    key_id: key_id.clone(),
                };
                if let Ok(plain) = app.state.vault.open(&sealed, &context) {
                    opened.push(plain);
                }
            }
        }
    }
    opened
}

#[actix_web::test]
async fn erasure_leaves_nothing_readable_or_decryptable_and_keeps_sales_and_sessions() {
    if crate::helpers::db::skip_on_shared_database(
        "scans every stored byte of the database for the erased person: it needs a database of its own",
    ) {
        return;
    }
    let h = host("Erase Co").await;
    let app = &h.app;
    let base = format!("/v1/influencers/{}", h.host);

    // Records that must outlive the erasure: a scheduled session and a sale.
    let session = app
        .call(
            Method::POST,
            "/v1/live-sessions",
            Some(&h.owner),
            Some(session_body(h.host, h.account, 2)),
        )
        .await;
    assert_eq!(session.status, 201, "{}", session.text());
    let session_id = session.json()["id"].as_str().unwrap().to_owned();
    let product = create_product(app, &h.owner, "ERASE-1", None).await;
    let sale = app
        .call(
            Method::POST,
            "/v1/sales",
            Some(&h.owner),
            Some(line("DY-ERASE-1", h.host, product)),
        )
        .await;
    assert_eq!(sale.status, 201, "{}", sale.text());
    let sale_id = sale.json()["id"].as_str().unwrap().to_owned();

    // Before: the scan finds the person, so it can fail.
    let mut conn = app.state.conn().await.unwrap();
    let sealed: Vec<Bytes> = diesel::sql_query(
        "SELECT document_ciphertext AS value FROM identities UNION ALL \
         SELECT document_hmac FROM identities",
    )
    .load(&mut conn)
    .await
    .unwrap();
    drop(conn);
    let sealed: Vec<String> = sealed.into_iter().map(|b| hex(&b.value.unwrap())).collect();
    assert_eq!(sealed.len(), 2);
    let fingerprint = hex(&app
        .state
        .vault
        .fingerprint(&format!("cn_resident_id:{}", h.number)));
    assert!(sealed.contains(&fingerprint));
    let before = dump_database(app).await;
    for secret in [REAL_NAME, GUARDIAN, DOCUMENT_REF, "1993-11-22", &sealed[0]] {
        assert!(before.contains(secret), "{secret} is there before");
    }
    assert_eq!(
        decryptable(app, h.owner.agency_id, h.host).await,
        vec![h.number.clone()]
    );

    let erased = app
        .call(
            Method::POST,
            &format!("{base}/erase-personal-data"),
            Some(&h.compliance),
            Some(json!({ "reason": "request of the person, letter of 2026-11-20" })),
        )
        .await;
    assert_eq!(erased.status, 200, "{}", erased.text());
    let erased = erased.json();
    assert_eq!(erased["identity_state"], "erased");
    assert_eq!(erased["changed"], true);
    assert!(erased["erased_at"].is_string());

    // After: no plaintext, ciphertext, fingerprint or mask anywhere, and nothing opens.
    let after = dump_database(app).await;
    let masked_tail = &h.number[14..];
    for secret in [
        REAL_NAME,
        GUARDIAN,
        DOCUMENT_REF,
        "1993-11-22",
        BIRTH,
        &h.number,
        &hex(h.number.as_bytes()),
        &format!("440***********{masked_tail}"),
        &sealed[0],
        &sealed[1],
        &fingerprint,
    ] {
        assert!(!after.contains(secret), "{secret} is gone:\n{after}");
    }
    assert!(decryptable(app, h.owner.agency_id, h.host).await.is_empty());
    let mut conn = app.state.conn().await.unwrap();
    let left: Vec<Bytes> = diesel::sql_query(
        "SELECT document_ciphertext AS value FROM identities UNION ALL \
         SELECT document_nonce FROM identities UNION ALL SELECT document_hmac FROM identities",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert!(left.iter().all(|b| b.value.is_none()));
    let key_left: Vec<KeyId> =
        diesel::sql_query("SELECT document_key_id AS key_id FROM identities")
            .load(&mut conn)
            .await
            .unwrap();
    assert!(key_left.iter().all(|k| k.key_id.is_none()));
    // The database itself keeps an erased identity free of personal data.
    let refused = diesel::sql_query("UPDATE identities SET real_name = 'Back Again'")
        .execute(&mut conn)
        .await;
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("identities_erased_holds_no_personal_data")
    );
    drop(conn);

    // The export and the host show the erasure; the rest of the record stays.
    let data = app
        .call(
            Method::GET,
            &format!("{base}/personal-data"),
            Some(&h.owner),
            None,
        )
        .await
        .json();
    let identity = &data["identity"];
    assert_eq!(identity["verification_state"], "erased");
    for field in [
        "real_name",
        "document_type",
        "document_number",
        "date_of_birth",
    ] {
        assert_eq!(identity[field], Value::Null, "{field}");
    }
    assert_eq!(identity["erased_by"], h.compliance.user_id.to_string());
    assert_eq!(identity["submitted_by"], h.owner.user_id.to_string());
    assert_eq!(data["guardian_consent"]["guardian_name"], Value::Null);
    assert_eq!(data["guardian_consent"]["document_ref"], Value::Null);
    assert_eq!(data["guardian_consent"]["relation"], "mother");
    assert_eq!(data["legal_entities"].as_array().unwrap().len(), 1);
    assert_eq!(data["influencer"]["identity_state"], "erased");
    let identity = app
        .call(
            Method::GET,
            &format!("{base}/identity"),
            Some(&h.owner),
            None,
        )
        .await;
    assert_eq!(identity.status, 200, "{}", identity.text());
    assert_eq!(identity.json()["verification_state"], "erased");
    assert_eq!(identity.json()["real_name"], Value::Null);
    assert_eq!(identity.json()["document_number_masked"], Value::Null);
    let one = app.call(Method::GET, &base, Some(&h.owner), None).await;
    assert_eq!(one.json()["identity_state"], "erased");
    let bare = create_influencer(app, &h.owner, "human", "Newcomer").await;
    let list = app
        .call(Method::GET, "/v1/influencers", Some(&h.owner), None)
        .await
        .json();
    let states: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["identity_state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            (h.host.to_string(), "erased".to_owned()),
            (bare.to_string(), "unverified".to_owned())
        ]
    );
    for path in [
        format!("/v1/live-sessions/{session_id}"),
        format!("/v1/sales/{sale_id}"),
    ] {
        let kept = app.call(Method::GET, &path, Some(&h.owner), None).await;
        assert_eq!(kept.status, 200, "{path}: {}", kept.text());
    }

    // The rules see an unverified host.
    let refused = app
        .call(
            Method::POST,
            "/v1/live-sessions",
            Some(&h.owner),
            Some(session_body(h.host, h.account, 4)),
        )
        .await;
    let problem = refused.problem(422, "compliance_violation");
    let codes: Vec<&str> = problem["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"identity_unverified"), "{problem}");
    let compliance = app
        .call(
            Method::GET,
            &format!("{base}/compliance"),
            Some(&h.owner),
            None,
        )
        .await;
    assert!(
        compliance.text().contains("identity_unverified"),
        "{}",
        compliance.text()
    );

    // An erased identity is not reviewed.
    app.call(
        Method::POST,
        &format!("{base}/identity/verify"),
        Some(&h.owner),
        None,
    )
    .await
    .problem(409, "invalid_transition");
    app.call(
        Method::POST,
        &format!("{base}/identity/reject"),
        Some(&h.owner),
        Some(json!({ "reason": "gone" })),
    )
    .await
    .problem(409, "invalid_transition");

    // A second call changes nothing, but is recorded too.
    let again = app
        .call(
            Method::POST,
            &format!("{base}/erase-personal-data"),
            Some(&h.owner),
            None,
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["changed"], false);
    assert_eq!(again.json()["identity_state"], "erased");
    assert_eq!(again.json()["erased_at"], erased["erased_at"]);
    let identity = app
        .call(
            Method::GET,
            &format!("{base}/identity"),
            Some(&h.owner),
            None,
        )
        .await
        .json();
    assert_eq!(identity["version"], 3, "submitted, verified, erased once");
    let trail = trail(app, &h.owner, h.host).await;
    let erasures = events(&trail, "personal_data.erase");
    assert_eq!(erasures.len(), 2);
    assert_eq!(erasures[0]["changes"], json!({ "already_erased": true }));
    assert_eq!(erasures[0]["actor_id"], h.owner.user_id.to_string());
    let first = &erasures[1]["changes"];
    assert_eq!(
        first["verification_state"],
        json!({ "from": "verified", "to": "erased" })
    );
    assert_eq!(
        first["reason"],
        "request of the person, letter of 2026-11-20"
    );
    assert!(first["guardian_consent_erased"].is_array(), "{first}");
    assert_eq!(erasures[1]["actor_id"], h.compliance.user_id.to_string());

    // The person may come back: a new identity starts over as pending.
    let resubmitted = app
        .call(
            Method::PUT,
            &format!("{base}/identity"),
            Some(&h.owner),
            Some(json!({ "real_name": "Returned", "document_type": "passport", "document_number": "E7654321", "date_of_birth": "1993-11-22" })),
        )
        .await;
    assert_eq!(resubmitted.status, 200, "{}", resubmitted.text());
    assert_eq!(resubmitted.json()["verification_state"], "pending");
    assert_eq!(resubmitted.json()["erased_at"], Value::Null);
    let one = app.call(Method::GET, &base, Some(&h.owner), None).await;
    assert_eq!(one.json()["identity_state"], "pending");
    let data = app
        .call(
            Method::GET,
            &format!("{base}/personal-data"),
            Some(&h.owner),
            None,
        )
        .await
        .json();
    assert_eq!(data["identity"]["document_number"], "E7654321");
}
