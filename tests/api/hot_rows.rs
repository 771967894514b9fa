//! No hot rows on the write path: writers of one host, day and platform (every order of one live
//! session) never wait on each other, and the reports' figures stay exact under concurrent
//! writers while folds run, as two server instances would run them.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use actix_web::http::Method;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};

use crate::helpers::TestResponse;
use crate::reports::{pending_deltas, refund, rollup_mismatches};
use crate::sales::{Shop, shop};

fn line(shop: &Shop, order: &str, at: &str) -> Value {
    json!({
        "platform": "douyin", "external_order_id": order, "sold_at": at,
        "influencer_id": shop.host, "product_id": shop.product, "quantity": 1, "unit_price": "19.90"
    })
}

async fn post_sale(shop: &Shop, order: &str, at: &str) -> Value {
    let answer = crate::sales::post(shop, &line(shop, order, at)).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()
}

async fn direct_connection(shop: &Shop) -> AsyncPgConnection {
    AsyncPgConnection::establish(&shop.app.state.settings.database.url)
        .await
        .unwrap()
}

/// While another transaction holds an uncommitted sale and an uncommitted refund of the same host,
/// day and platform, twenty concurrent single-sale POSTs and five refunds for that host, day and
/// platform all complete. With rollup rows updated in each writer's transaction they would all
/// wait for that transaction (`Lock:transactionid`) and time out.
#[actix_web::test]
async fn writers_of_one_host_day_and_platform_never_wait_on_each_other() {
    let shop = shop("Hot Row Co").await;
    let at = "2026-11-20T20:00:00+08:00";
    let mut earlier = Vec::new();
    for i in 0..6 {
        earlier.push(post_sale(&shop, &format!("EARLY-{i}"), at).await);
    }

    // Another writer, mid-transaction: a new line and a refund of the same host, day, platform.
    let mut held = direct_connection(&shop).await;
    diesel::sql_query("BEGIN").execute(&mut held).await.unwrap();
    let inserted = diesel::sql_query(
        "INSERT INTO sales (agency_id, id, platform, external_order_id, sold_at, influencer_id, \
             live_session_id, product_id, quantity, unit_price, currency, gross, commission_percent, \
             status, refunded_amount) \
         SELECT agency_id, gen_random_uuid(), platform, 'HELD-1', sold_at, influencer_id, \
             live_session_id, product_id, quantity, unit_price, currency, gross, commission_percent, \
             status, refunded_amount \
         FROM sales WHERE external_order_id = 'EARLY-0'",
    )
    .execute(&mut held)
    .await
    .unwrap();
    assert_eq!(inserted, 1);
    let refunded = diesel::sql_query(
        "UPDATE sales SET refunded_amount = 1.00, status = 'partially_refunded' \
         WHERE external_order_id = 'EARLY-1'",
    )
    .execute(&mut held)
    .await
    .unwrap();
    assert_eq!(refunded, 1);

    let sales = (0..20).map(|i| {
        let shop = &shop;
        async move {
            shop.app
                .call(
                    Method::POST,
                    "/v1/sales",
                    Some(&shop.owner),
                    Some(line(shop, &format!("HOT-{i}"), at)),
                )
                .await
        }
    });
    let refunds = earlier.iter().skip(2).map(|sale| {
        let shop = &shop;
        let path = format!("/v1/sales/{}/refunds", sale["id"].as_str().unwrap());
        async move {
            shop.app
                .call(
                    Method::POST,
                    &path,
                    Some(&shop.owner),
                    Some(json!({"amount": "2.50"})),
                )
                .await
        }
    });
    let everything = async {
        let (sold, refunded) = futures_util::future::join(
            futures_util::future::join_all(sales),
            futures_util::future::join_all(refunds),
        )
        .await;
        sold.into_iter()
            .chain(refunded)
            .collect::<Vec<TestResponse>>()
    };
    // Far below the statement timeout: a writer that waited for the held transaction would
    // still be waiting.
    let answers = tokio::time::timeout(Duration::from_secs(8), everything)
        .await
        .expect("writers of one host, day and platform waited on another writer's transaction");
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.text());
    }
    assert_eq!(answers.len(), 24);

    // Committing the held writer afterwards keeps every figure exact.
    diesel::sql_query("COMMIT")
        .execute(&mut held)
        .await
        .unwrap();
    let mut conn = direct_connection(&shop).await;
    assert_eq!(
        rollup_mismatches(&mut conn, "_live", shop.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
    mcn::reports::fold::fold_all(&mut conn).await.unwrap();
    assert_eq!(
        rollup_mismatches(&mut conn, "", shop.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
}

/// Sixteen concurrent writers (single sales, refunds, an import) for one host while two folders
/// (two server instances) fold continuously: at every moment the reports' source (rollup plus
/// unfolded deltas) equals the ledger, and after a last fold the rollups alone do.
#[actix_web::test]
async fn rollups_stay_exact_under_concurrent_writers_while_folds_run() {
    let shop = Rc::new(shop("Busy Fold Co").await);
    let stop = Rc::new(Cell::new(false));

    let folders: Vec<_> = (0..2)
        .map(|_| {
            let shop = shop.clone();
            let stop = stop.clone();
            actix_web::rt::spawn(async move {
                let mut conn = direct_connection(&shop).await;
                let mut folded = 0;
                while !stop.get() {
                    folded += mcn::reports::fold::fold_all(&mut conn).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                folded
            })
        })
        .collect();

    let writers: Vec<_> = (0..16)
        .map(|w| {
            let shop = shop.clone();
            actix_web::rt::spawn(async move {
                for i in 0..6 {
                    let day = 1 + (w + i) % 3;
                    let sale = post_sale(
                        &shop,
                        &format!("W{w}-{i}"),
                        &format!("2026-10-0{day}T21:00:00+08:00"),
                    )
                    .await;
                    if i % 2 == 0 {
                        refund(&shop, &sale, "3.10").await;
                    }
                }
            })
        })
        .collect();
    let importer = {
        let shop = shop.clone();
        actix_web::rt::spawn(async move {
            let mut file = String::from(
                "platform,external_order_id,sold_at,influencer_id,product_id,quantity,unit_price,currency,status,refunded_amount\n",
            );
            for i in 0..300 {
                let (status, refunded) = match i % 10 {
                    0 => ("cancelled", "0"),
                    1 => ("partially_refunded", "5.00"),
                    _ => ("paid", "0"),
                };
                file.push_str(&format!(
                    "douyin,IMP-{i},2026-10-02T{:02}:30:00+08:00,{},{},2,12.34,CNY,{status},{refunded}\n",
                    i % 24,
                    shop.host,
                    shop.product
                ));
            }
            let imported = shop.import("", "text/csv", file).await;
            assert_eq!(imported.status, 201, "{}", imported.text());
            assert_eq!(imported.json()["inserted"].as_i64(), Some(300));
        })
    };

    // While all of that runs, the reports' source is checked again and again.
    let mut conn = direct_connection(&shop).await;
    let mut checks = 0;
    while !writers.iter().all(|w| w.is_finished()) || !importer.is_finished() {
        assert_eq!(
            rollup_mismatches(&mut conn, "_live", shop.owner.agency_id).await,
            Vec::<(String, i64)>::new()
        );
        checks += 1;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    importer.await.unwrap();
    stop.set(true);
    let mut folded = 0;
    for folder in folders {
        folded += folder.await.unwrap();
    }
    assert!(checks > 0);
    assert!(folded > 0, "the folders folded nothing while writers wrote");

    mcn::reports::fold::fold_all(&mut conn).await.unwrap();
    assert_eq!(pending_deltas(&mut conn, shop.owner.agency_id).await, 0);
    assert_eq!(
        rollup_mismatches(&mut conn, "", shop.owner.agency_id).await,
        Vec::<(String, i64)>::new()
    );
    // And the report the API answers agrees with the ledger.
    let report = shop
        .app
        .call(
            Method::GET,
            "/v1/reports/gmv?from=2026-10-01&to=2026-10-04&group_by=platform",
            Some(&shop.owner),
            None,
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.text());
    let row = &report.json()["rows"][0];
    // 96 single sales at 19.90, 300 imported lines (30 cancelled) at 24.68.
    assert_eq!(row["orders"].as_i64(), Some(96 + 270), "{row}");
    assert_eq!(row["gross"].as_str(), Some("8574.00"), "{row}");
    // 48 refunds of 3.10 and 30 imported lines refunded 5.00 each.
    assert_eq!(row["refunded"].as_str(), Some("298.80"), "{row}");
}
