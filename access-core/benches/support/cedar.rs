//! A role/hierarchy world (model tables, resources with parents, role assignments) loaded into
//! `access-core`'s in-memory store and translated into Cedar; shared by the `compare` benchmark
//! and the differential test.
//!
//! The encoding is the usual one for relationship-based models in Cedar, and the fastest one we
//! know for it: every (resource, role) pair is a `Role` group entity; `implies` and `inherits`
//! become parent links between groups (role `d` implies `c` on resource `x`: `x#d` is in `x#c`;
//! parent `p`'s role `pq` gives child `ch` role `c`: `p#pq` is in `ch#c`); a user is in the groups
//! they are assigned. Cedar computes the transitive closure once when the entities are built,
//! outside any timed loop. Each resource carries one attribute per role naming its group, and
//! there is one policy per (entity type, role) that grants anything, listing its actions:
//!
//! ```cedar
//! permit(principal, action in [Action::"project:delete"], resource is project)
//!     when { principal in resource.r_manager };
//! ```
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use access_core::{EntityTypeId, MemoryStore, ModelData, Resource};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression,
};

/// A resource of the world: its entity type index, id and parents (indices into the list).
#[derive(Clone, Debug)]
pub struct Res {
    pub ty: u16,
    pub id: String,
    pub parents: Vec<usize>,
}

/// The same world in `access-core`'s in-memory store.
pub fn memory_store(resources: &[Res], assignments: &[(String, usize, u16)]) -> MemoryStore {
    let store = MemoryStore::new();
    let res = |i: usize| Resource::new(EntityTypeId(resources[i].ty), &resources[i].id);
    for (i, x) in resources.iter().enumerate() {
        let parents: Vec<Resource<'_>> = x.parents.iter().map(|&p| res(p)).collect();
        store
            .ready()
            .add_resource(res(i), &parents)
            .expect("parents come first, so there is no cycle");
    }
    for (u, x, r) in assignments {
        store.ready().assign(u, res(*x), *r).expect("assign");
    }
    store
}

/// The policies: one per (entity type, granting role).
pub fn policies(data: &ModelData) -> PolicySet {
    let mut text = String::new();
    for (t, e) in data.entities.iter().enumerate() {
        for (r, role) in e.roles.iter().enumerate() {
            let actions: Vec<String> = data
                .entitlements
                .iter()
                .filter(|x| x.entity as usize == t && x.roles.contains(r))
                .map(|x| format!("Action::\"{}\"", x.name))
                .collect();
            if actions.is_empty() {
                continue;
            }
            text.push_str(&format!(
                "permit(principal, action in [{}], resource is {}) when {{ principal in resource.r_{} }};\n",
                actions.join(", "),
                e.name,
                role
            ));
        }
    }
    PolicySet::from_str(&text).unwrap_or_else(|e| panic!("policies do not parse: {e}\n{text}"))
}

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty).unwrap_or_else(|e| panic!("type `{ty}`: {e}")),
        EntityId::new(id),
    )
}

fn group(res: usize, role: usize) -> EntityUid {
    uid("Role", &format!("{res}#{role}"))
}

/// The entities: resources (with a group attribute per role), groups and users.
pub fn entities(
    data: &ModelData,
    resources: &[Res],
    assignments: &[(String, usize, u16)],
) -> Entities {
    let mut group_parents: HashMap<EntityUid, HashSet<EntityUid>> = HashMap::new();
    let mut out = Vec::new();
    for (i, x) in resources.iter().enumerate() {
        let e = &data.entities[x.ty as usize];
        let mut attrs = HashMap::new();
        for (r, role) in e.roles.iter().enumerate() {
            attrs.insert(
                format!("r_{role}"),
                RestrictedExpression::new_entity_uid(group(i, r)),
            );
            let ps = group_parents.entry(group(i, r)).or_default();
            // `implies`: holders of `r` hold every role of its closure.
            for c in e.implies[r].iter() {
                if c != r {
                    ps.insert(group(i, c));
                }
            }
        }
        // `inherits`: the parent's role `pq` gives this resource's role `c`.
        for &p in &x.parents {
            let Some(edge) = data.edge(resources[p].ty, x.ty) else {
                continue;
            };
            for &(pq, c) in edge.lines.iter() {
                group_parents
                    .entry(group(p, pq as usize))
                    .or_default()
                    .insert(group(i, c as usize));
            }
        }
        out.push(
            Entity::new(uid(&e.name, &x.id), attrs, HashSet::new()).expect("plain attributes"),
        );
    }
    let mut users: HashMap<&str, HashSet<EntityUid>> = HashMap::new();
    for (u, x, r) in assignments {
        users
            .entry(u.as_str())
            .or_default()
            .insert(group(*x, *r as usize));
    }
    for (g, ps) in group_parents {
        out.push(Entity::new_no_attrs(g, ps));
    }
    for (u, ps) in users {
        out.push(Entity::new_no_attrs(uid("User", u), ps));
    }
    Entities::from_entities(out, None).expect("entities are consistent")
}

/// One prepared request (the uids are built once, like an application caching them).
pub struct Query {
    pub principal: EntityUid,
    pub action: EntityUid,
    pub resource: EntityUid,
}

pub fn query(data: &ModelData, user: &str, entitlement: u16, res: &Res) -> Query {
    Query {
        principal: uid("User", user),
        action: uid("Action", &data.entitlements[entitlement as usize].name),
        resource: uid(&data.entities[res.ty as usize].name, &res.id),
    }
}

/// Cedar's decision, the request built from the prepared uids as a server would per request.
pub fn is_authorized(
    auth: &Authorizer,
    q: &Query,
    policies: &PolicySet,
    entities: &Entities,
) -> bool {
    let request = Request::new(
        q.principal.clone(),
        q.action.clone(),
        q.resource.clone(),
        Context::empty(),
        None,
    )
    .expect("no schema to violate");
    auth.is_authorized(&request, policies, entities).decision() == Decision::Allow
}

/// A small deterministic generator (SplitMix64), so runs are reproducible without `rand`.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}
