//! Request and answer bodies of `/v1/users`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::User;
use crate::auth::roles::Role;

/// A staff account as answered: never the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            agency_id: user.agency_id,
            email: user.email,
            display_name: user.display_name,
            role: user.role,
            active: user.active,
            version: user.version,
            created_at: user.created_at,
            updated_at: user.updated_at,
            deactivated_at: user.deactivated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(max_length = 254)]
    pub email: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    pub role: Role,
}

/// Only the fields to change. `password` and `email` need `current_password` when users change
/// their own; owners and admins may set another user's without it. `active: false` deactivates
/// the user as `DELETE` does (their sessions end at once); `active: true` reactivates them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// The login, unique across the service (case-insensitive).
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// `false` deactivates (owners and admins; the last active owner stays), `true` reactivates.
    pub active: Option<bool>,
    #[schema(min_length = 10, max_length = 128)]
    pub password: Option<String>,
    #[schema(max_length = 128)]
    pub current_password: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
