//! Reading an import file into lines on a blocking thread that hands them over in batches
//! through a bounded channel, so memory stays bounded whatever the file size. A table (CSV or
//! XLSX, see [`super::table`]) is read either in our own columns (a header of sale field
//! names) or as a platform export (a built-in format recognised by its header, or a saved
//! mapping); a JSON body is an array of lines in our own fields. No database here.

use std::io::{BufReader, Seek, SeekFrom};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::choose::{Reader, choose};
use super::table::{self, FileKind, Limits, Position, Sink};
use crate::domain::currency::Currency;
use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};
use crate::sales::mapping::apply::Mapped;
use crate::sales::mapping::spec::Spec;
use crate::sales::validate::check_line;

/// Rows handed from the parser to the writer at a time.
const BATCH_ROWS: usize = 1000;

/// The name under which imports in our own columns are recorded and requested.
pub const STANDARD: &str = "standard";

/// What the body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Table(FileKind),
    Json,
}

/// How the rows are to be read, as the request says, and what lines need besides.
#[derive(Debug, Clone)]
pub struct Reading {
    /// `?format=`: `standard` or a built-in format's name (checked by the handler).
    pub format: Option<&'static str>,
    /// `?mapping=`: a saved mapping's spec.
    pub mapping: Option<Spec>,
    /// `?platform=`: the platform a built-in format's lines are sold on, where it may be
    /// another than the format's own (Taobao's files as `tmall`).
    pub platform: Option<Platform>,
    /// `?influencer_id=`: the host of every row of a file without a host column.
    pub host: Option<Uuid>,
    /// The agency's currency and zone, for lines in our own columns (and saved mappings'
    /// money).
    pub currency: Currency,
    pub time_zone: chrono_tz::Tz,
    pub now: DateTime<Utc>,
    pub limits: Limits,
}

/// A parsed row: where it is, and its line (or that it is an unpaid order), or what is wrong.
pub type Row = (Position, Result<Mapped, Vec<FieldError>>);

/// What the parser hands over.
pub enum Parsed {
    /// The format the file is read as (before any rows).
    Format(&'static str),
    Rows(Vec<Row>),
    /// The file cannot be read as a whole (bad header, broken JSON, too many rows).
    Fatal(AppError),
    /// The whole file was read. Without it, the parser stopped early (it panicked or failed)
    /// and the import fails: the rows read so far are never committed as if they were all.
    Done,
}

pub(super) fn fatal_row(line: u64, field: &str, code: &str, message: String) -> FieldError {
    FieldError {
        line: Some(line),
        ..FieldError::new(field, code, message)
    }
}

/// A row in our own columns as the fields of a line.
fn standard_row(
    headers: &[String],
    cells: Vec<String>,
    line: u64,
) -> Result<Map<String, Value>, FieldError> {
    if cells.len() != headers.len() {
        return Err(fatal_row(
            line,
            "",
            "wrong_field_count",
            format!(
                "{} fields where the header has {}",
                cells.len(),
                headers.len()
            ),
        ));
    }
    let mut map = Map::new();
    for (name, cell) in headers.iter().zip(cells) {
        if !cell.trim().is_empty() {
            map.insert(name.clone(), Value::String(cell));
        }
    }
    Ok(map)
}

/// The table reader's sink: decides the reading at the header, then reads each row into a
/// line and hands them over in batches.
struct Lines<'a> {
    tx: &'a mpsc::Sender<Parsed>,
    reading: &'a Reading,
    reader: Option<Reader>,
    batch: Vec<Row>,
}

impl Lines<'_> {
    fn line(&self, at: &Position, cells: Vec<String>) -> Result<Mapped, Vec<FieldError>> {
        match &self.reader {
            Some(Reader::Standard(headers)) => {
                let map = standard_row(headers, cells, at.line).map_err(|e| vec![e])?;
                check_line(
                    &map,
                    self.reading.currency,
                    self.reading.time_zone,
                    self.reading.now,
                )
                .map(|input| Mapped::Line(Box::new(input), None))
            }
            Some(Reader::Mapped(bound)) => bound.line(&cells, self.reading.now),
            None => Err(vec![FieldError::new(
                "",
                "no_header",
                "the file has no header",
            )]),
        }
    }

    /// Hands the batch over; false when nobody listens any more.
    fn flush(&mut self) -> bool {
        self.batch.is_empty()
            || self
                .tx
                .blocking_send(Parsed::Rows(std::mem::take(&mut self.batch)))
                .is_ok()
    }
}

impl Sink for Lines<'_> {
    fn header(&mut self, header: &[String]) -> Result<(), AppError> {
        let (format, reader) = choose(self.reading, header)?;
        self.reader = Some(reader);
        // A closed channel shows at the first batch.
        let _ = self.tx.blocking_send(Parsed::Format(format));
        Ok(())
    }

    fn row(&mut self, at: Position, cells: Result<Vec<String>, FieldError>) -> bool {
        let outcome = cells
            .map_err(|e| vec![e])
            .and_then(|cells| self.line(&at, cells));
        self.batch.push((at, outcome));
        self.batch.len() < BATCH_ROWS || self.flush()
    }
}

/// Reads a table (CSV or XLSX) into `tx`.
fn parse_table(file: std::fs::File, kind: FileKind, reading: &Reading, tx: &mpsc::Sender<Parsed>) {
    let mut lines = Lines {
        tx,
        reading,
        reader: None,
        batch: Vec::with_capacity(BATCH_ROWS),
    };
    match table::read_table(file, kind, &reading.limits, &mut lines) {
        Ok(()) => {
            if lines.flush() {
                let _ = tx.blocking_send(Parsed::Done);
            }
        }
        Err(error) => {
            let _ = tx.blocking_send(Parsed::Fatal(error));
        }
    }
}

fn too_many_rows(max_rows: usize) -> AppError {
    AppError::PayloadTooLarge {
        detail: format!("An import holds at most {max_rows} rows; split the file."),
    }
}

/// The next message from the parser; `None` once it read the whole file. A fatal problem, or
/// a parser that went away without saying it finished, is a failure of the whole import.
pub async fn next(rx: &mut mpsc::Receiver<Parsed>) -> Result<Option<Parsed>, AppError> {
    match rx.recv().await {
        Some(Parsed::Done) => Ok(None),
        Some(Parsed::Fatal(error)) => Err(error),
        Some(other) => Ok(Some(other)),
        None => Err(AppError::Internal(anyhow::anyhow!(
            "the import parser stopped before the end of the file"
        ))),
    }
}

/// Reads a JSON array of line objects element by element into `tx`.
fn parse_json(file: std::fs::File, reading: &Reading, tx: &mpsc::Sender<Parsed>) {
    struct Elements<'a> {
        tx: &'a mpsc::Sender<Parsed>,
        reading: &'a Reading,
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
            let reading = self.reading;
            let max_rows = reading.limits.max_rows;
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            let mut position = 0u64;
            while let Some(element) = seq.next_element::<Value>()? {
                position += 1;
                if position as usize > max_rows {
                    return Ok(Some(too_many_rows(max_rows)));
                }
                let line = match element {
                    Value::Object(map) => {
                        check_line(&map, reading.currency, reading.time_zone, reading.now)
                            .map(|input| Mapped::Line(Box::new(input), None))
                    }
                    _ => Err(vec![fatal_row(
                        position,
                        "",
                        "not_an_object",
                        "each element is an order line object".to_owned(),
                    )]),
                };
                let at = Position {
                    sheet: None,
                    line: position,
                };
                batch.push((at, line));
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
    let _ = tx.blocking_send(Parsed::Format(STANDARD));
    let mut deserializer = serde_json::Deserializer::from_reader(BufReader::new(file));
    let outcome = serde::Deserializer::deserialize_seq(&mut deserializer, Elements { tx, reading })
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

/// Reads `file` from its start on a blocking thread; its rows arrive through the answered
/// receiver. A panic drops the sender without `Done`: the import then fails as a whole
/// ([`next`]). The parser stops by itself once the receiver is dropped.
pub fn spawn_parser(
    mut file: std::fs::File,
    source: Source,
    reading: Reading,
) -> (tokio::task::JoinHandle<()>, mpsc::Receiver<Parsed>) {
    let (tx, rx) = mpsc::channel(2);
    let parser = tokio::task::spawn_blocking(move || {
        if file.seek(SeekFrom::Start(0)).is_err() {
            let _ = tx.blocking_send(Parsed::Fatal(AppError::Internal(anyhow::anyhow!(
                "rewinding the spooled import"
            ))));
            return;
        }
        match source {
            Source::Table(kind) => parse_table(file, kind, &reading, &tx),
            Source::Json => parse_json(file, &reading, &tx),
        }
    });
    (parser, rx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sales::validate::FIELDS;
    use std::io::Write as _;

    fn reading() -> Reading {
        Reading {
            format: None,
            mapping: None,
            platform: None,
            host: None,
            currency: Currency::CNY,
            time_zone: chrono_tz::Asia::Shanghai,
            now: Utc::now(),
            limits: Limits {
                max_rows: 100,
                max_unpacked_bytes: 1 << 20,
            },
        }
    }

    fn file_of(bytes: &[u8]) -> std::fs::File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file
    }

    #[actix_web::test]
    async fn a_parser_that_stops_without_finishing_fails_the_import() {
        let (tx, mut rx) = mpsc::channel(8);
        tx.send(Parsed::Rows(Vec::new())).await.unwrap();
        // The parser thread panics: its sender is dropped without `Done`.
        drop(tx);
        assert!(matches!(next(&mut rx).await, Ok(Some(Parsed::Rows(_)))));
        assert!(matches!(next(&mut rx).await, Err(AppError::Internal(_))));

        let (tx, mut rx) = mpsc::channel(8);
        tx.send(Parsed::Done).await.unwrap();
        drop(tx);
        assert!(matches!(next(&mut rx).await, Ok(None)));
    }

    #[test]
    fn a_parser_reports_the_format_and_the_end_of_the_file() {
        let (tx, mut rx) = mpsc::channel(8);
        parse_table(
            file_of(b"platform,quantity\ndouyin,1\n"),
            FileKind::Csv,
            &reading(),
            &tx,
        );
        assert!(matches!(rx.try_recv(), Ok(Parsed::Format(STANDARD))));
        assert!(matches!(rx.try_recv(), Ok(Parsed::Rows(_))));
        assert!(matches!(rx.try_recv(), Ok(Parsed::Done)));

        let (tx, mut rx) = mpsc::channel(8);
        parse_json(file_of(b"[{\"a\": 1}, {"), &reading(), &tx);
        assert!(matches!(rx.try_recv(), Ok(Parsed::Format(STANDARD))));
        assert!(matches!(rx.try_recv(), Ok(Parsed::Fatal(_))));
        assert!(rx.try_recv().is_err(), "no Done after a fatal error");
    }

    #[test]
    fn a_platform_header_is_recognised() {
        let header: Vec<String> = [
            "主订单编号",
            "子订单编号",
            "订单应付金额",
            "支付完成时间",
            "商品数量",
            "商品ID",
            "达人ID",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect();
        let (name, _) = choose(&reading(), &header).unwrap();
        assert_eq!(name, "douyin_orders");
        let standard: Vec<String> = FIELDS.iter().map(|f| f.to_uppercase()).collect();
        assert_eq!(choose(&reading(), &standard).unwrap().0, STANDARD);
    }
}
