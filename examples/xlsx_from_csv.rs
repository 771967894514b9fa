//! Converts a CSV file into an XLSX workbook with the library's streaming writer
//! ([`mcn::sales::imports::table::xlsx_file`]), for `bench/platform-imports.sh`: a platform
//! export as a spreadsheet program would save it. The CSV's first row is the header; it is
//! written at the top of every sheet, and the data rows are split over sheets of at most
//! `--rows-per-sheet` rows. Rows stream from the CSV into the archive: memory stays flat
//! whatever the size.
//!
//! Cells are typed as a spreadsheet program types what it is given: an empty cell is left out,
//! a plain decimal number of at most 15 significant digits is a number, a time written as Excel
//! writes it (`2026/9/22 21:25`, optionally with seconds) is a date-time cell
//! (`yyyy-mm-dd hh:mm:ss`), anything else (ids padded with a tab, `¥1,299.90`, `30.0%`) is text.
//! `--text` writes every cell as text.
//!
//! Usage: `cargo run --release --example xlsx_from_csv -- INPUT.csv OUTPUT.xlsx
//! [--rows-per-sheet N, default 1048575] [--sheet-prefix NAME, default Sheet] [--text]`
//! Prints one line: `xlsx_from_csv rows=… sheets=… bytes=… unpacked_bytes=…`.

use std::fs::File;
use std::io::{BufReader, BufWriter};

use anyhow::{Context as _, bail};
use chrono::NaiveDateTime;
use mcn::sales::imports::table::xlsx_file::{Cell, XlsxFile};

/// Excel's last row (1,048,576) less the header.
const MAX_ROWS_PER_SHEET: usize = 1_048_575;

struct Options {
    input: String,
    output: String,
    rows_per_sheet: usize,
    sheet_prefix: String,
    all_text: bool,
}

fn options() -> anyhow::Result<Options> {
    let mut positional = Vec::new();
    let mut rows_per_sheet = MAX_ROWS_PER_SHEET;
    let mut sheet_prefix = "Sheet".to_owned();
    let mut all_text = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows-per-sheet" => {
                rows_per_sheet = args
                    .next()
                    .context("--rows-per-sheet needs a number")?
                    .parse()
                    .context("--rows-per-sheet: a whole number")?;
            }
            "--sheet-prefix" => {
                sheet_prefix = args.next().context("--sheet-prefix needs a name")?;
            }
            "--text" => all_text = true,
            other if other.starts_with("--") => bail!("unknown option {other}"),
            _ => positional.push(arg),
        }
    }
    let [input, output] = <[String; 2]>::try_from(positional)
        .map_err(|_| anyhow::anyhow!("usage: xlsx_from_csv INPUT.csv OUTPUT.xlsx [--rows-per-sheet N] [--sheet-prefix NAME] [--text]"))?;
    if !(1..=MAX_ROWS_PER_SHEET).contains(&rows_per_sheet) {
        bail!("--rows-per-sheet: 1 to {MAX_ROWS_PER_SHEET}");
    }
    Ok(Options {
        input,
        output,
        rows_per_sheet,
        sheet_prefix,
        all_text,
    })
}

/// A plain decimal number a spreadsheet keeps exactly (at most 15 significant digits, no
/// leading zero, no sign but `-`): what a spreadsheet program would store as a number.
fn plain_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let plain = !whole.is_empty()
        && all_digits(whole)
        && all_digits(fraction)
        && (whole == "0" || !whole.starts_with('0'))
        && (!digits.contains('.') || !fraction.is_empty())
        && whole.trim_start_matches('0').len() + fraction.len() <= 15;
    if plain { text.parse().ok() } else { None }
}

/// A time as Excel writes one it recognised: `2026/9/22 21:25` or `2026/9/22 21:25:25`.
fn excel_time(text: &str) -> Option<NaiveDateTime> {
    if !text.contains('/') {
        return None;
    }
    ["%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// The cell a spreadsheet program would make of `text`.
enum Typed<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    DateTime(NaiveDateTime),
}

fn typed(text: &str, all_text: bool) -> Typed<'_> {
    if text.is_empty() {
        Typed::Empty
    } else if all_text {
        Typed::Text(text)
    } else if let Some(number) = plain_number(text) {
        Typed::Number(number)
    } else if let Some(at) = excel_time(text) {
        Typed::DateTime(at)
    } else {
        Typed::Text(text)
    }
}

fn main() -> anyhow::Result<()> {
    let options = options()?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::new(
            File::open(&options.input).with_context(|| format!("opening {}", options.input))?,
        ));
    let mut records = csv.records();
    let header: Vec<String> = match records.next() {
        Some(record) => record
            .context("reading the header")?
            .iter()
            .enumerate()
            // A UTF-8 byte order mark belongs to the file, not to the first header.
            .map(|(i, h)| {
                if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                }
                .to_owned()
            })
            .collect(),
        None => bail!("{} is empty: no header", options.input),
    };
    let header_cells: Vec<Cell<'_>> = header.iter().map(|h| Cell::Text(h)).collect();

    let out =
        File::create(&options.output).with_context(|| format!("creating {}", options.output))?;
    let mut book = XlsxFile::new(BufWriter::new(out));
    let mut rows = 0usize;
    let mut sheets = 0usize;
    for record in records {
        let record = record.with_context(|| format!("reading row {}", rows + 2))?;
        if rows.is_multiple_of(options.rows_per_sheet) {
            sheets += 1;
            book.sheet(&format!("{}{sheets}", options.sheet_prefix))?;
            book.row(&header_cells)?;
        }
        let typed: Vec<Typed<'_>> = record
            .iter()
            .map(|text| typed(text, options.all_text))
            .collect();
        let cells: Vec<Cell<'_>> = typed
            .iter()
            .map(|cell| match cell {
                Typed::Empty => Cell::Empty,
                Typed::Text(text) => Cell::Text(text),
                Typed::Number(n) => Cell::Number(*n),
                Typed::DateTime(at) => Cell::DateTime(*at),
            })
            .collect();
        book.row(&cells)?;
        rows += 1;
    }
    if sheets == 0 {
        // A header alone: one sheet with it.
        book.sheet(&format!("{}1", options.sheet_prefix))?;
        book.row(&header_cells)?;
        sheets = 1;
    }
    let written = book.finish()?;
    drop(written);

    // What the workbook unpacks to, as the import's zip bomb check adds it up.
    let mut archive = zip::ZipArchive::new(BufReader::new(File::open(&options.output)?))
        .context("reading the workbook back")?;
    let mut unpacked: u64 = 0;
    for index in 0..archive.len() {
        unpacked += archive.by_index_raw(index)?.size();
    }
    let bytes = std::fs::metadata(&options.output)?.len();
    println!("xlsx_from_csv rows={rows} sheets={sheets} bytes={bytes} unpacked_bytes={unpacked}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_typed_as_a_spreadsheet_types_them() {
        assert!(matches!(typed("2", false), Typed::Number(n) if n == 2.0));
        assert!(matches!(typed("72000123", false), Typed::Number(_)));
        assert!(matches!(typed("0.5", false), Typed::Number(_)));
        for text in [
            "6920000000000000002\t",
            "6920000000000000002",
            "007",
            "¥1,299.90",
            "30.0%",
            "1.",
            "ks-5",
            "2026-09-22 21:25:25",
        ] {
            assert!(matches!(typed(text, false), Typed::Text(_)), "{text:?}");
        }
        assert!(matches!(
            typed("2026/9/22 21:25", false),
            Typed::DateTime(_)
        ));
        assert!(matches!(typed("2", true), Typed::Text(_)));
        assert!(matches!(typed("", false), Typed::Empty));
    }
}
