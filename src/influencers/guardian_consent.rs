//! Guardian consent for a host aged 16 or 17: `PUT /v1/influencers/{id}/guardian-consent`.
//! The guardian's name and the document reference are erased with the host's personal data.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::handlers::load;
use crate::agencies::today_for;
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::InfluencerKind;
use crate::domain::{Collect, check_text};
use crate::error::{AppError, FieldError};
use crate::json::Json;
use crate::schema::guardian_consents;

/// A guardian's consent as stored, one per host.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(
    table_name = guardian_consents,
    primary_key(agency_id, influencer_id),
    treat_none_as_null = true
)]
pub struct GuardianConsent {
    pub agency_id: Uuid,
    pub influencer_id: Uuid,
    /// `None` only once erased (a database check), like `document_ref`.
    pub guardian_name: Option<String>,
    pub relation: String,
    pub consented_on: NaiveDate,
    pub document_ref: Option<String>,
    pub recorded_by: Uuid,
    pub version: i32,
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianConsentRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub guardian_name: String,
    /// e.g. `mother`, `father`, `legal guardian`.
    #[schema(min_length = 1, max_length = 50)]
    pub relation: String,
    pub consented_on: NaiveDate,
    /// Where the signed consent is filed.
    #[schema(min_length = 1, max_length = 200)]
    pub document_ref: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuardianConsentView {
    pub influencer_id: Uuid,
    /// `null` once the host's personal data was erased, like `document_ref`.
    pub guardian_name: Option<String>,
    pub relation: String,
    pub consented_on: NaiveDate,
    pub document_ref: Option<String>,
    pub recorded_by: Uuid,
    pub erased_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl From<GuardianConsent> for GuardianConsentView {
    fn from(row: GuardianConsent) -> Self {
        Self {
            influencer_id: row.influencer_id,
            guardian_name: row.guardian_name,
            relation: row.relation,
            consented_on: row.consented_on,
            document_ref: row.document_ref,
            recorded_by: row.recorded_by,
            erased_at: row.erased_at,
            version: row.version,
        }
    }
}

/// The host's guardian consent, if one was recorded.
pub async fn find_consent(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    influencer_id: Uuid,
) -> QueryResult<Option<GuardianConsent>> {
    guardian_consents::table
        .find((agency_id, influencer_id))
        .select(GuardianConsent::as_select())
        .first(conn)
        .await
        .optional()
}

/// Records (or replaces) a guardian's consent for a host aged 16 or 17.
#[utoipa::path(
    put, path = "/v1/influencers/{id}/guardian-consent", tag = "identity", security(("bearer" = [])),
    request_body = GuardianConsentRequest,
    responses(
        (status = 201, description = "Recorded", body = GuardianConsentView),
        (status = 200, description = "Replaced", body = GuardianConsentView),
        (status = 422, description = "Invalid fields, or not a human host"),
    )
)]
pub async fn put_guardian_consent(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<GuardianConsentRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::WriteData)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut conn = caller.conn().await?;
    let influencer = load(&mut conn, &caller, id).await?;
    let today = today_for(&mut conn, caller.agency_id).await?;
    let mut errors = Vec::new();
    if influencer.kind != InfluencerKind::Human {
        errors.push(FieldError::new(
            "",
            "not_applicable",
            "guardian consent is for human hosts only",
        ));
    }
    let guardian_name = errors.check(check_text("guardian_name", &body.guardian_name, 1, 100));
    let relation = errors.check(check_text("relation", &body.relation, 1, 50));
    let document_ref = errors
        .check(
            body.document_ref
                .as_deref()
                .map(|r| check_text("document_ref", r, 1, 200))
                .transpose(),
        )
        .flatten();
    if body.consented_on > today {
        errors.push(FieldError::new(
            "consented_on",
            "in_future",
            "lies in the future",
        ));
    }
    let (Some(guardian_name), Some(relation), true) = (guardian_name, relation, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    let (saved, created) = conn
        .transaction(async |conn| {
            let previous = find_consent(conn, caller.agency_id, id).await?;
            let row = GuardianConsent {
                agency_id: caller.agency_id,
                influencer_id: id,
                guardian_name: Some(guardian_name),
                relation,
                consented_on: body.consented_on,
                document_ref,
                recorded_by: caller.user_id,
                version: previous.as_ref().map_or(1, |p| p.version + 1),
                erased_at: None,
            };
            let saved = diesel::insert_into(guardian_consents::table)
                .values(&row)
                .on_conflict((
                    guardian_consents::agency_id,
                    guardian_consents::influencer_id,
                ))
                .do_update()
                .set(&row)
                .returning(GuardianConsent::as_returning())
                .get_result(conn)
                .await?;
            let changes = Changes::new()
                .redacted("guardian_name")
                .value("relation", &saved.relation)
                .value("consented_on", saved.consented_on);
            caller
                .record(conn, "guardian_consent.record", "influencer", id, changes)
                .await?;
            Ok::<_, AppError>((saved, previous.is_none()))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(GuardianConsentView::from(saved)))
}
