//! Bulk imports of order lines: `POST /v1/sales/imports` (CSV or a JSON array) and the record
//! of every import.
//!
//! The body is spooled to a temporary file (hashed on the way, bounded by `imports.max_bytes`),
//! then parsed on a blocking thread that hands rows over in batches through a bounded channel,
//! so memory stays bounded whatever the file size. The whole import is one transaction: by
//! default (`on_error=reject`) one bad row and nothing is written; with `on_error=skip` the
//! good rows are written and the bad ones reported.

use std::io::{BufReader, Read, Seek, SeekFrom};

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt as _;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{ImportView, StoredError};
use super::handlers::line_defaults;
use super::ledger::{self, Outcome, Writer};
use super::model::ImportBatch;
use super::validate::{FIELDS, check_line};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::{AppError, FieldError};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::schema::import_batches;
use crate::state::AppState;
use crate::text_enum;

/// Rows handed from the parser to the writer at a time.
const BATCH_ROWS: usize = 1000;

text_enum! {
    /// What an import does with bad rows.
    pub enum OnError {
        /// Atomic: one bad row and nothing is written (the default).
        Reject => "reject",
        /// Write the good rows, report the bad.
        Skip => "skip",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    pub on_error: Option<OnError>,
    /// The uploaded file's name, kept with the import record.
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

/// A parsed row: its line and its fields, or why it could not be read.
type Row = (u64, Result<Map<String, Value>, FieldError>);

enum Parsed {
    Rows(Vec<Row>),
    /// The file cannot be read as a whole (bad header, broken JSON, too many rows).
    Fatal(AppError),
    /// The whole file was read. Without it, the parser stopped early (it panicked or failed)
    /// and the import fails: the rows read so far are never committed as if they were all.
    Done,
}

/// The next rows from the parser; `None` once it read the whole file. A fatal problem, or a
/// parser that went away without saying it finished, is a failure of the whole import.
async fn next_rows(rx: &mut mpsc::Receiver<Parsed>) -> Result<Option<Vec<Row>>, AppError> {
    match rx.recv().await {
        Some(Parsed::Rows(rows)) => Ok(Some(rows)),
        Some(Parsed::Done) => Ok(None),
        Some(Parsed::Fatal(error)) => Err(error),
        None => Err(AppError::Internal(anyhow::anyhow!(
            "the import parser stopped before the end of the file"
        ))),
    }
}

fn fatal_row(line: u64, field: &str, code: &str, message: String) -> FieldError {
    FieldError {
        line: Some(line),
        ..FieldError::new(field, code, message)
    }
}

/// Reads CSV rows (UTF-8, optional BOM, header names = sale fields) into `tx`.
fn parse_csv(file: std::fs::File, max_rows: usize, tx: &mpsc::Sender<Parsed>) {
    let mut reader = BufReader::new(file);
    let mut bom = [0u8; 3];
    let skip = match reader.read_exact(&mut bom) {
        Ok(()) if bom == [0xEF, 0xBB, 0xBF] => 3,
        _ => 0,
    };
    if reader.seek(SeekFrom::Start(skip)).is_err() {
        let _ = tx.blocking_send(Parsed::Fatal(AppError::Internal(anyhow::anyhow!(
            "rewinding the spooled import"
        ))));
        return;
    }
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        // Spreadsheets pad cells; the API's JSON fields are taken exactly as sent.
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header_line = csv.position().line();
    let headers: Vec<String> = match csv.byte_headers() {
        Ok(headers) => headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase())
            .collect(),
        Err(err) => {
            let _ = tx.blocking_send(Parsed::Fatal(AppError::BadRequest {
                code: "invalid_csv",
                detail: format!("The CSV header cannot be read: {err}"),
                errors: Vec::new(),
            }));
            return;
        }
    };
    let mut header_errors = Vec::new();
    for (index, name) in headers.iter().enumerate() {
        if !FIELDS.contains(&name.as_str()) {
            header_errors.push(fatal_row(
                1,
                name,
                "unknown_column",
                format!("column {} `{name}` is not a sale field", index + 1),
            ));
        } else if headers[..index].contains(name) {
            header_errors.push(fatal_row(
                1,
                name,
                "duplicate_column",
                format!("column `{name}` appears twice"),
            ));
        }
    }
    if !header_errors.is_empty() {
        let _ = tx.blocking_send(Parsed::Fatal(AppError::Unprocessable {
            code: "invalid_header",
            detail: format!(
                "The CSV header names columns that are not sale fields; known: {}.",
                FIELDS.join(", ")
            ),
            errors: header_errors,
            extensions: Map::new(),
        }));
        return;
    }
    // The csv reader counts the `\n` of a CRLF only when it reads the next record, so its line
    // numbers lag by one in CRLF files: there, it still stands on the header's line.
    let skew = u64::from(csv.position().line() == header_line);
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    loop {
        let line = csv.position().line();
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                if rows > max_rows {
                    let _ = tx.blocking_send(Parsed::Fatal(too_many_rows(max_rows)));
                    return;
                }
                let line = record.position().map_or(line, csv::Position::line) + skew;
                batch.push((line, csv_row(&headers, &record, line)));
            }
            Err(err) => {
                rows += 1;
                let line = err.position().map_or(line, csv::Position::line) + skew;
                batch.push((
                    line,
                    Err(fatal_row(
                        line,
                        "",
                        "unreadable_row",
                        format!("the row cannot be read: {err}"),
                    )),
                ));
            }
        }
        if batch.len() >= BATCH_ROWS
            && tx
                .blocking_send(Parsed::Rows(std::mem::take(&mut batch)))
                .is_err()
        {
            return;
        }
    }
    if !batch.is_empty() && tx.blocking_send(Parsed::Rows(batch)).is_err() {
        return;
    }
    let _ = tx.blocking_send(Parsed::Done);
}

fn csv_row(
    headers: &[String],
    record: &csv::ByteRecord,
    line: u64,
) -> Result<Map<String, Value>, FieldError> {
    if record.len() != headers.len() {
        return Err(fatal_row(
            line,
            "",
            "wrong_field_count",
            format!(
                "{} fields where the header has {}",
                record.len(),
                headers.len()
            ),
        ));
    }
    let mut map = Map::new();
    for (name, cell) in headers.iter().zip(record.iter()) {
        let text = std::str::from_utf8(cell)
            .map_err(|_| fatal_row(line, name, "invalid_utf8", "not UTF-8 text".to_owned()))?;
        if !text.trim().is_empty() {
            map.insert(name.clone(), Value::String(text.to_owned()));
        }
    }
    Ok(map)
}

fn too_many_rows(max_rows: usize) -> AppError {
    AppError::PayloadTooLarge {
        detail: format!("An import holds at most {max_rows} rows; split the file."),
    }
}

/// Reads a JSON array of objects element by element into `tx`.
fn parse_json(file: std::fs::File, max_rows: usize, tx: &mpsc::Sender<Parsed>) {
    struct Elements<'a> {
        tx: &'a mpsc::Sender<Parsed>,
        max_rows: usize,
    }
    impl<'de> serde::de::Visitor<'de> for Elements<'_> {
        type Value = Option<AppError>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON array of order lines")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            let mut position = 0u64;
            while let Some(element) = seq.next_element::<Value>()? {
                position += 1;
                if position as usize > self.max_rows {
                    return Ok(Some(too_many_rows(self.max_rows)));
                }
                let row = match element {
                    Value::Object(map) => Ok(map),
                    _ => Err(fatal_row(
                        position,
                        "",
                        "not_an_object",
                        "each element is an order line object".to_owned(),
                    )),
                };
                batch.push((position, row));
                if batch.len() >= BATCH_ROWS
                    && self
                        .tx
                        .blocking_send(Parsed::Rows(std::mem::take(&mut batch)))
                        .is_err()
                {
                    return Ok(None);
                }
            }
            if !batch.is_empty() {
                let _ = self.tx.blocking_send(Parsed::Rows(batch));
            }
            Ok(None)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_reader(BufReader::new(file));
    let outcome =
        serde::Deserializer::deserialize_seq(&mut deserializer, Elements { tx, max_rows })
            .and_then(|result| deserializer.end().map(|()| result));
    let fatal = match outcome {
        Ok(None) => None,
        Ok(Some(error)) => Some(error),
        Err(err) => Some(AppError::BadRequest {
            code: "malformed_json",
            detail: format!("The import is not a JSON array of objects: {err}"),
            errors: Vec::new(),
        }),
    };
    let _ = tx.blocking_send(match fatal {
        Some(error) => Parsed::Fatal(error),
        None => Parsed::Done,
    });
}

/// The body spooled to disk, with its hash and size.
struct Spooled {
    file: std::fs::File,
    sha256: Vec<u8>,
    size: usize,
}

async fn spool(mut payload: web::Payload, max_bytes: usize) -> Result<Spooled, AppError> {
    let file = tempfile::tempfile().map_err(|e| AppError::Internal(e.into()))?;
    let mut writer =
        tokio::fs::File::from_std(file.try_clone().map_err(|e| AppError::Internal(e.into()))?);
    let mut hasher = Sha256::new();
    let mut size = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| AppError::BadRequest {
            code: "unreadable_body",
            detail: format!("The upload could not be read: {err}"),
            errors: Vec::new(),
        })?;
        size += chunk.len();
        if size > max_bytes {
            return Err(AppError::PayloadTooLarge {
                detail: format!("An import is at most {max_bytes} bytes; split the file."),
            });
        }
        hasher.update(&chunk);
        writer
            .write_all(&chunk)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    writer
        .flush()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Spooled {
        file,
        sha256: hasher.finalize().to_vec(),
        size,
    })
}

/// Counters and errors of an import in progress.
#[derive(Debug, Default)]
struct Tally {
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

enum Failure {
    /// Bad rows in atomic mode: the transaction rolls back.
    Rejected(Tally),
    /// The file as a whole was refused.
    Fatal(AppError, Tally),
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

struct ImportContext<'a> {
    caller: &'a Caller,
    batch: ImportBatch,
    on_error: OnError,
    currency: crate::domain::currency::Currency,
    time_zone: chrono_tz::Tz,
}

async fn run_import(
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
        let rows = match next_rows(&mut rx).await {
            Ok(Some(rows)) => rows,
            Ok(None) => break,
            Err(error) => return Err(Failure::Fatal(error, tally)),
        };
        let mut lines = Vec::with_capacity(rows.len());
        let mut inputs = Vec::with_capacity(rows.len());
        for (line, row) in rows {
            tally.rows += 1;
            match row
                .map_err(|e| vec![e])
                .and_then(|map| check_line(&map, ctx.currency, ctx.time_zone, now))
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
            continue;
        }
        for (line, outcome) in good_lines
            .into_iter()
            .zip(ledger::write(conn, &writer, good).await?)
        {
            match outcome {
                Outcome::Inserted(_) => tally.inserted += 1,
                Outcome::Updated(_) => tally.updated += 1,
                Outcome::Duplicate(_) => tally.duplicates += 1,
                Outcome::Conflict(errors) => tally.reject(line, errors),
            }
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

/// Imports order lines from `text/csv` (UTF-8, BOM allowed, header = sale field names) or
/// `application/json` (an array of lines). Hosts are named by `influencer_id` or
/// `platform_user_id`, products by `product_id` or `sku`. Re-importing known lines changes
/// nothing (`duplicates`); a known line whose `status` or `refunded_amount` moved is updated
/// (`updated`, audited); any other difference is a `conflicts` error, never an overwrite.
/// Error lines count from the CSV header (line 1), or the array position from 1 in JSON.
#[utoipa::path(
    post, path = "/v1/sales/imports", tag = "sales", security(("bearer" = [])),
    params(ImportQuery),
    request_body(description = "The file: CSV with a header row of sale field names, or a JSON array of order lines (objects with the fields of `SaleRequest`). Every line is checked on its own and a bad line is reported with its line number, so any array is taken.", content(
        (String = "text/csv"),
        (Vec<Object> = "application/json"),
    )),
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "Committed (with `on_error=skip`, bad rows are listed in `errors`)", body = ImportView),
        (status = 413, description = "More rows or bytes than an import takes"),
        (status = 415, description = "Neither text/csv nor application/json"),
        (status = 422, description = "`import_rejected`: bad rows (every one listed with its line) and nothing written; or `invalid_header`"),
    )
)]
pub async fn import_sales(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let format = match req.mime_type() {
        Ok(Some(mime)) if mime.essence_str() == "text/csv" => Format::Csv,
        Ok(Some(mime)) if mime.essence_str() == "application/json" => Format::Json,
        _ => {
            return Err(AppError::UnsupportedMediaType {
                detail: "Send the import as text/csv or application/json.".to_owned(),
            });
        }
    };
    let settings = &state.settings.imports;
    if let Some(length) = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > settings.max_bytes
    {
        return Err(AppError::PayloadTooLarge {
            detail: format!(
                "An import is at most {} bytes; split the file.",
                settings.max_bytes
            ),
        });
    }
    let query = query.into_inner();
    let file_name = query
        .file_name
        .map(|name| {
            name.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(255)
                .collect::<String>()
        })
        .filter(|name| !name.is_empty());
    let spooled = spool(payload, settings.max_bytes).await?;

    let mut conn = caller.conn(&state).await?;
    let (currency, time_zone) = line_defaults(&mut conn, caller.agency_id).await?;
    let on_error = query.on_error.unwrap_or(OnError::Reject);
    let ctx = ImportContext {
        caller: &caller,
        batch: ImportBatch {
            agency_id: caller.agency_id,
            id: Uuid::now_v7(),
            uploaded_by: caller.user_id,
            file_name,
            content_type: if format == Format::Csv {
                "text/csv"
            } else {
                "application/json"
            }
            .to_owned(),
            sha256: spooled.sha256,
            size_bytes: i64::try_from(spooled.size).unwrap_or(i64::MAX),
            on_error: on_error.as_str().to_owned(),
            outcome: "committed".to_owned(),
            rows_total: 0,
            inserted: 0,
            updated: 0,
            duplicates: 0,
            rejected: 0,
            errors: Value::Array(Vec::new()),
            created_at: Utc::now(),
        },
        on_error,
        currency,
        time_zone,
    };

    let (tx, rx) = mpsc::channel(2);
    let max_rows = settings.max_rows;
    let mut file = spooled.file;
    let parser = tokio::task::spawn_blocking(move || {
        if file.seek(SeekFrom::Start(0)).is_err() {
            let _ = tx.blocking_send(Parsed::Fatal(AppError::Internal(anyhow::anyhow!(
                "rewinding the spooled import"
            ))));
            return;
        }
        // A panic drops `tx` without `Done`: the import then fails as a whole (`next_rows`).
        match format {
            Format::Csv => parse_csv(file, max_rows, &tx),
            Format::Json => parse_json(file, max_rows, &tx),
        }
    });
    let outcome = conn
        .transaction(async |conn| run_import(conn, &ctx, rx).await)
        .await;
    // The parser stops by itself once the channel is dropped.
    let _ = parser.await;
    match outcome {
        Ok(tally) => {
            let batch = ImportBatch {
                rows_total: tally.rows,
                inserted: tally.inserted,
                updated: tally.updated,
                duplicates: tally.duplicates,
                rejected: tally.rejected,
                errors: stored_errors(&tally.errors),
                ..ctx.batch.clone()
            };
            Ok(HttpResponse::Created()
                .insert_header(("Location", format!("/v1/sales/imports/{}", batch.id)))
                .json(ImportView::try_from(batch)?))
        }
        Err(Failure::Rejected(tally)) => Err(record_refusal(&mut conn, &ctx, tally, None).await?),
        Err(Failure::Fatal(error, tally)) => {
            Err(record_refusal(&mut conn, &ctx, tally, Some(error)).await?)
        }
        Err(Failure::Db(error)) => Err(error),
    }
}

/// Past imports, newest first.
#[utoipa::path(
    get, path = "/v1/sales/imports", tag = "sales", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of imports", body = Page<ImportView>))
)]
pub async fn list_imports(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn(&state).await?;
    let mut rows = import_batches::table
        .filter(import_batches::agency_id.eq(caller.agency_id))
        .order(import_batches::id.desc())
        .limit(page.fetch_limit())
        .select(ImportBatch::as_select())
        .into_boxed();
    if let Some(before) = page.after {
        rows = rows.filter(import_batches::id.lt(before));
    }
    let rows = rows.load(&mut conn).await?;
    let page = Page::from_rows(rows, &page, |b| b.id, |b| b);
    let items = page
        .items
        .into_iter()
        .map(ImportView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// One import: who, when, the file's name and SHA-256, the counts and every bad row.
#[utoipa::path(
    get, path = "/v1/sales/imports/{id}", tag = "sales", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Import id")),
    responses(
        (status = 200, description = "The import", body = ImportView),
        (status = 404, description = "No such import in this agency"),
    )
)]
pub async fn get_import(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn(&state).await?;
    let batch: ImportBatch = import_batches::table
        .find((caller.agency_id, id.into_inner()))
        .select(ImportBatch::as_select())
        .first(&mut conn)
        .await?;
    Ok(HttpResponse::build(StatusCode::OK).json(ImportView::try_from(batch)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn lines_of(text: &str) -> Vec<(u64, bool)> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let (tx, mut rx) = mpsc::channel(8);
        parse_csv(file, 100, &tx);
        drop(tx);
        let mut out = Vec::new();
        while let Ok(parsed) = rx.try_recv() {
            if let Parsed::Rows(rows) = parsed {
                out.extend(rows.into_iter().map(|(line, row)| (line, row.is_ok())));
            }
        }
        out
    }

    #[test]
    fn csv_lines_count_from_the_header_as_line_one() {
        let rows =
            lines_of("\u{feff}platform,quantity\r\ndouyin,1\r\n\"multi\nline\",2\r\ndouyin\r\n");
        assert_eq!(rows, vec![(2, true), (3, true), (5, false)]);
    }

    #[actix_web::test]
    async fn a_parser_that_stops_without_finishing_fails_the_import() {
        let (tx, mut rx) = mpsc::channel(8);
        tx.send(Parsed::Rows(vec![(2, Ok(Map::new()))]))
            .await
            .unwrap();
        // The parser thread panics: its sender is dropped without `Done`.
        drop(tx);
        assert!(matches!(next_rows(&mut rx).await, Ok(Some(rows)) if rows.len() == 1));
        assert!(matches!(
            next_rows(&mut rx).await,
            Err(AppError::Internal(_))
        ));

        let (tx, mut rx) = mpsc::channel(8);
        tx.send(Parsed::Done).await.unwrap();
        drop(tx);
        assert!(matches!(next_rows(&mut rx).await, Ok(None)));
    }

    #[test]
    fn a_parser_reports_the_end_of_the_file() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"platform,quantity\ndouyin,1\n").unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let (tx, mut rx) = mpsc::channel(8);
        parse_csv(file, 100, &tx);
        assert!(matches!(rx.try_recv(), Ok(Parsed::Rows(_))));
        assert!(matches!(rx.try_recv(), Ok(Parsed::Done)));

        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"[{\"a\": 1}, {").unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let (tx, mut rx) = mpsc::channel(8);
        parse_json(file, 100, &tx);
        assert!(matches!(rx.try_recv(), Ok(Parsed::Fatal(_))));
        assert!(rx.try_recv().is_err(), "no Done after a fatal error");
    }
}
