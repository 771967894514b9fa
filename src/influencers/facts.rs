//! What a roster table shows next to each host besides the host's own row: whether an active
//! legal entity exists, the platforms of its active accounts, and how many open issues the
//! compliance page lists for it. Read for a whole page at once, in one statement whatever the
//! page's size.

use std::collections::HashMap;

use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::compliance::handlers::rule_context;
use crate::compliance::refresh::refresh;
use crate::db::KeepPrepared;
use crate::domain::enums::Platform;
use crate::error::AppError;
use crate::state::AppState;

/// Per host of `$2`: an active legal entity exists; the distinct platforms of its active
/// accounts; its open issues as `GET /v1/compliance/issues` lists them (stored issues whose
/// finding was not acknowledged or resolved). Each host is looked up on its own through the
/// `(agency_id, influencer_id)` indexes, whatever the planner's statistics say.
pub const FACTS_SQL: &str = "\
SELECT k.id AS influencer_id, \
    EXISTS (SELECT 1 FROM legal_entities e WHERE e.agency_id = $1 \
        AND e.influencer_id = k.id AND e.status = 'active') AS has_active_legal_entity, \
    ARRAY(SELECT DISTINCT pa.platform FROM platform_accounts pa WHERE pa.agency_id = $1 \
        AND pa.influencer_id = k.id AND pa.status = 'active') AS platforms, \
    (SELECT count(*) FROM compliance_issues ci WHERE ci.agency_id = $1 \
        AND ci.influencer_id = k.id AND NOT EXISTS (SELECT 1 FROM compliance_finding_states f \
            WHERE f.agency_id = $1 AND f.issue_id = ci.id)) AS open_violations \
FROM unnest($2::uuid[]) AS k(id)";

/// One host's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostFacts {
    pub has_active_legal_entity: bool,
    /// Sorted by name, each once.
    pub platforms: Vec<Platform>,
    pub open_violations: i64,
}

#[derive(QueryableByName)]
struct FactsRow {
    #[diesel(sql_type = SqlUuid)]
    influencer_id: Uuid,
    #[diesel(sql_type = Bool)]
    has_active_legal_entity: bool,
    #[diesel(sql_type = Array<Text>)]
    platforms: Vec<Platform>,
    #[diesel(sql_type = BigInt)]
    open_violations: i64,
}

/// The facts of `hosts` (of the agency), after bringing the stored compliance issues up to date
/// as the compliance page does, so that `open_violations` is the number that page shows.
pub async fn load(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    agency_id: Uuid,
    hosts: &[Uuid],
) -> Result<HashMap<Uuid, HostFacts>, AppError> {
    if hosts.is_empty() {
        return Ok(HashMap::new());
    }
    let context = rule_context(conn, state, agency_id).await?;
    refresh(conn, agency_id, &context).await?;
    let rows: Vec<FactsRow> = KeepPrepared(
        diesel::sql_query(FACTS_SQL)
            .bind::<SqlUuid, _>(agency_id)
            .bind::<Array<SqlUuid>, _>(hosts),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut platforms = row.platforms;
            platforms.sort_by_key(|p| p.as_str());
            platforms.dedup();
            let facts = HostFacts {
                has_active_legal_entity: row.has_active_legal_entity,
                platforms,
                open_violations: row.open_violations,
            };
            (row.influencer_id, facts)
        })
        .collect())
}
