//! Values read from the database are parsed once into their types: an agency whose stored time
//! zone or currency does not parse answers an error, never a sale at a defaulted zone or in a
//! defaulted currency.

use actix_web::http::Method;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::sales::{Shop, post, shop};

async fn execute(shop: &Shop, sql: &str) {
    let mut conn = shop.app.state.conn().await.unwrap();
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

/// A line at a local time (no offset), read in the agency's zone, in its default currency.
fn local_line(shop: &Shop, order: &str) -> serde_json::Value {
    json!({
        "platform": "douyin", "external_order_id": order, "sold_at": "2026-11-20 21:30:00",
        "influencer_id": shop.host, "product_id": shop.product, "quantity": 1, "unit_price": "10.00"
    })
}

async fn sales_recorded(shop: &Shop) -> usize {
    let list = shop
        .app
        .call(Method::GET, "/v1/sales", Some(&shop.owner), None)
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    list.json()["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn an_agency_whose_stored_zone_does_not_parse_answers_an_error_not_a_default() {
    let shop = shop("Zone Co").await;
    let agency = shop.owner.agency_id;
    execute(
        &shop,
        &format!("UPDATE agencies SET time_zone = 'Mars/Olympus' WHERE id = '{agency}'"),
    )
    .await;

    post(&shop, &local_line(&shop, "DY-Z1"))
        .await
        .problem(500, "internal_error");
    shop.import(
        "",
        "text/csv",
        "platform,external_order_id,sold_at,influencer_id,product_id,quantity,unit_price\n\
         douyin,DY-Z2,2026-11-20 21:30:00,{},{},1,10.00\n"
            .replace("{},{}", &format!("{},{}", shop.host, shop.product)),
    )
    .await
    .problem(500, "internal_error");
    shop.app
        .call(
            Method::GET,
            "/v1/reports/gmv?from=2026-11-01&to=2026-12-01",
            Some(&shop.owner),
            None,
        )
        .await
        .problem(500, "internal_error");
    assert_eq!(sales_recorded(&shop).await, 0, "nothing written");

    // Repaired, the same line is read in the agency's zone.
    execute(
        &shop,
        &format!("UPDATE agencies SET time_zone = 'Asia/Shanghai' WHERE id = '{agency}'"),
    )
    .await;
    let created = post(&shop, &local_line(&shop, "DY-Z1")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["sold_at"], "2026-11-20T13:30:00Z");
}

#[actix_web::test]
async fn an_agency_whose_stored_currency_is_unknown_answers_an_error_not_a_default() {
    let shop = shop("Currency Co").await;
    let agency = shop.owner.agency_id;
    execute(
        &shop,
        &format!("UPDATE agencies SET default_currency = 'XXX' WHERE id = '{agency}'"),
    )
    .await;
    post(&shop, &local_line(&shop, "DY-C1"))
        .await
        .problem(500, "internal_error");
    assert_eq!(sales_recorded(&shop).await, 0, "nothing written");

    execute(
        &shop,
        &format!("UPDATE agencies SET default_currency = 'JPY' WHERE id = '{agency}'"),
    )
    .await;
    let mut line = local_line(&shop, "DY-C1");
    line["unit_price"] = json!("1200");
    let created = post(&shop, &line).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["currency"], "JPY");
    assert_eq!(created.json()["gross"], "1200");
}
