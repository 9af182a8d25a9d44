//! Role assignments: [`RoleStore`].

use std::future::Future;

use super::ancestry::Ancestry;
use super::error::{StoreError, StoreErrorKind, StoreResult};
use super::resource::{Resource, ResourceRef};
use crate::model::RoleSet;
use crate::time::Timestamp;

/// Role assignments.
///
/// # Examples
/// ```
/// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
///
/// // Code generic over the store, run here on the in-memory one.
/// async fn make_admin<S: RoleStore>(store: &S, user: &str, on: Resource<'_>) -> bool {
///     store.assign(user, on, 0).await.is_ok()
/// }
///
/// let store = MemoryStore::new();
/// let org = Resource::new(EntityTypeId(0), "acme");
/// access_core::block_on_ready(store.add_resource(org, &[])).unwrap().unwrap();
/// assert!(access_core::block_on_ready(make_admin(&store, "alice", org)).unwrap());
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
    /// let mut a = Ancestry::default();
    /// let ghost = Resource::new(EntityTypeId(0), "ghost");
    /// access_core::block_on_ready(store.ancestry("alice", ghost, &mut a)).unwrap().unwrap();
    /// assert!(!a.found && a.nodes.len() == 1);
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
    /// use access_core::{EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let (a, b) = (Resource::new(EntityTypeId(0), "a"), Resource::new(EntityTypeId(0), "b"));
    /// let mut out = Vec::new();
    /// access_core::block_on_ready(store.ancestries("alice", &[a, b], &mut out)).unwrap().unwrap();
    /// assert_eq!(out.len(), 2); // one ancestry per resource, in order
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
    /// use access_core::{MemoryStore, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let assignments = access_core::block_on_ready(store.assignments("bob")).unwrap().unwrap();
    /// assert!(assignments.is_empty());
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
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let org = Resource::new(EntityTypeId(0), "acme");
    /// access_core::block_on_ready(async {
    ///     store.add_resource(org, &[]).await.unwrap();
    ///     store.assign("alice", org, 1).await.unwrap();
    ///     assert!(store.assignments("alice").await.unwrap()[0].1.contains(1));
    /// })
    /// .unwrap();
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
    /// let store = MemoryStore::new();
    /// let org = Resource::new(EntityTypeId(0), "acme");
    /// let in_an_hour = access_core::time::now() + 3_600;
    /// access_core::block_on_ready(async {
    ///     store.add_resource(org, &[]).await.unwrap();
    ///     store.assign_during("alice", org, 0, None, Some(in_an_hour)).await.unwrap();
    ///     assert!(store.assignments("alice").await.unwrap()[0].1.contains(0));
    /// })
    /// .unwrap();
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

    /// `user`'s assignments on `within` or on a resource below it (an organization's and
    /// everything in it), valid at `at` (now when `None`): [`RoleStore::assignments`] kept by
    /// their ancestries, read a hundred per [`RoleStore::ancestries`] call.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let (acme, globex) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(0), "globex"));
    /// let web = Resource::new(EntityTypeId(1), "web");
    /// access_core::block_on_ready(async {
    ///     store.add_resource(acme, &[]).await.unwrap();
    ///     store.add_resource(globex, &[]).await.unwrap();
    ///     store.add_resource(web, &[acme]).await.unwrap();
    ///     store.assign("ann", web, 0).await.unwrap();
    ///     store.assign("ann", globex, 0).await.unwrap();
    ///     let in_acme = store.assignments_within("ann", acme, None).await.unwrap();
    ///     assert_eq!(in_acme.len(), 1);
    ///     assert_eq!(&*in_acme[0].0.id, "web");
    /// })
    /// .unwrap();
    /// ```
    fn assignments_within(
        &self,
        user: &str,
        within: Resource<'_>,
        at: Option<Timestamp>,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, RoleSet)>>> + Send
    where
        Self: Sync,
    {
        async move {
            /// Ancestries per store call (the engine's batch size).
            const CHUNK: usize = 100;
            let held = self.assignments(user).await?;
            let mut kept = Vec::with_capacity(held.len());
            let mut ancestries: Vec<Ancestry> = Vec::new();
            for chunk in held.chunks(CHUNK) {
                let resources: Vec<Resource<'_>> =
                    chunk.iter().map(|(r, _)| r.as_resource()).collect();
                ancestries.clear();
                ancestries.resize_with(resources.len(), || Ancestry {
                    want_ids: true,
                    at,
                    ..Ancestry::default()
                });
                self.ancestries(user, &resources, &mut ancestries).await?;
                for ((r, roles), a) in chunk.iter().zip(&ancestries) {
                    let inside = r.as_resource() == within
                        || a.nodes
                            .iter()
                            .any(|n| n.ty == within.ty && n.id.as_deref() == Some(within.id));
                    if inside {
                        kept.push((r.clone(), *roles));
                    }
                }
            }
            Ok(kept)
        }
    }

    /// The users holding roles directly on `resource` now, with those roles: by user id, those
    /// after `after` (keyset paging), at most `limit` users. The members of an organization.
    /// Stores that cannot list them answer `InvalidRequest` (the default).
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleSet, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let org = Resource::new(EntityTypeId(0), "acme");
    /// access_core::block_on_ready(async {
    ///     store.add_resource(org, &[]).await.unwrap();
    ///     store.assign("bob", org, 1).await.unwrap();
    ///     store.assign("ann", org, 0).await.unwrap();
    ///     let first = store.holders(org, None, 1).await.unwrap();
    ///     assert_eq!(first, [("ann".to_owned(), RoleSet::single(0))]);
    ///     let next = store.holders(org, Some("ann"), 10).await.unwrap();
    ///     assert_eq!(next, [("bob".to_owned(), RoleSet::single(1))]);
    /// })
    /// .unwrap();
    /// ```
    fn holders(
        &self,
        resource: Resource<'_>,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<(String, RoleSet)>>> + Send {
        let _ = (resource, after, limit);
        async {
            Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                "this store cannot list the holders of a resource's roles",
            ))
        }
    }

    /// Takes the role back. Revoking a role the user does not hold is not an error.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, RoleStore};
    ///
    /// let store = MemoryStore::new();
    /// let org = Resource::new(EntityTypeId(0), "acme");
    /// access_core::block_on_ready(async {
    ///     store.add_resource(org, &[]).await.unwrap();
    ///     store.assign("alice", org, 0).await.unwrap();
    ///     store.revoke("alice", org, 0).await.unwrap();
    ///     assert!(store.assignments("alice").await.unwrap().is_empty());
    /// })
    /// .unwrap();
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
    /// let store = MemoryStore::new();
    /// access_core::block_on_ready(async {
    ///     store.set_global_roles("alice", RoleSet::single(0)).await.unwrap();
    ///     assert_eq!(store.global_roles("alice").await.unwrap(), RoleSet::single(0));
    /// })
    /// .unwrap();
    /// ```
    fn set_global_roles(
        &self,
        user: &str,
        roles: RoleSet,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The reads `can` makes, when this store answers them without waiting (in memory): the
    /// engine then answers `can` synchronously. `None` (the default): through the async
    /// methods.
    #[doc(hidden)]
    fn at_once(&self) -> Option<&dyn super::AtOnce> {
        None
    }
}
