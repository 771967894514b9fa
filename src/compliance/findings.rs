//! Findings after the fact (DESIGN.md): what past sessions and sales reveal. They are listed on
//! the compliance pages and never refuse data.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rules::{Violation, ViolationCode};
use crate::domain::enums::SessionState;
use crate::schema::{live_sessions, products, session_products, session_reviews};

/// Findings of `hosts` (all hosts of the agency with `None`), as (host, session, violation).
pub async fn findings(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    hosts: Option<&[Uuid]>,
) -> QueryResult<Vec<(Uuid, Option<Uuid>, Violation)>> {
    let mut out = Vec::new();

    let mut reviews = session_reviews::table
        .inner_join(
            live_sessions::table.on(live_sessions::agency_id
                .eq(session_reviews::agency_id)
                .and(live_sessions::id.eq(session_reviews::session_id))),
        )
        .filter(session_reviews::agency_id.eq(agency_id))
        .filter(
            session_reviews::mandarin_spoken
                .eq(false)
                .or(session_reviews::dress_code_ok.eq(false)),
        )
        .select((
            live_sessions::influencer_id,
            live_sessions::id,
            live_sessions::title,
            session_reviews::mandarin_spoken,
            session_reviews::dress_code_ok,
        ))
        .into_boxed();
    if let Some(hosts) = hosts {
        reviews = reviews.filter(live_sessions::influencer_id.eq_any(hosts));
    }
    for (host, session, title, mandarin, dress) in reviews
        .load::<(Uuid, Uuid, String, bool, bool)>(conn)
        .await?
    {
        if !mandarin {
            out.push((
                host,
                Some(session),
                Violation::new(
                    ViolationCode::ReviewLanguageViolation,
                    format!("Session \"{title}\" ({session}) was not in Mandarin."),
                )
                .about(session.to_string()),
            ));
        }
        if !dress {
            out.push((
                host,
                Some(session),
                Violation::new(
                    ViolationCode::ReviewDressViolation,
                    format!("Session \"{title}\" ({session}) broke the dress code."),
                )
                .about(session.to_string()),
            ));
        }
    }

    let mut promoted = session_products::table
        .inner_join(
            live_sessions::table.on(live_sessions::agency_id
                .eq(session_products::agency_id)
                .and(live_sessions::id.eq(session_products::session_id))),
        )
        .inner_join(
            products::table.on(products::agency_id
                .eq(session_products::agency_id)
                .and(products::id.eq(session_products::product_id))),
        )
        .filter(session_products::agency_id.eq(agency_id))
        .filter(products::recalled_at.is_not_null())
        .filter(live_sessions::state.eq_any([SessionState::Live, SessionState::Ended]))
        .select((
            live_sessions::influencer_id,
            live_sessions::id,
            products::sku,
        ))
        .into_boxed();
    if let Some(hosts) = hosts {
        promoted = promoted.filter(live_sessions::influencer_id.eq_any(hosts));
    }
    for (host, session, sku) in promoted.load::<(Uuid, Uuid, String)>(conn).await? {
        out.push((
            host,
            Some(session),
            Violation::new(
                ViolationCode::RecalledProductPromoted,
                format!("Recalled product {sku} was promoted in session {session}."),
            )
            .about(format!("{session}:{sku}")),
        ));
    }
    Ok(out)
}
