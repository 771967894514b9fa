//! From sessions (stored or proposed) to the facts the rules read, in a few queries for any
//! number of sessions, and from there to the answers with their `compliance` block.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::dto::{Incident, LineupItemView, ReviewView, SessionCompliance, SessionView, Venue};
use super::model::{self as sessions, LineupRow, LiveSession, ReviewRow};
use crate::compliance::rules::{
    HostSnapshot, LineupFacts, SessionPlan, Violation, evaluate_session, ready_to_start,
};
use crate::compliance::snapshot::{self, Hosts};
use crate::domain::enums::{AccountStatus, Platform};
use crate::error::AppError;
use crate::products::model::{self as products, Product};
use crate::schema::platform_accounts;

/// The agency's time zone and the days a product test stays valid: what judging reads besides
/// the facts.
pub type RuleContext = (String, u32);

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

/// What the rules read about some drafts: their hosts' snapshots and accounts, their products
/// and the hosts' passing tests over the days the drafts fall on. Loaded once per answer, in a
/// few queries for any number of drafts, and then read by both the rules and the answer.
pub struct Facts {
    time_zone: String,
    valid_days: u32,
    hosts: HashSet<Uuid>,
    snapshots: HashMap<Uuid, HostSnapshot>,
    /// Every account of the hosts: id → (host, platform, status).
    accounts: HashMap<Uuid, (Uuid, Platform, AccountStatus)>,
    /// The products asked for; those not found are absent from `catalogue`.
    asked: HashSet<Uuid>,
    catalogue: HashMap<Uuid, Product>,
    tests: Vec<(Uuid, Uuid, NaiveDate)>,
    /// The agency-local days the tests were read for (none without products).
    days: Option<(NaiveDate, NaiveDate)>,
}

impl Facts {
    /// Reads the facts about `drafts`.
    pub async fn load(
        conn: &mut AsyncPgConnection,
        agency_id: Uuid,
        time_zone: &str,
        valid_days: u32,
        drafts: &[Draft],
    ) -> Result<Facts, AppError> {
        Self::load_knowing(conn, agency_id, time_zone, valid_days, drafts, Vec::new()).await
    }

    /// Reads the facts about `drafts`, taking the products the request read already from
    /// `known` (only those the drafts name are kept; the others are read).
    pub async fn load_knowing(
        conn: &mut AsyncPgConnection,
        agency_id: Uuid,
        time_zone: &str,
        valid_days: u32,
        drafts: &[Draft],
        known: Vec<Product>,
    ) -> Result<Facts, AppError> {
        let hosts: Vec<Uuid> =
            crate::sales::lookup::distinct(drafts.iter().map(|d| d.influencer_id));
        let product_ids: Vec<Uuid> = crate::sales::lookup::distinct(
            drafts.iter().flat_map(|d| d.product_ids.iter().copied()),
        );
        let snapshots: HashMap<Uuid, HostSnapshot> =
            snapshot::load(conn, agency_id, Hosts::Only(&hosts))
                .await?
                .into_iter()
                .map(|(row, snapshot)| (row.id, snapshot))
                .collect();
        let accounts = platform_accounts::table
            .filter(platform_accounts::agency_id.eq(agency_id))
            .filter(platform_accounts::influencer_id.eq_any(&hosts))
            .select((
                platform_accounts::id,
                platform_accounts::influencer_id,
                platform_accounts::platform,
                platform_accounts::status,
            ))
            .load::<(Uuid, Uuid, Platform, AccountStatus)>(conn)
            .await?
            .into_iter()
            .map(|(id, host, platform, status)| (id, (host, platform, status)))
            .collect();
        let mut catalogue: HashMap<Uuid, Product> = known
            .into_iter()
            .filter(|p| product_ids.binary_search(&p.id).is_ok())
            .map(|p| (p.id, p))
            .collect();
        let missing: Vec<Uuid> = product_ids
            .iter()
            .filter(|id| !catalogue.contains_key(id))
            .copied()
            .collect();
        if !missing.is_empty() {
            catalogue.extend(
                products::find_many(conn, agency_id, &missing)
                    .await?
                    .into_iter()
                    .map(|p| (p.id, p)),
            );
        }
        let dates: Vec<NaiveDate> = drafts
            .iter()
            .map(|d| local_date(d.scheduled_start, time_zone))
            .collect();
        let window = Duration::days(i64::from(valid_days));
        let days = match (dates.iter().min(), dates.iter().max()) {
            (Some(first), Some(last)) if !product_ids.is_empty() => Some((*first, *last)),
            _ => None,
        };
        let tests = match days {
            Some((first, last)) => {
                products::passing_tests(conn, agency_id, &hosts, &product_ids, first - window, last)
                    .await?
            }
            None => Vec::new(),
        };
        Ok(Facts {
            time_zone: time_zone.to_owned(),
            valid_days,
            hosts: hosts.into_iter().collect(),
            snapshots,
            accounts,
            asked: product_ids.into_iter().collect(),
            catalogue,
            tests,
            days,
        })
    }

    /// Reads the facts about one draft, with the products the request read already.
    pub async fn load_one(
        conn: &mut AsyncPgConnection,
        agency_id: Uuid,
        rules: &RuleContext,
        draft: &Draft,
        known: Vec<Product>,
    ) -> Result<Facts, AppError> {
        Self::load_knowing(
            conn,
            agency_id,
            &rules.0,
            rules.1,
            std::slice::from_ref(draft),
            known,
        )
        .await
    }

    /// Whether these facts hold all that judging `draft` reads.
    pub fn covers(&self, draft: &Draft) -> bool {
        let date = local_date(draft.scheduled_start, &self.time_zone);
        self.hosts.contains(&draft.influencer_id)
            && draft.product_ids.iter().all(|id| self.asked.contains(id))
            && (draft.product_ids.is_empty()
                || self
                    .days
                    .is_some_and(|(first, last)| first <= date && date <= last))
    }

    /// Whether `account` is an account of `host`.
    pub fn owns_account(&self, host: Uuid, account: Uuid) -> bool {
        self.accounts
            .get(&account)
            .is_some_and(|(owner, _, _)| *owner == host)
    }

    /// The violations of one draft these facts cover. An evaluation that yields no verdict is
    /// an error, never a pass: a compliance gate fails closed.
    pub fn judge_one(&self, draft: &Draft) -> Result<Vec<Violation>, AppError> {
        let mut verdicts = self.judge(std::slice::from_ref(draft))?;
        match (verdicts.pop(), verdicts.is_empty()) {
            (Some(violations), true) => Ok(violations),
            _ => Err(AppError::Internal(anyhow::anyhow!(
                "the compliance evaluation of a session gave no single verdict"
            ))),
        }
    }

    /// The violations of each draft, in order; a draft the facts do not cover is an error.
    pub fn judge(&self, drafts: &[Draft]) -> Result<Vec<Vec<Violation>>, AppError> {
        let window = Duration::days(i64::from(self.valid_days));
        let mut results = Vec::with_capacity(drafts.len());
        for draft in drafts {
            if !self.covers(draft) {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "a session was judged on facts read for others"
                )));
            }
            let date = local_date(draft.scheduled_start, &self.time_zone);
            let Some(host) = self.snapshots.get(&draft.influencer_id) else {
                return Err(AppError::NotFound);
            };
            // Fail closed: an account or a product that is not found is a violation, not
            // skipped.
            let platform = self
                .accounts
                .get(&draft.platform_account_id)
                .map(|(_, platform, _)| *platform);
            let unknown_products = draft
                .product_ids
                .iter()
                .filter(|id| !self.catalogue.contains_key(id))
                .map(Uuid::to_string)
                .collect();
            let lineup = draft
                .product_ids
                .iter()
                .filter_map(|id| self.catalogue.get(id))
                .map(|product| LineupFacts {
                    sku: product.sku.clone(),
                    recalled: product.recalled_at.is_some(),
                    regulated_field: product.regulated_field,
                    tested_by_host: self.tests.iter().any(|(host_id, product_id, tested_on)| {
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
                has_active_account: platform.is_some_and(|platform| {
                    self.accounts.values().any(|(owner, p, status)| {
                        *owner == draft.influencer_id
                            && *p == platform
                            && *status == AccountStatus::Active
                    })
                }),
                language: draft.language.clone(),
                ai_label: draft.ai_label,
                lineup,
                unknown_products,
            };
            results.push(evaluate_session(host, &plan));
        }
        Ok(results)
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
    Facts::load(conn, agency_id, time_zone, valid_days, drafts)
        .await?
        .judge(drafts)
}

/// The draft a stored session is, with its lineup.
pub fn draft_of(session: &LiveSession, lineup: &[LineupRow]) -> Draft {
    Draft {
        influencer_id: session.influencer_id,
        platform_account_id: session.platform_account_id,
        scheduled_start: session.scheduled_start,
        language: session.language.clone(),
        ai_label: session.ai_label,
        product_ids: lineup
            .iter()
            .filter(|l| l.session_id == session.id)
            .map(|l| l.product_id)
            .collect(),
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
    views_with(conn, agency_id, time_zone, valid_days, rows, None).await
}

/// As [`views`], judging on `known` facts (read earlier in the same request) when they cover
/// every session, so that an answer reads each fact once.
pub async fn views_with(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    time_zone: &str,
    valid_days: u32,
    rows: Vec<LiveSession>,
    known: Option<Facts>,
) -> Result<Vec<SessionView>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
    let lineup_rows = sessions::lineups(conn, agency_id, &ids).await?;
    let reviews = sessions::reviews(conn, agency_id, &ids).await?;
    let drafts: Vec<Draft> = rows.iter().map(|s| draft_of(s, &lineup_rows)).collect();
    let facts = match known {
        Some(facts) if facts.time_zone == time_zone && drafts.iter().all(|d| facts.covers(d)) => {
            facts
        }
        _ => Facts::load(conn, agency_id, time_zone, valid_days, &drafts).await?,
    };
    assemble(rows, &lineup_rows, reviews, &facts)
}

/// The answers for sessions whose lineups and reviews are at hand, judged on `facts`.
pub fn assemble(
    rows: Vec<LiveSession>,
    lineup_rows: &[LineupRow],
    reviews: Vec<ReviewRow>,
    facts: &Facts,
) -> Result<Vec<SessionView>, AppError> {
    let drafts: Vec<Draft> = rows.iter().map(|s| draft_of(s, lineup_rows)).collect();
    let verdicts = facts.judge(&drafts)?;
    let catalogue = &facts.catalogue;
    let time_zone = facts.time_zone.as_str();
    let mut reviews: HashMap<Uuid, ReviewRow> =
        reviews.into_iter().map(|r| (r.session_id, r)).collect();
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
                        planned_price: l.planned_price.map(|price| p.currency.format(price)),
                        currency: p.currency.code().to_owned(),
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
                platform: facts
                    .accounts
                    .get(&s.platform_account_id)
                    .map_or(Platform::Other, |(_, platform, _)| *platform),
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
