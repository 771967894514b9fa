use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use super::super::testing::*;
use super::super::xlsx_file::{Cell, XlsxFile};
use super::super::{FileKind, Limits, Position, read_table};
use super::*;
use actix_web::ResponseError as _;
use calamine::ExcelDateTimeType;

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

fn at(sheet: &str, line: u64) -> Position {
    Position {
        sheet: Some(sheet.to_owned()),
        line,
    }
}

/// A workbook built by `build`.
fn workbook(build: impl FnOnce(&mut XlsxFile<Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut file = XlsxFile::new(Cursor::new(Vec::new()));
    build(&mut file);
    file.finish().unwrap().into_inner()
}

fn xlsx(bytes: &[u8]) -> (Collect, Result<(), AppError>) {
    read_bytes(bytes, FileKind::Xlsx, &limits(1000))
}

/// A worksheet's XML around `sheet_data` (the rows).
fn sheet_xml(sheet_data: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
    )
}

#[test]
fn two_sheets_with_one_header_are_read_in_order() {
    let bytes = workbook(|f| {
        f.sheet("抖音").unwrap();
        f.row(&[Cell::Text(" 订单号 "), Cell::Text("金额")])
            .unwrap();
        f.row(&[Cell::Text("A1001"), Cell::Number(12.5)]).unwrap();
        f.skip_rows(2);
        f.row(&[Cell::Text("A1002"), Cell::Empty]).unwrap();
        f.sheet("快手").unwrap();
        // A title row above the header, and a header with a trailing empty cell.
        f.skip_rows(1);
        f.row(&[Cell::Text("订单号"), Cell::Text("金额"), Cell::Text(" ")])
            .unwrap();
        f.row(&[Cell::Empty, Cell::Empty]).unwrap();
        f.row(&[Cell::Text("K9"), Cell::Number(3.0)]).unwrap();
        f.sheet("空").unwrap();
    });
    let (sink, outcome) = xlsx(&bytes);
    outcome.unwrap();
    assert_eq!(sink.header, strings(&["订单号", "金额"]));
    assert_eq!(
        sink.rows,
        vec![
            (at("抖音", 2), Ok(strings(&["A1001", "12.5"]))),
            (at("抖音", 5), Ok(strings(&["A1002", ""]))),
            (at("快手", 4), Ok(strings(&["K9", "3"]))),
        ]
    );
}

#[test]
fn a_later_sheet_with_another_header_is_refused() {
    let bytes = workbook(|f| {
        f.sheet("6月").unwrap();
        f.row(&[Cell::Text("订单号"), Cell::Text("金额")]).unwrap();
        f.row(&[Cell::Text("A1"), Cell::Number(1.0)]).unwrap();
        f.sheet("7月").unwrap();
        f.row(&[Cell::Text("订单号"), Cell::Text("实付金额")])
            .unwrap();
        f.row(&[Cell::Text("A2"), Cell::Number(2.0)]).unwrap();
    });
    let (_, outcome) = xlsx(&bytes);
    match outcome {
        Err(AppError::Unprocessable {
            code: "sheet_header_mismatch",
            detail,
            extensions,
            ..
        }) => {
            assert!(
                detail.contains("7月") && detail.contains("实付金额"),
                "{detail}"
            );
            assert_eq!(extensions["sheet"], "7月");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn numbers_print_as_typed() {
    let bytes = workbook(|f| {
        f.sheet("s").unwrap();
        f.row(&[Cell::Text("id"), Cell::Text("n"), Cell::Text("b")])
            .unwrap();
        f.row(&[
            Cell::Number(6953547102608758621.0),
            Cell::Number(0.1 + 0.2),
            Cell::Bool(true),
        ])
        .unwrap();
        f.row(&[Cell::Number(42.0), Cell::Number(-0.0), Cell::Bool(false)])
            .unwrap();
        f.row(&[Cell::Number(1e-7), Cell::Number(-12.75), Cell::Empty])
            .unwrap();
    });
    let (sink, outcome) = xlsx(&bytes);
    outcome.unwrap();
    let cells: Vec<Vec<String>> = sink.rows.into_iter().map(|r| r.1.unwrap()).collect();
    assert_eq!(
        cells,
        vec![
            // The 19-digit id was rounded to the nearest f64 when it was saved as a number.
            strings(&["6953547102608758784", "0.30000000000000004", "TRUE"]),
            strings(&["42", "0", "FALSE"]),
            strings(&["0.0000001", "-12.75", ""]),
        ]
    );
}

#[test]
fn dates_print_as_date_and_time() {
    let paid = NaiveDate::from_ymd_opt(2024, 6, 18)
        .unwrap()
        .and_hms_opt(20, 15, 30)
        .unwrap();
    let bytes = workbook(|f| {
        f.sheet("s").unwrap();
        f.row(&[Cell::Text("paid_at"), Cell::Text("day")]).unwrap();
        f.row(&[
            Cell::DateTime(paid),
            Cell::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
        ])
        .unwrap();
    });
    let (sink, outcome) = xlsx(&bytes);
    outcome.unwrap();
    assert_eq!(
        sink.rows[0].1,
        Ok(strings(&["2024-06-18 20:15:30", "2024-02-29 00:00:00"]))
    );
}

#[test]
fn iso_dates_and_shared_strings_are_read_as_they_are() {
    let strings_xml = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>订单号</t></si><si><t>时间</t></si></sst>"#;
    let sheet = sheet_xml(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="str"><v>x&amp;y</v></c><c r="B2" t="d"><v>2024-06-18T20:15:30</v></c></row>"#,
    );
    let bytes = workbook(|f| {
        f.part("xl/sharedStrings.xml", strings_xml.as_bytes())
            .unwrap();
        f.raw_sheet("s", sheet.as_bytes()).unwrap();
    });
    let (sink, outcome) = xlsx(&bytes);
    outcome.unwrap();
    assert_eq!(sink.header, strings(&["订单号", "时间"]));
    assert_eq!(sink.rows[0].1, Ok(strings(&["x&y", "2024-06-18T20:15:30"])));
}

#[test]
fn an_error_value_makes_the_row_an_error_on_its_column() {
    let bytes = workbook(|f| {
        f.sheet("s").unwrap();
        f.row(&[Cell::Text("订单号"), Cell::Text("金额")]).unwrap();
        f.row(&[Cell::Text("A1"), Cell::Error("#N/A")]).unwrap();
        f.row(&[Cell::Text("A2"), Cell::Number(2.0)]).unwrap();
    });
    let (sink, outcome) = xlsx(&bytes);
    outcome.unwrap();
    let error = sink.rows[0].1.clone().unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.field.as_str(), error.line),
        ("cell_error", "金额", Some(2))
    );
    assert!(error.message.contains("#N/A"), "{}", error.message);
    assert_eq!(sink.rows[0].0, at("s", 2));
    assert_eq!(sink.rows[1].1, Ok(strings(&["A2", "2"])));
}

#[test]
fn short_rows_are_padded_and_values_beyond_the_header_are_an_error() {
    let bytes = workbook(|f| {
        f.sheet("s").unwrap();
        f.row(&[Cell::Text("a"), Cell::Text("b"), Cell::Text("c")])
            .unwrap();
        f.row(&[Cell::Text("1")]).unwrap();
        f.row(&[Cell::Empty, Cell::Empty, Cell::Empty, Cell::Text(" ")])
            .unwrap();
        f.row(&[Cell::Text("1"), Cell::Empty, Cell::Empty, Cell::Number(4.0)])
            .unwrap();
    });
    let (sink, outcome) = xlsx(&bytes);
    outcome.unwrap();
    assert_eq!(sink.rows.len(), 2, "the row of blanks is skipped");
    assert_eq!(sink.rows[0].1, Ok(strings(&["1", "", ""])));
    let error = sink.rows[1].1.clone().unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.line),
        ("wrong_field_count", Some(4))
    );
}

#[test]
fn more_rows_than_the_limit_is_413_while_streaming() {
    let bytes = workbook(|f| {
        f.sheet("one").unwrap();
        f.row(&[Cell::Text("n")]).unwrap();
        for n in 0..6 {
            f.row(&[Cell::Number(f64::from(n))]).unwrap();
        }
        f.sheet("two").unwrap();
        f.row(&[Cell::Text("n")]).unwrap();
        for n in 0..1000 {
            f.row(&[Cell::Number(f64::from(n))]).unwrap();
        }
    });
    let (sink, outcome) = read_bytes(&bytes, FileKind::Xlsx, &limits(10));
    assert!(matches!(outcome, Err(AppError::PayloadTooLarge { .. })));
    assert_eq!(sink.rows.len(), 10);
    assert_eq!(sink.rows[9].0, at("two", 5), "rows of both sheets count");
}

#[test]
fn a_sink_that_stops_listening_stops_the_reading() {
    let bytes = workbook(|f| {
        f.sheet("s").unwrap();
        f.row(&[Cell::Text("n")]).unwrap();
        for n in 0..100 {
            f.row(&[Cell::Number(f64::from(n))]).unwrap();
        }
    });
    let mut sink = Collect {
        stop_after: Some(3),
        ..Collect::default()
    };
    let outcome = read_table(file_of(&bytes), FileKind::Xlsx, &limits(1000), &mut sink);
    assert!(outcome.is_ok());
    assert_eq!(sink.rows.len(), 3);
}

#[test]
fn a_workbook_without_cells_is_empty() {
    let bytes = workbook(|f| {
        f.sheet("a").unwrap();
        f.sheet("b").unwrap();
        f.row(&[Cell::Text(" "), Cell::Empty]).unwrap();
    });
    let (_, outcome) = xlsx(&bytes);
    assert_eq!(outcome.unwrap_err().code(), "empty_file");
}

fn assert_invalid_xlsx(outcome: Result<(), AppError>) -> String {
    match outcome {
        Err(AppError::Unprocessable {
            code: "invalid_xlsx",
            detail,
            ..
        }) => detail,
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_is_not_an_xlsx_is_invalid_xlsx() {
    let garbage: Vec<u8> = (0..10_000u32).map(|n| (n * 7919 % 251) as u8).collect();
    let detail = assert_invalid_xlsx(xlsx(&garbage).1);
    assert!(detail.contains("not a zip"), "{detail}");
    assert_invalid_xlsx(xlsx(b"").1);

    // A zip, but no workbook in it.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("notes.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"hello").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert_invalid_xlsx(xlsx(&bytes).1);

    // A workbook cut short.
    let bytes = workbook(|f| {
        f.sheet("s").unwrap();
        f.row(&[Cell::Text("a")]).unwrap();
    });
    assert_invalid_xlsx(xlsx(&bytes[..bytes.len() / 2]).1);

    // A sheet whose XML breaks off.
    let bytes = workbook(|f| {
        f.raw_sheet("s", &br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2""#[..])
            .unwrap();
    });
    assert_invalid_xlsx(xlsx(&bytes).1);
}

#[test]
fn cell_references_that_overflow_are_no_panic() {
    // calamine's reference parsing overflows a u32 on these (a panic in debug builds).
    let sheet = sheet_xml(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="ZZZZZZZZZZZZ99999999999" t="inlineStr"><is><t>b</t></is></c></row>"#,
    );
    let bytes = workbook(|f| f.raw_sheet("s", sheet.as_bytes()).unwrap());
    let (_, outcome) = xlsx(&bytes);
    if let Err(error) = outcome {
        assert!(error.status_code().is_client_error(), "{error:?}");
    }
}

/// The billion laughs: nine levels of ten references each, 10^9 "lol"s if expanded.
fn billion_laughs(root: &str, body: &str) -> String {
    let mut dtd = String::from(r#"<!ENTITY lol0 "lol">"#);
    for level in 1..10 {
        let refs = format!("&lol{};", level - 1).repeat(10);
        dtd.push_str(&format!(r#"<!ENTITY lol{level} "{refs}">"#));
    }
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE {root} [{dtd}]>{body}"#)
}

#[test]
fn entities_in_a_sheet_are_not_expanded() {
    let started = Instant::now();
    // In an inline string: refused.
    let sheet = billion_laughs(
        "worksheet",
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"#,
    );
    let bytes = workbook(|f| f.raw_sheet("s", sheet.as_bytes()).unwrap());
    let detail = assert_invalid_xlsx(xlsx(&bytes).1);
    assert!(detail.contains("lol9"), "{detail}");

    // As the value of a number cell: read as empty.
    let sheet = billion_laughs(
        "worksheet",
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c><c r="B1" t="inlineStr"><is><t>i</t></is></c></row><row r="2"><c r="A2"><v>&lol9;</v></c><c r="B2"><v>1</v></c></row></sheetData></worksheet>"#,
    );
    let bytes = workbook(|f| f.raw_sheet("s", sheet.as_bytes()).unwrap());
    let (sink, outcome) = xlsx(&bytes);
    outcome.unwrap();
    assert_eq!(sink.rows[0].1, Ok(strings(&["", "1"])));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn entities_in_shared_strings_are_not_expanded() {
    let started = Instant::now();
    let strings_xml = billion_laughs(
        "sst",
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>"#,
    );
    let sheet = sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
    let bytes = workbook(|f| {
        f.part("xl/sharedStrings.xml", strings_xml.as_bytes())
            .unwrap();
        f.raw_sheet("s", sheet.as_bytes()).unwrap();
    });
    let detail = assert_invalid_xlsx(xlsx(&bytes).1);
    assert!(detail.contains("lol9"), "{detail}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A sheet of `size` bytes: valid XML around spaces, which deflate packs about 1000:1.
fn spacious_sheet(size: u64) -> impl Read {
    let head = sheet_xml("");
    let (open, close) = head.split_at(head.find("</sheetData>").unwrap_or(0));
    let (open, close) = (open.to_owned(), close.to_owned());
    let padding = size - (open.len() + close.len()) as u64;
    Cursor::new(open)
        .chain(std::io::repeat(b' ').take(padding))
        .chain(Cursor::new(close))
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let started = Instant::now();
    // 300 MiB of sheet in a file of about 300 KiB, over the default 256 MiB.
    let bytes = workbook(|f| f.raw_sheet("s", spacious_sheet(300 << 20)).unwrap());
    assert!(bytes.len() < 1 << 20, "{}", bytes.len());
    let limits = Limits {
        max_rows: 1000,
        max_unpacked_bytes: 256 << 20,
    };
    let (_, outcome) = read_bytes(&bytes, FileKind::Xlsx, &limits);
    let Err(AppError::PayloadTooLarge { detail }) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        detail.contains("unpacks to more than 268435456 bytes"),
        "{detail}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn parts_that_together_unpack_too_far_are_refused() {
    // Five parts of 1 MiB of text (below the ratio floor) against a 4 MiB limit.
    let bytes = workbook(|f| {
        for n in 0..5 {
            f.part(
                &format!("xl/extra{n}.xml"),
                std::io::repeat(b'x').take(1 << 20),
            )
            .unwrap();
        }
        f.sheet("s").unwrap();
        f.row(&[Cell::Text("a")]).unwrap();
    });
    let limits = Limits {
        max_rows: 1000,
        max_unpacked_bytes: 4 << 20,
    };
    let (_, outcome) = read_bytes(&bytes, FileKind::Xlsx, &limits);
    assert!(
        matches!(outcome, Err(AppError::PayloadTooLarge { .. })),
        "{outcome:?}"
    );
    // The same within the limit is read.
    let limits = Limits {
        max_unpacked_bytes: 8 << 20,
        ..limits
    };
    assert!(read_bytes(&bytes, FileKind::Xlsx, &limits).1.is_ok());
}

#[test]
fn a_part_that_compresses_absurdly_is_refused() {
    // 8 MiB of spaces: far below the limit, but about 1000:1.
    let bytes = workbook(|f| f.raw_sheet("s", spacious_sheet(8 << 20)).unwrap());
    let (_, outcome) = read_bytes(&bytes, FileKind::Xlsx, &limits(1000));
    let Err(AppError::PayloadTooLarge { detail }) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(detail.contains("xl/worksheets/sheet1.xml"), "{detail}");
}

/// Rewrites the uncompressed size the archive declares for `name`, in its local header and in
/// the central directory, leaving the data as it is.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    let u16_at = |zip: &[u8], at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
    let mut patched = 0;
    for at in 0..zip.len().saturating_sub(46) {
        let (size_at, name_at, name_len) = match &zip[at..at + 4] {
            b"PK\x03\x04" => (at + 22, at + 30, u16_at(zip, at + 26)),
            b"PK\x01\x02" => (at + 24, at + 46, u16_at(zip, at + 28)),
            _ => continue,
        };
        if zip.get(name_at..name_at + name_len) == Some(name) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "a local header and a central directory entry");
}

fn lying_workbook() -> Vec<u8> {
    let mut bytes = workbook(|f| f.raw_sheet("s", spacious_sheet(32 << 20)).unwrap());
    declare_size(&mut bytes, "xl/worksheets/sheet1.xml", 4096);
    bytes
}

#[test]
fn zip_reads_stop_at_the_declared_size() {
    let bytes = lying_workbook();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut entry = archive.by_name("xl/worksheets/sheet1.xml").unwrap();
    assert_eq!(entry.size(), 4096);
    let mut delivered = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    let error = loop {
        match entry.read(&mut buf) {
            Ok(0) => panic!("read to the end: {delivered} bytes"),
            Ok(n) => delivered += n,
            Err(error) => break error,
        }
    };
    assert!(delivered <= 4096, "{delivered} bytes delivered");
    assert!(
        error.to_string().contains("declared uncompressed size"),
        "{error}"
    );
}

#[test]
fn a_part_larger_than_declared_is_refused_as_corrupt() {
    let started = Instant::now();
    let (_, outcome) = xlsx(&lying_workbook());
    let detail = assert_invalid_xlsx(outcome);
    assert!(detail.contains("declared uncompressed size"), "{detail}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn cell_texts() {
    assert_eq!(number_text(1e21), "1000000000000000000000");
    assert_eq!(number_text(f64::NAN), "NaN");
    let duration = ExcelDateTime::new(1.5 + 3.0 / 86_400.0, ExcelDateTimeType::TimeDelta, false);
    assert_eq!(datetime_text(&duration), "36:00:03");
    let time = ExcelDateTime::new(0.75, ExcelDateTimeType::DateTime, false);
    assert_eq!(datetime_text(&time), "18:00:00");
    // 2025-10-13 12:59:02.400: the milliseconds are dropped.
    let at = ExcelDateTime::new(45943.541, ExcelDateTimeType::DateTime, false);
    assert_eq!(datetime_text(&at), "2025-10-13 12:59:02");
    let at = ExcelDateTime::new(45943.0, ExcelDateTimeType::DateTime, true);
    assert_eq!(datetime_text(&at), "2029-10-14 00:00:00", "the 1904 epoch");
}
