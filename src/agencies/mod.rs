//! The tenant: agencies, created with their first owner by sign-up or `mcn create-agency`.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod settings;
pub mod signup;

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::error::AppError;
use crate::routing::Routes;

/// Today's date in the agency's time zone: the day the rules are evaluated on.
pub async fn today_for(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
) -> Result<NaiveDate, AppError> {
    let defaults = model::defaults(conn, agency_id).await?;
    Ok(today_in(defaults.time_zone))
}

/// Today's date in `time_zone`.
pub fn today_in(time_zone: Tz) -> NaiveDate {
    chrono::Utc::now().with_timezone(&time_zone).date_naive()
}

/// Mounts sign-up (documented with the auth routes) and the agency's settings.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes; handlers::signup, settings::get_agency, settings::update_agency);
}
