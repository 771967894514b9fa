//! Bulk imports: CSV and JSON, atomic by default, idempotent, updates of status and refunds,
//! conflicts never overwritten, every import on record.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestResponse;
use crate::sales::{Shop, shop};

async fn import(
    shop: &Shop,
    query: &str,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> TestResponse {
    shop.import(query, content_type, body).await
}

const HEADER: &str = "platform,external_order_id,sold_at,platform_user_id,sku,quantity,unit_price,status,refunded_amount";

fn csv(rows: &[&str]) -> String {
    let mut text = format!("\u{feff}{HEADER}\r\n");
    for row in rows {
        text.push_str(row);
        text.push_str("\r\n");
    }
    text
}

async fn ledger(shop: &Shop) -> Vec<Value> {
    shop.app
        .call(Method::GET, "/v1/sales?limit=200", Some(&shop.owner), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[actix_web::test]
async fn a_csv_import_writes_lines_and_a_second_run_changes_nothing() {
    let shop = shop("Import Co").await;
    let file = csv(&[
        "douyin,A-1,2026-11-20T21:30:00+08:00,dy-777,LIP-1,2,50.00,,",
        "douyin,A-2,2026-11-20 22:15:00,dy-777,LIP-1,1,\"1,000.00\",,",
        "douyin,A-3,2026-11-21T10:00:00Z,dy-777,LIP-1,1,19.90,refunded,",
    ]);
    // The second row has a thousands separator: bad, so atomic mode writes nothing.
    let refused = import(&shop, "?file_name=november.csv", "text/csv", file.clone()).await;
    let problem = refused.problem(422, "import_rejected");
    assert_eq!(problem["errors"][0]["line"], 3, "the header is line 1");
    assert_eq!(problem["errors"][0]["field"], "unit_price");
    assert_eq!(problem["inserted"], 0);
    // The same file with LF line ends names the same line.
    let lf_shop = crate::sales::shop("Import LF Co").await;
    let lf = import(&lf_shop, "", "text/csv", file.replace("\r\n", "\n")).await;
    assert_eq!(
        lf.problem(422, "import_rejected")["errors"][0]["line"],
        3,
        "LF"
    );
    assert!(ledger(&shop).await.is_empty(), "nothing written");

    let fixed = file.replace("\"1,000.00\"", "1000.00");
    let done = import(
        &shop,
        "?file_name=november.csv",
        "text/csv; charset=utf-8",
        fixed.clone(),
    )
    .await;
    assert_eq!(done.status, 201, "{}", done.text());
    let result = done.json();
    assert_eq!(
        (
            result["inserted"].as_i64(),
            result["duplicates"].as_i64(),
            result["rejected"].as_i64()
        ),
        (Some(3), Some(0), Some(0))
    );
    assert_eq!(result["file_name"], "november.csv");
    assert_eq!(result["outcome"], "committed");
    assert_eq!(result["sha256"].as_str().unwrap().len(), 64);
    let lines = ledger(&shop).await;
    assert_eq!(lines.len(), 3);
    let a2 = lines
        .iter()
        .find(|l| l["external_order_id"] == "A-2")
        .unwrap();
    assert_eq!(
        a2["sold_at"], "2026-11-20T14:15:00Z",
        "local times are the agency's"
    );
    assert_eq!(a2["gross"], "1000.00");
    let a3 = lines
        .iter()
        .find(|l| l["external_order_id"] == "A-3")
        .unwrap();
    assert_eq!(a3["status"], "refunded");

    let again = import(&shop, "", "text/csv", fixed).await.json();
    assert_eq!(
        (again["inserted"].as_i64(), again["duplicates"].as_i64()),
        (Some(0), Some(3))
    );
    assert_eq!(ledger(&shop).await.len(), 3);

    let records = shop
        .app
        .call(Method::GET, "/v1/sales/imports", Some(&shop.owner), None)
        .await
        .json();
    let outcomes: Vec<&str> = records["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        vec!["committed", "committed", "rejected"],
        "newest first, the refused one too"
    );
    let refused_id = records["items"][2]["id"].as_str().unwrap();
    let record = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/sales/imports/{refused_id}"),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(record["errors"][0]["line"], 3);
    assert_eq!(record["uploaded_by"], shop.owner.user_id.to_string());
}

#[actix_web::test]
async fn status_and_refund_changes_update_known_lines_and_other_differences_conflict() {
    let shop = shop("Update Co").await;
    let first = csv(&[
        "douyin,U-1,2026-11-20T10:00:00Z,dy-777,LIP-1,2,50.00,,",
        "douyin,U-2,2026-11-20T11:00:00Z,dy-777,LIP-1,1,80.00,,",
    ]);
    assert_eq!(import(&shop, "", "text/csv", first).await.status, 201);
    let second = csv(&[
        "douyin,U-1,2026-11-20T10:00:00Z,dy-777,LIP-1,2,50.00,partially_refunded,30.00",
        "douyin,U-2,2026-11-20T11:00:00Z,dy-777,LIP-1,1,85.00,,",
        "douyin,U-3,2026-11-20T12:00:00Z,dy-777,LIP-1,1,10.00,,",
    ]);
    let result = import(&shop, "?on_error=skip", "text/csv", second).await;
    assert_eq!(result.status, 201, "{}", result.text());
    let result = result.json();
    assert_eq!(
        (
            result["inserted"].as_i64(),
            result["updated"].as_i64(),
            result["rejected"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(result["errors"][0]["line"], 3);
    assert_eq!(result["errors"][0]["field"], "unit_price");
    assert_eq!(result["errors"][0]["code"], "conflicts");

    let lines = ledger(&shop).await;
    let u1 = lines
        .iter()
        .find(|l| l["external_order_id"] == "U-1")
        .unwrap();
    assert_eq!(
        (u1["status"].as_str(), u1["refunded_amount"].as_str()),
        (Some("partially_refunded"), Some("30.00"))
    );
    let u2 = lines
        .iter()
        .find(|l| l["external_order_id"] == "U-2")
        .unwrap();
    assert_eq!(u2["unit_price"], "80.00", "never overwritten");
    let detail = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/sales/{}", u1["id"].as_str().unwrap()),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(
        detail["refunds"][0]["amount"], "30.00",
        "the refund is an entry of its own"
    );
    let trail = shop
        .app
        .call(
            Method::GET,
            &format!(
                "/v1/audit-events?entity_type=sale&entity_id={}",
                u1["id"].as_str().unwrap()
            ),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(trail["items"][0]["action"], "sale.update");

    // A refund cannot be taken back by a later file.
    let back = csv(&["douyin,U-1,2026-11-20T10:00:00Z,dy-777,LIP-1,2,50.00,paid,0"]);
    let problem = import(&shop, "", "text/csv", back)
        .await
        .problem(422, "import_rejected");
    assert_eq!(problem["errors"][0]["code"], "conflicts");
}

#[actix_web::test]
async fn json_imports_take_an_array_of_lines() {
    let shop = shop("Json Import").await;
    let body = json!([
        { "platform": "douyin", "external_order_id": "J-1", "sold_at": "2026-11-20T10:00:00Z", "influencer_id": shop.host, "product_id": shop.product, "quantity": 1, "unit_price": "9.99" },
        { "platform": "douyin", "external_order_id": "J-2", "sold_at": "2026-11-20T10:00:00Z", "influencer_id": shop.host, "sku": "LIP-1", "quantity": 2, "unit_price": 9.99 },
        "not an object",
        { "platform": "douyin", "external_order_id": "J-3", "sold_at": "2026-11-20T10:00:00Z", "influencer_id": shop.host, "sku": "NOPE", "quantity": 1, "unit_price": "1.00" }
    ]);
    let result = import(
        &shop,
        "?on_error=skip",
        "application/json",
        body.to_string(),
    )
    .await;
    assert_eq!(result.status, 201, "{}", result.text());
    let result = result.json();
    assert_eq!(
        (result["inserted"].as_i64(), result["rejected"].as_i64()),
        (Some(1), Some(3))
    );
    let lines: Vec<(i64, &str)> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (2, "must_be_string"),
            (3, "not_an_object"),
            (4, "not_found")
        ]
    );

    import(&shop, "", "application/json", "{\"not\": \"an array\"}")
        .await
        .problem(400, "malformed_json");
    import(&shop, "", "application/json", "[{\"platform\": ")
        .await
        .problem(400, "malformed_json");
}

#[actix_web::test]
async fn imports_refuse_unknown_columns_wrong_types_and_oversized_files() {
    let shop = shop("Limits Co").await;
    let problem = import(
        &shop,
        "",
        "text/csv",
        "platform,external_order_id,colour\ndouyin,X,red\n",
    )
    .await
    .problem(422, "invalid_header");
    assert_eq!(problem["errors"][0]["field"], "colour");
    assert_eq!(problem["errors"][0]["line"], 1);
    import(&shop, "", "application/xml", "<sales/>")
        .await
        .problem(415, "unsupported_media_type");
    import(&shop, "?on_error=maybe", "text/csv", csv(&[]))
        .await
        .problem(400, "invalid_query");
    let empty = import(&shop, "", "text/csv", csv(&[])).await;
    assert_eq!(empty.status, 201);
    assert_eq!(empty.json()["rows_total"], 0);

    let small = crate::helpers::Spawn::new()
        .await
        .settings(|s| {
            s.imports.max_rows = 2;
            s.imports.max_bytes = 2000;
        })
        .start()
        .await;
    let owner = small.signup_agency("Small Co").await;
    let shop = Shop {
        app: small,
        owner,
        host: shop.host,
        product: shop.product,
    };
    let three = csv(&[
        "douyin,1,2026-11-20T10:00:00Z,x,y,1,1.00,,",
        "douyin,2,2026-11-20T10:00:00Z,x,y,1,1.00,,",
        "douyin,3,2026-11-20T10:00:00Z,x,y,1,1.00,,",
    ]);
    let problem = import(&shop, "", "text/csv", three)
        .await
        .problem(413, "payload_too_large");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("at most 2 rows"),
        "{problem}"
    );
    let big = "x".repeat(5000);
    import(&shop, "", "text/csv", big)
        .await
        .problem(413, "payload_too_large");
}

#[actix_web::test]
async fn another_agencys_imports_are_out_of_reach() {
    let shop = shop("Own Imports").await;
    let done = import(
        &shop,
        "",
        "text/csv",
        csv(&["douyin,O-1,2026-11-20T10:00:00Z,dy-777,LIP-1,1,1.00,,"]),
    )
    .await
    .json();
    let other = shop.app.signup_agency("Other Imports").await;
    shop.app
        .call(
            Method::GET,
            &format!("/v1/sales/imports/{}", done["id"].as_str().unwrap()),
            Some(&other),
            None,
        )
        .await
        .problem(404, "not_found");
    assert!(
        shop.app
            .call(Method::GET, "/v1/sales/imports", Some(&other), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Their import cannot reach our host's account or our SKU.
    let theirs = TestResponse::read(
        shop.app
            .request(Method::POST, "/v1/sales/imports?on_error=skip")
            .bearer_auth(&other.access_token)
            .insert_header(("content-type", "text/csv"))
            .send_body(csv(&[
                "douyin,O-1,2026-11-20T10:00:00Z,dy-777,LIP-1,1,1.00,,",
            ]))
            .await,
    )
    .await
    .json();
    assert_eq!(theirs["inserted"], 0);
    assert_eq!(theirs["rejected"], 1);
}

#[actix_web::test]
async fn a_nul_character_in_a_header_name_is_an_invalid_header_never_a_400() {
    let shop = shop("Nul Header Co").await;
    for mode in ["", "?on_error=skip"] {
        let problem = import(&shop, mode, "text/csv", "platform,ex\u{0}tra\ndouyin,x\n")
            .await
            .problem(422, "invalid_header");
        assert_eq!(problem["errors"][0]["field"], "ex\u{fffd}tra");
    }
}
