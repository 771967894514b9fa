//! Writes XLSX workbooks (minimal SpreadsheetML packages) row by row, for the import tests and
//! the benchmark's file generator; the service itself never writes one. Strings are inline,
//! numbers plain, dates numbers with a date style (`yyyy-mm-dd hh:mm:ss`, or Excel's built-in
//! short date), as spreadsheet programs save them. Rows stream into the archive, so a large
//! file costs no memory.

use std::io::{self, Read, Seek, Write};

use chrono::{NaiveDate, NaiveDateTime};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// One cell of a written row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// No cell written (a gap in the row).
    Empty,
    Text(&'a str),
    Number(f64),
    Bool(bool),
    /// A number styled `yyyy-mm-dd hh:mm:ss`.
    DateTime(NaiveDateTime),
    /// A number styled with Excel's built-in short date (format 14).
    Date(NaiveDate),
    /// An error value such as `#N/A` or `#VALUE!`.
    Error(&'a str),
}

/// A workbook being written; [`XlsxFile::finish`] completes the package.
pub struct XlsxFile<W: Write + Seek> {
    zip: ZipWriter<W>,
    sheets: Vec<String>,
    parts: Vec<String>,
    open_sheet: bool,
    next_row: u32,
}

impl<W: Write + Seek> XlsxFile<W> {
    pub fn new(out: W) -> Self {
        Self {
            zip: ZipWriter::new(out),
            sheets: Vec::new(),
            parts: Vec::new(),
            open_sheet: false,
            next_row: 1,
        }
    }

    /// Starts the next worksheet; the rows written after it go to it, from row 1.
    pub fn sheet(&mut self, name: &str) -> io::Result<()> {
        self.close_sheet()?;
        self.start_sheet(name)?;
        write!(
            self.zip,
            r#"{XML_HEAD}<worksheet xmlns="{MAIN_NS}"><sheetData>"#
        )?;
        self.open_sheet = true;
        self.next_row = 1;
        Ok(())
    }

    /// Writes the next row of the current sheet, its first cell in column A.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        if !self.open_sheet {
            return Err(io::Error::other("a row before any sheet"));
        }
        let row = self.next_row;
        self.next_row += 1;
        let mut xml = format!(r#"<row r="{row}">"#);
        for (column, cell) in (0u32..).zip(cells) {
            let at = format!("{}{row}", column_name(column));
            match cell {
                Cell::Empty => continue,
                Cell::Text(text) => xml.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                    escape(text)
                )),
                Cell::Number(n) => xml.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
                Cell::Bool(b) => {
                    xml.push_str(&format!(r#"<c r="{at}" t="b"><v>{}</v></c>"#, u8::from(*b)))
                }
                Cell::DateTime(at_time) => xml.push_str(&format!(
                    r#"<c r="{at}" s="1"><v>{}</v></c>"#,
                    excel_serial(*at_time)
                )),
                Cell::Date(day) => xml.push_str(&format!(
                    r#"<c r="{at}" s="2"><v>{}</v></c>"#,
                    excel_serial(day.and_time(chrono::NaiveTime::MIN))
                )),
                Cell::Error(error) => xml.push_str(&format!(
                    r#"<c r="{at}" t="e"><v>{}</v></c>"#,
                    escape(error)
                )),
            }
        }
        xml.push_str("</row>");
        self.zip.write_all(xml.as_bytes())
    }

    /// Leaves `count` rows of the current sheet out.
    pub fn skip_rows(&mut self, count: u32) {
        self.next_row += count;
    }

    /// Adds a worksheet whose XML is given whole (unusual or hostile content), streamed.
    pub fn raw_sheet(&mut self, name: &str, mut xml: impl Read) -> io::Result<()> {
        self.close_sheet()?;
        self.start_sheet(name)?;
        io::copy(&mut xml, &mut self.zip).map(drop)
    }

    /// Adds another part as given, e.g. `xl/sharedStrings.xml`.
    pub fn part(&mut self, path: &str, mut bytes: impl Read) -> io::Result<()> {
        self.close_sheet()?;
        self.zip.start_file(path, SimpleFileOptions::default())?;
        self.parts.push(path.to_owned());
        io::copy(&mut bytes, &mut self.zip).map(drop)
    }

    /// Writes the workbook, its styles and relationships, and closes the archive.
    pub fn finish(mut self) -> io::Result<W> {
        self.close_sheet()?;
        let mut sheets = String::new();
        let mut rels = String::new();
        let mut types = String::new();
        for (n, name) in (1..).zip(&self.sheets) {
            sheets.push_str(&format!(
                r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
                escape(name)
            ));
            rels.push_str(&format!(
                r#"<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>"#
            ));
            types.push_str(&format!(
                r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            ));
        }
        rels.push_str(&format!(
            r#"<Relationship Id="rIdStyles" Type="{REL_NS}/styles" Target="styles.xml"/>"#
        ));
        if self.parts.iter().any(|p| p == "xl/sharedStrings.xml") {
            rels.push_str(&format!(
                r#"<Relationship Id="rIdStrings" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>"#
            ));
        }
        let files = [
            (
                "[Content_Types].xml",
                format!(
                    r#"{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{types}</Types>"#
                ),
            ),
            (
                "_rels/.rels",
                format!(
                    r#"{XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/workbook.xml",
                format!(
                    r#"{XML_HEAD}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{sheets}</sheets></workbook>"#
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(
                    r#"{XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
                ),
            ),
            // Style 1: a custom date-time format; style 2: Excel's built-in short date.
            (
                "xl/styles.xml",
                format!(
                    r#"{XML_HEAD}<styleSheet xmlns="{MAIN_NS}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd\ hh:mm:ss"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#
                ),
            ),
        ];
        for (path, xml) in files {
            self.zip.start_file(path, SimpleFileOptions::default())?;
            self.zip.write_all(xml.as_bytes())?;
        }
        Ok(self.zip.finish()?)
    }

    fn start_sheet(&mut self, name: &str) -> io::Result<()> {
        self.sheets.push(name.to_owned());
        let path = format!("xl/worksheets/sheet{}.xml", self.sheets.len());
        Ok(self.zip.start_file(path, SimpleFileOptions::default())?)
    }

    fn close_sheet(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.open_sheet) {
            self.zip.write_all(b"</sheetData></worksheet>")?;
        }
        Ok(())
    }
}

/// Excel's name of a 0-based column: A … Z, AA …
pub fn column_name(mut column: u32) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    name.iter().rev().map(|&b| char::from(b)).collect()
}

/// The serial number Excel stores for a time: days since 1899-12-30 (right from 1900-03-01 on).
fn excel_serial(at: NaiveDateTime) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    (at - epoch.and_time(chrono::NaiveTime::MIN)).num_milliseconds() as f64 / 86_400_000.0
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        let names: Vec<String> = [0, 25, 26, 27, 51, 52, 701, 702, 16383]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(
            names,
            ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"]
        );
    }
}
