//! What a question is: an entitlement the model answers for and a resource, as one pair
//! ([`Question`]). `can`, `check`, `authorize`, `can_and_consume` and each item of `can_all`
//! take one, so each asks in one method, in two forms:
//!
//! - typed: an entitlement marker (`entitlement::DocRead`, a unit struct `define_access!`
//!   generates per entitlement) and the resource id alone or a typed resource
//!   (`resource::Doc::id("d1")`). The marker names the entity type, so a resource of another
//!   type cannot be written;
//! - by value: the model's `Entitlement` enum (or an [`EntitlementId`], see [`Ask`]) and a
//!   [`Resource`], for entitlements chosen at run time and batches that mix entitlements.
//!
//! ```
//! use access_core::{AccessContext, MemoryStore, Principal, Resource, StoreError};
//!
//! access_core::define_access! {
//!     pub Access;
//!     entity folder { roles: [viewer] }
//!     entity doc { roles: [reader], inherits: { folder:viewer => reader } }
//!     entitlements { "doc:read" on doc => roles [reader] }
//! }
//!
//! fn main() -> Result<(), StoreError> {
//!     let store = MemoryStore::for_model(&Access);
//!     let (f1, d1) = (resource::Folder::id("f1"), resource::Doc::id("d1"));
//!     store.ready().add_root(f1)?;
//!     store.ready().add_child(d1, f1)?;
//!     store.ready().grant_role("ann", f1, FolderRole::Viewer)?;
//!
//!     let ctx = AccessContext::new(&Access, &store, Principal::new("ann"));
//!     let ann = ctx.ready();
//!     assert!(ann.can(entitlement::DocRead, "d1")?); // a doc: the marker says so
//!     assert!(ann.can(entitlement::DocRead, d1)?); // or a typed resource of its type
//!     assert!(ann.can(Entitlement::DocRead, Resource::from(d1))?); // by value
//!     assert_eq!(ann.can_all(&[(entitlement::DocRead, "d1"), (entitlement::DocRead, "d2")])?, [true, false]);
//!     Ok(())
//! }
//! ```
//!
//! `ann.can(entitlement::DocRead, f1)` (a folder with a doc marker) does not compile: "`DocRead`
//! is not checked on `Folder`"; by value, `ann.can(Entitlement::DocRead, Resource::from(f1))`
//! compiles and is denied at run time (`wrong_resource_type`).

use crate::granted::EntitlementMarker;
pub use crate::model::Ask;
use crate::model::{AccessModel, EntitlementId};
use crate::store::Resource;

/// A question the engine answers for model `M`: an entitlement and the resource it is asked
/// on, as the pair that [`AccessContext::can`](crate::AccessContext::can) takes in two arguments
/// and [`AccessContext::can_all`](crate::AccessContext::can_all) in a slice. Implemented for
/// `(marker, &str)` and `(marker, &String)` (an `entitlement::..` marker of `M` and the resource
/// id), and for `(E, Resource)` where `E: Ask<M>` (the `Entitlement` enum or an
/// [`EntitlementId`]).
///
/// # Examples
/// ```
/// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
/// # use model::*;
/// use access_core::{AccessContext, MemoryStore, Question, StoreResult};
///
/// // Whether every question of a page is allowed (pairs of any one form).
/// async fn all<'r, Q: Question<'r, Access>>(ctx: &AccessContext<'_, Access, MemoryStore>, pairs: &[Q]) -> StoreResult<bool> {
///     Ok(ctx.can_all(pairs).await?.iter().all(|&ok| ok))
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a question about the model `{M}`",
    label = "not an (entitlement, resource) pair of `{M}`",
    note = "with an entitlement marker of `{M}` (`entitlement::ProjectRead`), give the resource id alone or a typed resource of its entity type (`resource::Project::id(\"p1\")`)",
    note = "with `{M}`'s `Entitlement` enum or an `EntitlementId`, give a `Resource`: `(Entitlement::ProjectRead, Resource::new(EntityType::Project, \"p1\"))`"
)]
pub trait Question<'r, M: AccessModel>: Copy {
    /// The entitlement's index in `M`'s tables and the resource.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
    /// # use model::*;
    /// use access_core::{EntitlementId, Question, Resource};
    ///
    /// let p1 = Resource::new(EntityType::Project, "p1");
    /// assert_eq!(Question::<Access>::parts((Entitlement::ProjectRead, p1)), (EntitlementId(0), p1));
    /// // A marker brings the entity type: the same parts.
    /// assert_eq!(Question::<Access>::parts((entitlement::ProjectRead, "p1")), (EntitlementId(0), p1));
    /// ```
    fn parts(self) -> (EntitlementId, Resource<'r>);
}

/// The by-value form. Left out of "other types implement" lists, so a `Resource` passed with a
/// marker reads as `Question`'s message (a marker takes the resource id), not as "not `Ask`".
#[diagnostic::do_not_recommend]
impl<'r, M: AccessModel, E: Ask<M>> Question<'r, M> for (E, Resource<'r>) {
    #[inline]
    fn parts(self) -> (EntitlementId, Resource<'r>) {
        (self.0.id(), self.1)
    }
}

/// The typed form: the marker's entitlement on a resource of the marker's entity type.
impl<'r, M: AccessModel, E: EntitlementMarker<Model = M>> Question<'r, M> for (E, &'r str) {
    #[inline]
    fn parts(self) -> (EntitlementId, Resource<'r>) {
        (
            E::id(),
            Resource {
                ty: E::ENTITY,
                id: self.1,
            },
        )
    }
}

/// The typed form with an owned id borrowed (`(entitlement::DocRead, &doc.id)`).
impl<'r, M: AccessModel, E: EntitlementMarker<Model = M>> Question<'r, M> for (E, &'r String) {
    #[inline]
    fn parts(self) -> (EntitlementId, Resource<'r>) {
        (
            E::id(),
            Resource {
                ty: E::ENTITY,
                id: self.1,
            },
        )
    }
}
