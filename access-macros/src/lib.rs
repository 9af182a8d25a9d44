//! Implementation detail of the `access-core` crate: use its re-exports
//! (`access_core::define_access!`), not this crate.

mod define_access;

/// Expands a `define_access!` invocation; reached only through `access_core::define_access!`,
/// which passes its own `$crate` first (`crate = $crate; ..`).
#[doc(hidden)]
#[proc_macro]
pub fn __define_access(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    define_access::expand(input.into()).into()
}
