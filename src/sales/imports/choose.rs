//! How a table is read, decided at its header: by a saved mapping, the requested format, our
//! own columns when the header is sale fields, else the one built-in format whose signature the
//! header carries.

use serde_json::Map;

use super::parse::{Reading, STANDARD, fatal_row};
use crate::domain::currency::Currency;
use crate::error::AppError;
use crate::sales::mapping::apply::Bound;
use crate::sales::mapping::builtin;
use crate::sales::validate::FIELDS;

/// How the rows of a table become lines, once its header is known.
pub(super) enum Reader {
    /// Our own columns: the (lower-cased) header names are sale fields.
    Standard(Vec<String>),
    Mapped(Box<Bound>),
}

/// The header check of a file in our own columns.
fn standard_header(reading: &Reading, header: &[String]) -> Result<Reader, AppError> {
    if reading.platform.is_some() || reading.host.is_some() {
        return Err(AppError::Unprocessable {
            code: "not_applicable",
            detail: "platform and influencer_id are for platform exports; a file in our own columns names them on each row.".to_owned(),
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        });
    }
    let headers: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
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
    if header_errors.is_empty() && !headers.is_empty() {
        return Ok(Reader::Standard(headers));
    }
    let formats: Vec<&str> = builtin::FORMATS.iter().map(|f| f.name).collect();
    Err(AppError::Unprocessable {
        code: "invalid_header",
        detail: format!(
            "The header is neither sale fields ({}) nor a platform export this service knows ({}); a saved mapping (?mapping=) reads other exports.",
            FIELDS.join(", "),
            formats.join(", ")
        ),
        errors: header_errors,
        extensions: Map::new(),
    })
}

/// A built-in format bound to the file's header, on the platform the request names.
fn bind_builtin(
    reading: &Reading,
    format: &'static builtin::Builtin,
    header: &[String],
) -> Result<Reader, AppError> {
    let platform = reading.platform.unwrap_or(format.platform);
    if !format.platforms.contains(&platform) {
        return Err(AppError::Unprocessable {
            code: "platform_not_applicable",
            detail: format!(
                "A {} file imports as {}.",
                format.name,
                format
                    .platforms
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            errors: Vec::new(),
            extensions: Map::new(),
        });
    }
    let bound = Bound::bind(format.spec(platform), header, Currency::CNY, reading.host)?;
    Ok(Reader::Mapped(Box::new(bound)))
}

/// How a table with `header` is read: by the saved mapping, the requested format, our own
/// columns when the header is sale fields, else the one built-in format it carries the
/// signature of.
pub(super) fn choose(
    reading: &Reading,
    header: &[String],
) -> Result<(&'static str, Reader), AppError> {
    if let Some(spec) = &reading.mapping {
        if reading.platform.is_some() {
            return Err(AppError::Unprocessable {
                code: "not_applicable",
                detail: "A saved mapping names its platform; leave platform out.".to_owned(),
                errors: Vec::new(),
                extensions: serde_json::Map::new(),
            });
        }
        let bound = Bound::bind(spec.clone(), header, reading.currency, reading.host)?;
        return Ok(("mapping", Reader::Mapped(Box::new(bound))));
    }
    let all_fields = !header.is_empty()
        && header
            .iter()
            .all(|h| FIELDS.contains(&h.trim().to_ascii_lowercase().as_str()));
    match reading.format {
        Some(STANDARD) => Ok((STANDARD, standard_header(reading, header)?)),
        Some(name) => {
            let format = builtin::find(name).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("format {name} was checked to exist"))
            })?;
            Ok((format.name, bind_builtin(reading, format, header)?))
        }
        None if all_fields => Ok((STANDARD, standard_header(reading, header)?)),
        None => match builtin::detect(header).as_slice() {
            [format] => Ok((format.name, bind_builtin(reading, format, header)?)),
            [] => Ok((STANDARD, standard_header(reading, header)?)),
            several => Err(AppError::Unprocessable {
                code: "ambiguous_format",
                detail: format!(
                    "The header fits several formats ({}); name one with ?format=.",
                    several
                        .iter()
                        .map(|f| f.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                errors: Vec::new(),
                extensions: Map::new(),
            }),
        },
    }
}
