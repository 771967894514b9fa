//! Reading an import file as a table: one header row, then data rows of text cells, each with
//! where it sits in the file. CSV (UTF-8 with or without a BOM, anything else as GB18030) and
//! XLSX (every worksheet in workbook order, streamed cell by cell).
//!
//! The reader runs on a blocking thread and hands rows to a [`Sink`] one at a time, so memory
//! stays bounded whatever the file: no whole-file string, no whole sheet in memory. Hostile files
//! (zip bombs, entity expansion, endless rows) are refused with a 4xx, never a 500 or a panic.
//! What the cells mean (sale fields, platform exports) is the caller's business.

mod csv;
mod xlsx;
pub mod xlsx_file;

use std::io::{Seek, SeekFrom};

use crate::config::ImportSettings;
use crate::error::{AppError, FieldError};

/// Where a row sits in the file: its sheet (XLSX only) and its 1-based line (CSV: the physical
/// line its record starts on, the header being line 1 for a file whose header is on the first
/// line; XLSX: the spreadsheet row number as Excel shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub sheet: Option<String>,
    pub line: u64,
}

/// The format of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

/// How much of a file the reader takes.
#[derive(Debug, Clone)]
pub struct Limits {
    /// More data rows than this: the file is refused (413, AppError::PayloadTooLarge), found
    /// while streaming.
    pub max_rows: usize,
    /// The largest uncompressed size of the XLSX's parts together (zip bomb guard).
    pub max_unpacked_bytes: u64,
}

impl Limits {
    /// The limits of `[imports]` in the settings.
    pub fn from_settings(settings: &ImportSettings) -> Self {
        Self {
            max_rows: settings.max_rows,
            max_unpacked_bytes: settings.max_unpacked_bytes,
        }
    }
}

/// What receives the table, row by row.
pub trait Sink {
    /// Called once with the header row (cells trimmed, as text). An error refuses the file (the
    /// reader returns it).
    fn header(&mut self, header: &[String]) -> Result<(), AppError>;
    /// Called per data row; answering false stops reading at once (nobody listens any more), and
    /// read_table then answers Ok(()).
    fn row(&mut self, at: Position, cells: Result<Vec<String>, FieldError>) -> bool;
}

/// Reads the whole file into `sink` (runs on a blocking thread; memory bounded whatever the
/// file). Err: the file as a whole is refused.
///
/// Rows whose cells are all empty are skipped, not reported; the first row with a cell is the
/// header. A file without one is 422 `empty_file`.
pub fn read_table(
    mut file: std::fs::File,
    kind: FileKind,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    file.seek(SeekFrom::Start(0))
        .map_err(|err| rewinding_failed(err.into()))?;
    let mut rows = Rows {
        sink,
        max_rows: limits.max_rows,
        reported: 0,
    };
    match kind {
        FileKind::Csv => self::csv::read(file, &mut rows),
        FileKind::Xlsx => self::xlsx::read(file, limits, &mut rows),
    }
}

/// The sink, behind the row count.
struct Rows<'s> {
    sink: &'s mut dyn Sink,
    max_rows: usize,
    reported: usize,
}

impl Rows<'_> {
    fn header(&mut self, header: &[String]) -> Result<(), AppError> {
        self.sink.header(header)
    }

    /// Hands one row over: `Ok(false)` once the sink stopped listening, 413 past `max_rows`
    /// (before the row is handed over, so the sink never sees more than `max_rows`).
    fn report(
        &mut self,
        at: Position,
        cells: Result<Vec<String>, FieldError>,
    ) -> Result<bool, AppError> {
        if self.reported >= self.max_rows {
            return Err(AppError::PayloadTooLarge {
                detail: format!(
                    "An import holds at most {} rows; split the file.",
                    self.max_rows
                ),
            });
        }
        self.reported += 1;
        Ok(self.sink.row(at, cells))
    }
}

/// A row-level problem on `line`.
fn row_error(line: u64, field: &str, code: &str, message: String) -> FieldError {
    FieldError {
        line: Some(line),
        ..FieldError::new(field, code, message)
    }
}

/// 422 `empty_file`: no row with a cell, so no header.
fn empty_file() -> AppError {
    AppError::Unprocessable {
        code: "empty_file",
        detail: "The file has no header row (it holds no cells).".to_owned(),
        errors: Vec::new(),
        extensions: serde_json::Map::new(),
    }
}

fn rewinding_failed(cause: anyhow::Error) -> AppError {
    AppError::Internal(cause.context("rewinding the spooled import"))
}

#[cfg(test)]
mod testing {
    //! A sink that keeps what it is given, for the readers' tests.

    use super::*;

    #[derive(Default)]
    pub struct Collect {
        pub header: Vec<String>,
        pub rows: Vec<(Position, Result<Vec<String>, FieldError>)>,
        /// Answer false after this many rows.
        pub stop_after: Option<usize>,
    }

    impl Sink for Collect {
        fn header(&mut self, header: &[String]) -> Result<(), AppError> {
            self.header = header.to_vec();
            Ok(())
        }

        fn row(&mut self, at: Position, cells: Result<Vec<String>, FieldError>) -> bool {
            self.rows.push((at, cells));
            self.stop_after.is_none_or(|n| self.rows.len() < n)
        }
    }

    pub fn limits(max_rows: usize) -> Limits {
        Limits {
            max_rows,
            max_unpacked_bytes: 64 << 20,
        }
    }

    /// A spooled file holding `bytes`, read from its end (read_table rewinds it).
    pub fn file_of(bytes: &[u8]) -> std::fs::File {
        use std::io::Write as _;
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    pub fn read_bytes(
        bytes: &[u8],
        kind: FileKind,
        limits: &Limits,
    ) -> (Collect, Result<(), AppError>) {
        let mut sink = Collect::default();
        let outcome = read_table(file_of(bytes), kind, limits, &mut sink);
        (sink, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn a_sink_that_stops_listening_ends_the_read_without_error() {
        let mut sink = Collect {
            stop_after: Some(2),
            ..Collect::default()
        };
        let outcome = read_table(
            file_of(b"a,b\n1,2\n3,4\n5,6\n"),
            FileKind::Csv,
            &limits(100),
            &mut sink,
        );
        assert!(outcome.is_ok());
        assert_eq!(sink.rows.len(), 2);
    }

    #[test]
    fn a_header_the_sink_refuses_refuses_the_file() {
        struct Refuse;
        impl Sink for Refuse {
            fn header(&mut self, _: &[String]) -> Result<(), AppError> {
                Err(AppError::Unprocessable {
                    code: "invalid_header",
                    detail: String::new(),
                    errors: Vec::new(),
                    extensions: serde_json::Map::new(),
                })
            }
            fn row(&mut self, _: Position, _: Result<Vec<String>, FieldError>) -> bool {
                panic!("no row after a refused header")
            }
        }
        let outcome = read_table(
            file_of(b"a,b\n1,2\n"),
            FileKind::Csv,
            &limits(100),
            &mut Refuse,
        );
        assert_eq!(outcome.unwrap_err().code(), "invalid_header");
    }
}
