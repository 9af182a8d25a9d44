//! What one [`RoleStore::ancestry`](crate::RoleStore::ancestry) call returns: a resource, its
//! ancestors with their parent links, and the user's direct roles on each.

use std::sync::Arc;

use crate::model::{EntityTypeId, RoleSet};
use crate::time::Timestamp;

/// One resource of an [`Ancestry`].
///
/// # Examples
/// ```
/// use access_core::store::{Ancestry, AncestryNode};
/// use access_core::{EntityTypeId, RoleSet};
///
/// // What a store fills in for a resource nobody created: one node, no parents, no roles.
/// let mut a = Ancestry::default();
/// let node = AncestryNode { ty: EntityTypeId(0), id: None, roles: RoleSet::EMPTY, parents: (0, 0) };
/// a.nodes.push(node);
/// assert!(a.parents_of(0).is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AncestryNode {
    /// Entity type.
    pub ty: EntityTypeId,
    /// Id, when the engine asked for ids ([`Ancestry::want_ids`]); `None` otherwise.
    pub id: Option<Arc<str>>,
    /// The roles the user holds on this resource directly.
    pub roles: RoleSet,
    /// This node's parents in [`Ancestry::parents`], as `(start, len)`.
    pub parents: (u32, u32),
}

/// A resource, all its ancestors with their parent links, and the user's direct roles on each:
/// everything the roles and hierarchy layers need, fetched in one store call.
///
/// Node 0 is the resource itself. Nodes are in topological order: every parent index is greater
/// than the index of its child (the engine refuses anything else, so evaluation terminates on
/// any data).
///
/// # Examples
/// ```
/// use access_core::{Ancestry, ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
///
/// let store = MemoryStore::new();
/// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws-1"));
/// let mut a = Ancestry::default();
/// access_core::block_on_ready(async {
///     store.add_resource(org, &[]).await.unwrap();
///     store.add_resource(ws, &[org]).await.unwrap();
///     store.ancestry("alice", ws, &mut a).await.unwrap();
/// })
/// .unwrap();
/// assert_eq!(a.nodes.len(), 2); // ws-1, then acme
/// assert_eq!(a.parents_of(0), &[1]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Ancestry {
    /// Whether the store should fill in [`AncestryNode::id`] (for explanations).
    pub want_ids: bool,
    /// The time assignments are valid at (time-bound grants): the engine's
    /// [`AccessContext::at`](crate::AccessContext::at) when set, else the store reads the clock.
    pub at: Option<Timestamp>,
    /// Node 0 is the resource; the rest are its ancestors.
    pub nodes: Vec<AncestryNode>,
    /// Parent indices, referenced by ranges in the nodes.
    pub parents: Vec<u32>,
    /// Whether the resource itself exists in the store.
    pub found: bool,
    /// Whether the store may answer in compact form (the engine's `can` asks so; explanations
    /// never do, as they set [`Ancestry::want_ids`]): it may leave out the ancestors above the
    /// last one on which the user holds a role (they cannot give the user anything), and fold a
    /// run of consecutive same-type ancestors without roles, each the only parent of the one
    /// below, into one node listed in [`Ancestry::repeats`]. A store may ignore it.
    pub compact: bool,
    /// `(node, count)`: node `node` stands for `count` consecutive nodes of its type, each the
    /// only parent of the next, all with the node's roles (compact form only; empty otherwise).
    pub repeats: Vec<(u32, u32)>,
}

impl Ancestry {
    /// Clears the nodes, keeping the buffers and the request settings (`want_ids`, `at`,
    /// `compact`).
    ///
    /// # Examples
    /// ```
    /// use access_core::Ancestry;
    ///
    /// let mut a = Ancestry { want_ids: true, found: true, ..Ancestry::default() };
    /// a.clear();
    /// assert!(!a.found && a.want_ids);
    /// ```
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.parents.clear();
        self.repeats.clear();
        self.found = false;
    }

    /// The parent indices of node `i`.
    ///
    /// # Examples
    /// ```
    /// use access_core::store::{Ancestry, AncestryNode};
    /// use access_core::{EntityTypeId, RoleSet};
    ///
    /// let node = |parents| {
    ///     AncestryNode { ty: EntityTypeId(0), id: None, roles: RoleSet::EMPTY, parents }
    /// };
    /// // Node 0 has two parents, nodes 1 and 2: `parents[0..2]`.
    /// let a = Ancestry {
    ///     nodes: vec![node((0, 2)), node((2, 0)), node((2, 0))],
    ///     parents: vec![1, 2],
    ///     ..Ancestry::default()
    /// };
    /// assert_eq!(a.parents_of(0), &[1, 2]);
    /// assert!(a.parents_of(1).is_empty());
    /// ```
    #[inline]
    pub fn parents_of(&self, i: usize) -> &[u32] {
        let (start, len) = self.nodes[i].parents;
        self.parents
            .get(start as usize..(start + len) as usize)
            .unwrap_or(&[])
    }
}
