//! The tenant: agencies, created with their first owner by sign-up or `mcn create-agency`.

pub mod model;
pub mod signup;
