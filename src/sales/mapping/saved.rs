//! PLACEHOLDER until saved mappings land.
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::spec::Spec;
use crate::error::AppError;

pub async fn load_spec(
    _conn: &mut AsyncPgConnection,
    _agency_id: Uuid,
    _id: Uuid,
) -> Result<((), Spec), AppError> {
    Err(AppError::NotFound)
}
