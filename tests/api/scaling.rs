//! Plans that do not depend on luck: imports into a freshly created agency look every known
//! line up through its own key, whatever PostgreSQL's statistics say, and stay correct.

use actix_web::http::Method;
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::row::NamedRow;
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::products::create_product;
use crate::roster::create_influencer;

/// The keys bound to a look-up, as the code binds them.
enum Keys {
    Ids(Vec<Uuid>),
    Texts(Vec<String>),
}

/// One row of `EXPLAIN (FORMAT JSON)`.
struct Plan(Value);

impl QueryableByName<Pg> for Plan {
    fn build<'a>(row: &impl NamedRow<'a, Pg>) -> diesel::deserialize::Result<Self> {
        NamedRow::get::<diesel::sql_types::Json, Value>(row, "QUERY PLAN").map(Plan)
    }
}

/// Every node of `plan` that reads a table: (node type, table, index).
fn reads(plan: &Value, out: &mut Vec<(String, String, String)>) {
    if let Some(table) = plan["Relation Name"].as_str() {
        out.push((
            plan["Node Type"].as_str().unwrap_or_default().to_owned(),
            table.to_owned(),
            plan["Index Name"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        reads(child, out);
    }
}

/// Checks that `plan` is one bounded look-up per key: its joins are nested loops over the keys'
/// `Function Scan`, and it reads each table right under a `Limit` of its own (a `Memoize` may
/// sit above that). Adds the tables read to `tables`, in plan order; the error says what breaks
/// that shape.
fn keyed_reads(plan: &Value, under_limit: bool, tables: &mut Vec<String>) -> Result<(), String> {
    let node = plan["Node Type"].as_str().unwrap_or_default();
    let mut children = plan["Plans"].as_array().into_iter().flatten();
    match node {
        "Function Scan" => Ok(()),
        "Limit" => children.try_for_each(|child| keyed_reads(child, true, tables)),
        "Memoize" => children.try_for_each(|child| keyed_reads(child, under_limit, tables)),
        "Nested Loop" => children.try_for_each(|child| keyed_reads(child, false, tables)),
        _ => match plan["Relation Name"].as_str() {
            Some(table) if under_limit => {
                tables.push(table.to_owned());
                Ok(())
            }
            Some(table) => Err(format!("{node} of {table} outside a Limit")),
            None => Err(format!("a {node}")),
        },
    }
}

fn table_reads(plan: &Plan, table: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    reads(&plan.0[0]["Plan"], &mut out);
    out.into_iter()
        .filter(|(_, t, _)| t == table)
        .map(|(node, _, index)| (node, index))
        .collect()
}

/// An agency with a host (Douyin account `account`) and a product `sku`.
async fn seller(app: &TestApp, name: &str, account: &str, sku: &str) -> (Session, Uuid, Uuid) {
    let owner = app.signup_agency(name).await;
    let host = create_influencer(app, &owner, "human", "Seller").await;
    let created = app
        .call(
            Method::POST,
            &format!("/v1/influencers/{host}/platform-accounts"),
            Some(&owner),
            Some(json!({ "platform": "douyin", "handle": "@seller", "platform_user_id": account })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let product = create_product(app, &owner, sku, None).await;
    (owner, host, product)
}

/// `count` lines `prefix-from` … of `account` and `sku`; the first `refunded` of them refunded.
fn lines(
    prefix: &str,
    from: usize,
    count: usize,
    account: &str,
    sku: &str,
    refunded: usize,
) -> String {
    let mut text = "platform,external_order_id,sold_at,platform_user_id,sku,quantity,unit_price,status,refunded_amount\n".to_owned();
    for n in from..from + count {
        let status = if n < from + refunded { "refunded" } else { "" };
        text.push_str(&format!(
            "douyin,{prefix}-{n},2026-11-20T10:00:00Z,{account},{sku},1,10.00,{status},\n"
        ));
    }
    text
}

async fn import(app: &TestApp, session: &Session, csv: String) -> Value {
    let request = app
        .request(Method::POST, "/v1/sales/imports")
        .bearer_auth(&session.access_token)
        .insert_header(("content-type", "text/csv"));
    let answer = TestResponse::read(request.send_body(csv).await).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()
}

fn counts(result: &Value) -> [i64; 4] {
    ["inserted", "updated", "duplicates", "rejected"].map(|k| result[k].as_i64().unwrap())
}

async fn explain_order_lines(conn: &mut AsyncPgConnection, agency: Uuid, ids: &[String]) -> Plan {
    diesel::sql_query(format!(
        "EXPLAIN (FORMAT JSON) {}",
        mcn::sales::model::FIND_LINES_SQL
    ))
    .bind::<SqlUuid, _>(agency)
    .bind::<Array<Text>, _>(vec!["douyin"; ids.len()])
    .bind::<Array<Text>, _>(ids)
    .get_result(conn)
    .await
    .unwrap()
}

#[actix_web::test]
async fn imports_into_a_new_agency_look_lines_up_by_key_whatever_the_statistics_say() {
    if crate::helpers::db::skip_on_shared_database(
        "reads single-node plans (EXPLAIN) and statistics",
    ) {
        return;
    }
    let app = TestApp::spawn().await;
    let (old, ..) = seller(&app, "Old Co", "dy-old", "OLD-1").await;
    let first = import(&app, &old, lines("O", 0, 300, "dy-old", "OLD-1", 0)).await;
    assert_eq!(counts(&first), [300, 0, 0, 0]);
    let mut conn = app.state.conn().await.unwrap();
    // Statistics taken now describe a ledger that holds the old agency only.
    diesel::sql_query("ANALYZE")
        .execute(&mut conn)
        .await
        .unwrap();
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let tenant_stats: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stats WHERE schemaname = current_schema() AND attname = 'agency_id'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        tenant_stats.n, 0,
        "the planner keeps no statistics on agency_id"
    );

    // A new agency, then its imports with no ANALYZE in between.
    let (new, host, product) = seller(&app, "New Co", "dy-new", "NEW-1").await;
    let batch = import(&app, &new, lines("N", 0, 1000, "dy-new", "NEW-1", 0)).await;
    assert_eq!(counts(&batch), [1000, 0, 0, 0]);

    // The next batch: 500 known lines (100 of them refunded since), 500 new ones.
    let keys: Vec<String> = (500..1500).map(|n| format!("N-{n}")).collect();
    let plan = explain_order_lines(&mut conn, new.agency_id, &keys).await;
    let sales_reads = table_reads(&plan, "sales");
    assert!(!sales_reads.is_empty(), "{}", plan.0);
    for (node, index) in &sales_reads {
        // The order line's own key, or the order id's index (agency, order id: at most one row
        // per platform), both one probe per key.
        assert!(
            node == "Index Scan"
                && ["sales_order_line_key", "sales_external_order_idx"].contains(&index.as_str()),
            "each key is looked up through the order line's own key, never by reading the agency's lines: {}",
            plan.0
        );
    }
    assert_eq!(
        plan.0[0]["Plan"]["Node Type"], "Nested Loop",
        "one look-up per key: {}",
        plan.0
    );

    // The write path's other look-ups go key by key too.
    let ids = |id: Uuid| Keys::Ids(vec![id]);
    let texts = |text: &str| Keys::Texts(vec![text.to_owned()]);
    let lookups = [
        (
            mcn::sales::lookup::HOSTS_SQL,
            vec!["influencers"],
            vec![ids(host)],
        ),
        (
            mcn::sales::lookup::ACCOUNTS_SQL,
            vec!["platform_accounts"],
            vec![texts("douyin"), texts("dy-new")],
        ),
        (
            mcn::sales::lookup::PRODUCTS_SQL,
            vec!["products"],
            vec![ids(product)],
        ),
        (
            mcn::sales::lookup::PRODUCTS_BY_SKU_SQL,
            vec!["products"],
            vec![texts("NEW-1")],
        ),
        (
            mcn::sales::lookup::PLATFORM_ITEMS_SQL,
            vec![
                "product_platform_items",
                "product_platform_items",
                "products",
            ],
            vec![texts("douyin"), texts("3579"), texts("red")],
        ),
        (
            mcn::sales::lookup::SESSIONS_SQL,
            vec!["live_sessions"],
            vec![ids(Uuid::now_v7())],
        ),
    ];
    for (sql, tables, arrays) in lookups {
        let mut query = diesel::sql_query(format!("EXPLAIN (FORMAT JSON) {sql}"))
            .into_boxed()
            .bind::<SqlUuid, _>(new.agency_id);
        for array in arrays {
            query = match array {
                Keys::Ids(ids) => query.bind::<Array<SqlUuid>, _>(ids),
                Keys::Texts(texts) => query.bind::<Array<Text>, _>(texts),
            };
        }
        let plan: Plan = query.get_result(&mut conn).await.unwrap();
        // These tables hold a row or two here, so which index (or a one-page scan) reads them
        // is the planner's free choice; what must hold is the shape: one bounded look-up per key.
        let top = &plan.0[0]["Plan"];
        assert_eq!(top["Node Type"], "Nested Loop", "{sql}: {}", plan.0);
        let mut read = Vec::new();
        if let Err(broken) = keyed_reads(top, false, &mut read) {
            panic!("{sql}: {broken}: {}", plan.0);
        }
        assert_eq!(read, tables, "{sql}: {}", plan.0);
    }

    drop(conn);

    let mut next = lines("N", 500, 1000, "dy-new", "NEW-1", 100);
    next.push_str("douyin,N-1499,2026-11-20T10:00:00Z,dy-new,NEW-1,1,10.00,,\n");
    let second = import(&app, &new, next).await;
    assert_eq!(
        counts(&second),
        [500, 100, 401, 0],
        "known lines updated or duplicates, a line repeated within the file a duplicate: {second}"
    );
    let again = import(&app, &new, lines("N", 500, 1000, "dy-new", "NEW-1", 100)).await;
    assert_eq!(
        counts(&again),
        [0, 0, 1000, 0],
        "the same file twice changes nothing"
    );
    let refunded = app
        .call(
            Method::GET,
            "/v1/sales?status=refunded&limit=200",
            Some(&new),
            None,
        )
        .await
        .json();
    assert_eq!(refunded["items"].as_array().unwrap().len(), 100);
    #[derive(QueryableByName)]
    struct Lines {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.state.conn().await.unwrap();
    let recorded: Lines = diesel::sql_query("SELECT count(*) AS n FROM sales WHERE agency_id = $1")
        .bind::<SqlUuid, _>(new.agency_id)
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(recorded.n, 1500);
}

#[actix_web::test]
async fn every_tenant_table_keeps_no_planner_statistics_on_agency_id() {
    let app = TestApp::spawn().await;
    let mut conn = app.state.conn().await.unwrap();
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let tables: Vec<Table> = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         WHERE a.attname = 'agency_id' AND NOT a.attisdropped AND c.relkind IN ('r', 'p') \
         AND c.relnamespace = current_schema()::regnamespace \
         AND coalesce(a.attstattarget::int, -1) <> 0 ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let names: Vec<String> = tables.into_iter().map(|t| t.name).collect();
    assert!(
        names.is_empty(),
        "tables whose agency_id still gets statistics (add `ALTER TABLE … ALTER COLUMN agency_id \
         SET STATISTICS 0` to their migration, see 2026-11-29-001010_tenant_key_statistics): {names:?}"
    );
}

#[actix_web::test]
async fn concurrent_imports_of_the_same_changes_apply_them_once() {
    let app = TestApp::spawn().await;
    let (shop, ..) = seller(&app, "Twice Co", "dy-twice", "TW-1").await;
    let first = import(&app, &shop, lines("T", 0, 200, "dy-twice", "TW-1", 0)).await;
    assert_eq!(counts(&first), [200, 0, 0, 0]);
    // The same refunds arrive twice at once: the known lines are locked as they are looked up,
    // so one import records each refund and the other finds it recorded.
    let refunded = lines("T", 0, 200, "dy-twice", "TW-1", 200);
    let (a, b) = tokio::join!(
        import(&app, &shop, refunded.clone()),
        import(&app, &shop, refunded)
    );
    let (a, b) = (counts(&a), counts(&b));
    assert_eq!(
        (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]),
        (0, 200, 200, 0),
        "each line updated once and a duplicate once: {a:?} {b:?}"
    );
    #[derive(QueryableByName)]
    struct Refunds {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.state.conn().await.unwrap();
    let entries: Refunds =
        diesel::sql_query("SELECT count(*) AS n FROM refunds WHERE agency_id = $1")
            .bind::<SqlUuid, _>(shop.agency_id)
            .get_result(&mut conn)
            .await
            .unwrap();
    assert_eq!(entries.n, 200, "one refund entry per line");
}
