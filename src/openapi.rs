//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations, and the
//! interactive API page (Swagger UI, vendored into the binary: no CDN).

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::error::{FieldError, Problem};
use crate::{
    audit, auth, compliance, influencers, products, reports, sales, sessions, staff, system,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MCN agency backend",
        description = "System of record for MCN agencies: livestream hosts, real-name and legal status, \
compliance-checked live sessions, product sales per platform, GMV and settlements.\n\n\
Conventions: JSON bodies with snake_case fields (unknown fields are rejected with 400); ids are \
UUIDs; times RFC 3339 in UTC; money is a decimal string with its currency. Errors are \
`application/problem+json` with a stable `code`. Every answer carries `X-Request-Id`."
    ),
    paths(
        system::handlers::healthz,
        system::handlers::readyz,
        system::handlers::metrics,
        system::handlers::openapi_json,
        system::handlers::docs,
        auth::handlers::signup,
        auth::handlers::login,
        auth::handlers::refresh,
        auth::handlers::logout,
        auth::handlers::me,
        staff::handlers::list_users,
        staff::handlers::create_user,
        staff::handlers::get_user,
        staff::handlers::update_user,
        staff::handlers::deactivate_user,
        audit::handlers::list_audit_events,
        influencers::handlers::list_influencers,
        influencers::handlers::create_influencer,
        influencers::handlers::get_influencer,
        influencers::handlers::update_influencer,
        influencers::handlers::terminate_influencer,
        influencers::handlers::suspend_influencer,
        influencers::handlers::reinstate_influencer,
        influencers::identity::get_identity,
        influencers::identity::put_identity,
        influencers::identity::verify_identity,
        influencers::identity::reject_identity,
        influencers::identity::put_guardian_consent,
        influencers::entities::list_entities,
        influencers::entities::create_entity,
        influencers::entities::update_entity,
        influencers::qualifications::list_qualifications,
        influencers::qualifications::create_qualification,
        influencers::accounts::list_accounts,
        influencers::accounts::create_account,
        influencers::accounts::update_account,
        influencers::accounts::delete_account,
        influencers::contracts::list_contracts,
        influencers::contracts::create_contract,
        compliance::handlers::host_compliance,
        compliance::handlers::compliance_issues,
        compliance::handlers::acknowledge_issue,
        compliance::handlers::resolve_issue,
        products::handlers::list_products,
        products::handlers::create_product,
        products::handlers::get_product,
        products::handlers::update_product,
        products::handlers::recall_product,
        products::handlers::product_impact,
        products::handlers::list_tests,
        products::handlers::create_test,
        sessions::handlers::list_sessions,
        sessions::handlers::create_session,
        sessions::calendar::calendar_feed,
        sessions::handlers::get_session,
        sessions::handlers::update_session,
        sessions::handlers::put_lineup,
        sessions::lifecycle::start_session,
        sessions::lifecycle::end_session,
        sessions::lifecycle::cancel_session,
        sessions::lifecycle::review_session,
        sales::handlers::list_sales,
        sales::handlers::create_sale,
        sales::imports::list_imports,
        sales::imports::import_sales,
        sales::imports::get_import,
        sales::handlers::get_sale,
        sales::handlers::refund_sale,
        reports::handlers::gmv_report,
        reports::handlers::gmv_chart,
        reports::handlers::settlement_report,
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health, readiness, metrics and this document"),
        (name = "auth", description = "Sign-up, login, token refresh and logout; the caller"),
        (name = "users", description = "Staff accounts and roles"),
        (name = "audit", description = "The audit trail of every mutation"),
        (name = "influencers", description = "The roster of hosts and their status"),
        (name = "identity", description = "Real-name identity, its verification, guardian consent"),
        (name = "legal entities", description = "Hosts' legal entities and operators"),
        (name = "qualifications", description = "Qualifications for regulated fields"),
        (name = "platform accounts", description = "Hosts' accounts on the platforms"),
        (name = "contracts", description = "Contracts between hosts and the agency"),
        (name = "compliance", description = "Open violations of the compliance rules"),
        (name = "products", description = "The catalogue, recalls and product tests"),
        (name = "live sessions", description = "The schedule, lineups, lifecycle, reviews and calendar"),
        (name = "sales", description = "The sales ledger: order lines, refunds and imports"),
        (name = "reports", description = "GMV and settlements, as JSON, CSV or a chart"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as pretty JSON, as served at `/openapi.json` and kept in `tests/openapi.json`.
pub fn document_json() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_pretty_json()?)
}
