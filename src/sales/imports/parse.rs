//! Reading an import file into rows: CSV (UTF-8, optional BOM, a header of sale field names) or
//! a JSON array of objects, on a blocking thread that hands rows over in batches through a
//! bounded channel, so memory stays bounded whatever the file size. No database here.

use std::io::{BufReader, Read, Seek, SeekFrom};

use serde_json::{Map, Value};
use tokio::sync::mpsc;

use crate::error::{AppError, FieldError};
use crate::sales::validate::FIELDS;

/// Rows handed from the parser to the writer at a time.
const BATCH_ROWS: usize = 1000;

/// The file's format, from its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// A parsed row: its line and its fields, or why it could not be read.
pub type Row = (u64, Result<Map<String, Value>, FieldError>);

/// What the parser hands over.
pub enum Parsed {
    Rows(Vec<Row>),
    /// The file cannot be read as a whole (bad header, broken JSON, too many rows).
    Fatal(AppError),
    /// The whole file was read. Without it, the parser stopped early (it panicked or failed)
    /// and the import fails: the rows read so far are never committed as if they were all.
    Done,
}

/// The next rows from the parser; `None` once it read the whole file. A fatal problem, or a
/// parser that went away without saying it finished, is a failure of the whole import.
pub async fn next_rows(rx: &mut mpsc::Receiver<Parsed>) -> Result<Option<Vec<Row>>, AppError> {
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
            // The import is on record with its errors: a NUL in a name is stored as U+FFFD.
            let name = crate::domain::printable(name);
            header_errors.push(fatal_row(
                1,
                &name,
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

/// Reads `file` from its start on a blocking thread; its rows arrive through the answered
/// receiver. A panic drops the sender without `Done`: the import then fails as a whole
/// ([`next_rows`]). The parser stops by itself once the receiver is dropped.
pub fn spawn_parser(
    mut file: std::fs::File,
    format: Format,
    max_rows: usize,
) -> (tokio::task::JoinHandle<()>, mpsc::Receiver<Parsed>) {
    let (tx, rx) = mpsc::channel(2);
    let parser = tokio::task::spawn_blocking(move || {
        if file.seek(SeekFrom::Start(0)).is_err() {
            let _ = tx.blocking_send(Parsed::Fatal(AppError::Internal(anyhow::anyhow!(
                "rewinding the spooled import"
            ))));
            return;
        }
        match format {
            Format::Csv => parse_csv(file, max_rows, &tx),
            Format::Json => parse_json(file, max_rows, &tx),
        }
    });
    (parser, rx)
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
