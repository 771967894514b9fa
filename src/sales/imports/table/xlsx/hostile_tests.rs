//! Hostile or broken workbooks: not an XLSX, overflowing references, entities, zip bombs and
//! parts larger than declared.

use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

use super::super::testing::*;
use super::super::xlsx_file::Cell;
use super::super::{FileKind, Limits};
use super::tests::*;
use super::*;
use actix_web::ResponseError as _;

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
