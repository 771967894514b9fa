//! A spec bound to a file's header ([`Bound`]), reading each row into an order line: the
//! columns found by header, the cells cleaned ([`super::values`]), the status worked out from
//! the order and after-sale status and the refunded amount.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::spec::{Field, Spec, StatusMeaning, header_key};
use super::status::settle;
use super::values;
use crate::domain::currency::Currency;
use crate::error::{AppError, FieldError};
use crate::sales::validate::{HostRef, ProductRef, SaleInput, unit_price_of};

/// What a row is.
#[derive(Debug, Clone)]
pub enum Mapped {
    /// An order line, with the product's name as the file gives it (for `needs_mapping`).
    Line(Box<SaleInput>, Option<String>),
    /// An order not paid yet: no sale (counted in `not_paid`).
    NotPaid,
    /// A bad row that names its host by a platform account: an error if the account is one of
    /// the agency's hosts, else another creator's row (`not_ours`), whatever is wrong with it.
    Invalid {
        errors: Vec<FieldError>,
        platform: crate::domain::enums::Platform,
        user_id: Option<String>,
        handle: Option<String>,
    },
}

/// A spec bound to one file's header: the position of each field's column(s).
#[derive(Debug, Clone)]
pub struct Bound {
    spec: Spec,
    /// The file's headers, to name a cell's column in errors.
    headers: Vec<String>,
    key: Vec<usize>,
    columns: Vec<(Field, usize)>,
    currency: Currency,
    /// The host of every row, for files without a host column (`?influencer_id=`).
    host: Option<Uuid>,
}

/// The fields a file must have a column for.
const REQUIRED: &[Field] = &[Field::ExternalOrderId, Field::SoldAt, Field::Quantity];

impl Bound {
    /// Binds `spec` to a file's `header`. A column the spec needs and the file lacks refuses the
    /// file (`missing_columns`, 422); a file without a host column needs `host`, and a file with
    /// one must not be given it.
    pub fn bind(
        spec: Spec,
        header: &[String],
        currency: Currency,
        host: Option<Uuid>,
    ) -> Result<Bound, AppError> {
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        let position = |wanted: &str| {
            let wanted = header_key(wanted);
            keys.iter().position(|k| *k == wanted)
        };
        let mut missing = Vec::new();
        let mut columns = Vec::new();
        let mut key = Vec::new();
        for column in &spec.columns {
            match position(&column.header) {
                Some(index) if column.field == Field::ExternalOrderId => key.push(index),
                Some(index) => columns.push((column.field, index)),
                None => {
                    let needed = REQUIRED.contains(&column.field)
                        || (column.field == Field::Amount && !spec.has(Field::UnitPrice))
                        || (column.field == Field::UnitPrice && !spec.has(Field::Amount));
                    if needed {
                        missing.push(column.header.clone());
                    }
                }
            }
        }
        let found = |field: Field| columns.iter().any(|(f, _)| *f == field);
        if !found(Field::ItemId) && !found(Field::SkuCode) {
            missing.extend(
                spec.headers_of(Field::ItemId)
                    .chain(spec.headers_of(Field::SkuCode))
                    .map(str::to_owned),
            );
        }
        if !missing.is_empty() {
            let errors = missing
                .iter()
                .map(|header| FieldError {
                    line: Some(1),
                    ..FieldError::new(
                        header.clone(),
                        "missing_column",
                        format!("the file has no column `{header}`"),
                    )
                })
                .collect();
            return Err(AppError::Unprocessable {
                code: "missing_columns",
                detail: format!(
                    "The file lacks columns the format needs: {}.",
                    missing.join(", ")
                ),
                errors,
                extensions: serde_json::Map::new(),
            });
        }
        let has_host = found(Field::PlatformUserId) || found(Field::HostHandle);
        match (has_host, host) {
            (true, Some(_)) => {
                return Err(AppError::Unprocessable {
                    code: "not_applicable",
                    detail: "This file names the host of each row; influencer_id is only for files without a host column.".to_owned(),
                    errors: Vec::new(),
            extensions: serde_json::Map::new(),
                });
            }
            (false, None) => {
                return Err(AppError::Unprocessable {
                    code: "influencer_required",
                    detail: "This file has no host column: name the host its orders are for with ?influencer_id=.".to_owned(),
                    errors: Vec::new(),
                    extensions: serde_json::Map::new(),
                });
            }
            _ => {}
        }
        Ok(Bound {
            spec,
            headers: header.to_vec(),
            key,
            columns,
            currency,
            host,
        })
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    fn index(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, index)| *index)
    }

    /// The cleaned cell of `field`'s column, with the column's header.
    fn cell<'a>(&'a self, cells: &[String], field: Field) -> Option<(&'a str, String)> {
        let index = self.index(field)?;
        let value = values::clean(cells.get(index).map_or("", String::as_str))?;
        Some((self.headers[index].as_str(), value))
    }

    /// The account a row names (its user id, else its handle).
    fn account(&self, cells: &[String]) -> (Option<String>, Option<String>) {
        (
            self.cell(cells, Field::PlatformUserId)
                .map(|(_, v)| v)
                .filter(|v| v != "0"),
            self.cell(cells, Field::HostHandle).map(|(_, v)| v),
        )
    }

    /// Reads one row (its cells in header order) into an order line. A bad row of a file with
    /// a host column is [`Mapped::Invalid`], so that another creator's bad row is not ours.
    pub fn line(&self, cells: &[String], now: DateTime<Utc>) -> Result<Mapped, Vec<FieldError>> {
        match self.read(cells, now) {
            Err(errors) if self.host.is_none() => {
                let (user_id, handle) = self.account(cells);
                Ok(Mapped::Invalid {
                    errors,
                    platform: self.spec.platform,
                    user_id,
                    handle,
                })
            }
            read => read,
        }
    }

    fn read(&self, cells: &[String], now: DateTime<Utc>) -> Result<Mapped, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |header: &str, code: &str, message: String| {
            errors.push(FieldError::new(header, code, message));
        };

        let status = self.meaning(cells, Field::Status, &mut fail);
        let after_sale = self.meaning(cells, Field::AfterSaleStatus, &mut fail);
        if status == Some(StatusMeaning::NotPaid) {
            return Ok(Mapped::NotPaid);
        }

        let mut key_parts = Vec::with_capacity(self.key.len());
        for index in &self.key {
            let cell = values::clean(cells.get(*index).map_or("", String::as_str));
            key_parts.push(cell.unwrap_or_default());
        }
        let external_order_id = if key_parts.first().is_none_or(String::is_empty) {
            let header = self.key.first().map_or("", |i| self.headers[*i].as_str());
            fail(header, "required", format!("`{header}` is empty"));
            None
        } else {
            let joined = key_parts.join("|");
            let header = self.headers[self.key[0]].as_str();
            values::id(&joined)
                .map_err(|message| fail(header, "invalid_id", message))
                .ok()
        };

        let unpaid_close = matches!(
            status,
            Some(StatusMeaning::Closed | StatusMeaning::Cancelled)
        );
        let paid_at = self.cell(cells, Field::SoldAt).or_else(|| {
            unpaid_close
                .then(|| self.cell(cells, Field::OrderedAt))
                .flatten()
        });
        let sold_at = match paid_at {
            Some((header, text)) => match values::time(&text, self.spec.time_zone) {
                Some(at) if at <= now + chrono::Duration::hours(1) => Some(at),
                Some(_) => {
                    fail(header, "in_future", format!("`{text}` lies in the future"));
                    None
                }
                None => {
                    fail(
                        header,
                        "invalid_time",
                        format!("`{text}` is not a time such as 2026-09-22 21:25:25"),
                    );
                    None
                }
            },
            None => {
                let header = self.header_of(Field::SoldAt);
                fail(
                    &header,
                    "required",
                    format!("`{header}` is empty: no paid time"),
                );
                None
            }
        };

        let host = match self.host {
            Some(id) => HostRef::Id(id),
            None => {
                let (user_id, handle) = self.account(cells);
                HostRef::Account { user_id, handle }
            }
        };
        let item_id = self.cell(cells, Field::ItemId).map(|(_, v)| v);
        let sku_code = self.cell(cells, Field::SkuCode).map(|(_, v)| v);
        if item_id.is_none() && sku_code.is_none() {
            let header = self.header_of(Field::ItemId);
            fail(&header, "required", "the row names no item".to_owned());
        }
        let product_name = self.cell(cells, Field::ProductName).map(|(_, v)| v);

        let quantity = match self.cell(cells, Field::Quantity) {
            Some((header, text)) => values::quantity(&text)
                .map_err(|message| fail(header, "invalid_quantity", message))
                .ok(),
            None => {
                let header = self.header_of(Field::Quantity);
                fail(&header, "required", format!("`{header}` is empty"));
                None
            }
        };
        let money = |field: Field, fail: &mut dyn FnMut(&str, &str, String)| {
            self.cell(cells, field).and_then(|(header, text)| {
                values::money(&text, self.spec.amount_unit, self.currency)
                    .map_err(|message| fail(header, "invalid_amount", message))
                    .ok()
            })
        };
        let amount = money(Field::Amount, &mut fail);
        let unit_price = money(Field::UnitPrice, &mut fail);
        let refunded = money(Field::RefundedAmount, &mut fail);
        let commission_percent =
            self.cell(cells, Field::CommissionRate)
                .and_then(|(header, text)| {
                    values::percent(&text)
                        .map_err(|message| fail(header, "invalid_rate", message))
                        .ok()
                });
        let gross = match (quantity, amount, unit_price) {
            (_, Some(amount), _) => Some(amount),
            (Some(q), None, Some(price)) => Some(Decimal::from(q) * price),
            (_, None, None)
                if self.cell(cells, Field::Amount).is_none()
                    && self.cell(cells, Field::UnitPrice).is_none() =>
            {
                let header = self.header_of(if self.index(Field::Amount).is_some() {
                    Field::Amount
                } else {
                    Field::UnitPrice
                });
                fail(&header, "required", format!("`{header}` is empty"));
                None
            }
            _ => None,
        };

        let (Some(external_order_id), Some(sold_at), Some(quantity), Some(gross), true) = (
            external_order_id,
            sold_at,
            quantity,
            gross,
            errors.is_empty(),
        ) else {
            return Err(errors);
        };
        let (status, refunded_amount) =
            settle(status, after_sale, refunded, gross).map_err(|message| {
                vec![FieldError::new(
                    self.header_of(Field::RefundedAmount),
                    "refund_exceeds_gross",
                    message,
                )]
            })?;
        Ok(Mapped::Line(
            Box::new(SaleInput {
                platform: self.spec.platform,
                external_order_id,
                sold_at,
                host,
                live_session_id: None,
                product: ProductRef::Item { item_id, sku_code },
                quantity,
                unit_price: unit_price_of(gross, quantity),
                gross,
                currency: self.currency,
                status,
                refunded_amount,
                commission_percent,
            }),
            product_name,
        ))
    }

    /// The header of `field`'s column in the file, else the spec's.
    fn header_of(&self, field: Field) -> String {
        match self.index(field) {
            Some(index) => self.headers[index].clone(),
            None => self
                .spec
                .headers_of(field)
                .next()
                .unwrap_or(field.as_str())
                .to_owned(),
        }
    }

    /// What the status column `field` says; a value the spec does not list is an error.
    fn meaning(
        &self,
        cells: &[String],
        field: Field,
        fail: &mut dyn FnMut(&str, &str, String),
    ) -> Option<StatusMeaning> {
        let (header, text) = self.cell(cells, field)?;
        match self.spec.status_values.get(&text) {
            Some(meaning) => Some(*meaning),
            None => {
                fail(
                    header,
                    "unknown_status",
                    format!(
                        "`{text}` is not a status value this format knows; save a mapping that says what it means"
                    ),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
