//! A model with errors: the errors, then every item a correct model would have, named after the
//! names that did parse, over empty tables. Code that uses `Entitlement::..`, the role enums or
//! the `AccessModel` impl still compiles, so one mistake in the model is one error.

use access_model::{DefaultPermission, ModelData};
use proc_macro2::TokenStream;
use std::borrow::Cow;

use super::expand::expand;
use super::names::Names;
use super::parse::Input;

/// The errors at their spans, and the items of `input` as far as it parsed.
pub(crate) fn fallback(input: &Input, errors: &[syn::Error]) -> TokenStream {
    let mut out: TokenStream = errors.iter().map(syn::Error::to_compile_error).collect();
    let model = &input.spec.name.text;
    let names = Names::from_spec(model, &input.spec);
    out.extend(expand(input, &names, &placeholder(model)));
    out
}

/// Tables with nothing in them: they compile, and are never read (the crate does not build).
fn placeholder(model: &str) -> ModelData {
    ModelData {
        name: Cow::Owned(model.to_owned()),
        global_roles: Cow::Borrowed(&[]),
        default_role: None,
        entities: Cow::Borrowed(&[]),
        edges: Cow::Borrowed(&[]),
        edge_lookup: Cow::Borrowed(&[]),
        flags: Cow::Borrowed(&[]),
        entitlements: Cow::Borrowed(&[]),
        groups: Cow::Borrowed(&[]),
        plans: Cow::Borrowed(&[]),
        limits: Cow::Borrowed(&[]),
        default_plan: None,
        tenant: None,
        default_permission: DefaultPermission::FALLBACK,
        superuser_bypasses_blocked: false,
    }
}
