//! Contracts between a host and the agency: `/v1/influencers/{id}/contracts`. One host's
//! contracts never overlap (the database's exclusion constraint guarantees it).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::handlers::load;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::decimal::parse_decimal_string;
use crate::domain::double_option;
use crate::error::{AppError, FieldError, conflict_on};
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::schema::contracts;
use crate::state::AppState;

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
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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

/// Corrections of a contract, or its early end. It may not come to overlap another contract.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    pub valid_from: Option<NaiveDate>,
    /// A date ends the contract (inclusive; never before `valid_from`); `null` makes it
    /// open-ended.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_until: Option<Option<NaiveDate>>,
    /// 0 to 100 with at most two decimals, as a string: `"30.00"`.
    #[schema(value_type = Option<String>, example = "30.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub agency_share_percent: Option<serde_json::Value>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = contracts)]
struct ContractChanges {
    valid_from: Option<NaiveDate>,
    valid_until: Option<Option<NaiveDate>>,
    agency_share_percent: Option<Decimal>,
}

/// A page of the host's contracts, earliest first (one host's contracts never share a start).
async fn page_of(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
    page: &PageRequest<(NaiveDate, Uuid)>,
) -> QueryResult<Vec<Contract>> {
    let mut query = contracts::table
        .filter(contracts::agency_id.eq(agency_id))
        .filter(contracts::influencer_id.eq(influencer_id))
        .order((contracts::valid_from.asc(), contracts::id.asc()))
        .limit(page.fetch_limit())
        .select(Contract::as_select())
        .into_boxed();
    if let Some((from, id)) = page.after {
        query = query.filter(
            contracts::valid_from
                .gt(from)
                .or(contracts::valid_from.eq(from).and(contracts::id.gt(id))),
        );
    }
    query.load(conn).await
}

async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
    contract_id: Uuid,
    for_update: bool,
) -> QueryResult<Contract> {
    let query = contracts::table
        .filter(contracts::agency_id.eq(agency_id))
        .filter(contracts::influencer_id.eq(influencer_id))
        .filter(contracts::id.eq(contract_id))
        .select(Contract::as_select());
    if for_update {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

fn overlap(error: DieselError) -> AppError {
    conflict_on(
        error,
        DatabaseErrorKind::ExclusionViolation,
        "contract_overlap",
        "The host already has a contract for part of this period.",
    )
}

fn share(value: &serde_json::Value) -> Result<Decimal, FieldError> {
    parse_decimal_string(
        "agency_share_percent",
        value,
        2,
        Decimal::ZERO,
        Decimal::ONE_HUNDRED,
    )
}

fn invalid_range() -> FieldError {
    FieldError::new(
        "valid_until",
        "invalid_range",
        "valid_until is before valid_from",
    )
}

/// The host's contracts, earliest first.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/contracts", tag = "contracts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id"), PageQuery),
    responses((status = 200, description = "A page of the host's contracts", body = Page<Contract>))
)]
pub async fn list_contracts(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let page = PageRequest::<(NaiveDate, Uuid)>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn(&state).await?;
    load(&mut conn, &caller, id).await?;
    let rows = page_of(&mut conn, caller.agency_id, id, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        &page,
        |c| (c.valid_from, c.id),
        |c| c,
    )))
}

/// One contract of the host.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/contracts/{cid}", tag = "contracts", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Influencer id"),
        ("cid" = Uuid, Path, description = "Contract id"),
    ),
    responses(
        (status = 200, description = "The contract", body = Contract),
        (status = 404, description = "No such contract of this host"),
    )
)]
pub async fn get_contract(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, contract_id) = path.into_inner();
    let mut conn = caller.conn(&state).await?;
    let row = find(&mut conn, caller.agency_id, id, contract_id, false).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(row))
}

/// Records a contract; it may not overlap another of the host's contracts.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/contracts", tag = "contracts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Influencer id")),
    request_body = ContractRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The contract", body = Contract),
        (status = 409, description = "Overlaps another contract (`contract_overlap`)"),
        (status = 422, description = "Invalid fields"),
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
    let share = share(&body.agency_share_percent)
        .map_err(|e| errors.push(e))
        .ok();
    if body
        .valid_until
        .is_some_and(|until| until < body.valid_from)
    {
        errors.push(invalid_range());
    }
    let (Some(share), true) = (share, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let mut conn = caller.conn(&state).await?;
    load(&mut conn, &caller, id).await?;
    let now = Utc::now();
    let row = Contract {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        influencer_id: id,
        valid_from: body.valid_from,
        valid_until: body.valid_until,
        agency_share_percent: share,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    // Answer what was stored (the database keeps microseconds and the column's scale).
    let row: Contract = conn
        .transaction(async |conn| {
            let row: Contract = diesel::insert_into(contracts::table)
                .values(&row)
                .returning(Contract::as_returning())
                .get_result(conn)
                .await
                .map_err(overlap)?;
            let changes = Changes::new()
                .value("valid_from", row.valid_from)
                .value("valid_until", row.valid_until)
                .value("agency_share_percent", row.agency_share_percent.to_string());
            caller
                .record(conn, "contract.create", "contract", row.id, changes)
                .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(row.version))
        .insert_header((
            "Location",
            format!("/v1/influencers/{id}/contracts/{}", row.id),
        ))
        .json(row))
}

/// Ends a contract early or corrects it (dates, the agency's share). The income type never
/// changes; a contract may not come to overlap another of the host's.
#[utoipa::path(
    patch, path = "/v1/influencers/{id}/contracts/{cid}", tag = "contracts", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Influencer id"),
        ("cid" = Uuid, Path, description = "Contract id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read before"),
    ),
    request_body = ContractPatch,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 200, description = "The updated contract", body = Contract),
        (status = 404, description = "No such contract of this host"),
        (status = 409, description = "Overlaps another contract (`contract_overlap`)"),
        (status = 412, description = "Stale `If-Match`"),
        (status = 422, description = "Invalid fields (`valid_until` before `valid_from`)"),
    )
)]
pub async fn update_contract(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<ContractPatch>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let (id, contract_id) = path.into_inner();
    let body = body.into_inner();
    let agency_share_percent = body
        .agency_share_percent
        .as_ref()
        .map(share)
        .transpose()
        .map_err(|e| AppError::validation(vec![e]))?;
    let mut conn = caller.conn(&state).await?;
    let updated = conn
        .transaction(async |conn| {
            let current = find(conn, caller.agency_id, id, contract_id, true).await?;
            if_match.check(current.version)?;
            let valid_from = body.valid_from.unwrap_or(current.valid_from);
            let valid_until = body.valid_until.unwrap_or(current.valid_until);
            if valid_until.is_some_and(|until| until < valid_from) {
                return Err(AppError::validation(vec![invalid_range()]));
            }
            let changes = ContractChanges {
                valid_from: body.valid_from,
                valid_until: body.valid_until,
                agency_share_percent,
            };
            let updated: Contract =
                diesel::update(contracts::table.find((caller.agency_id, contract_id)))
                    .set((&changes, contracts::version.eq(contracts::version + 1)))
                    .returning(Contract::as_returning())
                    .get_result(conn)
                    .await
                    .map_err(overlap)?;
            let audit = Changes::new()
                .change("valid_from", current.valid_from, updated.valid_from)
                .change("valid_until", current.valid_until, updated.valid_until)
                .change(
                    "agency_share_percent",
                    current.agency_share_percent.to_string(),
                    updated.agency_share_percent.to_string(),
                );
            caller
                .record(conn, "contract.update", "contract", contract_id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(updated.version))
        .json(updated))
}

/// Every record of the host, unpaged (the personal-data export reads them all).
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
