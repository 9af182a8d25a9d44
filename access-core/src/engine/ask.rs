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

use crate::model::{AccessModel, EntitlementId};
use crate::store::Resource;

/// An entitlement model `M` answers for: its generated `Entitlement` enum, or an
/// [`EntitlementId`] (code that holds ids: dynamic models, schemas, generated guards; an id
/// outside the model is denied).
///
/// Today every `Copy + Into<EntitlementId>` type is one (the bounds code generic over the model
/// can prove of `M::Entitlement`), so another model's enum is not yet refused by the compiler;
/// see docs/engine.md, "One method per question".
///
/// # Examples
/// ```
/// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
/// # use model::*;
/// use access_core::{AccessContext, Ask, MemoryStore, Resource, StoreResult};
///
/// // A helper that takes either form, as `can` does.
/// async fn may(ctx: &AccessContext<'_, Access, MemoryStore>, e: impl Ask<Access>, r: Resource<'_>) -> StoreResult<bool> {
///     ctx.can(e, r).await
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entitlement of the model `{M}`",
    label = "not an entitlement of `{M}`",
    note = "ask with the model's `Entitlement` enum (e.g. `Entitlement::ProjectRead`), or an `EntitlementId` when the code holds ids"
)]
pub trait Ask<M: AccessModel>: Copy {
    /// The entitlement's index in `M`'s tables.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
    /// # use model::*;
    /// use access_core::{Ask, EntitlementId};
    ///
    /// // The index both forms name.
    /// assert_eq!(Ask::<Access>::id(Entitlement::ProjectRead), EntitlementId(0));
    /// assert_eq!(Ask::<Access>::id(EntitlementId(0)), EntitlementId(0));
    /// ```
    fn id(self) -> EntitlementId;
}

/// The model's enum (`M::Entitlement` in code generic over the model) and `EntitlementId`.
/// (`do_not_recommend`: a type that is neither is reported as not an entitlement of the model,
/// with the message above, rather than as a missing `From` conversion.)
#[diagnostic::do_not_recommend]
impl<M: AccessModel, E: Copy + Into<EntitlementId>> Ask<M> for E {
    #[inline]
    fn id(self) -> EntitlementId {
        self.into()
    }
}

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
