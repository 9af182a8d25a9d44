//! Names and tables → the generated items. Infallible: `validate` and `access_model::compile`
//! ran before, and [`Names`] holds only names that make identifiers.
//!
//! The items: the model type, the `entitlement` marker module, the names `#[derive(Schema)]`
//! and `#[authorize]` look up, the `AccessModel` impl over the tables, the enums and what they
//! tell about the model.

use access_model::ModelData;
use proc_macro2::{Span, TokenStream};
use quote::quote;

use super::enums::{enum_tokens, links_tokens};
use super::names::{Names, Variant};
use super::parse::Input;
use super::tables::data_tokens;

/// Every item `define_access!` generates for `input`, named after `names`, over the tables `d`.
pub(crate) fn expand(input: &Input, names: &Names, d: &ModelData) -> TokenStream {
    let krate = &input.krate;
    let p = quote!(#krate::__private);
    let (attrs, vis, name) = (&input.attrs, &input.vis, &input.ident);
    let tables = syn::Ident::new("TABLES", Span::call_site());
    let data = data_tokens(krate, &tables, d);
    let markers = markers(input, names, d);
    let lookups = lookups(input, names);
    let enums = enums(input, names);
    let links = links_tokens(krate, names, d);
    let resources = super::resources::resources(input, names, d);
    quote! {
        #( #attrs )*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        #vis struct #name;

        #markers

        #lookups

        #[automatically_derived]
        impl #p::Ask<#name> for Entitlement {
            #[inline]
            fn id(self) -> #p::EntitlementId {
                self.into()
            }
        }

        #[automatically_derived]
        impl #p::AccessModel for #name {
            type Entitlement = Entitlement;
            type EntityType = EntityType;
            #[inline]
            fn data(&self) -> &#p::ModelData {
                #name::tables()
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #name {
            /// The model's tables, computed at compile time.
            #[inline]
            pub fn tables() -> &'static #p::ModelData {
                #data
                &#tables
            }
        }

        #( #enums )*

        #links

        #resources
    }
}

/// `Entitlement`, `EntityType`, `Role`, `Plan`, `Flag`, `Limit` and each `<Entity>Role`.
fn enums(input: &Input, names: &Names) -> Vec<TokenStream> {
    let (krate, vis, model) = (&input.krate, &input.vis, &names.model);
    let one = |ident: &str, kind: &str, what: &str, variants: &[Variant], id: Option<&str>| {
        let ident = syn::Ident::new(ident, Span::call_site());
        let doc = format!("The {what} of `{model}`.");
        enum_tokens(krate, vis, &ident, kind, &doc, variants, id)
    };
    let mut out = vec![
        one(
            "Entitlement",
            "entitlement",
            "entitlements",
            &names.entitlements,
            Some("EntitlementId"),
        ),
        one(
            "EntityType",
            "entity type",
            "entity types",
            &names.entity_types,
            Some("EntityTypeId"),
        ),
        one(
            "Role",
            "global role",
            "global roles",
            &names.global_roles,
            None,
        ),
        one("Plan", "plan", "plans", &names.plans, Some("PlanId")),
        one(
            "Flag",
            "flag",
            "feature flags",
            &names.flags,
            Some("FlagId"),
        ),
        one(
            "Limit",
            "limit",
            "usage limits",
            &names.limits,
            Some("LimitId"),
        ),
    ];
    for e in &names.entity_roles {
        let doc = format!("The roles of entity type `{}`.", e.entity);
        out.push(enum_tokens(
            krate, vis, &e.ident, "role", &doc, &e.roles, None,
        ));
    }
    out
}

/// Names for `#[derive(Schema)]` and `#[authorize]`, which cannot see this invocation: global
/// roles as associated constants (a schema's role identifier `admin` becomes `Access::admin`
/// with the identifier's own span, so a typo is rustc's "no associated item" with a correct
/// "similar name" fix), and the entitlement and entity type names for const-evaluated checks of
/// strings. Associated items resolve through any path to the model, in another module or crate.
fn lookups(input: &Input, names: &Names) -> TokenStream {
    let krate = &input.krate;
    let p = quote!(#krate::__private);
    let name = &input.ident;
    let role_consts = names.role_consts.iter().map(|(id, i, r)| {
        let doc = format!("The global role `{r}` (for schema attributes).");
        quote!(#[doc = #doc] pub const #id: #p::GlobalRole = #p::GlobalRole(#i);)
    });
    let ent_names = &names.entitlement_names;
    let entity_names = &names.entity_names;
    quote! {
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
    }
}

/// Entitlements as types: unit structs, for `Granted<E>` proofs and typed questions
/// (`ctx.can(entitlement::DocRead, "d1")`, the entity type taken from the marker's `ENTITY`, read
/// from the tables `d`; in the fallback, whose tables are empty, entity type 0 as a placeholder:
/// the crate does not build). Inside the generated module the model's own visibility is kept for
/// `pub` and `pub(crate)`; anything narrower becomes `pub(super)` (visible where the model is,
/// never more than the model).
fn markers(input: &Input, names: &Names, d: &ModelData) -> TokenStream {
    let krate = &input.krate;
    let p = quote!(#krate::__private);
    let (vis, name) = (&input.vis, &input.ident);
    let inner_vis = match vis {
        syn::Visibility::Public(_) => quote!(pub),
        syn::Visibility::Restricted(r) if r.path.is_ident("crate") => quote!(pub(crate)),
        _ => quote!(pub(super)),
    };
    let markers = names.entitlements.iter().map(|v| {
        let (id, i, n) = (&v.ident, v.index, &v.name);
        let entity = d
            .entitlements
            .get(usize::from(i))
            .map_or(0, |e| e.entity);
        let doc = format!(
            "The entitlement `{n}` as a type: `Granted<{id}>`, and `ctx.can({id}, id)` on a resource id."
        );
        // `EntitlementOn<resource::X>` when the entity type has a marker (it has roles).
        let on = names
            .entity_types
            .iter()
            .find(|t| t.index == entity)
            .filter(|t| names.entity_roles.iter().any(|r| r.entity == t.name))
            .map(|t| {
                let ty = &t.ident;
                quote! {
                    #[automatically_derived]
                    impl #p::EntitlementOn<super::resource::#ty> for #id {}
                }
            });
        quote! {
            #[doc = #doc]
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
            #inner_vis struct #id;
            #[automatically_derived]
            impl #p::EntitlementMarker for #id {
                type Model = super::#name;
                const INDEX: u16 = #i;
                const NAME: &'static str = #n;
                const ENTITY: #p::EntityTypeId = #p::EntityTypeId(#entity);
            }
            #on
        }
    });
    let doc = format!(
        "The entitlements of `{}` as types: `Granted<entitlement::..>` is the proof that a check passed, and `ctx.can(entitlement::.., id)` asks on a resource id.",
        names.model
    );
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis mod entitlement {
            #( #markers )*
        }
    }
}
