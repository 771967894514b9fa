//! Handlers of `/v1/influencers` and `/v1/influencers/{id}`: the roster (list, add, read,
//! change). Suspension, reinstatement and termination are in `status`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use uuid::Uuid;

use super::dto::{
    CreateInfluencerRequest, InfluencerDetail, InfluencerListQuery, InfluencerView,
    UpdateInfluencerRequest, check_languages,
};
use super::facts;
use super::model::{self as influencers, Influencer, InfluencerChanges, InfluencerFilter};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::{InfluencerStatus, VerificationState};
use crate::domain::{Collect, check_text};
use crate::error::AppError;
use crate::etag::{IfMatch, etag};
use crate::json::Json;
use crate::pagination::{Page, PageRequest};

/// The caller's agency's influencer `id`, or 404.
pub async fn load(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<Influencer, AppError> {
    Ok(influencers::find(conn, caller.agency_id, id).await?)
}

/// A host as answered, with its `ETag` (and `Location` when created).
pub fn respond(
    status: StatusCode,
    row: Influencer,
    identity_state: VerificationState,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(row.version));
    if status == StatusCode::CREATED {
        response.insert_header(("Location", format!("/v1/influencers/{}", row.id)));
    }
    response.json(InfluencerView::new(row, identity_state))
}

/// The roster, filterable by status, kind, platform and stage name. Each host comes with its
/// identity state, whether it has an active legal entity, the platforms of its active accounts
/// and its number of open compliance issues (read for the whole page at once).
#[utoipa::path(
    get, path = "/v1/influencers", tag = "influencers", security(("bearer" = [])),
    params(InfluencerListQuery),
    responses((status = 200, description = "A page of hosts", body = Page<InfluencerDetail>))
)]
pub async fn list_influencers(
    caller: Caller,
    query: web::Query<InfluencerListQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let query = query.into_inner();
    let page = PageRequest::<Uuid>::new(query.limit, query.cursor.as_deref())?;
    let filter = InfluencerFilter {
        status: query.status,
        kind: query.kind,
        platform: query.platform,
        q: query
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty()),
    };
    let mut conn = caller.conn().await?;
    let rows = influencers::list(&mut conn, caller.agency_id, &filter, &page).await?;
    // The page's hosts only (not the look-ahead row that says whether another page follows).
    let shown = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let ids: Vec<Uuid> = rows.iter().take(shown).map(|(row, _)| row.id).collect();
    let mut facts = facts::load(&mut conn, caller.state(), caller.agency_id, &ids).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        &page,
        |(row, _)| row.id,
        |(row, state)| {
            let facts = facts.remove(&row.id).unwrap_or_default();
            InfluencerDetail::new(row, state, facts)
        },
    )))
}

/// Adds a host to the roster.
#[utoipa::path(
    post, path = "/v1/influencers", tag = "influencers", security(("bearer" = [])),
    request_body = CreateInfluencerRequest,
    responses(
        (status = 201, description = "The new host", body = InfluencerView),
        (status = 403, description = "Role not allowed"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn create_influencer(
    caller: Caller,
    body: Json<CreateInfluencerRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    let stage_name = errors.check(check_text("stage_name", &body.stage_name, 1, 100));
    let languages = errors.check(check_languages(
        "languages",
        body.languages.as_deref().unwrap_or_default(),
    ));
    let notes = errors
        .check(
            body.notes
                .as_deref()
                .map(|n| check_text("notes", n, 0, 5000))
                .transpose(),
        )
        .flatten();
    let (Some(stage_name), Some(languages), true) = (stage_name, languages, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    let now = Utc::now();
    let row = Influencer {
        agency_id: caller.agency_id,
        id: Uuid::now_v7(),
        kind: body.kind,
        stage_name,
        status: InfluencerStatus::Active,
        status_reason: None,
        status_changed_at: None,
        languages,
        notes: notes.filter(|n| !n.is_empty()),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut conn = caller.conn().await?;
    conn.transaction(async |conn| {
        influencers::insert(conn, &row).await?;
        let changes = Changes::new()
            .value("kind", row.kind)
            .value("stage_name", &row.stage_name)
            .value("languages", &row.languages);
        caller
            .record(conn, "influencer.create", "influencer", row.id, changes)
            .await
    })
    .await?;
    Ok(respond(
        StatusCode::CREATED,
        row,
        VerificationState::Unverified,
    ))
}

/// One host, with its identity state, whether it has an active legal entity, the platforms of
/// its active accounts and its number of open compliance issues.
#[utoipa::path(
    get, path = "/v1/influencers/{id}", tag = "influencers", security(("bearer" = [])),
    responses(
        (status = 200, description = "The host", body = InfluencerDetail),
        (status = 404, description = "No such host in this agency"),
    )
)]
pub async fn get_influencer(caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let mut conn = caller.conn().await?;
    let row = load(&mut conn, &caller, id.into_inner()).await?;
    let identity_state = influencers::identity_state(&mut conn, caller.agency_id, row.id).await?;
    let facts = facts::load(&mut conn, caller.state(), caller.agency_id, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(InfluencerDetail::new(row, identity_state, facts)))
}

/// Changes stage name, languages or notes. `If-Match` with a stale version is 412.
#[utoipa::path(
    patch, path = "/v1/influencers/{id}", tag = "influencers", security(("bearer" = [])),
    request_body = UpdateInfluencerRequest,
    responses(
        (status = 200, description = "The updated host", body = InfluencerView),
        (status = 404, description = "No such host in this agency"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn update_influencer(
    caller: Caller,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: Json<UpdateInfluencerRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut errors = Vec::new();
    let stage_name = errors
        .check(
            body.stage_name
                .as_deref()
                .map(|n| check_text("stage_name", n, 1, 100))
                .transpose(),
        )
        .flatten();
    let languages = errors
        .check(
            body.languages
                .as_deref()
                .map(|tags| check_languages("languages", tags))
                .transpose(),
        )
        .flatten();
    let notes = match body.notes {
        Some(Some(text)) => errors
            .check(check_text("notes", &text, 0, 5000).map(|n| Some((!n.is_empty()).then_some(n))))
            .flatten(),
        Some(None) => Some(None),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut conn = caller.conn().await?;
    let updated = conn
        .transaction(async |conn| {
            let current = influencers::find_for_update(conn, caller.agency_id, id).await?;
            if_match.check(current.version)?;
            let changes = InfluencerChanges {
                stage_name,
                languages,
                notes,
                ..InfluencerChanges::default()
            };
            let updated = influencers::update(conn, caller.agency_id, id, &changes).await?;
            let audit = Changes::new()
                .change("stage_name", &current.stage_name, &updated.stage_name)
                .change("languages", &current.languages, &updated.languages)
                .change("notes", &current.notes, &updated.notes);
            caller
                .record(conn, "influencer.update", "influencer", id, audit)
                .await?;
            let identity_state = influencers::identity_state(conn, caller.agency_id, id).await?;
            Ok::<_, AppError>((updated, identity_state))
        })
        .await?;
    Ok(respond(StatusCode::OK, updated.0, updated.1))
}
