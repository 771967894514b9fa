//! PLACEHOLDER until the table reader lands: CSV (UTF-8) only.

use std::io::BufReader;

use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub sheet: Option<String>,
    pub line: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_rows: usize,
    pub max_unpacked_bytes: u64,
}

pub trait Sink {
    fn header(&mut self, header: &[String]) -> Result<(), AppError>;
    fn row(&mut self, at: Position, cells: Result<Vec<String>, FieldError>) -> bool;
}

pub fn read_table(
    file: std::fs::File,
    _kind: FileKind,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), AppError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(BufReader::new(file));
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| AppError::Internal(e.into()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    sink.header(&headers)?;
    let mut rows = 0;
    for record in csv.records() {
        let record = record.map_err(|e| AppError::Internal(e.into()))?;
        rows += 1;
        if rows > limits.max_rows {
            return Err(AppError::PayloadTooLarge {
                detail: "too many rows".into(),
            });
        }
        let line = record.position().map_or(0, csv::Position::line);
        if !sink.row(
            Position { sheet: None, line },
            Ok(record.iter().map(str::to_owned).collect()),
        ) {
            break;
        }
    }
    Ok(())
}
