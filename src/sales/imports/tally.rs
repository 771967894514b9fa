//! The counts of an import in progress: rows by what became of them, the errors, and the
//! summaries of other creators' rows and unmapped items.

use std::collections::HashMap;

use serde_json::Value;

use super::OnError;
use super::table::Position;
use crate::domain::enums::Platform;
use crate::error::FieldError;
use crate::sales::dto::{
    ExampleRow, ImportCounts, ImportSummary, NeedsMappingItem, NotOursHost, StoredError,
};
use crate::sales::model::ImportBatch;

/// At most this many entries in each summary of an import.
const SUMMARY_ENTRIES: usize = 100;

/// Counters and errors of an import in progress.
#[derive(Debug, Default)]
pub struct Tally {
    pub format: &'static str,
    pub rows: i32,
    pub inserted: i32,
    pub updated: i32,
    pub duplicates: i32,
    pub rejected: i32,
    pub conflicts: i32,
    pub not_ours: i32,
    pub not_paid: i32,
    pub needs_mapping: i32,
    pub errors: Vec<FieldError>,
    not_ours_hosts: HashMap<(Option<String>, Option<String>), i32>,
    unmapped: HashMap<(Platform, Option<String>, Option<String>), NeedsMappingItem>,
}

impl Tally {
    /// A new tally of a file read as `format` (until the parser says otherwise).
    pub fn new(format: &'static str) -> Self {
        Tally {
            format,
            ..Tally::default()
        }
    }

    pub fn reject(&mut self, at: &Position, errors: Vec<FieldError>) {
        self.rejected += 1;
        self.errors.extend(errors.into_iter().map(|e| FieldError {
            line: Some(at.line),
            sheet: at.sheet.clone(),
            ..e
        }));
    }

    pub fn not_ours(&mut self, user_id: Option<String>, handle: Option<String>) {
        self.not_ours += 1;
        *self.not_ours_hosts.entry((user_id, handle)).or_default() += 1;
    }

    pub fn needs_mapping(
        &mut self,
        at: &Position,
        platform: Platform,
        (item_id, sku_code): (Option<String>, Option<String>),
        example: (String, Option<String>),
    ) {
        self.rejected += 1;
        self.needs_mapping += 1;
        self.unmapped
            .entry((platform, item_id.clone(), sku_code.clone()))
            .or_insert_with(|| NeedsMappingItem {
                platform,
                item_id,
                sku_code,
                rows: 0,
                example: ExampleRow {
                    sheet: at.sheet.clone(),
                    line: at.line,
                    external_order_id: example.0,
                    product_name: example.1,
                },
            })
            .rows += 1;
    }

    /// Whether an atomic import must be refused.
    pub fn refuses(&self, on_error: OnError) -> bool {
        on_error == OnError::Reject && self.rejected > 0
    }

    /// The summaries, most rows first.
    fn summary(&self) -> ImportSummary {
        let mut not_ours_hosts: Vec<NotOursHost> = self
            .not_ours_hosts
            .iter()
            .map(|((user, handle), rows)| NotOursHost {
                platform_user_id: user.clone(),
                handle: handle.clone(),
                rows: *rows,
            })
            .collect();
        not_ours_hosts.sort_by(|a, b| {
            (b.rows, &a.platform_user_id, &a.handle).cmp(&(a.rows, &b.platform_user_id, &b.handle))
        });
        not_ours_hosts.truncate(SUMMARY_ENTRIES);
        let mut needs_mapping: Vec<NeedsMappingItem> = self.unmapped.values().cloned().collect();
        needs_mapping.sort_by(|a, b| {
            (b.rows, &a.item_id, &a.sku_code).cmp(&(a.rows, &b.item_id, &b.sku_code))
        });
        needs_mapping.truncate(SUMMARY_ENTRIES);
        ImportSummary {
            not_ours_hosts,
            needs_mapping,
        }
    }

    /// The counts as answered.
    pub fn counts(&self, mapping_id: Option<uuid::Uuid>) -> ImportCounts {
        let summary = self.summary();
        ImportCounts {
            format: self.format.to_owned(),
            mapping_id,
            rows_total: self.rows,
            inserted: self.inserted,
            updated: self.updated,
            duplicates: self.duplicates,
            rejected: self.rejected,
            conflicts: self.conflicts,
            not_ours: self.not_ours,
            not_ours_hosts: summary.not_ours_hosts,
            not_paid: self.not_paid,
            needs_mapping_rows: self.needs_mapping,
            needs_mapping: summary.needs_mapping,
        }
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The import's record with these counts.
    pub fn batch(&self, start: &ImportBatch, outcome: &str) -> ImportBatch {
        ImportBatch {
            outcome: outcome.to_owned(),
            format: self.format.to_owned(),
            rows_total: self.rows,
            inserted: self.inserted,
            updated: self.updated,
            duplicates: self.duplicates,
            rejected: self.rejected,
            conflicts: self.conflicts,
            not_ours: self.not_ours,
            not_paid: self.not_paid,
            needs_mapping: self.needs_mapping,
            errors: stored_errors(&self.errors),
            summary: serde_json::to_value(self.summary()).unwrap_or(Value::Null),
            ..start.clone()
        }
    }
}

/// Row errors as `import_batches.errors` keeps them.
pub fn stored_errors(errors: &[FieldError]) -> Value {
    serde_json::json!(errors.iter().map(StoredError::new).collect::<Vec<_>>())
}
