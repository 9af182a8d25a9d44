//! Role algebra: `implies` closures, roles carried down `inherits` edges, the effective roles
//! of an ancestry, and which roles grant an entitlement (the model's tables or dynamic grants).

use std::cell::Cell;

use access_model::{EdgeData, EntitlementData, EntityData, ModelData};

use super::AccessContext;
use crate::model::{AccessModel, EntitlementId, RoleSet};
use crate::store::{Ancestry, StoreError, StoreErrorKind, StoreResult, Stores};

/// Buffers for one evaluation.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    pub(super) ancestry: Ancestry,
    pub(super) eff: Vec<RoleSet>,
}

thread_local! {
    // One set a thread: an evaluation takes it and gives it back before the next one starts on
    // this thread (one that finds it taken, because another is suspended mid-way, makes its own).
    static SPARE: Cell<Option<Box<Scratch>>> = const { Cell::new(None) };
}

/// Buffers for one evaluation, boxed so taking and giving them back moves one pointer.
#[inline]
pub(super) fn take_scratch() -> Box<Scratch> {
    SPARE.with(Cell::take).unwrap_or_default()
}

#[inline]
pub(super) fn give_scratch(s: Box<Scratch>) {
    SPARE.with(|spare| spare.set(Some(s)));
}

/// `implies` closure of a role set on an entity type. Roles past the model's (custom roles of
/// dynamic mode) are kept as they are.
#[inline]
pub(super) fn closure(entity: &EntityData, roles: RoleSet) -> RoleSet {
    let n = entity.implies.len();
    let mut out = if n >= 64 {
        RoleSet::EMPTY
    } else {
        RoleSet(roles.0 & !((1u64 << n) - 1))
    };
    for r in roles.iter() {
        if let Some(c) = entity.implies.get(r) {
            out = out.union(*c);
        }
    }
    out
}

/// Child roles given by parent roles through an edge.
#[inline]
pub(super) fn carry(edge: &EdgeData, parent_roles: RoleSet) -> RoleSet {
    let mut out = RoleSet::EMPTY;
    for r in parent_roles.iter() {
        if let Some(c) = edge.map.get(r) {
            out = out.union(*c);
        }
    }
    out
}

/// Parent roles whose carried roles meet `needed`.
pub(super) fn preimage(edge: &EdgeData, needed: RoleSet) -> RoleSet {
    let mut out = RoleSet::EMPTY;
    for (q, c) in edge.map.iter().enumerate() {
        if c.intersects(needed) {
            out.insert(q);
        }
    }
    out
}

pub(super) fn bad_ancestry(msg: &str) -> StoreError {
    StoreError::new(StoreErrorKind::InvalidAncestry, msg)
}

/// The roles on the lowest of `count` same-type nodes in a chain, each holding `roles`, when the
/// topmost has `top`: the type's edge to itself applied `count - 1` times, stopping early at a
/// fixed point (after one or two steps in the models we know), so a long run costs what a short
/// one does.
fn repeat(
    data: &ModelData,
    entity: &EntityData,
    roles: RoleSet,
    ty: u16,
    top: RoleSet,
    count: u32,
) -> RoleSet {
    let own = closure(entity, roles);
    let edge = data.edge(ty, ty);
    let mut e = top;
    for _ in 1..count {
        let next = own.union(edge.map_or(RoleSet::EMPTY, |edge| carry(edge, e)));
        if next == e {
            break;
        }
        e = next;
    }
    e
}

/// Effective roles of every node of the ancestry, parents first (they have larger indices).
pub(super) fn effective(
    data: &ModelData,
    a: &Ancestry,
    eff: &mut Vec<RoleSet>,
) -> StoreResult<RoleSet> {
    let n = a.nodes.len();
    // The resource alone (no role above it, or no ancestor): its own roles' closure.
    if let [node] = a.nodes.as_slice()
        && a.repeats.is_empty()
    {
        let roles = data
            .entities
            .get(node.ty.0 as usize)
            .map_or(RoleSet::EMPTY, |entity| closure(entity, node.roles));
        eff.clear();
        eff.push(roles);
        return Ok(roles);
    }
    eff.clear();
    eff.resize(n, RoleSet::EMPTY);
    // Folded runs (compact ancestries), walked from the last as the nodes are.
    let mut repeats = a.repeats.iter().rev().peekable();
    for i in (0..n).rev() {
        let node = &a.nodes[i];
        let ty = node.ty.0;
        let Some(entity) = data.entities.get(ty as usize) else {
            continue;
        };
        let mut e = closure(entity, node.roles);
        for &p in a.parents_of(i) {
            let p = p as usize;
            if p <= i || p >= n {
                return Err(bad_ancestry("ancestry is not in topological order"));
            }
            if let Some(edge) = data.edge(a.nodes[p].ty.0, ty) {
                e = e.union(carry(edge, eff[p]));
            }
        }
        while let Some(&&(r, count)) = repeats.peek() {
            if r as usize > i {
                repeats.next();
                continue;
            }
            if r as usize == i {
                e = repeat(data, entity, node.roles, ty, e, count);
            }
            break;
        }
        eff[i] = e;
    }
    Ok(eff.first().copied().unwrap_or_default())
}

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// The roles that grant entitlement `ei`: the model's table, or the dynamic grants.
    #[inline]
    pub(super) fn granting(&self, ei: usize, ent: &EntitlementData) -> RoleSet {
        match &self.grants {
            None => ent.granting,
            Some(g) => g
                .granting(EntitlementId(ei as u16))
                .unwrap_or(RoleSet::EMPTY),
        }
    }

    /// The roles entitlement `ei` is given to directly.
    pub(super) fn listed(&self, ei: usize, ent: &EntitlementData) -> RoleSet {
        match &self.grants {
            None => ent.roles,
            Some(g) => g.listed(EntitlementId(ei as u16)).unwrap_or(RoleSet::EMPTY),
        }
    }
}
