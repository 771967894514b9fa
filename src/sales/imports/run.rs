//! The transaction of an import: the batch record, the rows checked, resolved and written as
//! the parser hands them over, the counts, and the record of a refused import. By default
//! (`on_error=reject`) one bad row and nothing is written; with `on_error=skip` the good rows
//! are written and the bad ones reported.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::OnError;
use super::parse::{Parsed, Row, next_rows};
use crate::agencies::model::AgencyDefaults;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::error::{AppError, FieldError};
use crate::sales::dto::StoredError;
use crate::sales::ledger::{self, Outcome, Writer};
use crate::sales::model::ImportBatch;
use crate::sales::validate::check_line;
use crate::schema::import_batches;

/// Counters and errors of an import in progress.
#[derive(Debug, Default)]
pub struct Tally {
    rows: i32,
    inserted: i32,
    updated: i32,
    duplicates: i32,
    rejected: i32,
    errors: Vec<FieldError>,
}

impl Tally {
    fn reject(&mut self, line: u64, errors: Vec<FieldError>) {
        self.rejected += 1;
        self.errors.extend(errors.into_iter().map(|e| FieldError {
            line: Some(line),
            ..e
        }));
    }
}

/// Why an import's transaction did not commit.
pub enum Failure {
    /// Bad rows in atomic mode: the transaction rolls back.
    Rejected(Tally),
    /// The file as a whole was refused.
    Fatal(AppError, Tally),
    /// The database (or another dependency) failed.
    Db(AppError),
}

impl From<diesel::result::Error> for Failure {
    fn from(error: diesel::result::Error) -> Self {
        Failure::Db(error.into())
    }
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::Db(error)
    }
}

/// One import under way: who, its record, and how lines are read.
pub struct ImportContext<'a> {
    pub caller: &'a Caller,
    /// The import's record as it starts (counts zero, outcome `committed`).
    pub batch: ImportBatch,
    pub on_error: OnError,
    /// The agency's currency and zone, for lines that name neither.
    pub defaults: AgencyDefaults,
}

/// Runs the import inside the caller's transaction: records the batch, checks, resolves and
/// writes the rows as the parser hands them over, and counts what happened.
pub async fn run_import(
    conn: &mut AsyncPgConnection,
    ctx: &ImportContext<'_>,
    mut rx: mpsc::Receiver<Parsed>,
) -> Result<Tally, Failure> {
    diesel::insert_into(import_batches::table)
        .values(&ctx.batch)
        .execute(conn)
        .await?;
    let writer = Writer {
        audit: ctx.caller.audit(),
        user_id: ctx.caller.user_id,
        import_batch_id: Some(ctx.batch.id),
    };
    let mut tally = Tally::default();
    let now = Utc::now();
    loop {
        match next_rows(&mut rx).await {
            Ok(Some(rows)) => take_rows(conn, ctx, &writer, &mut tally, rows, now).await?,
            Ok(None) => break,
            Err(error) => return Err(Failure::Fatal(error, tally)),
        }
    }
    if ctx.on_error == OnError::Reject && tally.rejected > 0 {
        return Err(Failure::Rejected(tally));
    }
    let stored = stored_errors(&tally.errors);
    diesel::update(import_batches::table.find((ctx.batch.agency_id, ctx.batch.id)))
        .set((
            import_batches::rows_total.eq(tally.rows),
            import_batches::inserted.eq(tally.inserted),
            import_batches::updated.eq(tally.updated),
            import_batches::duplicates.eq(tally.duplicates),
            import_batches::rejected.eq(tally.rejected),
            import_batches::errors.eq(stored),
        ))
        .execute(conn)
        .await?;
    record_audit(conn, ctx, &tally, "committed").await?;
    Ok(tally)
}

/// Checks, resolves and (unless the import is already refused) writes one batch of rows.
async fn take_rows(
    conn: &mut AsyncPgConnection,
    ctx: &ImportContext<'_>,
    writer: &Writer,
    tally: &mut Tally,
    rows: Vec<Row>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let AgencyDefaults {
        currency,
        time_zone,
    } = ctx.defaults;
    let mut lines = Vec::with_capacity(rows.len());
    let mut inputs = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        tally.rows += 1;
        match row
            .map_err(|e| vec![e])
            .and_then(|map| check_line(&map, currency, time_zone, now))
        {
            Ok(input) => {
                lines.push(line);
                inputs.push(input);
            }
            Err(errors) => tally.reject(line, errors),
        }
    }
    let resolved = ledger::resolve(conn, ctx.caller.agency_id, inputs).await?;
    let mut good_lines = Vec::new();
    let mut good = Vec::new();
    for (line, outcome) in lines.into_iter().zip(resolved) {
        match outcome {
            Ok(line_ok) => {
                good_lines.push(line);
                good.push(line_ok);
            }
            Err(errors) => tally.reject(line, errors),
        }
    }
    if ctx.on_error == OnError::Reject && tally.rejected > 0 {
        // Nothing will be written: only keep checking rows, for the full error list.
        return Ok(());
    }
    for (line, outcome) in good_lines
        .into_iter()
        .zip(ledger::write(conn, writer, good).await?)
    {
        match outcome {
            Outcome::Inserted(_) => tally.inserted += 1,
            Outcome::Updated(_) => tally.updated += 1,
            Outcome::Duplicate(_) => tally.duplicates += 1,
            Outcome::Conflict(errors) => tally.reject(line, errors),
        }
    }
    Ok(())
}

/// Row errors as `import_batches.errors` keeps them.
fn stored_errors(errors: &[FieldError]) -> Value {
    serde_json::json!(
        errors
            .iter()
            .map(|e| StoredError {
                line: e.line,
                field: e.field.clone(),
                code: e.code.clone(),
                message: e.message.clone()
            })
            .collect::<Vec<_>>()
    )
}

async fn record_audit(
    conn: &mut AsyncPgConnection,
    ctx: &ImportContext<'_>,
    tally: &Tally,
    outcome: &str,
) -> Result<(), AppError> {
    let changes = Changes::new()
        .value("outcome", outcome)
        .value("file_name", &ctx.batch.file_name)
        .value("rows", tally.rows)
        .value("inserted", tally.inserted)
        .value("updated", tally.updated)
        .value("duplicates", tally.duplicates)
        .value("rejected", tally.rejected);
    ctx.caller
        .record(conn, "sales.import", "import_batch", ctx.batch.id, changes)
        .await
}

/// Records a refused import (nothing of it was written) and builds the refusal.
async fn record_refusal(
    conn: &mut AsyncPgConnection,
    ctx: &ImportContext<'_>,
    tally: Tally,
    refusal: Option<AppError>,
) -> Result<AppError, AppError> {
    let mut errors = tally.errors.clone();
    if let Some(
        AppError::Unprocessable {
            errors: file_errors,
            ..
        }
        | AppError::BadRequest {
            errors: file_errors,
            ..
        },
    ) = &refusal
    {
        errors.extend(file_errors.iter().cloned());
    }
    let batch = ImportBatch {
        outcome: "rejected".to_owned(),
        rows_total: tally.rows,
        rejected: tally.rejected,
        errors: stored_errors(&errors),
        ..ctx.batch.clone()
    };
    conn.transaction(async |conn| {
        diesel::insert_into(import_batches::table)
            .values(&batch)
            .execute(conn)
            .await?;
        record_audit(conn, ctx, &tally, "rejected").await
    })
    .await?;
    if let Some(error) = refusal {
        return Ok(error);
    }
    let mut extensions = Map::new();
    extensions.insert("id".to_owned(), Value::String(batch.id.to_string()));
    for (name, value) in [
        ("inserted", 0),
        ("updated", 0),
        ("duplicates", 0),
        ("rejected", tally.rejected),
        ("rows_total", tally.rows),
    ] {
        extensions.insert(name.to_owned(), Value::from(value));
    }
    Ok(AppError::Unprocessable {
        code: "import_rejected",
        detail: format!(
            "{} of {} rows are invalid; nothing was written (retry with on_error=skip to keep the good rows).",
            tally.rejected, tally.rows
        ),
        errors: tally.errors,
        extensions,
    })
}

/// What the import's transaction came to: the committed record, or the refusal (recorded with
/// nothing of the import written).
pub async fn conclude(
    conn: &mut AsyncPgConnection,
    ctx: &ImportContext<'_>,
    outcome: Result<Tally, Failure>,
) -> Result<ImportBatch, AppError> {
    match outcome {
        Ok(tally) => Ok(ImportBatch {
            rows_total: tally.rows,
            inserted: tally.inserted,
            updated: tally.updated,
            duplicates: tally.duplicates,
            rejected: tally.rejected,
            errors: stored_errors(&tally.errors),
            ..ctx.batch.clone()
        }),
        Err(Failure::Rejected(tally)) => Err(record_refusal(conn, ctx, tally, None).await?),
        Err(Failure::Fatal(error, tally)) => {
            Err(record_refusal(conn, ctx, tally, Some(error)).await?)
        }
        Err(Failure::Db(error)) => Err(error),
    }
}
