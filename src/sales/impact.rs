//! What the ledger adds to a product's recall trail and to the compliance page.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::compliance::rules::{Violation, ViolationCode};
use crate::domain::money::format_amount;
use crate::products::dto::ImpactSales;
use crate::products::model::Product;
use crate::schema::sales;

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

/// Per host of `$2`, its number of sales and whether it has an active legal entity: each host is
/// counted on its own through `(agency_id, influencer_id)` (see [`super::lookup`]), hosts
/// without sales left out.
pub const SELLERS_SQL: &str = "\
SELECT k.id AS influencer_id, c.sold, \
    EXISTS (SELECT 1 FROM legal_entities e WHERE e.agency_id = $1 \
        AND e.influencer_id = k.id AND e.status = 'active') AS has_entity \
FROM unnest($2::uuid[]) AS k(id) \
CROSS JOIN LATERAL (SELECT count(*) AS sold FROM sales \
    WHERE sales.agency_id = $1 AND sales.influencer_id = k.id) AS c \
WHERE c.sold > 0 ORDER BY k.id";

/// Sales of recalled products after their recall by hosts of `$2`, per host and SKU. Driven by
/// the agency's recalled products and each one's sales since its recall (`(agency_id,
/// product_id, sold_at)`), so the hosts' other sales are never read.
pub const RECALLED_SOLD_SQL: &str = "\
SELECT s.influencer_id, p.sku, count(*) AS sold \
FROM products p \
CROSS JOIN LATERAL (SELECT sales.influencer_id FROM sales WHERE sales.agency_id = $1 \
    AND sales.product_id = p.id AND sales.sold_at >= p.recalled_at \
    AND sales.status <> 'cancelled' OFFSET 0) AS s \
JOIN unnest($2::uuid[]) AS k(id) ON k.id = s.influencer_id \
WHERE p.agency_id = $1 AND p.recalled_at IS NOT NULL \
GROUP BY s.influencer_id, p.sku ORDER BY s.influencer_id, p.sku";

/// `sales_without_legal_entity` and `recalled_product_sold` for `hosts`.
pub async fn sales_findings(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hosts: &[Uuid],
) -> QueryResult<Vec<(Uuid, Violation)>> {
    let hosts = super::lookup::distinct(hosts.iter().copied());
    if hosts.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(QueryableByName)]
    struct Seller {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        influencer_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        sold: i64,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        has_entity: bool,
    }
    let sellers: Vec<Seller> = diesel::sql_query(SELLERS_SQL)
        .bind::<diesel::sql_types::Uuid, _>(agency_id)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&hosts)
        .load(conn)
        .await?;
    let mut out: Vec<(Uuid, Violation)> = sellers
        .into_iter()
        .filter(|seller| !seller.has_entity)
        .map(|seller| {
            (
                seller.influencer_id,
                Violation::new(
                    ViolationCode::SalesWithoutLegalEntity,
                    format!(
                        "The host has {} recorded sales and no active legal entity.",
                        seller.sold
                    ),
                ),
            )
        })
        .collect();
    #[derive(QueryableByName)]
    struct RecalledSold {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        influencer_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        sku: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        sold: i64,
    }
    let recalled: Vec<RecalledSold> = diesel::sql_query(RECALLED_SOLD_SQL)
        .bind::<diesel::sql_types::Uuid, _>(agency_id)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&hosts)
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
