//! The macro's own rules, beside `access_model::compile`'s: every name must make the Rust items
//! generated for it.
//!
//! - Each name becomes a variant (`project:create` → `ProjectCreate`): the variant must be a
//!   Rust identifier other than `Self`, `ALL` and `NAMES` (constants of the generated enums),
//!   and two names of one kind must not become the same variant.
//! - Each global role becomes an associated constant (`Access::admin`): a keyword is written
//!   `r#type`, but `crate`, `self`, `super` and `Self` have no such form and are refused.

use access_model::{ModelSpec, Name};
use proc_macro2::Span;

use super::ident::{ENUM_CONSTS, UNESCAPABLE, camel, ident, is_ident};

/// Every error of the rules above, in the order the names were written. Entitlement strings
/// are checked only when `model_ok` (the model compiled): a malformed one is already
/// `access_model`'s error, and one error per mistake is enough.
pub(crate) fn names(spec: &ModelSpec<Span>, model_ok: bool) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    let mut lists: Vec<(&str, Vec<&Name<Span>>)> = vec![
        ("global role", spec.global_roles.iter().collect()),
        ("entity", spec.entities.iter().map(|e| &e.name).collect()),
        ("flag", spec.flags.iter().collect()),
        (
            "entitlement",
            spec.entitlements.iter().map(|e| &e.name).collect(),
        ),
        ("plan", spec.plans.iter().map(|p| &p.name).collect()),
    ];
    for e in &spec.entities {
        lists.push(("role", e.roles.iter().collect()));
    }
    let mut limit_names: Vec<&Name<Span>> = Vec::new();
    for p in &spec.plans {
        for l in &p.limits {
            if !limit_names.iter().any(|n| n.text == l.name.text) {
                limit_names.push(&l.name);
            }
        }
    }
    lists.push(("limit", limit_names));
    for (what, names) in lists {
        let mut seen: Vec<(String, &str)> = Vec::new();
        for n in names {
            let v = camel(&n.text);
            if let Some(message) = variant_problem(what, &n.text, &v) {
                if what != "entitlement" || model_ok {
                    errors.push(syn::Error::new(n.span, message));
                }
                continue;
            }
            if what == "global role" && ident(&n.text).is_none() {
                errors.push(syn::Error::new(
                    n.span,
                    format!(
                        "global role `{0}` cannot name the constant `{1}::{0}` that schema attributes use: `{0}` is a keyword that `r#` does not escape; rename it",
                        n.text, spec.name.text
                    ),
                ));
                continue;
            }
            match seen.iter().find(|(s, _)| *s == v) {
                Some((_, other)) if *other != n.text => errors.push(syn::Error::new(
                    n.span,
                    format!(
                        "{what} `{}` and {what} `{other}` both become the variant `{v}`; rename one",
                        n.text
                    ),
                )),
                Some(_) => {}
                None => seen.push((v, &n.text)),
            }
        }
    }
    errors
}

/// Why `name` (a `what`) makes no variant, if it makes none; `v` is its variant's text.
fn variant_problem(what: &str, name: &str, v: &str) -> Option<String> {
    if UNESCAPABLE.contains(&v) {
        Some(format!(
            "{what} `{name}` becomes the variant `{v}`, which Rust reserves; rename it"
        ))
    } else if ENUM_CONSTS.contains(&v) {
        Some(format!(
            "{what} `{name}` becomes the variant `{v}`, which would hide the generated constant `{v}` of its enum; rename it"
        ))
    } else if v.is_empty() {
        Some(format!(
            "{what} `{name}` does not make a Rust variant: it has no letter or digit; add a letter"
        ))
    } else if !is_ident(v) {
        Some(format!(
            "{what} `{name}` does not make a Rust variant: `{v}` is not an identifier; start it with a letter"
        ))
    } else {
        None
    }
}
