//! `POST /v1/statements/{id}/pay`: the payout of an approved statement and the income tax
//! withheld from it (labour: the tax month's payments combined; wages: cumulative over the
//! tax year; entities: nothing, against the entity's invoice).

use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Numeric, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::dto::{PayRequest, PayoutView};
use super::handlers::field;
use super::model::{InvoiceRow, PayoutRow, StatementRow, StatementState};
use super::rates;
use super::tax::{YearSoFar, to_fen};
use crate::audit::model::Changes;
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::enums::IncomeType;
use crate::error::AppError;
use crate::json::Json;
use crate::schema::{legal_entities, payouts, statement_invoices, statements};

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn trimmed(name: &'static str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(field(
            name,
            "invalid_length",
            &format!("{name} must have 1 to {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(field(
            name,
            "invalid_characters",
            &format!("{name} has control characters"),
        ));
    }
    Ok(value.to_owned())
}

/// The statement `id`, locked for the payment.
pub(super) async fn lock(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    id: Uuid,
) -> Result<StatementRow, AppError> {
    statements::table
        .filter(statements::agency_id.eq(agency_id))
        .filter(statements::id.eq(id))
        .select(StatementRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Refuses unless the statement is approved and not yet paid: only then is it invoiced and paid.
pub(super) fn require_approved(state: StatementState) -> Result<(), AppError> {
    match state {
        StatementState::Draft => Err(AppError::Conflict {
            code: "not_approved",
            detail: "The statement is a draft; it is invoiced and paid once approved.".to_owned(),
        }),
        StatementState::Paid => Err(AppError::Conflict {
            code: "already_paid",
            detail: "The statement is paid: it has its one payout, and its invoice never changes."
                .to_owned(),
        }),
        StatementState::Approved => Ok(()),
    }
}

/// The withholding of one payment: (taxable, tax withheld, table).
struct Tax {
    taxable: Decimal,
    withheld: Decimal,
    table: Option<String>,
}

#[derive(diesel::QueryableByName)]
struct Sums {
    #[diesel(sql_type = Numeric)]
    gross: Decimal,
    #[diesel(sql_type = Numeric)]
    taxable: Decimal,
    #[diesel(sql_type = Numeric)]
    withheld: Decimal,
    #[diesel(sql_type = Nullable<Date>)]
    employed_from: Option<NaiveDate>,
}

async fn withholding(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    statement: &StatementRow,
    paid_on: NaiveDate,
    gross: Decimal,
) -> Result<Tax, AppError> {
    // One payment at a time per host: each sees the tax month's earlier payments.
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('payouts:' || $1::text || ':' || $2::text, 0))")
        .bind::<SqlUuid, _>(agency_id)
        .bind::<SqlUuid, _>(statement.influencer_id)
        .execute(conn)
        .await?;
    match statement.income_type {
        IncomeType::Labour => {
            let table = rates::labour_on(conn, paid_on).await?;
            let earlier: Sums = diesel::sql_query(
                "SELECT coalesce(sum(gross), 0) AS gross, coalesce(sum(taxable), 0) AS taxable, \
                        coalesce(sum(tax_withheld), 0) AS withheld, NULL::date AS employed_from \
                 FROM payouts WHERE agency_id = $1 AND influencer_id = $2 AND income_type = 'labour' \
                   AND tax_month = $3",
            )
            .bind::<SqlUuid, _>(agency_id)
            .bind::<SqlUuid, _>(statement.influencer_id)
            .bind::<Date, _>(first_of_month(paid_on))
            .get_result(conn)
            .await?;
            let w = table.withholding(earlier.gross, earlier.withheld, gross);
            Ok(Tax {
                taxable: w.taxable,
                withheld: w.withheld,
                table: Some(table.id),
            })
        }
        IncomeType::Wages => {
            let table = rates::wages_on(conn, paid_on).await?;
            let year_start = NaiveDate::from_ymd_opt(paid_on.year(), 1, 1).unwrap_or(paid_on);
            let year: Sums = diesel::sql_query(
                "SELECT coalesce(sum(gross), 0) AS gross, coalesce(sum(taxable), 0) AS taxable, \
                        coalesce(sum(tax_withheld), 0) AS withheld, \
                        (SELECT min(valid_from) FROM contracts WHERE agency_id = $1 AND influencer_id = $2 \
                           AND income_type = 'wages' AND valid_from <= $4 \
                           AND (valid_until IS NULL OR valid_until >= $3)) AS employed_from \
                 FROM payouts WHERE agency_id = $1 AND influencer_id = $2 AND income_type = 'wages' \
                   AND paid_on >= $3 AND paid_on < ($3 + interval '1 year')::date",
            )
            .bind::<SqlUuid, _>(agency_id)
            .bind::<SqlUuid, _>(statement.influencer_id)
            .bind::<Date, _>(year_start)
            .bind::<Date, _>(paid_on)
            .get_result(conn)
            .await?;
            // Months employed this tax year: from January, or from the month the wages
            // contract began.
            let from = year
                .employed_from
                .map_or(first_of_month(paid_on), |from| from.max(year_start));
            let months = (paid_on.month() - from.month() + 1).max(1);
            let w = table.withholding(
                YearSoFar {
                    income: year.gross,
                    taxable: year.taxable,
                    withheld: year.withheld,
                },
                months,
                gross,
            );
            Ok(Tax {
                taxable: w.taxable,
                withheld: w.withheld,
                table: Some(table.id),
            })
        }
        IncomeType::Entity => Ok(Tax {
            taxable: to_fen(Decimal::ZERO),
            withheld: to_fen(Decimal::ZERO),
            table: None,
        }),
    }
}

#[derive(diesel::QueryableByName)]
struct Names {
    #[diesel(sql_type = Nullable<Text>)]
    real_name: Option<String>,
    #[diesel(sql_type = Text)]
    stage_name: String,
}

/// Records the payout of an approved statement: the gross is its payable amount; the answer
/// carries the tax withheld and the net paid. Labour pay is taxed on the tax month's payments
/// to the host combined (less what was withheld before); wages cumulatively over the tax
/// year; an entity is paid against its invoice, to an account in its name, nothing withheld.
/// Tax is rounded half-up to the fen.
#[utoipa::path(
    post, path = "/v1/statements/{id}/pay", tag = "statements", security(("bearer" = [])),
    request_body = PayRequest,
    responses(
        (status = 201, description = "The payout; `Location` names the statement it paid", body = PayoutView),
        (status = 403, description = "The caller's role may not pay statements"),
        (status = 404, description = "No such statement"),
        (status = 409, description = "Not approved (`not_approved`), paid already (`already_paid`), nothing payable (`nothing_to_pay`), an entity without an active entity (`entity_required`) or invoice (`invoice_required`), a currency tax cannot be withheld in (`tax_currency`), or no rate table in force (`no_tax_table`)"),
        (status = 422, description = "Invalid fields: `paid_on` before the statement's month, an entity's payee not the entity (`payee_not_entity`)"),
    )
)]
pub async fn pay_statement(
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PayRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Settle)?;
    let id = id.into_inner();
    let account = trimmed("payee_account", &body.payee_account, 64)?;
    let reference = trimmed("bank_reference", &body.bank_reference, 128)?;
    let payee = body
        .payee_name
        .as_deref()
        .map(|name| trimmed("payee_name", name, 200))
        .transpose()?;
    let paid_on = body.paid_on;
    let mut conn = caller.conn().await?;
    let payout = conn
        .transaction(async |conn| {
            let statement = lock(conn, caller.agency_id, id).await?;
            require_approved(statement.state)?;
            if statement.payable <= Decimal::ZERO {
                return Err(AppError::Conflict {
                    code: "nothing_to_pay",
                    detail: format!(
                        "The statement's balance is {}; it carries forward to the host's next statement.",
                        statement.payable
                    ),
                });
            }
            if paid_on < statement.month {
                return Err(field("paid_on", "before_period", "paid_on is before the statement's month"));
            }
            let entity = statement.income_type == IncomeType::Entity;
            if !entity && statement.currency != "CNY" {
                return Err(AppError::Conflict {
                    code: "tax_currency",
                    detail: "Income tax is withheld in CNY; this statement is in another currency.".to_owned(),
                });
            }
            let (payee_name, third_party, legal_entity_id) = if entity {
                let Some(entity_id) = statement.legal_entity_id else {
                    return Err(AppError::Conflict {
                        code: "entity_required",
                        detail: "The host had no active legal entity when the statement was generated.".to_owned(),
                    });
                };
                let (name, status): (String, String) = legal_entities::table
                    .filter(legal_entities::agency_id.eq(caller.agency_id))
                    .filter(legal_entities::id.eq(entity_id))
                    .select((legal_entities::name, legal_entities::status))
                    .first(conn)
                    .await?;
                if status != "active" {
                    return Err(AppError::Conflict {
                        code: "entity_required",
                        detail: format!("The host's legal entity is {status}."),
                    });
                }
                let invoice: Option<InvoiceRow> = statement_invoices::table
                    .filter(statement_invoices::agency_id.eq(caller.agency_id))
                    .filter(statement_invoices::statement_id.eq(id))
                    .select(InvoiceRow::as_select())
                    .first(conn)
                    .await
                    .optional()?;
                match invoice {
                    None => {
                        return Err(AppError::Conflict {
                            code: "invoice_required",
                            detail: "An entity is paid against its invoice: record it first (PUT /v1/statements/{id}/invoice).".to_owned(),
                        });
                    }
                    Some(invoice) if invoice.total != statement.payable => {
                        return Err(AppError::Conflict {
                            code: "invoice_required",
                            detail: format!(
                                "The invoice's total {} is not the amount payable {}.",
                                invoice.total, statement.payable
                            ),
                        });
                    }
                    Some(_) => {}
                }
                let payee = payee.clone().unwrap_or_else(|| name.clone());
                if payee != name {
                    return Err(field(
                        "payee_name",
                        "payee_not_entity",
                        "an entity is paid to an account in its own name",
                    ));
                }
                (payee, false, Some(entity_id))
            } else {
                let names: Names = diesel::sql_query(
                    "SELECT (SELECT real_name FROM identities WHERE agency_id = $1 AND influencer_id = $2) AS real_name, \
                            i.stage_name FROM influencers i WHERE i.agency_id = $1 AND i.id = $2",
                )
                .bind::<SqlUuid, _>(caller.agency_id)
                .bind::<SqlUuid, _>(statement.influencer_id)
                .get_result(conn)
                .await?;
                let entity_names: Vec<String> = legal_entities::table
                    .filter(legal_entities::agency_id.eq(caller.agency_id))
                    .filter(legal_entities::influencer_id.eq(statement.influencer_id))
                    .select(legal_entities::name)
                    .load(conn)
                    .await?;
                // The host's name: the real name on record, else the name they are known by.
                let own_name = names.real_name.clone().unwrap_or(names.stage_name);
                let payee = payee.clone().unwrap_or_else(|| own_name.clone());
                let own = payee == own_name || entity_names.contains(&payee);
                (payee, !own, None)
            };
            let gross = statement.payable;
            let tax = withholding(conn, caller.agency_id, &statement, paid_on, gross).await?;
            let row = PayoutRow {
                agency_id: caller.agency_id,
                id: Uuid::now_v7(),
                statement_id: id,
                influencer_id: statement.influencer_id,
                income_type: statement.income_type,
                legal_entity_id,
                paid_on,
                tax_month: first_of_month(paid_on),
                currency: statement.currency.clone(),
                payee_account: account.clone(),
                payee_name,
                third_party,
                bank_reference: reference.clone(),
                gross,
                taxable: tax.taxable,
                tax_withheld: tax.withheld,
                net: gross - tax.withheld,
                tax_table_id: tax.table,
                paid_by: caller.user_id,
                created_at: Utc::now(),
            };
            let saved = diesel::insert_into(payouts::table)
                .values(row)
                .returning(PayoutRow::as_returning())
                .get_result(conn)
                .await?;
            diesel::update(
                statements::table
                    .filter(statements::agency_id.eq(caller.agency_id))
                    .filter(statements::id.eq(id)),
            )
            .set((
                statements::state.eq(StatementState::Paid),
                statements::version.eq(statements::version + 1),
            ))
            .execute(conn)
            .await?;
            caller
                .record(
                    conn,
                    "statement.pay",
                    "statement",
                    id,
                    Changes::new()
                        .change("state", "approved", "paid")
                        .value("payout_id", saved.id)
                        .value("paid_on", saved.paid_on)
                        .value("gross", saved.gross.to_string())
                        .value("tax_withheld", saved.tax_withheld.to_string())
                        .value("net", saved.net.to_string())
                        .value("third_party", saved.third_party),
                )
                .await?;
            crate::webhooks::emit(
                conn,
                caller.agency_id,
                crate::webhooks::EventType::StatementPaid,
                crate::webhooks::events::statement_paid(&saved),
            )
            .await?;
            Ok::<_, AppError>(saved)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/statements/{id}")))
        .json(PayoutView::from(payout)))
}
