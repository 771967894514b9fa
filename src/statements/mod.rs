//! Settlement statements, payouts and income-tax withholding (DESIGN.md, "Money"): a statement
//! per host and month of the agency's calendar, draft → approved (four eyes) → paid; approved
//! statements never change (the database refuses it), later changes to their months wait as
//! adjustments for the host's next open statement; a payout records the tax withheld.

pub mod dto;
pub mod generate;
pub mod handlers;
pub mod invoice;
pub mod model;
pub mod pay;
pub mod rates;
pub mod read;
pub mod tax;

use crate::routing::Routes;

/// Mounts the statement routes.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::generate_statements,
        handlers::list_statements,
        handlers::get_statement,
        handlers::approve_statement,
        pay::pay_statement,
        invoice::put_invoice,
    );
}
