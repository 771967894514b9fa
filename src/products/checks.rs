//! Field checks of product and product-test requests: from a request body to the row or the
//! changes it asks for, every invalid field reported at once.

use chrono::Utc;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::{CreateProductRequest, UpdateProductRequest};
use super::model::{Product, ProductChanges};
use crate::domain::currency::Currency;
use crate::domain::decimal::parse_decimal_string;
use crate::domain::money::{parse_amount, parse_currency};
use crate::domain::{Collect, check_text};
use crate::error::{AppError, FieldError};

/// A SKU: 1 to 64 letters, digits and `._/-`, starting with a letter or digit (trimmed).
pub fn check_sku(sku: &str) -> Result<String, FieldError> {
    let sku = sku.trim();
    let valid = !sku.is_empty()
        && sku.len() <= 64
        && sku
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c));
    if valid {
        Ok(sku.to_owned())
    } else {
        Err(FieldError::new(
            "sku",
            "invalid_sku",
            "1 to 64 letters, digits and ._/- (starting with a letter or digit)",
        ))
    }
}

/// An optional free text of at most `max` characters; blank counts as absent.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    errors
        .check(value.map(|v| check_text(field, v, 0, max)).transpose())
        .flatten()
        .filter(|v| !v.is_empty())
}

/// A percentage: a decimal string from 0 to 100 with at most two decimals.
fn percent(field: &str, value: &serde_json::Value) -> Result<Decimal, FieldError> {
    parse_decimal_string(field, value, 2, Decimal::ZERO, Decimal::ONE_HUNDRED)
}

/// The product a create request describes, in the agency's currency unless it names one.
pub fn new_product(
    body: CreateProductRequest,
    agency_id: Uuid,
    default_currency: Currency,
) -> Result<Product, AppError> {
    let mut errors = Vec::new();
    let sku = errors.check(check_sku(&body.sku));
    let name = errors.check(check_text("name", &body.name, 1, 200));
    let brand = optional_text("brand", body.brand.as_deref(), 100, &mut errors);
    let category = optional_text("category", body.category.as_deref(), 100, &mut errors);
    let currency = errors.check(parse_currency(
        "currency",
        body.currency.as_deref().unwrap_or(default_currency.code()),
    ));
    let list_price =
        currency.and_then(|c| errors.check(parse_amount("list_price", &body.list_price, c)));
    let commission = errors.check(percent("commission_percent", &body.commission_percent));
    let (Some(sku), Some(name), Some(currency), Some(list_price), Some(commission), true) = (
        sku,
        name,
        currency,
        list_price,
        commission,
        errors.is_empty(),
    ) else {
        return Err(AppError::validation(errors));
    };
    let now = Utc::now();
    Ok(Product {
        agency_id,
        id: Uuid::now_v7(),
        sku,
        name,
        brand,
        category,
        list_price,
        currency,
        commission_percent: commission,
        regulated_field: body.regulated_field,
        recalled_at: None,
        recall_reason: None,
        recalled_by: None,
        version: 1,
        archived_at: None,
        archived_by: None,
        created_at: now,
        updated_at: now,
    })
}

/// The changes an update request asks of `current`. A price is only meaningful in its
/// currency, so a new currency needs its price.
pub fn product_changes(
    body: &UpdateProductRequest,
    current: &Product,
) -> Result<ProductChanges, AppError> {
    let mut errors = Vec::new();
    let name = errors
        .check(
            body.name
                .as_deref()
                .map(|n| check_text("name", n, 1, 200))
                .transpose(),
        )
        .flatten();
    let brand = body
        .brand
        .as_ref()
        .map(|b| optional_text("brand", b.as_deref(), 100, &mut errors));
    let category = body
        .category
        .as_ref()
        .map(|c| optional_text("category", c.as_deref(), 100, &mut errors));
    let currency = match &body.currency {
        Some(code) => errors.check(parse_currency("currency", code)),
        None => Some(current.currency),
    };
    if let Some(new) = currency
        && body.currency.is_some()
        && new != current.currency
        && body.list_price.is_none()
    {
        errors.push(FieldError::new(
            "list_price",
            "required",
            format!(
                "changing the currency to {} needs a list_price in it",
                new.code()
            ),
        ));
    }
    let list_price = match (&body.list_price, currency) {
        (Some(value), Some(currency)) => errors.check(parse_amount("list_price", value, currency)),
        _ => None,
    };
    let commission = body
        .commission_percent
        .as_ref()
        .and_then(|value| errors.check(percent("commission_percent", value)));
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(ProductChanges {
        name,
        brand,
        category,
        list_price,
        currency: body.currency.as_ref().and(currency),
        commission_percent: commission,
        regulated_field: body.regulated_field,
        ..ProductChanges::default()
    })
}
