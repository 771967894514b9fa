//! The GMV statement, assembled for one request: its source's table and figures, its groupings,
//! and only the filters the request has.

use diesel::sql_types::{Date, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{GmvQuery, GmvRow, Grouping, Source, choose_source};
use crate::error::AppError;
use crate::reports::period::{local_midnight, whole_hour_zone};
use crate::reports::statement::Binds;

/// Where a source keeps its figures: table (aliased `s`), time column, aggregates, and the
/// lines it leaves out.
struct Columns {
    table: &'static str,
    time: &'static str,
    orders: &'static str,
    units: &'static str,
    gross: &'static str,
    refunded: &'static str,
    extra_where: &'static str,
}

impl Columns {
    fn of(source: Source) -> Self {
        let rollup = |table, time| Columns {
            table,
            time,
            orders: "sum(s.orders)",
            units: "sum(s.units)",
            gross: "sum(s.gross)",
            refunded: "sum(s.refunded)",
            extra_where: "",
        };
        match source {
            Source::DailyPlatform => rollup("sales_daily_platform_live s", "s.day"),
            Source::DailyHost => rollup("sales_daily_host_live s", "s.day"),
            Source::PlatformRollup => rollup("sales_rollup_platform_live s", "s.bucket"),
            Source::HostRollup => rollup("sales_rollup_host_live s", "s.bucket"),
            Source::Ledger => Columns {
                table: "sales s LEFT JOIN live_sessions ls ON ls.agency_id = s.agency_id AND ls.id = s.live_session_id",
                time: "s.sold_at",
                orders: "count(*)",
                units: "sum(s.quantity)",
                gross: "sum(s.gross)",
                refunded: "sum(s.refunded_amount)",
                extra_where: " AND s.status <> 'cancelled'",
            },
        }
    }
}

/// The column alias of each grouping's key, in the order of [`GmvRow`]'s fields.
const KEY_ALIASES: [(Grouping, &str); 8] = [
    (Grouping::Platform, "k_platform"),
    (Grouping::Influencer, "k_influencer"),
    (Grouping::Product, "k_product"),
    (Grouping::Session, "k_session"),
    (Grouping::Day, "k_day"),
    (Grouping::Week, "k_week"),
    (Grouping::Month, "k_month"),
    (Grouping::CityTier, "k_city_tier"),
];

/// The SQL expression of a grouping's key. `zone` is the placeholder of the time zone, bound
/// only when a period is grouped over instants.
fn expression(grouping: Grouping, columns: &Columns, daily: bool, zone: &str) -> String {
    let time = columns.time;
    match grouping {
        Grouping::Platform => "s.platform".to_owned(),
        Grouping::Influencer => "s.influencer_id::text".to_owned(),
        Grouping::Product => "s.product_id::text".to_owned(),
        Grouping::Session => "s.live_session_id::text".to_owned(),
        // The daily rollups hold local dates already: converting them as instants would
        // move every day of a zone west of UTC to the day before.
        Grouping::Day if daily => format!("to_char({time}, 'YYYY-MM-DD')"),
        Grouping::Week if daily => format!("to_char(date_trunc('week', {time}), 'YYYY-MM-DD')"),
        Grouping::Month if daily => format!("to_char({time}, 'YYYY-MM')"),
        Grouping::Day => format!("to_char(({time} AT TIME ZONE {zone})::date, 'YYYY-MM-DD')"),
        Grouping::Week => {
            format!("to_char(date_trunc('week', {time} AT TIME ZONE {zone}), 'YYYY-MM-DD')")
        }
        Grouping::Month => format!("to_char({time} AT TIME ZONE {zone}, 'YYYY-MM')"),
        Grouping::CityTier => "ls.venue_city_tier::text".to_owned(),
    }
}

/// Runs the report; rows come ordered by their keys, then currency.
pub async fn run(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    query: &GmvQuery,
) -> Result<(Vec<GmvRow>, Source), AppError> {
    let start = local_midnight(query.from, query.tz);
    let end = local_midnight(query.to, query.tz);
    let source = choose_source(query, whole_hour_zone(query.tz, start, end));
    let daily = matches!(source, Source::DailyPlatform | Source::DailyHost);
    // Every SQL fragment below comes from the `Source` and `Grouping` enums (and the filters'
    // presence), never from the request's text; the request's values are bound.
    let columns = Columns::of(source);
    let time = columns.time;
    let mut binds = Binds::default();
    let agency = binds.bind::<SqlUuid, _>(agency_id);
    // Daily rollups compare local dates, the others instants.
    let range = if daily {
        let (from, to) = (
            binds.bind::<Date, _>(query.from),
            binds.bind::<Date, _>(query.to),
        );
        format!("{time} >= {from} AND {time} < {to}")
    } else {
        let (from, to) = (
            binds.bind::<Timestamptz, _>(start),
            binds.bind::<Timestamptz, _>(end),
        );
        format!("{time} >= {from} AND {time} < {to}")
    };
    let zone = if !daily && query.group_by.iter().any(|g| g.is_period()) {
        binds.bind::<Text, _>(query.tz.name())
    } else {
        String::new()
    };
    let mut filters = String::new();
    if let Some(platform) = query.platform {
        let value = binds.bind::<Text, _>(platform.as_str());
        filters.push_str(&format!(" AND s.platform = {value}"));
    }
    if let Some(influencer_id) = query.influencer_id {
        let value = binds.bind::<SqlUuid, _>(influencer_id);
        filters.push_str(&format!(" AND s.influencer_id = {value}"));
    }
    if let Some(currency) = &query.currency {
        let value = binds.bind::<Text, _>(currency.as_str());
        filters.push_str(&format!(" AND s.currency = {value}"));
    }
    let key = |grouping: Grouping| expression(grouping, &columns, daily, &zone);
    let select_keys: Vec<String> = KEY_ALIASES
        .iter()
        .map(|(grouping, alias)| {
            if query.group_by.contains(grouping) {
                format!("{} AS {alias}", key(*grouping))
            } else {
                format!("NULL::text AS {alias}")
            }
        })
        .collect();
    let group_clause: Vec<String> = query
        .group_by
        .iter()
        .map(|g| key(*g))
        .chain(std::iter::once("s.currency".to_owned()))
        .collect();
    let order_clause: Vec<String> = query
        .group_by
        .iter()
        .map(|g| format!("{} NULLS FIRST", key(*g)))
        .chain(std::iter::once("s.currency".to_owned()))
        .collect();
    let Columns {
        table,
        orders,
        units,
        gross,
        refunded,
        extra_where,
        ..
    } = columns;
    let sql = format!(
        "SELECT {keys}, s.currency AS currency, ({orders})::bigint AS orders, ({units})::bigint AS units, \
         coalesce({gross}, 0) AS gross, coalesce({refunded}, 0) AS refunded \
         FROM {table} \
         WHERE s.agency_id = {agency} AND {range}{extra_where}{filters} \
         GROUP BY {groups} HAVING {orders} <> 0 OR coalesce({gross}, 0) <> 0 ORDER BY {order}",
        keys = select_keys.join(", "),
        groups = group_clause.join(", "),
        order = order_clause.join(", "),
    );
    // Kept prepared: one text per source, grouping and filter shape, a bounded set.
    let rows = binds.statement(&sql).load::<GmvRow>(conn).await?;
    Ok((rows, source))
}
