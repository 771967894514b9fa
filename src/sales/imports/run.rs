//! The transaction of an import: the batch record, the rows checked, resolved and written as
//! the parser hands them over, the counts, and the record of a refused import. By default
//! (`on_error=reject`) one bad row and nothing is written; with `on_error=skip` the good rows
//! are written and the bad ones reported.

use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::OnError;
use super::parse::{Parsed, Row, next};
use super::table::Position;
use super::tally::{Tally, stored_errors};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};
use crate::sales::ledger::{self, Accounts, Outcome, Unresolved, Writer};
use crate::sales::mapping::apply::Mapped;
use crate::sales::model::ImportBatch;
use crate::schema::import_batches;

/// Why an import's transaction did not commit.
pub enum Failure {
    /// Bad rows in atomic mode: the transaction rolls back.
    Rejected(Tally),
    /// A dry run: everything was done and is rolled back.
    DryRun(Tally),
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
    /// Writes everything, answers what it did, and rolls it back.
    pub dry_run: bool,
}

/// Runs the import inside the caller's transaction: records the batch, resolves and writes the
/// rows as the parser hands them over, and counts what happened.
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
    let mut tally = Tally::new(super::parse::STANDARD);
    loop {
        match next(&mut rx).await {
            Ok(Some(Parsed::Format(format))) => tally.format = format,
            Ok(Some(Parsed::Rows(rows))) => take_rows(conn, ctx, &writer, &mut tally, rows).await?,
            Ok(Some(Parsed::Done | Parsed::Fatal(_))) | Ok(None) => break,
            Err(error) => return Err(Failure::Fatal(error, tally)),
        }
    }
    if ctx.dry_run {
        return Err(Failure::DryRun(tally));
    }
    if tally.refuses(ctx.on_error) {
        return Err(Failure::Rejected(tally));
    }
    let batch = tally.batch(&ctx.batch, "committed");
    diesel::update(import_batches::table.find((batch.agency_id, batch.id)))
        .set((
            import_batches::format.eq(&batch.format),
            import_batches::rows_total.eq(batch.rows_total),
            import_batches::inserted.eq(batch.inserted),
            import_batches::updated.eq(batch.updated),
            import_batches::duplicates.eq(batch.duplicates),
            import_batches::rejected.eq(batch.rejected),
            import_batches::conflicts.eq(batch.conflicts),
            import_batches::not_ours.eq(batch.not_ours),
            import_batches::not_paid.eq(batch.not_paid),
            import_batches::needs_mapping.eq(batch.needs_mapping),
            import_batches::errors.eq(&batch.errors),
            import_batches::summary.eq(&batch.summary),
        ))
        .execute(conn)
        .await?;
    record_audit(conn, ctx, &tally, "committed").await?;
    crate::webhooks::emit(
        conn,
        batch.agency_id,
        crate::webhooks::EventType::ImportCompleted,
        crate::webhooks::events::import(&batch),
    )
    .await?;
    Ok(tally)
}

/// A bad export row, with the account it names.
type Invalid = (
    Position,
    Vec<FieldError>,
    Platform,
    Option<String>,
    Option<String>,
);

/// Bad export rows: rejected when they name an account of the agency's hosts, else other
/// creators' rows (`not_ours`), whatever is wrong with them.
async fn take_invalid(
    conn: &mut AsyncPgConnection,
    ctx: &ImportContext<'_>,
    tally: &mut Tally,
    invalid: Vec<Invalid>,
) -> Result<(), AppError> {
    if invalid.is_empty() {
        return Ok(());
    }
    let users = invalid
        .iter()
        .filter_map(|(_, _, platform, user, _)| Some((*platform, user.as_deref()?)));
    let handles = invalid
        .iter()
        .filter_map(|(_, _, platform, user, handle)| match user {
            None => Some((*platform, handle.as_deref()?)),
            Some(_) => None,
        });
    let accounts = Accounts::load(conn, ctx.caller.agency_id, users, handles).await?;
    for (at, errors, platform, user_id, handle) in invalid {
        if accounts.ours(platform, user_id.as_ref(), handle.as_ref()) {
            tally.reject(&at, errors);
        } else {
            tally.not_ours(user_id, handle);
        }
    }
    Ok(())
}

/// Resolves and (unless the import is already refused) writes one batch of rows.
async fn take_rows(
    conn: &mut AsyncPgConnection,
    ctx: &ImportContext<'_>,
    writer: &Writer,
    tally: &mut Tally,
    rows: Vec<Row>,
) -> Result<(), AppError> {
    let mut places = Vec::with_capacity(rows.len());
    let mut inputs = Vec::with_capacity(rows.len());
    let mut invalid = Vec::new();
    for (at, row) in rows {
        tally.rows += 1;
        match row {
            Ok(Mapped::Line(input, name)) => {
                places.push((at, name));
                inputs.push(*input);
            }
            Ok(Mapped::NotPaid) => tally.not_paid += 1,
            Ok(Mapped::Invalid {
                errors,
                platform,
                user_id,
                handle,
            }) => invalid.push((at, errors, platform, user_id, handle)),
            Err(errors) => tally.reject(&at, errors),
        }
    }
    take_invalid(conn, ctx, tally, invalid).await?;
    let resolved = ledger::resolve(conn, ctx.caller.agency_id, inputs).await?;
    let mut good_places = Vec::new();
    let mut good = Vec::new();
    for ((at, name), outcome) in places.into_iter().zip(resolved) {
        match outcome {
            Ok(line) => {
                good_places.push(at);
                good.push(line);
            }
            Err(Unresolved::Errors(errors)) => tally.reject(&at, errors),
            Err(Unresolved::NotOurs { user_id, handle }) => tally.not_ours(user_id, handle),
            Err(Unresolved::NeedsMapping {
                platform,
                item_id,
                sku_code,
                external_order_id,
            }) => tally.needs_mapping(
                &at,
                platform,
                (item_id, sku_code),
                (external_order_id, name),
            ),
        }
    }
    if tally.refuses(ctx.on_error) && !ctx.dry_run {
        // Nothing will be written: only keep checking rows, for the full error list.
        return Ok(());
    }
    for (at, outcome) in good_places
        .into_iter()
        .zip(ledger::write(conn, writer, good).await?)
    {
        match outcome {
            Outcome::Inserted(_) => tally.inserted += 1,
            Outcome::Updated(_) => tally.updated += 1,
            Outcome::Duplicate(_) => tally.duplicates += 1,
            Outcome::Conflict(errors) => {
                tally.conflicts += 1;
                tally.reject(&at, errors);
            }
        }
    }
    Ok(())
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
        .value("format", tally.format)
        .value("rows", tally.rows)
        .value("inserted", tally.inserted)
        .value("updated", tally.updated)
        .value("duplicates", tally.duplicates)
        .value("rejected", tally.rejected)
        .value("not_ours", tally.not_ours)
        .value("not_paid", tally.not_paid)
        .value("needs_mapping", tally.needs_mapping);
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
    let mut batch = tally.batch(&ctx.batch, "rejected");
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
        let mut errors = tally.errors.clone();
        errors.extend(file_errors.iter().cloned());
        batch.errors = stored_errors(&errors);
    }
    // Nothing was written, whatever the rows would have done.
    (batch.inserted, batch.updated, batch.duplicates) = (0, 0, 0);
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
    let mut extensions = match serde_json::to_value(tally.counts(ctx.batch.mapping_id)) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    extensions.insert("id".to_owned(), Value::String(batch.id.to_string()));
    for name in ["inserted", "updated", "duplicates"] {
        extensions.insert(name.to_owned(), Value::from(0));
    }
    let detail = if tally.needs_mapping > 0 {
        format!(
            "{} of {} rows are invalid, {} of them of items no product maps (see needs_mapping); nothing was written (map the items and import the file again, or retry with on_error=skip to keep the good rows).",
            tally.rejected, tally.rows, tally.needs_mapping
        )
    } else {
        format!(
            "{} of {} rows are invalid; nothing was written (retry with on_error=skip to keep the good rows).",
            tally.rejected, tally.rows
        )
    };
    Ok(AppError::Unprocessable {
        code: "import_rejected",
        detail,
        errors: tally.errors,
        extensions,
    })
}

/// What an import came to.
pub enum Concluded {
    /// Committed, on record.
    Committed(ImportBatch),
    /// A dry run: what it would do; nothing was written.
    Preview(Tally),
}

/// What the import's transaction came to: the committed record, a dry run's counts, or the
/// refusal (recorded with nothing of the import written; a dry run records nothing).
pub async fn conclude(
    conn: &mut AsyncPgConnection,
    ctx: &ImportContext<'_>,
    outcome: Result<Tally, Failure>,
) -> Result<Concluded, AppError> {
    match outcome {
        Ok(tally) => Ok(Concluded::Committed(tally.batch(&ctx.batch, "committed"))),
        Err(Failure::DryRun(tally)) => Ok(Concluded::Preview(tally)),
        Err(Failure::Fatal(error, _)) if ctx.dry_run => Err(error),
        Err(Failure::Rejected(tally)) => Err(record_refusal(conn, ctx, tally, None).await?),
        Err(Failure::Fatal(error, tally)) => {
            Err(record_refusal(conn, ctx, tally, Some(error)).await?)
        }
        Err(Failure::Db(error)) => Err(error),
    }
}
