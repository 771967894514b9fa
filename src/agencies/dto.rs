//! Request and answer bodies of sign-up.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Agency;
use crate::staff::dto::UserView;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub agency_name: String,
    #[schema(max_length = 254)]
    pub email: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// IANA time zone of the agency (default `Asia/Shanghai`).
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignupResponse {
    pub agency: Agency,
    pub user: UserView,
}

/// The body of `PATCH /v1/agency`: only the settings to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgencyRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// ISO 4217: the currency of sales and products that name none. Recorded amounts keep
    /// their own currency.
    #[schema(pattern = r"^[A-Z]{3}$")]
    pub default_currency: Option<String>,
    /// IANA time zone (e.g. `Europe/Berlin`). A change rebuilds the rollups of local days and
    /// months in the new zone in the same transaction; statements keep the zone they were
    /// generated in.
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
}
