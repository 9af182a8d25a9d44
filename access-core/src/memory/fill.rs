//! Reading an ancestry out of the [`Graph`]: in full (every ancestor, for explanations and
//! other stores' callers), or compact for `can` (only what decides the user's roles, in a time
//! that does not grow with the depth of the hierarchy).

use std::cell::RefCell;
use std::sync::Arc;

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::graph::{Graph, MAX_ANCESTRY, User};
use crate::model::{EntityTypeId, RoleSet};
use crate::store::{Ancestry, AncestryNode, Resource, StoreError, StoreErrorKind, StoreResult};
use crate::time::Timestamp;

/// Buffers of the ancestry walk, reused across calls on a thread.
#[derive(Debug, Default)]
struct Dfs {
    order: Vec<u32>,
    stack: Vec<(u32, usize)>,
    /// Node → its position in `order` once placed (`u32::MAX` while on the stack).
    seen: FxHashMap<u32, u32>,
}

thread_local! {
    static DFS: RefCell<Dfs> = const {
        RefCell::new(Dfs {
            order: Vec::new(),
            stack: Vec::new(),
            seen: FxHashMap::with_hasher(FxBuildHasher),
        })
    };
}

/// Most nodes of a chain on which the compact read takes the user's roles; past it, the ancestry
/// is read in full.
const HITS: usize = 8;

/// Adds roles `r` at chain position `p` to `hits[..n]`; `false` when full.
fn add(hits: &mut [(u32, RoleSet); HITS], n: &mut usize, p: u32, r: RoleSet) -> bool {
    if let Some(h) = hits[..*n].iter_mut().find(|(q, _)| *q == p) {
        h.1 = h.1.union(r);
        return true;
    }
    let Some(slot) = hits.get_mut(*n) else {
        return false;
    };
    *slot = (p, r);
    *n += 1;
    true
}

impl Graph {
    /// Fills `out` with the ancestry of `resource` and `user`'s direct roles on each node.
    pub(super) fn fill(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        out.clear();
        let u = self.user(user);
        let now = u
            .filter(|u| !u.timed.is_empty())
            .map(|_| out.at.unwrap_or_else(crate::time::now));
        let roles_on = |n: u32| u.map(|u| u.roles_on(n, now)).unwrap_or_default();
        let Some(start) = self.lookup(resource) else {
            out.nodes.push(AncestryNode {
                ty: resource.ty,
                id: out.want_ids.then(|| Arc::from(resource.id)),
                roles: RoleSet::EMPTY,
                parents: (0, 0),
            });
            return Ok(());
        };
        out.found = true;
        if out.compact
            && !out.want_ids
            && let Some(chain) = self.chains[start as usize].get()
            && self.fill_compact(u, now, start, resource.ty, chain, out)
        {
            return Ok(());
        }
        // Fast path: a chain (every node has at most one parent), the shape of most
        // hierarchies. No search needed: the chain is already in topological order.
        let mut n = start;
        loop {
            let node = &self.nodes[n as usize];
            match node.parents.as_slice() {
                [] | [_] if out.nodes.len() < MAX_ANCESTRY => {
                    let i = out.nodes.len() as u32;
                    let parents = if node.parents.is_empty() {
                        (i, 0)
                    } else {
                        out.parents.push(i + 1);
                        (out.parents.len() as u32 - 1, 1)
                    };
                    out.nodes.push(AncestryNode {
                        ty: EntityTypeId(node.ty),
                        id: out.want_ids.then(|| node.id.clone()),
                        roles: roles_on(n),
                        parents,
                    });
                    match node.parents.first() {
                        Some(&p) => n = p,
                        None => return Ok(()),
                    }
                }
                _ => break,
            }
        }
        // Several parents somewhere (or a chain too long): the general search below.
        out.nodes.clear();
        out.parents.clear();
        DFS.with(|d| {
            let mut d = d.borrow_mut();
            let Dfs { order, stack, seen } = &mut *d;
            order.clear();
            stack.clear();
            seen.clear();
            // Iterative DFS over parents; post-order, then reversed, gives a topological order
            // in which every parent comes after its children.
            stack.push((start, 0));
            seen.insert(start, u32::MAX);
            while let Some((n, next)) = stack.last_mut() {
                let node = &self.nodes[*n as usize];
                if let Some(&p) = node.parents.get(*next) {
                    *next += 1;
                    if !seen.contains_key(&p) {
                        if seen.len() >= MAX_ANCESTRY {
                            return Err(StoreError::new(
                                StoreErrorKind::InvalidAncestry,
                                format!("ancestry larger than {MAX_ANCESTRY} resources"),
                            ));
                        }
                        seen.insert(p, u32::MAX);
                        stack.push((p, 0));
                    }
                } else {
                    order.push(*n);
                    stack.pop();
                }
            }
            order.reverse();
            for (i, &n) in order.iter().enumerate() {
                seen.insert(n, i as u32);
            }
            for &n in order.iter() {
                let node = &self.nodes[n as usize];
                let start = out.parents.len() as u32;
                for p in &node.parents {
                    if let Some(&pos) = seen.get(p) {
                        out.parents.push(pos);
                    }
                }
                out.nodes.push(AncestryNode {
                    ty: EntityTypeId(node.ty),
                    id: out.want_ids.then(|| node.id.clone()),
                    roles: roles_on(n),
                    parents: (start, out.parents.len() as u32 - start),
                });
            }
            Ok(())
        })
    }

    /// The compact ancestry of `start`, whose ancestry is `chain`: the nodes from `start` up to
    /// the farthest ancestor on which the user holds a role, each run of same-type nodes without
    /// roles folded into one node repeated ([`Ancestry::repeats`]). With no role on the chain,
    /// `start` alone. The work is in the user's assignments and the runs of types, never in the
    /// length of the chain. `false` (nothing written): the user holds roles on more than
    /// [`HITS`] nodes of the chain; the caller reads the ancestry in full.
    fn fill_compact(
        &self,
        u: Option<&User>,
        now: Option<Timestamp>,
        start: u32,
        ty: EntityTypeId,
        chain: &[u32],
        out: &mut Ancestry,
    ) -> bool {
        let mut hits = [(0u32, RoleSet::EMPTY); HITS];
        let mut n = 0;
        if let Some(u) = u {
            let len = chain.len();
            // Position of node `a` in the chain, if it is there.
            let pos = |a: u32| {
                let c = *self.chain_len.get(a as usize)? as usize;
                let p = len.checked_sub(c).filter(|_| c > 0)?;
                (chain[p] == a).then_some(p as u32)
            };
            // The user's assignments placed on the chain, one comparison each; a chain no longer
            // than the user's assignments is walked instead, node by node.
            if u.assignments.len() < len {
                for (a, r) in u.assignments.iter() {
                    if let Some(p) = pos(a).filter(|_| !r.is_empty())
                        && !add(&mut hits, &mut n, p, r)
                    {
                        return false;
                    }
                }
            } else {
                for (p, a) in chain.iter().enumerate() {
                    if let Some(r) = u.assignments.get(*a).filter(|r| !r.is_empty())
                        && !add(&mut hits, &mut n, p as u32, r)
                    {
                        return false;
                    }
                }
            }
            if let Some(now) = now {
                for t in u.timed.iter().filter(|t| t.valid(now)) {
                    if let Some(p) = pos(t.node)
                        && !add(&mut hits, &mut n, p, RoleSet::single(t.role as usize))
                    {
                        return false;
                    }
                }
            }
        }
        let hits = &mut hits[..n];
        // Insertion sort: a handful at most.
        for i in 1..hits.len() {
            let mut j = i;
            while j > 0 && hits[j - 1].0 > hits[j].0 {
                hits.swap(j - 1, j);
                j -= 1;
            }
        }
        if hits.is_empty() {
            // The resource alone, of the type it was asked with (its node is not read).
            out.nodes.push(AncestryNode {
                ty,
                id: None,
                roles: RoleSet::EMPTY,
                parents: (0, 0),
            });
            return true;
        }
        let runs = &self.nodes[start as usize].runs;
        let mut p = 0u32;
        for &(at, roles) in hits.iter() {
            // Role-less nodes below `at`, one piece per run of types.
            while p < at {
                let run = runs.partition_point(|&s| s <= p);
                let end = runs.get(run).map_or(at, |&s| s.min(at));
                self.push_piece(chain, p, end - p, RoleSet::EMPTY, out);
                p = end;
            }
            self.push_piece(chain, at, 1, roles, out);
            p = at + 1;
        }
        // The last node has no parent.
        if let Some(last) = out.nodes.last_mut() {
            out.parents.pop();
            last.parents = (out.parents.len() as u32, 0);
        }
        true
    }

    /// Appends the node at `pos` of `chain`, standing for `count` nodes of its type, linked to the
    /// next node as its parent.
    fn push_piece(&self, chain: &[u32], pos: u32, count: u32, roles: RoleSet, out: &mut Ancestry) {
        let i = out.nodes.len() as u32;
        let ty = chain
            .get(pos as usize)
            .and_then(|&n| self.nodes.get(n as usize))
            .map_or(0, |n| n.ty);
        if count > 1 {
            out.repeats.push((i, count));
        }
        out.parents.push(i + 1);
        out.nodes.push(AncestryNode {
            ty: EntityTypeId(ty),
            id: None,
            roles,
            parents: (out.parents.len() as u32 - 1, 1),
        });
    }
}
