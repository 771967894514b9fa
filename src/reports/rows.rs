//! Report rows as they are answered: each typed row renders itself as JSON and as a CSV record,
//! the two from the same values.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::gmv::{GmvRow, Grouping};
use super::labels::Labels;
use super::settlement::SettlementRow;
use crate::domain::currency::Currency;

/// One value of a GMV line.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Text(&'a str),
    Number(i64),
    /// A key the line has none of (e.g. a sale outside any session).
    Null,
}

impl Cell<'_> {
    /// The CSV cell: text as it is, a number in decimal, nothing for null.
    fn csv(self) -> String {
        match self {
            Cell::Text(text) => text.to_owned(),
            Cell::Number(number) => number.to_string(),
            Cell::Null => String::new(),
        }
    }
}

impl Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(text) => serializer.serialize_str(text),
            Cell::Number(number) => serializer.serialize_i64(*number),
            Cell::Null => serializer.serialize_unit(),
        }
    }
}

/// The figures' names, after the keys, in CSV column order.
const FIGURES: [&str; 6] = ["currency", "orders", "units", "gross", "refunded", "net"];

/// One line of the GMV report: the keys asked for in `group_by`, each followed by its labels,
/// then the figures, amounts as decimal strings in the line's currency.
#[derive(Debug)]
pub struct GmvLine {
    /// Per grouping: its key, and its labels in the order of [`Grouping::labels`].
    keys: Vec<(Grouping, Option<String>, Vec<Option<String>>)>,
    currency: Currency,
    orders: i64,
    units: i64,
    gross: String,
    refunded: String,
    net: String,
}

impl GmvLine {
    /// The line of `row` in a report grouped by `group_by`, its ids labelled from `labels`.
    pub fn new(row: &GmvRow, group_by: &[Grouping], labels: &Labels) -> Self {
        Self {
            keys: group_by
                .iter()
                .map(|g| {
                    let key = row.key(*g);
                    (*g, key.map(str::to_owned), labels.of(*g, key))
                })
                .collect(),
            gross: row.currency.format(row.gross),
            refunded: row.currency.format(row.refunded),
            net: row.currency.format(row.gross - row.refunded),
            currency: row.currency,
            orders: row.orders,
            units: row.units,
        }
    }

    /// The CSV header of a report grouped by `group_by`: the keys (each followed by its
    /// labels), then the figures.
    pub fn csv_header(group_by: &[Grouping]) -> Vec<&'static str> {
        group_by
            .iter()
            .flat_map(|g| std::iter::once(g.key()).chain(g.labels().iter().copied()))
            .chain(FIGURES)
            .collect()
    }

    /// The line's CSV record, in the order of [`GmvLine::csv_header`].
    pub fn csv_record(&self) -> Vec<String> {
        self.cells().map(|(_, cell)| cell.csv()).collect()
    }

    /// The line's names and values in column order. A city tier is a number.
    fn cells(&self) -> impl Iterator<Item = (&'static str, Cell<'_>)> {
        let keys = self.keys.iter().flat_map(|(grouping, value, labels)| {
            let cell = match (grouping, value.as_deref()) {
                (Grouping::CityTier, Some(tier)) => tier.parse().map_or(Cell::Null, Cell::Number),
                (_, Some(key)) => Cell::Text(key),
                (_, None) => Cell::Null,
            };
            let labels = grouping
                .labels()
                .iter()
                .zip(labels)
                .map(|(name, label)| (*name, label.as_deref().map_or(Cell::Null, Cell::Text)));
            std::iter::once((grouping.key(), cell)).chain(labels)
        });
        let figures = [
            Cell::Text(self.currency.code()),
            Cell::Number(self.orders),
            Cell::Number(self.units),
            Cell::Text(&self.gross),
            Cell::Text(&self.refunded),
            Cell::Text(&self.net),
        ];
        keys.chain(FIGURES.into_iter().zip(figures))
    }
}

impl Serialize for GmvLine {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Members in alphabetical order, as the answer has always listed them.
        let mut cells: Vec<_> = self.cells().collect();
        cells.sort_by_key(|(name, _)| *name);
        let mut map = serializer.serialize_map(Some(cells.len()))?;
        for (name, cell) in cells {
            map.serialize_entry(name, &cell)?;
        }
        map.end()
    }
}

impl SettlementRow {
    /// The CSV header of the settlement report.
    pub const CSV_HEADER: [&'static str; 8] = [
        "influencer_id",
        "stage_name",
        "currency",
        "net_gmv",
        "commission",
        "agency_share",
        "host_share",
        "contract_missing",
    ];

    /// The row's CSV record, in the order of [`SettlementRow::CSV_HEADER`]; no share is empty.
    pub fn csv_record(&self) -> Vec<String> {
        vec![
            self.influencer_id.to_string(),
            self.stage_name.clone(),
            self.currency.code().to_owned(),
            self.net_gmv.clone(),
            self.commission.clone(),
            self.agency_share.clone().unwrap_or_default(),
            self.host_share.clone().unwrap_or_default(),
            self.contract_missing.to_string(),
        ]
    }
}
