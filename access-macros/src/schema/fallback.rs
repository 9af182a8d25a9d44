//! Fallback: what the derive emits when validation failed, so that its errors are the only
//! errors and every mistake of the derive is reported at once.
//!
//! - The errors.
//! - `RowFields` and `Schema` with every action `blocked` and no fields, `SeaOrmSchema` with
//!   `entity = ..`, and each view as a struct without fields whose `of` returns `None`: code
//!   using the type (`T: Schema`, `row_filter::<T>`, `ProductForUser::of`) adds no errors.
//! - The names of the model that every rule which did parse uses (global roles, entitlements,
//!   dynamic checks), emitted as expand.rs emits them: a typo among them is reported now, with
//!   the derive's own mistakes, not only once those are fixed.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Ident, Path};

use super::attr::{Parsed, Permissions, RuleAst, StructAttrs};
use super::expand::{entitlement_check, role_ref, serialize_derive};
use super::model::private_path;

/// `errors`, plus impls that keep uses of the type quiet and the checks of the model's names.
pub(super) fn fallback(
    input: &DeriveInput,
    parsed: &Parsed<'_>,
    errors: darling::Error,
) -> TokenStream {
    let errors = errors.write_errors();
    if !matches!(input.data, Data::Struct(_)) {
        return errors;
    }
    let attrs = parsed.attrs.as_ref().ok();
    let key = |get: fn(&StructAttrs) -> &Vec<darling::Result<Path>>| {
        attrs.and_then(|a| get(a).first()?.as_ref().ok())
    };
    let p = private_path(key(|a| &a.krate));
    let ident = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();

    let sea = key(|a| &a.entity).map(|entity| {
        quote! {
            #[automatically_derived]
            impl #impl_g #p::SeaOrmSchema for #ident #ty_g #where_g {
                type Entity = #entity;
                fn sql_value(_: &str, _: &str) -> #p::Option<#p::SeaValue> {
                    #p::None
                }
            }
        }
    });

    let vis = &input.vis;
    let ser = serialize_derive(&p);
    let views = attrs
        .into_iter()
        .flat_map(|a| &a.view)
        .flat_map(|v| &v.views);
    let views = views.map(|(view, roles)| {
        let roles = roles.iter().map(Ident::to_string);
        quote! {
            #[derive(Clone, Debug, PartialEq)]
            #ser
            #vis struct #view {}

            #[automatically_derived]
            #[allow(dead_code)]
            impl #view {
                pub const ROLES: &'static [&'static str] = &[#( #roles ),*];
                pub fn of(_: &#ident, _: &#p::PermissionCtx<'_>) -> #p::Option<Self> {
                    #p::None
                }
            }
        }
    });
    let views: Vec<TokenStream> = views.collect();

    let checks = key(|a| &a.access).map(|model| names(parsed, model, &p));

    quote! {
        #errors
        #checks
        #sea
        #( #views )*

        #[automatically_derived]
        impl #impl_g #p::RowFields for #ident #ty_g #where_g {
            fn field(&self, _: &str) -> #p::FieldValue<'_> {
                #p::FieldValue::Null
            }
            fn as_any(&self) -> &dyn ::core::any::Any {
                self
            }
        }

        #[automatically_derived]
        impl #impl_g #p::Schema for #ident #ty_g #where_g {
            const PERMISSIONS: &'static #p::SchemaPermissions = &#p::SchemaPermissions {
                name: "",
                id_field: "",
                create: #p::Option::Some(#p::Rule::Blocked),
                read: #p::Option::Some(#p::Rule::Blocked),
                list: #p::Option::Some(#p::Rule::Blocked),
                update: #p::Option::Some(#p::Rule::Blocked),
                delete: #p::Option::Some(#p::Rule::Blocked),
                fields: &[],
                field_index: {
                    fn __field_index(_: &str) -> #p::Option<usize> {
                        #p::None
                    }
                    __field_index
                },
            };
        }
    }
}

/// The model's names used by the rules that parsed, each at its span: roles and dynamic checks
/// as values in one `const _`, entitlements as expand.rs checks them.
fn names(parsed: &Parsed<'_>, model: &Path, p: &TokenStream) -> TokenStream {
    let mut values = Vec::new();
    let mut entitlements = Vec::new();
    let attrs = parsed.attrs.as_ref().ok();
    let struct_lists = attrs.into_iter().flat_map(|a| &a.permission);
    let field_lists = parsed
        .fields
        .iter()
        .filter_map(|f| f.attrs.as_ref().ok())
        .flat_map(|a| &a.permission);
    let rules = struct_lists
        .chain(field_lists)
        .flat_map(|l: &Permissions| &l.entries)
        .map(|e| &e.rule);
    for rule in rules {
        walk(rule, &mut |r| match r {
            RuleAst::Role(role) => values.push(role_ref(model, role)),
            RuleAst::List(items) => {
                values.extend(items.iter().map(|item| match item.get_ident() {
                    Some(role) => role_ref(model, role),
                    None => quote_spanned!(item.span()=> #item),
                }))
            }
            RuleAst::Dynamic(path) => values.push(quote_spanned!(path.span()=> #path)),
            RuleAst::Entitlement(lit) => entitlements.push(entitlement_check(p, model, lit)),
            _ => {}
        });
    }
    let view_roles = attrs
        .into_iter()
        .flat_map(|a| &a.view)
        .flat_map(|v| &v.views);
    values.extend(view_roles.flat_map(|(_, roles)| roles.iter().map(|r| role_ref(model, r))));
    quote! {
        #( #entitlements )*
        const _: () = {
            #( let _ = #values; )*
        };
    }
}

fn walk<'a>(r: &'a RuleAst, f: &mut impl FnMut(&'a RuleAst)) {
    f(r);
    match r {
        RuleAst::All(rules) | RuleAst::Any(rules) => rules.iter().for_each(|r| walk(r, f)),
        RuleAst::InMemory(r) => walk(r, f),
        _ => {}
    }
}
