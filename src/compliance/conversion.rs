//! Findings that catch income conversion (DESIGN.md, "Money"; issue 14, point 6): a host moved
//! from `labour` or `wages` to `entity` within the last 12 months (`income_type_converted`), a
//! payout to an account held by neither the host nor the host's entity
//! (`payout_to_third_party`), and an entity paid for a month in which the host also received
//! labour pay (`entity_and_labour_same_month`). Listed on the compliance pages; they never
//! refuse data. The judgement is pure ([`judge`]); [`conversion_findings`] reads its facts.

use chrono::{Months, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Bool, Date, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rules::{Violation, ViolationCode};
use crate::domain::enums::IncomeType;

/// A contract of the host, as the findings see it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ContractFacts {
    #[diesel(sql_type = SqlUuid)]
    pub influencer_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Date)]
    pub valid_from: NaiveDate,
    #[diesel(sql_type = Text)]
    pub income_type: IncomeType,
}

/// A payout of the host, with the month of the statement it paid.
#[derive(Debug, Clone, QueryableByName)]
pub struct PayoutFacts {
    #[diesel(sql_type = SqlUuid)]
    pub influencer_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub income_type: IncomeType,
    /// The first day of the month the paid statement settles.
    #[diesel(sql_type = Date)]
    pub statement_month: NaiveDate,
    /// The first day of the month of `paid_on`.
    #[diesel(sql_type = Date)]
    pub tax_month: NaiveDate,
    #[diesel(sql_type = Date)]
    pub paid_on: NaiveDate,
    #[diesel(sql_type = Bool)]
    pub third_party: bool,
}

fn month(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

/// The conversion findings of one host from its contracts and payouts, on the agency-local
/// `today`.
pub fn judge(
    contracts: &[ContractFacts],
    payouts: &[PayoutFacts],
    today: NaiveDate,
) -> Vec<Violation> {
    let mut out = Vec::new();

    // A move to `entity` whose new contract starts within the last 12 months. A move dated
    // ahead is already decided, so it is listed from now on, not only once it takes effect.
    let since = today.checked_sub_months(Months::new(12)).unwrap_or(today);
    let mut ordered: Vec<&ContractFacts> = contracts.iter().collect();
    ordered.sort_by_key(|c| (c.valid_from, c.id));
    for pair in ordered.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        if after.income_type == IncomeType::Entity
            && matches!(before.income_type, IncomeType::Labour | IncomeType::Wages)
            && after.valid_from >= since
        {
            out.push(
                Violation::new(
                    ViolationCode::IncomeTypeConverted,
                    format!(
                        "The host's income type moved from {} to entity on {} (contract {}).",
                        before.income_type, after.valid_from, after.id
                    ),
                )
                .about(after.id.to_string()),
            );
        }
    }

    for payout in payouts.iter().filter(|p| p.third_party) {
        out.push(
            Violation::new(
                ViolationCode::PayoutToThirdParty,
                format!(
                    "Payout {} of {} (statement of {}) went to an account held by neither the \
                     host nor the host's entity.",
                    payout.id,
                    payout.paid_on,
                    month(payout.statement_month)
                ),
            )
            .about(payout.id.to_string()),
        );
    }

    // "An entity paid for a month in which the host also received labour pay": the entity
    // payout's month is the month of the statement it pays (what it is paid for); the labour
    // pay counts in the month it was received, its tax month (the month of `paid_on`), which
    // is the month the labour withholding was computed over. Comparing the two statements'
    // months instead could never match: a host has one statement per month, of one income
    // type.
    for entity in payouts
        .iter()
        .filter(|p| p.income_type == IncomeType::Entity)
    {
        let labour: Vec<&PayoutFacts> = payouts
            .iter()
            .filter(|p| {
                p.income_type == IncomeType::Labour && p.tax_month == entity.statement_month
            })
            .collect();
        if labour.is_empty() {
            continue;
        }
        out.push(
            Violation::new(
                ViolationCode::EntityAndLabourSameMonth,
                format!(
                    "Entity payout {} pays for {}, a month in which the host also received \
                     labour pay ({} payout(s)).",
                    entity.id,
                    month(entity.statement_month),
                    labour.len()
                ),
            )
            .about(entity.id.to_string()),
        );
    }
    out
}

/// The contracts of `$2`, through each host's contracts.
const CONTRACTS_SQL: &str = "\
SELECT c.influencer_id, c.id, c.valid_from, c.income_type \
FROM unnest($2::uuid[]) AS k(id) \
JOIN contracts c ON c.agency_id = $1 AND c.influencer_id = k.id \
ORDER BY c.influencer_id, c.valid_from, c.id";

/// The payouts of `$2` (`payouts_host_idx`), with the month of the statement each paid.
const PAYOUTS_SQL: &str = "\
SELECT p.influencer_id, p.id, p.income_type, s.month AS statement_month, p.tax_month, p.paid_on, \
       p.third_party \
FROM unnest($2::uuid[]) AS k(id) \
JOIN payouts p ON p.agency_id = $1 AND p.influencer_id = k.id \
JOIN statements s ON s.agency_id = $1 AND s.id = p.statement_id \
ORDER BY p.influencer_id, p.paid_on, p.id";

/// `income_type_converted`, `payout_to_third_party` and `entity_and_labour_same_month` for
/// `hosts`, on the agency-local `today`.
pub async fn conversion_findings(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hosts: &[Uuid],
    today: NaiveDate,
) -> diesel::QueryResult<Vec<(Uuid, Violation)>> {
    let mut hosts = hosts.to_vec();
    hosts.sort();
    hosts.dedup();
    if hosts.is_empty() {
        return Ok(Vec::new());
    }
    let contracts: Vec<ContractFacts> = diesel::sql_query(CONTRACTS_SQL)
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(&hosts)
        .load(conn)
        .await?;
    let payouts: Vec<PayoutFacts> = diesel::sql_query(PAYOUTS_SQL)
        .bind::<SqlUuid, _>(agency_id)
        .bind::<Array<SqlUuid>, _>(&hosts)
        .load(conn)
        .await?;
    let mut out = Vec::new();
    for host in hosts {
        let own_contracts: Vec<ContractFacts> = contracts
            .iter()
            .filter(|c| c.influencer_id == host)
            .cloned()
            .collect();
        let own_payouts: Vec<PayoutFacts> = payouts
            .iter()
            .filter(|p| p.influencer_id == host)
            .cloned()
            .collect();
        if own_contracts.is_empty() && own_payouts.is_empty() {
            continue;
        }
        out.extend(
            judge(&own_contracts, &own_payouts, today)
                .into_iter()
                .map(|violation| (host, violation)),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn contract(n: u128, from: &str, income_type: IncomeType) -> ContractFacts {
        ContractFacts {
            influencer_id: Uuid::nil(),
            id: Uuid::from_u128(n),
            valid_from: day(from),
            income_type,
        }
    }

    fn payout(n: u128, income_type: IncomeType, statement: &str, paid_on: &str) -> PayoutFacts {
        let paid_on = day(paid_on);
        PayoutFacts {
            influencer_id: Uuid::nil(),
            id: Uuid::from_u128(n),
            income_type,
            statement_month: day(statement),
            tax_month: paid_on.with_day0(0).unwrap(),
            paid_on,
            third_party: false,
        }
    }

    use chrono::Datelike as _;

    fn codes(violations: &[Violation]) -> Vec<(ViolationCode, String)> {
        violations
            .iter()
            .map(|v| (v.code, v.subject.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn a_move_to_entity_is_flagged_for_twelve_months() {
        let today = day("2026-11-30");
        let history = [
            contract(1, "2025-01-01", IncomeType::Labour),
            contract(2, "2025-11-30", IncomeType::Entity),
        ];
        let found = judge(&history, &[], today);
        assert_eq!(
            codes(&found),
            [(
                ViolationCode::IncomeTypeConverted,
                Uuid::from_u128(2).to_string()
            )]
        );
        assert_eq!(found[0].blocks, super::super::rules::Stage::Nothing);
        // A day later it is more than 12 months old.
        assert!(judge(&history, &[], day("2026-12-01")).is_empty());
        // From wages too, and a move dated ahead is listed already.
        let ahead = [
            contract(3, "2026-12-01", IncomeType::Entity),
            contract(4, "2024-01-01", IncomeType::Wages),
        ];
        assert_eq!(judge(&ahead, &[], today).len(), 1);
    }

    #[test]
    fn other_moves_are_not_conversions() {
        let today = day("2026-11-30");
        let back = [
            contract(1, "2026-01-01", IncomeType::Entity),
            contract(2, "2026-06-01", IncomeType::Labour),
        ];
        assert!(judge(&back, &[], today).is_empty());
        let same = [
            contract(1, "2026-01-01", IncomeType::Entity),
            contract(2, "2026-06-01", IncomeType::Entity),
        ];
        assert!(judge(&same, &[], today).is_empty());
        let only = [contract(1, "2026-06-01", IncomeType::Entity)];
        assert!(judge(&only, &[], today).is_empty());
    }

    #[test]
    fn each_third_party_payout_is_a_finding_of_its_own() {
        let mut first = payout(7, IncomeType::Labour, "2026-09-01", "2026-10-05");
        first.third_party = true;
        let mut second = payout(8, IncomeType::Labour, "2026-10-01", "2026-11-05");
        second.third_party = true;
        let own = payout(9, IncomeType::Labour, "2026-08-01", "2026-09-05");
        let found = judge(&[], &[first, second, own], day("2026-11-30"));
        assert_eq!(
            codes(&found),
            [
                (
                    ViolationCode::PayoutToThirdParty,
                    Uuid::from_u128(7).to_string()
                ),
                (
                    ViolationCode::PayoutToThirdParty,
                    Uuid::from_u128(8).to_string()
                ),
            ]
        );
    }

    #[test]
    fn an_entity_paid_for_a_month_of_labour_pay_is_flagged() {
        let today = day("2026-11-30");
        // September's labour statement paid on 5 October; October's entity statement.
        let labour = payout(1, IncomeType::Labour, "2026-09-01", "2026-10-05");
        let entity = payout(2, IncomeType::Entity, "2026-10-01", "2026-11-05");
        let found = judge(&[], &[labour.clone(), entity.clone()], today);
        assert_eq!(
            codes(&found),
            [(
                ViolationCode::EntityAndLabourSameMonth,
                Uuid::from_u128(2).to_string()
            )]
        );
        // Labour pay received in another month, or wages, is no such finding.
        let earlier = payout(3, IncomeType::Labour, "2026-08-01", "2026-09-05");
        assert!(judge(&[], &[earlier, entity.clone()], today).is_empty());
        let wages = payout(4, IncomeType::Wages, "2026-09-01", "2026-10-05");
        assert!(judge(&[], &[wages, entity], today).is_empty());
    }
}
