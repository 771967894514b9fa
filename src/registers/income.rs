//! `GET /v1/reports/income`: the quarterly and half-yearly income export. For the payouts paid
//! in the period, per host, income type and currency: what the paid statements' lines give the
//! host per platform (with the host's accounts on that platform), the adjustments and carried
//! balances that complete it, and the gross paid, taxable, tax withheld and net.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Date, Numeric, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::money;
use super::params::{IncomeParams, Months, filing_period};
use super::people::{self, Disclosure, Person, payee_account};
use crate::auth::caller::Caller;
use crate::auth::roles::Capability;
use crate::domain::currency::Currency;
use crate::domain::enums::{IncomeType, Platform};
use crate::error::AppError;
use crate::reports::export;

#[derive(Debug, QueryableByName)]
struct Paid {
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
    adjustments: Decimal,
    #[diesel(sql_type = Numeric)]
    gross: Decimal,
    #[diesel(sql_type = Numeric)]
    taxable: Decimal,
    #[diesel(sql_type = Numeric)]
    tax_withheld: Decimal,
    #[diesel(sql_type = Numeric)]
    net: Decimal,
    #[diesel(sql_type = Array<Text>)]
    payee_accounts: Vec<String>,
}

#[derive(Debug, QueryableByName)]
struct PlatformShare {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    income_type: IncomeType,
    #[diesel(sql_type = Text)]
    currency: Currency,
    #[diesel(sql_type = Text)]
    platform: Platform,
    #[diesel(sql_type = Numeric)]
    net_gmv: Decimal,
    #[diesel(sql_type = Numeric)]
    host_share: Decimal,
}

#[derive(Debug, QueryableByName)]
struct AccountRow {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Text)]
    platform: Platform,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    handle: String,
    #[diesel(sql_type = Text)]
    platform_user_id: String,
}

/// The payouts of the period (`$2` ≤ tax month < `$3`, the same as `paid_on` in the period: the
/// period is whole months) per host, income type and currency, with their statements.
const PAID_SQL: &str = "\
SELECT p.influencer_id, i.stage_name, p.income_type, p.currency, count(*) AS payouts, \
       sum(s.adjustments_total + s.carried_forward) AS adjustments, \
       sum(p.gross) AS gross, sum(p.taxable) AS taxable, sum(p.tax_withheld) AS tax_withheld, \
       sum(p.net) AS net, array_agg(DISTINCT p.payee_account) AS payee_accounts \
FROM payouts p \
JOIN statements s ON s.agency_id = $1 AND s.id = p.statement_id \
JOIN influencers i ON i.agency_id = $1 AND i.id = p.influencer_id \
WHERE p.agency_id = $1 AND p.tax_month >= $2 AND p.tax_month < $3 \
GROUP BY p.influencer_id, i.stage_name, p.income_type, p.currency \
ORDER BY i.stage_name, p.influencer_id, p.income_type, p.currency";

/// The paid statements' lines of the period per host, income type, currency and platform.
const PLATFORMS_SQL: &str = "\
SELECT p.influencer_id, p.income_type, p.currency, l.platform, sum(l.net) AS net_gmv, \
       coalesce(sum(l.host_share), 0) AS host_share \
FROM payouts p \
JOIN statement_lines l ON l.agency_id = $1 AND l.statement_id = p.statement_id \
WHERE p.agency_id = $1 AND p.tax_month >= $2 AND p.tax_month < $3 \
GROUP BY p.influencer_id, p.income_type, p.currency, l.platform \
ORDER BY p.influencer_id, p.income_type, p.currency, l.platform";

/// The platform accounts of the hosts `$2`, whatever their status (a banned account may have
/// earned before its ban).
const ACCOUNTS_SQL: &str = "\
SELECT a.influencer_id, a.platform, a.id, a.handle, a.platform_user_id \
FROM unnest($2::uuid[]) AS k(id) \
JOIN platform_accounts a ON a.agency_id = $1 AND a.influencer_id = k.id \
ORDER BY a.influencer_id, a.platform, a.handle, a.id";

/// A host's account on a platform.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountRef {
    pub id: Uuid,
    pub handle: String,
    pub platform_user_id: String,
}

/// What the paid statements' lines give the host on one platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformIncome {
    pub platform: Platform,
    /// The host's accounts on the platform (none when the host has no account recorded there).
    pub accounts: Vec<AccountRef>,
    /// Net sales (after refunds) of the statements' lines on the platform.
    pub net_gmv: String,
    /// The host's share of the commission on the platform, as the lines recorded it.
    pub host_share: String,
}

/// A host's income of one type in one currency over the period. Amounts are decimal strings
/// in `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncomeRow {
    pub influencer_id: Uuid,
    pub stage_name: String,
    #[serde(flatten)]
    pub person: Person,
    pub income_type: IncomeType,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub platforms: Vec<PlatformIncome>,
    /// Adjustment lines and negative balances carried forward in the paid statements: with the
    /// platforms' host shares they make up `gross`.
    pub adjustments: String,
    /// Payouts (one per statement) paid in the period.
    pub payouts: i64,
    /// Paid before withholding.
    pub gross: String,
    pub taxable: String,
    pub tax_withheld: String,
    /// `gross` − `tax_withheld`.
    pub net: String,
    /// The accounts paid into (masked unless the register is `full`).
    pub payee_accounts: Vec<String>,
}

/// The income export of a quarter or a half year.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncomeRegister {
    /// As asked: `2026-Q3`, `2026-H1`.
    pub period: String,
    /// The first day of the period.
    pub from: NaiveDate,
    /// The last day of the period (inclusive).
    pub until: NaiveDate,
    /// `full` for owner, admin, compliance and finance (the read is audited), `masked` for
    /// the others.
    pub identity: Disclosure,
    pub rows: Vec<IncomeRow>,
}

impl IncomeRow {
    pub const CSV_HEADER: [&'static str; 20] = [
        "period",
        "line",
        "influencer_id",
        "stage_name",
        "real_name",
        "document_type",
        "document_number",
        "income_type",
        "currency",
        "platform",
        "accounts",
        "net_gmv",
        "host_share",
        "adjustments",
        "payouts",
        "gross",
        "taxable",
        "tax_withheld",
        "net",
        "payee_accounts",
    ];

    /// One `platform` line per platform, then the row's `total` line: every amount is on one
    /// line only, so a spreadsheet's column sums stay right.
    fn csv_records(&self, period: &str) -> Vec<Vec<String>> {
        let head = |line: &str| {
            vec![
                period.to_owned(),
                line.to_owned(),
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
            ]
        };
        let mut records: Vec<Vec<String>> = self
            .platforms
            .iter()
            .map(|platform| {
                let accounts: Vec<String> = platform
                    .accounts
                    .iter()
                    .map(|a| format!("{} ({})", a.handle, a.platform_user_id))
                    .collect();
                let mut record = head("platform");
                record.extend([
                    platform.platform.as_str().to_owned(),
                    accounts.join("; "),
                    platform.net_gmv.clone(),
                    platform.host_share.clone(),
                ]);
                record.extend(std::iter::repeat_n(String::new(), 7));
                record
            })
            .collect();
        let mut total = head("total");
        total.extend(std::iter::repeat_n(String::new(), 4));
        total.extend([
            self.adjustments.clone(),
            self.payouts.to_string(),
            self.gross.clone(),
            self.taxable.clone(),
            self.tax_withheld.clone(),
            self.net.clone(),
            self.payee_accounts.join("; "),
        ]);
        records.push(total);
        records
    }
}

async fn read(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    period: &Months,
    disclosure: Disclosure,
) -> Result<IncomeRegister, AppError> {
    let agency_id = caller.agency_id;
    let paid: Vec<Paid> = diesel::sql_query(PAID_SQL)
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Date, _>(period.first)
        .bind::<Date, _>(period.next)
        .load(conn)
        .await?;
    let shares: Vec<PlatformShare> = diesel::sql_query(PLATFORMS_SQL)
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Date, _>(period.first)
        .bind::<Date, _>(period.next)
        .load(conn)
        .await?;
    let hosts = people::distinct(paid.iter().map(|row| row.influencer_id));
    let accounts: Vec<AccountRow> = if hosts.is_empty() {
        Vec::new()
    } else {
        diesel::sql_query(ACCOUNTS_SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<SqlUuid>, _>(&hosts)
            .load(conn)
            .await?
    };
    let people = people::people(conn, &caller.state().vault, agency_id, &hosts, disclosure).await?;
    if disclosure == Disclosure::Full {
        people::record_read(conn, caller, "income", &period.label, &hosts).await?;
    }

    let mut accounts_of: HashMap<(Uuid, Platform), Vec<AccountRef>> = HashMap::new();
    for row in accounts {
        accounts_of
            .entry((row.influencer_id, row.platform))
            .or_default()
            .push(AccountRef {
                id: row.id,
                handle: row.handle,
                platform_user_id: row.platform_user_id,
            });
    }
    let mut platforms_of: HashMap<(Uuid, IncomeType, String), Vec<PlatformIncome>> = HashMap::new();
    for share in shares {
        let key = (
            share.influencer_id,
            share.income_type,
            share.currency.code().to_owned(),
        );
        platforms_of.entry(key).or_default().push(PlatformIncome {
            platform: share.platform,
            accounts: accounts_of
                .get(&(share.influencer_id, share.platform))
                .cloned()
                .unwrap_or_default(),
            net_gmv: money(share.net_gmv, share.currency),
            host_share: money(share.host_share, share.currency),
        });
    }
    let rows = paid
        .into_iter()
        .map(|row| {
            let key = (
                row.influencer_id,
                row.income_type,
                row.currency.code().to_owned(),
            );
            IncomeRow {
                influencer_id: row.influencer_id,
                stage_name: row.stage_name,
                person: people.get(&row.influencer_id).cloned().unwrap_or_default(),
                income_type: row.income_type,
                platforms: platforms_of.remove(&key).unwrap_or_default(),
                adjustments: money(row.adjustments, row.currency),
                payouts: row.payouts,
                gross: money(row.gross, row.currency),
                taxable: money(row.taxable, row.currency),
                tax_withheld: money(row.tax_withheld, row.currency),
                net: money(row.net, row.currency),
                payee_accounts: row
                    .payee_accounts
                    .iter()
                    .map(|account| payee_account(account, disclosure))
                    .collect(),
                currency: row.currency,
            }
        })
        .collect();
    Ok(IncomeRegister {
        period: period.label.clone(),
        from: period.first,
        until: period.last_day(),
        identity: disclosure,
        rows,
    })
}

/// The income export of a quarter (`2026-Q3`) or half year (`2026-H1`) for the filings of
/// hosts' income: per host, income type and currency, the payouts paid in the period, what
/// their statements give the host on each platform (naming the host's accounts there), and
/// gross, taxable, tax withheld and net. Real names, document numbers and payee accounts are in
/// clear for owner, admin, compliance and finance (the read is recorded as
/// `tax_register.read`), masked for the others. `Accept: text/csv` answers CSV: a `platform`
/// line per platform and a `total` line per host, income type and currency.
#[utoipa::path(
    get, path = "/v1/reports/income", tag = "reports", security(("bearer" = [])),
    params(IncomeParams),
    responses(
        (status = 200, description = "The export; with `Accept: text/csv`, the same as CSV lines", content(
            (IncomeRegister = "application/json"),
            (String = "text/csv"),
        )),
        (status = 422, description = "Missing or bad period"),
    )
)]
pub async fn income_register(
    caller: Caller,
    req: HttpRequest,
    params: web::Query<IncomeParams>,
) -> Result<HttpResponse, AppError> {
    caller.require(Capability::Read)?;
    let period = filing_period(&params)?;
    let disclosure = Disclosure::for_caller(&caller);
    let mut conn = caller.conn().await?;
    let register = conn
        .transaction(async |conn| read(conn, &caller, &period, disclosure).await)
        .await?;
    if export::wants_csv(&req) {
        let records: Vec<Vec<String>> = register
            .rows
            .iter()
            .flat_map(|row| row.csv_records(&register.period))
            .collect();
        let answer = export::download(
            &format!("income-{}.csv", register.period),
            &IncomeRow::CSV_HEADER,
            &records,
        )?;
        return Ok(super::private(answer));
    }
    Ok(super::private(HttpResponse::Ok().json(register)))
}
