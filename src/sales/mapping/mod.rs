//! Export files as the platforms make them: how their columns map onto order lines (built-in
//! formats and saved mappings share one [`spec::Spec`]), the cells' values, and a spec bound to
//! a file's header reading its rows ([`apply::Bound`]).

pub mod apply;
pub mod builtin;
pub mod saved;
pub mod spec;
pub mod values;
