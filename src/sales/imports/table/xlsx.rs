//! XLSX: every worksheet in workbook order, streamed cell by cell with calamine's cell reader
//! (never a whole sheet in memory), rows assembled from the cells.
//!
//! Hostile workbooks:
//! - Zip bombs. Before calamine opens the archive, [`check_archive`] adds up the uncompressed
//!   sizes its central directory declares and refuses the file (413) past
//!   `imports.max_unpacked_bytes`, or when an entry above 1 MiB compresses more than 200:1.
//!   Declared sizes cannot lie: the zip crate (9.0.1 on) stops every entry at its declared size,
//!   failing with "File is larger than its declared uncompressed size" on the next byte, so an
//!   entry that inflates past what it declares is a read error (422 `invalid_xlsx`), never more
//!   output (test `zip_reads_stop_at_the_declared_size`). calamine uses the same zip crate,
//!   which parses the same central directory the same way, so the check sees what it reads.
//!   What calamine keeps in memory (the shared strings, the styles) is bounded by the same sum.
//! - Entity expansion (billion laughs). quick-xml, under calamine, reports a DTD as one event and
//!   never expands the entities it declares; calamine resolves only the five predefined entities
//!   and character references, and refuses any other reference in a string (422
//!   `invalid_xlsx`). A `<v>` of a number cell holding one is read as empty. Nothing expands
//!   (tests `entities_in_*`).
//! - calamine may panic on malformed input (its cell references overflow in debug builds): each
//!   call into it runs under `catch_unwind`, a panic refusing the file as `invalid_xlsx`.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, ExcelDateTime, Reader as _, SheetType, Xlsx, XlsxError};

use super::{Limits, Position, Rows, empty_file, rewinding_failed, row_error};
use crate::error::AppError;

/// Entries smaller than this are not judged by their compression ratio.
const RATIO_FLOOR: u64 = 1 << 20;
/// More than this many bytes out per byte in, for an entry above [`RATIO_FLOOR`], is a bomb.
const MAX_RATIO: u64 = 200;
/// Excel's widest sheet (column XFD); a header reaching further is no spreadsheet's.
const MAX_COLUMNS: usize = 16_384;

pub(super) fn read(file: File, limits: &Limits, rows: &mut Rows<'_>) -> Result<(), AppError> {
    let mut file = BufReader::new(file);
    check_archive(&mut file, limits.max_unpacked_bytes)?;
    file.seek(SeekFrom::Start(0))
        .map_err(|err| rewinding_failed(err.into()))?;
    let mut workbook: Xlsx<_> = guarded(|| Xlsx::new(file))?.map_err(invalid_xlsx)?;
    // Chart and macro sheets hold no rows.
    let sheets: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect();
    let mut first_header: Option<(String, Vec<String>)> = None;
    for name in sheets {
        let mut cells =
            guarded(|| workbook.worksheet_cells_reader(&name))?.map_err(invalid_xlsx)?;
        let mut sheet = Sheet {
            name: &name,
            header: None,
            first_header: &mut first_header,
            pending: None,
        };
        loop {
            let Some(cell) = guarded(|| cells.next_cell())?.map_err(invalid_xlsx)? else {
                break;
            };
            let (row, column) = cell.get_position();
            let next_row = sheet.pending.as_ref().is_some_and(|p| p.row != row);
            if next_row && !sheet.finish_row(rows)? {
                return Ok(());
            }
            let text = cell_text(cell.get_value());
            sheet.place(row, column as usize, text)?;
        }
        if !sheet.finish_row(rows)? {
            return Ok(());
        }
    }
    match first_header {
        Some(_) => Ok(()),
        None => Err(empty_file()),
    }
}

/// Refuses archives that would inflate beyond `max_unpacked` bytes, or whose entries compress
/// like bombs, from the sizes the central directory declares (which the reads then hold to).
fn check_archive(reader: impl Read + Seek, max_unpacked: u64) -> Result<(), AppError> {
    let archive = zip::ZipArchive::new(reader).map_err(|err| AppError::Unprocessable {
        code: "invalid_xlsx",
        detail: format!("The file is not an XLSX workbook (not a zip archive: {err})."),
        errors: Vec::new(),
        extensions: serde_json::Map::new(),
    })?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|err| invalid_xlsx(err.into()))?;
        let size = entry.size();
        total = total.saturating_add(size);
        if total > max_unpacked {
            return Err(AppError::PayloadTooLarge {
                detail: format!(
                    "The workbook unpacks to more than {max_unpacked} bytes; split the file."
                ),
            });
        }
        if size > RATIO_FLOOR && size / entry.compressed_size().max(1) > MAX_RATIO {
            return Err(AppError::PayloadTooLarge {
                detail: format!(
                    "A part of the workbook ({}) unpacks to more than {MAX_RATIO} times its \
                     packed size, as zip bombs do; save the workbook again or export it as CSV.",
                    crate::domain::printable(&entry.name().unwrap_or_default())
                ),
            });
        }
    }
    Ok(())
}

/// Runs one call into calamine; a panic (malformed input it did not foresee) refuses the file.
fn guarded<T>(call: impl FnOnce() -> T) -> Result<T, AppError> {
    catch_unwind(AssertUnwindSafe(call)).map_err(|_| {
        tracing::warn!("calamine panicked on an uploaded workbook");
        AppError::Unprocessable {
            code: "invalid_xlsx",
            detail: "The file is not a readable XLSX workbook.".to_owned(),
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        }
    })
}

fn invalid_xlsx(err: XlsxError) -> AppError {
    let detail = match err {
        XlsxError::Password => "The workbook is password protected; save it without.".to_owned(),
        err => format!("The file is not a readable XLSX workbook: {err}."),
    };
    AppError::Unprocessable {
        code: "invalid_xlsx",
        detail,
        errors: Vec::new(),
        extensions: serde_json::Map::new(),
    }
}

/// A cell as text, or the error value it holds (`#N/A`…).
fn cell_text(value: &DataRef<'_>) -> Result<String, String> {
    Ok(match value {
        DataRef::Empty => String::new(),
        DataRef::String(text) => text.trim().to_owned(),
        DataRef::SharedString(text) => text.trim().to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(n) => number_text(*n),
        DataRef::Bool(true) => "TRUE".to_owned(),
        DataRef::Bool(false) => "FALSE".to_owned(),
        DataRef::DateTime(at) => datetime_text(at),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.trim().to_owned(),
        DataRef::Error(error) => return Err(error.to_string()),
    })
}

/// A number as people typed it: whole numbers without `.0`, others in their shortest form that
/// reads back as the same number.
///
/// Spreadsheets store every number as an f64, exact to 15–17 significant digits: an id typed as
/// a number (a 19-digit order number such as 6953547102608758621) was rounded when it was saved
/// and prints as the rounded integer (6953547102608758784). Only a text cell keeps such an id.
fn number_text(n: f64) -> String {
    if n == 0.0 {
        // Not "-0".
        "0".to_owned()
    } else if n.is_finite() && n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

/// A date or time cell: `YYYY-MM-DD HH:MM:SS` (a date alone at 00:00:00), a time of day alone
/// (a serial below 1) `HH:MM:SS`, a duration (`[h]:mm:ss`) `H:MM:SS`. Milliseconds are dropped.
fn datetime_text(at: &ExcelDateTime) -> String {
    let serial = at.as_f64();
    if at.is_duration() {
        let seconds = (serial * 86_400.0).round() as i64;
        let sign = if seconds < 0 { "-" } else { "" };
        let seconds = seconds.unsigned_abs();
        return format!(
            "{sign}{}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
    }
    let (year, month, day, hour, minute, second, _) = at.to_ymd_hms_milli();
    if (0.0..1.0).contains(&serial) {
        format!("{hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    }
}

/// One worksheet being read.
struct Sheet<'a> {
    name: &'a str,
    /// This sheet's header, once its first non-empty row was read.
    header: Option<Vec<String>>,
    /// The first sheet's name and header, which every later sheet repeats.
    first_header: &'a mut Option<(String, Vec<String>)>,
    pending: Option<PendingRow>,
}

/// The row whose cells are being read.
struct PendingRow {
    /// 0-based.
    row: u32,
    cells: Vec<String>,
    /// The first column holding an error value, and that value.
    error: Option<(usize, String)>,
    /// A non-empty cell beyond the header's width.
    beyond: bool,
}

impl Sheet<'_> {
    /// Puts a cell into the pending row (started if need be).
    fn place(
        &mut self,
        row: u32,
        column: usize,
        text: Result<String, String>,
    ) -> Result<(), AppError> {
        let width = self.header.as_ref().map(Vec::len);
        let pending = self.pending.get_or_insert_with(|| PendingRow {
            row,
            cells: vec![String::new(); width.unwrap_or(0)],
            error: None,
            beyond: false,
        });
        let text = match text {
            Ok(text) if text.is_empty() => return Ok(()),
            Ok(text) => text,
            Err(error) if width.is_some() => {
                if pending.error.is_none() {
                    pending.error = Some((column, error));
                }
                return Ok(());
            }
            // In a header, an error value is just its text.
            Err(error) => error,
        };
        match width {
            Some(width) if column >= width => pending.beyond = true,
            Some(_) => pending.cells[column] = text,
            None if column >= MAX_COLUMNS => {
                return Err(AppError::Unprocessable {
                    code: "invalid_xlsx",
                    detail: format!(
                        "Sheet `{}` has a cell beyond column XFD, the last Excel has.",
                        self.name
                    ),
                    errors: Vec::new(),
                    extensions: serde_json::Map::new(),
                });
            }
            None => {
                if pending.cells.len() <= column {
                    pending.cells.resize(column + 1, String::new());
                }
                pending.cells[column] = text;
            }
        }
        Ok(())
    }

    /// Ends the pending row: it becomes the sheet's header, or is handed over as a data row.
    /// `Ok(false)` once the sink stopped listening.
    fn finish_row(&mut self, rows: &mut Rows<'_>) -> Result<bool, AppError> {
        let Some(pending) = self.pending.take() else {
            return Ok(true);
        };
        let blank = pending.cells.iter().all(String::is_empty);
        let Some(header) = &self.header else {
            if !blank {
                self.take_header(pending.cells, rows)?;
            }
            return Ok(true);
        };
        if blank && pending.error.is_none() && !pending.beyond {
            return Ok(true);
        }
        let line = u64::from(pending.row) + 1;
        let cells = if pending.beyond {
            Err(row_error(
                line,
                "",
                "wrong_field_count",
                format!(
                    "cells beyond the header's {} columns hold values",
                    header.len()
                ),
            ))
        } else if let Some((column, error)) = pending.error {
            let field = header.get(column).map_or("", String::as_str);
            Err(row_error(
                line,
                field,
                "cell_error",
                format!("the cell holds the error value {error}"),
            ))
        } else {
            Ok(pending.cells)
        };
        let at = Position {
            sheet: Some(self.name.to_owned()),
            line,
        };
        rows.report(at, cells)
    }

    /// The sheet's first non-empty row: the file's header on the first sheet, the same header
    /// again on the others.
    fn take_header(
        &mut self,
        mut header: Vec<String>,
        rows: &mut Rows<'_>,
    ) -> Result<(), AppError> {
        while header.last().is_some_and(String::is_empty) {
            header.pop();
        }
        match self.first_header {
            None => {
                rows.header(&header)?;
                *self.first_header = Some((self.name.to_owned(), header.clone()));
            }
            Some((first, expected)) if *expected != header => {
                let mut extensions = serde_json::Map::new();
                extensions.insert("sheet".to_owned(), self.name.into());
                return Err(AppError::Unprocessable {
                    code: "sheet_header_mismatch",
                    detail: format!(
                        "Sheet `{}` has the header [{}] where sheet `{first}` has [{}]; every \
                         sheet must have the same columns.",
                        self.name,
                        header.join(", "),
                        expected.join(", ")
                    ),
                    errors: Vec::new(),
                    extensions,
                });
            }
            Some(_) => {}
        }
        self.header = Some(header);
        Ok(())
    }
}

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod tests;
