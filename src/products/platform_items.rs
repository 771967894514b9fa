//! A product as the platforms list it: `/v1/products/{id}/platform-items`. A mapping names the
//! platform's item id and, optionally, one SKU code of that item (none: every SKU of the item).
//! Imports of the platforms' own export files find a line's product through these
//! (the sales import's platform item look-up), so within an agency one platform item (with one
//! SKU code, or with none) maps to one product: the database's unique key says so.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::pg::upsert::on_constraint;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::model as products;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::Platform;
use crate::domain::{Collect, check_identifier};
use crate::error::AppError;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::schema::product_platform_items;

/// The unique key of (agency, platform, item id, SKU code), a missing SKU code included.
const KEY_CONSTRAINT: &str = "product_platform_items_key";

/// The longest item id or SKU code.
const IDENTIFIER_MAX: usize = 100;

/// One platform item (or one SKU of it) that stands for the product.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = product_platform_items)]
pub struct ProductPlatformItem {
    #[serde(skip)]
    pub agency_id: Uuid,
    pub id: Uuid,
    pub product_id: Uuid,
    pub platform: Platform,
    /// The platform's id of the item, as its export files show it.
    pub item_id: String,
    /// One SKU code of the item; `null`: every SKU of the item.
    pub sku_code: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformItemRequest {
    pub platform: Platform,
    /// The platform's id of the item (trimmed; no control characters).
    #[schema(min_length = 1, max_length = 100)]
    pub item_id: String,
    /// One SKU code of the item (trimmed; no control characters); absent or `null`: the
    /// mapping holds for every SKU of the item. A line's exact SKU code wins over its item.
    #[schema(min_length = 1, max_length = 100)]
    pub sku_code: Option<String>,
}

/// A page of the product's mappings, in creation order.
async fn page_of(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    product_id: Uuid,
    page: &PageRequest<Uuid>,
) -> QueryResult<Vec<ProductPlatformItem>> {
    use product_platform_items as t;
    let mut query = t::table
        .filter(t::agency_id.eq(agency_id))
        .filter(t::product_id.eq(product_id))
        .order(t::id.asc())
        .limit(page.fetch_limit())
        .select(ProductPlatformItem::as_select())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(t::id.gt(after));
    }
    query.load(conn).await
}

/// The product's mapping `id`.
async fn find(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    product_id: Uuid,
    id: Uuid,
) -> QueryResult<ProductPlatformItem> {
    use product_platform_items as t;
    t::table
        .filter(t::agency_id.eq(agency_id))
        .filter(t::product_id.eq(product_id))
        .filter(t::id.eq(id))
        .select(ProductPlatformItem::as_select())
        .first(conn)
        .await
}

/// Stores `item` and answers it as stored; `None`, writing nothing, when the agency maps its
/// platform, item id and SKU code (or its lack of one) already.
async fn insert(
    conn: &mut AsyncPgConnection,
    item: &ProductPlatformItem,
) -> QueryResult<Option<ProductPlatformItem>> {
    diesel::insert_into(product_platform_items::table)
        .values(item)
        .on_conflict(on_constraint(KEY_CONSTRAINT))
        .do_nothing()
        .returning(ProductPlatformItem::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// The agency's mapping of exactly this platform, item id and SKU code (or lack of one).
async fn holder(
    conn: &mut AsyncPgConnection,
    item: &ProductPlatformItem,
) -> QueryResult<Option<ProductPlatformItem>> {
    use product_platform_items as t;
    t::table
        .filter(t::agency_id.eq(item.agency_id))
        .filter(t::platform.eq(item.platform))
        .filter(t::item_id.eq(&item.item_id))
        .filter(t::sku_code.is_not_distinct_from(item.sku_code.as_deref()))
        .select(ProductPlatformItem::as_select())
        .first(conn)
        .await
        .optional()
}

/// 409 `platform_item_taken`, naming the mapping that holds the item when it is still there.
fn taken(holder: Option<ProductPlatformItem>) -> AppError {
    let mut extensions = Map::new();
    if let Some(holder) = holder {
        extensions.insert(
            "product_id".to_owned(),
            Value::from(holder.product_id.to_string()),
        );
        extensions.insert(
            "platform_item_id".to_owned(),
            Value::from(holder.id.to_string()),
        );
    }
    AppError::ConflictWith {
        code: "platform_item_taken",
        detail: "The agency maps this platform item (with this SKU code, or with none) to a \
                 product already."
            .to_owned(),
        extensions,
    }
}

/// What the audit trail records of a mapping made or removed.
fn audited(item: &ProductPlatformItem) -> Changes {
    Changes::new()
        .value("product_id", item.product_id)
        .value("platform", item.platform)
        .value("item_id", &item.item_id)
        .value("sku_code", &item.sku_code)
}

/// The product's items on the platforms, in the order they were mapped.
#[utoipa::path(
    get, path = "/v1/products/{id}/platform-items", tag = "products", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the product's platform items", body = Page<ProductPlatformItem>),
        (status = 404, description = "No such product in this agency"),
    )
)]
pub async fn list_platform_items(
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let id = id.into_inner();
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let mut conn = caller.conn().await?;
    products::find(&mut conn, caller.agency_id, id).await?;
    let rows = page_of(&mut conn, caller.agency_id, id, &page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |m| m.id, |m| m)))
}

/// One platform item of the product.
#[utoipa::path(
    get, path = "/v1/products/{id}/platform-items/{mid}", tag = "products", security(("bearer" = [])),
    responses(
        (status = 200, description = "The mapping", body = ProductPlatformItem),
        (status = 404, description = "No such mapping of this product"),
    )
)]
pub async fn get_platform_item(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let (id, mapping_id) = path.into_inner();
    let mut conn = caller.conn().await?;
    let item = find(&mut conn, caller.agency_id, id, mapping_id).await?;
    Ok(HttpResponse::Ok().json(item))
}

/// Maps a platform's item (or one SKU of it) to the product, so that lines of the platform's
/// export files naming it are the product's sales.
#[utoipa::path(
    post, path = "/v1/products/{id}/platform-items", tag = "products", security(("bearer" = [])),
    request_body = PlatformItemRequest,
    responses(
        (status = 201, description = "The mapping", body = ProductPlatformItem),
        (status = 409, description = "The agency maps this item and SKU code already (`platform_item_taken`; `product_id` and `platform_item_id` name that mapping)"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn create_platform_item(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlatformItemRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut errors = Vec::new();
    let item_id = errors.check(check_identifier("item_id", &body.item_id, IDENTIFIER_MAX));
    let sku_code = errors.check(
        body.sku_code
            .as_deref()
            .map(|code| check_identifier("sku_code", code, IDENTIFIER_MAX))
            .transpose(),
    );
    let (Some(item_id), Some(sku_code), true) = (item_id, sku_code, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let mut conn = caller.conn().await?;
    products::find(&mut conn, caller.agency_id, id).await?;
    let item = ProductPlatformItem {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        product_id: id,
        platform: body.platform,
        item_id,
        sku_code,
        created_by: caller.user_id,
        created_at: Utc::now(),
    };
    // Answer what was stored (the database keeps microseconds).
    let item: ProductPlatformItem = conn
        .transaction(async |conn| {
            let Some(stored) = insert(conn, &item).await? else {
                // The holder committed before the insert gave up on the key (ON CONFLICT waits
                // for it), so this statement's newer snapshot sees it.
                return Err(taken(holder(conn, &item).await?));
            };
            caller
                .record(
                    conn,
                    "product_platform_item.create",
                    "product_platform_item",
                    stored.id,
                    audited(&stored),
                )
                .await?;
            Ok::<_, AppError>(stored)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/v1/products/{id}/platform-items/{}", item.id),
        ))
        .json(item))
}

/// Removes a mapping: lines already imported keep their product; later files no longer match.
#[utoipa::path(
    delete, path = "/v1/products/{id}/platform-items/{mid}", tag = "products", security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such mapping of this product"),
    )
)]
pub async fn delete_platform_item(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let (id, mapping_id) = path.into_inner();
    let mut conn = caller.conn().await?;
    conn.transaction(async |conn| {
        use product_platform_items as t;
        let removed: ProductPlatformItem = diesel::delete(
            t::table
                .filter(t::agency_id.eq(caller.agency_id))
                .filter(t::product_id.eq(id))
                .filter(t::id.eq(mapping_id)),
        )
        .returning(ProductPlatformItem::as_returning())
        .get_result(conn)
        .await?;
        caller
            .record(
                conn,
                "product_platform_item.delete",
                "product_platform_item",
                removed.id,
                audited(&removed),
            )
            .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
