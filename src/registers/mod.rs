//! Registers for filing (issue 14, point 7): the monthly withholding register
//! (`GET /v1/reports/withholding`) and the quarterly and half-yearly income export per host,
//! platform account and income type (`GET /v1/reports/income`), both read from the payouts, as
//! JSON or CSV. Real names and document numbers are in clear only for the roles that file them,
//! and that read is audited (see [`people`]).

pub mod income;
pub mod params;
pub mod people;
pub mod withholding;

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use rust_decimal::Decimal;

use crate::domain::currency::Currency;
use crate::routing::Routes;

/// Mounts the register routes.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        withholding::withholding_register,
        income::income_register,
    );
}

/// An amount as a decimal string with its currency's minor unit (payouts are exact to it).
fn money(amount: Decimal, currency: Currency) -> String {
    let mut amount = amount;
    amount.rescale(currency.minor_unit());
    amount.to_string()
}

/// A register names people: no cache keeps it.
fn private(mut answer: HttpResponse) -> HttpResponse {
    answer
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    answer
}
