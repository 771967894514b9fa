//! The tenant: agencies, created with their first owner by sign-up or `mcn create-agency`.

pub mod model;
pub mod signup;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Today's date in the agency's time zone: the day the rules are evaluated on.
pub async fn today_for(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
) -> Result<NaiveDate, crate::error::AppError> {
    let agency = model::find(conn, agency_id).await?;
    Ok(local_today(&agency.time_zone))
}

/// Today's date in `time_zone` (UTC when the name is unknown).
pub fn local_today(time_zone: &str) -> NaiveDate {
    let now = chrono::Utc::now();
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => now.with_timezone(&tz).date_naive(),
        Err(_) => now.date_naive(),
    }
}
