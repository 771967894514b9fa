use std::io::Cursor;

use chrono::NaiveDate;

use super::super::testing::*;
use super::super::xlsx_file::{Cell, XlsxFile};
use super::super::{FileKind, Position, read_table};
use super::*;
use calamine::ExcelDateTimeType;

pub(super) fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

pub(super) fn at(sheet: &str, line: u64) -> Position {
    Position {
        sheet: Some(sheet.to_owned()),
        line,
    }
}

/// A workbook built by `build`.
pub(super) fn workbook(build: impl FnOnce(&mut XlsxFile<Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut file = XlsxFile::new(Cursor::new(Vec::new()));
    build(&mut file);
    file.finish().unwrap().into_inner()
}

pub(super) fn xlsx(bytes: &[u8]) -> (Collect, Result<(), AppError>) {
    read_bytes(bytes, FileKind::Xlsx, &limits(1000))
}

/// A worksheet's XML around `sheet_data` (the rows).
pub(super) fn sheet_xml(sheet_data: &str) -> String {
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
