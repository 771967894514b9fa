//! The roster: hosts and what the rules require the agency to know about them.

pub mod accounts;
pub mod contracts;
pub mod dto;
pub mod entities;
pub mod handlers;
pub mod identity;
pub mod model;
pub mod qualifications;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    routes
        .get("/v1/influencers", handlers::list_influencers)
        .post("/v1/influencers", handlers::create_influencer)
        .get("/v1/influencers/{id}", handlers::get_influencer)
        .patch("/v1/influencers/{id}", handlers::update_influencer)
        .delete("/v1/influencers/{id}", handlers::terminate_influencer)
        .post("/v1/influencers/{id}/suspend", handlers::suspend_influencer)
        .post(
            "/v1/influencers/{id}/reinstate",
            handlers::reinstate_influencer,
        )
        .get("/v1/influencers/{id}/identity", identity::get_identity)
        .put("/v1/influencers/{id}/identity", identity::put_identity)
        .post(
            "/v1/influencers/{id}/identity/verify",
            identity::verify_identity,
        )
        .post(
            "/v1/influencers/{id}/identity/reject",
            identity::reject_identity,
        )
        .put(
            "/v1/influencers/{id}/guardian-consent",
            identity::put_guardian_consent,
        )
        .get(
            "/v1/influencers/{id}/legal-entities",
            entities::list_entities,
        )
        .post(
            "/v1/influencers/{id}/legal-entities",
            entities::create_entity,
        )
        .patch(
            "/v1/influencers/{id}/legal-entities/{eid}",
            entities::update_entity,
        )
        .get(
            "/v1/influencers/{id}/legal-entities/{eid}",
            entities::get_entity,
        )
        .get(
            "/v1/influencers/{id}/qualifications",
            qualifications::list_qualifications,
        )
        .post(
            "/v1/influencers/{id}/qualifications",
            qualifications::create_qualification,
        )
        .get(
            "/v1/influencers/{id}/qualifications/{qid}",
            qualifications::get_qualification,
        )
        .patch(
            "/v1/influencers/{id}/qualifications/{qid}",
            qualifications::update_qualification,
        )
        .get(
            "/v1/influencers/{id}/platform-accounts",
            accounts::list_accounts,
        )
        .post(
            "/v1/influencers/{id}/platform-accounts",
            accounts::create_account,
        )
        .get(
            "/v1/influencers/{id}/platform-accounts/{aid}",
            accounts::get_account,
        )
        .patch(
            "/v1/influencers/{id}/platform-accounts/{aid}",
            accounts::update_account,
        )
        .delete(
            "/v1/influencers/{id}/platform-accounts/{aid}",
            accounts::delete_account,
        )
        .get("/v1/influencers/{id}/contracts", contracts::list_contracts)
        .post("/v1/influencers/{id}/contracts", contracts::create_contract)
        .get(
            "/v1/influencers/{id}/contracts/{cid}",
            contracts::get_contract,
        )
        .patch(
            "/v1/influencers/{id}/contracts/{cid}",
            contracts::update_contract,
        );
}
