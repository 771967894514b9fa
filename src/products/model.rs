//! Product and product-test rows.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::currency::Currency;
use crate::domain::enums::{RegulatedField, TestResult};
use crate::pagination::PageRequest;
use crate::schema::{product_tests, products};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = products)]
pub struct Product {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub list_price: Decimal,
    pub currency: Currency,
    pub commission_percent: Decimal,
    pub regulated_field: Option<RegulatedField>,
    pub recalled_at: Option<DateTime<Utc>>,
    pub recall_reason: Option<String>,
    pub recalled_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
    pub archived_by: Option<Uuid>,
}

pub async fn find(conn: &mut AsyncPgConnection, agency_id: Uuid, id: Uuid) -> QueryResult<Product> {
    products::table
        .find((agency_id, id))
        .select(Product::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> QueryResult<Product> {
    products::table
        .find((agency_id, id))
        .select(Product::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Products of the agency among `ids`.
pub async fn find_many(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<Product>> {
    products::table
        .filter(products::agency_id.eq(agency_id))
        .filter(products::id.eq_any(ids))
        .select(Product::as_select())
        .load(conn)
        .await
}

#[derive(Debug, Default)]
pub struct ProductFilter {
    pub q: Option<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub regulated_field: Option<RegulatedField>,
    pub recalled: Option<bool>,
    /// `true`: only archived products; `false`: only products in use.
    pub archived: bool,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    filter: &ProductFilter,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<Product>> {
    let mut query = products::table
        .filter(products::agency_id.eq(agency_id))
        .select(Product::as_select())
        .order(products::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(q) = &filter.q {
        let pattern = crate::domain::like_pattern(q);
        query = query.filter(
            products::name
                .ilike(pattern.clone())
                .or(products::sku.ilike(pattern)),
        );
    }
    if let Some(brand) = &filter.brand {
        query = query.filter(products::brand.eq(brand.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(products::category.eq(category.clone()));
    }
    if let Some(field) = filter.regulated_field {
        query = query.filter(products::regulated_field.eq(field));
    }
    query = if filter.archived {
        query.filter(products::archived_at.is_not_null())
    } else {
        query.filter(products::archived_at.is_null())
    };
    match filter.recalled {
        Some(true) => query = query.filter(products::recalled_at.is_not_null()),
        Some(false) => query = query.filter(products::recalled_at.is_null()),
        None => {}
    }
    if let Some(after) = page.after {
        query = query.filter(products::id.gt(after));
    }
    query.load(conn).await
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = products)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub brand: Option<Option<String>>,
    pub category: Option<Option<String>>,
    pub list_price: Option<Decimal>,
    pub currency: Option<Currency>,
    pub commission_percent: Option<Decimal>,
    pub regulated_field: Option<Option<RegulatedField>>,
    pub recalled_at: Option<Option<DateTime<Utc>>>,
    pub recall_reason: Option<Option<String>>,
    pub recalled_by: Option<Option<Uuid>>,
    pub archived_at: Option<Option<DateTime<Utc>>>,
    pub archived_by: Option<Option<Uuid>>,
}

/// Inserts a new product; a taken SKU is the database's unique violation.
pub async fn insert(conn: &mut AsyncPgConnection, product: &Product) -> QueryResult<usize> {
    diesel::insert_into(products::table)
        .values(product)
        .execute(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
    changes: &ProductChanges,
) -> QueryResult<Product> {
    diesel::update(products::table.find((agency_id, id)))
        .set((changes, products::version.eq(products::version + 1)))
        .returning(Product::as_returning())
        .get_result(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = product_tests)]
pub struct ProductTest {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub product_id: Uuid,
    pub influencer_id: Uuid,
    pub tested_on: NaiveDate,
    pub result: TestResult,
    pub notes: Option<String>,
    pub evidence_url: Option<String>,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Inserts a product test and answers it as stored (the database keeps microseconds).
pub async fn insert_test(
    conn: &mut AsyncPgConnection,
    test: &ProductTest,
) -> QueryResult<ProductTest> {
    diesel::insert_into(product_tests::table)
        .values(test)
        .returning(ProductTest::as_returning())
        .get_result(conn)
        .await
}

/// The product's tests, newest first (by test day, then id), after `after` when given.
pub async fn tests_of(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    product_id: Uuid,
    page: &PageRequest<(NaiveDate, Uuid)>,
) -> QueryResult<Vec<ProductTest>> {
    let mut query = product_tests::table
        .filter(product_tests::agency_id.eq(agency_id))
        .filter(product_tests::product_id.eq(product_id))
        .order((product_tests::tested_on.desc(), product_tests::id.desc()))
        .limit(page.fetch_limit())
        .select(ProductTest::as_select())
        .into_boxed();
    if let Some((tested_on, id)) = page.after {
        query = query.filter(
            product_tests::tested_on
                .lt(tested_on)
                .or(product_tests::tested_on
                    .eq(tested_on)
                    .and(product_tests::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// One test of the product.
pub async fn find_test(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    product_id: Uuid,
    test_id: Uuid,
) -> QueryResult<ProductTest> {
    product_tests::table
        .filter(product_tests::agency_id.eq(agency_id))
        .filter(product_tests::product_id.eq(product_id))
        .filter(product_tests::id.eq(test_id))
        .select(ProductTest::as_select())
        .first(conn)
        .await
}

/// One passing test as the rules read it.
#[derive(QueryableByName)]
struct PassingTest {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    product_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Date)]
    tested_on: NaiveDate,
}

/// Passing tests of `products` by `hosts` between `earliest` and `latest`: (host, product,
/// tested on). Each product's tests are read from `product_tests_lookup_idx` (the products
/// unnested), so the plan stays proportional to the lists whatever the planner knows of the
/// agency (filters `= ANY($param)` on both lists were planned as a scan of every test of the
/// agency).
pub async fn passing_tests(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hosts: &[Uuid],
    products: &[Uuid],
    earliest: NaiveDate,
    latest: NaiveDate,
) -> QueryResult<Vec<(Uuid, Uuid, NaiveDate)>> {
    const SQL: &str = "\
SELECT t.influencer_id, t.product_id, t.tested_on \
FROM unnest($3::uuid[]) AS k(id) \
JOIN product_tests t ON t.agency_id = $1 AND t.product_id = k.id \
WHERE t.influencer_id = ANY($2) AND t.result = 'pass' AND t.tested_on >= $4 AND t.tested_on <= $5";
    use diesel::sql_types::{Array, Date, Uuid as SqlUuid};
    if hosts.is_empty() || products.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<PassingTest> = crate::db::KeepPrepared(
        diesel::sql_query(SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<SqlUuid>, _>(hosts)
            .bind::<Array<SqlUuid>, _>(products)
            .bind::<Date, _>(earliest)
            .bind::<Date, _>(latest),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|t| (t.influencer_id, t.product_id, t.tested_on))
        .collect())
}
