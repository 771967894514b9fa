//! Findings after the fact (DESIGN.md): what past sessions and the sales ledger reveal. They
//! are listed on the compliance pages and never refuse data.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rules::{Violation, ViolationCode};
use crate::domain::enums::SessionState;
use crate::schema::{live_sessions, products, session_products, session_reviews};

/// Findings of `hosts` (all hosts of the agency with `None`), as (host, session, violation).
pub async fn findings(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hosts: Option<&[Uuid]>,
) -> QueryResult<Vec<(Uuid, Option<Uuid>, Violation)>> {
    let mut out = Vec::new();

    let mut reviews = session_reviews::table
        .inner_join(
            live_sessions::table.on(live_sessions::agency_id
                .eq(session_reviews::agency_id)
                .and(live_sessions::id.eq(session_reviews::session_id))),
        )
        .filter(session_reviews::agency_id.eq(agency_id))
        .filter(
            session_reviews::mandarin_spoken
                .eq(false)
                .or(session_reviews::dress_code_ok.eq(false)),
        )
        .select((
            live_sessions::influencer_id,
            live_sessions::id,
            live_sessions::title,
            session_reviews::mandarin_spoken,
            session_reviews::dress_code_ok,
        ))
        .into_boxed();
    if let Some(hosts) = hosts {
        reviews = reviews.filter(live_sessions::influencer_id.eq_any(hosts));
    }
    for (host, session, title, mandarin, dress) in reviews
        .load::<(Uuid, Uuid, String, bool, bool)>(conn)
        .await?
    {
        if !mandarin {
            out.push((
                host,
                Some(session),
                Violation::new(
                    ViolationCode::ReviewLanguageViolation,
                    format!("Session \"{title}\" ({session}) was not in Mandarin."),
                )
                .about(session.to_string()),
            ));
        }
        if !dress {
            out.push((
                host,
                Some(session),
                Violation::new(
                    ViolationCode::ReviewDressViolation,
                    format!("Session \"{title}\" ({session}) broke the dress code."),
                )
                .about(session.to_string()),
            ));
        }
    }

    let mut promoted = session_products::table
        .inner_join(
            live_sessions::table.on(live_sessions::agency_id
                .eq(session_products::agency_id)
                .and(live_sessions::id.eq(session_products::session_id))),
        )
        .inner_join(
            products::table.on(products::agency_id
                .eq(session_products::agency_id)
                .and(products::id.eq(session_products::product_id))),
        )
        .filter(session_products::agency_id.eq(agency_id))
        .filter(products::recalled_at.is_not_null())
        .filter(live_sessions::state.eq_any([SessionState::Live, SessionState::Ended]))
        .select((
            live_sessions::influencer_id,
            live_sessions::id,
            products::sku,
        ))
        .into_boxed();
    if let Some(hosts) = hosts {
        promoted = promoted.filter(live_sessions::influencer_id.eq_any(hosts));
    }
    for (host, session, sku) in promoted.load::<(Uuid, Uuid, String)>(conn).await? {
        out.push((
            host,
            Some(session),
            Violation::new(
                ViolationCode::RecalledProductPromoted,
                format!("Recalled product {sku} was promoted in session {session}."),
            )
            .about(format!("{session}:{sku}")),
        ));
    }
    Ok(out)
}

/// Per host of `$2`, its number of sales and whether it has an active legal entity: each host is
/// counted on its own through `(agency_id, influencer_id)` (a range of `sales_influencer_idx`
/// per host, whatever the planner's statistics say), hosts without sales left out.
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

#[derive(QueryableByName)]
struct Seller {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sold: i64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    has_entity: bool,
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

/// Runs `sql` with the agency as `$1` and the hosts as `$2`.
async fn per_host<T: QueryableByName<Pg> + Send + 'static>(
    conn: &mut AsyncPgConnection,
    sql: &'static str,
    agency_id: Uuid,
    hosts: &[Uuid],
) -> QueryResult<Vec<T>> {
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(agency_id)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(hosts)
        .load(conn)
        .await
}

/// `sales_without_legal_entity` and `recalled_product_sold` for `hosts`.
pub async fn sales_findings(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hosts: &[Uuid],
) -> QueryResult<Vec<(Uuid, Violation)>> {
    let mut hosts = hosts.to_vec();
    hosts.sort();
    hosts.dedup();
    if hosts.is_empty() {
        return Ok(Vec::new());
    }
    let sellers: Vec<Seller> = per_host(conn, SELLERS_SQL, agency_id, &hosts).await?;
    let mut out: Vec<(Uuid, Violation)> = sellers
        .into_iter()
        .filter(|seller| !seller.has_entity)
        .map(|seller| {
            let message = format!(
                "The host has {} recorded sales and no active legal entity.",
                seller.sold
            );
            let violation = Violation::new(ViolationCode::SalesWithoutLegalEntity, message);
            (seller.influencer_id, violation)
        })
        .collect();
    let recalled: Vec<RecalledSold> = per_host(conn, RECALLED_SOLD_SQL, agency_id, &hosts).await?;
    for RecalledSold {
        influencer_id: host,
        sku,
        sold: count,
    } in recalled
    {
        let message = format!("{count} sales of recalled product {sku} after its recall.");
        let violation = Violation::new(ViolationCode::RecalledProductSold, message).about(sku);
        out.push((host, violation));
    }
    Ok(out)
}
