//! Bulk imports of order lines: `POST /v1/sales/imports` (CSV, XLSX or a JSON array; our own
//! columns, a platform's export, or any export through a saved mapping) and the record of
//! every import.
//!
//! The body is spooled to a temporary file (hashed on the way, bounded by `imports.max_bytes`),
//! then read by [`parse`] (over [`table`]) on a blocking thread while [`run`] writes the rows in
//! one transaction, so memory stays bounded whatever the file size.

mod choose;
mod parse;
mod run;
pub mod table;
mod tally;

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

use super::dto::{ImportPreview, ImportView};
use super::model::ImportBatch;
use crate::agencies::model as agencies;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::sales::lookup;
use crate::sales::mapping::builtin;
use crate::schema::import_batches;
use crate::text_enum;
use parse::{Reading, STANDARD, Source};
use run::{Concluded, ImportContext};
use table::{FileKind, Limits};

/// The media type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

text_enum! {
    /// What an import does with bad rows.
    pub enum OnError {
        /// Atomic: one bad row and nothing is written (the default).
        Reject => "reject",
        /// Write the good rows, report the bad.
        Skip => "skip",
    }
}

text_enum! {
    /// How the file's columns are read.
    pub enum ImportFormat {
        /// Our own columns: a header of sale field names (CSV, XLSX) or a JSON array.
        Standard => "standard",
        /// Douyin 抖店 order export (line key 子订单编号).
        DouyinOrders => "douyin_orders",
        /// Douyin 精选联盟 commission export (订单id).
        DouyinAlliance => "douyin_alliance",
        /// Kuaishou 快手小店 order export (订单号).
        KuaishouOrders => "kuaishou_orders",
        /// WeChat 微信小店 order export (订单号|商品编码(平台)|商品属性).
        WechatShopOrders => "wechat_shop_orders",
        /// Taobao/Tmall 千牛 sub-order table (子订单编号; no host column).
        TaobaoSuborders => "taobao_suborders",
        /// Pinduoduo order export (订单号; no host column).
        PinduoduoOrders => "pinduoduo_orders",
    }
}

impl ImportFormat {
    /// The format's name as the parser knows it.
    fn name(self) -> Result<&'static str, AppError> {
        if self == ImportFormat::Standard {
            return Ok(STANDARD);
        }
        builtin::find(self.as_str())
            .map(|format| format.name)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no built-in format {self}")))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    pub on_error: Option<OnError>,
    /// The uploaded file's name, kept with the import record.
    pub file_name: Option<String>,
    /// Read the file in this format (default: recognised by its header row).
    pub format: Option<ImportFormat>,
    /// Read the file through this saved mapping (`/v1/import-mappings`).
    pub mapping: Option<Uuid>,
    /// The host of every row, for a platform export without a host column (Taobao's and
    /// Pinduoduo's).
    pub influencer_id: Option<Uuid>,
    /// The platform a built-in format's lines are sold on where it may be another than the
    /// format's own: `tmall` for Taobao's 千牛 files.
    pub platform: Option<Platform>,
    /// Answer what the import would do, writing nothing.
    pub dry_run: Option<bool>,
}

/// What the request's content type says the body is.
fn source_of(req: &HttpRequest) -> Result<Source, AppError> {
    match req.mime_type() {
        Ok(Some(mime)) if mime.essence_str() == "text/csv" => Ok(Source::Table(FileKind::Csv)),
        Ok(Some(mime)) if mime.essence_str() == XLSX => Ok(Source::Table(FileKind::Xlsx)),
        Ok(Some(mime)) if mime.essence_str() == "application/json" => Ok(Source::Json),
        _ => Err(AppError::UnsupportedMediaType {
            detail: format!("Send the import as text/csv, {XLSX} or application/json."),
        }),
    }
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

/// Imports order lines from a file: `text/csv` (UTF-8 with or without BOM, or GB18030), an
/// XLSX workbook (every sheet with the same header) or `application/json` (an array of lines).
/// The header says how the rows are read: sale field names (hosts named by `influencer_id` or
/// `platform_user_id`, products by `product_id` or `sku`), or a platform's export recognised by
/// its headers (`format` in the answer; `?format=` names it), or a saved mapping
/// (`?mapping=`). Export rows name their host by the platform account (rows of creators who
/// are not hosts of the agency are counted in `not_ours`) and their product by the platform
/// item mapped to a product (unmapped items are listed in `needs_mapping` and their rows
/// rejected). Re-importing known lines changes nothing (`duplicates`); a known line whose
/// status or refunds moved is updated (`updated`, audited); any other difference is a
/// conflict, never an overwrite. Error lines count from the header (line 1; the sheet's row in
/// XLSX, with `sheet`), or the array position from 1 in JSON. `?dry_run=true` answers the
/// counts it would produce and writes nothing.
#[utoipa::path(
    post, path = "/v1/sales/imports", tag = "sales", security(("bearer" = [])),
    params(ImportQuery),
    request_body(description = "The file: CSV or XLSX with a header row (sale field names, a platform export's headers, or those of a saved mapping), or a JSON array of order lines (objects with the fields of `SaleRequest`). Every line is checked on its own and a bad line is reported with its line number, so any array is taken.", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Vec<Object> = "application/json"),
    )),
    responses(
        (status = 200, description = "A dry run (`dry_run=true`): what the import would do; nothing was written", body = ImportPreview),
        (status = 201, description = "Committed (with `on_error=skip`, bad rows are listed in `errors`)", body = ImportView),
        (status = 400, description = "`unreadable_body`, `malformed_json`"),
        (status = 404, description = "No such saved mapping in this agency"),
        (status = 413, description = "More rows or bytes than an import takes, or an XLSX that unpacks to more than it may"),
        (status = 415, description = "Neither text/csv, XLSX nor application/json"),
        (status = 422, description = "`import_rejected`: bad rows (every one listed with its line) and nothing written; `not_applicable`: `format`, `mapping`, `platform` or `influencer_id` where they do not apply (both a format and a mapping, any of them with JSON, `influencer_id` for a file with a host column); `invalid_header`, `missing_columns`, `ambiguous_format`, `influencer_required`, `platform_not_applicable`, `sheet_header_mismatch`, `invalid_xlsx`, `empty_file`"),
    )
)]
pub async fn import_sales(
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let source = source_of(&req)?;
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
    let format = query.format.map(ImportFormat::name).transpose()?;
    let not_applicable = |detail: &str| AppError::Unprocessable {
        code: "not_applicable",
        detail: detail.to_owned(),
        errors: Vec::new(),
        extensions: serde_json::Map::new(),
    };
    if query.mapping.is_some() && format.is_some() {
        return Err(not_applicable("Name a format or a mapping, not both."));
    }
    if source == Source::Json
        && (format.is_some_and(|f| f != STANDARD)
            || query.mapping.is_some()
            || query.platform.is_some()
            || query.influencer_id.is_some())
    {
        return Err(not_applicable(
            "A JSON import is an array of lines in our own fields; format, mapping, platform and influencer_id are for CSV and XLSX files.",
        ));
    }
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

    // The upload is spooled before a connection is taken: a slow client holds none.
    let spooled = spool(payload, settings.max_bytes).await?;
    let mut conn = caller.conn().await?;
    let mapping = match query.mapping {
        Some(id) => Some(
            crate::sales::mapping::saved::load_spec(&mut conn, caller.agency_id, id)
                .await?
                .1,
        ),
        None => None,
    };
    if let Some(host) = query.influencer_id
        && lookup::known_hosts(&mut conn, caller.agency_id, [host])
            .await?
            .is_empty()
    {
        return Err(AppError::validation(vec![FieldError::new(
            "influencer_id",
            "not_found",
            "no such host in this agency",
        )]));
    }
    let defaults = agencies::defaults(&mut conn, caller.agency_id).await?;
    let on_error = query.on_error.unwrap_or(OnError::Reject);
    let ctx = ImportContext {
        caller: &caller,
        batch: ImportBatch {
            agency_id: caller.agency_id,
            id: Uuid::now_v7(),
            uploaded_by: caller.user_id,
            file_name,
            content_type: match source {
                Source::Table(FileKind::Csv) => "text/csv",
                Source::Table(FileKind::Xlsx) => XLSX,
                Source::Json => "application/json",
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
            format: STANDARD.to_owned(),
            mapping_id: query.mapping,
            conflicts: 0,
            not_ours: 0,
            not_paid: 0,
            needs_mapping: 0,
            summary: Value::Object(serde_json::Map::new()),
        },
        on_error,
        dry_run: query.dry_run.unwrap_or(false),
    };
    let reading = Reading {
        format,
        mapping,
        platform: query.platform,
        host: query.influencer_id,
        currency: defaults.currency,
        time_zone: defaults.time_zone,
        now: Utc::now(),
        limits: Limits {
            max_rows: settings.max_rows,
            max_unpacked_bytes: settings.max_unpacked_bytes,
        },
    };

    let (parser, rx) = parse::spawn_parser(spooled.file, source, reading);
    let outcome = conn
        .transaction(async |conn| run::run_import(conn, &ctx, rx).await)
        .await;
    // The parser stops by itself once the channel is dropped.
    let _ = parser.await;
    match run::conclude(&mut conn, &ctx, outcome).await? {
        Concluded::Committed(batch) => Ok(HttpResponse::Created()
            .insert_header(("Location", format!("/v1/sales/imports/{}", batch.id)))
            .json(ImportView::try_from(batch)?)),
        Concluded::Preview(tally) => Ok(HttpResponse::Ok().json(ImportPreview {
            dry_run: true,
            on_error: on_error.as_str().to_owned(),
            outcome: if tally.refuses(on_error) {
                "rejected"
            } else {
                "committed"
            }
            .to_owned(),
            counts: tally.counts(query.mapping),
            errors: tally.errors().iter().take(50).cloned().collect(),
        })),
    }
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
