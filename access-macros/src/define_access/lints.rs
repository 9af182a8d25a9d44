//! Policy lints (`access_model::lints`) at the level `lints: { .. }` sets: nothing under
//! `allow`, a warning at the offending token under `warn` (the default), an error under `deny`.

use access_model::{ModelData, ModelSpec};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};

use super::parse::LintLevel;

/// The lints of a compiled model: the warnings' tokens, and the errors of denied lints.
pub(crate) fn lints(
    spec: &ModelSpec<Span>,
    data: &ModelData,
    levels: &[(access_model::LintKind, LintLevel)],
) -> (TokenStream, Vec<syn::Error>) {
    let mut warnings = TokenStream::new();
    let mut errors = Vec::new();
    for (n, lint) in access_model::lints(spec, data).into_iter().enumerate() {
        let level = levels
            .iter()
            .rev()
            .find(|(k, _)| *k == lint.kind)
            .map_or(LintLevel::Warn, |(_, l)| *l);
        let name = lint.kind.name();
        match level {
            LintLevel::Allow => {}
            LintLevel::Deny => errors.push(syn::Error::new(
                lint.span,
                format!("{} (`lints: {{ {name}: deny }}`)", lint.message),
            )),
            LintLevel::Warn => {
                // Stable Rust has no warning API for proc macros: a use of a deprecated item at
                // the offending token is a warning there, which `-D warnings` turns into an error.
                let note = format!(
                    "access lint `{name}`: {} (allow with `lints: {{ {name}: allow }}`, make it an error with `deny`)",
                    lint.message
                );
                let item = format_ident!("access_lint_{}_{}", name, n, span = lint.span);
                warnings.extend(quote_spanned! {lint.span=>
                    const _: () = {
                        #[deprecated(note = #note)]
                        #[allow(non_camel_case_types)]
                        struct #item;
                        let _ = #item;
                    };
                });
            }
        }
    }
    (warnings, errors)
}
