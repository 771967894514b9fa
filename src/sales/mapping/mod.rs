//! Export files as the platforms make them: how their columns map onto order lines (built-in
//! formats and saved mappings share one [`spec::Spec`]).

pub mod builtin;
pub mod spec;
