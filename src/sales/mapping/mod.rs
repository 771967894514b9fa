//! Export files as the platforms make them: how their columns map onto order lines (built-in
//! formats and saved mappings share one [`spec::Spec`]), the cells' values, and a spec bound to
//! a file's header reading its rows ([`apply::Bound`]); the routes that list the formats and
//! keep the agency's saved mappings.

pub mod apply;
pub mod builtin;
mod checks;
pub mod dto;
pub mod handlers;
pub mod saved;
pub mod spec;
pub mod status;
pub mod values;

pub use saved::load_spec;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        handlers::list_formats,
        handlers::list_mappings,
        handlers::create_mapping,
        handlers::get_mapping,
        handlers::update_mapping,
        handlers::delete_mapping,
    );
}
