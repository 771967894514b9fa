//! What a generation reads: the month's sales per host, platform, product and agency share,
//! the adjustments and negative balances waiting for the hosts, their income types and
//! entities. Every statement binds the same values, in the same order ([`Scope::query`]).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{
    Array, BigInt, Date, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::enums::IncomeType;
use crate::error::AppError;

/// The values every statement of a generation binds: `$1` agency, `$2` the one host (or
/// null), `$3` the month's first day, `$4`/`$5` its start and end instants, `$6` the
/// next month's first day, `$7` the currency, `$8` the zone.
pub struct Scope<'a> {
    pub agency_id: Uuid,
    pub host: Option<Uuid>,
    pub first: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub next: NaiveDate,
    pub currency: &'a str,
    pub zone: &'a str,
}

#[derive(QueryableByName)]
pub struct LineFigures {
    #[diesel(sql_type = SqlUuid)]
    pub influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Text)]
    pub platform: String,
    #[diesel(sql_type = SqlUuid)]
    pub product_id: Uuid,
    #[diesel(sql_type = Nullable<Numeric>)]
    pub share: Option<Decimal>,
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    #[diesel(sql_type = Numeric)]
    pub gross: Decimal,
    #[diesel(sql_type = Numeric)]
    pub refunded: Decimal,
    #[diesel(sql_type = Numeric)]
    pub basis: Decimal,
}

#[derive(QueryableByName)]
pub struct Pending {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = SqlUuid)]
    pub influencer_id: Uuid,
    #[diesel(sql_type = Numeric)]
    pub basis: Decimal,
    #[diesel(sql_type = Nullable<Numeric>)]
    pub share: Option<Decimal>,
}

#[derive(QueryableByName)]
pub struct Carry {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub influencer_id: Uuid,
    #[diesel(sql_type = Numeric)]
    pub payable: Decimal,
}

#[derive(QueryableByName)]
pub struct Existing {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    pub state: String,
}

/// The host's income type (`text`) or active entity (`id`).
#[derive(QueryableByName)]
struct HostFact {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    id: Option<Uuid>,
}

impl<'a> Scope<'a> {
    /// `sql` over the scope's values; `{host}` in it becomes the one-host filter on
    /// `host_column`.
    fn query(&self, sql: &str, host_column: &str) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
        let filter = if self.host.is_some() {
            format!("AND {host_column} = $2")
        } else {
            "AND $2::uuid IS NULL".to_owned()
        };
        diesel::sql_query(sql.replace("{host}", &filter))
            .into_boxed()
            .bind::<SqlUuid, _>(self.agency_id)
            .bind::<Nullable<SqlUuid>, _>(self.host)
            .bind::<Date, _>(self.first)
            .bind::<Timestamptz, _>(self.start)
            .bind::<Timestamptz, _>(self.end)
            .bind::<Date, _>(self.next)
            .bind::<Text, _>(self.currency)
            .bind::<Text, _>(self.zone)
    }

    /// The month's statements of the hosts, locked.
    pub async fn existing(&self, conn: &mut AsyncPgConnection) -> Result<Vec<Existing>, AppError> {
        Ok(self
            .query(
                "SELECT id, influencer_id, state FROM statements \
                 WHERE agency_id = $1 AND month = $3 {host} ORDER BY influencer_id FOR UPDATE",
                "influencer_id",
            )
            .load(conn)
            .await?)
    }

    /// The month's sales per host, currency, platform, product and the agency share of the
    /// contract valid on each sale's local day (none: `null`); cancelled lines left out. One
    /// pass over the month: lines in other currencies are only counted by the caller. Unsorted
    /// (the caller orders each host's few lines): a sort of the month's groups would spill.
    pub async fn lines(&self, conn: &mut AsyncPgConnection) -> Result<Vec<LineFigures>, AppError> {
        Ok(self
            .query(
                "SELECT s.influencer_id, s.currency::text AS currency, s.platform, s.product_id, \
                        c.agency_share_percent AS share, \
                        count(*) AS orders, sum(s.quantity)::bigint AS units, sum(s.gross) AS gross, \
                        sum(s.refunded_amount) AS refunded, \
                        sum((s.gross - s.refunded_amount) * s.commission_percent) AS basis \
                 FROM sales s \
                 LEFT JOIN contracts c ON c.agency_id = $1 AND c.influencer_id = s.influencer_id \
                      AND c.valid_from <= (s.sold_at AT TIME ZONE $8)::date \
                      AND (c.valid_until IS NULL OR (s.sold_at AT TIME ZONE $8)::date <= c.valid_until) \
                 WHERE s.agency_id = $1 AND s.sold_at >= $4 AND s.sold_at < $5 \
                       AND s.status <> 'cancelled' {host} \
                 GROUP BY 1, 2, 3, 4, 5",
                "s.influencer_id",
            )
            .load(conn)
            .await?)
    }

    /// Adjustments of earlier approved months waiting for an open statement, with the agency
    /// share of the contract valid on the sale's day.
    pub async fn pending(&self, conn: &mut AsyncPgConnection) -> Result<Vec<Pending>, AppError> {
        Ok(self
            .query(
                "SELECT a.id, a.influencer_id, a.commission_basis_delta AS basis, c.agency_share_percent AS share \
                 FROM statement_adjustments a \
                 JOIN statements src ON src.agency_id = a.agency_id AND src.id = a.source_statement_id \
                 LEFT JOIN contracts c ON c.agency_id = a.agency_id AND c.influencer_id = a.influencer_id \
                      AND c.valid_from <= a.sale_day AND (c.valid_until IS NULL OR a.sale_day <= c.valid_until) \
                 WHERE a.agency_id = $1 AND a.statement_id IS NULL AND a.currency = $7 AND src.month < $3 {host} \
                 ORDER BY a.id",
                "a.influencer_id",
            )
            .load(conn)
            .await?)
    }

    /// Negative balances of earlier approved statements not yet brought into another one.
    pub async fn carries(&self, conn: &mut AsyncPgConnection) -> Result<Vec<Carry>, AppError> {
        Ok(self
            .query(
                "SELECT s.id, s.influencer_id, s.payable FROM statements s \
                 WHERE s.agency_id = $1 AND s.state = 'approved' AND s.payable < 0 AND s.month < $3 \
                   AND s.currency = $7 {host} \
                   AND NOT EXISTS (SELECT 1 FROM statement_carries k \
                                   WHERE k.agency_id = $1 AND k.from_statement_id = s.id) \
                 ORDER BY s.month, s.id",
                "s.influencer_id",
            )
            .load(conn)
            .await?)
    }

    /// The income type of each host's contract in force at the month's end (the latest one
    /// begun by then).
    pub async fn income_types(
        &self,
        conn: &mut AsyncPgConnection,
        hosts: &[Uuid],
    ) -> Result<HashMap<Uuid, IncomeType>, AppError> {
        let rows: Vec<HostFact> = self
            .query(
                "SELECT DISTINCT ON (influencer_id) influencer_id, income_type AS text, NULL::uuid AS id \
                 FROM contracts WHERE agency_id = $1 AND influencer_id = ANY($9) AND valid_from < $6 {host} \
                 ORDER BY influencer_id, valid_from DESC",
                "influencer_id",
            )
            .bind::<Array<SqlUuid>, _>(hosts.to_vec())
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let kind = row.text.as_deref().and_then(|text| text.parse().ok());
                kind.map(|kind| (row.influencer_id, kind))
            })
            .collect())
    }

    /// Each host's active legal entity (the latest registered).
    pub async fn entities(
        &self,
        conn: &mut AsyncPgConnection,
        hosts: &[Uuid],
    ) -> Result<HashMap<Uuid, Uuid>, AppError> {
        let rows: Vec<HostFact> = self
            .query(
                "SELECT DISTINCT ON (influencer_id) influencer_id, NULL::text AS text, id \
                 FROM legal_entities WHERE agency_id = $1 AND influencer_id = ANY($9) AND status = 'active' {host} \
                 ORDER BY influencer_id, created_at DESC, id",
                "influencer_id",
            )
            .bind::<Array<SqlUuid>, _>(hosts.to_vec())
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| row.id.map(|id| (row.influencer_id, id)))
            .collect())
    }
}
