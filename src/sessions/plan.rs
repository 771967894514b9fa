//! From sessions (stored or proposed) to the facts the rules read, in a few queries for any
//! number of sessions, and from there to the answers with their `compliance` block.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::dto::{Incident, LineupItemView, ReviewView, SessionCompliance, SessionView, Venue};
use super::model::{self as sessions, LiveSession};
use crate::compliance::rules::{
    LineupFacts, SessionPlan, Violation, evaluate_session, ready_to_start,
};
use crate::compliance::snapshot::{self, Hosts};
use crate::domain::enums::{AccountStatus, Platform};
use crate::domain::money::format_amount;
use crate::error::AppError;
use crate::products::model::{self as products, Product};
use crate::schema::platform_accounts;

/// A session as the rules see it, before or after it is stored.
#[derive(Debug, Clone)]
pub struct Draft {
    pub influencer_id: Uuid,
    pub platform_account_id: Uuid,
    pub scheduled_start: DateTime<Utc>,
    pub language: String,
    pub ai_label: bool,
    pub product_ids: Vec<Uuid>,
}

/// The agency-local day of an instant.
pub fn local_date(at: DateTime<Utc>, time_zone: &str) -> NaiveDate {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).date_naive(),
        Err(_) => at.date_naive(),
    }
}

/// The violations of each draft, in order.
pub async fn evaluate(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    time_zone: &str,
    valid_days: u32,
    drafts: &[Draft],
) -> Result<Vec<Vec<Violation>>, AppError> {
    let mut hosts: Vec<Uuid> = drafts.iter().map(|d| d.influencer_id).collect();
    hosts.sort();
    hosts.dedup();
    let mut product_ids: Vec<Uuid> = drafts
        .iter()
        .flat_map(|d| d.product_ids.iter().copied())
        .collect();
    product_ids.sort();
    product_ids.dedup();

    let snapshots: HashMap<Uuid, _> = snapshot::load(conn, agency_id, Hosts::Only(&hosts))
        .await?
        .into_iter()
        .map(|(row, snapshot)| (row.id, snapshot))
        .collect();
    let accounts: Vec<(Uuid, Uuid, Platform, AccountStatus)> = platform_accounts::table
        .filter(platform_accounts::agency_id.eq(agency_id))
        .filter(platform_accounts::influencer_id.eq_any(&hosts))
        .select((
            platform_accounts::id,
            platform_accounts::influencer_id,
            platform_accounts::platform,
            platform_accounts::status,
        ))
        .load(conn)
        .await?;
    let platform_of: HashMap<Uuid, Platform> = accounts.iter().map(|a| (a.0, a.2)).collect();
    let active: HashSet<(Uuid, Platform)> = accounts
        .iter()
        .filter(|a| a.3 == AccountStatus::Active)
        .map(|a| (a.1, a.2))
        .collect();
    let catalogue: HashMap<Uuid, Product> = products::find_many(conn, agency_id, &product_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let dates: Vec<NaiveDate> = drafts
        .iter()
        .map(|d| local_date(d.scheduled_start, time_zone))
        .collect();
    let window = Duration::days(i64::from(valid_days));
    let tests = match (dates.iter().min(), dates.iter().max()) {
        (Some(first), Some(last)) if !product_ids.is_empty() => {
            products::passing_tests(
                conn,
                agency_id,
                &hosts,
                &product_ids,
                *first - window,
                *last,
            )
            .await?
        }
        _ => Vec::new(),
    };

    let mut results = Vec::with_capacity(drafts.len());
    for (draft, date) in drafts.iter().zip(dates) {
        let Some(host) = snapshots.get(&draft.influencer_id) else {
            return Err(AppError::NotFound);
        };
        // Fail closed: an account or a product that is not found is a violation, not skipped.
        let platform = platform_of.get(&draft.platform_account_id).copied();
        let unknown_products = draft
            .product_ids
            .iter()
            .filter(|id| !catalogue.contains_key(id))
            .map(Uuid::to_string)
            .collect();
        let lineup = draft
            .product_ids
            .iter()
            .filter_map(|id| catalogue.get(id))
            .map(|product| LineupFacts {
                sku: product.sku.clone(),
                recalled: product.recalled_at.is_some(),
                regulated_field: product.regulated_field,
                tested_by_host: tests.iter().any(|(host_id, product_id, tested_on)| {
                    *host_id == draft.influencer_id
                        && *product_id == product.id
                        && *tested_on <= date
                        && *tested_on >= date - window
                }),
            })
            .collect();
        let plan = SessionPlan {
            date,
            platform,
            has_active_account: platform
                .is_some_and(|platform| active.contains(&(draft.influencer_id, platform))),
            language: draft.language.clone(),
            ai_label: draft.ai_label,
            lineup,
            unknown_products,
        };
        results.push(evaluate_session(host, &plan));
    }
    Ok(results)
}

/// The violations of one draft. An evaluation that yields no verdict is an error, never a
/// pass: a compliance gate fails closed.
pub async fn evaluate_one(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    time_zone: &str,
    valid_days: u32,
    draft: Draft,
) -> Result<Vec<Violation>, AppError> {
    let mut verdicts = evaluate(conn, agency_id, time_zone, valid_days, &[draft]).await?;
    match (verdicts.pop(), verdicts.is_empty()) {
        (Some(violations), true) => Ok(violations),
        _ => Err(AppError::Internal(anyhow::anyhow!(
            "the compliance evaluation of a session gave no single verdict"
        ))),
    }
}

/// The answers for stored sessions: lineups, reviews and compliance, in the given order.
pub async fn views(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    time_zone: &str,
    valid_days: u32,
    rows: Vec<LiveSession>,
) -> Result<Vec<SessionView>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
    let lineup_rows = sessions::lineups(conn, agency_id, &ids).await?;
    let product_ids: Vec<Uuid> = lineup_rows.iter().map(|l| l.product_id).collect();
    let catalogue: HashMap<Uuid, Product> = products::find_many(conn, agency_id, &product_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut reviews: HashMap<Uuid, _> = sessions::reviews(conn, agency_id, &ids)
        .await?
        .into_iter()
        .map(|r| (r.session_id, r))
        .collect();
    let account_ids: Vec<Uuid> = rows.iter().map(|s| s.platform_account_id).collect();
    let platforms: HashMap<Uuid, Platform> = platform_accounts::table
        .filter(platform_accounts::agency_id.eq(agency_id))
        .filter(platform_accounts::id.eq_any(&account_ids))
        .select((platform_accounts::id, platform_accounts::platform))
        .load::<(Uuid, Platform)>(conn)
        .await?
        .into_iter()
        .collect();
    let drafts: Vec<Draft> = rows
        .iter()
        .map(|s| Draft {
            influencer_id: s.influencer_id,
            platform_account_id: s.platform_account_id,
            scheduled_start: s.scheduled_start,
            language: s.language.clone(),
            ai_label: s.ai_label,
            product_ids: lineup_rows
                .iter()
                .filter(|l| l.session_id == s.id)
                .map(|l| l.product_id)
                .collect(),
        })
        .collect();
    let verdicts = evaluate(conn, agency_id, time_zone, valid_days, &drafts).await?;
    rows.into_iter()
        .zip(verdicts)
        .map(|(s, violations)| -> Result<SessionView, AppError> {
            let lineup = lineup_rows
                .iter()
                .filter(|l| l.session_id == s.id)
                .filter_map(|l| {
                    catalogue.get(&l.product_id).map(|p| LineupItemView {
                        position: l.position,
                        product_id: p.id,
                        sku: p.sku.clone(),
                        name: p.name.clone(),
                        planned_price: l
                            .planned_price
                            .map(|price| format_amount(price, &p.currency)),
                        currency: p.currency.clone(),
                        recalled: p.recalled_at.is_some(),
                    })
                })
                .collect();
            // Stored incidents that do not decode are an error, never "no incidents".
            let review = reviews
                .remove(&s.id)
                .map(|r| -> Result<ReviewView, AppError> {
                    let incidents =
                        serde_json::from_value::<Vec<Incident>>(r.incidents).map_err(|e| {
                            anyhow::anyhow!(
                                "review of session {}: incidents do not decode: {e}",
                                s.id
                            )
                        })?;
                    Ok(ReviewView {
                        mandarin_spoken: r.mandarin_spoken,
                        dress_code_ok: r.dress_code_ok,
                        incidents,
                        reviewed_by: r.reviewed_by,
                        reviewed_at: r.reviewed_at,
                    })
                })
                .transpose()?;
            let venue = match (s.venue_type, s.venue_city, s.venue_city_tier) {
                (Some(venue_type), Some(city), Some(city_tier)) => Some(Venue {
                    venue_type,
                    city,
                    city_tier,
                }),
                _ => None,
            };
            Ok(SessionView {
                id: s.id,
                influencer_id: s.influencer_id,
                platform_account_id: s.platform_account_id,
                platform: platforms
                    .get(&s.platform_account_id)
                    .copied()
                    .unwrap_or(Platform::Other),
                title: s.title,
                scheduled_start: s.scheduled_start,
                scheduled_end: s.scheduled_end,
                time_zone: time_zone.to_owned(),
                language: s.language,
                venue,
                ai_label: s.ai_label,
                replay_url: s.replay_url,
                state: s.state,
                actual_start: s.actual_start,
                actual_end: s.actual_end,
                cancel_reason: s.cancel_reason,
                lineup,
                review,
                compliance: SessionCompliance {
                    ready_to_start: ready_to_start(&violations),
                    violations,
                },
                version: s.version,
                created_at: s.created_at,
                updated_at: s.updated_at,
            })
        })
        .collect()
}
