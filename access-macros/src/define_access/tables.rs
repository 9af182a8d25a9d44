//! The model's tables (`ModelData`) → the tokens of a `static` holding them.

use access_model::{
    DefaultPermission, EdgeData, EntitlementData, EntityData, LimitData, ModelData, Period,
    Permission, PlanData, RoleSet,
};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

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

/// The `static` holding the tables, named `static_ident`.
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
    let tenant = match d.tenant {
        Some(t) => {
            let (entity, owner, member) = (t.entity, t.owner, opt_u16(&p, t.member));
            quote!(#p::Some(#p::TenantData { entity: #entity, owner: #owner, member: #member }))
        }
        None => quote!(#p::None),
    };
    let perm = default_permission(&p, &d.default_permission);
    let bypass = d.superuser_bypasses_blocked;
    quote! {
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
            tenant: #tenant,
            default_permission: #perm,
            superuser_bypasses_blocked: #bypass,
        };
    }
}
