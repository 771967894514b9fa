//! The reports' query parameters and their checks: every problem is reported at once, as 422.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::gmv::{self, GmvQuery};
use super::period;
use crate::agencies::model as agencies;
use crate::auth::caller::Caller;
use crate::db::DbConn;
use crate::domain::Collect;
use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GmvParams {
    /// First local day (YYYY-MM-DD).
    #[param(required = true, value_type = String, format = Date)]
    pub from: Option<String>,
    /// Day after the last (exclusive).
    #[param(required = true, value_type = String, format = Date)]
    pub to: Option<String>,
    /// Comma list of platform, influencer, product, session, day, week, month, city_tier.
    pub group_by: Option<String>,
    /// IANA time zone of the days, weeks and months (default: the agency's).
    pub tz: Option<String>,
    pub influencer_id: Option<Uuid>,
    pub platform: Option<Platform>,
    /// Only lines in this currency (ISO 4217). For the chart: the currency to draw (default:
    /// the one with the most gross).
    #[param(pattern = r"^[A-Z]{3}$")]
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SettlementParams {
    /// YYYY-MM, in the agency's time zone.
    #[param(required = true, value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}$")]
    pub month: Option<String>,
    /// IANA time zone of the month (default: the agency's).
    pub tz: Option<String>,
}

/// A checked settlement request.
pub struct SettlementQuery {
    /// The first day of the month.
    pub first: NaiveDate,
    pub tz: Tz,
    /// `tz` is the agency's own time zone.
    pub agency_zone: bool,
}

fn parse_date(field: &str, value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match value.map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new(
                field,
                "required",
                format!("{field} is required (YYYY-MM-DD)"),
            ));
            None
        }
        Some(text) => errors.check(
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| FieldError::new(field, "invalid_date", "a date as YYYY-MM-DD")),
        ),
    }
}

/// A connection for the report, the report's time zone (`tz`, or the agency's) and whether it
/// is the agency's own.
async fn time_zone(
    caller: &Caller,
    raw: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<(DbConn, Tz, bool), AppError> {
    let mut conn = caller.conn().await?;
    let agency_zone = agencies::defaults(&mut conn, caller.agency_id)
        .await?
        .time_zone;
    // An unparseable `tz` is a field error; the zone it stands in for is never used.
    let tz = match raw.map(str::trim).filter(|t| !t.is_empty()) {
        None => agency_zone,
        Some(name) => name.parse::<Tz>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "tz",
                "invalid_time_zone",
                "not an IANA time zone name",
            ));
            agency_zone
        }),
    };
    let own = tz == agency_zone;
    Ok((conn, tz, own))
}

/// Checks the GMV parameters; answers the query and the connection that read the agency.
pub async fn gmv_query(
    caller: &Caller,
    params: &GmvParams,
) -> Result<(GmvQuery, DbConn), AppError> {
    let mut errors = Vec::new();
    let from = parse_date("from", params.from.as_deref(), &mut errors);
    let to = parse_date("to", params.to.as_deref(), &mut errors);
    if let (Some(from), Some(to)) = (from, to) {
        errors.check(period::check_range(from, to));
    }
    let group_by = errors
        .check(gmv::parse_group_by(params.group_by.as_deref()))
        .unwrap_or_default();
    let (conn, tz, agency_zone) = time_zone(caller, params.tz.as_deref(), &mut errors).await?;
    let currency = params
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .and_then(|code| errors.check(crate::domain::money::parse_currency("currency", code)))
        .map(|currency| currency.code().to_owned());
    match (from, to, errors.is_empty()) {
        (Some(from), Some(to), true) => Ok((
            GmvQuery {
                from,
                to,
                group_by,
                tz,
                influencer_id: params.influencer_id,
                platform: params.platform,
                currency,
                agency_zone,
            },
            conn,
        )),
        _ => Err(AppError::validation(errors)),
    }
}

/// Checks the settlement parameters; answers the query and the connection that read the agency.
pub async fn settlement_query(
    caller: &Caller,
    params: &SettlementParams,
) -> Result<(SettlementQuery, DbConn), AppError> {
    let mut errors = Vec::new();
    let first = match params.month.as_deref() {
        Some(month) => errors.check(period::parse_month(month)),
        None => {
            errors.push(FieldError::new(
                "month",
                "required",
                "month is required (YYYY-MM)",
            ));
            None
        }
    };
    let (conn, tz, agency_zone) = time_zone(caller, params.tz.as_deref(), &mut errors).await?;
    match (first, errors.is_empty()) {
        (Some(first), true) => Ok((
            SettlementQuery {
                first,
                tz,
                agency_zone,
            },
            conn,
        )),
        _ => Err(AppError::validation(errors)),
    }
}
