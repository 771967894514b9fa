//! `GET /v1/products/{id}/impact`: where a product was promoted and sold.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::dto::{ImpactHost, ImpactSession, ProductImpact, ProductView};
use super::model as products;
use super::trail;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::SessionState;
use crate::error::AppError;

/// The liability trail of a product: every session that featured it (past and upcoming),
/// every host who promoted it, and its sales.
#[utoipa::path(
    get, path = "/v1/products/{id}/impact", tag = "products", security(("bearer" = [])),
    responses(
        (status = 200, description = "Sessions, hosts and sales of the product", body = ProductImpact),
        (status = 404, description = "No such product in this agency"),
    )
)]
pub async fn product_impact(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = caller.conn().await?;
    let product = products::find(&mut conn, caller.agency_id, id).await?;
    let sessions = trail::sessions_of_product(&mut conn, caller.agency_id, id).await?;
    let mut host_ids: Vec<Uuid> = sessions.iter().map(|s| s.1).collect();
    let sales = trail::sales_of_product(&mut conn, caller.agency_id, &product).await?;
    host_ids.extend(trail::sellers_of_product(&mut conn, caller.agency_id, id).await?);
    host_ids.sort();
    host_ids.dedup();
    let hosts = trail::stage_names(&mut conn, caller.agency_id, &host_ids).await?;
    Ok(HttpResponse::Ok().json(ProductImpact {
        product: ProductView::from(product),
        sessions: sessions
            .into_iter()
            .map(
                |(id, influencer_id, title, scheduled_start, state)| ImpactSession {
                    id,
                    influencer_id,
                    title,
                    scheduled_start,
                    upcoming: state == SessionState::Scheduled,
                    state,
                },
            )
            .collect(),
        hosts: hosts
            .into_iter()
            .map(|(influencer_id, stage_name)| ImpactHost {
                influencer_id,
                stage_name,
            })
            .collect(),
        sales,
    }))
}
