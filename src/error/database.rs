//! How database and pool failures become `AppError`s: conflicts, refused values, outages.

use diesel::result::DatabaseErrorKind;

use super::AppError;

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::Error as E;
        match &error {
            E::NotFound => AppError::NotFound,
            E::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    AppError::Unavailable {
                        code: "database_unavailable",
                        cause: error.to_string(),
                    }
                }
                DatabaseErrorKind::SerializationFailure => AppError::Unavailable {
                    code: "database_busy",
                    cause: error.to_string(),
                },
                // A deadlock (SQLSTATE 40P01, or one Citus finds across nodes) cancelled this
                // transaction and let the other go on: nothing was written, a retry succeeds.
                DatabaseErrorKind::Unknown if info.message().contains("deadlock") => {
                    AppError::Unavailable {
                        code: "database_busy",
                        cause: error.to_string(),
                    }
                }
                DatabaseErrorKind::Unknown if info.message().contains("statement timeout") => {
                    AppError::Unavailable {
                        code: "database_timeout",
                        cause: error.to_string(),
                    }
                }
                DatabaseErrorKind::Unknown if refused_text(info.message()) => {
                    AppError::BadRequest {
                        code: "invalid_character",
                        detail: "The request holds text the database cannot store (e.g. a NUL character).".to_owned(),
                        errors: Vec::new(),
                    }
                }
                DatabaseErrorKind::Unknown if out_of_range_time(info.message()) => {
                    AppError::BadRequest {
                        code: "value_out_of_range",
                        detail: "A date or time in the request is outside the range the service keeps (years 4713 BC to 294276 AD).".to_owned(),
                        errors: Vec::new(),
                    }
                }
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ExclusionViolation => {
                    AppError::Conflict {
                        code: "conflict",
                        detail: "This conflicts with an existing record.".to_owned(),
                    }
                }
                _ => AppError::Internal(error.into()),
            },
            _ => AppError::Internal(error.into()),
        }
    }
}

/// PostgreSQL's refusals of text it cannot store (SQLSTATE 22021, 22P05, 22P04): a request
/// problem, never a 500. The SQLSTATE does not survive diesel-async, so the message is read.
fn refused_text(message: &str) -> bool {
    [
        "invalid byte sequence",
        "unsupported Unicode escape sequence",
        "has no equivalent in encoding",
        "cannot be converted to text",
    ]
    .iter()
    .any(|known| message.contains(known))
}

/// PostgreSQL's refusal of a date or time beyond its range (SQLSTATE 22008), which only a
/// request's own value can cause (the service computes none near those bounds).
fn out_of_range_time(message: &str) -> bool {
    [
        "timestamp out of range",
        "date out of range",
        "date/time field value out of range",
    ]
    .iter()
    .any(|known| message.contains(known))
}

impl From<crate::db::PoolError> for AppError {
    fn from(error: crate::db::PoolError) -> Self {
        AppError::Unavailable {
            code: "database_unavailable",
            cause: error.to_string(),
        }
    }
}

/// `error` as 409 `code` when the database refused it as `kind` (a unique or exclusion
/// violation), and the usual mapping otherwise: the one place handlers name their conflicts.
pub fn conflict_on(
    error: diesel::result::Error,
    kind: DatabaseErrorKind,
    code: &'static str,
    detail: &str,
) -> AppError {
    match &error {
        diesel::result::Error::DatabaseError(found, _) if *found == kind => AppError::Conflict {
            code,
            detail: detail.to_owned(),
        },
        _ => error.into(),
    }
}

/// Whether the database refused a write with a check violation (SQLSTATE 23514) raised under
/// `constraint`: a `CHECK`, or a guard trigger that names itself with `CONSTRAINT`. Callers ask
/// it of the statement they ran, so a name is only ever read where that guard can fire.
///
/// On a Citus cluster a guard firing on a worker reaches the service without its constraint
/// name (the coordinator passes on the SQLSTATE, message, detail and hint): there a guard
/// trigger is known by the start of its message ([`GUARD_MESSAGES`]).
pub fn refused_by(error: &diesel::result::Error, constraint: &str) -> bool {
    let diesel::result::Error::DatabaseError(DatabaseErrorKind::CheckViolation, info) = error
    else {
        return false;
    };
    match info.constraint_name() {
        Some(name) => name == constraint,
        None => GUARD_MESSAGES
            .iter()
            .any(|(guard, message)| *guard == constraint && info.message().starts_with(message)),
    }
}

/// The guard triggers the service recognises, with the start of the message each raises (the
/// migrations' text: a new guard adds its line here).
const GUARD_MESSAGES: [(&str, &str); 3] = [
    (
        "users_last_active_owner",
        "the agency must keep at least one active owner",
    ),
    (
        "contracts_income_type_fixed",
        "the income type of a contract never changes",
    ),
    ("period_closed", "a statement of this period is approved"),
];

/// 409 `period_closed`: the write would change a day of a month whose statement is approved.
pub fn period_closed() -> AppError {
    AppError::Conflict {
        code: "period_closed",
        detail: "A statement of this period is approved: a closed month never changes.".to_owned(),
    }
}
