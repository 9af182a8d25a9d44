//! `define_access!`: parse → validate → expand, or fallback.
//!
//! 1. [`parse`]: tokens → `ModelSpec<Span>` (syntax only; at a syntax error, the error and what
//!    parsed before it).
//! 2. [`validate`] and `access_model::compile`: the names make Rust items; the model resolves
//!    (every name known, no cycle, ..). Every error of the invocation is collected.
//! 3. [`lints`]: policy warnings, or errors where `lints: { .. }` denies them.
//! 4. [`expand`] the compiled tables into the items ([`enums`], [`tables`]), or, on any error,
//!    [`fallback`]: the errors and the same items named after what did parse, so one mistake is
//!    one error.
//!
//! [`ident`] decides which identifier each name becomes; [`names`] gathers them.

mod enums;
mod expand;
mod fallback;
mod ident;
mod lints;
mod names;
mod parse;
mod resources;
mod tables;
mod validate;

use proc_macro2::TokenStream;

use names::Names;
use parse::Input;

/// The whole macro on `proc_macro2` tokens (unit-testable): never panics; errors come out as
/// `compile_error!`s at their spans, all of them together.
pub(crate) fn expand(tokens: TokenStream) -> TokenStream {
    let input: Input = match parse::parse(tokens) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    if !input.complete {
        // A syntax error: the model is incomplete, so resolving it would report names that
        // were simply not reached.
        return fallback::fallback(&input, &input.errors);
    }
    let mut errors = input.errors.clone();
    let data = match access_model::compile(&input.spec) {
        Ok(data) => {
            errors.extend(validate::names(&input.spec, true));
            data
        }
        Err(model_errors) => {
            errors.extend(validate::names(&input.spec, false));
            errors.extend(
                model_errors
                    .into_iter()
                    .map(|e| syn::Error::new(e.span, e.message)),
            );
            return fallback::fallback(&input, &errors);
        }
    };
    if !errors.is_empty() {
        return fallback::fallback(&input, &errors);
    }
    // Lints run on a model without errors only.
    let (warnings, denied) = lints::lints(&input.spec, &data, &input.lint_levels);
    if !denied.is_empty() {
        return fallback::fallback(&input, &denied);
    }
    let names = Names::from_data(&input.spec.name.text, &data);
    let mut out = expand::expand(&input, &names, &data);
    out.extend(warnings);
    if std::env::var_os("ACCESS_MACROS_DEBUG").is_some_and(|v| v == "1") {
        eprintln!("define_access! {} expands to:\n{out}", input.spec.name.text);
    }
    out
}

#[cfg(test)]
mod tests;
