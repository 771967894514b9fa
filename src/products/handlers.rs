//! Handlers of `/v1/products`: the catalogue, recalls, the impact of a recall, product tests.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::{
    CreateProductRequest, ImpactHost, ImpactSession, ProductImpact, ProductListQuery,
    ProductTestRequest, ProductTestView, ProductView, UpdateProductRequest,
};
use super::model::{self as products, Product, ProductChanges, ProductFilter, ProductTest};
use crate::agencies::{model as agencies, today_for};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::decimal::parse_decimal_string;
use crate::domain::enums::SessionState;
use crate::domain::money::{parse_amount, parse_currency};
use crate::domain::{check_text, check_url};
use crate::error::{AppError, FieldError, conflict_on};
use crate::etag::{IfMatch, etag};
use crate::influencers::dto::ReasonRequest;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::schema::{influencers, live_sessions, session_products};
use crate::state::AppState;

fn respond(status: StatusCode, product: Product) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(product.version));
    if status == StatusCode::CREATED {
        response.insert_header(("Location", format!("/v1/products/{}", product.id)));
    }
    response.json(ProductView::from(product))
}

fn sku_taken(error: DieselError) -> AppError {
    conflict_on(
        error,
        DatabaseErrorKind::UniqueViolation,
        "sku_taken",
        "A product with this SKU already exists in the agency.",
    )
}

fn check_sku(sku: &str) -> Result<String, FieldError> {
    let sku = sku.trim();
    let valid = !sku.is_empty()
        && sku.len() <= 64
        && sku
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c));
    if valid {
        Ok(sku.to_owned())
    } else {
        Err(FieldError::new(
            "sku",
            "invalid_sku",
            "1 to 64 letters, digits and ._/- (starting with a letter or digit)",
        ))
    }
}

fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    value
        .map(|v| check_text(field, v, 0, max))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten()
        .filter(|v| !v.is_empty())
}

fn percent(field: &str, value: &serde_json::Value) -> Result<Decimal, FieldError> {
    parse_decimal_string(field, value, 2, Decimal::ZERO, Decimal::ONE_HUNDRED)
}

/// The catalogue, filterable by name or SKU, brand, category, regulated field and recall.
#[utoipa::path(
    get, path = "/v1/products", tag = "products", security(("bearer" = [])),
    params(ProductListQuery),
    responses((status = 200, description = "A page of products", body = Page<ProductView>))
)]
pub async fn list_products(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ProductListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let query = query.into_inner();
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let filter = ProductFilter {
        q: query.q.filter(|q| !q.trim().is_empty()),
        brand: query.brand,
        category: query.category,
        regulated_field: query.regulated_field,
        recalled: query.recalled,
    };
    let mut conn = caller.conn(&state).await?;
    let rows = products::list(
        &mut conn,
        caller.agency_id,
        &filter,
        page.after,
        page.fetch_limit(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |p| p.id, ProductView::from)))
}

/// Adds a product to the catalogue.
#[utoipa::path(
    post, path = "/v1/products", tag = "products", security(("bearer" = [])),
    request_body = CreateProductRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The product", body = ProductView),
        (status = 409, description = "SKU taken (`sku_taken`)"),
        (status = 422, description = "Invalid fields; prices and percentages must be decimal strings"),
    )
)]
pub async fn create_product(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateProductRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let body = body.into_inner();
    let mut conn = caller.conn(&state).await?;
    let agency = agencies::find(&mut conn, caller.agency_id).await?;
    let mut errors = Vec::new();
    let sku = check_sku(&body.sku).map_err(|e| errors.push(e)).ok();
    let name = check_text("name", &body.name, 1, 200)
        .map_err(|e| errors.push(e))
        .ok();
    let brand = optional_text("brand", body.brand.as_deref(), 100, &mut errors);
    let category = optional_text("category", body.category.as_deref(), 100, &mut errors);
    let currency = parse_currency(
        "currency",
        body.currency
            .as_deref()
            .unwrap_or(agency.default_currency.code()),
    )
    .map_err(|e| errors.push(e))
    .ok();
    let list_price = currency.and_then(|c| {
        parse_amount("list_price", &body.list_price, c)
            .map_err(|e| errors.push(e))
            .ok()
    });
    let commission = percent("commission_percent", &body.commission_percent)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(sku), Some(name), Some(currency), Some(list_price), Some(commission), true) = (
        sku,
        name,
        currency,
        list_price,
        commission,
        errors.is_empty(),
    ) else {
        return Err(AppError::validation(errors));
    };
    let now = Utc::now();
    let product = Product {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        sku,
        name,
        brand,
        category,
        list_price,
        currency,
        commission_percent: commission,
        regulated_field: body.regulated_field,
        recalled_at: None,
        recall_reason: None,
        recalled_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    conn.transaction(async |conn| {
        diesel::insert_into(crate::schema::products::table)
            .values(&product)
            .execute(conn)
            .await
            .map_err(sku_taken)?;
        let changes = Changes::new()
            .value("sku", &product.sku)
            .value("name", &product.name)
            .value("list_price", product.list_price.to_string())
            .value("currency", product.currency)
            .value("commission_percent", product.commission_percent.to_string())
            .value("regulated_field", product.regulated_field);
        caller
            .record(conn, "product.create", "product", product.id, changes)
            .await
    })
    .await?;
    Ok(respond(StatusCode::CREATED, product))
}

/// One product.
#[utoipa::path(
    get, path = "/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductView),
        (status = 404, description = "No such product in this agency"),
    )
)]
pub async fn get_product(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn(&state).await?;
    let product = products::find(&mut conn, caller.agency_id, id.into_inner()).await?;
    Ok(respond(StatusCode::OK, product))
}

/// Changes a product. The SKU never changes; a recall is `POST .../recall`.
#[utoipa::path(
    patch, path = "/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id"), ("If-Match" = Option<String>, Header, description = "The ETag read before")),
    request_body = UpdateProductRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 200, description = "The updated product", body = ProductView),
        (status = 404, description = "No such product in this agency"),
        (status = 412, description = "Stale `If-Match`"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn update_product(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateProductRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn(&state).await?;
    let updated = conn
        .transaction(async |conn| {
            let current = products::find_for_update(conn, caller.agency_id, id).await?;
            if_match.check(current.version)?;
            let mut errors = Vec::new();
            let name = body
                .name
                .as_deref()
                .map(|n| check_text("name", n, 1, 200))
                .transpose()
                .map_err(|e| errors.push(e))
                .ok()
                .flatten();
            let brand = body
                .brand
                .as_ref()
                .map(|b| optional_text("brand", b.as_deref(), 100, &mut errors));
            let category = body
                .category
                .as_ref()
                .map(|c| optional_text("category", c.as_deref(), 100, &mut errors));
            let currency = match &body.currency {
                Some(code) => parse_currency("currency", code)
                    .map_err(|e| errors.push(e))
                    .ok(),
                None => Some(current.currency),
            };
            // A price is only meaningful in its currency: a new currency needs its price.
            if let Some(new) = currency
                && body.currency.is_some()
                && new != current.currency
                && body.list_price.is_none()
            {
                errors.push(FieldError::new(
                    "list_price",
                    "required",
                    format!(
                        "changing the currency to {} needs a list_price in it",
                        new.code()
                    ),
                ));
            }
            let list_price = match (&body.list_price, currency) {
                (Some(value), Some(currency)) => parse_amount("list_price", value, currency)
                    .map_err(|e| errors.push(e))
                    .ok(),
                _ => None,
            };
            let commission = body.commission_percent.as_ref().and_then(|value| {
                percent("commission_percent", value)
                    .map_err(|e| errors.push(e))
                    .ok()
            });
            if !errors.is_empty() {
                return Err(AppError::validation(errors));
            }
            let changes = ProductChanges {
                name,
                brand,
                category,
                list_price,
                currency: body.currency.as_ref().and(currency),
                commission_percent: commission,
                regulated_field: body.regulated_field,
                ..ProductChanges::default()
            };
            let updated = products::update(conn, caller.agency_id, id, &changes).await?;
            let audit = Changes::new()
                .change("name", &current.name, &updated.name)
                .change("brand", &current.brand, &updated.brand)
                .change("category", &current.category, &updated.category)
                .change(
                    "list_price",
                    current.list_price.to_string(),
                    updated.list_price.to_string(),
                )
                .change("currency", &current.currency, &updated.currency)
                .change(
                    "commission_percent",
                    current.commission_percent.to_string(),
                    updated.commission_percent.to_string(),
                )
                .change(
                    "regulated_field",
                    current.regulated_field,
                    updated.regulated_field,
                );
            caller
                .record(conn, "product.update", "product", id, audit)
                .await?;
            Ok(updated)
        })
        .await?;
    Ok(respond(StatusCode::OK, updated))
}

/// Recalls a product as dangerous (owner, admin, compliance). Upcoming sessions featuring it
/// show `product_recalled` at once and cannot go live.
#[utoipa::path(
    post, path = "/v1/products/{id}/recall", tag = "products", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    request_body = ReasonRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 200, description = "The recalled product", body = ProductView),
        (status = 409, description = "Already recalled (`already_recalled`)"),
    )
)]
pub async fn recall_product(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Verify)?;
    let id = id.into_inner();
    let reason =
        check_text("reason", &body.reason, 1, 1000).map_err(|e| AppError::validation(vec![e]))?;
    let mut conn = caller.conn(&state).await?;
    let recalled = conn
        .transaction(async |conn| {
            let current = products::find_for_update(conn, caller.agency_id, id).await?;
            if current.recalled_at.is_some() {
                return Err(AppError::Conflict {
                    code: "already_recalled",
                    detail: "The product is already recalled.".to_owned(),
                });
            }
            let changes = ProductChanges {
                recalled_at: Some(Some(Utc::now())),
                recall_reason: Some(Some(reason.clone())),
                recalled_by: Some(Some(caller.user_id)),
                ..ProductChanges::default()
            };
            let updated = products::update(conn, caller.agency_id, id, &changes).await?;
            caller
                .record(
                    conn,
                    "product.recall",
                    "product",
                    id,
                    Changes::new()
                        .change("recalled", false, true)
                        .value("reason", &reason),
                )
                .await?;
            Ok(updated)
        })
        .await?;
    Ok(respond(StatusCode::OK, recalled))
}

/// The liability trail of a product: every session that featured it (past and upcoming),
/// every host who promoted it, and its sales.
#[utoipa::path(
    get, path = "/v1/products/{id}/impact", tag = "products", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    responses(
        (status = 200, description = "Sessions, hosts and sales of the product", body = ProductImpact),
        (status = 404, description = "No such product in this agency"),
    )
)]
pub async fn product_impact(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let mut conn = caller.conn(&state).await?;
    let product = products::find(&mut conn, caller.agency_id, id).await?;
    let sessions: Vec<(Uuid, Uuid, String, chrono::DateTime<Utc>, SessionState)> =
        session_products::table
            .inner_join(
                live_sessions::table.on(live_sessions::agency_id
                    .eq(session_products::agency_id)
                    .and(live_sessions::id.eq(session_products::session_id))),
            )
            .filter(session_products::agency_id.eq(caller.agency_id))
            .filter(session_products::product_id.eq(id))
            .order(live_sessions::scheduled_start.asc())
            .select((
                live_sessions::id,
                live_sessions::influencer_id,
                live_sessions::title,
                live_sessions::scheduled_start,
                live_sessions::state,
            ))
            .load(&mut conn)
            .await?;
    let mut host_ids: Vec<Uuid> = sessions.iter().map(|s| s.1).collect();
    let sales =
        crate::sales::impact::sales_of_product(&mut conn, caller.agency_id, &product).await?;
    host_ids
        .extend(crate::sales::impact::sellers_of_product(&mut conn, caller.agency_id, id).await?);
    host_ids.sort();
    host_ids.dedup();
    let hosts: Vec<(Uuid, String)> = influencers::table
        .filter(influencers::agency_id.eq(caller.agency_id))
        .filter(influencers::id.eq_any(&host_ids))
        .order(influencers::stage_name.asc())
        .select((influencers::id, influencers::stage_name))
        .load(&mut conn)
        .await?;
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

/// Tests of the product by hosts, newest first (by test day).
#[utoipa::path(
    get, path = "/v1/products/{id}/tests", tag = "products", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id"), PageQuery),
    responses(
        (status = 200, description = "A page of the product's tests", body = Page<ProductTestView>),
        (status = 404, description = "No such product in this agency"),
    )
)]
pub async fn list_tests(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let page = PageRequest::<(NaiveDate, Uuid)>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn(&state).await?;
    products::find(&mut conn, caller.agency_id, id).await?;
    let valid_days = state.settings.compliance.product_test_valid_days;
    let rows = products::tests_of(
        &mut conn,
        caller.agency_id,
        id,
        page.after,
        page.fetch_limit(),
    )
    .await?;
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
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("tid" = Uuid, Path, description = "Product test id"),
    ),
    responses(
        (status = 200, description = "The test", body = ProductTestView),
        (status = 404, description = "No such test of this product"),
    )
)]
pub async fn get_test(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, test_id) = path.into_inner();
    let mut conn = caller.conn(&state).await?;
    let test = products::find_test(&mut conn, caller.agency_id, id, test_id).await?;
    let valid_days = state.settings.compliance.product_test_valid_days;
    Ok(HttpResponse::Ok().json(ProductTestView::new(test, valid_days)))
}

/// Records that a host tested the product. A pass counts for sessions for
/// `compliance.product_test_valid_days` days (default 180).
#[utoipa::path(
    post, path = "/v1/products/{id}/tests", tag = "products", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    request_body = ProductTestRequest,
    responses(
        (status = 403, description = "The caller's role may not change this"),
        (status = 201, description = "The test", body = ProductTestView),
        (status = 422, description = "Invalid fields or unknown host"),
    )
)]
pub async fn create_test(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ProductTestRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn(&state).await?;
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
        .and_then(|u| {
            check_url("evidence_url", u)
                .map_err(|e| errors.push(e))
                .ok()
        });
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
            let test: ProductTest = diesel::insert_into(crate::schema::product_tests::table)
                .values(&test)
                .returning(ProductTest::as_returning())
                .get_result(conn)
                .await?;
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
    let valid_days = state.settings.compliance.product_test_valid_days;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/products/{id}/tests/{}", test.id)))
        .json(ProductTestView::new(test, valid_days)))
}
