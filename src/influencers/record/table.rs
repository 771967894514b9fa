//! `host_table!`: the queries of a host record's table, written once for every such table.

/// Implements [`HostTable`](super::HostTable) for the row type `$row` stored in the schema
/// table `$table` (a `crate::schema` module in scope where this is used) and changed with the
/// `AsChangeset` type `$changes`.
///
/// The short form pages in id (creation) order. The long form names the page's sort key
/// (`cursor`), its order and how a page continues after a cursor, and the export's order.
macro_rules! host_table {
    ($row:ident in $table:ident, changed by $changes:ident) => {
        $crate::influencers::record::host_table!($row in $table, changed by $changes;
            cursor ::uuid::Uuid = |row| row.id;
            order $table::id.asc(), after |after| $table::id.gt(after);
            export order $table::id.asc();
        );
    };
    (
        $row:ident in $table:ident, changed by $changes:ident;
        cursor $cursor:ty = |$r:ident| $key:expr;
        order $order:expr, after |$after:pat_param| $continues:expr;
        export order $export_order:expr;
    ) => {
        const _: () = {
            // The async runners are named in full: where this is used, diesel's prelude may bring
            // its blocking `RunQueryDsl` into scope too.
            use ::diesel::prelude::*;
            use ::diesel_async::AsyncPgConnection;
            use ::diesel_async::RunQueryDsl as Run;
            use ::uuid::Uuid;
            use $crate::pagination::PageRequest;

            impl $crate::influencers::record::HostTable for $row {
                type Cursor = $cursor;
                type Changes = $changes;

                fn id(&self) -> Uuid {
                    self.id
                }

                fn version(&self) -> i32 {
                    self.version
                }

                fn cursor(&self) -> $cursor {
                    let $r = self;
                    $key
                }

                async fn page(
                    conn: &mut AsyncPgConnection,
                    agency_id: Uuid,
                    influencer_id: Uuid,
                    page: &PageRequest<$cursor>,
                ) -> QueryResult<Vec<Self>> {
                    let mut query = $table::table
                        .filter($table::agency_id.eq(agency_id))
                        .filter($table::influencer_id.eq(influencer_id))
                        .order($order)
                        .limit(page.fetch_limit())
                        .select($row::as_select())
                        .into_boxed();
                    if let Some($after) = page.after {
                        query = query.filter($continues);
                    }
                    Run::load(query, conn).await
                }

                async fn find(
                    conn: &mut AsyncPgConnection,
                    agency_id: Uuid,
                    influencer_id: Uuid,
                    id: Uuid,
                    for_update: bool,
                ) -> QueryResult<Self> {
                    let query = $table::table
                        .filter($table::agency_id.eq(agency_id))
                        .filter($table::influencer_id.eq(influencer_id))
                        .filter($table::id.eq(id))
                        .select($row::as_select());
                    if for_update {
                        Run::first(query.for_update(), conn).await
                    } else {
                        Run::first(query, conn).await
                    }
                }

                async fn insert(conn: &mut AsyncPgConnection, row: &Self) -> QueryResult<Self> {
                    let query = ::diesel::insert_into($table::table)
                        .values(row)
                        .returning($row::as_returning());
                    Run::get_result(query, conn).await
                }

                async fn apply(
                    conn: &mut AsyncPgConnection,
                    agency_id: Uuid,
                    id: Uuid,
                    changes: &$changes,
                ) -> QueryResult<Self> {
                    let query = ::diesel::update($table::table.find((agency_id, id)))
                        .set((changes, $table::version.eq($table::version + 1)))
                        .returning($row::as_returning());
                    Run::get_result(query, conn).await
                }

                async fn all(
                    conn: &mut AsyncPgConnection,
                    agency_id: Uuid,
                    influencer_id: Uuid,
                ) -> QueryResult<Vec<Self>> {
                    let query = $table::table
                        .filter($table::agency_id.eq(agency_id))
                        .filter($table::influencer_id.eq(influencer_id))
                        .order($export_order)
                        .select($row::as_select());
                    Run::load(query, conn).await
                }
            }
        };
    };
}

pub(crate) use host_table;
