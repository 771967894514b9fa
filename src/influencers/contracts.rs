//! Contracts between a host and the agency: `/v1/influencers/{id}/contracts`. One host's
//! contracts never overlap (the database's exclusion constraint guarantees it).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::handlers::load;
use crate::audit::model::Changes;
use crate::auth::{Caller, Capability};
use crate::domain::decimal::parse_decimal_string;
use crate::error::{AppError, FieldError, Problem, conflict_on};
use crate::json::Json;
use crate::schema::contracts;
use crate::startup::AppState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = contracts)]
pub struct Contract {
    #[serde(skip)]
    pub agency_id: Uuid,
    pub id: Uuid,
    pub influencer_id: Uuid,
    pub valid_from: NaiveDate,
    /// Inclusive; `null` for open-ended.
    pub valid_until: Option<NaiveDate>,
    /// The agency's share of the host's commission, in percent (decimal string).
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "30.00")]
    pub agency_share_percent: Decimal,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractRequest {
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// 0 to 100 with at most two decimals, as a string: `"30.00"`.
    #[schema(value_type = String, example = "30.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub agency_share_percent: serde_json::Value,
}

pub async fn list_for(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
) -> QueryResult<Vec<Contract>> {
    contracts::table
        .filter(contracts::agency_id.eq(agency_id))
        .filter(contracts::influencer_id.eq(influencer_id))
        .order(contracts::valid_from.asc())
        .select(Contract::as_select())
        .load(conn)
        .await
}

/// The host's contracts, earliest first.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/contracts", tag = "contracts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    responses((status = 200, description = "Every contract of the host", body = Vec<Contract>))
)]
pub async fn list_contracts(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    load(&mut conn, &caller, id).await?;
    Ok(HttpResponse::Ok().json(list_for(&mut conn, caller.agency_id, id).await?))
}

/// Records a contract; it may not overlap another of the host's contracts.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/contracts", tag = "contracts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = ContractRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The contract", body = Contract),
        (status = 409, description = "Overlaps another contract (`contract_overlap`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_contract(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ContractRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut errors = Vec::new();
    let share = parse_decimal_string(
        "agency_share_percent",
        &body.agency_share_percent,
        2,
        Decimal::ZERO,
        Decimal::ONE_HUNDRED,
    )
    .map_err(|e| errors.push(e))
    .ok();
    if body
        .valid_until
        .is_some_and(|until| until < body.valid_from)
    {
        errors.push(FieldError::new(
            "valid_until",
            "invalid_range",
            "valid_until is before valid_from",
        ));
    }
    let (Some(share), true) = (share, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let mut conn = state.conn().await?;
    load(&mut conn, &caller, id).await?;
    let row = Contract {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        influencer_id: id,
        valid_from: body.valid_from,
        valid_until: body.valid_until,
        agency_share_percent: share,
        created_at: Utc::now(),
    };
    conn.transaction(async |conn| {
        diesel::insert_into(contracts::table)
            .values(&row)
            .execute(conn)
            .await
            .map_err(|err| {
                conflict_on(
                    err,
                    DatabaseErrorKind::ExclusionViolation,
                    "contract_overlap",
                    "The host already has a contract for part of this period.",
                )
            })?;
        let changes = Changes::new()
            .value("valid_from", row.valid_from)
            .value("valid_until", row.valid_until)
            .value("agency_share_percent", row.agency_share_percent.to_string());
        caller
            .record(conn, "contract.create", "contract", row.id, changes)
            .await
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/v1/influencers/{id}/contracts/{}", row.id),
        ))
        .json(row))
}
