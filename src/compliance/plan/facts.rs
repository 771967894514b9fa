//! Reading the [`Facts`] about some drafts: their hosts' snapshots and accounts, their products
//! and the hosts' passing tests, in a few queries for any number of drafts.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Draft, local_date};
use crate::compliance::context::RuleContext;
use crate::compliance::rules::HostSnapshot;
use crate::compliance::snapshot::{self, Hosts};
use crate::domain::enums::{AccountStatus, Platform};
use crate::error::AppError;
use crate::products::model::{self as products, Product};
use crate::schema::platform_accounts;

/// What the rules read about some drafts: their hosts' snapshots and accounts, their products
/// and the hosts' passing tests over the days the drafts fall on. Loaded once per answer, in a
/// few queries for any number of drafts, and then read by both the rules and the answer.
pub struct Facts {
    pub(super) time_zone: Tz,
    pub(super) valid_days: u32,
    pub(super) hosts: HashSet<Uuid>,
    pub(super) snapshots: HashMap<Uuid, HostSnapshot>,
    /// Every account of the hosts: id → (host, platform, status).
    pub(super) accounts: HashMap<Uuid, (Uuid, Platform, AccountStatus)>,
    /// The products asked for; those not found are absent from `catalogue`.
    pub(super) asked: HashSet<Uuid>,
    pub(super) catalogue: HashMap<Uuid, Product>,
    pub(super) tests: Vec<(Uuid, Uuid, NaiveDate)>,
    /// The agency-local days the tests were read for (none without products).
    pub(super) days: Option<(NaiveDate, NaiveDate)>,
}

/// `keys` sorted, each once.
fn distinct(keys: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    keys.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl Facts {
    /// Reads the facts about `drafts`.
    pub async fn load(
        conn: &mut AsyncPgConnection,
        agency_id: Uuid,
        time_zone: Tz,
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
        time_zone: Tz,
        valid_days: u32,
        drafts: &[Draft],
        known: Vec<Product>,
    ) -> Result<Facts, AppError> {
        let hosts = distinct(drafts.iter().map(|d| d.influencer_id));
        let product_ids = distinct(drafts.iter().flat_map(|d| d.product_ids.iter().copied()));
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
            time_zone,
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
            rules.0,
            rules.1,
            std::slice::from_ref(draft),
            known,
        )
        .await
    }

    /// The agency time zone the facts were read for.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// A product the drafts name, as read (absent when not found in the agency).
    pub fn product(&self, id: Uuid) -> Option<&Product> {
        self.catalogue.get(&id)
    }

    /// The platform of one of the hosts' accounts.
    pub fn platform_of(&self, account: Uuid) -> Option<Platform> {
        self.accounts
            .get(&account)
            .map(|(_, platform, _)| *platform)
    }

    /// Whether `account` is an account of `host`.
    pub fn owns_account(&self, host: Uuid, account: Uuid) -> bool {
        self.accounts
            .get(&account)
            .is_some_and(|(owner, _, _)| *owner == host)
    }
}
