//! The typed writes of the synchronous front (`store.ready()`): the methods of
//! [`TypedRoles`](super::TypedRoles) and [`TypedClosure`](super::TypedClosure), answered at once.

use super::{ChildOf, EntityMarker, IntoSubject, Typed};
use crate::model::ModelEnum;
use crate::store::{StoreResult, Stores};
use crate::sync::Ready;
use crate::time::Timestamp;

/// The typed writes of the synchronous front, for in-memory stores (`store.ready()`).
///
/// # Examples
/// ```
/// use access_core::MemoryStore;
///
/// access_core::define_access! {
///     pub Drive;
///     entity org { roles: [owner] }
///     entity folder { roles: [editor], inherits: { org:owner => editor } }
///     entitlements { "folder:edit" on folder => roles [editor] }
/// }
///
/// fn main() {
///     let store = MemoryStore::new();
///     let (acme, f1) = (resource::Org::id("acme"), resource::Folder::id("f1"));
///     store.ready().add_root(acme).unwrap();
///     store.ready().add_child(f1, acme).unwrap();
///     store.ready().grant_role("alice", f1, FolderRole::Editor).unwrap();
///     assert_eq!(store.ready().assignments("alice").unwrap().len(), 1);
/// }
/// ```
impl<S: Stores> Ready<'_, S> {
    /// [`TypedRoles::grant_role`], answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::assign`].
    ///
    /// # Examples
    /// ```
    /// use access_core::MemoryStore;
    ///
    /// access_core::define_access! {
    ///     pub Drive;
    ///     entity folder { roles: [viewer] }
    ///     entitlements { "folder:read" on folder => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     let (store, f1) = (MemoryStore::new(), resource::Folder::id("f1"));
    ///     store.ready().add_root(f1).unwrap();
    ///     store.ready().grant_role("alice", f1, FolderRole::Viewer).unwrap();
    /// }
    /// ```
    pub fn grant_role<'s, E: EntityMarker>(
        &self,
        subject: impl IntoSubject<'s>,
        on: Typed<'_, E>,
        role: E::Role,
    ) -> StoreResult<()> {
        self.assign(subject.into_subject().key(), on.resource(), role.index())
    }

    /// [`TypedRoles::grant_role_during`], answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::assign_during`].
    ///
    /// # Examples
    /// ```
    /// use access_core::MemoryStore;
    ///
    /// access_core::define_access! {
    ///     pub Drive;
    ///     entity folder { roles: [viewer] }
    ///     entitlements { "folder:read" on folder => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     let (store, f1) = (MemoryStore::new(), resource::Folder::id("f1"));
    ///     store.ready().add_root(f1).unwrap();
    ///     store.ready().grant_role_during("al", f1, FolderRole::Viewer, None, Some(1_000)).unwrap();
    ///     assert_eq!(store.ready().assignments("al"), Ok(vec![])); // ended long ago
    /// }
    /// ```
    pub fn grant_role_during<'s, E: EntityMarker>(
        &self,
        subject: impl IntoSubject<'s>,
        on: Typed<'_, E>,
        role: E::Role,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> StoreResult<()> {
        let key = subject.into_subject().key();
        self.assign_during(key, on.resource(), role.index(), from, until)
    }

    /// [`TypedRoles::revoke_role`], answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::revoke`].
    ///
    /// # Examples
    /// ```
    /// use access_core::MemoryStore;
    ///
    /// access_core::define_access! {
    ///     pub Drive;
    ///     entity folder { roles: [viewer] }
    ///     entitlements { "folder:read" on folder => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     let (store, f1) = (MemoryStore::new(), resource::Folder::id("f1"));
    ///     store.ready().add_root(f1).unwrap();
    ///     store.ready().grant_role("al", f1, FolderRole::Viewer).unwrap();
    ///     store.ready().revoke_role("al", f1, FolderRole::Viewer).unwrap();
    ///     assert_eq!(store.ready().assignments("al"), Ok(vec![]));
    /// }
    /// ```
    pub fn revoke_role<'s, E: EntityMarker>(
        &self,
        subject: impl IntoSubject<'s>,
        on: Typed<'_, E>,
        role: E::Role,
    ) -> StoreResult<()> {
        self.revoke(subject.into_subject().key(), on.resource(), role.index())
    }

    /// [`TypedClosure::add_root`], answered at once.
    ///
    /// # Errors
    /// As [`ClosureStore::add_resource`].
    ///
    /// # Examples
    /// ```
    /// use access_core::MemoryStore;
    ///
    /// access_core::define_access! {
    ///     pub Drive;
    ///     entity org { roles: [owner] }
    ///     entitlements { "org:edit" on org => roles [owner] }
    /// }
    ///
    /// fn main() {
    ///     MemoryStore::new().ready().add_root(resource::Org::id("acme")).unwrap();
    /// }
    /// ```
    pub fn add_root<E: EntityMarker>(&self, resource: Typed<'_, E>) -> StoreResult<()> {
        self.add_resource(resource.resource(), &[])
    }

    /// [`TypedClosure::add_child`], answered at once.
    ///
    /// # Errors
    /// As [`ClosureStore::add_resource`]: a parent that does not exist is
    /// [`StoreErrorKind::NotFound`](crate::StoreErrorKind::NotFound).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, StoreErrorKind};
    ///
    /// access_core::define_access! {
    ///     pub Drive;
    ///     entity org { roles: [owner] }
    ///     entity folder { roles: [editor], inherits: { org:owner => editor } }
    ///     entitlements { "folder:edit" on folder => roles [editor] }
    /// }
    ///
    /// fn main() {
    ///     let (store, acme) = (MemoryStore::new(), resource::Org::id("acme"));
    ///     let err = store.ready().add_child(resource::Folder::id("f1"), acme).unwrap_err();
    ///     assert_eq!(err.kind, StoreErrorKind::NotFound);
    /// }
    /// ```
    pub fn add_child<C: ChildOf<P>, P: EntityMarker>(
        &self,
        child: Typed<'_, C>,
        parent: Typed<'_, P>,
    ) -> StoreResult<()> {
        self.add_resource(child.resource(), &[parent.resource()])
    }

    /// [`TypedClosure::move_child`], answered at once.
    ///
    /// # Errors
    /// As [`ClosureStore::set_parents`].
    ///
    /// ```
    /// use access_core::MemoryStore;
    ///
    /// access_core::define_access! {
    ///     pub Drive;
    ///     entity org { roles: [owner] }
    ///     entity folder { roles: [editor], inherits: { org:owner => editor } }
    ///     entitlements { "folder:edit" on folder => roles [editor] }
    /// }
    ///
    /// fn main() {
    ///     let (store, f1) = (MemoryStore::new(), resource::Folder::id("f1"));
    ///     let (acme, globex) = (resource::Org::id("acme"), resource::Org::id("globex"));
    ///     store.ready().add_root(acme).unwrap();
    ///     store.ready().add_root(globex).unwrap();
    ///     store.ready().add_child(f1, acme).unwrap();
    ///     store.ready().move_child(f1, globex).unwrap();
    ///     assert_eq!(store.ready().ancestors(f1.into()).unwrap()[0].0, globex.into());
    /// }
    /// ```
    pub fn move_child<C: ChildOf<P>, P: EntityMarker>(
        &self,
        child: Typed<'_, C>,
        parent: Typed<'_, P>,
    ) -> StoreResult<()> {
        self.set_parents(child.resource(), &[parent.resource()])
    }
}
