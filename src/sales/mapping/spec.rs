//! How the columns of an export file map onto an order line: the built-in platform formats
//! (see [`super::builtin`]) and the agency's saved mappings (`/v1/import-mappings`) are both a
//! [`Spec`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::enums::Platform;
use crate::error::FieldError;
use crate::text_enum;

text_enum! {
    /// What a source column becomes on the order line.
    pub enum Field {
        /// The line key. Several columns may carry it: their values are joined with `|` in the
        /// order the columns are listed (e.g. WeChat's `订单号|商品编码(平台)|商品属性`).
        ExternalOrderId => "external_order_id",
        /// When the buyer paid (times without an offset are read in the spec's `time_zone`).
        SoldAt => "sold_at",
        /// When the order was placed: the time of a closed order that was never paid (it is
        /// recorded as cancelled).
        OrderedAt => "ordered_at",
        /// The host's account id on the platform.
        PlatformUserId => "platform_user_id",
        /// The host's handle or nickname on the platform, where the file has no account id.
        HostHandle => "host_handle",
        /// The platform's item (product) id: matched through the product's platform items.
        ItemId => "item_id",
        /// The SKU code of the item: matched through the product's platform items, or the
        /// product's own `sku`.
        SkuCode => "sku_code",
        /// The product's name: only shown in the `needs_mapping` summary.
        ProductName => "product_name",
        Quantity => "quantity",
        /// What the buyer paid for the line: stored exactly as its `gross`.
        Amount => "amount",
        /// The price of one unit, for files without a paid amount: gross = quantity × price.
        UnitPrice => "unit_price",
        /// The order status (values through `status_values`).
        Status => "status",
        /// The after-sale (refund) status (values through `status_values`).
        AfterSaleStatus => "after_sale_status",
        /// The amount refunded on the line.
        RefundedAmount => "refunded_amount",
        /// The commission rate in percent (`32.00%` or `32`).
        CommissionRate => "commission_rate",
    }
}

text_enum! {
    /// What a status value (of the `status` or the `after_sale_status` column) means.
    pub enum StatusMeaning {
        /// Paid and standing.
        Paid => "paid",
        /// Refunded in full (or by the file's refunded amount, when it is less).
        Refunded => "refunded",
        /// Cancelled: no sale.
        Cancelled => "cancelled",
        /// Closed: refunded when a refund is recorded on the row, cancelled otherwise.
        Closed => "closed",
        /// Not paid yet: no sale yet; the row is counted in `not_paid`.
        NotPaid => "not_paid",
        /// Says nothing about the line's money (e.g. an after-sale request in progress).
        NoChange => "no_change",
    }
}

text_enum! {
    /// The unit the file's money columns are in.
    pub enum AmountUnit {
        Yuan => "yuan",
        /// Hundredths of a yuan, as whole numbers.
        Fen => "fen",
    }
}

/// One source column and the field it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnMap {
    /// The column's header as in the file (full-width and half-width brackets are equal).
    #[schema(min_length = 1, max_length = 100)]
    pub header: String,
    pub field: Field,
}

/// How one export's columns map onto order lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The platform the lines are sold on.
    pub platform: Platform,
    pub columns: Vec<ColumnMap>,
    /// Status values (exact text after normalisation) and what they mean. A value of the
    /// status columns not listed here is a row error (`unknown_status`), never a guess.
    pub status_values: BTreeMap<String, StatusMeaning>,
    pub amount_unit: AmountUnit,
    pub time_zone: chrono_tz::Tz,
}

/// A header as compared with a spec's: trimmed, BOM and inner whitespace removed, full-width
/// brackets and colon as half-width, `帐` as `账`.
pub fn header_key(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            '帐' => '账',
            other => other,
        })
        .collect()
}

impl Spec {
    /// The headers mapped to `field`, in order.
    pub fn headers_of(&self, field: Field) -> impl Iterator<Item = &str> {
        self.columns
            .iter()
            .filter(move |c| c.field == field)
            .map(|c| c.header.as_str())
    }

    /// Whether some column maps to `field`.
    pub fn has(&self, field: Field) -> bool {
        self.headers_of(field).next().is_some()
    }

    /// Whether the file names the host on each row (else `?influencer_id=` names it).
    pub fn has_host(&self) -> bool {
        self.has(Field::PlatformUserId) || self.has(Field::HostHandle)
    }

    /// The problems of a spec as a client sent it (a saved mapping), named by the request's
    /// fields (`columns`, `status_values`).
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.columns.is_empty() || self.columns.len() > 100 {
            errors.push(FieldError::new(
                "columns",
                "invalid_length",
                "1 to 100 columns",
            ));
        }
        // One column may carry two fields (WeChat's item code is part of the key too), but
        // not the same field twice.
        let mut seen: Vec<(String, Field)> = Vec::new();
        for (index, column) in self.columns.iter().enumerate() {
            let key = header_key(&column.header);
            let path = format!("columns[{index}].header");
            if key.is_empty() || column.header.chars().count() > 100 {
                errors.push(FieldError::new(
                    path,
                    "invalid_length",
                    "a header is 1 to 100 characters",
                ));
            } else if column.header.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    path,
                    "invalid_format",
                    "no control characters",
                ));
            } else if seen.contains(&(key.clone(), column.field)) {
                errors.push(FieldError::new(
                    path,
                    "duplicate_column",
                    format!(
                        "the column `{}` is mapped to `{}` twice",
                        column.header, column.field
                    ),
                ));
            }
            seen.push((key, column.field));
        }
        for field in Field::ALL {
            let count = self.headers_of(*field).count();
            let most = if *field == Field::ExternalOrderId {
                4
            } else {
                1
            };
            if count > most {
                errors.push(FieldError::new(
                    "columns",
                    "duplicate_field",
                    format!("at most {most} column(s) map to `{field}`"),
                ));
            }
        }
        for (field, message) in [
            (
                Field::ExternalOrderId,
                "a column must map to external_order_id",
            ),
            (Field::SoldAt, "a column must map to sold_at"),
            (Field::Quantity, "a column must map to quantity"),
        ] {
            if !self.has(field) {
                errors.push(FieldError::new("columns", "missing_field", message));
            }
        }
        if !self.has(Field::Amount) && !self.has(Field::UnitPrice) {
            errors.push(FieldError::new(
                "columns",
                "missing_field",
                "a column must map to amount or unit_price",
            ));
        }
        if !self.has(Field::ItemId) && !self.has(Field::SkuCode) {
            errors.push(FieldError::new(
                "columns",
                "missing_field",
                "a column must map to item_id or sku_code",
            ));
        }
        // A status column whose values mean nothing would refuse every row that has one.
        if (self.has(Field::Status) || self.has(Field::AfterSaleStatus))
            && self.status_values.is_empty()
        {
            errors.push(FieldError::new(
                "status_values",
                "required",
                "a status or after_sale_status column needs status_values saying what each value means",
            ));
        }
        if self.status_values.len() > 500 {
            errors.push(FieldError::new(
                "status_values",
                "invalid_length",
                "at most 500 status values",
            ));
        }
        for value in self.status_values.keys() {
            if value.trim().is_empty()
                || value.chars().count() > 100
                || value.chars().any(char::is_control)
            {
                errors.push(FieldError::new(
                    "status_values",
                    "invalid_length",
                    "a status value is 1 to 100 characters, no control characters",
                ));
                break;
            }
        }
        errors
    }
}
