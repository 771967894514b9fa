//! `GET /v1/reports/withholding`: the monthly withholding register. Per host, income type and
//! currency, the payouts of a tax month (the month of their `paid_on`): gross, taxable, tax
//! withheld, net; totals per income type and currency; the day it is due (the 15th of the next
//! month).

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Numeric, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::money;
use super::params::{Months, WithholdingParams, due_on, tax_month};
use super::people::{self, Disclosure, Person};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::currency::Currency;
use crate::domain::enums::IncomeType;
use crate::error::AppError;
use crate::reports::export;

#[derive(Debug, QueryableByName)]
struct Line {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    stage_name: String,
    #[diesel(sql_type = Text)]
    income_type: IncomeType,
    #[diesel(sql_type = Text)]
    currency: Currency,
    #[diesel(sql_type = BigInt)]
    payouts: i64,
    #[diesel(sql_type = Numeric)]
    gross: Decimal,
    #[diesel(sql_type = Numeric)]
    taxable: Decimal,
    #[diesel(sql_type = Numeric)]
    tax_withheld: Decimal,
    #[diesel(sql_type = Numeric)]
    net: Decimal,
}

/// The payouts of a tax month per host, income type and currency (`payouts_tax_month_idx`).
const LINES_SQL: &str = "\
SELECT p.influencer_id, i.stage_name, p.income_type, p.currency, count(*) AS payouts, \
       sum(p.gross) AS gross, sum(p.taxable) AS taxable, sum(p.tax_withheld) AS tax_withheld, \
       sum(p.net) AS net \
FROM payouts p \
JOIN influencers i ON i.agency_id = $1 AND i.id = p.influencer_id \
WHERE p.agency_id = $1 AND p.tax_month = $2 \
GROUP BY p.influencer_id, i.stage_name, p.income_type, p.currency \
ORDER BY i.stage_name, p.influencer_id, p.income_type, p.currency";

/// One line of the register: a host's payouts of one income type in one currency. Amounts are
/// decimal strings in `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithholdingRow {
    pub influencer_id: Uuid,
    pub stage_name: String,
    #[serde(flatten)]
    pub person: Person,
    pub income_type: IncomeType,
    #[schema(value_type = String)]
    pub currency: Currency,
    /// Payouts of the month summed in this line.
    pub payouts: i64,
    pub gross: String,
    /// The taxable amount the withholding was computed on (`entity`: 0).
    pub taxable: String,
    pub tax_withheld: String,
    /// `gross` − `tax_withheld`.
    pub net: String,
}

/// The register's sums per income type and currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithholdingTotal {
    pub income_type: IncomeType,
    #[schema(value_type = String)]
    pub currency: Currency,
    /// Hosts paid.
    pub hosts: i64,
    pub payouts: i64,
    pub gross: String,
    pub taxable: String,
    pub tax_withheld: String,
    pub net: String,
}

/// The withholding register of a tax month.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithholdingRegister {
    /// The tax month, `YYYY-MM`.
    pub month: String,
    /// The day the tax withheld is filed and paid by: the 15th of the next month.
    pub due_on: NaiveDate,
    /// `full` for owner, admin, compliance and finance (the read is audited), `masked` for
    /// the others.
    pub identity: Disclosure,
    pub rows: Vec<WithholdingRow>,
    pub totals: Vec<WithholdingTotal>,
}

impl WithholdingRow {
    pub const CSV_HEADER: [&'static str; 14] = [
        "tax_month",
        "due_on",
        "influencer_id",
        "stage_name",
        "real_name",
        "document_type",
        "document_number",
        "income_type",
        "currency",
        "payouts",
        "gross",
        "taxable",
        "tax_withheld",
        "net",
    ];

    fn csv_record(&self, month: &str, due: NaiveDate) -> Vec<String> {
        vec![
            month.to_owned(),
            due.to_string(),
            self.influencer_id.to_string(),
            self.stage_name.clone(),
            self.person.real_name.clone().unwrap_or_default(),
            self.person
                .document_type
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            self.person.document_number.clone().unwrap_or_default(),
            self.income_type.as_str().to_owned(),
            self.currency.code().to_owned(),
            self.payouts.to_string(),
            self.gross.clone(),
            self.taxable.clone(),
            self.tax_withheld.clone(),
            self.net.clone(),
        ]
    }
}

fn totals(lines: &[Line]) -> Vec<WithholdingTotal> {
    #[derive(Default)]
    struct Sum {
        hosts: i64,
        payouts: i64,
        gross: Decimal,
        taxable: Decimal,
        tax_withheld: Decimal,
        net: Decimal,
    }
    let mut sums: BTreeMap<(IncomeType, String), (Currency, Sum)> = BTreeMap::new();
    for line in lines {
        let key = (line.income_type, line.currency.code().to_owned());
        let (_, sum) = sums
            .entry(key)
            .or_insert_with(|| (line.currency, Sum::default()));
        // Lines are per host, income type and currency: each counts one host.
        sum.hosts += 1;
        sum.payouts += line.payouts;
        sum.gross += line.gross;
        sum.taxable += line.taxable;
        sum.tax_withheld += line.tax_withheld;
        sum.net += line.net;
    }
    sums.into_iter()
        .map(|((income_type, _), (currency, sum))| WithholdingTotal {
            income_type,
            currency,
            hosts: sum.hosts,
            payouts: sum.payouts,
            gross: money(sum.gross, currency),
            taxable: money(sum.taxable, currency),
            tax_withheld: money(sum.tax_withheld, currency),
            net: money(sum.net, currency),
        })
        .collect()
}

async fn read(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    month: &Months,
    disclosure: Disclosure,
) -> Result<WithholdingRegister, AppError> {
    let lines: Vec<Line> = diesel::sql_query(LINES_SQL)
        .bind::<SqlUuid, _>(caller.agency_id)
        .bind::<Date, _>(month.first)
        .load(conn)
        .await?;
    let hosts = people::distinct(lines.iter().map(|line| line.influencer_id));
    let people = people::people(
        conn,
        &caller.state().vault,
        caller.agency_id,
        &hosts,
        disclosure,
    )
    .await?;
    if disclosure == Disclosure::Full {
        people::record_read(conn, caller, "withholding", &month.label, &hosts).await?;
    }
    let totals = totals(&lines);
    let rows = lines
        .into_iter()
        .map(|line| WithholdingRow {
            influencer_id: line.influencer_id,
            stage_name: line.stage_name,
            person: people.get(&line.influencer_id).cloned().unwrap_or_default(),
            income_type: line.income_type,
            payouts: line.payouts,
            gross: money(line.gross, line.currency),
            taxable: money(line.taxable, line.currency),
            tax_withheld: money(line.tax_withheld, line.currency),
            net: money(line.net, line.currency),
            currency: line.currency,
        })
        .collect();
    Ok(WithholdingRegister {
        month: month.label.clone(),
        due_on: due_on(month.first),
        identity: disclosure,
        rows,
        totals,
    })
}

/// The monthly withholding register: per host, income type and currency, the payouts whose tax
/// month (the month of `paid_on`) is `month`, with gross, taxable, tax withheld and net, and
/// totals per income type and currency. Real names and document numbers are in clear for
/// owner, admin, compliance and finance (the read is recorded as `tax_register.read`), masked
/// for the others. `Accept: text/csv` answers the lines as CSV.
#[utoipa::path(
    get, path = "/v1/reports/withholding", tag = "reports", security(("bearer" = [])),
    params(WithholdingParams),
    responses(
        (status = 200, description = "The register; with `Accept: text/csv`, its lines as CSV (with the tax month and the day it is due on every line)", content(
            (WithholdingRegister = "application/json"),
            (String = "text/csv"),
        )),
        (status = 422, description = "Missing or bad month"),
    )
)]
pub async fn withholding_register(
    caller: Caller,
    req: HttpRequest,
    params: web::Query<WithholdingParams>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let month = tax_month(&params)?;
    let disclosure = Disclosure::for_caller(&caller);
    let mut conn = caller.conn().await?;
    let register = conn
        .transaction(async |conn| read(conn, &caller, &month, disclosure).await)
        .await?;
    if export::wants_csv(&req) {
        let records: Vec<Vec<String>> = register
            .rows
            .iter()
            .map(|row| row.csv_record(&register.month, register.due_on))
            .collect();
        let answer = export::download(
            &format!("withholding-{}.csv", register.month),
            &WithholdingRow::CSV_HEADER,
            &records,
        )?;
        return Ok(super::private(answer));
    }
    Ok(super::private(HttpResponse::Ok().json(register)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(host: u128, income_type: IncomeType, gross: i64, tax: i64) -> Line {
        Line {
            influencer_id: Uuid::from_u128(host),
            stage_name: format!("host {host}"),
            income_type,
            currency: Currency::CNY,
            payouts: 1,
            gross: Decimal::new(gross, 0),
            taxable: Decimal::new(gross, 0),
            tax_withheld: Decimal::new(tax, 0),
            net: Decimal::new(gross - tax, 0),
        }
    }

    #[test]
    fn totals_are_per_income_type_and_currency() {
        let lines = [
            line(1, IncomeType::Labour, 3000, 440),
            line(2, IncomeType::Labour, 5000, 800),
            line(2, IncomeType::Entity, 9000, 0),
        ];
        let totals = totals(&lines);
        assert_eq!(totals.len(), 2);
        assert_eq!(totals[0].income_type, IncomeType::Labour);
        assert_eq!(
            (
                totals[0].hosts,
                totals[0].gross.as_str(),
                totals[0].tax_withheld.as_str()
            ),
            (2, "8000.00", "1240.00")
        );
        assert_eq!(totals[1].income_type, IncomeType::Entity);
        assert_eq!(totals[1].net, "9000.00");
    }
}
