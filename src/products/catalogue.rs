//! Handlers of the catalogue: listing, reading and adding products.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel::result::DatabaseErrorKind;
use diesel_async::AsyncConnection as _;
use uuid::Uuid;

use super::checks::new_product;
use super::dto::{CreateProductRequest, ProductListQuery, ProductView};
use super::model::{self as products, Product, ProductFilter};
use crate::agencies::model as agencies;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::error::{AppError, conflict_on};
use crate::etag::etag;
use crate::json::Json;
use crate::pagination::{Page, PageRequest};

/// The product with its ETag (and its `Location` when just created).
pub(super) fn respond(status: StatusCode, product: Product) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(product.version));
    if status == StatusCode::CREATED {
        response.insert_header(("Location", format!("/v1/products/{}", product.id)));
    }
    response.json(ProductView::from(product))
}

/// The catalogue, filterable by name or SKU, brand, category, regulated field and recall.
/// Archived products are listed only with `archived=true`.
#[utoipa::path(
    get, path = "/v1/products", tag = "products", security(("bearer" = [])),
    params(ProductListQuery),
    responses((status = 200, description = "A page of products", body = Page<ProductView>))
)]
pub async fn list_products(
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
        archived: query.archived.unwrap_or(false),
    };
    let mut conn = caller.conn().await?;
    let rows = products::list(&mut conn, caller.agency_id, &filter, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |p| p.id, ProductView::from)))
}

/// Adds a product to the catalogue.
#[utoipa::path(
    post, path = "/v1/products", tag = "products", security(("bearer" = [])),
    request_body = CreateProductRequest,
    responses(
        (status = 201, description = "The product", body = ProductView),
        (status = 409, description = "SKU taken (`sku_taken`)"),
        (status = 422, description = "Invalid fields; prices and percentages must be decimal strings"),
    )
)]
pub async fn create_product(
    caller: Caller,
    body: Json<CreateProductRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let mut conn = caller.conn().await?;
    let agency = agencies::find(&mut conn, caller.agency_id).await?;
    let product = new_product(body.into_inner(), caller.agency_id, agency.default_currency)?;
    conn.transaction(async |conn| {
        products::insert(conn, &product).await.map_err(|error| {
            conflict_on(
                error,
                DatabaseErrorKind::UniqueViolation,
                "sku_taken",
                "A product with this SKU already exists in the agency.",
            )
        })?;
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
    responses(
        (status = 200, description = "The product", body = ProductView),
        (status = 404, description = "No such product in this agency"),
    )
)]
pub async fn get_product(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    let product = products::find(&mut conn, caller.agency_id, id.into_inner()).await?;
    Ok(respond(StatusCode::OK, product))
}
