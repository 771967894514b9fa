//! Labels for the ids of GMV rows: a host's stage name, a product's name and SKU, a session's
//! title. One statement per kind of id the report is grouped by, for all its rows at once.

use std::collections::HashMap;

use diesel::QueryableByName;
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::gmv::{GmvRow, Grouping};
use crate::db::KeepPrepared;
use crate::error::AppError;

/// Stage names of the agency's hosts among `$2`, each looked up by its primary key.
pub const HOST_LABELS_SQL: &str = "\
SELECT h.id, h.stage_name AS label, NULL::text AS sku FROM unnest($2::uuid[]) AS k(id) \
CROSS JOIN LATERAL (SELECT influencers.id, influencers.stage_name FROM influencers \
    WHERE influencers.agency_id = $1 AND influencers.id = k.id LIMIT 1) AS h";

/// Names and SKUs of the agency's products among `$2`, each looked up by its primary key.
pub const PRODUCT_LABELS_SQL: &str = "\
SELECT p.id, p.name AS label, p.sku FROM unnest($2::uuid[]) AS k(id) \
CROSS JOIN LATERAL (SELECT products.id, products.name, products.sku FROM products \
    WHERE products.agency_id = $1 AND products.id = k.id LIMIT 1) AS p";

/// Titles of the agency's live sessions among `$2`, each looked up by its primary key.
pub const SESSION_LABELS_SQL: &str = "\
SELECT s.id, s.title AS label, NULL::text AS sku FROM unnest($2::uuid[]) AS k(id) \
CROSS JOIN LATERAL (SELECT live_sessions.id, live_sessions.title FROM live_sessions \
    WHERE live_sessions.agency_id = $1 AND live_sessions.id = k.id LIMIT 1) AS s";

#[derive(QueryableByName)]
struct LabelRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    label: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    sku: Option<String>,
}

/// What an id's label columns hold.
#[derive(Debug, Clone)]
struct Label {
    name: String,
    sku: Option<String>,
}

/// The labels of a report's ids, by grouping and id (as the rows spell it).
#[derive(Debug, Default)]
pub struct Labels {
    by_grouping: HashMap<Grouping, HashMap<String, Label>>,
}

impl Labels {
    /// The labels of the ids `rows` hold for each grouping of `group_by` that has labels.
    pub async fn load(
        conn: &mut AsyncPgConnection,
        agency_id: Uuid,
        group_by: &[Grouping],
        rows: &[GmvRow],
    ) -> Result<Self, AppError> {
        let mut labels = Labels::default();
        for &grouping in group_by {
            let sql = match grouping {
                Grouping::Influencer => HOST_LABELS_SQL,
                Grouping::Product => PRODUCT_LABELS_SQL,
                Grouping::Session => SESSION_LABELS_SQL,
                _ => continue,
            };
            let mut ids = rows
                .iter()
                .filter_map(|row| row.key(grouping))
                .map(|key| {
                    key.parse::<Uuid>().map_err(|_| {
                        AppError::Internal(anyhow::anyhow!("a GMV {grouping} key is no id: {key}"))
                    })
                })
                .collect::<Result<Vec<Uuid>, AppError>>()?;
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                continue;
            }
            let found: Vec<LabelRow> = KeepPrepared(
                diesel::sql_query(sql)
                    .bind::<SqlUuid, _>(agency_id)
                    .bind::<Array<SqlUuid>, _>(&ids),
            )
            .load(conn)
            .await?;
            labels.by_grouping.insert(
                grouping,
                found
                    .into_iter()
                    .map(|row| {
                        let label = Label {
                            name: row.label,
                            sku: row.sku,
                        };
                        (row.id.to_string(), label)
                    })
                    .collect(),
            );
        }
        Ok(labels)
    }

    /// The label values of `key` for `grouping`, in the order of [`Grouping::labels`]; `None`
    /// for each where the row has no key.
    pub fn of(&self, grouping: Grouping, key: Option<&str>) -> Vec<Option<String>> {
        let label = key.and_then(|key| self.by_grouping.get(&grouping)?.get(key));
        match grouping {
            Grouping::Product => vec![
                label.map(|l| l.name.clone()),
                label.and_then(|l| l.sku.clone()),
            ],
            Grouping::Influencer | Grouping::Session => vec![label.map(|l| l.name.clone())],
            _ => Vec::new(),
        }
    }

    /// The name (stage name, product name or session title) of `key` for `grouping`.
    pub fn name(&self, grouping: Grouping, key: &str) -> Option<&str> {
        Some(self.by_grouping.get(&grouping)?.get(key)?.name.as_str())
    }

    /// A product's SKU.
    pub fn sku(&self, key: &str) -> Option<&str> {
        self.by_grouping
            .get(&Grouping::Product)?
            .get(key)?
            .sku
            .as_deref()
    }
}
