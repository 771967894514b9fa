//! CSV: the encoding is settled by a first pass over the spooled file (UTF-8 when every byte
//! after an optional BOM is valid UTF-8, else GB18030, as Chinese spreadsheet programs save), then
//! the records are read with the csv crate, decoding on the fly. Nothing holds more than a
//! buffer of the file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{Position, Rows, empty_file, rewinding_failed, row_error};
use crate::error::AppError;

/// The bytes the encoding check reads at a time.
const CHECK_CHUNK: usize = 64 * 1024;

const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

pub(super) fn read(mut file: File, rows: &mut Rows<'_>) -> Result<(), AppError> {
    let bom = starts_with_utf8_bom(&mut file).map_err(spool_error)?;
    let body_start = if bom { UTF8_BOM.len() as u64 } else { 0 };
    file.seek(SeekFrom::Start(body_start))
        .map_err(|err| rewinding_failed(err.into()))?;
    let utf8 = is_utf8(&mut file, CHECK_CHUNK).map_err(spool_error)?;
    if utf8 {
        file.seek(SeekFrom::Start(body_start))
            .map_err(|err| rewinding_failed(err.into()))?;
        read_records(file, rows)
    } else {
        file.seek(SeekFrom::Start(0))
            .map_err(|err| rewinding_failed(err.into()))?;
        // Invalid UTF-8 is GB18030 (a superset of GBK and GB2312), whose decoder maps every
        // byte sequence to text (U+FFFD for the malformed). A BOM still has the last word: a
        // UTF-16 file (Excel's "Unicode text") is read as UTF-16, and a UTF-8 BOM before bad
        // bytes keeps UTF-8 with U+FFFD for them.
        let decoded = DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding_rs::GB18030))
            .bom_override(true)
            .strip_bom(true)
            .build(file);
        read_records(decoded, rows)
    }
}

fn spool_error(err: io::Error) -> AppError {
    AppError::Internal(anyhow::Error::from(err).context("reading the spooled import"))
}

fn starts_with_utf8_bom(file: &mut File) -> io::Result<bool> {
    let mut start = Vec::with_capacity(UTF8_BOM.len());
    file.by_ref()
        .take(UTF8_BOM.len() as u64)
        .read_to_end(&mut start)?;
    Ok(start == UTF8_BOM)
}

/// Whether everything `reader` yields is UTF-8, read `chunk` bytes at a time: a character split
/// between two chunks is carried over to the next (at most 3 bytes), so only a sequence that is
/// bad whatever follows, or one cut short by the end, makes it not UTF-8.
fn is_utf8(mut reader: impl Read, chunk: usize) -> io::Result<bool> {
    let mut buf = vec![0u8; chunk + 3];
    let mut carried = 0;
    loop {
        let read = match reader.read(&mut buf[carried..carried + chunk]) {
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if read == 0 {
            return Ok(carried == 0);
        }
        let filled = carried + read;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carried = 0,
            // Cut short by the end of the chunk: keep the start of the character.
            Err(err) if err.error_len().is_none() => {
                let start = err.valid_up_to();
                buf.copy_within(start..filled, 0);
                carried = filled - start;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// Reads the UTF-8 records of `reader`: the first with a cell is the header, the rest are rows.
fn read_records(reader: impl Read, rows: &mut Rows<'_>) -> Result<(), AppError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // Spreadsheets pad cells.
        .trim(csv::Trim::All)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let header = loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => return Err(empty_file()),
            Ok(true) if is_blank(&record) => {}
            Ok(true) => break texts(&record),
            Err(err) if err.is_io_error() => return Err(unreadable_spool(err)),
            Err(err) => {
                return Err(AppError::BadRequest {
                    code: "invalid_csv",
                    detail: format!("The CSV header cannot be read: {err}"),
                    errors: Vec::new(),
                });
            }
        }
    };
    // The csv reader counts the `\n` of a CRLF only when it reads the next record, so its line
    // numbers lag by one in CRLF files: there, it still stands on the header's line.
    let header_line = record.position().map_or(1, csv::Position::line);
    let skew = u64::from(csv.position().line() == header_line);
    rows.header(&header)?;
    loop {
        let line = csv.position().line();
        let (line, cells) = match csv.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) if is_blank(&record) => continue,
            Ok(true) => {
                let line = record.position().map_or(line, csv::Position::line) + skew;
                let cells = if record.len() == header.len() {
                    Ok(texts(&record))
                } else {
                    Err(row_error(
                        line,
                        "",
                        "wrong_field_count",
                        format!(
                            "{} fields where the header has {}",
                            record.len(),
                            header.len()
                        ),
                    ))
                };
                (line, cells)
            }
            // The spooled file itself failing is no fault of the file; and it would fail again.
            Err(err) if err.is_io_error() => return Err(unreadable_spool(err)),
            Err(err) => {
                let line = err.position().map_or(line, csv::Position::line) + skew;
                let error = row_error(
                    line,
                    "",
                    "unreadable_row",
                    format!("the row cannot be read: {err}"),
                );
                (line, Err(error))
            }
        };
        if !rows.report(Position { sheet: None, line }, cells)? {
            return Ok(());
        }
    }
}

fn unreadable_spool(err: csv::Error) -> AppError {
    AppError::Internal(anyhow::Error::from(err).context("reading the spooled import"))
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(<[u8]>::is_empty)
}

/// The cells as text. They are UTF-8 (checked, or decoded into it); lossy only to never panic.
fn texts(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|cell| String::from_utf8_lossy(cell).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{FileKind, Position};
    use super::*;

    fn csv(bytes: &[u8]) -> (Collect, Result<(), AppError>) {
        read_bytes(bytes, FileKind::Csv, &limits(1000))
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    fn lines(sink: &Collect) -> Vec<(u64, bool)> {
        sink.rows
            .iter()
            .map(|(at, cells)| (at.line, cells.is_ok()))
            .collect()
    }

    #[test]
    fn utf8_with_a_bom_loses_the_bom() {
        let (sink, outcome) = csv("\u{feff}订单号, 商品名称\n1001,口红 \n".as_bytes());
        outcome.unwrap();
        assert_eq!(sink.header, strings(&["订单号", "商品名称"]));
        assert_eq!(
            sink.rows,
            vec![(
                Position {
                    sheet: None,
                    line: 2
                },
                Ok(strings(&["1001", "口红"]))
            )]
        );
    }

    #[test]
    fn utf8_without_a_bom_is_read_as_utf8() {
        let (sink, outcome) = csv("订单号,金额\n1001,¥12.50\n".as_bytes());
        outcome.unwrap();
        assert_eq!(sink.header, strings(&["订单号", "金额"]));
        assert_eq!(sink.rows[0].1, Ok(strings(&["1001", "¥12.50"])));
    }

    #[test]
    fn gb18030_is_decoded() {
        let text = "订单号,商品名称,达人昵称\n1001,防晒霜 SPF50,小雨\n1002,面膜,阿杰\n";
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
        let (sink, outcome) = csv(&bytes);
        outcome.unwrap();
        assert_eq!(sink.header, strings(&["订单号", "商品名称", "达人昵称"]));
        assert_eq!(
            sink.rows[0].1,
            Ok(strings(&["1001", "防晒霜 SPF50", "小雨"]))
        );
        assert_eq!(sink.rows[1].1, Ok(strings(&["1002", "面膜", "阿杰"])));
        assert_eq!(lines(&sink), vec![(2, true), (3, true)]);
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "店铺,金额\r\n旗舰店,3\r\n".encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        let (sink, outcome) = csv(&bytes);
        outcome.unwrap();
        assert_eq!(sink.header, strings(&["店铺", "金额"]));
        assert_eq!(sink.rows[0].1, Ok(strings(&["旗舰店", "3"])));
    }

    #[test]
    fn a_character_split_between_chunks_is_still_utf8() {
        // "订" is 3 bytes; put it across every possible chunk boundary of a small chunk.
        let text = "ab订单号,x\n";
        for chunk in 1..8 {
            assert!(is_utf8(text.as_bytes(), chunk).unwrap(), "chunk {chunk}");
        }
        // And across the real boundary, with a real file.
        let text = format!("h,{}\n订单,1\n", "a".repeat(CHECK_CHUNK - 4));
        let bytes = text.as_bytes();
        assert!(
            bytes[CHECK_CHUNK] & 0xC0 == 0x80,
            "the boundary cuts the character"
        );
        let (sink, outcome) = csv(bytes);
        outcome.unwrap();
        assert_eq!(sink.rows[0].1, Ok(strings(&["订单", "1"])));
    }

    #[test]
    fn a_cut_or_bad_sequence_is_not_utf8() {
        assert!(
            !is_utf8(&b"ab\xE8\xAE"[..], 3).unwrap(),
            "cut short by the end"
        );
        assert!(
            !is_utf8(&b"ab\xE8x\xAE"[..], 2).unwrap(),
            "bad whatever follows"
        );
        assert!(!is_utf8(&b"\xFFabc"[..], 64).unwrap());
        assert!(is_utf8(&b""[..], 64).unwrap());
    }

    #[test]
    fn lines_count_from_the_header_as_line_one() {
        let (sink, outcome) =
            csv(b"\xEF\xBB\xBFplatform,quantity\r\ndouyin,1\r\n\"multi\nline\",2\r\ndouyin\r\n");
        outcome.unwrap();
        assert_eq!(lines(&sink), vec![(2, true), (3, true), (5, false)]);

        let (sink, outcome) = csv(b"platform,quantity\ndouyin,1\n\"multi\r\nline\",2\ndouyin,3");
        outcome.unwrap();
        assert_eq!(lines(&sink), vec![(2, true), (3, true), (5, true)]);
        assert_eq!(sink.rows[1].1, Ok(strings(&["multi\r\nline", "2"])));
    }

    #[test]
    fn blank_rows_are_skipped_and_lines_still_count_them() {
        let (sink, outcome) =
            csv(b"\n , \nplatform,quantity\r\n,\r\ndouyin,1\r\n\r\n , \r\nkuaishou,2\r\n");
        outcome.unwrap();
        assert_eq!(sink.header, strings(&["platform", "quantity"]));
        assert_eq!(lines(&sink), vec![(5, true), (8, true)]);
    }

    #[test]
    fn a_row_with_another_field_count_is_reported_as_an_error() {
        let (sink, outcome) = csv(b"a,b,c\n1,2\n1,2,3\n1,2,3,4\n");
        outcome.unwrap();
        assert_eq!(lines(&sink), vec![(2, false), (3, true), (4, false)]);
        let error = sink.rows[0].1.clone().unwrap_err();
        assert_eq!(error.code, "wrong_field_count");
        assert_eq!(error.line, Some(2));
    }

    #[test]
    fn a_file_without_cells_is_empty() {
        for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\n", b" , ,\r\n,\r\n"] {
            let (sink, outcome) = csv(bytes);
            assert_eq!(outcome.unwrap_err().code(), "empty_file", "{bytes:?}");
            assert!(sink.rows.is_empty());
        }
    }

    #[test]
    fn more_rows_than_the_limit_is_413_after_the_limit() {
        let mut text = String::from("a,b\n");
        for n in 0..50 {
            text.push_str(&format!("{n},x\n,\n"));
        }
        let (sink, outcome) = read_bytes(text.as_bytes(), FileKind::Csv, &limits(10));
        assert!(matches!(outcome, Err(AppError::PayloadTooLarge { .. })));
        assert_eq!(sink.rows.len(), 10, "blank rows do not count");

        let (sink, outcome) = read_bytes(text.as_bytes(), FileKind::Csv, &limits(50));
        outcome.unwrap();
        assert_eq!(sink.rows.len(), 50);
    }
}
