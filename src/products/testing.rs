//! Handlers of `/v1/products/{id}/tests`: hosts' tests of a product.

use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::checks::optional_text;
use super::dto::{ProductTestRequest, ProductTestView};
use super::model::{self as products, ProductTest};
use crate::agencies::today_for;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::{Collect, check_url};
use crate::error::{AppError, FieldError};
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};

/// Tests of the product by hosts, newest first (by test day).
#[utoipa::path(
    get, path = "/v1/products/{id}/tests", tag = "products", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the product's tests", body = Page<ProductTestView>),
        (status = 404, description = "No such product in this agency"),
    )
)]
pub async fn list_tests(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let page = PageRequest::<(NaiveDate, Uuid)>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
    products::find(&mut conn, caller.agency_id, id).await?;
    let valid_days = caller.state().settings.compliance.product_test_valid_days;
    let rows = products::tests_of(&mut conn, caller.agency_id, id, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        &page,
        |t| (t.tested_on, t.id),
        |t| ProductTestView::new(t, valid_days),
    )))
}

/// One test of the product.
#[utoipa::path(
    get, path = "/v1/products/{id}/tests/{tid}", tag = "products", security(("bearer" = [])),
    responses(
        (status = 200, description = "The test", body = ProductTestView),
        (status = 404, description = "No such test of this product"),
    )
)]
pub async fn get_test(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, test_id) = path.into_inner();
    let mut conn = caller.conn().await?;
    let test = products::find_test(&mut conn, caller.agency_id, id, test_id).await?;
    let valid_days = caller.state().settings.compliance.product_test_valid_days;
    Ok(HttpResponse::Ok().json(ProductTestView::new(test, valid_days)))
}

/// Records that a host tested the product. A pass counts for sessions for
/// `compliance.product_test_valid_days` days (default 180).
#[utoipa::path(
    post, path = "/v1/products/{id}/tests", tag = "products", security(("bearer" = [])),
    request_body = ProductTestRequest,
    responses(
        (status = 201, description = "The test", body = ProductTestView),
        (status = 422, description = "Invalid fields or unknown host"),
    )
)]
pub async fn create_test(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ProductTestRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn().await?;
    products::find(&mut conn, caller.agency_id, id).await?;
    let today = today_for(&mut conn, caller.agency_id).await?;
    let mut errors = Vec::new();
    if crate::influencers::model::find(&mut conn, caller.agency_id, body.influencer_id)
        .await
        .optional()?
        .is_none()
    {
        errors.push(FieldError::new(
            "influencer_id",
            "not_found",
            "no such host in this agency",
        ));
    }
    if body.tested_on > today {
        errors.push(FieldError::new(
            "tested_on",
            "in_future",
            "lies in the future",
        ));
    }
    let notes = optional_text("notes", body.notes.as_deref(), 5000, &mut errors);
    let evidence_url = body
        .evidence_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .and_then(|u| errors.check(check_url("evidence_url", u)));
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let test = ProductTest {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        product_id: id,
        influencer_id: body.influencer_id,
        tested_on: body.tested_on,
        result: body.result,
        notes,
        evidence_url,
        recorded_by: caller.user_id,
        created_at: Utc::now(),
    };
    // Answer what was stored (the database keeps microseconds and the column's scale).
    let test: ProductTest = conn
        .transaction(async |conn| {
            let test = products::insert_test(conn, &test).await?;
            let changes = Changes::new()
                .value("product_id", test.product_id)
                .value("influencer_id", test.influencer_id)
                .value("tested_on", test.tested_on)
                .value("result", test.result);
            caller
                .record(
                    conn,
                    "product_test.create",
                    "product_test",
                    test.id,
                    changes,
                )
                .await?;
            Ok::<_, AppError>(test)
        })
        .await?;
    let valid_days = caller.state().settings.compliance.product_test_valid_days;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/products/{id}/tests/{}", test.id)))
        .json(ProductTestView::new(test, valid_days)))
}
