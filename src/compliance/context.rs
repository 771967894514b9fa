//! What judging reads besides the facts of a session: the agency's time zone and how long a
//! product test stays valid.

use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::agencies::model as agencies;
use crate::error::AppError;
use crate::state::AppState;

/// The agency's time zone and the days a product test stays valid: what judging reads besides
/// the facts.
pub type RuleContext = (Tz, u32);

/// The agency's time zone and the product-test validity the rules use.
pub async fn rule_context(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    agency_id: Uuid,
) -> Result<RuleContext, AppError> {
    let agency = agencies::find(conn, agency_id).await?;
    Ok((
        agency.time_zone,
        state.settings.compliance.product_test_valid_days,
    ))
}
