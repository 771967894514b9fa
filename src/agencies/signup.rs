//! Creating an agency together with its first owner, atomically; used by `POST
//! /v1/auth/signup` and by `mcn create-agency`.

use chrono::Utc;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{self as agencies, Agency};
use crate::audit::model::{AuditContext, Changes, REDACTED};
use crate::auth::password::{self, Passwords};
use crate::auth::roles::Role;
use crate::domain::currency::Currency;
use crate::domain::{Collect, check_text};
use crate::error::{AppError, FieldError};
use crate::staff::email::{Email, email_taken};
use crate::staff::model::{self as users, NewUser, User};

pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// A sign-up as submitted.
#[derive(Debug, Clone)]
pub struct NewAgency {
    pub agency_name: String,
    pub email: String,
    pub password: String,
    pub display_name: Option<String>,
    pub time_zone: Option<String>,
}

/// The checked form of a [`NewAgency`].
struct CheckedAgency {
    name: String,
    email: Email,
    display_name: String,
    time_zone: chrono_tz::Tz,
}

/// Checks an IANA time zone name.
pub fn check_time_zone(field: &str, value: &str) -> Result<chrono_tz::Tz, FieldError> {
    value
        .parse::<chrono_tz::Tz>()
        .map_err(|_| FieldError::new(field, "invalid_time_zone", "not an IANA time zone name"))
}

/// Refuses (422 `invalid_time_zone`) a zone PostgreSQL does not know: reports and rollups
/// compute local days in the database, so the zone must be one it knows too.
pub async fn check_zone_known(
    conn: &mut AsyncPgConnection,
    time_zone: chrono_tz::Tz,
) -> Result<(), AppError> {
    let known: Result<usize, _> = diesel::sql_query("SELECT now() AT TIME ZONE $1")
        .bind::<diesel::sql_types::Text, _>(time_zone.name())
        .execute(conn)
        .await;
    match known {
        Ok(_) => Ok(()),
        // Only the database's refusal of the zone is the caller's problem; anything else (an
        // outage, a timeout) is answered as what it is.
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("time zone")
                && info.message().contains("not recognized") =>
        {
            Err(AppError::validation(vec![FieldError::new(
                "time_zone",
                "invalid_time_zone",
                "not a time zone the database knows",
            )]))
        }
        Err(error) => Err(error.into()),
    }
}

fn check(input: &NewAgency) -> Result<CheckedAgency, AppError> {
    let mut errors = Vec::new();
    let name = errors.check(check_text("agency_name", &input.agency_name, 1, 200));
    let email = errors.check(Email::parse("email", &input.email));
    if let Err(error) = password::check_new_password("password", &input.password) {
        errors.push(error);
    }
    let display_name = match &input.display_name {
        Some(value) => errors.check(check_text("display_name", value, 1, 200)),
        None => email
            .as_ref()
            .map(|e| e.as_str().split('@').next().unwrap_or_default().to_owned()),
    };
    let time_zone = errors.check(check_time_zone(
        "time_zone",
        input.time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE),
    ));
    match (name, email, display_name, time_zone) {
        (Some(name), Some(email), Some(display_name), Some(time_zone)) if errors.is_empty() => {
            Ok(CheckedAgency {
                name,
                email,
                display_name,
                time_zone,
            })
        }
        _ => Err(AppError::validation(errors)),
    }
}

/// Creates the agency and its owner in one transaction, audited; `request_id` ties the events
/// to the request (none for the CLI).
pub async fn create_agency_with_owner(
    conn: &mut AsyncPgConnection,
    passwords: &Passwords,
    input: NewAgency,
    request_id: Option<String>,
) -> Result<(Agency, User), AppError> {
    let checked = check(&input)?;
    let password_hash = passwords.hash(input.password).await?;
    let now = Utc::now();
    let agency = Agency {
        id: Uuid::now_v7(),
        name: checked.name,
        time_zone: checked.time_zone,
        default_currency: Currency::CNY,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let owner_id = Uuid::now_v7();
    check_zone_known(conn, agency.time_zone).await?;
    let result = conn
        .transaction(async |conn| {
            agencies::insert(conn, &agency).await?;
            let owner = users::insert(
                conn,
                &NewUser {
                    id: owner_id,
                    agency_id: agency.id,
                    email: checked.email.as_str(),
                    password_hash: &password_hash,
                    display_name: &checked.display_name,
                    role: Role::Owner,
                },
            )
            .await?;
            let audit = AuditContext {
                agency_id: agency.id,
                actor_id: None,
                request_id,
            };
            audit
                .record(
                    conn,
                    "agency.create",
                    "agency",
                    Some(agency.id),
                    Changes::new()
                        .value("name", &agency.name)
                        .value("time_zone", agency.time_zone.name()),
                )
                .await?;
            let audit = AuditContext {
                actor_id: Some(owner.id),
                ..audit
            };
            audit
                .record(
                    conn,
                    "user.create",
                    "user",
                    Some(owner.id),
                    Changes::new()
                        .value("email", checked.email.masked())
                        .value("display_name", &owner.display_name)
                        .value("role", owner.role)
                        .value("password", REDACTED),
                )
                .await?;
            Ok::<_, diesel::result::Error>(owner)
        })
        .await;
    match result {
        Ok(owner) => Ok((agency, owner)),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(email_taken()),
        Err(err) => Err(err.into()),
    }
}
