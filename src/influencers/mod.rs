//! The roster: hosts and what the rules require the agency to know about them.

pub mod accounts;
pub mod contracts;
pub mod dto;
pub mod entities;
pub mod facts;
pub mod guardian_consent;
pub mod handlers;
pub mod identity;
pub mod model;
pub mod personal_data;
pub mod qualifications;
pub mod record;
pub mod status;

use identity::{review, submit};
use personal_data::erasure;

use crate::routing::Routes;

/// Mounts the roster's handlers.
pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::list_influencers,
        handlers::create_influencer,
        handlers::get_influencer,
        handlers::update_influencer,
        status::terminate_influencer,
        status::suspend_influencer,
        status::reinstate_influencer,
        identity::get_identity,
        submit::put_identity,
        review::verify_identity,
        review::reject_identity,
        guardian_consent::put_guardian_consent,
        entities::list_entities,
        entities::create_entity,
        entities::update_entity,
        qualifications::list_qualifications,
        qualifications::create_qualification,
        accounts::list_accounts,
        accounts::create_account,
        accounts::update_account,
        accounts::delete_account,
        contracts::list_contracts,
        contracts::create_contract,
        personal_data::get_personal_data,
        erasure::erase_personal_data,
        entities::get_entity,
        qualifications::get_qualification,
        qualifications::update_qualification,
        accounts::get_account,
        contracts::get_contract,
        contracts::update_contract,
    );
}
