//! The resource graph of [`MemoryStore`](super::MemoryStore): nodes with interned ids, parent
//! and child links, each user's assignments by node index, and the maintained ancestor chain of
//! every node whose ancestry is a chain (the shape of most hierarchies), so a request finds any
//! ancestor at a known position without walking to it.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::chain::Chain;
use super::key::Key;
use crate::model::RoleSet;
use crate::store::{Resource, StoreError, StoreErrorKind, StoreResult};
use crate::time::Timestamp;

/// Most nodes an ancestry may hold; a deeper hierarchy is refused instead of exhausting memory.
pub const MAX_ANCESTRY: usize = 4_096;

#[derive(Debug)]
pub(super) struct Node {
    pub(super) ty: u16,
    pub(super) id: Arc<str>,
    pub(super) parents: Vec<u32>,
    pub(super) children: Vec<u32>,
    pub(super) alive: bool,
    /// Positions in the node's chain ([`Graph::chains`]) where a run of same-type nodes starts
    /// (0 first), ascending.
    pub(super) runs: Box<[u32]>,
}

impl Node {
    pub(super) fn new(ty: u16, id: Arc<str>) -> Self {
        Self {
            ty,
            id,
            parents: Vec::new(),
            children: Vec::new(),
            alive: true,
            runs: Box::new([0]),
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct User {
    pub(super) global: RoleSet,
    pub(super) assignments: Assignments,
    /// Time-bound assignments (few; checked against the clock when present).
    pub(super) timed: Vec<Timed>,
}

/// A user's roles by node, sorted by node: a user holds a handful, read in one sweep of one
/// allocation (a hash table costs a probe, and a cache miss, per lookup).
#[derive(Debug, Default)]
pub(super) struct Assignments(Vec<(u32, RoleSet)>);

impl Assignments {
    #[inline]
    pub(super) fn get(&self, n: u32) -> Option<RoleSet> {
        if self.0.len() <= 8 {
            return self.0.iter().find(|(m, _)| *m == n).map(|&(_, r)| r);
        }
        let i = self.0.binary_search_by_key(&n, |&(m, _)| m).ok()?;
        Some(self.0[i].1)
    }

    /// Adds `role` on node `n`.
    pub(super) fn insert(&mut self, n: u32, role: usize) {
        match self.0.binary_search_by_key(&n, |&(m, _)| m) {
            Ok(i) => self.0[i].1.insert(role),
            Err(i) => {
                let mut r = RoleSet::EMPTY;
                r.insert(role);
                self.0.insert(i, (n, r));
            }
        }
    }

    /// Takes `role` off node `n`, forgetting the node when no role is left.
    pub(super) fn remove_role(&mut self, n: u32, role: u16) {
        if let Ok(i) = self.0.binary_search_by_key(&n, |&(m, _)| m) {
            let r = &mut self.0[i].1;
            r.0 &= !(1u64.checked_shl(u32::from(role)).unwrap_or(0));
            if r.is_empty() {
                self.0.remove(i);
            }
        }
    }

    /// Forgets node `n`.
    pub(super) fn remove(&mut self, n: u32) {
        if let Ok(i) = self.0.binary_search_by_key(&n, |&(m, _)| m) {
            self.0.remove(i);
        }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// (node, roles), by node.
    #[inline]
    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, RoleSet)> + '_ {
        self.0.iter().copied()
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Timed {
    pub(super) node: u32,
    pub(super) role: u16,
    pub(super) from: Option<Timestamp>,
    pub(super) until: Option<Timestamp>,
}

impl Timed {
    pub(super) fn valid(&self, now: Timestamp) -> bool {
        self.from.is_none_or(|f| f <= now) && self.until.is_none_or(|u| now < u)
    }
}

impl User {
    /// The roles held on node `n` at `now` (`None`: no time-bound assignment to check).
    #[inline]
    pub(super) fn roles_on(&self, n: u32, now: Option<Timestamp>) -> RoleSet {
        let mut r = self.assignments.get(n).unwrap_or_default();
        if let Some(now) = now {
            for t in &self.timed {
                if t.node == n && t.valid(now) {
                    r.insert(t.role as usize);
                }
            }
        }
        r
    }
}

#[derive(Debug, Default)]
pub(super) struct Graph {
    /// Per entity type: id → node index.
    pub(super) index: Vec<FxHashMap<Key, u32>>,
    pub(super) nodes: Vec<Node>,
    /// Each node's chain (at most [`MAX_ANCESTRY`] long), beside the nodes.
    pub(super) chains: Vec<Chain>,
    /// The length of each node's chain (0: none), so that placing a user's assignments on a
    /// chain reads 4 bytes a node.
    pub(super) chain_len: Vec<u32>,
    pub(super) users: FxHashMap<Key, User>,
}

impl Graph {
    /// Adds a node with no parent (its chain is itself).
    pub(super) fn push(&mut self, ty: u16, id: Arc<str>) -> u32 {
        let n = self.nodes.len() as u32;
        self.nodes.push(Node::new(ty, id));
        self.chains.push(Chain::new(&[n]));
        self.chain_len.push(1);
        n
    }

    #[inline]
    pub(super) fn lookup(&self, r: Resource<'_>) -> Option<u32> {
        let ix = self.index.get(r.ty.0 as usize)?;
        ix.get(r.id.as_bytes()).copied()
    }

    /// A user's entry.
    #[inline]
    pub(super) fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id.as_bytes())
    }

    pub(super) fn require(&self, r: Resource<'_>) -> StoreResult<u32> {
        self.lookup(r).ok_or_else(|| {
            StoreError::new(
                StoreErrorKind::NotFound,
                format!("resource {}:{} not found", r.ty.0, r.id),
            )
        })
    }

    /// Whether `target` is `from` or one of its ancestors.
    fn reaches(&self, from: u32, target: u32) -> bool {
        let mut stack = vec![from];
        let mut seen = vec![from];
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            for &p in &self.nodes[n as usize].parents {
                if !seen.contains(&p) {
                    seen.push(p);
                    stack.push(p);
                }
            }
        }
        false
    }

    pub(super) fn set_parents(&mut self, n: u32, parents: &[Resource<'_>]) -> StoreResult<()> {
        let mut ps = Vec::with_capacity(parents.len());
        for p in parents {
            let pi = self.require(*p)?;
            if self.reaches(pi, n) {
                return Err(StoreError::new(
                    StoreErrorKind::Cycle,
                    format!(
                        "{}:{} cannot be placed under {}:{}: it would become its own ancestor",
                        self.nodes[n as usize].ty, self.nodes[n as usize].id, p.ty.0, p.id
                    ),
                ));
            }
            if !ps.contains(&pi) {
                ps.push(pi);
            }
        }
        let old = std::mem::take(&mut self.nodes[n as usize].parents);
        for p in old {
            self.nodes[p as usize].children.retain(|c| *c != n);
        }
        for &p in &ps {
            self.nodes[p as usize].children.push(n);
        }
        self.nodes[n as usize].parents = ps;
        self.rechain(&[n]);
        Ok(())
    }

    /// Removes node `n` from the graph: unlinks it from its parents and children (which become
    /// roots or lose one parent) and forgets every assignment on it.
    pub(super) fn remove(&mut self, n: u32) -> StoreResult<()> {
        self.set_parents(n, &[])?;
        let children = std::mem::take(&mut self.nodes[n as usize].children);
        for &c in &children {
            self.nodes[c as usize].parents.retain(|p| *p != n);
        }
        let node = &mut self.nodes[n as usize];
        node.alive = false;
        node.runs = Box::new([]);
        self.chains[n as usize] = Chain::None;
        self.chain_len[n as usize] = 0;
        self.rechain(&children);
        for u in self.users.values_mut() {
            u.assignments.remove(n);
            u.timed.retain(|t| t.node != n);
        }
        Ok(())
    }

    /// Recomputes the chains of `from` and of their descendants, stopping below a node whose chain
    /// did not change (its descendants' chains are made of it).
    fn rechain(&mut self, from: &[u32]) {
        let mut todo: Vec<u32> = from.to_vec();
        while let Some(n) = todo.pop() {
            let (chain, runs) = self.chain_of(n);
            if self.chains[n as usize] != chain {
                self.chain_len[n as usize] = chain.get().map_or(0, |c| c.len() as u32);
                self.chains[n as usize] = chain;
                let node = &mut self.nodes[n as usize];
                node.runs = runs;
                todo.extend_from_slice(&node.children);
            }
        }
    }

    /// The chain of `n` from its parents' chains, and its runs of same-type nodes.
    fn chain_of(&self, n: u32) -> (Chain, Box<[u32]>) {
        let node = &self.nodes[n as usize];
        let above: &[u32] = match node.parents.as_slice() {
            [] => &[],
            [p] => match self.chains[*p as usize].get() {
                Some(c) if c.len() < MAX_ANCESTRY => c,
                _ => return (Chain::None, Box::new([])),
            },
            _ => return (Chain::None, Box::new([])),
        };
        let mut chain = Vec::with_capacity(above.len() + 1);
        chain.push(n);
        chain.extend_from_slice(above);
        let mut runs = vec![0u32];
        for (i, w) in chain.windows(2).enumerate() {
            if self.nodes[w[0] as usize].ty != self.nodes[w[1] as usize].ty {
                runs.push(i as u32 + 1);
            }
        }
        (Chain::new(&chain), runs.into_boxed_slice())
    }
}
