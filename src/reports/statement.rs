//! Raw statements that bind exactly the values their text uses: a value is bound while the text
//! is assembled, and the text names it by the placeholder (`$n`) it got.

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;

use crate::db::KeepPrepared;

/// The values of a raw statement, numbered in the order they are bound.
pub struct Binds<'a> {
    query: BoxedSqlQuery<'a, Pg, SqlQuery>,
    count: usize,
}

impl Default for Binds<'_> {
    fn default() -> Self {
        Self {
            query: diesel::sql_query("").into_boxed(),
            count: 0,
        }
    }
}

impl<'a> Binds<'a> {
    /// Binds `value` as the SQL type `ST` and answers its placeholder, for the text to use.
    pub fn bind<ST, V>(&mut self, value: V) -> String
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'a,
        ST: Send + 'a,
    {
        let query = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = query.bind::<ST, V>(value);
        self.count += 1;
        format!("${}", self.count)
    }

    /// The statement `sql` over the values bound so far, kept prepared: callers assemble `sql`
    /// from a bounded set of fragments, so it has a bounded set of texts.
    pub fn statement(self, sql: &str) -> KeepPrepared<BoxedSqlQuery<'a, Pg, SqlQuery>> {
        KeepPrepared(self.query.sql(sql))
    }
}
