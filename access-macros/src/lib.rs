//! Implementation detail of the `access-core` crate: use its re-exports
//! (`access_core::define_access!`), not this crate.

mod authorize;
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

/// `#[authorize("project:delete", resource = project(id))]` on an axum handler that takes
/// `access: Access<Model, Stores>`: checks the entitlement on the resource before the body
/// (403 with the reasons when denied). `consume` spends a unit of the entitlement's limits and
/// gives it back when the handler's response is not a success. Names are checked at compile
/// time. Re-exported as `access_axum::authorize`.
#[proc_macro_attribute]
pub fn authorize(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    authorize::expand(attr.into(), item.into()).into()
}

/// `tokens` with every span set to `span`: a generated expression whose compile-time failure
/// should point at the user's token.
pub(crate) fn respan(
    tokens: proc_macro2::TokenStream,
    span: proc_macro2::Span,
) -> proc_macro2::TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let proc_macro2::TokenTree::Group(g) = &t {
                let mut ng = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                ng.set_span(span);
                t = proc_macro2::TokenTree::Group(ng);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}
