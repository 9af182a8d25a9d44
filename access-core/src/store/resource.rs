//! Resources named in requests: borrowed ([`Resource`]) and owned ([`ResourceRef`]).

use std::sync::Arc;

use crate::model::EntityTypeId;

/// A resource named in a request: its entity type and id.
///
/// # Examples
/// ```
/// use access_core::{EntityTypeId, Resource};
///
/// let doc = Resource::new(EntityTypeId(2), "doc-1");
/// assert_eq!((doc.ty, doc.id), (EntityTypeId(2), "doc-1"));
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
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity org { roles: [admin] }
    ///     entitlements { "org:edit" on org => roles [admin] }
    /// }
    ///
    /// fn main() {
    ///     let acme = access_core::Resource::new(EntityType::Org, "acme");
    ///     assert_eq!(acme.ty, access_core::EntityTypeId(0));
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
    /// assert_eq!(&*owned.id, "ws-1");
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
    /// let r = ResourceRef::new(EntityTypeId(0), String::from("acme"));
    /// assert_eq!(r, ResourceRef::new(EntityTypeId(0), "acme"));
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
    /// assert_eq!(r.as_resource().id, "ws-1");
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
