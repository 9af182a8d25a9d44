//! Expand: the code of a validated [`Schema`]. Nothing here fails.
//!
//! Generated: `RowFields` (the fields a `where` compares), `Schema` (the rules as static data),
//! `SeaOrmSchema` with `entity = ..`, one struct per `view(..)`, and a `const` per entitlement
//! name that fails at compile time, at the string, when the model does not declare it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Path};

use super::model::{ListEntry, Rule, Schema, View, WhereValue, name, path_name};
use crate::respan::respan;

/// `<model>::role`, at the role's span: rustc's "no associated item named `admn`", with its
/// "similar name" fix, when the model does not declare it.
pub(super) fn role_ref(model: &Path, role: &Ident) -> TokenStream {
    quote_spanned!(role.span()=> #model::#role)
}

/// `const _: u16 = ..;` looking `name` up in the model's entitlement names at compile time: a
/// name the model does not declare fails there, at the string, with a suggestion.
pub(super) fn entitlement_check(p: &TokenStream, model: &Path, name: &LitStr) -> TokenStream {
    // Every token of the call at the string's span, so the failure points at the string.
    let check = respan(
        quote!(#p::entitlement_index(#model::__ENTITLEMENTS, #name)),
        name.span(),
    );
    quote!(const _: u16 = #check;)
}

/// The derive's output for a schema without mistakes.
pub(super) fn expand(s: &Schema) -> TokenStream {
    let p = &s.private;
    let ident = &s.ident;
    let (impl_g, ty_g, where_g) = s.generics.split_for_impl();
    let checks = s.rules().flat_map(|r| {
        let mut names = Vec::new();
        r.visit(&mut |r| {
            if let Rule::Entitlement(lit) = r {
                names.push(entitlement_check(p, &s.model, lit));
            }
        });
        names
    });
    let checks: Vec<TokenStream> = checks.collect();
    let opt = |r: &Option<Rule>| match r {
        Some(r) => {
            let r = rule(s, r);
            quote!(#p::Option::Some(#r))
        }
        None => quote!(#p::Option::None),
    };
    let [create, read, list, update, delete] = [0, 1, 2, 3, 4].map(|i| opt(&s.actions[i]));
    let field_perms = s.fields.iter().map(|f| {
        let (read, write) = (opt(&f.read), opt(&f.write));
        let (n, read_only) = (name(&f.name), f.read_only);
        quote! {
            #p::FieldPermission { name: #n, read: #read, write: #write, read_only: #read_only }
        }
    });
    let schema_name = &s.name;
    let id_name = s.id_field.as_ref().map_or_else(String::new, name);
    let compared = s.compared();
    let arms = compared.iter().map(|f| {
        let (n, field, ty) = (name(&f.name), &f.name, &f.ty);
        let value =
            quote_spanned!(ty.span()=> <#ty as #p::AsFieldValue>::as_field_value(&self.#field));
        quote!(#n => #value,)
    });
    let field_names: Vec<String> = s.fields.iter().map(|f| name(&f.name)).collect();
    let field_idx = 0..field_names.len();
    // Bound to a sea-orm entity: `where` rules become conditions on its columns.
    let sea = s.entity.as_ref().map(|entity| {
        // The id field too: generated routes look rows up by it.
        let mut sql_fields = compared.clone();
        if let Some(f) = s
            .fields
            .iter()
            .find(|f| Some(&f.name) == s.id_field.as_ref())
            && !sql_fields.iter().any(|c| c.name == f.name)
        {
            sql_fields.push(f);
        }
        let arms = sql_fields.iter().map(|f| {
            let (n, ty) = (name(&f.name), &f.ty);
            let value = quote_spanned!(ty.span()=> <#ty as #p::SqlField>::sql_value(raw));
            quote!(#n => #value,)
        });
        quote! {
            #[automatically_derived]
            impl #impl_g #p::SeaOrmSchema for #ident #ty_g #where_g {
                type Entity = #entity;
                fn sql_value(field: &str, raw: &str) -> #p::Option<#p::SeaValue> {
                    match field {
                        #( #arms )*
                        _ => #p::None,
                    }
                }
            }
        }
    });
    let views = s.views.iter().map(|v| view(s, v));

    quote! {
        #( #checks )*
        #sea
        #( #views )*

        #[automatically_derived]
        impl #impl_g #p::RowFields for #ident #ty_g #where_g {
            fn field(&self, field: &str) -> #p::FieldValue<'_> {
                match field {
                    #( #arms )*
                    _ => #p::FieldValue::Null,
                }
            }
            fn as_any(&self) -> &dyn ::core::any::Any {
                self
            }
        }

        #[automatically_derived]
        impl #impl_g #p::Schema for #ident #ty_g #where_g {
            const PERMISSIONS: &'static #p::SchemaPermissions = &#p::SchemaPermissions {
                name: #schema_name,
                id_field: #id_name,
                create: #create,
                read: #read,
                list: #list,
                update: #update,
                delete: #delete,
                fields: &[#( #field_perms ),*],
                field_index: {
                    fn __field_index(name: &str) -> #p::Option<usize> {
                        match name {
                            #( #field_names => #p::Some(#field_idx), )*
                            _ => #p::None,
                        }
                    }
                    __field_index
                },
            };
        }
    }
}

/// A rule as `Rule` data.
fn rule(s: &Schema, r: &Rule) -> TokenStream {
    let (p, model) = (&s.private, &s.model);
    match r {
        Rule::Public => quote!(#p::Rule::Public),
        Rule::Blocked => quote!(#p::Rule::Blocked),
        Rule::Authenticated => quote!(#p::Rule::Authenticated),
        Rule::Role(role) => {
            let c = role_ref(model, role);
            quote!(#p::Rule::GlobalRoles(#p::RoleSet::single((#c).0 as usize)))
        }
        Rule::List(items) => {
            let entries = items.iter().map(|item| {
                let (name, value) = match item {
                    ListEntry::Role(role) => (role.to_string(), role_ref(model, role)),
                    ListEntry::Check(path) => {
                        (path_name(path), quote_spanned!(path.span()=> #path))
                    }
                };
                quote! {
                    #p::ListEntry {
                        name: #name,
                        item: {
                            fn __entry<'a>(ctx: &'a #p::PermissionCtx<'a>) -> #p::ListItem<'a> {
                                #p::IntoListItem::into_list_item(#value, ctx)
                            }
                            __entry
                        },
                    }
                }
            });
            quote!(#p::Rule::List(&[#( #entries ),*]))
        }
        // The value itself does not fail a second time (the check at the top reports).
        Rule::Entitlement(lit) => quote!(#p::Rule::Entitlement {
            id: #p::EntitlementId(#p::entitlement_lookup(#model::__ENTITLEMENTS, #lit)),
            name: #lit,
        }),
        Rule::All(rules) => {
            let inner = rules.iter().map(|r| rule(s, r));
            quote!(#p::Rule::All(&[#( #inner ),*]))
        }
        Rule::Any(rules) => {
            let inner = rules.iter().map(|r| rule(s, r));
            quote!(#p::Rule::Any(&[#( #inner ),*]))
        }
        Rule::Where(clauses) => {
            let out = clauses.iter().map(|w| {
                let f = name(&w.field);
                let v = match &w.value {
                    WhereValue::UserId => quote!(#p::WhereValue::UserId),
                    WhereValue::TenantId => quote!(#p::WhereValue::TenantId),
                    WhereValue::Int(i) => quote!(#p::WhereValue::Int(#i)),
                    WhereValue::Str(s) => quote!(#p::WhereValue::Str(#s)),
                    WhereValue::Bool(b) => quote!(#p::WhereValue::Bool(#b)),
                };
                quote!(#p::Where { field: #f, value: #v })
            });
            quote!(#p::Rule::Where(&[#( #out ),*]))
        }
        Rule::InMemory(inner) => rule(s, inner),
        Rule::Fva(secs) => quote!(#p::Rule::Fva(#secs)),
        Rule::Dynamic(path) => {
            let name = path_name(path);
            let call = quote_spanned!(path.span()=> #p::dynamic_check(#path, ctx));
            quote! {
                #p::Rule::Dynamic(#p::NamedCheck {
                    name: #name,
                    check: {
                        fn __check<'a>(ctx: &'a #p::PermissionCtx<'a>) -> #p::CheckFuture<'a> {
                            #call
                        }
                        __check
                    },
                })
            }
        }
    }
}

/// A masked type: the fields the view's roles may read whatever the row.
fn view(s: &Schema, v: &View) -> TokenStream {
    let (p, ident, vis, model) = (&s.private, &s.ident, &s.vis, &s.model);
    let kept: Vec<_> = s
        .fields
        .iter()
        .filter(|f| {
            f.read
                .as_ref()
                .is_none_or(|r| r.statically_readable(&v.roles))
        })
        .collect();
    let names = kept.iter().map(|f| &f.name);
    let names2 = names.clone();
    let types = kept.iter().map(|f| &f.ty);
    let role_strs: Vec<String> = v.roles.iter().map(Ident::to_string).collect();
    let role_consts = v
        .roles
        .iter()
        .map(|r| quote_spanned!(r.span()=> (#model::#r).0 as usize));
    let doc = format!(
        "The view of `{ident}` for the global roles {}: only the fields they may read whatever the row.",
        role_strs
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let view_name = &v.name;
    let ser = serialize_derive(p);
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        #ser
        #vis struct #view_name {
            #( pub #names: #types, )*
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #view_name {
            /// The global roles this view is for.
            pub const ROLES: &'static [&'static str] = &[#( #role_strs ),*];

            /// The view of `row` for the caller of `ctx`, when they hold one of the view's
            /// roles (or are a superuser); `None` otherwise.
            pub fn of(row: &#ident, ctx: &#p::PermissionCtx<'_>) -> #p::Option<Self> {
                let p = ctx.principal?;
                let holds = p.active
                    && (p.superuser || [#( #role_consts ),*].iter().any(|r| p.global_roles.contains(*r)));
                if !holds {
                    return #p::None;
                }
                #p::Some(Self { #( #names2: ::core::clone::Clone::clone(&row.#names2), )* })
            }
        }
    }
}

/// Views are response types: they serialize (their fields must), through access-core's serde.
pub(super) fn serialize_derive(p: &TokenStream) -> TokenStream {
    let serde_path = format!("{}", quote!(#p::serde)).replace(' ', "");
    quote!(#[derive(#p::serde::Serialize)] #[serde(crate = #serde_path)])
}
