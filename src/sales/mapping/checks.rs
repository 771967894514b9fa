//! From a mapping request to the spec it describes: every bad field reported at once, named by
//! its place in the request, then the spec's own problems ([`Spec::problems`]).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono_tz::Tz;
use serde_json::Value;

use super::builtin::{self, Builtin, FORMATS};
use super::dto::{ColumnRequest, CreateMappingRequest, UpdateMappingRequest};
use super::saved::{ImportMapping, MappingChanges, StoredJson};
use super::spec::{AmountUnit, ColumnMap, Spec, StatusMeaning};
use crate::agencies::signup::check_time_zone;
use crate::domain::enums::Platform;
use crate::domain::{Collect, check_text};
use crate::error::{AppError, FieldError};

/// The parts of a spec a request may give, as sent.
struct SpecInput {
    platform: Option<Value>,
    columns: Option<Vec<ColumnRequest>>,
    status_values: Option<BTreeMap<String, Value>>,
    amount_unit: Option<Value>,
    time_zone: Option<String>,
}

/// The parts of a spec a request gives, parsed: each replaces the one it is applied to.
#[derive(Debug, Default)]
struct SpecParts {
    platform: Option<Platform>,
    columns: Option<Vec<ColumnMap>>,
    status_values: Option<BTreeMap<String, StatusMeaning>>,
    amount_unit: Option<AmountUnit>,
    time_zone: Option<Tz>,
}

/// A value of a closed set, sent as a JSON string: else `invalid_value` on `field`, listing the
/// values there are.
fn choice<T: FromStr<Err = String>>(field: &str, value: &Value) -> Result<T, FieldError> {
    let message = match value {
        Value::String(text) => match text.parse() {
            Ok(parsed) => return Ok(parsed),
            Err(message) => message,
        },
        other => format!("expected a string, not {other}"),
    };
    Err(FieldError::new(field, "invalid_value", message))
}

/// Keeps the values of the entries whose check passed, recording the other entries' errors;
/// `None` when any failed.
fn all<T>(results: Vec<Result<T, FieldError>>, errors: &mut Vec<FieldError>) -> Option<Vec<T>> {
    let before = errors.len();
    let values: Vec<T> = results
        .into_iter()
        .filter_map(|r| errors.check(r))
        .collect();
    (errors.len() == before).then_some(values)
}

impl SpecInput {
    fn parse(self, errors: &mut Vec<FieldError>) -> SpecParts {
        let platform = self
            .platform
            .and_then(|value| errors.check(choice("platform", &value)));
        let columns = self.columns.and_then(|columns| {
            let checked = columns.into_iter().enumerate().map(|(index, column)| {
                choice(&format!("columns[{index}].field"), &column.field).map(|field| ColumnMap {
                    header: column.header,
                    field,
                })
            });
            all(checked.collect(), errors)
        });
        let status_values = self.status_values.and_then(|values| {
            let checked = values.into_iter().map(|(value, meaning)| {
                choice(&format!("status_values.{value}"), &meaning).map(|meaning| (value, meaning))
            });
            all(checked.collect(), errors).map(|pairs| pairs.into_iter().collect())
        });
        let amount_unit = self
            .amount_unit
            .and_then(|value| errors.check(choice("amount_unit", &value)));
        let time_zone = self
            .time_zone
            .and_then(|zone| errors.check(check_time_zone("time_zone", &zone)));
        SpecParts {
            platform,
            columns,
            status_values,
            amount_unit,
            time_zone,
        }
    }
}

impl SpecParts {
    /// `spec` with the parts given replaced.
    fn apply(&self, mut spec: Spec) -> Spec {
        if let Some(platform) = self.platform {
            spec.platform = platform;
        }
        if let Some(columns) = &self.columns {
            spec.columns.clone_from(columns);
        }
        if let Some(values) = &self.status_values {
            spec.status_values.clone_from(values);
        }
        if let Some(unit) = self.amount_unit {
            spec.amount_unit = unit;
        }
        if let Some(zone) = self.time_zone {
            spec.time_zone = zone;
        }
        spec
    }
}

/// The spec, or 422 with its problems.
fn checked(spec: Spec) -> Result<Spec, AppError> {
    let problems = spec.problems();
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(AppError::validation(problems))
    }
}

fn required(field: &str) -> FieldError {
    FieldError::new(field, "required", format!("{field} is required"))
}

/// The built-in format named `name`, or `unknown_format` on `from_format` listing them.
fn format_named(name: &str) -> Result<&'static Builtin, FieldError> {
    builtin::find(name).ok_or_else(|| {
        let names: Vec<&str> = FORMATS.iter().map(|f| f.name).collect();
        FieldError::new(
            "from_format",
            "unknown_format",
            format!("not a built-in format; one of: {}", names.join(", ")),
        )
    })
}

/// The spec a create starts from: the format's, as the platform asked for (which the format
/// must import as), or, without a format, the platform's with the defaults. `None` when the
/// request's errors leave nothing to start from.
fn base_spec(
    format: Option<&Builtin>,
    platform: Option<Platform>,
    errors: &mut Vec<FieldError>,
) -> Option<Spec> {
    let Some(format) = format else {
        return platform.map(|platform| Spec {
            platform,
            columns: Vec::new(),
            status_values: BTreeMap::new(),
            amount_unit: AmountUnit::Yuan,
            time_zone: chrono_tz::Asia::Shanghai,
        });
    };
    let platform = platform.unwrap_or(format.platform);
    if format.platforms.contains(&platform) {
        return Some(format.spec(platform));
    }
    let platforms: Vec<&str> = format.platforms.iter().map(|p| p.as_str()).collect();
    errors.push(FieldError::new(
        "platform",
        "platform_mismatch",
        format!("{} imports as {} only", format.name, platforms.join(" or ")),
    ));
    None
}

/// A checked create: the name, the built-in format it copies (if any) and the spec.
#[derive(Debug)]
pub struct NewMapping {
    pub name: String,
    pub based_on: Option<&'static str>,
    pub spec: Spec,
}

/// Checks a create request into the mapping it describes.
pub fn new_mapping(body: CreateMappingRequest) -> Result<NewMapping, AppError> {
    let CreateMappingRequest {
        name,
        from_format,
        platform,
        columns,
        status_values,
        amount_unit,
        time_zone,
    } = body;
    let mut errors = Vec::new();
    let name = errors.check(check_text("name", &name, 1, 100));
    let format = from_format
        .as_deref()
        .and_then(|n| errors.check(format_named(n)));
    if from_format.is_none() {
        if platform.is_none() {
            errors.push(required("platform"));
        }
        if columns.is_none() {
            errors.push(required("columns"));
        }
    }
    let parts = SpecInput {
        platform,
        columns,
        status_values,
        amount_unit,
        time_zone,
    }
    .parse(&mut errors);
    let base = base_spec(format, parts.platform, &mut errors);
    match (name, base) {
        (Some(name), Some(base)) if errors.is_empty() => Ok(NewMapping {
            name,
            based_on: format.map(|f| f.name),
            spec: checked(parts.apply(base))?,
        }),
        _ => Err(AppError::validation(errors)),
    }
}

/// Checks a `PATCH` of `current` into its changes: the spec as changed must be valid whole.
pub fn mapping_changes(
    body: UpdateMappingRequest,
    current: &ImportMapping,
) -> Result<MappingChanges, AppError> {
    let UpdateMappingRequest {
        name,
        platform,
        columns,
        status_values,
        amount_unit,
        time_zone,
    } = body;
    let mut errors = Vec::new();
    let name = name.and_then(|name| errors.check(check_text("name", &name, 1, 100)));
    let parts = SpecInput {
        platform,
        columns,
        status_values,
        amount_unit,
        time_zone,
    }
    .parse(&mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    checked(parts.apply(current.spec()))?;
    Ok(MappingChanges {
        name,
        platform: parts.platform,
        column_map: parts.columns.map(StoredJson),
        status_values: parts.status_values.map(StoredJson),
        amount_unit: parts.amount_unit,
        time_zone: parts.time_zone.map(Into::into),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn create(body: Value) -> Result<NewMapping, Vec<FieldError>> {
        let body: CreateMappingRequest = serde_json::from_value(body).unwrap();
        new_mapping(body).map_err(|error| match error {
            AppError::Unprocessable { errors, .. } => errors,
            other => panic!("{other}"),
        })
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn a_format_alone_is_a_mapping_and_given_fields_replace_its_own() {
        let mapping =
            create(json!({"name": " Kuaishou v2 ", "from_format": "kuaishou_orders"})).unwrap();
        assert_eq!(mapping.name, "Kuaishou v2");
        assert_eq!(mapping.based_on, Some("kuaishou_orders"));
        let format = builtin::find("kuaishou_orders").unwrap();
        assert_eq!(mapping.spec, format.spec(Platform::Kuaishou));

        let tmall = create(json!({"name": "t", "from_format": "taobao_suborders", "platform": "tmall", "amount_unit": "fen", "time_zone": "UTC"}))
            .unwrap();
        assert_eq!(tmall.spec.platform, Platform::Tmall);
        assert_eq!(tmall.spec.amount_unit, AmountUnit::Fen);
        assert_eq!(tmall.spec.time_zone, chrono_tz::UTC);
        assert_eq!(
            tmall.spec.columns,
            format_named("taobao_suborders")
                .unwrap()
                .spec(Platform::Tmall)
                .columns
        );
    }

    #[test]
    fn bad_values_are_named_by_their_place() {
        let errors = create(json!({
            "name": " ",
            "platform": "myspace",
            "columns": [{"header": "a", "field": "quantity"}, {"header": "b", "field": "colour"}],
            "status_values": {"ok": "paid", "meh": "maybe"},
            "amount_unit": "cents",
            "time_zone": "Mars/Olympus"
        }))
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                ("name", "invalid_length"),
                ("platform", "invalid_value"),
                ("columns[1].field", "invalid_value"),
                ("status_values.meh", "invalid_value"),
                ("amount_unit", "invalid_value"),
                ("time_zone", "invalid_time_zone"),
            ]
        );
        assert!(
            errors[2].message.contains("external_order_id"),
            "lists the fields"
        );
    }

    #[test]
    fn without_a_format_platform_and_columns_are_required() {
        let errors = create(json!({"name": "x"})).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![("platform", "required"), ("columns", "required")]
        );
    }

    #[test]
    fn an_unknown_format_or_one_of_another_platform_is_refused() {
        let errors = create(json!({"name": "x", "from_format": "myspace"})).unwrap_err();
        assert_eq!(codes(&errors), vec![("from_format", "unknown_format")]);
        assert!(errors[0].message.contains("douyin_orders"));
        let errors =
            create(json!({"name": "x", "from_format": "douyin_orders", "platform": "kuaishou"}))
                .unwrap_err();
        assert_eq!(codes(&errors), vec![("platform", "platform_mismatch")]);
    }

    #[test]
    fn the_spec_must_be_whole() {
        let errors = create(json!({"name": "x", "platform": "jd", "columns": [{"header": "订单号", "field": "external_order_id"}]}))
            .unwrap_err();
        assert!(
            errors.iter().all(|e| e.code == "missing_field"),
            "{errors:?}"
        );
        let errors =
            create(json!({"name": "x", "from_format": "douyin_orders", "status_values": {}}))
                .unwrap_err();
        assert_eq!(codes(&errors), vec![("status_values", "required")]);
    }
}
