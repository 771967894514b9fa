//! `GET /v1/agency` and `PATCH /v1/agency`: the agency's own settings (name, default currency,
//! time zone).
//!
//! A change of time zone moves every local day and month: the rollups keyed by them
//! (`sales_daily_*`, `sales_monthly_host`) are rebuilt from the ledger in the new zone, in the
//! same transaction as the change, while the agency's statement lock is held exclusively (every
//! writer of `sales` takes it shared before computing its rollup delta) and its fold lock is
//! held (no fold of its deltas runs meanwhile). Reports are exact before and after, never in
//! between. Statements keep the zone they were generated in: nothing here touches them.

use actix_web::HttpResponse;
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::dto::UpdateAgencyRequest;
use super::model::Agency;
use super::signup::{check_time_zone, check_zone_known};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::currency::Currency;
use crate::domain::money::parse_currency;
use crate::domain::{Collect, check_text};
use crate::error::AppError;
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::schema::agencies;

/// The agency with its ETag.
fn respond(agency: Agency) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(etag(agency.version))
        .json(agency)
}

/// The caller's agency: its name, time zone and default currency.
#[utoipa::path(
    get, path = "/v1/agency", tag = "agency", security(("bearer" = [])),
    responses((status = 200, description = "The caller's agency; `ETag` carries its version", body = Agency))
)]
pub async fn get_agency(caller: Caller) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    Ok(respond(
        super::model::find(&mut conn, caller.agency_id).await?,
    ))
}

/// The checked settings of a `PATCH` (each `None` when not sent).
struct Checked {
    name: Option<String>,
    currency: Option<Currency>,
    time_zone: Option<Tz>,
}

fn check(body: &UpdateAgencyRequest) -> Result<Checked, AppError> {
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .and_then(|name| errors.check(check_text("name", name, 1, 200)));
    let currency = body
        .default_currency
        .as_deref()
        .and_then(|code| errors.check(parse_currency("default_currency", code.trim())));
    let time_zone = body
        .time_zone
        .as_deref()
        .and_then(|zone| errors.check(check_time_zone("time_zone", zone.trim())));
    if errors.is_empty() {
        Ok(Checked {
            name,
            currency,
            time_zone,
        })
    } else {
        Err(AppError::validation(errors))
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = agencies)]
struct AgencyChanges {
    name: Option<String>,
    default_currency: Option<Currency>,
    time_zone: Option<String>,
}

#[derive(QueryableByName)]
struct Rebuilt {
    #[diesel(sql_type = BigInt)]
    groups: i64,
}

/// Holds off every writer of the agency's sales (statement lock) and every fold of its deltas
/// (fold lock) until the transaction ends, waiting for those in flight.
async fn hold_rollups(conn: &mut AsyncPgConnection, agency_id: Uuid) -> Result<(), AppError> {
    // The statement lock on the node of the ledger's triggers (see `statements_lock`), then the
    // fold lock, which every fold takes on the coordinator.
    diesel::sql_query("SELECT statements_lock($1)")
        .bind::<SqlUuid, _>(agency_id)
        .execute(conn)
        .await?;
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(hashtextextended('sales_rollup_fold:' || $1::text, 0))",
    )
    .bind::<SqlUuid, _>(agency_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rebuilds the agency's rollups of local days and months in its (new) zone; answers how many
/// (day, host, platform, currency) groups the ledger holds. A large ledger takes longer than a
/// request's usual statement timeout, so this transaction gets its own.
async fn rebuild_local_rollups(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
) -> Result<i64, AppError> {
    diesel::sql_query("SET LOCAL statement_timeout = '15min'")
        .execute(conn)
        .await?;
    diesel::sql_query("SET LOCAL work_mem = '64MB'")
        .execute(conn)
        .await?;
    let rebuilt: Rebuilt = diesel::sql_query("SELECT sales_rollup_rebuild_local($1) AS groups")
        .bind::<SqlUuid, _>(agency_id)
        .get_result(conn)
        .await?;
    Ok(rebuilt.groups)
}

/// Changes the agency's name, default currency or time zone (owner, admin). A new time zone
/// rebuilds the rollups of local days and months in the same transaction (reports stay exact);
/// approved statements keep the zone they were generated in. `If-Match` with a stale version
/// is 412.
#[utoipa::path(
    patch, path = "/v1/agency", tag = "agency", security(("bearer" = [])),
    request_body = UpdateAgencyRequest,
    responses(
        (status = 200, description = "The updated agency; `ETag` carries its version", body = Agency),
        (status = 403, description = "Only owners and admins change the agency's settings (`forbidden`)"),
        (status = 422, description = "Invalid fields (`validation_failed`: `invalid_length`, `invalid_currency`, `invalid_time_zone`)"),
    )
)]
pub async fn update_agency(
    caller: Caller,
    if_match: IfMatch,
    body: Json<UpdateAgencyRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ManageAgency)?;
    let checked = check(&body.into_inner())?;
    let mut conn = caller.conn().await?;
    if let Some(zone) = checked.time_zone {
        check_zone_known(&mut conn, zone).await?;
    }
    let agency_id = caller.agency_id;
    let updated = conn
        .transaction(async |conn| {
            if checked.time_zone.is_some() {
                // Before the row lock: writers of sales hold the statement lock while they may
                // wait on nothing of this transaction.
                hold_rollups(conn, agency_id).await?;
            }
            let current: Agency = agencies::table
                .find(agency_id)
                .select(Agency::as_select())
                .for_no_key_update()
                .first(conn)
                .await?;
            if_match.check(current.version)?;
            let changes = AgencyChanges {
                name: checked.name.clone().filter(|name| *name != current.name),
                default_currency: checked
                    .currency
                    .filter(|currency| *currency != current.default_currency),
                time_zone: checked
                    .time_zone
                    .filter(|zone| *zone != current.time_zone)
                    .map(|zone| zone.name().to_owned()),
            };
            if changes.name.is_none()
                && changes.default_currency.is_none()
                && changes.time_zone.is_none()
            {
                // Nothing to change: no new version, no audit event.
                return Ok(current);
            }
            let updated: Agency = diesel::update(agencies::table.find(agency_id))
                .set((&changes, agencies::version.eq(agencies::version + 1)))
                .returning(Agency::as_returning())
                .get_result(conn)
                .await?;
            let mut audit = Changes::new()
                .change("name", &current.name, &updated.name)
                .change(
                    "default_currency",
                    current.default_currency,
                    updated.default_currency,
                )
                .change(
                    "time_zone",
                    current.time_zone.name(),
                    updated.time_zone.name(),
                );
            if changes.time_zone.is_some() {
                let groups = rebuild_local_rollups(conn, agency_id).await?;
                audit = audit.value("rollup_groups_rebuilt", groups);
            }
            caller
                .record(conn, "agency.update", "agency", agency_id, audit)
                .await?;
            Ok::<_, AppError>(updated)
        })
        .await?;
    Ok(respond(updated))
}
