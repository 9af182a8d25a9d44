//! `#[authorize("project:delete", resource = project(id))]` on axum handlers.
//!
//! The handler takes an `Access<Model, Stores>` extractor (401 without credentials); the model
//! type comes from it. The entitlement and the entity type are checked at compile time against
//! the model's name tables (a `const` at the literal / identifier's span, with "did you mean");
//! the guard runs `check` (or `can_and_consume` with `consume`) before the body and answers 403
//! with the reasons when denied. With `consume`, the unit is given back when the handler's
//! response is not a success. `crate = path` names access-axum when it is reached under another
//! name (a re-export, a renamed dependency), as `#[serde(crate = "..")]` does.
//!
//! The pipeline: [`parse`] the attribute (each item on its own) → [`validate`] the attribute and
//! the handler (every mistake of both, together) → [`expand`], which cannot fail. On any mistake
//! the errors come out with the handler unchanged, so its body is still checked.

mod expand;
mod parse;
#[cfg(test)]
mod tests;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Vec::new();
    let args = parse::args(attr, &mut errors);
    let checked = validate::check(args, &item, &mut errors);
    match (errors.into_iter().reduce(combine), checked) {
        (None, Some(c)) => expand::handler(&c),
        (e, _) => {
            let e = e.map(|e| e.to_compile_error());
            quote!(#e #item)
        }
    }
}

fn combine(mut a: syn::Error, b: syn::Error) -> syn::Error {
    a.combine(b);
    a
}
