//! The stores the engine reads: role assignments, the resource hierarchy, subscriptions, usage
//! wallets and flags.
//!
//! Each store is a trait with async methods so that database implementations (sea-orm, behind
//! the `sea-orm` feature) and the in-memory [`crate::MemoryStore`] share one engine. The engine
//! needs all five; [`Stores`] is implemented for any type that implements them.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::model::{EntityTypeId, FlagId, LimitId, PlanId, RoleSet};
use crate::time::Timestamp;

/// A resource named in a request: its entity type and id.
///
/// # Examples
/// ```
/// use access_core::{EntityTypeId, Resource};
///
/// let doc = Resource::new(EntityTypeId(2), "doc-1");
/// assert_eq!(doc.ty, EntityTypeId(2));
/// assert_eq!(doc.id, "doc-1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Resource<'a> {
    /// The entity type.
    pub ty: EntityTypeId,
    /// The resource's id within its type.
    pub id: &'a str,
}

impl<'a> Resource<'a> {
    /// A resource of type `ty` (a generated `EntityType`, or an [`EntityTypeId`]).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, Resource};
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity org { roles: [admin] }
    ///     entitlements { "org:edit" on org => roles [admin] }
    /// }
    ///
    /// fn main() {
    ///     let acme = Resource::new(EntityType::Org, "acme");
    ///     assert_eq!(acme.ty, EntityTypeId(0));
    ///     assert_eq!(acme, Resource::new(EntityTypeId(0), "acme"));
    /// }
    /// ```
    pub fn new(ty: impl Into<EntityTypeId>, id: &'a str) -> Self {
        Self { ty: ty.into(), id }
    }
    /// An owned copy.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, Resource, ResourceRef};
    ///
    /// let id = String::from("ws-1");
    /// let owned: ResourceRef = Resource::new(EntityTypeId(1), &id).to_owned();
    /// drop(id);
    /// assert_eq!(owned, ResourceRef::new(EntityTypeId(1), "ws-1"));
    /// ```
    pub fn to_owned(self) -> ResourceRef {
        ResourceRef {
            ty: self.ty,
            id: Arc::from(self.id),
        }
    }
}

/// An owned resource reference.
///
/// # Examples
/// ```
/// use access_core::{EntityTypeId, Resource, ResourceRef};
///
/// let r = ResourceRef::new(EntityTypeId(1), "ws-1");
/// assert_eq!(&*r.id, "ws-1");
/// // Borrow it where a `Resource` is wanted.
/// assert_eq!(Resource::from(&r), Resource::new(EntityTypeId(1), "ws-1"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceRef {
    /// The entity type.
    pub ty: EntityTypeId,
    /// The resource's id within its type.
    pub id: Arc<str>,
}

impl ResourceRef {
    /// A resource of type `ty`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, ResourceRef};
    ///
    /// let a = ResourceRef::new(EntityTypeId(0), "acme");
    /// let b = ResourceRef::new(EntityTypeId(0), String::from("acme"));
    /// assert_eq!(a, b);
    /// assert_eq!(a.ty, EntityTypeId(0));
    /// ```
    pub fn new(ty: impl Into<EntityTypeId>, id: impl Into<Arc<str>>) -> Self {
        Self {
            ty: ty.into(),
            id: id.into(),
        }
    }
    /// Borrowed form.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, ResourceRef};
    ///
    /// let r = ResourceRef::new(EntityTypeId(1), "ws-1");
    /// let borrowed = r.as_resource();
    /// assert_eq!((borrowed.ty, borrowed.id), (EntityTypeId(1), "ws-1"));
    /// assert_eq!(borrowed.to_owned(), r);
    /// ```
    pub fn as_resource(&self) -> Resource<'_> {
        Resource {
            ty: self.ty,
            id: &self.id,
        }
    }
}

impl<'a> From<&'a ResourceRef> for Resource<'a> {
    fn from(r: &'a ResourceRef) -> Self {
        r.as_resource()
    }
}

/// What can go wrong in a store.
///
/// # Examples
/// ```
/// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, StoreErrorKind};
///
/// let store = MemoryStore::new();
/// let org = Resource::new(EntityTypeId(0), "acme");
/// let missing = Resource::new(EntityTypeId(0), "nope");
/// let err = access_core::block_on_ready(store.add_resource(org, &[missing]))
///     .unwrap()
///     .unwrap_err();
/// assert_eq!(err.kind, StoreErrorKind::NotFound);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The change would make a resource its own ancestor.
    Cycle,
    /// A resource named in a change does not exist.
    NotFound,
    /// The store returned an ancestry that is not in topological order, or too large.
    InvalidAncestry,
    /// The backend failed (database error, ..).
    Backend,
    /// The request is malformed (too many pairs for `can_all`, ..).
    InvalidRequest,
    /// The resource to create exists already (`SeaStore::create_resource_in`).
    AlreadyExists,
}

/// A store failure. Its message is for logs; do not send it to clients.
///
/// # Examples
/// ```
/// use access_core::{StoreError, StoreErrorKind};
///
/// let err = StoreError::new(StoreErrorKind::Backend, "connection reset");
/// assert_eq!(err.kind, StoreErrorKind::Backend);
/// assert_eq!(err.to_string(), "store error (Backend): connection reset");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    /// What went wrong.
    pub kind: StoreErrorKind,
    /// Details for logs.
    pub message: String,
}

impl StoreError {
    /// An error of `kind` with a message for logs.
    ///
    /// # Examples
    /// ```
    /// use access_core::{StoreError, StoreErrorKind};
    ///
    /// let err = StoreError::new(StoreErrorKind::Cycle, format!("{} under {}", "a", "b"));
    /// assert_eq!(err.message, "a under b");
    /// ```
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store error ({:?}): {}", self.kind, self.message)
    }
}

impl std::error::Error for StoreError {}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// One resource of an [`Ancestry`].
///
/// # Examples
/// ```
/// use access_core::{Ancestry, ClosureStore, EntityTypeId, MemoryStore, Resource, RoleSet, RoleStore};
///
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     let org = Resource::new(EntityTypeId(0), "acme");
///     store.add_resource(org, &[]).await?;
///     store.assign("alice", org, 1).await?;
///     let mut a = Ancestry { want_ids: true, ..Ancestry::default() };
///     store.ancestry("alice", org, &mut a).await?;
///     let node = &a.nodes[0];
///     assert_eq!(node.ty, EntityTypeId(0));
///     assert_eq!(node.id.as_deref(), Some("acme"));
///     assert_eq!(node.roles, RoleSet::single(1));
///     Ok::<(), access_core::StoreError>(())
/// }).unwrap().unwrap();
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
/// use access_core::{Ancestry, ClosureStore, EntityTypeId, MemoryStore, Resource, RoleSet, RoleStore};
///
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     let org = Resource::new(EntityTypeId(0), "acme");
///     let ws = Resource::new(EntityTypeId(1), "ws-1");
///     store.add_resource(org, &[]).await?;
///     store.add_resource(ws, &[org]).await?;
///     store.assign("alice", org, 0).await?;
///
///     let mut a = Ancestry::default();
///     store.ancestry("alice", ws, &mut a).await?;
///     assert!(a.found);
///     assert_eq!(a.nodes.len(), 2); // ws-1, then acme
///     assert_eq!(a.parents_of(0), &[1]);
///     assert!(a.nodes[0].roles.is_empty());
///     assert_eq!(a.nodes[1].roles, RoleSet::single(0));
///     assert_eq!(a.nodes[1].id, None); // ids only with `want_ids`
///     Ok::<(), access_core::StoreError>(())
/// }).unwrap().unwrap();
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
}

impl Ancestry {
    /// Clears the nodes, keeping the buffers.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Ancestry, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let mut a = Ancestry { want_ids: true, ..Ancestry::default() };
    /// access_core::block_on_ready(store.ancestry("alice", Resource::new(EntityTypeId(0), "x"), &mut a))
    ///     .unwrap()
    ///     .unwrap();
    /// assert_eq!(a.nodes.len(), 1);
    /// a.clear();
    /// assert!(a.nodes.is_empty() && a.parents.is_empty() && !a.found);
    /// assert!(a.want_ids); // the request settings stay
    /// ```
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.parents.clear();
        self.found = false;
    }
    /// The parent indices of node `i`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Ancestry, ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let (a, b) = (Resource::new(EntityTypeId(0), "a"), Resource::new(EntityTypeId(0), "b"));
    ///     let child = Resource::new(EntityTypeId(1), "child");
    ///     store.add_resource(a, &[]).await?;
    ///     store.add_resource(b, &[]).await?;
    ///     store.add_resource(child, &[a, b]).await?;
    ///
    ///     let mut anc = Ancestry::default();
    ///     store.ancestry("alice", child, &mut anc).await?;
    ///     assert_eq!(anc.nodes.len(), 3);
    ///     let mut parents = anc.parents_of(0).to_vec();
    ///     parents.sort();
    ///     assert_eq!(parents, [1, 2]);
    ///     assert!(anc.parents_of(1).is_empty());
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    #[inline]
    pub fn parents_of(&self, i: usize) -> &[u32] {
        let (start, len) = self.nodes[i].parents;
        self.parents
            .get(start as usize..(start + len) as usize)
            .unwrap_or(&[])
    }
}

/// Role assignments.
///
/// # Examples
/// ```
/// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleSet, RoleStore};
///
/// // Code generic over the store, run here on the in-memory one.
/// async fn make_admin<S: RoleStore>(store: &S, user: &str, on: Resource<'_>) -> bool {
///     store.assign(user, on, 0).await.is_ok()
/// }
///
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     let org = Resource::new(EntityTypeId(0), "acme");
///     store.add_resource(org, &[]).await.unwrap();
///     assert!(make_admin(&store, "alice", org).await);
///     let assignments = store.assignments("alice").await.unwrap();
///     assert_eq!(assignments[0].1, RoleSet::single(0));
/// }).unwrap();
/// ```
pub trait RoleStore: Send + Sync {
    /// Fills `out` with `resource`, its ancestors and their parent links, and the roles `user`
    /// holds directly on each (see [`Ancestry`]). A resource the store does not know is a single
    /// node without parents with `found = false`, holding the user's direct roles if any.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Ancestry, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let unknown = Resource::new(EntityTypeId(0), "ghost");
    /// let mut a = Ancestry::default();
    /// access_core::block_on_ready(store.ancestry("alice", unknown, &mut a)).unwrap().unwrap();
    /// assert!(!a.found);
    /// assert_eq!(a.nodes.len(), 1);
    /// assert!(a.parents_of(0).is_empty() && a.nodes[0].roles.is_empty());
    /// ```
    fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// [`RoleStore::ancestry`] for many resources in one call (for `can_all`). The default
    /// calls `ancestry` per resource; database stores batch it.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let org = Resource::new(EntityTypeId(0), "acme");
    ///     store.add_resource(org, &[]).await?;
    ///     let ghost = Resource::new(EntityTypeId(0), "ghost");
    ///     let mut out = Vec::new();
    ///     store.ancestries("alice", &[org, ghost], &mut out).await?;
    ///     assert_eq!(out.len(), 2);
    ///     assert!(out[0].found && !out[1].found);
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn ancestries(
        &self,
        user: &str,
        resources: &[Resource<'_>],
        out: &mut Vec<Ancestry>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        async move {
            out.resize_with(resources.len(), Ancestry::default);
            for (r, a) in resources.iter().zip(out.iter_mut()) {
                a.clear();
                self.ancestry(user, *r, a).await?;
            }
            Ok(())
        }
    }

    /// Every direct assignment of `user`: resource and roles (for access sets).
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, ResourceRef, RoleSet, RoleStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let org = Resource::new(EntityTypeId(0), "acme");
    ///     store.add_resource(org, &[]).await?;
    ///     store.assign("alice", org, 0).await?;
    ///     store.assign("alice", org, 2).await?;
    ///     assert_eq!(
    ///         store.assignments("alice").await?,
    ///         [(ResourceRef::new(EntityTypeId(0), "acme"), RoleSet(0b101))]
    ///     );
    ///     assert!(store.assignments("bob").await?.is_empty());
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn assignments(
        &self,
        user: &str,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, RoleSet)>>> + Send;

    /// The user's global roles as stored.
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, RoleSet, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let roles = access_core::block_on_ready(store.global_roles("alice")).unwrap().unwrap();
    /// assert_eq!(roles, RoleSet::EMPTY);
    /// ```
    fn global_roles(&self, user: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send;

    /// Gives `user` the role with index `role` of the resource's entity type.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore, StoreErrorKind};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let org = Resource::new(EntityTypeId(0), "acme");
    ///     store.add_resource(org, &[]).await?;
    ///     store.assign("alice", org, 1).await?;
    ///     assert!(store.assignments("alice").await?[0].1.contains(1));
    ///     // The in-memory store refuses resources it does not know.
    ///     let ghost = Resource::new(EntityTypeId(0), "ghost");
    ///     let err = store.assign("alice", ghost, 1).await.unwrap_err();
    ///     assert_eq!(err.kind, StoreErrorKind::NotFound);
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn assign(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Gives `user` the role between `from` (inclusive) and `until` (exclusive); `None` is
    /// open-ended. An assignment that has expired stops counting at once, without a cleanup
    /// job. Assigning the same role again replaces the bounds. Stores without time-bound grants
    /// refuse bounds ([`StoreErrorKind::InvalidRequest`]).
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let org = Resource::new(EntityTypeId(0), "acme");
    ///     store.add_resource(org, &[]).await?;
    ///     let now = access_core::time::now();
    ///     // Expired an hour ago: it does not count.
    ///     store.assign_during("alice", org, 0, None, Some(now - 3600)).await?;
    ///     assert!(store.assignments("alice").await?.is_empty());
    ///     // Assigning again replaces the bounds: valid for the next hour.
    ///     store.assign_during("alice", org, 0, Some(now - 60), Some(now + 3600)).await?;
    ///     assert!(store.assignments("alice").await?[0].1.contains(0));
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn assign_during(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        async move {
            if from.is_some() || until.is_some() {
                return Err(StoreError::new(
                    StoreErrorKind::InvalidRequest,
                    "this store has no time-bound grants",
                ));
            }
            self.assign(user, resource, role).await
        }
    }

    /// Takes the role back. Revoking a role the user does not hold is not an error.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let org = Resource::new(EntityTypeId(0), "acme");
    ///     store.add_resource(org, &[]).await?;
    ///     store.assign("alice", org, 0).await?;
    ///     store.revoke("alice", org, 0).await?;
    ///     assert!(store.assignments("alice").await?.is_empty());
    ///     store.revoke("alice", org, 0).await?; // not held: still Ok
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn revoke(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Sets the user's global roles.
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, RoleSet, RoleStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     store.set_global_roles("alice", RoleSet::single(0)).await?;
    ///     assert_eq!(store.global_roles("alice").await?, RoleSet::single(0));
    ///     store.set_global_roles("alice", RoleSet::EMPTY).await?;
    ///     assert!(store.global_roles("alice").await?.is_empty());
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn set_global_roles(
        &self,
        user: &str,
        roles: RoleSet,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The resource hierarchy.
///
/// # Examples
/// ```
/// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, ResourceRef};
///
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     let org = Resource::new(EntityTypeId(0), "acme");
///     let ws = Resource::new(EntityTypeId(1), "ws-1");
///     store.add_resource(org, &[]).await?;
///     store.add_resource(ws, &[org]).await?;
///     assert_eq!(store.ancestors(ws).await?, [(ResourceRef::new(EntityTypeId(0), "acme"), 1)]);
///     Ok::<(), access_core::StoreError>(())
/// }).unwrap().unwrap();
/// ```
pub trait ClosureStore: Send + Sync {
    /// Creates `resource` under `parents` (which must exist). Re-creating an existing resource
    /// replaces its parents, like [`ClosureStore::set_parents`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, StoreErrorKind};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let org = Resource::new(EntityTypeId(0), "acme");
    ///     let ws = Resource::new(EntityTypeId(1), "ws-1");
    ///     // Parents must exist first.
    ///     let err = store.add_resource(ws, &[org]).await.unwrap_err();
    ///     assert_eq!(err.kind, StoreErrorKind::NotFound);
    ///     store.add_resource(org, &[]).await?;
    ///     store.add_resource(ws, &[org]).await?;
    ///     assert_eq!(store.ancestors(ws).await?.len(), 1);
    ///     // Re-creating it without parents detaches it.
    ///     store.add_resource(ws, &[]).await?;
    ///     assert!(store.ancestors(ws).await?.is_empty());
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Moves `resource` under `parents`; refuses ([`StoreErrorKind::Cycle`]) a move that would
    /// make it its own ancestor. Its descendants move with it.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, ResourceRef, StoreErrorKind};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let (a, b) = (Resource::new(EntityTypeId(0), "a"), Resource::new(EntityTypeId(0), "b"));
    ///     let ws = Resource::new(EntityTypeId(1), "ws-1");
    ///     store.add_resource(a, &[]).await?;
    ///     store.add_resource(b, &[]).await?;
    ///     store.add_resource(ws, &[a]).await?;
    ///     store.set_parents(ws, &[b]).await?;
    ///     assert_eq!(store.ancestors(ws).await?, [(ResourceRef::new(EntityTypeId(0), "b"), 1)]);
    ///     // `b` under `ws` would make `b` its own ancestor.
    ///     let err = store.set_parents(b, &[ws]).await.unwrap_err();
    ///     assert_eq!(err.kind, StoreErrorKind::Cycle);
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn set_parents(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Deletes `resource` and the assignments on it; its children lose it as a parent.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let org = Resource::new(EntityTypeId(0), "acme");
    ///     let ws = Resource::new(EntityTypeId(1), "ws-1");
    ///     store.add_resource(org, &[]).await?;
    ///     store.add_resource(ws, &[org]).await?;
    ///     store.assign("alice", org, 0).await?;
    ///     store.remove_resource(org).await?;
    ///     assert!(store.ancestors(ws).await?.is_empty());
    ///     assert!(store.assignments("alice").await?.is_empty());
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn remove_resource(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Every ancestor of `resource` with its distance (1 = parent), nearest first.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, ResourceRef};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let org = Resource::new(EntityTypeId(0), "acme");
    ///     let team = Resource::new(EntityTypeId(1), "core");
    ///     let ws = Resource::new(EntityTypeId(2), "ws-1");
    ///     store.add_resource(org, &[]).await?;
    ///     store.add_resource(team, &[org]).await?;
    ///     store.add_resource(ws, &[team]).await?;
    ///     assert_eq!(
    ///         store.ancestors(ws).await?,
    ///         [
    ///             (ResourceRef::new(EntityTypeId(1), "core"), 1),
    ///             (ResourceRef::new(EntityTypeId(0), "acme"), 2),
    ///         ]
    ///     );
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn ancestors(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, u32)>>> + Send;
}

/// A tenant's subscription to one plan.
///
/// # Examples
/// ```
/// use access_core::{PlanId, Subscription};
///
/// let sub = Subscription::new(PlanId(1), 1_000).until(2_000);
/// assert_eq!(sub.plan, PlanId(1));
/// assert_eq!((sub.started_at, sub.ends_at), (1_000, Some(2_000)));
/// assert!(sub.active_at(1_500));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// The plan.
    pub plan: PlanId,
    /// When it started: the anchor of its usage periods.
    pub started_at: Timestamp,
    /// When it ends (exclusive); `None` = open-ended.
    pub ends_at: Option<Timestamp>,
}

impl Subscription {
    /// An open-ended subscription to `plan` from `started_at`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{PlanId, Subscription};
    ///
    /// let sub = Subscription::new(PlanId(0), 1_000);
    /// assert_eq!(sub.ends_at, None);
    /// assert!(sub.active_at(i64::MAX));
    /// ```
    pub fn new(plan: impl Into<PlanId>, started_at: Timestamp) -> Self {
        Self {
            plan: plan.into(),
            started_at,
            ends_at: None,
        }
    }
    /// The same subscription ending at `ends_at`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{PlanId, Subscription};
    ///
    /// let sub = Subscription::new(PlanId(0), 1_000).until(2_000);
    /// assert_eq!(sub.ends_at, Some(2_000));
    /// ```
    #[must_use]
    pub fn until(mut self, ends_at: Timestamp) -> Self {
        self.ends_at = Some(ends_at);
        self
    }
    /// Whether it is active at `now`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{PlanId, Subscription};
    ///
    /// let sub = Subscription::new(PlanId(0), 1_000).until(2_000);
    /// assert!(!sub.active_at(999));
    /// assert!(sub.active_at(1_000));
    /// assert!(sub.active_at(1_999));
    /// assert!(!sub.active_at(2_000)); // the end is exclusive
    /// ```
    #[inline]
    pub fn active_at(&self, now: Timestamp) -> bool {
        self.started_at <= now && self.ends_at.is_none_or(|end| now < end)
    }
}

/// A tenant's plans: base plans (one per group), add-ons, and per-limit overrides.
///
/// # Examples
/// ```
/// use access_core::{LimitId, MemoryStore, PlanId, Subscription, SubscriptionStore, TenantPlans};
///
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     assert_eq!(store.tenant_plans("acme").await?, TenantPlans::default());
///     store.set_base_plan("acme", 0, Subscription::new(PlanId(0), 0)).await?;
///     store.add_add_on("acme", Subscription::new(PlanId(2), 0)).await?;
///     store.set_override("acme", LimitId(0), Some(500)).await?;
///     let plans = store.tenant_plans("acme").await?;
///     assert_eq!(plans.base, [Subscription::new(PlanId(0), 0)]);
///     assert_eq!(plans.add_ons, [Subscription::new(PlanId(2), 0)]);
///     assert_eq!(plans.overrides, [(LimitId(0), 500)]);
///     Ok::<(), access_core::StoreError>(())
/// }).unwrap().unwrap();
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantPlans {
    /// Base plans, at most one per group (the store keeps it so).
    pub base: Vec<Subscription>,
    /// Add-ons.
    pub add_ons: Vec<Subscription>,
    /// Per-limit maximums for this tenant. They only raise: the effective max is the larger of
    /// the plans' max and the override.
    pub overrides: Vec<(LimitId, u64)>,
}

/// Tenants' subscriptions.
///
/// # Examples
/// ```
/// use access_core::{MemoryStore, PlanId, Subscription, SubscriptionStore};
///
/// async fn upgrade<S: SubscriptionStore>(store: &S, tenant: &str, plan: PlanId) {
///     store.set_base_plan(tenant, 0, Subscription::new(plan, 0)).await.unwrap();
/// }
///
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     upgrade(&store, "acme", PlanId(1)).await;
///     assert_eq!(store.tenant_plans("acme").await.unwrap().base[0].plan, PlanId(1));
/// }).unwrap();
/// ```
pub trait SubscriptionStore: Send + Sync {
    /// The tenant's plans (empty for an unknown tenant).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, SubscriptionStore};
    ///
    /// let store = MemoryStore::new();
    /// let plans = access_core::block_on_ready(store.tenant_plans("nobody")).unwrap().unwrap();
    /// assert!(plans.base.is_empty() && plans.add_ons.is_empty() && plans.overrides.is_empty());
    /// ```
    fn tenant_plans(&self, tenant: &str) -> impl Future<Output = StoreResult<TenantPlans>> + Send;

    /// Sets the tenant's base plan of `group` (index into the model's groups), replacing the
    /// one it had in that group.
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, PlanId, Subscription, SubscriptionStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     store.set_base_plan("acme", 0, Subscription::new(PlanId(0), 0)).await?;
    ///     store.set_base_plan("acme", 1, Subscription::new(PlanId(3), 0)).await?;
    ///     // Group 0 again: replaces PlanId(0).
    ///     store.set_base_plan("acme", 0, Subscription::new(PlanId(1), 100)).await?;
    ///     let base = store.tenant_plans("acme").await?.base;
    ///     assert_eq!(base.len(), 2);
    ///     assert!(base.contains(&Subscription::new(PlanId(1), 100)));
    ///     assert!(base.contains(&Subscription::new(PlanId(3), 0)));
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn set_base_plan(
        &self,
        tenant: &str,
        group: u16,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Adds an add-on (replacing the same add-on if present).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, PlanId, Subscription, SubscriptionStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     store.add_add_on("acme", Subscription::new(PlanId(2), 0)).await?;
    ///     store.add_add_on("acme", Subscription::new(PlanId(2), 0).until(500)).await?;
    ///     let add_ons = store.tenant_plans("acme").await?.add_ons;
    ///     assert_eq!(add_ons, [Subscription::new(PlanId(2), 0).until(500)]);
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn add_add_on(
        &self,
        tenant: &str,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Removes an add-on.
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, PlanId, Subscription, SubscriptionStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     store.add_add_on("acme", Subscription::new(PlanId(2), 0)).await?;
    ///     store.remove_add_on("acme", PlanId(2)).await?;
    ///     assert!(store.tenant_plans("acme").await?.add_ons.is_empty());
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn remove_add_on(
        &self,
        tenant: &str,
        plan: PlanId,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Sets (`Some`) or clears (`None`) the tenant's override of a limit.
    ///
    /// # Examples
    /// ```
    /// use access_core::{LimitId, MemoryStore, SubscriptionStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     store.set_override("acme", LimitId(0), Some(100)).await?;
    ///     store.set_override("acme", LimitId(0), Some(250)).await?;
    ///     assert_eq!(store.tenant_plans("acme").await?.overrides, [(LimitId(0), 250)]);
    ///     store.set_override("acme", LimitId(0), None).await?;
    ///     assert!(store.tenant_plans("acme").await?.overrides.is_empty());
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn set_override(
        &self,
        tenant: &str,
        limit: LimitId,
        max: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// One unit of a limit to consume: which counter, in which period, up to which max.
///
/// # Examples
/// ```
/// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
///
/// let store = MemoryStore::new();
/// let charge = Charge { limit: LimitId(0), period_start: 0, max: 1 };
/// let consume = |c: Charge| access_core::block_on_ready(store.consume("acme", &[c])).unwrap();
/// assert_eq!(consume(charge), Ok(true));
/// assert_eq!(consume(charge), Ok(false)); // the period's max is reached
/// // A new period is a new counter.
/// assert_eq!(consume(Charge { period_start: 86_400, ..charge }), Ok(true));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The limit.
    pub limit: LimitId,
    /// Start of the current period (the counter's key).
    pub period_start: Timestamp,
    /// The most units the period allows.
    pub max: u64,
}

/// Usage counters.
///
/// # Examples
/// ```
/// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
///
/// async fn try_use<W: WalletStore>(wallet: &W, tenant: &str, charge: Charge) -> bool {
///     wallet.consume(tenant, &[charge]).await.unwrap_or(false)
/// }
///
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     let charge = Charge { limit: LimitId(0), period_start: 0, max: 2 };
///     assert!(try_use(&store, "acme", charge).await);
///     assert!(try_use(&store, "acme", charge).await);
///     assert!(!try_use(&store, "acme", charge).await);
/// }).unwrap();
/// ```
pub trait WalletStore: Send + Sync {
    /// Units used of `limit` in the period starting at `period_start`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     assert_eq!(store.used("acme", LimitId(0), 0).await?, 0);
    ///     store.consume("acme", &[Charge { limit: LimitId(0), period_start: 0, max: 10 }]).await?;
    ///     assert_eq!(store.used("acme", LimitId(0), 0).await?, 1);
    ///     assert_eq!(store.used("acme", LimitId(0), 86_400).await?, 0);
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn used(
        &self,
        tenant: &str,
        limit: LimitId,
        period_start: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Consumes one unit of every charge, all or nothing and atomically: returns `false` (and
    /// changes nothing) when any counter is at its max.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let seats = Charge { limit: LimitId(0), period_start: 0, max: 10 };
    ///     let calls = Charge { limit: LimitId(1), period_start: 0, max: 0 };
    ///     // `calls` has no room: nothing is consumed, not even `seats`.
    ///     assert!(!store.consume("acme", &[seats, calls]).await?);
    ///     assert_eq!(store.used("acme", LimitId(0), 0).await?, 0);
    ///     assert!(store.consume("acme", &[seats]).await?);
    ///     assert_eq!(store.used("acme", LimitId(0), 0).await?, 1);
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn consume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Gives one unit of every charge back (never below zero).
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     let charge = Charge { limit: LimitId(0), period_start: 0, max: 10 };
    ///     store.consume("acme", &[charge]).await?;
    ///     store.unconsume("acme", &[charge]).await?;
    ///     store.unconsume("acme", &[charge]).await?;
    ///     assert_eq!(store.used("acme", LimitId(0), 0).await?, 0);
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn unconsume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Feature flags per tenant.
///
/// # Examples
/// ```
/// use access_core::{FlagId, FlagStore, MemoryStore};
///
/// async fn beta_on<F: FlagStore>(flags: &F, tenant: &str) -> bool {
///     flags.tenant_flags(tenant).await.is_ok_and(|f| f.contains(0))
/// }
///
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     assert!(!beta_on(&store, "acme").await);
///     store.set_flag("acme", FlagId(0), true).await.unwrap();
///     assert!(beta_on(&store, "acme").await);
/// }).unwrap();
/// ```
pub trait FlagStore: Send + Sync {
    /// The flags on for the tenant.
    ///
    /// # Examples
    /// ```
    /// use access_core::{FlagId, FlagStore, MemoryStore, RoleSet};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     assert!(store.tenant_flags("acme").await?.is_empty());
    ///     store.set_flag("acme", FlagId(1), true).await?;
    ///     assert_eq!(store.tenant_flags("acme").await?, RoleSet::single(1));
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn tenant_flags(&self, tenant: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send;

    /// Turns a flag on or off for the tenant.
    ///
    /// # Examples
    /// ```
    /// use access_core::{FlagId, FlagStore, MemoryStore};
    ///
    /// access_core::block_on_ready(async {
    ///     let store = MemoryStore::new();
    ///     store.set_flag("acme", FlagId(3), true).await?;
    ///     assert!(store.tenant_flags("acme").await?.contains(3));
    ///     store.set_flag("acme", FlagId(3), false).await?;
    ///     assert!(!store.tenant_flags("acme").await?.contains(3));
    ///     Ok::<(), access_core::StoreError>(())
    /// }).unwrap().unwrap();
    /// ```
    fn set_flag(
        &self,
        tenant: &str,
        flag: FlagId,
        on: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Everything the engine needs, in one bound.
///
/// # Examples
/// ```
/// use access_core::{MemoryStore, Stores, WithWallet};
///
/// fn needs_stores<S: Stores>(_: &S) -> bool {
///     true
/// }
/// assert!(needs_stores(&MemoryStore::new()));
/// assert!(needs_stores(&WithWallet::new(MemoryStore::new(), MemoryStore::new())));
/// ```
pub trait Stores: RoleStore + ClosureStore + SubscriptionStore + WalletStore + FlagStore {}

impl<T: RoleStore + ClosureStore + SubscriptionStore + WalletStore + FlagStore> Stores for T {}

/// The stores of `base` with the usage wallet of `wallet`: for example the in-memory roles and
/// hierarchy with wallets in a database ([`crate::sea::SeaWallet`]), so that usage limits are
/// exact across processes.
///
/// # Examples
/// ```
/// use access_core::{Charge, FlagId, FlagStore, LimitId, MemoryStore, WalletStore, WithWallet};
///
/// access_core::block_on_ready(async {
///     let stores = WithWallet::new(MemoryStore::new(), MemoryStore::new());
///     let charge = Charge { limit: LimitId(0), period_start: 0, max: 5 };
///     assert!(stores.consume("acme", &[charge]).await?);
///     // Usage goes to the wallet; everything else to the base.
///     assert_eq!(stores.wallet.usage("acme", LimitId(0), 0), 1);
///     assert_eq!(stores.base.usage("acme", LimitId(0), 0), 0);
///     stores.set_flag("acme", FlagId(0), true).await?;
///     assert!(stores.base.tenant_flags("acme").await?.contains(0));
///     Ok::<(), access_core::StoreError>(())
/// }).unwrap().unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct WithWallet<S, W> {
    /// Roles, hierarchy, subscriptions and flags.
    pub base: S,
    /// Usage counters.
    pub wallet: W,
}

impl<S, W> WithWallet<S, W> {
    /// `base` for everything but the wallet, `wallet` for usage.
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, WithWallet};
    ///
    /// let stores = WithWallet::new(MemoryStore::new(), MemoryStore::new());
    /// assert_eq!(stores.wallet.usage("acme", access_core::LimitId(0), 0), 0);
    /// ```
    pub fn new(base: S, wallet: W) -> Self {
        Self { base, wallet }
    }
}

impl<S: RoleStore, W: Send + Sync> RoleStore for WithWallet<S, W> {
    fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.ancestry(user, resource, out)
    }
    fn ancestries(
        &self,
        user: &str,
        resources: &[Resource<'_>],
        out: &mut Vec<Ancestry>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.ancestries(user, resources, out)
    }
    fn assignments(
        &self,
        user: &str,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, RoleSet)>>> + Send {
        self.base.assignments(user)
    }
    fn global_roles(&self, user: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send {
        self.base.global_roles(user)
    }
    fn assign(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.assign(user, resource, role)
    }
    fn assign_during(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.assign_during(user, resource, role, from, until)
    }
    fn revoke(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.revoke(user, resource, role)
    }
    fn set_global_roles(
        &self,
        user: &str,
        roles: RoleSet,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_global_roles(user, roles)
    }
}

impl<S: ClosureStore, W: Send + Sync> ClosureStore for WithWallet<S, W> {
    fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.add_resource(resource, parents)
    }
    fn set_parents(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_parents(resource, parents)
    }
    fn remove_resource(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.remove_resource(resource)
    }
    fn ancestors(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, u32)>>> + Send {
        self.base.ancestors(resource)
    }
}

impl<S: SubscriptionStore, W: Send + Sync> SubscriptionStore for WithWallet<S, W> {
    fn tenant_plans(&self, tenant: &str) -> impl Future<Output = StoreResult<TenantPlans>> + Send {
        self.base.tenant_plans(tenant)
    }
    fn set_base_plan(
        &self,
        tenant: &str,
        group: u16,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_base_plan(tenant, group, subscription)
    }
    fn add_add_on(
        &self,
        tenant: &str,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.add_add_on(tenant, subscription)
    }
    fn remove_add_on(
        &self,
        tenant: &str,
        plan: PlanId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.remove_add_on(tenant, plan)
    }
    fn set_override(
        &self,
        tenant: &str,
        limit: LimitId,
        max: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_override(tenant, limit, max)
    }
}

impl<S: FlagStore, W: Send + Sync> FlagStore for WithWallet<S, W> {
    fn tenant_flags(&self, tenant: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send {
        self.base.tenant_flags(tenant)
    }
    fn set_flag(
        &self,
        tenant: &str,
        flag: FlagId,
        on: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_flag(tenant, flag, on)
    }
}

impl<S: Send + Sync, W: WalletStore> WalletStore for WithWallet<S, W> {
    fn used(
        &self,
        tenant: &str,
        limit: LimitId,
        period_start: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        self.wallet.used(tenant, limit, period_start)
    }
    fn consume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.wallet.consume(tenant, charges)
    }
    fn unconsume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.wallet.unconsume(tenant, charges)
    }
}
