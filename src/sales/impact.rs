//! What the ledger adds to a product's recall trail and to the compliance page.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::compliance::rules::{Violation, ViolationCode};
use crate::domain::enums::EntityStatus;
use crate::domain::money::format_amount;
use crate::products::dto::ImpactSales;
use crate::products::model::Product;
use crate::schema::{legal_entities, sales};

/// A product's sales per currency, all and since its recall (cancelled lines left out).
pub async fn sales_of_product(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    product: &Product,
) -> QueryResult<Vec<ImpactSales>> {
    let rows: Vec<(String, chrono::DateTime<chrono::Utc>, i32, Decimal)> = sales::table
        .filter(sales::agency_id.eq(agency_id))
        .filter(sales::product_id.eq(product.id))
        .filter(sales::status.ne("cancelled"))
        .select((
            sales::currency,
            sales::sold_at,
            sales::quantity,
            sales::gross,
        ))
        .load(conn)
        .await?;
    let mut per_currency: std::collections::BTreeMap<String, (i64, i64, Decimal, i64, Decimal)> =
        Default::default();
    for (currency, sold_at, quantity, gross) in rows {
        let entry = per_currency.entry(currency.trim().to_owned()).or_default();
        entry.0 += 1;
        entry.1 += i64::from(quantity);
        entry.2 += gross;
        if product
            .recalled_at
            .is_some_and(|recalled| sold_at >= recalled)
        {
            entry.3 += 1;
            entry.4 += gross;
        }
    }
    Ok(per_currency
        .into_iter()
        .map(
            |(currency, (orders, units, gross, after, gross_after))| ImpactSales {
                orders,
                units,
                gross: format_amount(gross, &currency),
                orders_after_recall: after,
                gross_after_recall: format_amount(gross_after, &currency),
                currency,
            },
        )
        .collect())
}

/// Hosts who sold the product.
pub async fn sellers_of_product(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    product_id: Uuid,
) -> QueryResult<Vec<Uuid>> {
    sales::table
        .filter(sales::agency_id.eq(agency_id))
        .filter(sales::product_id.eq(product_id))
        .select(sales::influencer_id)
        .distinct()
        .load(conn)
        .await
}

/// `sales_without_legal_entity` and `recalled_product_sold` for `hosts`.
pub async fn sales_findings(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hosts: &[Uuid],
) -> QueryResult<Vec<(Uuid, Violation)>> {
    let mut out = Vec::new();
    let sellers: Vec<(Uuid, i64)> = sales::table
        .filter(sales::agency_id.eq(agency_id))
        .filter(sales::influencer_id.eq_any(hosts))
        .group_by(sales::influencer_id)
        .select((sales::influencer_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    let with_entity: Vec<Uuid> = legal_entities::table
        .filter(legal_entities::agency_id.eq(agency_id))
        .filter(legal_entities::influencer_id.eq_any(hosts))
        .filter(legal_entities::status.eq(EntityStatus::Active))
        .select(legal_entities::influencer_id)
        .load(conn)
        .await?;
    for (host, count) in sellers {
        if !with_entity.contains(&host) {
            out.push((
                host,
                Violation::new(
                    ViolationCode::SalesWithoutLegalEntity,
                    format!("The host has {count} recorded sales and no active legal entity."),
                ),
            ));
        }
    }
    #[derive(QueryableByName)]
    struct RecalledSold {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        influencer_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        sku: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        sold: i64,
    }
    let recalled: Vec<RecalledSold> = diesel::sql_query(
        "SELECT s.influencer_id, p.sku, count(*) AS sold \
         FROM sales s JOIN products p ON p.agency_id = s.agency_id AND p.id = s.product_id \
         WHERE s.agency_id = $1 AND s.influencer_id = ANY($2) \
           AND p.recalled_at IS NOT NULL AND s.sold_at >= p.recalled_at AND s.status <> 'cancelled' \
         GROUP BY s.influencer_id, p.sku ORDER BY s.influencer_id, p.sku",
    )
    .bind::<diesel::sql_types::Uuid, _>(agency_id)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(hosts)
    .load(conn)
    .await?;
    for RecalledSold {
        influencer_id: host,
        sku,
        sold: count,
    } in recalled
    {
        out.push((
            host,
            Violation::new(
                ViolationCode::RecalledProductSold,
                format!("{count} sales of recalled product {sku} after its recall."),
            )
            .about(sku),
        ));
    }
    Ok(out)
}
