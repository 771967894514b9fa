//! Handler of `GET /v1/audit-events`.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::dto::{AuditEventView, AuditQuery};
use super::model::{self as audit, AuditFilter};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::check_time_filter;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};

/// The agency's audit trail, newest first (owners, admins and compliance).
#[utoipa::path(
    get,
    path = "/v1/audit-events",
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of events", body = Page<AuditEventView>),
        (status = 403, description = "Role not allowed"),
        (status = 422, description = "Invalid filters"),
    )
)]
pub async fn list_audit_events(
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::ReadAudit)?;
    let query = query.into_inner();
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    check_time_filter(query.from, query.to, "to must be later than from")?;
    let filter = AuditFilter {
        entity_type: query.entity_type,
        entity_id: query.entity_id,
        actor_id: query.actor_id,
        from: query.from,
        to: query.to,
    };
    let mut conn = caller.conn().await?;
    let rows = audit::list(&mut conn, caller.agency_id, &filter, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |e| e.id, AuditEventView::from)))
}
