//! The in-memory store's maintained ancestor chains against a naive walk, after random edits
//! (`add_resource`, `set_parents` with cycles refused, `remove_resource`, assignments, time-bound
//! assignments): `ancestors` lists the naive ancestor set, and `can` (compact ancestries, folded
//! runs) agrees with `check` (full ancestries) and with effective roles computed naively.

#![allow(missing_docs)] // the model the macro makes

use std::collections::{HashMap, HashSet};

use access_core::{
    AccessContext, AccessModel, ClosureStore, EntitlementId, EntityTypeId, MemoryStore, Principal,
    Resource, RoleSet, RoleStore, block_on_ready,
};
use proptest::prelude::*;

access_core::define_access! {
    pub Drive;
    entity org { roles: [owner, member] }
    entity folder {
        roles: [owner, editor, viewer],
        inherits: { org:owner => owner, org:member => viewer, folder:owner => editor, folder:editor => viewer },
    }
    entity doc { roles: [reader], inherits: { folder:viewer => reader, folder:owner => reader } }
    entitlements {
        "org:manage" on org => roles [owner],
        "folder:own" on folder => roles [owner],
        "folder:edit" on folder => roles [editor],
        "folder:read" on folder => roles [viewer],
        "doc:read" on doc => roles [reader],
    }
}

const SLOTS: usize = 12;
const NOW: i64 = 1_000;
const USERS: [&str; 2] = ["ann", "bob"];

fn ty(slot: usize) -> u16 {
    match slot {
        0..2 => 0,
        2..9 => 1,
        _ => 2,
    }
}

fn id(slot: usize) -> String {
    format!("r{slot}")
}

#[derive(Clone, Debug)]
enum Op {
    Add(usize, Vec<usize>),
    SetParents(usize, Vec<usize>),
    Remove(usize),
    Assign(usize, usize, u16),
    /// (user, slot, role, whether the window holds `NOW`)
    During(usize, usize, u16, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let slot = 0..SLOTS;
    let parents = prop::collection::vec(0..SLOTS, 0..3);
    prop_oneof![
        4 => (slot.clone(), parents.clone()).prop_map(|(s, p)| Op::Add(s, p)),
        2 => (slot.clone(), parents).prop_map(|(s, p)| Op::SetParents(s, p)),
        1 => slot.clone().prop_map(Op::Remove),
        2 => (0..USERS.len(), slot.clone(), 0u16..3).prop_map(|(u, s, r)| Op::Assign(u, s, r)),
        1 => (0..USERS.len(), slot, 0u16..3, any::<bool>()).prop_map(|(u, s, r, v)| Op::During(u, s, r, v)),
    ]
}

/// What the store should hold, kept the obvious way.
#[derive(Default)]
struct Naive {
    parents: HashMap<usize, Vec<usize>>,
    /// (user, slot) → roles valid at `NOW`
    roles: HashMap<(usize, usize), RoleSet>,
}

impl Naive {
    fn ancestors(&self, s: usize) -> HashSet<usize> {
        let mut out = HashSet::new();
        let mut todo = self.parents[&s].clone();
        while let Some(p) = todo.pop() {
            if out.insert(p) {
                todo.extend(self.parents[&p].iter().copied());
            }
        }
        out
    }

    fn effective(&self, user: usize, s: usize) -> RoleSet {
        let data = Drive.data();
        let entity = &data.entities[ty(s) as usize];
        let direct = self.roles.get(&(user, s)).copied().unwrap_or_default();
        let mut e = RoleSet::EMPTY;
        for r in direct.iter() {
            e = e.union(entity.implies.get(r).copied().unwrap_or(RoleSet::single(r)));
        }
        for &p in &self.parents[&s] {
            let above = self.effective(user, p);
            if let Some(edge) = data.edge(ty(p), ty(s)) {
                for r in above.iter() {
                    e = e.union(edge.map.get(r).copied().unwrap_or_default());
                }
            }
        }
        e
    }
}

fn res(slot: usize, ids: &[String]) -> Resource<'_> {
    Resource::new(EntityTypeId(ty(slot)), &ids[slot])
}

fn apply(store: &MemoryStore, naive: &mut Naive, op: &Op, ids: &[String]) {
    let rs = |v: &[usize]| v.iter().map(|&p| res(p, ids)).collect::<Vec<_>>();
    let dedup = |v: &[usize]| {
        let mut out: Vec<usize> = Vec::new();
        for &p in v {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    };
    let s = store.ready();
    match op {
        Op::Add(x, ps) => {
            if s.add_resource(res(*x, ids), &rs(ps)).is_ok() {
                naive.parents.insert(*x, dedup(ps));
            }
        }
        Op::SetParents(x, ps) => {
            if s.set_parents(res(*x, ids), &rs(ps)).is_ok() {
                naive.parents.insert(*x, dedup(ps));
            }
        }
        Op::Remove(x) => {
            if s.remove_resource(res(*x, ids)).is_ok() {
                naive.parents.remove(x);
                for ps in naive.parents.values_mut() {
                    ps.retain(|p| p != x);
                }
                naive.roles.retain(|(_, s), _| s != x);
            }
        }
        Op::Assign(u, x, r) => {
            let r = *r % Drive.data().entities[ty(*x) as usize].roles.len() as u16;
            if s.assign(USERS[*u], res(*x, ids), r).is_ok() {
                naive.roles.entry((*u, *x)).or_default().insert(r as usize);
            }
        }
        Op::During(u, x, r, valid) => {
            let r = *r % Drive.data().entities[ty(*x) as usize].roles.len() as u16;
            let (from, until) = if *valid {
                (NOW - 10, NOW + 10)
            } else {
                (NOW - 10, NOW - 5)
            };
            if s.assign_during(USERS[*u], res(*x, ids), r, Some(from), Some(until))
                .is_ok()
            {
                let set = naive.roles.entry((*u, *x)).or_default();
                set.0 &= !(1u64 << r);
                if *valid {
                    set.insert(r as usize);
                }
            }
        }
    }
}

fn agree(store: &MemoryStore, naive: &Naive, ids: &[String]) -> Result<(), TestCaseError> {
    let data = Drive.data();
    for x in 0..SLOTS {
        let r = res(x, ids);
        let exists = naive.parents.contains_key(&x);
        match block_on_ready(store.ancestors(r)).expect("ready") {
            Ok(list) => {
                prop_assert!(exists, "ancestors of removed r{x}");
                let got: HashSet<usize> = list
                    .iter()
                    .map(|(a, _)| a.id[1..].parse::<usize>().expect("slot id"))
                    .collect();
                prop_assert_eq!(got, naive.ancestors(x), "ancestors of r{}", x);
            }
            Err(_) => prop_assert!(!exists, "r{x} exists but ancestors failed"),
        }
        for (u, user) in USERS.iter().enumerate() {
            let ctx = AccessContext::new(&Drive, store, Principal::new(*user)).at(NOW);
            let want = if exists {
                naive.effective(u, x)
            } else {
                RoleSet::EMPTY
            };
            // The compact ancestry, read directly, folds nothing it must not.
            let mut a = access_core::Ancestry {
                compact: true,
                at: Some(NOW),
                ..Default::default()
            };
            block_on_ready(store.ancestry(user, r, &mut a))
                .expect("ready")
                .expect("ancestry");
            prop_assert_eq!(a.found, exists);
            for (i, e) in data.entitlements.iter().enumerate() {
                if e.entity != ty(x) {
                    continue;
                }
                let q = EntitlementId(i as u16);
                let can = block_on_ready(ctx.can(q, r)).expect("ready").expect("can");
                let check = block_on_ready(ctx.check(q, r))
                    .expect("ready")
                    .expect("check");
                prop_assert_eq!(
                    can,
                    check.allowed,
                    "can vs check: {} r{} {}",
                    user,
                    x,
                    e.name
                );
                prop_assert_eq!(
                    can,
                    want.intersects(e.granting),
                    "can vs naive: {} r{} {}",
                    user,
                    x,
                    e.name
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn chains_match_a_naive_walk_after_random_edits(ops in prop::collection::vec(op(), 1..40)) {
        let ids: Vec<String> = (0..SLOTS).map(id).collect();
        let store = MemoryStore::new();
        let mut naive = Naive::default();
        for op in &ops {
            apply(&store, &mut naive, op, &ids);
        }
        agree(&store, &naive, &ids)?;
    }
}

/// A chain 64 folders deep with a role only at the top: `can` at the bottom sees the role carried
/// down the whole run (folder:owner ⇒ editor ⇒ viewer, then nothing), as a naive walk does.
#[test]
fn a_long_run_of_folders_carries_roles_as_far_as_the_edges_do() {
    let store = MemoryStore::new();
    let ids: Vec<String> = (0..64).map(|i| format!("f{i}")).collect();
    let folder = |i: usize| Resource::new(EntityTypeId(1), &ids[i]);
    let s = store.ready();
    s.add_resource(folder(0), &[]).unwrap();
    for i in 1..64 {
        s.add_resource(folder(i), &[folder(i - 1)]).unwrap();
    }
    s.assign("ann", folder(0), 0).unwrap(); // owner on the top folder
    let ctx = AccessContext::new(&Drive, &store, Principal::new("ann"));
    let read = |i: usize| {
        block_on_ready(ctx.can(Entitlement::FolderRead, folder(i)))
            .unwrap()
            .unwrap()
    };
    let edit = |i: usize| {
        block_on_ready(ctx.can(Entitlement::FolderEdit, folder(i)))
            .unwrap()
            .unwrap()
    };
    assert!(edit(1) && !edit(2));
    assert!(read(2) && !read(3) && !read(63));
    s.assign("ann", folder(61), 0).unwrap();
    assert!(edit(62) && read(63) && !edit(63));
}
