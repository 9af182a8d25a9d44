//! Tables and enums → tokens. Infallible: everything was validated before.

use access_model::{
    DefaultPermission, EdgeData, EntitlementData, EntityData, LimitData, ModelData, Period,
    Permission, PlanData, RoleSet,
};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::Visibility;

/// `project:create` → `ProjectCreate`, `beta_ai` → `BetaAi`.
pub(crate) fn camel(name: &str) -> String {
    name.split([':', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A variant: its identifier, the name as declared, and its doc line.
pub(crate) struct Variant {
    pub ident: Ident,
    pub name: String,
    pub doc: String,
}

/// One generated enum with `ALL`, `as_str`, `index`, `FromStr`, `Display`, serde and
/// `ModelEnum`; `id` names the `__private` id type it converts into, if any.
pub(crate) fn enum_tokens(
    krate: &TokenStream,
    vis: &Visibility,
    ident: &Ident,
    kind: &str,
    doc: &str,
    variants: &[Variant],
    id: Option<&str>,
) -> TokenStream {
    let p = quote!(#krate::__private);
    let n = variants.len();
    let idents: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    let docs: Vec<&str> = variants.iter().map(|v| v.doc.as_str()).collect();
    let empty = n == 0;
    let repr = if empty {
        quote!()
    } else {
        quote!(#[repr(u16)])
    };
    let as_str = if empty {
        quote!(match self {})
    } else {
        quote!(Self::NAMES[self as usize])
    };
    let index = if empty {
        quote!(match self {})
    } else {
        quote!(self as u16)
    };
    let from = id.map(|id| {
        let id = format_ident!("{}", id);
        quote! {
            #[automatically_derived]
            impl ::core::convert::From<#ident> for #p::#id {
                #[inline]
                fn from(value: #ident) -> Self {
                    #p::#id(#ident::index(value))
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #repr
        #vis enum #ident {
            #( #[doc = #docs] #idents, )*
        }

        #[automatically_derived]
        #[allow(dead_code, clippy::all)]
        impl #ident {
            /// Every value, in declaration order.
            pub const ALL: [Self; #n] = [ #( Self::#idents ),* ];
            const NAMES: [&'static str; #n] = [ #( #names ),* ];

            /// The name as declared in the model.
            #[inline]
            pub const fn as_str(self) -> &'static str {
                #as_str
            }

            /// The index in the model's tables.
            #[inline]
            pub const fn index(self) -> u16 {
                #index
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl ::core::str::FromStr for #ident {
            type Err = #p::UnknownName;
            fn from_str(s: &str) -> #p::Result<Self, Self::Err> {
                match s {
                    #( #names => #p::Ok(Self::#idents), )*
                    _ => #p::Err(#p::UnknownName::new(#kind, s, &Self::NAMES)),
                }
            }
        }

        #[automatically_derived]
        impl #p::ModelEnum for #ident {
            const KIND: &'static str = #kind;
            const ALL: &'static [Self] = &Self::ALL;
            fn as_str(self) -> &'static str {
                #ident::as_str(self)
            }
            fn index(self) -> u16 {
                #ident::index(self)
            }
        }

        #[automatically_derived]
        impl #p::serde::Serialize for #ident {
            fn serialize<S: #p::serde::Serializer>(&self, serializer: S) -> #p::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl<'de> #p::serde::Deserialize<'de> for #ident {
            fn deserialize<D: #p::serde::Deserializer<'de>>(deserializer: D) -> #p::Result<Self, D::Error> {
                let s: #p::Cow<'de, str> = #p::serde::Deserialize::deserialize(deserializer)?;
                s.parse().map_err(<D::Error as #p::serde::de::Error>::custom)
            }
        }

        #from
    }
}

fn roleset(p: &TokenStream, r: RoleSet) -> TokenStream {
    let v = r.0;
    quote!(#p::RoleSet(#v))
}

fn str_list<'a>(p: &TokenStream, items: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let items = items.into_iter();
    quote!(#p::Cow::Borrowed(&[ #( #p::Cow::Borrowed(#items) ),* ]))
}

fn u16_list(p: &TokenStream, items: &[u16]) -> TokenStream {
    quote!(#p::Cow::Borrowed(&[ #( #items ),* ]))
}

fn opt_u16(p: &TokenStream, v: Option<u16>) -> TokenStream {
    match v {
        Some(v) => quote!(#p::Some(#v)),
        None => quote!(#p::None),
    }
}

fn entity(p: &TokenStream, e: &EntityData) -> TokenStream {
    let name = &*e.name;
    let roles = str_list(p, e.roles.iter().map(|r| &**r));
    let implies = e.implies.iter().map(|r| roleset(p, *r));
    let parent_edges = u16_list(p, &e.parent_edges);
    let ents = u16_list(p, &e.entitlements);
    quote! {
        #p::EntityData {
            name: #p::Cow::Borrowed(#name),
            roles: #roles,
            implies: #p::Cow::Borrowed(&[ #( #implies ),* ]),
            parent_edges: #parent_edges,
            entitlements: #ents,
        }
    }
}

fn edge(p: &TokenStream, e: &EdgeData) -> TokenStream {
    let (parent, child) = (e.parent, e.child);
    let map = e.map.iter().map(|r| roleset(p, *r));
    let lines = e.lines.iter().map(|(a, b)| quote!((#a, #b)));
    quote! {
        #p::EdgeData {
            parent: #parent,
            child: #child,
            map: #p::Cow::Borrowed(&[ #( #map ),* ]),
            lines: #p::Cow::Borrowed(&[ #( #lines ),* ]),
        }
    }
}

fn entitlement(p: &TokenStream, e: &EntitlementData) -> TokenStream {
    let name = &*e.name;
    let entity = e.entity;
    let roles = roleset(p, e.roles);
    let granting = roleset(p, e.granting);
    let flags = roleset(p, e.flags);
    let gated = e.plan_gated;
    let plans = u16_list(p, &e.plans);
    let limits = u16_list(p, &e.limits);
    quote! {
        #p::EntitlementData {
            name: #p::Cow::Borrowed(#name),
            entity: #entity,
            roles: #roles,
            granting: #granting,
            flags: #flags,
            plan_gated: #gated,
            plans: #plans,
            limits: #limits,
        }
    }
}

fn plan(p: &TokenStream, x: &PlanData) -> TokenStream {
    let name = &*x.name;
    let group = opt_u16(p, x.group);
    let add_on = x.add_on;
    let requires = u16_list(p, &x.requires);
    let features = x.features.iter();
    let limits = x.limits.iter().map(|l| {
        let (limit, max) = (l.limit, l.max);
        quote!(#p::PlanLimit { limit: #limit, max: #max })
    });
    quote! {
        #p::PlanData {
            name: #p::Cow::Borrowed(#name),
            group: #group,
            add_on: #add_on,
            requires: #requires,
            features: #p::Cow::Borrowed(&[ #( #features ),* ]),
            limits: #p::Cow::Borrowed(&[ #( #limits ),* ]),
        }
    }
}

fn limit(p: &TokenStream, l: &LimitData) -> TokenStream {
    let name = &*l.name;
    let ent = l.entitlement;
    let period = match l.period {
        Period::Hour => quote!(Hour),
        Period::Day => quote!(Day),
        Period::Month => quote!(Month),
        Period::Quarter => quote!(Quarter),
        Period::Year => quote!(Year),
    };
    quote! {
        #p::LimitData { name: #p::Cow::Borrowed(#name), entitlement: #ent, period: #p::Period::#period }
    }
}

fn permission(p: &TokenStream, x: Permission) -> TokenStream {
    match x {
        Permission::Public => quote!(#p::Permission::Public),
        Permission::Blocked => quote!(#p::Permission::Blocked),
        Permission::Authenticated => quote!(#p::Permission::Authenticated),
        Permission::Roles(r) => {
            let r = roleset(p, r);
            quote!(#p::Permission::Roles(#r))
        }
    }
}

fn default_permission(p: &TokenStream, d: &DefaultPermission) -> TokenStream {
    let [c, r, l, u, del] =
        [d.create, d.read, d.list, d.update, d.delete].map(|x| permission(p, x));
    quote! {
        #p::DefaultPermission { create: #c, read: #r, list: #l, update: #u, delete: #del }
    }
}

/// The `static` holding the tables.
pub(crate) fn data_tokens(krate: &TokenStream, static_ident: &Ident, d: &ModelData) -> TokenStream {
    let p = quote!(#krate::__private);
    let name = &*d.name;
    let globals = str_list(&p, d.global_roles.iter().map(|r| &**r));
    let default_role = opt_u16(&p, d.default_role);
    let entities = d.entities.iter().map(|e| entity(&p, e));
    let edges = d.edges.iter().map(|e| edge(&p, e));
    let lookup = u16_list(&p, &d.edge_lookup);
    let flags = str_list(&p, d.flags.iter().map(|f| &**f));
    let ents = d.entitlements.iter().map(|e| entitlement(&p, e));
    let groups = str_list(&p, d.groups.iter().map(|g| &**g));
    let plans = d.plans.iter().map(|x| plan(&p, x));
    let limits = d.limits.iter().map(|l| limit(&p, l));
    let default_plan = opt_u16(&p, d.default_plan);
    let perm = default_permission(&p, &d.default_permission);
    let bypass = d.superuser_bypasses_blocked;
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #static_ident: #p::ModelData = #p::ModelData {
            name: #p::Cow::Borrowed(#name),
            global_roles: #globals,
            default_role: #default_role,
            entities: #p::Cow::Borrowed(&[ #( #entities ),* ]),
            edges: #p::Cow::Borrowed(&[ #( #edges ),* ]),
            edge_lookup: #lookup,
            flags: #flags,
            entitlements: #p::Cow::Borrowed(&[ #( #ents ),* ]),
            groups: #groups,
            plans: #p::Cow::Borrowed(&[ #( #plans ),* ]),
            limits: #p::Cow::Borrowed(&[ #( #limits ),* ]),
            default_plan: #default_plan,
            default_permission: #perm,
            superuser_bypasses_blocked: #bypass,
        };
    }
}

/// A span-less identifier for generated names.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}
