//! Bulk imports of order lines: `POST /v1/sales/imports` (CSV or a JSON array) and the record
//! of every import.
//!
//! The body is spooled to a temporary file (hashed on the way, bounded by `imports.max_bytes`),
//! then read by [`parse`] on a blocking thread while [`run`] writes the rows in one
//! transaction, so memory stays bounded whatever the file size.

mod parse;
mod run;
pub mod table;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use futures_util::StreamExt as _;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt as _;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::ImportView;
use super::model::ImportBatch;
use crate::agencies::model as agencies;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::AppError;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::schema::import_batches;
use crate::text_enum;
use parse::Format;
use run::ImportContext;

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
        (status = 201, description = "Committed (with `on_error=skip`, bad rows are listed in `errors`)", body = ImportView),
        (status = 413, description = "More rows or bytes than an import takes"),
        (status = 415, description = "Neither text/csv nor application/json"),
        (status = 422, description = "`import_rejected`: bad rows (every one listed with its line) and nothing written; or `invalid_header`"),
    )
)]
pub async fn import_sales(
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
    let settings = &caller.state().settings.imports;
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

    let mut conn = caller.conn().await?;
    let defaults = agencies::defaults(&mut conn, caller.agency_id).await?;
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
        defaults,
    };

    let (parser, rx) = parse::spawn_parser(spooled.file, format, settings.max_rows);
    let outcome = conn
        .transaction(async |conn| run::run_import(conn, &ctx, rx).await)
        .await;
    // The parser stops by itself once the channel is dropped.
    let _ = parser.await;
    let batch = run::conclude(&mut conn, &ctx, outcome).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/sales/imports/{}", batch.id)))
        .json(ImportView::try_from(batch)?))
}

/// Past imports, newest first.
#[utoipa::path(
    get, path = "/v1/sales/imports", tag = "sales", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of imports", body = Page<ImportView>))
)]
pub async fn list_imports(
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
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
    responses(
        (status = 200, description = "The import", body = ImportView),
        (status = 404, description = "No such import in this agency"),
    )
)]
pub async fn get_import(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    let batch: ImportBatch = import_batches::table
        .find((caller.agency_id, id.into_inner()))
        .select(ImportBatch::as_select())
        .first(&mut conn)
        .await?;
    Ok(HttpResponse::build(StatusCode::OK).json(ImportView::try_from(batch)?))
}
