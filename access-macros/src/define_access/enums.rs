//! The generated enums (`Entitlement`, `Role`, `ProjectRole`, ..) → tokens: each enum with its
//! names ([`enum_tokens`]), then what they tell about the model ([`links_tokens`]: an
//! entitlement's entity type, roles, plans, flags and limits; a role's entity type and
//! entitlements; ..).

use access_model::{ModelData, Period, RoleSet};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::Visibility;

use super::names::{Names, RoleEnum, Variant};

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

/// The identifier of the variant at table index `i`, if it has one.
fn at(variants: &[Variant], i: u16) -> Option<&Ident> {
    variants.iter().find(|v| v.index == i).map(|v| &v.ident)
}

/// `Self::A => <value>,` for each variant, `value` from the variant's table row.
fn arms<'a>(
    variants: &'a [Variant],
    mut value: impl FnMut(&'a Variant) -> TokenStream,
) -> Vec<TokenStream> {
    variants
        .iter()
        .map(|v| {
            let (id, value) = (&v.ident, value(v));
            quote!(Self::#id => #value,)
        })
        .collect()
}

/// `const { &[ty::A, ty::B] }` for the variants of `ty` at `indices` (those without an
/// identifier left out).
fn slice(
    ty: &TokenStream,
    variants: &[Variant],
    indices: impl IntoIterator<Item = u16>,
) -> TokenStream {
    let items = indices.into_iter().filter_map(|i| at(variants, i));
    quote!(const { &[ #( #ty::#items ),* ] })
}

/// `AnyRole` values of entity type `entity` for the role indices in `roles`.
fn any_roles(p: &TokenStream, d: &ModelData, entity: u16, roles: RoleSet) -> TokenStream {
    let names = d
        .entities
        .get(usize::from(entity))
        .map_or(&[][..], |e| &e.roles[..]);
    let items = roles.iter().filter_map(|r| {
        let name = &**names.get(r)?;
        let index = u16::try_from(r).ok()?;
        Some(quote!(#p::AnyRole { entity: #p::EntityTypeId(#entity), index: #index, name: #name }))
    });
    quote!(const { &[ #( #items ),* ] })
}

/// What the enums tell about the model, as `const fn`s over `match` arms (no table walk at run
/// time): `Entitlement::{entity, roles, plans, flags, limits}`, `EntityType::{roles,
/// entitlements, parents}`, `<Entity>Role::{entity, entitlements, any, from_any}`,
/// `Plan::entitlements`, `Flag::entitlements`, `Limit::{entitlement, period}`. In the fallback
/// `d` is empty: slices are empty, and a value without a row is the enum's first variant (a
/// method whose enum has none is left out).
pub(crate) fn links_tokens(krate: &TokenStream, names: &Names, d: &ModelData) -> TokenStream {
    let p = quote!(#krate::__private);
    let (ents, types) = (&names.entitlements, &names.entity_types);
    let (t_ent, t_type) = (quote!(Entitlement), quote!(EntityType));
    let (t_plan, t_flag, t_limit) = (quote!(Plan), quote!(Flag), quote!(Limit));
    let ent = |v: &Variant| d.entitlements.get(usize::from(v.index));
    let first_type = types.first().map(|v| &v.ident);

    // Entitlement
    let entity_fn = first_type.map(|first| {
        let arms = arms(ents, |v| {
            let id = ent(v).and_then(|e| at(types, e.entity)).unwrap_or(first);
            quote!(EntityType::#id)
        });
        quote! {
            /// The entity type it is checked on: a request names a resource of this type.
            #[inline]
            pub const fn entity(self) -> EntityType {
                match self { #( #arms )* }
            }
        }
    });
    let roles = arms(ents, |v| match ent(v) {
        Some(e) => any_roles(&p, d, e.entity, e.granting),
        None => quote!(&[]),
    });
    let plans = arms(ents, |v| {
        slice(
            &t_plan,
            &names.plans,
            ent(v).map(|e| e.plans.to_vec()).unwrap_or_default(),
        )
    });
    let flags = arms(ents, |v| {
        slice(
            &t_flag,
            &names.flags,
            ent(v)
                .map(|e| {
                    e.flags
                        .iter()
                        .filter_map(|f| u16::try_from(f).ok())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        )
    });
    let limits = arms(ents, |v| {
        slice(
            &t_limit,
            &names.limits,
            ent(v).map(|e| e.limits.to_vec()).unwrap_or_default(),
        )
    });

    // EntityType
    let entity = |v: &Variant| d.entities.get(usize::from(v.index));
    let type_roles = arms(types, |v| match entity(v) {
        Some(e) => any_roles(&p, d, v.index, RoleSet(low_bits(e.roles.len()))),
        None => quote!(&[]),
    });
    let type_ents = arms(types, |v| {
        slice(
            &t_ent,
            ents,
            entity(v)
                .map(|e| e.entitlements.to_vec())
                .unwrap_or_default(),
        )
    });
    let type_parents = arms(types, |v| {
        let parents = entity(v).map(|e| {
            e.parent_edges
                .iter()
                .filter_map(|i| d.edges.get(usize::from(*i)).map(|x| x.parent))
                .collect::<Vec<_>>()
        });
        slice(&t_type, types, parents.unwrap_or_default())
    });

    // Plan, Flag, Limit
    let plan_ents = arms(&names.plans, |v| {
        let features = d.plans.get(usize::from(v.index)).map(|x| {
            (0..d.entitlements.len())
                .filter(|i| x.includes(*i))
                .filter_map(|i| u16::try_from(i).ok())
                .collect::<Vec<_>>()
        });
        slice(&t_ent, ents, features.unwrap_or_default())
    });
    let flag_ents = arms(&names.flags, |v| {
        let gated = (0..d.entitlements.len())
            .filter(|i| d.entitlements[*i].flags.contains(usize::from(v.index)));
        slice(&t_ent, ents, gated.filter_map(|i| u16::try_from(i).ok()))
    });
    let limit = |v: &Variant| d.limits.get(usize::from(v.index));
    let limit_fns = ents.first().map(|first| {
        let ent_arms = arms(&names.limits, |v| {
            let id = limit(v)
                .and_then(|l| at(ents, l.entitlement))
                .unwrap_or(&first.ident);
            quote!(Entitlement::#id)
        });
        let period_arms = arms(&names.limits, |v| {
            let period = match limit(v).map_or(Period::Day, |l| l.period) {
                Period::Hour => quote!(Hour),
                Period::Day => quote!(Day),
                Period::Month => quote!(Month),
                Period::Quarter => quote!(Quarter),
                Period::Year => quote!(Year),
            };
            quote!(#p::Period::#period)
        });
        quote! {
            /// The entitlement it counts: each use of it spends one from this limit.
            #[inline]
            pub const fn entitlement(self) -> Entitlement {
                match self { #( #ent_arms )* }
            }
            /// The period it resets after (from the plan's anchor).
            #[inline]
            pub const fn period(self) -> #p::Period {
                match self { #( #period_arms )* }
            }
        }
    });

    let role_enums = names
        .entity_roles
        .iter()
        .map(|r| role_links(&p, names, d, r));

    quote! {
        /// What it tells about the model (examples: the `access_core::model` module docs).
        #[automatically_derived]
        #[allow(dead_code, clippy::all)]
        impl Entitlement {
            #entity_fn
            /// Every role of its entity type that grants it, `implies` included (a role that
            /// implies a listed one grants it too).
            #[inline]
            pub const fn roles(self) -> &'static [#p::AnyRole] {
                match self { #( #roles )* }
            }
            /// The plans whose features include it. Empty when no plan lists it: it is not
            /// plan-gated, and every tenant has it whatever its plans.
            #[inline]
            pub const fn plans(self) -> &'static [Plan] {
                match self { #( #plans )* }
            }
            /// The flags that must all be on for it (empty: not flag-gated).
            #[inline]
            pub const fn flags(self) -> &'static [Flag] {
                match self { #( #flags )* }
            }
            /// The usage limits that count it (empty: not metered).
            #[inline]
            pub const fn limits(self) -> &'static [Limit] {
                match self { #( #limits )* }
            }
        }

        /// What it tells about the model (examples: the `access_core::model` module docs).
        #[automatically_derived]
        #[allow(dead_code, clippy::all)]
        impl EntityType {
            /// Its roles, in declaration order (its `<Entity>Role` enum, as `AnyRole`s).
            #[inline]
            pub const fn roles(self) -> &'static [#p::AnyRole] {
                match self { #( #type_roles )* }
            }
            /// The entitlements checked on it.
            #[inline]
            pub const fn entitlements(self) -> &'static [Entitlement] {
                match self { #( #type_ents )* }
            }
            /// The entity types it inherits from (the parent types of its `inherits` lines).
            #[inline]
            pub const fn parents(self) -> &'static [EntityType] {
                match self { #( #type_parents )* }
            }
        }

        /// What it tells about the model (examples: the `access_core::model` module docs).
        #[automatically_derived]
        #[allow(dead_code, clippy::all)]
        impl Plan {
            /// The entitlements it includes (its `features`).
            #[inline]
            pub const fn entitlements(self) -> &'static [Entitlement] {
                match self { #( #plan_ents )* }
            }
        }

        /// What it tells about the model (examples: the `access_core::model` module docs).
        #[automatically_derived]
        #[allow(dead_code, clippy::all)]
        impl Flag {
            /// The entitlements it gates: each needs it on.
            #[inline]
            pub const fn entitlements(self) -> &'static [Entitlement] {
                match self { #( #flag_ents )* }
            }
        }

        /// What it tells about the model (examples: the `access_core::model` module docs).
        #[automatically_derived]
        #[allow(dead_code, clippy::all)]
        impl Limit {
            #limit_fns
        }

        #( #role_enums )*
    }
}

/// A set holding roles `0..n`.
fn low_bits(n: usize) -> u64 {
    match n {
        0 => 0,
        n if n >= 64 => u64::MAX,
        n => (1u64 << n) - 1,
    }
}

/// `<Entity>Role::{entity, entitlements, any, from_any}` and `From<<Entity>Role> for AnyRole`.
fn role_links(p: &TokenStream, names: &Names, d: &ModelData, r: &RoleEnum) -> TokenStream {
    let ident = &r.ident;
    let ty = names.entity_types.iter().find(|v| v.name == r.entity);
    let Some(ty) = ty else { return quote!() };
    let (ty_ident, ty_index) = (&ty.ident, ty.index);
    let on_type = d
        .entities
        .get(usize::from(ty_index))
        .map_or(&[][..], |e| &e.entitlements[..]);
    let ents = arms(&r.roles, |v| {
        let granted = on_type.iter().copied().filter(|i| {
            d.entitlements
                .get(usize::from(*i))
                .is_some_and(|e| e.granting.contains(usize::from(v.index)))
        });
        slice(&quote!(Entitlement), &names.entitlements, granted)
    });
    let n = r.roles.len();
    let from_any = if n == 0 {
        quote!(#p::None)
    } else {
        quote! {
            if r.entity.0 == #ty_index && (r.index as usize) < #n {
                #p::Some(Self::ALL[r.index as usize])
            } else {
                #p::None
            }
        }
    };
    quote! {
        /// What it tells about the model (examples: the `access_core::model` module docs).
        #[automatically_derived]
        #[allow(dead_code, clippy::all)]
        impl #ident {
            /// The entity type these roles are held on.
            #[inline]
            pub const fn entity(self) -> EntityType {
                EntityType::#ty_ident
            }
            /// The entitlements it grants, `implies` included; roles on a parent type reach
            /// more through `inherits`.
            #[inline]
            pub const fn entitlements(self) -> &'static [Entitlement] {
                match self { #( #ents )* }
            }
            /// As a role of any entity type (what `Entitlement::roles` lists).
            #[inline]
            pub const fn any(self) -> #p::AnyRole {
                #p::AnyRole {
                    entity: #p::EntityTypeId(#ty_index),
                    index: self.index(),
                    name: self.as_str(),
                }
            }
            /// The role `r` names, if it is one of these (same entity type, index in range).
            #[inline]
            pub const fn from_any(r: #p::AnyRole) -> #p::Option<Self> {
                #from_any
            }
        }

        #[automatically_derived]
        impl ::core::convert::From<#ident> for #p::AnyRole {
            #[inline]
            fn from(value: #ident) -> Self {
                #ident::any(value)
            }
        }
    }
}
