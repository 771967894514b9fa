//! `/v1/statements`: generate drafts, list, read (JSON or CSV), approve (four eyes).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use uuid::Uuid;

use super::dto::{
    GenerateRequest, GenerateResponse, StatementDetail, StatementFilter, StatementView,
};
use super::generate::generate;
use super::model::{StatementRow, StatementState};
use super::read;
use crate::agencies::model::defaults;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::{AppError, FieldError};
use crate::etag::etag;
use crate::json::Json;
use crate::pagination::{Page, PageRequest};
use crate::reports::export;
use crate::reports::period::parse_month;
use crate::schema::{influencers, statements};

/// Generates the month's statements as drafts (every host with something to settle, or one),
/// regenerating drafts and leaving approved and paid ones as they are. The month follows the
/// agency's calendar; each statement keeps the zone it was generated in.
#[utoipa::path(
    post, path = "/v1/statements/generate", tag = "statements", security(("bearer" = [])),
    request_body = GenerateRequest,
    responses(
        (status = 200, description = "The drafts made or remade, and the statements kept", body = GenerateResponse),
        (status = 403, description = "The caller's role may not prepare statements"),
        (status = 404, description = "No such host (`influencer_id`)"),
        (status = 422, description = "Bad month"),
    )
)]
pub async fn generate_statements(
    caller: Caller,
    body: Json<GenerateRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Settle)?;
    let first = parse_month(body.month.trim()).map_err(|e| AppError::validation(vec![e]))?;
    let mut conn = caller.conn().await?;
    if let Some(host) = body.influencer_id {
        let found: Option<Uuid> = influencers::table
            .filter(influencers::agency_id.eq(caller.agency_id))
            .filter(influencers::id.eq(host))
            .select(influencers::id)
            .first(&mut conn)
            .await
            .optional()?;
        if found.is_none() {
            return Err(AppError::NotFound);
        }
    }
    let agency = defaults(&mut conn, caller.agency_id).await?;
    let generation = conn
        .transaction(async |conn| {
            let generation = generate(
                conn,
                caller.agency_id,
                caller.user_id,
                first,
                agency.time_zone,
                agency.currency,
                body.influencer_id,
            )
            .await?;
            caller
                .audit()
                .record(
                    conn,
                    "statement.generate",
                    "statement",
                    None,
                    Changes::new()
                        .value("month", first.format("%Y-%m").to_string())
                        .value("influencer_id", body.influencer_id)
                        .value("drafts", &generation.drafts),
                )
                .await?;
            Ok::<_, AppError>(generation)
        })
        .await?;
    let statements = views(&mut conn, caller.agency_id, &generation.drafts).await?;
    Ok(HttpResponse::Ok().json(GenerateResponse {
        month: first.format("%Y-%m").to_string(),
        time_zone: generation.time_zone.name().to_owned(),
        statements,
        kept: generation.kept,
    }))
}

async fn views(
    conn: &mut diesel_async::AsyncPgConnection,
    agency_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<StatementView>, AppError> {
    let rows: Vec<(StatementRow, String)> = statements::table
        .inner_join(
            influencers::table.on(influencers::agency_id
                .eq(statements::agency_id)
                .and(influencers::id.eq(statements::influencer_id))),
        )
        .filter(statements::agency_id.eq(agency_id))
        .filter(statements::id.eq_any(ids))
        .order(statements::influencer_id.asc())
        .select((StatementRow::as_select(), influencers::stage_name))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(row, name)| StatementView::new(row, name))
        .collect())
}

/// Statements, latest month first, then by host.
#[utoipa::path(
    get, path = "/v1/statements", tag = "statements", security(("bearer" = [])),
    params(StatementFilter),
    responses(
        (status = 200, description = "A page of statements", body = Page<StatementView>),
        (status = 422, description = "Bad filter or cursor"),
    )
)]
pub async fn list_statements(
    caller: Caller,
    filter: web::Query<StatementFilter>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let month = filter
        .month
        .as_deref()
        .map(|m| parse_month(m.trim()))
        .transpose()
        .map_err(|e| AppError::validation(vec![e]))?;
    let page = PageRequest::<(NaiveDate, Uuid)>::new(filter.limit, filter.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
    let mut query = statements::table
        .inner_join(
            influencers::table.on(influencers::agency_id
                .eq(statements::agency_id)
                .and(influencers::id.eq(statements::influencer_id))),
        )
        .filter(statements::agency_id.eq(caller.agency_id))
        .select((StatementRow::as_select(), influencers::stage_name))
        .order((statements::month.desc(), statements::id.asc()))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(month) = month {
        query = query.filter(statements::month.eq(month));
    }
    if let Some(host) = filter.influencer_id {
        query = query.filter(statements::influencer_id.eq(host));
    }
    if let Some(state) = filter.state {
        query = query.filter(statements::state.eq(state));
    }
    if let Some((month, id)) = page.after {
        query = query.filter(
            statements::month
                .lt(month)
                .or(statements::month.eq(month).and(statements::id.gt(id))),
        );
    }
    let rows: Vec<(StatementRow, String)> = query.load(&mut conn).await?;
    let body = Page::from_rows(
        rows,
        &page,
        |(row, _)| (row.month, row.id),
        |(row, name)| StatementView::new(row, name),
    );
    Ok(HttpResponse::Ok().json(body))
}

/// A statement with its lines, adjustments, carried balances, payout and invoice;
/// `Accept: text/csv` answers its lines (then adjustments and carries) as CSV.
#[utoipa::path(
    get, path = "/v1/statements/{id}", tag = "statements", security(("bearer" = [])),
    responses(
        (status = 200, description = "The statement; with `Accept: text/csv`, its lines as CSV", content(
            (StatementDetail = "application/json"),
            (String = "text/csv"),
        ), headers(("ETag" = String, description = "The statement's version"))),
        (status = 404, description = "No such statement"),
    )
)]
pub async fn get_statement(
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    let detail = read::detail(&mut conn, caller.agency_id, id.into_inner()).await?;
    if export::wants_csv(&req) {
        let name = format!(
            "statement-{}-{}.csv",
            detail.statement.month, detail.statement.influencer_id
        );
        return export::download(&name, &read::CSV_HEADER, &read::csv_records(&detail));
    }
    Ok(HttpResponse::Ok()
        .insert_header(etag(detail.statement.version))
        .json(detail))
}

/// Approves a draft (finance, owner or admin; never the user who generated it). An approved
/// statement never changes: later changes to its month become adjustments on the host's next
/// open statement.
#[utoipa::path(
    post, path = "/v1/statements/{id}/approve", tag = "statements", security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved", body = StatementView, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Role not allowed, or the caller generated it (`four_eyes_required`)"),
        (status = 404, description = "No such statement"),
        (status = 409, description = "Not a draft (`invalid_transition`), changed since generated (`statement_stale`), or days without a contract (`contract_missing`)"),
    )
)]
pub async fn approve_statement(
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Settle)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    let view = conn
        .transaction(async |conn| {
            let (current, _) = read::find(conn, caller.agency_id, id).await?;
            if current.state != StatementState::Draft {
                return Err(AppError::Conflict {
                    code: "invalid_transition",
                    detail: format!("The statement is {}; only a draft is approved.", current.state),
                });
            }
            if current.generated_by == caller.user_id {
                return Err(AppError::Forbidden {
                    code: "four_eyes_required",
                    detail: "Whoever generated a statement cannot approve it; ask a colleague."
                        .to_owned(),
                });
            }
            if current.contract_missing {
                return Err(AppError::Conflict {
                    code: "contract_missing",
                    detail: "Some of the statement's sales fall on days without a contract; record the contract and generate it again.".to_owned(),
                });
            }
            // The row lock orders this approval after any write that marked the draft stale.
            let approved: Option<i32> = diesel::update(
                statements::table
                    .filter(statements::agency_id.eq(caller.agency_id))
                    .filter(statements::id.eq(id))
                    .filter(statements::state.eq(StatementState::Draft))
                    .filter(statements::version.eq(current.version))
                    .filter(statements::stale.eq(false)),
            )
            .set((
                statements::state.eq(StatementState::Approved),
                statements::approved_by.eq(Some(caller.user_id)),
                statements::approved_at.eq(Some(Utc::now())),
                statements::version.eq(statements::version + 1),
            ))
            .returning(statements::version)
            .get_result(conn)
            .await
            .optional()?;
            if approved.is_none() {
                let (now, _) = read::find(conn, caller.agency_id, id).await?;
                return Err(if now.stale {
                    AppError::Conflict {
                        code: "statement_stale",
                        detail: "The ledger or a contract changed since the statement was generated; generate it again.".to_owned(),
                    }
                } else {
                    AppError::Conflict {
                        code: "invalid_transition",
                        detail: "The statement changed while it was being approved; read it again.".to_owned(),
                    }
                });
            }
            caller
                .record(
                    conn,
                    "statement.approve",
                    "statement",
                    id,
                    Changes::new().change("state", "draft", "approved"),
                )
                .await?;
            let view = read::view(conn, caller.agency_id, id).await?;
            crate::webhooks::emit(
                conn,
                caller.agency_id,
                crate::webhooks::EventType::StatementApproved,
                serde_json::to_value(&view).map_err(anyhow::Error::from)?,
            )
            .await?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

pub(super) fn field(name: &'static str, code: &'static str, message: &str) -> AppError {
    AppError::validation(vec![FieldError::new(name, code, message)])
}
