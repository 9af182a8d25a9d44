//! `define_access!`: parse → validate (`access_model::compile`) → expand.

mod expand;
mod parse;

use access_model::{ModelData, ModelSpec, Name};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use expand::{Variant, camel, enum_tokens, ident};
use parse::Input;

/// The whole macro on `proc_macro2` tokens (unit-testable): never panics; errors come out as
/// `compile_error!`s at their spans, all of them together.
pub(crate) fn expand(tokens: TokenStream) -> TokenStream {
    let input: Input = match syn::parse2(tokens) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = input.errors.clone();
    check_variant_names(&input.spec, &mut errors);
    let data = match access_model::compile(&input.spec) {
        Ok(d) if errors.is_empty() => d,
        Ok(_) => return fallback(&input, errors),
        Err(model_errors) => {
            errors.extend(
                model_errors
                    .into_iter()
                    .map(|e| syn::Error::new(e.span, e.message)),
            );
            return fallback(&input, errors);
        }
    };
    // Policy lints: warnings at the offending token, errors under `deny`.
    let mut warnings = Vec::new();
    for (n, lint) in access_model::lints(&input.spec, &data)
        .into_iter()
        .enumerate()
    {
        let level = input
            .lint_levels
            .iter()
            .rev()
            .find(|(k, _)| *k == lint.kind)
            .map_or(parse::LintLevel::Warn, |(_, l)| *l);
        let name = lint.kind.name();
        match level {
            parse::LintLevel::Allow => {}
            parse::LintLevel::Deny => errors.push(syn::Error::new(
                lint.span,
                format!("{} (`lints: {{ {name}: deny }}`)", lint.message),
            )),
            parse::LintLevel::Warn => {
                // Stable Rust has no warning API for proc macros: a use of a deprecated item at
                // the offending token is a warning there, which `-D warnings` turns into an error.
                let note = format!(
                    "access lint `{name}`: {} (allow with `lints: {{ {name}: allow }}`, make it an error with `deny`)",
                    lint.message
                );
                let item = format_ident!("access_lint_{}_{}", name, n, span = lint.span);
                warnings.push(quote::quote_spanned! {lint.span=>
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
    if !errors.is_empty() {
        return fallback(&input, errors);
    }
    let mut out = generate(&input, &data);
    out.extend(warnings);
    if std::env::var_os("ACCESS_MACROS_DEBUG").is_some_and(|v| v == "1") {
        eprintln!("define_access! {} expands to:\n{out}", input.ident);
    }
    out
}

/// Rule: every name becomes a distinct Rust variant (`project:create` → `ProjectCreate`); two
/// names that become the same variant, or a name that becomes none, are refused.
fn check_variant_names(spec: &ModelSpec<Span>, errors: &mut Vec<syn::Error>) {
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
            let valid = v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && v.chars().all(|c| c.is_ascii_alphanumeric())
                && v != "Self";
            if !valid {
                if what != "entitlement" {
                    errors.push(syn::Error::new(
                        n.span,
                        format!(
                            "{what} `{}` does not make a Rust name; start it with a letter",
                            n.text
                        ),
                    ));
                }
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
}

/// On errors: the errors, plus the model type, so code using it does not cascade into more.
fn fallback(input: &Input, errors: Vec<syn::Error>) -> TokenStream {
    let errors = errors.iter().map(syn::Error::to_compile_error);
    let (attrs, vis, name) = (&input.attrs, &input.vis, &input.ident);
    quote! {
        #( #errors )*
        #( #attrs )*
        #vis struct #name;
    }
}

fn variants<'a>(names: impl IntoIterator<Item = (&'a str, String)>) -> Vec<Variant> {
    names
        .into_iter()
        .map(|(n, doc)| Variant {
            ident: ident(&camel(n)),
            name: n.to_owned(),
            doc,
        })
        .collect()
}

fn generate(input: &Input, d: &ModelData) -> TokenStream {
    let krate = &input.krate;
    let p = quote!(#krate::__private);
    let (attrs, vis, name) = (&input.attrs, &input.vis, &input.ident);
    let static_ident = format_ident!("__ACCESS_DATA_{}", name.to_string().to_uppercase());
    let data = expand::data_tokens(krate, &static_ident, d);
    let model = name.to_string();

    let entity_of = |i: u16| d.entities.get(i as usize).map_or("", |e| &*e.name);
    let ents = variants(d.entitlements.iter().map(|e| {
        (
            &*e.name,
            format!("`{}` on `{}`.", e.name, entity_of(e.entity)),
        )
    }));
    let types = variants(
        d.entities
            .iter()
            .map(|e| (&*e.name, format!("Entity type `{}`.", e.name))),
    );
    let globals = variants(
        d.global_roles
            .iter()
            .map(|r| (&**r, format!("Global role `{r}`."))),
    );
    let plans = variants(d.plans.iter().map(|x| {
        let kind = if x.add_on { "Add-on" } else { "Base plan" };
        (&*x.name, format!("{kind} `{}`.", x.name))
    }));
    let flags = variants(d.flags.iter().map(|f| (&**f, format!("Flag `{f}`."))));
    let limits = variants(d.limits.iter().map(|l| {
        (
            &*l.name,
            format!(
                "Limit `{}` on `{}`, per {}.",
                l.name,
                d.entitlements
                    .get(l.entitlement as usize)
                    .map_or("", |e| &*e.name),
                l.period.as_str()
            ),
        )
    }));

    let mut enums = vec![
        enum_tokens(
            krate,
            vis,
            &ident("Entitlement"),
            "entitlement",
            &format!("The entitlements of `{model}`."),
            &ents,
            Some("EntitlementId"),
        ),
        enum_tokens(
            krate,
            vis,
            &ident("EntityType"),
            "entity type",
            &format!("The entity types of `{model}`."),
            &types,
            Some("EntityTypeId"),
        ),
        enum_tokens(
            krate,
            vis,
            &ident("Role"),
            "global role",
            &format!("The global roles of `{model}`."),
            &globals,
            None,
        ),
        enum_tokens(
            krate,
            vis,
            &ident("Plan"),
            "plan",
            &format!("The plans of `{model}`."),
            &plans,
            Some("PlanId"),
        ),
        enum_tokens(
            krate,
            vis,
            &ident("Flag"),
            "flag",
            &format!("The feature flags of `{model}`."),
            &flags,
            Some("FlagId"),
        ),
        enum_tokens(
            krate,
            vis,
            &ident("Limit"),
            "limit",
            &format!("The usage limits of `{model}`."),
            &limits,
            Some("LimitId"),
        ),
    ];
    for e in d.entities.iter() {
        let roles = variants(
            e.roles
                .iter()
                .map(|r| (&**r, format!("Role `{r}` on `{}`.", e.name))),
        );
        let enum_ident = ident(&format!("{}Role", camel(&e.name)));
        let kind = "role";
        enums.push(enum_tokens(
            krate,
            vis,
            &enum_ident,
            kind,
            &format!("The roles of entity type `{}`.", e.name),
            &roles,
            None,
        ));
    }

    // Names for `#[derive(Schema)]`, which cannot see this invocation: global roles as
    // associated constants (a schema's role identifier `admin` becomes `Access::admin` with the
    // identifier's own span, so a typo is rustc's "no associated item" with a correct "similar
    // name" fix), and the entitlement names for a const-evaluated check of
    // `entitlement("..")` strings. Associated items resolve through any path to the model, in
    // another module or crate.
    let role_consts = d.global_roles.iter().enumerate().map(|(i, r)| {
        let id = ident(r);
        let i = i as u16;
        let doc = format!("The global role `{r}` (for schema attributes).");
        quote!(#[doc = #doc] pub const #id: #p::GlobalRole = #p::GlobalRole(#i);)
    });
    let ent_names = d.entitlements.iter().map(|e| e.name.to_string());
    let entity_names = d.entities.iter().map(|e| e.name.to_string());
    let names = quote! {
        #[automatically_derived]
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        impl #name {
            #( #role_consts )*
            /// Entitlement names, by index (for schema attributes).
            pub const __ENTITLEMENTS: &'static [&'static str] = &[#( #ent_names ),*];
            /// Entity type names, by index (for `#[authorize]`).
            pub const __ENTITY_TYPES: &'static [&'static str] = &[#( #entity_names ),*];
        }
    };

    // Entitlements as types, for `Granted<E>` proofs. Inside the generated module the model's
    // own visibility is kept for `pub` and `pub(crate)`; anything narrower becomes
    // `pub(super)` (visible where the model is, never more than the model).
    let inner_vis = match vis {
        syn::Visibility::Public(_) => quote!(pub),
        syn::Visibility::Restricted(r) if r.path.is_ident("crate") => quote!(pub(crate)),
        _ => quote!(pub(super)),
    };
    let markers = d.entitlements.iter().enumerate().map(|(i, e)| {
        let id = ident(&camel(&e.name));
        let i = i as u16;
        let n = &*e.name;
        let doc = format!(
            "The entitlement `{n}` as a type (for `Granted<{}>`).",
            camel(n)
        );
        quote! {
            #[doc = #doc]
            #[derive(Debug)]
            #inner_vis enum #id {}
            #[automatically_derived]
            impl #p::EntitlementMarker for #id {
                type Model = super::#name;
                const INDEX: u16 = #i;
                const NAME: &'static str = #n;
            }
        }
    });
    let marker_doc = format!(
        "The entitlements of `{model}` as types: `Granted<entitlement::..>` is the proof that a check passed."
    );
    let markers = quote! {
        #[doc = #marker_doc]
        #[allow(dead_code)]
        #vis mod entitlement {
            #( #markers )*
        }
    };

    quote! {
        #( #attrs )*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        #vis struct #name;

        #markers

        #names

        #data

        #[automatically_derived]
        impl #p::AccessModel for #name {
            type Entitlement = Entitlement;
            type EntityType = EntityType;
            #[inline]
            fn data(&self) -> &#p::ModelData {
                &#static_ident
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #name {
            /// The model's tables, computed at compile time.
            #[inline]
            pub fn tables() -> &'static #p::ModelData {
                &#static_ident
            }
        }

        #( #enums )*
    }
}

#[cfg(test)]
mod tests;
