//! Contracts between a host and the agency: `/v1/influencers/{id}/contracts`. One host's
//! contracts never overlap (the database's exclusion constraint guarantees it). A contract's
//! income type never changes: a change of income type is a new contract from a date, which only
//! an owner may record. No contract is written over a day of a month whose statement is
//! approved (the database's `period_closed` guard).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::record::{self, HostRecord, Stamp, host_table};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Role;
use crate::domain::decimal::parse_decimal_string;
use crate::domain::enums::IncomeType;
use crate::domain::{Collect, double_option};
use crate::error::{AppError, FieldError, conflict_on, period_closed, refused_by};
use crate::etag::IfMatch;
use crate::json::Json;
use crate::pagination::{Page, PageQuery};
use crate::schema::{contracts, influencers};

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
    /// How the host's pay under this contract is taxed; fixed for the contract's life.
    pub income_type: IncomeType,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractRequest {
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// 0 to 100 with at most two decimals, as a string: `"30.00"`.
    #[schema(value_type = String, example = "30.00", pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    pub agency_share_percent: serde_json::Value,
    /// `labour` when left out. One that differs from the income type of the host's contract
    /// before or after this one is a change of income type: only an owner records it.
    pub income_type: Option<IncomeType>,
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
    /// Never accepted, whatever its value: a change of income type is a new contract from a
    /// date (409 `income_type_fixed`). Read only to answer that rather than `unknown_field`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(ignore)]
    pub income_type: Option<Option<serde_json::Value>>,
}

/// The columns a patch may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = contracts)]
pub struct ContractChanges {
    valid_from: Option<NaiveDate>,
    valid_until: Option<Option<NaiveDate>>,
    agency_share_percent: Option<Decimal>,
}

// Pages run earliest first (one host's contracts never share a start).
host_table!(Contract in contracts, changed by ContractChanges;
    cursor (NaiveDate, Uuid) = |row| (row.valid_from, row.id);
    order (contracts::valid_from.asc(), contracts::id.asc()),
    after |(from, id)| contracts::valid_from
        .gt(from)
        .or(contracts::valid_from.eq(from).and(contracts::id.gt(id)));
    export order contracts::valid_from.asc();
);

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

fn income_type_fixed() -> AppError {
    AppError::Conflict {
        code: "income_type_fixed",
        detail: "The income type of a contract never changes: a change of income type is a new \
                 contract from a date."
            .to_owned(),
    }
}

fn owner_required() -> AppError {
    AppError::Forbidden {
        code: "owner_required",
        detail: "Only an owner may change a host's income type.".to_owned(),
    }
}

/// The income types of the host's contracts just before and just after `row` (by start). The
/// host's row is locked first (`FOR NO KEY UPDATE`, which leaves the ledger's foreign-key
/// checks alone), so two contracts recorded at once see each other rather than both passing.
async fn neighbour_income_types(
    conn: &mut AsyncPgConnection,
    row: &Contract,
) -> QueryResult<(Option<IncomeType>, Option<IncomeType>)> {
    influencers::table
        .find((row.agency_id, row.influencer_id))
        .select(influencers::id)
        .for_no_key_update()
        .first::<Uuid>(conn)
        .await?;
    let hosts = contracts::table
        .filter(contracts::agency_id.eq(row.agency_id))
        .filter(contracts::influencer_id.eq(row.influencer_id));
    let before = hosts
        .filter(contracts::valid_from.lt(row.valid_from))
        .order(contracts::valid_from.desc())
        .select(contracts::income_type)
        .first::<IncomeType>(conn)
        .await
        .optional()?;
    let after = hosts
        .filter(contracts::valid_from.gt(row.valid_from))
        .order(contracts::valid_from.asc())
        .select(contracts::income_type)
        .first::<IncomeType>(conn)
        .await
        .optional()?;
    Ok((before, after))
}

impl HostRecord for Contract {
    type Create = ContractRequest;
    type Patch = ContractPatch;
    type Checked = ContractChanges;

    const AUDIT_ENTITY: &'static str = "contract";
    const AUDIT_CREATE: &'static str = "contract.create";
    const AUDIT_UPDATE: &'static str = "contract.update";
    const PATH_SEGMENT: &'static str = "contracts";

    fn new_row(body: ContractRequest, stamp: Stamp) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let share = errors.check(share(&body.agency_share_percent));
        if body
            .valid_until
            .is_some_and(|until| until < body.valid_from)
        {
            errors.push(invalid_range());
        }
        let (Some(share), true) = (share, errors.is_empty()) else {
            return Err(AppError::validation(errors));
        };
        Ok(Self {
            agency_id: stamp.agency_id,
            id: stamp.id,
            influencer_id: stamp.influencer_id,
            valid_from: body.valid_from,
            valid_until: body.valid_until,
            agency_share_percent: share,
            version: 1,
            created_at: stamp.now,
            updated_at: stamp.now,
            income_type: body.income_type.unwrap_or(IncomeType::Labour),
        })
    }

    fn check_patch(body: ContractPatch) -> Result<ContractChanges, AppError> {
        if body.income_type.is_some() {
            return Err(income_type_fixed());
        }
        let agency_share_percent = body
            .agency_share_percent
            .as_ref()
            .map(share)
            .transpose()
            .map_err(|e| AppError::validation(vec![e]))?;
        Ok(ContractChanges {
            valid_from: body.valid_from,
            valid_until: body.valid_until,
            agency_share_percent,
        })
    }

    /// A contract never comes to end before it starts.
    fn changes(current: &Self, patch: ContractChanges) -> Result<ContractChanges, AppError> {
        let valid_from = patch.valid_from.unwrap_or(current.valid_from);
        let valid_until = patch.valid_until.unwrap_or(current.valid_until);
        if valid_until.is_some_and(|until| until < valid_from) {
            return Err(AppError::validation(vec![invalid_range()]));
        }
        Ok(patch)
    }

    fn created(&self) -> Changes {
        Changes::new()
            .value("valid_from", self.valid_from)
            .value("valid_until", self.valid_until)
            .value(
                "agency_share_percent",
                self.agency_share_percent.to_string(),
            )
            .value("income_type", self.income_type)
    }

    /// A contract whose income type differs from that of the host's contract just before it
    /// (or just after it, when recorded in between) changes the host's income type: an owner's
    /// decision, recorded with the type it replaces.
    async fn check_insert(
        conn: &mut AsyncPgConnection,
        caller: &Caller,
        row: &Self,
    ) -> Result<Changes, AppError> {
        let (before, after) = neighbour_income_types(conn, row).await?;
        let mut changes = Changes::new();
        if let Some(before) = before.filter(|before| *before != row.income_type) {
            changes = changes.change("income_type", before, row.income_type);
        }
        if let Some(after) = after.filter(|after| *after != row.income_type) {
            changes = changes.value("next_income_type", after);
        }
        if !changes.is_empty() && caller.role != Role::Owner {
            return Err(owner_required());
        }
        Ok(changes)
    }

    fn updated(current: &Self, updated: &Self) -> Changes {
        Changes::new()
            .change("valid_from", current.valid_from, updated.valid_from)
            .change("valid_until", current.valid_until, updated.valid_until)
            .change(
                "agency_share_percent",
                current.agency_share_percent.to_string(),
                updated.agency_share_percent.to_string(),
            )
    }

    fn insert_error(error: DieselError) -> AppError {
        if refused_by(&error, "period_closed") {
            return period_closed();
        }
        // The income type is never patched; should a change reach the database, its guard
        // answers as the patch would have.
        if refused_by(&error, "contracts_income_type_fixed") {
            return income_type_fixed();
        }
        conflict_on(
            error,
            DatabaseErrorKind::ExclusionViolation,
            "contract_overlap",
            "The host already has a contract for part of this period.",
        )
    }

    fn update_error(error: DieselError) -> AppError {
        Self::insert_error(error)
    }
}

/// The host's contracts, earliest first.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/contracts", tag = "contracts", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of the host's contracts", body = Page<Contract>))
)]
pub async fn list_contracts(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    record::handlers::list::<Contract>(caller, id, query).await
}

/// One contract of the host.
#[utoipa::path(
    get, path = "/v1/influencers/{id}/contracts/{cid}", tag = "contracts", security(("bearer" = [])),
    responses(
        (status = 200, description = "The contract", body = Contract),
        (status = 404, description = "No such contract of this host"),
    )
)]
pub async fn get_contract(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    record::handlers::get::<Contract>(caller, path).await
}

/// Records a contract; it may not overlap another of the host's contracts nor touch a month
/// whose statement is approved. A contract of another income type than the host's contract
/// before (or after) it changes the host's income type: only an owner may record it, and the
/// audit event names the type it replaces.
#[utoipa::path(
    post, path = "/v1/influencers/{id}/contracts", tag = "contracts", security(("bearer" = [])),
    request_body = ContractRequest,
    responses(
        (status = 201, description = "The contract", body = Contract),
        (status = 403, description = "Role not allowed (`forbidden`), or a change of income type by another role than owner (`owner_required`)"),
        (status = 409, description = "Overlaps another contract (`contract_overlap`), or a day of a month whose statement is approved (`period_closed`)"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn create_contract(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ContractRequest>,
) -> Result<HttpResponse, AppError> {
    record::handlers::create::<Contract>(caller, id, body).await
}

/// Ends a contract early or corrects it (dates, the agency's share). The income type never
/// changes; a contract may not come to overlap another of the host's.
#[utoipa::path(
    patch, path = "/v1/influencers/{id}/contracts/{cid}", tag = "contracts", security(("bearer" = [])),
    request_body = ContractPatch,
    responses(
        (status = 200, description = "The updated contract", body = Contract),
        (status = 404, description = "No such contract of this host"),
        (status = 409, description = "The body carries `income_type`, which never changes: a change of income type is a new contract from a date (`income_type_fixed`); overlaps another contract (`contract_overlap`); or changes a day of a month whose statement is approved (`period_closed`)"),
        (status = 422, description = "Invalid fields (`valid_until` before `valid_from`)"),
    )
)]
pub async fn update_contract(
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<ContractPatch>,
) -> Result<HttpResponse, AppError> {
    record::handlers::update::<Contract>(caller, if_match, path, body).await
}
