//! Look-ups of many keys at once on the write path (imports and single sales), planned so that
//! their cost follows the number of keys whatever PostgreSQL's statistics say.
//!
//! Every statement here unnests its keys and looks each one up on its own, in a `LATERAL`
//! subquery the planner cannot flatten into a hash join (`LIMIT 1`, or `FOR UPDATE` for sales),
//! on the table's primary or unique key with `agency_id` first. A filter such as
//! `id = ANY($keys)` leaves the planner free to read all of an agency's rows and compare each
//! with the whole list, and it does so when its statistics were taken before the agency's rows
//! arrived (issue 11: about 3 s per batch of 1,000 lines). The tenant key carries no statistics
//! at all (migration `2026-11-29-001010_tenant_key_statistics`), so no agency ever looks empty
//! to the planner and the key's own index is the cheapest way to each row.
//!
//! Each statement is a `pub const` so that the tests `EXPLAIN` exactly what runs. Keys are
//! sorted and deduplicated first, and an empty list costs no statement. A statement that reads a
//! table twice, or a second table for what it found (a product's commission rate), looks each
//! row up the same way, in a `LATERAL ... LIMIT 1` of its own.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::result::QueryResult;
use diesel::sql_types::{Array, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::KeepPrepared;
use crate::domain::enums::Platform;

/// Hosts of the agency among `$2` (ids).
pub const HOSTS_SQL: &str = "\
SELECT i.id FROM unnest($2::uuid[]) AS k(id) \
CROSS JOIN LATERAL (SELECT influencers.id FROM influencers \
    WHERE influencers.agency_id = $1 AND influencers.id = k.id LIMIT 1) AS i";

/// Platform accounts of the agency among (`$2` platform, `$3` platform user id) pairs.
pub const ACCOUNTS_SQL: &str = "\
SELECT a.platform, a.platform_user_id, a.influencer_id \
FROM unnest($2::text[], $3::text[]) AS k(platform, platform_user_id) \
CROSS JOIN LATERAL (SELECT pa.platform, pa.platform_user_id, pa.influencer_id \
    FROM platform_accounts pa WHERE pa.agency_id = $1 AND pa.platform = k.platform \
    AND pa.platform_user_id = k.platform_user_id LIMIT 1) AS a";

/// Hosts of the agency with an account among (`$2` platform, `$3` handle) pairs: up to two per
/// pair, so that a handle two hosts share is seen to be ambiguous.
pub const HANDLES_SQL: &str = "\
SELECT a.platform, a.handle, a.influencer_id \
FROM unnest($2::text[], $3::text[]) AS k(platform, handle) \
CROSS JOIN LATERAL (SELECT DISTINCT pa.platform, pa.handle, pa.influencer_id \
    FROM platform_accounts pa WHERE pa.agency_id = $1 AND pa.platform = k.platform \
    AND pa.handle = k.handle LIMIT 2) AS a";

/// Products of the agency among `$2` (ids), with their commission rate and archive time.
pub const PRODUCTS_SQL: &str = "\
SELECT p.id, p.sku, p.commission_percent, p.archived_at FROM unnest($2::uuid[]) AS k(id) \
CROSS JOIN LATERAL (SELECT products.id, products.sku, products.commission_percent, \
    products.archived_at \
    FROM products WHERE products.agency_id = $1 AND products.id = k.id LIMIT 1) AS p";

/// Products of the agency among `$2` (SKUs), with their commission rate and archive time.
pub const PRODUCTS_BY_SKU_SQL: &str = "\
SELECT p.id, p.sku, p.commission_percent, p.archived_at FROM unnest($2::text[]) AS k(sku) \
CROSS JOIN LATERAL (SELECT products.id, products.sku, products.commission_percent, \
    products.archived_at \
    FROM products WHERE products.agency_id = $1 AND products.sku = k.sku LIMIT 1) AS p";

/// Products of the agency among (`$2` platform, `$3` item id, `$4` SKU code or NULL) platform
/// items, with their commission rate: for each key, the mapping of exactly that SKU code if
/// there is one, else the item's mapping without a SKU code. Each is its own probe of the
/// mappings' unique key (a key without a SKU code finds no exact mapping, as `= NULL` is never
/// true), so that no plan sorts or scans an item's mappings to choose between them; the
/// product is then looked up by the one found.
pub const PLATFORM_ITEMS_SQL: &str = "\
SELECT k.platform, k.item_id, k.sku_code, p.id AS product_id, p.commission_percent, \
    p.archived_at \
FROM unnest($2::text[], $3::text[], $4::text[]) AS k(platform, item_id, sku_code) \
LEFT JOIN LATERAL (SELECT ppi.product_id FROM product_platform_items ppi \
    WHERE ppi.agency_id = $1 AND ppi.platform = k.platform AND ppi.item_id = k.item_id \
    AND ppi.sku_code = k.sku_code LIMIT 1) AS exact ON true \
LEFT JOIN LATERAL (SELECT ppi.product_id FROM product_platform_items ppi \
    WHERE ppi.agency_id = $1 AND ppi.platform = k.platform AND ppi.item_id = k.item_id \
    AND ppi.sku_code IS NULL LIMIT 1) AS whole ON true \
CROSS JOIN LATERAL (SELECT products.id, products.commission_percent, products.archived_at \
    FROM products WHERE products.agency_id = $1 \
    AND products.id = coalesce(exact.product_id, whole.product_id) LIMIT 1) AS p";

/// Live sessions of the agency among `$2` (ids), with their host.
pub const SESSIONS_SQL: &str = "\
SELECT s.id, s.influencer_id FROM unnest($2::uuid[]) AS k(id) \
CROSS JOIN LATERAL (SELECT live_sessions.id, live_sessions.influencer_id FROM live_sessions \
    WHERE live_sessions.agency_id = $1 AND live_sessions.id = k.id LIMIT 1) AS s";

/// `keys` sorted, each once.
pub fn distinct<T: Ord + Clone>(keys: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut keys: Vec<T> = keys.into_iter().collect();
    keys.sort();
    keys.dedup();
    keys
}

/// (platform, key) pairs sorted and deduplicated, as the two text arrays the statements take.
pub fn pair_arrays<'a>(
    pairs: impl IntoIterator<Item = (Platform, &'a str)>,
) -> (Vec<&'static str>, Vec<&'a str>) {
    distinct(pairs)
        .into_iter()
        .map(|(platform, key)| (platform.as_str(), key))
        .unzip()
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

#[derive(QueryableByName)]
struct AccountRow {
    #[diesel(sql_type = Text)]
    platform: Platform,
    #[diesel(sql_type = Text)]
    platform_user_id: String,
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
}

#[derive(QueryableByName)]
struct HandleRow {
    #[diesel(sql_type = Text)]
    platform: Platform,
    #[diesel(sql_type = Text)]
    handle: String,
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
}

#[derive(QueryableByName)]
struct ProductRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    sku: String,
    #[diesel(sql_type = Numeric)]
    commission_percent: Decimal,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    archived_at: Option<DateTime<Utc>>,
}

/// What a line takes from the product it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductFacts {
    pub id: Uuid,
    pub commission_percent: Decimal,
    /// When the product was archived: lines sold since are refused (`product_archived`).
    pub archived_at: Option<DateTime<Utc>>,
}

impl ProductRow {
    fn facts(&self) -> ProductFacts {
        ProductFacts {
            id: self.id,
            commission_percent: self.commission_percent,
            archived_at: self.archived_at,
        }
    }
}

#[derive(QueryableByName)]
struct PlatformItemRow {
    #[diesel(sql_type = Text)]
    platform: Platform,
    #[diesel(sql_type = Text)]
    item_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    sku_code: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    product_id: Uuid,
    #[diesel(sql_type = Numeric)]
    commission_percent: Decimal,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    archived_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct SessionRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
}

/// Runs `sql` with the agency as `$1` and `ids` (sorted, each once) as `$2`; no statement
/// without ids.
async fn by_ids<R>(
    conn: &mut AsyncPgConnection,
    sql: &'static str,
    agency_id: Uuid,
    ids: impl IntoIterator<Item = Uuid>,
) -> QueryResult<Vec<R>>
where
    R: QueryableByName<Pg> + Send + 'static,
{
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    KeepPrepared(
        diesel::sql_query(sql)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<SqlUuid>, _>(ids),
    )
    .load(conn)
    .await
}

/// Which of `ids` are hosts of the agency.
pub async fn known_hosts(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    ids: impl IntoIterator<Item = Uuid>,
) -> QueryResult<HashSet<Uuid>> {
    let rows: Vec<Id> = by_ids(conn, HOSTS_SQL, agency_id, ids).await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// The host of each (platform, platform user id) account of the agency among `accounts`.
pub async fn account_hosts(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    accounts: impl IntoIterator<Item = (Platform, &str)>,
) -> QueryResult<HashMap<(Platform, String), Uuid>> {
    let (platforms, users) = pair_arrays(accounts);
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<AccountRow> = KeepPrepared(
        diesel::sql_query(ACCOUNTS_SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<Text>, _>(platforms)
            .bind::<Array<Text>, _>(users),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ((row.platform, row.platform_user_id), row.influencer_id))
        .collect())
}

/// The hosts (one, or two when ambiguous) with a (platform, handle) account among `handles`.
pub async fn handle_hosts(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    handles: impl IntoIterator<Item = (Platform, &str)>,
) -> QueryResult<HashMap<(Platform, String), Vec<Uuid>>> {
    let (platforms, names) = pair_arrays(handles);
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<HandleRow> = KeepPrepared(
        diesel::sql_query(HANDLES_SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<Text>, _>(platforms)
            .bind::<Array<Text>, _>(names),
    )
    .load(conn)
    .await?;
    let mut hosts: HashMap<(Platform, String), Vec<Uuid>> = HashMap::new();
    for row in rows {
        hosts
            .entry((row.platform, row.handle))
            .or_default()
            .push(row.influencer_id);
    }
    Ok(hosts)
}

/// The commission rate and archive time of each product of the agency among `ids`.
pub async fn products_by_id(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    ids: impl IntoIterator<Item = Uuid>,
) -> QueryResult<HashMap<Uuid, ProductFacts>> {
    let rows: Vec<ProductRow> = by_ids(conn, PRODUCTS_SQL, agency_id, ids).await?;
    Ok(rows.into_iter().map(|row| (row.id, row.facts())).collect())
}

/// The id, commission rate and archive time of each product of the agency among `skus`.
pub async fn products_by_sku(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    skus: impl IntoIterator<Item = &str>,
) -> QueryResult<HashMap<String, ProductFacts>> {
    let skus = distinct(skus);
    if skus.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<ProductRow> = KeepPrepared(
        diesel::sql_query(PRODUCTS_BY_SKU_SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<Text>, _>(skus),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.sku.clone(), row.facts()))
        .collect())
}

/// A platform item's key as the importer reads it from a line: platform, item id and SKU code
/// (`None`: the line names no SKU code).
pub type PlatformItemKey = (Platform, String, Option<String>);

/// The product (id and commission rate) of each platform item among `keys`, by the agency's
/// mappings (`/v1/products/{id}/platform-items`):
///
/// - a key with a SKU code finds the mapping of exactly that SKU code, and when there is none,
///   the item's mapping without a SKU code (which stands for every SKU of the item);
/// - a key without a SKU code finds the item's mapping without one only (a mapping of one SKU
///   never stands for the whole item).
///
/// The answer is keyed by the keys as given (owned); a key that finds nothing is absent. One
/// statement for every key; none when there are no keys.
pub async fn platform_items<'a>(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    keys: impl IntoIterator<Item = (Platform, &'a str, Option<&'a str>)>,
) -> QueryResult<HashMap<PlatformItemKey, (Uuid, Decimal)>> {
    Ok(platform_item_products(conn, agency_id, keys)
        .await?
        .into_iter()
        .map(|(key, facts)| (key, (facts.id, facts.commission_percent)))
        .collect())
}

/// [`platform_items`], with each product's archive time.
pub async fn platform_item_products<'a>(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    keys: impl IntoIterator<Item = (Platform, &'a str, Option<&'a str>)>,
) -> QueryResult<HashMap<PlatformItemKey, ProductFacts>> {
    let (platforms, items, skus) = triple_arrays(keys);
    if items.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<PlatformItemRow> = KeepPrepared(
        diesel::sql_query(PLATFORM_ITEMS_SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<Text>, _>(platforms)
            .bind::<Array<Text>, _>(items)
            .bind::<Array<Nullable<Text>>, _>(skus),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                (row.platform, row.item_id, row.sku_code),
                ProductFacts {
                    id: row.product_id,
                    commission_percent: row.commission_percent,
                    archived_at: row.archived_at,
                },
            )
        })
        .collect())
}

/// (platform, item id, SKU code) keys sorted and deduplicated, as the three arrays
/// [`PLATFORM_ITEMS_SQL`] takes.
fn triple_arrays<'a>(
    keys: impl IntoIterator<Item = (Platform, &'a str, Option<&'a str>)>,
) -> (Vec<&'static str>, Vec<&'a str>, Vec<Option<&'a str>>) {
    let mut platforms = Vec::new();
    let mut items = Vec::new();
    let mut skus = Vec::new();
    for (platform, item, sku) in distinct(keys) {
        platforms.push(platform.as_str());
        items.push(item);
        skus.push(sku);
    }
    (platforms, items, skus)
}

/// The host of each live session of the agency among `ids`.
pub async fn session_hosts(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    ids: impl IntoIterator<Item = Uuid>,
) -> QueryResult<HashMap<Uuid, Uuid>> {
    let rows: Vec<SessionRow> = by_ids(conn, SESSIONS_SQL, agency_id, ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.id, row.influencer_id))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_once() {
        assert_eq!(distinct([3, 1, 3, 2, 1]), vec![1, 2, 3]);
        let (platforms, ids) = pair_arrays([
            (Platform::Kuaishou, "b"),
            (Platform::Douyin, "z"),
            (Platform::Kuaishou, "b"),
            (Platform::Douyin, "a"),
        ]);
        assert_eq!(platforms, vec!["douyin", "douyin", "kuaishou"]);
        assert_eq!(ids, vec!["a", "z", "b"]);
        let (platforms, items, skus) = triple_arrays([
            (Platform::Taobao, "9", None),
            (Platform::Douyin, "9", Some("red")),
            (Platform::Taobao, "9", Some("blue")),
            (Platform::Douyin, "9", Some("red")),
        ]);
        assert_eq!(platforms, vec!["douyin", "taobao", "taobao"]);
        assert_eq!(items, vec!["9", "9", "9"]);
        assert_eq!(skus, vec![Some("red"), None, Some("blue")]);
    }
}
