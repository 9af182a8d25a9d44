//! What a question is: an entitlement the model answers for ([`Ask`]) and a resource, as one
//! pair ([`Question`]). `can`, `check`, `authorize`, `can_and_consume` and each item of
//! `can_all` take one, so each asks in one method, with the model's `Entitlement` enum or an
//! [`EntitlementId`]:
//!
//! ```
//! use access_core::{AccessContext, AccessModel, EntitlementId, Resource, StoreResult, Stores};
//!
//! // Generic over the model: an id asks what the generated enum asks.
//! async fn may<M: AccessModel, S: Stores>(
//!     ctx: &AccessContext<'_, M, S>,
//!     entitlement: EntitlementId,
//!     resource: Resource<'_>,
//! ) -> StoreResult<bool> {
//!     ctx.can(entitlement, resource).await
//! }
//! ```
//!
//! New forms of a question (a typed resource, an entitlement given as a type) are new impls of
//! [`Question`], not new methods.

pub use crate::model::Ask;
use crate::model::{AccessModel, EntitlementId};
use crate::store::Resource;

/// A question the engine answers for model `M`: an entitlement and the resource it is asked
/// on, as the pair that [`AccessContext::can`](crate::AccessContext::can) takes in two arguments
/// and [`AccessContext::can_all`](crate::AccessContext::can_all) in a slice.
///
/// # Examples
/// ```
/// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
/// # use model::*;
/// use access_core::{AccessContext, MemoryStore, Question, StoreResult};
///
/// // Whether every question of a page is allowed (pairs of the enum or of ids).
/// async fn all<'r, Q: Question<'r, Access>>(ctx: &AccessContext<'_, Access, MemoryStore>, pairs: &[Q]) -> StoreResult<bool> {
///     Ok(ctx.can_all(pairs).await?.iter().all(|&ok| ok))
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a question about the model `{M}`",
    label = "not an (entitlement, resource) pair of `{M}`",
    note = "ask with the model's own `Entitlement` enum (or an `EntitlementId`) and a `Resource`"
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
    /// let (id, resource) = Question::<Access>::parts((Entitlement::ProjectRead, p1));
    /// assert_eq!((id, resource), (EntitlementId(0), p1));
    /// ```
    fn parts(self) -> (EntitlementId, Resource<'r>);
}

impl<'r, M: AccessModel, E: Ask<M>> Question<'r, M> for (E, Resource<'r>) {
    #[inline]
    fn parts(self) -> (EntitlementId, Resource<'r>) {
        (self.0.id(), self.1)
    }
}
