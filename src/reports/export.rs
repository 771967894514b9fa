//! CSV downloads of the reports, safe to open in a spreadsheet.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::AppError;

/// Whether the client asked for CSV (`Accept: text/csv`).
pub fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|part| part.trim().starts_with("text/csv"))
        })
}

/// A cell that a spreadsheet would read as a formula gets a leading apostrophe.
pub fn escape_cell(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// Renders a header and rows as CSV (RFC 4180 quoting, formula cells escaped).
pub fn render(header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| escape_cell(cell)))?;
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The CSV download `name`: `header`, then `records`.
pub fn download(
    name: &str,
    header: &[&str],
    records: &[Vec<String>],
) -> Result<HttpResponse, AppError> {
    let body = render(header, records)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_kept() {
        assert_eq!(escape_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(escape_cell("+86"), "'+86");
        assert_eq!(escape_cell("-1"), "'-1");
        assert_eq!(escape_cell("@SUM"), "'@SUM");
        assert_eq!(escape_cell("12.50"), "12.50");
        let csv = String::from_utf8(
            render(&["name", "value"], &[vec!["a,b".into(), "=1+1".into()]]).unwrap(),
        )
        .unwrap();
        assert_eq!(csv, "name,value\n\"a,b\",'=1+1\n");
    }
}
