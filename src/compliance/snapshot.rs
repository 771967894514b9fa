//! Reading hosts' snapshots for the rules: a handful of queries for any number of hosts.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rules::{HostSnapshot, IdentityFacts, QualificationFacts};
use crate::domain::enums::{EntityStatus, InfluencerStatus, RegulatedField, VerificationState};
use crate::influencers::model::Influencer;
use crate::schema::{guardian_consents, identities, influencers, legal_entities, qualifications};

/// Which hosts to read.
#[derive(Debug, Clone, Copy)]
pub enum Hosts<'a> {
    /// These hosts, whatever their status.
    Only(&'a [Uuid]),
    /// Every host of the agency that is not terminated.
    Roster,
}

/// Snapshots of the agency's hosts, in id order.
pub async fn load(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hosts: Hosts<'_>,
) -> QueryResult<Vec<(Influencer, HostSnapshot)>> {
    let mut query = influencers::table
        .filter(influencers::agency_id.eq(agency_id))
        .select(Influencer::as_select())
        .order(influencers::id.asc())
        .into_boxed();
    query = match hosts {
        Hosts::Only(ids) => query.filter(influencers::id.eq_any(ids)),
        Hosts::Roster => query.filter(influencers::status.ne(InfluencerStatus::Terminated)),
    };
    let rows: Vec<Influencer> = query.load(conn).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();

    let identity_rows: Vec<(Uuid, VerificationState, Option<NaiveDate>)> = identities::table
        .filter(identities::agency_id.eq(agency_id))
        .filter(identities::influencer_id.eq_any(&ids))
        .select((
            identities::influencer_id,
            identities::verification_state,
            identities::date_of_birth,
        ))
        .load(conn)
        .await?;
    let consent_rows: Vec<Uuid> = guardian_consents::table
        .filter(guardian_consents::agency_id.eq(agency_id))
        .filter(guardian_consents::influencer_id.eq_any(&ids))
        // An erased consent names no guardian: it no longer counts.
        .filter(guardian_consents::erased_at.is_null())
        .select(guardian_consents::influencer_id)
        .load(conn)
        .await?;
    let entity_rows: Vec<(Uuid, EntityStatus)> = legal_entities::table
        .filter(legal_entities::agency_id.eq(agency_id))
        .filter(legal_entities::influencer_id.eq_any(&ids))
        .select((legal_entities::influencer_id, legal_entities::status))
        .load(conn)
        .await?;
    let qualification_rows: Vec<(Uuid, RegulatedField, NaiveDate, NaiveDate)> =
        qualifications::table
            .filter(qualifications::agency_id.eq(agency_id))
            .filter(qualifications::influencer_id.eq_any(&ids))
            // A revoked qualification counts for nothing, not even for an expiry warning.
            .filter(qualifications::revoked_at.is_null())
            .select((
                qualifications::influencer_id,
                qualifications::field,
                qualifications::valid_from,
                qualifications::valid_until,
            ))
            .load(conn)
            .await?;

    let mut identities: HashMap<Uuid, IdentityFacts> = identity_rows
        .into_iter()
        .map(|(id, state, date_of_birth)| {
            (
                id,
                IdentityFacts {
                    state,
                    date_of_birth,
                },
            )
        })
        .collect();
    let mut entities: HashMap<Uuid, Vec<EntityStatus>> = HashMap::new();
    for (id, status) in entity_rows {
        entities.entry(id).or_default().push(status);
    }
    let mut qualifications: HashMap<Uuid, Vec<QualificationFacts>> = HashMap::new();
    for (id, field, valid_from, valid_until) in qualification_rows {
        qualifications
            .entry(id)
            .or_default()
            .push(QualificationFacts {
                field,
                valid_from,
                valid_until,
            });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let snapshot = HostSnapshot {
                kind: row.kind,
                status: row.status,
                identity: identities.remove(&row.id),
                has_guardian_consent: consent_rows.contains(&row.id),
                legal_entities: entities.remove(&row.id).unwrap_or_default(),
                qualifications: qualifications.remove(&row.id).unwrap_or_default(),
            };
            (row, snapshot)
        })
        .collect())
}
