//! Real-name identity: resident ID checks, encryption at rest, masking, one person one host,
//! verification with four eyes, and guardian consent.

use actix_web::http::Method;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::TestApp;
use crate::roster::create_influencer;

/// A valid mainland resident ID for a birth date `YYYYMMDD`.
pub fn resident_id(birth: &str, sequence: &str) -> String {
    let first17 = format!("440305{birth}{sequence}");
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

#[actix_web::test]
async fn a_resident_id_is_checked_encrypted_and_only_ever_answered_masked() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Identity Co").await;
    let id = create_influencer(&app, &owner, "human", "Real Person").await;
    let number = resident_id("19950307", "123");
    let path = format!("/v1/influencers/{id}/identity");

    let answer = app
        .call(Method::PUT, &path, Some(&owner), Some(json!({ "real_name": "王小美", "document_type": "cn_resident_id", "document_number": number })))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let identity = answer.json();
    assert_eq!(identity["verification_state"], "pending");
    assert_eq!(
        identity["date_of_birth"], "1995-03-07",
        "taken from the resident ID"
    );
    let masked = identity["document_number_masked"].as_str().unwrap();
    assert_eq!(masked, format!("440***********{}", &number[14..]));
    assert!(!answer.text().contains(&number));
    assert!(
        !answer.text().contains("19950307"),
        "the birth date cannot be read from the mask"
    );

    let read = app.call(Method::GET, &path, Some(&owner), None).await;
    assert!(!read.text().contains(&number));
    let trail = app
        .call(
            Method::GET,
            "/v1/audit-events?entity_type=influencer&limit=200",
            Some(&owner),
            None,
        )
        .await;
    assert!(
        !trail.text().contains(&number) && !trail.text().contains("王小美"),
        "{}",
        trail.text()
    );

    // At rest: ciphertext, nonce and key id; the plain number is nowhere in the row.
    let mut conn = app.state.conn().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT identities::text AS row FROM identities WHERE agency_id = '{}'",
        owner.agency_id
    ))
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].row.contains(&number), "{}", rows[0].row);
    assert!(
        !rows[0].row.contains(&hex(number.as_bytes())),
        "not even as bytes"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[actix_web::test]
async fn bad_documents_are_refused_with_field_errors() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Docs Co").await;
    let id = create_influencer(&app, &owner, "human", "Docs").await;
    let path = format!("/v1/influencers/{id}/identity");
    let mut wrong_check = resident_id("19950307", "123").into_bytes();
    wrong_check[17] = if wrong_check[17] == b'1' { b'2' } else { b'1' };
    let cases = [
        (
            json!({ "real_name": "A", "document_type": "cn_resident_id", "document_number": String::from_utf8(wrong_check).unwrap() }),
            "invalid_resident_id",
        ),
        (
            json!({ "real_name": "A", "document_type": "cn_resident_id", "document_number": resident_id("19950230", "123") }),
            "invalid_resident_id",
        ),
        (
            json!({ "real_name": "A", "document_type": "cn_resident_id", "document_number": "12345" }),
            "invalid_resident_id",
        ),
        (
            json!({ "real_name": "A", "document_type": "passport", "document_number": "E12345678" }),
            "required",
        ),
        (
            json!({ "real_name": "A", "document_type": "passport", "document_number": "E1!", "date_of_birth": "1990-01-01" }),
            "invalid_document_number",
        ),
        (
            json!({ "real_name": "A", "document_type": "cn_resident_id", "document_number": resident_id("19950307", "123"), "date_of_birth": "1995-03-08" }),
            "mismatch",
        ),
    ];
    for (body, code) in cases {
        let answer = app
            .call(Method::PUT, &path, Some(&owner), Some(body.clone()))
            .await;
        let problem = answer.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["code"], code, "{body}: {problem}");
    }
    app.call(
        Method::PUT,
        &path,
        Some(&owner),
        Some(json!({ "real_name": "A", "document_type": "id_card", "document_number": "1" })),
    )
    .await
    .problem(400, "invalid_body");
    let passport = app
        .call(
            Method::PUT,
            &path,
            Some(&owner),
            Some(json!({ "real_name": "Anna", "document_type": "passport", "document_number": "e 1234-5678", "date_of_birth": "1990-01-01" })),
        )
        .await;
    assert_eq!(passport.status, 201, "{}", passport.text());
    assert_eq!(passport.json()["document_number_masked"], "E*****678");
}

#[actix_web::test]
async fn one_person_is_one_host_but_may_answer_for_virtual_hosts() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Person Co").await;
    let first = create_influencer(&app, &owner, "human", "First").await;
    let second = create_influencer(&app, &owner, "human", "Second").await;
    let avatar = create_influencer(&app, &owner, "virtual", "Avatar").await;
    let number = resident_id("19880808", "456");
    let body =
        json!({ "real_name": "Li", "document_type": "cn_resident_id", "document_number": number });
    assert_eq!(
        app.call(
            Method::PUT,
            &format!("/v1/influencers/{first}/identity"),
            Some(&owner),
            Some(body.clone())
        )
        .await
        .status,
        201
    );
    app.call(
        Method::PUT,
        &format!("/v1/influencers/{second}/identity"),
        Some(&owner),
        Some(body.clone()),
    )
    .await
    .problem(409, "identity_already_registered");
    // Spaces do not make another person.
    let spaced = format!("{} {}", &number[..6], &number[6..]);
    app.call(
        Method::PUT,
        &format!("/v1/influencers/{second}/identity"),
        Some(&owner),
        Some(json!({ "real_name": "Li", "document_type": "cn_resident_id", "document_number": spaced })),
    )
    .await
    .problem(409, "identity_already_registered");
    // The same person as the responsible person of a virtual host is fine.
    assert_eq!(
        app.call(
            Method::PUT,
            &format!("/v1/influencers/{avatar}/identity"),
            Some(&owner),
            Some(body.clone())
        )
        .await
        .status,
        201
    );
    // Resubmitting for the same host replaces it.
    assert_eq!(
        app.call(
            Method::PUT,
            &format!("/v1/influencers/{first}/identity"),
            Some(&owner),
            Some(body)
        )
        .await
        .status,
        200
    );
    // Another agency may register the same person.
    let other = app.signup_agency("Other Person Co").await;
    let theirs = create_influencer(&app, &other, "human", "Theirs").await;
    let body =
        json!({ "real_name": "Li", "document_type": "cn_resident_id", "document_number": number });
    assert_eq!(
        app.call(
            Method::PUT,
            &format!("/v1/influencers/{theirs}/identity"),
            Some(&other),
            Some(body)
        )
        .await
        .status,
        201
    );
}

#[actix_web::test]
async fn verification_needs_a_second_pair_of_eyes_and_a_reviewing_role() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Verify Co").await;
    let manager = app.login_as(&owner, "manager").await;
    let compliance = app.login_as(&owner, "compliance").await;
    let id = create_influencer(&app, &owner, "human", "Verified Host").await;
    let path = format!("/v1/influencers/{id}/identity");
    app.call(
        Method::POST,
        &format!("{path}/verify"),
        Some(&compliance),
        None,
    )
    .await
    .problem(404, "not_found");
    let body = json!({ "real_name": "Zhao", "document_type": "cn_resident_id", "document_number": resident_id("19920101", "789") });
    app.call(Method::PUT, &path, Some(&owner), Some(body.clone()))
        .await;

    app.call(Method::POST, &format!("{path}/verify"), Some(&owner), None)
        .await
        .problem(403, "four_eyes_required");
    app.call(
        Method::POST,
        &format!("{path}/verify"),
        Some(&manager),
        None,
    )
    .await
    .problem(403, "forbidden");
    let verified = app
        .call(
            Method::POST,
            &format!("{path}/verify"),
            Some(&compliance),
            None,
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert_eq!(verified.json()["verification_state"], "verified");
    assert_eq!(
        verified.json()["reviewed_by"],
        compliance.user_id.to_string()
    );
    app.call(
        Method::POST,
        &format!("{path}/verify"),
        Some(&compliance),
        None,
    )
    .await
    .problem(409, "invalid_transition");

    // Revoking a verified identity, then resubmitting starts over.
    let rejected = app
        .call(
            Method::POST,
            &format!("{path}/reject"),
            Some(&compliance),
            Some(json!({ "reason": "forged document" })),
        )
        .await;
    assert_eq!(rejected.json()["verification_state"], "rejected");
    assert_eq!(rejected.json()["rejection_reason"], "forged document");
    app.call(
        Method::POST,
        &format!("{path}/reject"),
        Some(&compliance),
        Some(json!({ "reason": "again" })),
    )
    .await
    .problem(409, "invalid_transition");
    let again = app
        .call(Method::PUT, &path, Some(&manager), Some(body))
        .await;
    assert_eq!(again.json()["verification_state"], "pending");
    assert_eq!(again.json()["reviewed_by"], serde_json::Value::Null);
    // The manager submitted this time, so the owner may verify.
    assert_eq!(
        app.call(Method::POST, &format!("{path}/verify"), Some(&owner), None)
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn the_database_itself_refuses_a_self_verified_identity() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Guard Co").await;
    let id = create_influencer(&app, &owner, "human", "Guarded").await;
    let body = json!({ "real_name": "Q", "document_type": "cn_resident_id", "document_number": resident_id("19900101", "111") });
    app.call(
        Method::PUT,
        &format!("/v1/influencers/{id}/identity"),
        Some(&owner),
        Some(body),
    )
    .await;
    let mut conn = app.state.conn().await.unwrap();
    let refused = diesel::sql_query(
        "UPDATE identities SET verification_state = 'verified', reviewed_by = submitted_by, reviewed_at = now()",
    )
    .execute(&mut conn)
    .await;
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("identities_four_eyes")
    );
}

#[actix_web::test]
async fn guardian_consent_is_recorded_for_human_hosts() {
    let app = TestApp::spawn().await;
    let owner = app.signup_agency("Consent Co").await;
    let teen = create_influencer(&app, &owner, "human", "Teen").await;
    let avatar = create_influencer(&app, &owner, "virtual", "Avatar").await;
    let body = json!({ "guardian_name": "Mother Wang", "relation": "mother", "consented_on": "2026-01-10", "document_ref": "cabinet 3" });
    let recorded = app
        .call(
            Method::PUT,
            &format!("/v1/influencers/{teen}/guardian-consent"),
            Some(&owner),
            Some(body.clone()),
        )
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.text());
    assert_eq!(recorded.json()["relation"], "mother");
    let replaced = app
        .call(
            Method::PUT,
            &format!("/v1/influencers/{teen}/guardian-consent"),
            Some(&owner),
            Some(body.clone()),
        )
        .await;
    assert_eq!(replaced.status, 200);
    assert_eq!(replaced.json()["version"], 2);
    app.call(
        Method::PUT,
        &format!("/v1/influencers/{avatar}/guardian-consent"),
        Some(&owner),
        Some(body),
    )
    .await
    .problem(422, "validation_failed");
    app.call(
        Method::PUT,
        &format!("/v1/influencers/{teen}/guardian-consent"),
        Some(&owner),
        Some(json!({ "guardian_name": "x", "relation": "father", "consented_on": "2999-01-01" })),
    )
    .await
    .problem(422, "validation_failed");
}
