//! `#[derive(Schema)]`: entity and field permissions.
//!
//! A pipeline, as serde_derive and thiserror are built:
//!
//! - [`attr`]: parse. The `#[schema(..)]` attributes as written, read with darling; a rule that
//!   does not parse keeps its error in its place, so the rest is still checked.
//! - [`validate`]: every check, every error of the derive collected; the [`model`] when none.
//! - [`model`]: the validated, typed schema.
//! - [`expand`]: the code of the model; cannot fail.
//! - [`fallback`]: on errors, the errors, impls that keep uses of the type quiet, and the
//!   checks of the model's names that did parse.
//!
//! How names are checked against the model, which this derive cannot see (STYLE.md, Errors,
//! option 1): `define_access!` gives the model type one associated constant per global role,
//! and the derive emits a role written `admin` as `<model path>::admin` with the identifier's own
//! span. A typo is then rustc's "no associated item named `admn`" at the typo, with its correct
//! "similar name" fix, in any module or crate. Entitlement strings are checked by a `const`
//! (emitted at the string's span) that looks the name up in the model's name table at compile
//! time and fails with `unknown entitlement `x`, did you mean `y`?`. Field names are checked
//! here, against the struct.

mod attr;
mod expand;
mod fallback;
mod model;
#[cfg(test)]
mod tests;
mod validate;

use proc_macro2::TokenStream;
use syn::DeriveInput;

/// `#[derive(Schema)]` on `input`: parse, validate, then expand or fall back.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let parsed = attr::parse(&input);
    match validate::validate(&input, &parsed) {
        Ok(schema) => expand::expand(&schema),
        Err(errors) => fallback::fallback(&input, &parsed, errors),
    }
}
