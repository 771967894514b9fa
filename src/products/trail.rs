//! The liability trail of a product, as read from the calendar and the ledger: the sessions
//! that featured it, the hosts who promoted or sold it, and its sales per currency.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::ImpactSales;
use super::model::Product;
use crate::domain::currency::Currency;
use crate::domain::enums::SessionState;
use crate::schema::{influencers, live_sessions, sales, session_products};

/// A session that featured the product: id, host, title, start and state.
pub type SessionRow = (Uuid, Uuid, String, DateTime<Utc>, SessionState);

/// Every session that featured the product, past and upcoming, earliest first.
pub async fn sessions_of_product(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    product_id: Uuid,
) -> QueryResult<Vec<SessionRow>> {
    session_products::table
        .inner_join(
            live_sessions::table.on(live_sessions::agency_id
                .eq(session_products::agency_id)
                .and(live_sessions::id.eq(session_products::session_id))),
        )
        .filter(session_products::agency_id.eq(agency_id))
        .filter(session_products::product_id.eq(product_id))
        .order(live_sessions::scheduled_start.asc())
        .select((
            live_sessions::id,
            live_sessions::influencer_id,
            live_sessions::title,
            live_sessions::scheduled_start,
            live_sessions::state,
        ))
        .load(conn)
        .await
}

/// The stage names of the agency's hosts among `ids`, by stage name.
pub async fn stage_names(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, String)>> {
    influencers::table
        .filter(influencers::agency_id.eq(agency_id))
        .filter(influencers::id.eq_any(ids))
        .order(influencers::stage_name.asc())
        .select((influencers::id, influencers::stage_name))
        .load(conn)
        .await
}

/// Orders, units and gross of one currency, all and since the recall.
#[derive(Default)]
struct Totals {
    orders: i64,
    units: i64,
    gross: Decimal,
    orders_after_recall: i64,
    gross_after_recall: Decimal,
}

/// A product's sales per currency, all and since its recall (cancelled lines left out).
pub async fn sales_of_product(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    product: &Product,
) -> QueryResult<Vec<ImpactSales>> {
    let rows: Vec<(Currency, DateTime<Utc>, i32, Decimal)> = sales::table
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
    let mut per_currency: BTreeMap<Currency, Totals> = BTreeMap::new();
    for (currency, sold_at, quantity, gross) in rows {
        let totals = per_currency.entry(currency).or_default();
        totals.orders += 1;
        totals.units += i64::from(quantity);
        totals.gross += gross;
        if product
            .recalled_at
            .is_some_and(|recalled| sold_at >= recalled)
        {
            totals.orders_after_recall += 1;
            totals.gross_after_recall += gross;
        }
    }
    Ok(per_currency
        .into_iter()
        .map(|(currency, totals)| ImpactSales {
            orders: totals.orders,
            units: totals.units,
            gross: currency.format(totals.gross),
            orders_after_recall: totals.orders_after_recall,
            gross_after_recall: currency.format(totals.gross_after_recall),
            currency: currency.code().to_owned(),
        })
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
