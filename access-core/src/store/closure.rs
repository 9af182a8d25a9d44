//! The resource hierarchy: [`ClosureStore`].

use std::future::Future;

use super::error::StoreResult;
use super::resource::{Resource, ResourceRef};

/// The resource hierarchy.
///
/// # Examples
/// ```
/// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, ResourceRef};
///
/// let store = MemoryStore::new();
/// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws-1"));
/// access_core::block_on_ready(async {
///     store.add_resource(org, &[]).await.unwrap();
///     store.add_resource(ws, &[org]).await.unwrap();
///     let parent = ResourceRef::new(EntityTypeId(0), "acme");
///     assert_eq!(store.ancestors(ws).await.unwrap(), [(parent, 1)]);
/// })
/// .unwrap();
/// ```
pub trait ClosureStore: Send + Sync {
    /// Creates `resource` under `parents` (which must exist). Re-creating an existing resource
    /// replaces its parents, like [`ClosureStore::set_parents`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, StoreErrorKind};
    ///
    /// let store = MemoryStore::new();
    /// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws-1"));
    /// access_core::block_on_ready(async {
    ///     // Parents must exist first.
    ///     let err = store.add_resource(ws, &[org]).await.unwrap_err();
    ///     assert_eq!(err.kind, StoreErrorKind::NotFound);
    ///     store.add_resource(org, &[]).await.unwrap();
    ///     store.add_resource(ws, &[org]).await.unwrap();
    /// })
    /// .unwrap();
    /// ```
    fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Moves `resource` under `parents`; refuses ([`StoreErrorKind::Cycle`]) a move that would
    /// make it its own ancestor. Its descendants move with it.
    ///
    /// [`StoreErrorKind::Cycle`]: crate::store::StoreErrorKind::Cycle
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, StoreErrorKind};
    ///
    /// let store = MemoryStore::new();
    /// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws-1"));
    /// access_core::block_on_ready(async {
    ///     store.add_resource(org, &[]).await.unwrap();
    ///     store.add_resource(ws, &[org]).await.unwrap();
    ///     // `org` under `ws` would make `org` its own ancestor.
    ///     let err = store.set_parents(org, &[ws]).await.unwrap_err();
    ///     assert_eq!(err.kind, StoreErrorKind::Cycle);
    /// })
    /// .unwrap();
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
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource};
    ///
    /// let store = MemoryStore::new();
    /// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws-1"));
    /// access_core::block_on_ready(async {
    ///     store.add_resource(org, &[]).await.unwrap();
    ///     store.add_resource(ws, &[org]).await.unwrap();
    ///     store.remove_resource(org).await.unwrap();
    ///     assert!(store.ancestors(ws).await.unwrap().is_empty());
    /// })
    /// .unwrap();
    /// ```
    fn remove_resource(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Every ancestor of `resource` with its distance (1 = parent), nearest first.
    ///
    /// # Examples
    /// ```
    /// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource};
    ///
    /// let store = MemoryStore::new();
    /// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws-1"));
    /// let doc = Resource::new(EntityTypeId(2), "doc-1");
    /// access_core::block_on_ready(async {
    ///     store.add_resource(org, &[]).await.unwrap();
    ///     store.add_resource(ws, &[org]).await.unwrap();
    ///     store.add_resource(doc, &[ws]).await.unwrap();
    ///     let ancestors = store.ancestors(doc).await.unwrap();
    ///     assert_eq!((&*ancestors[0].0.id, ancestors[0].1), ("ws-1", 1));
    ///     assert_eq!((&*ancestors[1].0.id, ancestors[1].1), ("acme", 2));
    /// })
    /// .unwrap();
    /// ```
    fn ancestors(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, u32)>>> + Send;
}
