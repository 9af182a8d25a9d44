//! Implementation detail of `access-core`: the access model's validation and table computation.
//!
//! One implementation serves two front ends: `define_access!` (at compile time, with
//! `proc_macro2::Span` locations) and the run-time builder (dynamic models, conformance and
//! differential tests). [`compile`] validates a [`spec::ModelSpec`], collects *every* error with
//! its location, and computes the [`data::ModelData`] tables the engine reads.

pub mod builder;
pub mod data;
pub mod lint;
pub mod spec;
mod suggest;
mod validate;

pub use builder::ModelBuilder;
pub use data::*;
pub use lint::{Lint, LintKind, lints};
pub use spec::*;
pub use suggest::{SUGGEST_CONST_MAX_CHARS, backticked, suggest, suggest_const, unknown_message};
pub use validate::{ErrorKind, ModelError, compile};
