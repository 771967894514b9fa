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

use super::issues::{NewIssue, RuleContext, evaluate};
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
        // Issues opened and resolved become webhook events, when a subscription asks for them.
        let notify = crate::webhooks::wants(
            conn,
            agency_id,
            &[
                crate::webhooks::EventType::ComplianceViolationOpened,
                crate::webhooks::EventType::ComplianceViolationResolved,
            ],
        )
        .await?;
        let mut before: Vec<NewIssue> = Vec::new();
        let mut after: Vec<NewIssue> = Vec::new();
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
            before = diesel::delete(
                compliance_issues::table.filter(compliance_issues::agency_id.eq(agency_id)),
            )
            .returning(NewIssue::as_returning())
            .get_results(conn)
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
            let removed: Vec<NewIssue> = diesel::delete(
                compliance_issues::table
                    .filter(compliance_issues::agency_id.eq(agency_id))
                    .filter(compliance_issues::influencer_id.eq_any(chunk)),
            )
            .returning(NewIssue::as_returning())
            .get_results(conn)
            .await?;
            for rows in issues.chunks(2000) {
                diesel::insert_into(compliance_issues::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?;
            }
            if notify {
                before.extend(removed);
                after.extend(issues);
            }
        }
        if notify {
            emit_changes(conn, agency_id, before, after).await?;
        }
        Ok::<_, AppError>(())
    })
    .await
}

/// Emits `compliance.violation_opened` for each issue on the open list now that was not
/// before, and `compliance.violation_resolved` for each that left it because its cause went
/// away. Findings staff acknowledged or resolved are off the open list already: their events
/// were emitted when staff acted on them.
async fn emit_changes(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    before: Vec<NewIssue>,
    after: Vec<NewIssue>,
) -> Result<(), AppError> {
    use std::collections::HashSet;

    use crate::schema::compliance_finding_states;
    use crate::webhooks::{EventType, emit_all};

    let old: HashSet<Uuid> = before.iter().map(|issue| issue.id).collect();
    let new: HashSet<Uuid> = after.iter().map(|issue| issue.id).collect();
    let changed: Vec<Uuid> = old.symmetric_difference(&new).copied().collect();
    if changed.is_empty() {
        return Ok(());
    }
    let handled: HashSet<Uuid> = compliance_finding_states::table
        .filter(compliance_finding_states::agency_id.eq(agency_id))
        .filter(compliance_finding_states::issue_id.eq_any(&changed))
        .select(compliance_finding_states::issue_id)
        .load::<Uuid>(conn)
        .await?
        .into_iter()
        .collect();
    let data =
        |issue: &NewIssue, resolution: Option<&str>| -> Result<serde_json::Value, AppError> {
            let mut value = serde_json::to_value(issue).map_err(anyhow::Error::from)?;
            if let (Some(resolution), Some(fields)) = (resolution, value.as_object_mut()) {
                fields.insert("resolution".to_owned(), resolution.into());
            }
            Ok(value)
        };
    let mut seen = HashSet::new();
    let opened = after
        .iter()
        .filter(|issue| {
            !old.contains(&issue.id) && !handled.contains(&issue.id) && seen.insert(issue.id)
        })
        .map(|issue| data(issue, None))
        .collect::<Result<Vec<_>, _>>()?;
    let resolved = before
        .iter()
        .filter(|issue| !new.contains(&issue.id) && !handled.contains(&issue.id))
        .map(|issue| data(issue, Some("cleared")))
        .collect::<Result<Vec<_>, _>>()?;
    emit_all(
        conn,
        agency_id,
        EventType::ComplianceViolationOpened,
        opened,
    )
    .await?;
    emit_all(
        conn,
        agency_id,
        EventType::ComplianceViolationResolved,
        resolved,
    )
    .await?;
    Ok(())
}
