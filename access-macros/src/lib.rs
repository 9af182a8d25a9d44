//! Implementation detail of the `access-core` crate: use its re-exports
//! (`access_core::define_access!`), not this crate.

mod define_access;
mod schema;

/// Expands a `define_access!` invocation; reached only through `access_core::define_access!`,
/// which passes its own `$crate` first (`crate = $crate; ..`).
#[doc(hidden)]
#[proc_macro]
pub fn __define_access(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    define_access::expand(input.into()).into()
}

/// `#[derive(Schema)]`: entity and field permissions checked against the model. See
/// `access_core::Schema` and `docs/schemas.md`.
#[proc_macro_derive(Schema, attributes(schema))]
pub fn derive_schema(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    schema::derive(input.into()).into()
}
