//! The agency's list of open compliance issues, kept in `compliance_issues` so that a page
//! request reads an index range instead of evaluating the whole roster.
//!
//! Every write to something a rule reads (hosts, identities, consents, entities,
//! qualifications, accounts, product tests, products' recalls, sessions, lineups, reviews, sales)
//! appends the host to `compliance_dirty` in its own transaction (database triggers). A page
//! request first re-evaluates the dirty hosts, and the whole roster when the agency-local day,
//! the agency's time zone or the product-test validity changed since the last full evaluation
//! (ages and expiring qualifications depend on the day). So the list a request reads is never
//! older than the last committed write, and its cost is bounded by what changed.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::issues::{RuleContext, evaluate};
use crate::error::AppError;
use crate::schema::{compliance_dirty, compliance_issues, compliance_refresh, influencers};

/// Hosts evaluated per pass of a full evaluation: bounds the size of each query.
const HOSTS_PER_PASS: usize = 50;

/// Brings the agency's stored issues up to date: the dirty hosts, or everything once a day.
pub async fn refresh(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    context: &RuleContext,
) -> Result<(), AppError> {
    let valid_days = i32::try_from(context.valid_days).unwrap_or(i32::MAX);
    let is_current = |row: &(Option<NaiveDate>, String, i32)| {
        row.0 == Some(context.today) && row.1 == context.time_zone.name() && row.2 == valid_days
    };
    // One round trip when nothing changed: how the list was evaluated, and whether any host is
    // dirty since.
    let stored: Option<(Option<NaiveDate>, String, i32, bool)> = compliance_refresh::table
        .find(agency_id)
        .select((
            compliance_refresh::evaluated_on,
            compliance_refresh::time_zone,
            compliance_refresh::valid_days,
            diesel::dsl::exists(
                compliance_dirty::table.filter(compliance_dirty::agency_id.eq(agency_id)),
            ),
        ))
        .first(conn)
        .await
        .optional()?;
    if let Some((on, time_zone, days, dirty)) = stored
        && !dirty
        && is_current(&(on, time_zone, days))
    {
        return Ok(());
    }
    conn.transaction(async |conn| {
        diesel::insert_into(compliance_refresh::table)
            .values((
                compliance_refresh::agency_id.eq(agency_id),
                compliance_refresh::evaluated_on.eq(None::<NaiveDate>),
                compliance_refresh::time_zone.eq(context.time_zone.name()),
                compliance_refresh::valid_days.eq(valid_days),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        // One evaluator per agency at a time; writers never take this lock.
        let stored: (Option<NaiveDate>, String, i32) = compliance_refresh::table
            .find(agency_id)
            .select((
                compliance_refresh::evaluated_on,
                compliance_refresh::time_zone,
                compliance_refresh::valid_days,
            ))
            .for_update()
            .first(conn)
            .await?;
        let hosts: Vec<Uuid> = if is_current(&stored) {
            let mut hosts: Vec<Uuid> = diesel::delete(
                compliance_dirty::table.filter(compliance_dirty::agency_id.eq(agency_id)),
            )
            .returning(compliance_dirty::influencer_id)
            .get_results(conn)
            .await?;
            hosts.sort();
            hosts.dedup();
            hosts
        } else {
            diesel::delete(
                compliance_dirty::table.filter(compliance_dirty::agency_id.eq(agency_id)),
            )
            .execute(conn)
            .await?;
            diesel::delete(
                compliance_issues::table.filter(compliance_issues::agency_id.eq(agency_id)),
            )
            .execute(conn)
            .await?;
            diesel::update(compliance_refresh::table.find(agency_id))
                .set((
                    compliance_refresh::evaluated_on.eq(Some(context.today)),
                    compliance_refresh::time_zone.eq(context.time_zone.name()),
                    compliance_refresh::valid_days.eq(valid_days),
                ))
                .execute(conn)
                .await?;
            influencers::table
                .filter(influencers::agency_id.eq(agency_id))
                .select(influencers::id)
                .order(influencers::id.asc())
                .load(conn)
                .await?
        };
        for chunk in hosts.chunks(HOSTS_PER_PASS) {
            let issues = evaluate(conn, agency_id, context, chunk).await?;
            diesel::delete(
                compliance_issues::table
                    .filter(compliance_issues::agency_id.eq(agency_id))
                    .filter(compliance_issues::influencer_id.eq_any(chunk)),
            )
            .execute(conn)
            .await?;
            for rows in issues.chunks(2000) {
                diesel::insert_into(compliance_issues::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?;
            }
        }
        Ok::<_, AppError>(())
    })
    .await
}
