//! The synchronous front of the in-memory stores: [`Ready`], reached with `.ready()` on a
//! [`MemoryStore`], a [`WithWallet`] of in-memory stores, or an [`AccessContext`] over them.
//!
//! The store traits are async, so that database stores and the in-memory one share one engine.
//! Tests, CLIs and benches over in-memory stores want plain calls: `.ready()` gives them, with
//! the store's own names and a [`StoreResult`], no `.await` and no `Option` to unwrap. It exists
//! only for the stores marked [`ReadyStores`] (sealed: their futures are complete when made),
//! so a database store cannot reach it: the mistake is a compile error, not a run-time panic.
//!
//! ```
//! # use access_core::{AccessContext, MemoryStore, Principal, StoreError};
//! access_core::define_access! {
//!     pub Access;
//!     entity workspace { roles: [admin, member] }
//!     entity project { roles: [viewer], inherits: { workspace:member => viewer } }
//!     entitlements { "project:read" on project => roles [viewer] }
//! }
//!
//! # fn main() -> Result<(), StoreError> {
//! let store = MemoryStore::new();
//! let (ws1, p1) = (resource::Workspace::id("ws1"), resource::Project::id("p1"));
//! store.ready().add_root(ws1)?;
//! store.ready().add_child(p1, ws1)?;
//! store.ready().grant_role("wes", ws1, WorkspaceRole::Member)?;
//!
//! let wes = AccessContext::new(&Access, &store, Principal::new("wes"));
//! assert!(wes.ready().can(entitlement::ProjectRead, "p1")?);
//! # Ok(())
//! # }
//! ```

use std::future::Future;

use crate::access_set::AccessSet;
use crate::block::block_on_ready;
use crate::decision::Decision;
use crate::engine::{AccessContext, Consumption, Question};
use crate::memory::MemoryStore;
use crate::model::{AccessModel, EntitlementId, FlagId, LimitId, PlanId, RoleSet};
use crate::store::{
    Ancestry, Charge, Resource, ResourceRef, StoreError, StoreErrorKind, StoreResult, Stores,
    Subscription, TenantPlans, WithWallet,
};
use crate::time::Timestamp;

mod sealed {
    /// Keeps [`super::ReadyStores`] to the stores of this crate whose futures are ready (not
    /// reachable outside the crate).
    #[doc(hidden)]
    pub trait Sealed {}
}

/// Stores whose every future is complete when made (no I/O, no waiting): [`MemoryStore`] and a
/// [`WithWallet`] of two such stores. Sealed: the promise is this crate's to make. It is what
/// `.ready()` (the synchronous front, [`Ready`]) requires.
///
/// # Examples
/// ```
/// use access_core::{MemoryStore, ReadyStores, WithWallet};
///
/// fn in_memory<S: ReadyStores>(_: &S) {}
/// in_memory(&MemoryStore::new());
/// in_memory(&WithWallet::new(MemoryStore::new(), MemoryStore::new()));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an in-memory store: its calls may wait, so it has no synchronous front",
    label = "not `MemoryStore` or `WithWallet` of in-memory stores",
    note = "`.ready()` exists for `MemoryStore` and `WithWallet<MemoryStore, MemoryStore>`; with other stores, `.await` the async methods"
)]
pub trait ReadyStores: Stores + sealed::Sealed {}

impl sealed::Sealed for MemoryStore {}
impl<S: ReadyStores, W: ReadyStores> sealed::Sealed for WithWallet<S, W> {}

impl ReadyStores for MemoryStore {}
impl<S: ReadyStores, W: ReadyStores> ReadyStores for WithWallet<S, W> {}

/// The synchronous front of `T`: a [`ReadyStores`] store (its writes and reads) or an
/// [`AccessContext`] over one (`can`, `check`, `can_all`, `can_and_consume`, `unconsume`,
/// `access_set`). Each method is the async one of the same name, answered at once. Made only by
/// `.ready()`, which requires [`ReadyStores`].
///
/// # Examples
/// ```
/// use access_core::{EntityTypeId, MemoryStore, Resource};
///
/// let store = MemoryStore::new();
/// let org = Resource::new(EntityTypeId(0), "acme");
/// store.ready().add_resource(org, &[]).unwrap();
/// store.ready().assign("alice", org, 0).unwrap();
/// assert_eq!(store.ready().assignments("alice").unwrap().len(), 1);
/// ```
#[derive(Debug)]
pub struct Ready<'a, T>(&'a T);

impl<T> Clone for Ready<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Ready<'_, T> {}

/// The output of a future of [`ReadyStores`], which is complete when made. Were one ever
/// pending (a bug of this crate), the caller gets a [`StoreErrorKind::Backend`] error, not a
/// panic.
fn at_once<T>(future: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
    block_on_ready(future).unwrap_or_else(|| {
        Err(StoreError::new(
            StoreErrorKind::Backend,
            "an in-memory store call was not ready at once (a bug of access-core)",
        ))
    })
}

impl MemoryStore {
    /// The synchronous front: every store method without `.await`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, MemoryStore, Resource};
    ///
    /// let store = MemoryStore::new();
    /// store.ready().add_resource(Resource::new(EntityTypeId(0), "acme"), &[]).unwrap();
    /// ```
    pub fn ready(&self) -> Ready<'_, Self> {
        Ready(self)
    }
}

impl<S, W> WithWallet<S, W> {
    /// The synchronous front: every store method without `.await`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore, WithWallet};
    ///
    /// let stores = WithWallet::new(MemoryStore::new(), MemoryStore::new());
    /// let charge = Charge { limit: LimitId(0), period_start: 0, max: 5 };
    /// assert_eq!(stores.ready().consume("acme", &[charge]), Ok(true));
    /// ```
    pub fn ready(&self) -> Ready<'_, Self>
    where
        Self: ReadyStores,
    {
        Ready(self)
    }
}

impl<'a, M: AccessModel, S: Stores> AccessContext<'a, M, S> {
    /// The synchronous front: `can`, `check`, `can_all`, `can_and_consume`, `unconsume` and
    /// `access_set` without `.await`, for a context over in-memory stores.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, EntitlementId, MemoryStore, Resource};
    ///
    /// // A CLI's check: no runtime, no `.await`.
    /// fn may<M: AccessModel>(ctx: &AccessContext<'_, M, MemoryStore>, e: EntitlementId, r: Resource<'_>) -> bool {
    ///     ctx.ready().can(e, r).unwrap_or(false)
    /// }
    /// ```
    pub fn ready(&self) -> Ready<'_, Self>
    where
        S: ReadyStores,
    {
        Ready(self)
    }
}

// The methods of `Ready` need only `Stores`: a `Ready` is made by `.ready()` alone, which
// requires `ReadyStores`, so a store that may wait never gets one (and a mistake is one error,
// at `.ready()`, with the message of `ReadyStores`).
impl<M: AccessModel, S: Stores> Ready<'_, AccessContext<'_, M, S>> {
    /// [`AccessContext::can`], answered at once.
    ///
    /// # Errors
    /// As [`AccessContext::can`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, EntitlementId, MemoryStore, Resource, StoreResult};
    ///
    /// fn may<M: AccessModel>(ctx: &AccessContext<'_, M, MemoryStore>, e: EntitlementId, r: Resource<'_>) -> StoreResult<bool> {
    ///     ctx.ready().can(e, r)
    /// }
    /// ```
    pub fn can<'r, E, R>(&self, entitlement: E, resource: R) -> StoreResult<bool>
    where
        (E, R): Question<'r, M>,
    {
        let (entitlement, resource) = (entitlement, resource).parts();
        match self.0.can_now(entitlement, resource) {
            Some(answer) => answer,
            None => at_once(
                self.0
                    .can::<EntitlementId, Resource<'_>>(entitlement, resource),
            ),
        }
    }

    /// [`AccessContext::check`], answered at once.
    ///
    /// # Errors
    /// As [`AccessContext::check`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, EntitlementId, MemoryStore, Resource};
    ///
    /// // Why not, for a test's failure message.
    /// fn why<M: AccessModel>(ctx: &AccessContext<'_, M, MemoryStore>, e: EntitlementId, r: Resource<'_>) -> String {
    ///     let d = ctx.ready().check(e, r).unwrap();
    ///     d.reasons.iter().map(|r| r.message.clone()).collect::<Vec<_>>().join("; ")
    /// }
    /// ```
    pub fn check<'r, E, R>(&self, entitlement: E, resource: R) -> StoreResult<Decision>
    where
        (E, R): Question<'r, M>,
    {
        at_once(self.0.check(entitlement, resource))
    }

    /// [`AccessContext::can_all`], answered at once.
    ///
    /// # Errors
    /// As [`AccessContext::can_all`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, EntitlementId, MemoryStore, Resource, StoreResult};
    ///
    /// fn both<M: AccessModel>(ctx: &AccessContext<'_, M, MemoryStore>, e: EntitlementId, a: Resource<'_>, b: Resource<'_>) -> StoreResult<Vec<bool>> {
    ///     ctx.ready().can_all(&[(e, a), (e, b)])
    /// }
    /// ```
    pub fn can_all<'r, Q: Question<'r, M>>(&self, pairs: &[Q]) -> StoreResult<Vec<bool>> {
        at_once(self.0.can_all(pairs))
    }

    /// [`AccessContext::can_and_consume`], answered at once.
    ///
    /// # Errors
    /// As [`AccessContext::can_and_consume`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, EntitlementId, MemoryStore, Resource};
    ///
    /// // A bench's loop: take a unit with each allowed call.
    /// fn take<M: AccessModel>(ctx: &AccessContext<'_, M, MemoryStore>, e: EntitlementId, r: Resource<'_>) -> bool {
    ///     matches!(ctx.ready().can_and_consume(e, r), Ok(Some(_)))
    /// }
    /// ```
    pub fn can_and_consume<'r, E, R>(
        &self,
        entitlement: E,
        resource: R,
    ) -> StoreResult<Option<Consumption>>
    where
        (E, R): Question<'r, M>,
    {
        at_once(self.0.can_and_consume(entitlement, resource))
    }

    /// [`AccessContext::unconsume`], answered at once.
    ///
    /// # Errors
    /// As [`AccessContext::unconsume`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, Consumption, MemoryStore, StoreResult};
    ///
    /// // The work failed: give the units back.
    /// fn undo<M: AccessModel>(ctx: &AccessContext<'_, M, MemoryStore>, used: Consumption) -> StoreResult<()> {
    ///     ctx.ready().unconsume(used)
    /// }
    /// ```
    pub fn unconsume(&self, consumption: Consumption) -> StoreResult<()> {
        at_once(self.0.unconsume(consumption))
    }

    /// [`AccessContext::access_set`], answered at once.
    ///
    /// # Errors
    /// As [`AccessContext::access_set`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, MemoryStore, StoreResult};
    ///
    /// fn claim<M: AccessModel>(ctx: &AccessContext<'_, M, MemoryStore>) -> StoreResult<String> {
    ///     Ok(ctx.ready().access_set()?.encode())
    /// }
    /// ```
    pub fn access_set(&self) -> StoreResult<AccessSet> {
        at_once(self.0.access_set())
    }
}

/// [`RoleStore`](crate::RoleStore), [`ClosureStore`](crate::ClosureStore), [`SubscriptionStore`](crate::SubscriptionStore), [`WalletStore`](crate::WalletStore) and [`FlagStore`](crate::FlagStore),
/// answered at once. Each method's errors are the trait method's.
impl<S: Stores> Ready<'_, S> {
    /// [`RoleStore::ancestry`](crate::RoleStore::ancestry), answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::ancestry`](crate::RoleStore::ancestry).
    ///
    /// # Examples
    /// ```
    /// use access_core::{Ancestry, EntityTypeId, MemoryStore, Resource};
    ///
    /// let mut a = Ancestry::default();
    /// MemoryStore::new().ready().ancestry("al", Resource::new(EntityTypeId(0), "x"), &mut a).unwrap();
    /// assert!(!a.found);
    /// ```
    pub fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        at_once(self.0.ancestry(user, resource, out))
    }

    /// [`RoleStore::assignments`](crate::RoleStore::assignments), answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::assignments`](crate::RoleStore::assignments).
    ///
    /// # Examples
    /// ```
    /// use access_core::MemoryStore;
    ///
    /// assert_eq!(MemoryStore::new().ready().assignments("ann"), Ok(vec![]));
    /// ```
    pub fn assignments(&self, user: &str) -> StoreResult<Vec<(ResourceRef, RoleSet)>> {
        at_once(self.0.assignments(user))
    }

    /// [`RoleStore::global_roles`](crate::RoleStore::global_roles), answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::global_roles`](crate::RoleStore::global_roles).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, RoleSet};
    ///
    /// assert_eq!(MemoryStore::new().ready().global_roles("ann"), Ok(RoleSet::EMPTY));
    /// ```
    pub fn global_roles(&self, user: &str) -> StoreResult<RoleSet> {
        at_once(self.0.global_roles(user))
    }

    /// [`RoleStore::assign`](crate::RoleStore::assign), answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::assign`](crate::RoleStore::assign): an unknown resource is [`StoreErrorKind::NotFound`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, MemoryStore, Resource, StoreErrorKind};
    ///
    /// let store = MemoryStore::new();
    /// let err = store.ready().assign("al", Resource::new(EntityTypeId(0), "nope"), 0).unwrap_err();
    /// assert_eq!(err.kind, StoreErrorKind::NotFound);
    /// ```
    pub fn assign(&self, user: &str, resource: Resource<'_>, role: u16) -> StoreResult<()> {
        at_once(self.0.assign(user, resource, role))
    }

    /// [`RoleStore::assign_during`](crate::RoleStore::assign_during), answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::assign_during`](crate::RoleStore::assign_during).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, MemoryStore, Resource};
    ///
    /// let (store, org) = (MemoryStore::new(), Resource::new(EntityTypeId(0), "acme"));
    /// store.ready().add_resource(org, &[]).unwrap();
    /// store.ready().assign_during("al", org, 0, None, Some(1_000)).unwrap(); // ended long ago
    /// assert_eq!(store.ready().assignments("al"), Ok(vec![]));
    /// ```
    pub fn assign_during(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> StoreResult<()> {
        at_once(self.0.assign_during(user, resource, role, from, until))
    }

    /// [`RoleStore::revoke`](crate::RoleStore::revoke), answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::revoke`](crate::RoleStore::revoke).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, MemoryStore, Resource};
    ///
    /// let (store, org) = (MemoryStore::new(), Resource::new(EntityTypeId(0), "acme"));
    /// store.ready().add_resource(org, &[]).unwrap();
    /// store.ready().assign("al", org, 0).unwrap();
    /// store.ready().revoke("al", org, 0).unwrap();
    /// assert_eq!(store.ready().assignments("al"), Ok(vec![]));
    /// ```
    pub fn revoke(&self, user: &str, resource: Resource<'_>, role: u16) -> StoreResult<()> {
        at_once(self.0.revoke(user, resource, role))
    }

    /// [`RoleStore::set_global_roles`](crate::RoleStore::set_global_roles), answered at once.
    ///
    /// # Errors
    /// As [`RoleStore::set_global_roles`](crate::RoleStore::set_global_roles).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, RoleSet};
    ///
    /// let store = MemoryStore::new();
    /// store.ready().set_global_roles("al", RoleSet(0b1)).unwrap();
    /// assert_eq!(store.ready().global_roles("al"), Ok(RoleSet(0b1)));
    /// ```
    pub fn set_global_roles(&self, user: &str, roles: RoleSet) -> StoreResult<()> {
        at_once(self.0.set_global_roles(user, roles))
    }

    /// [`ClosureStore::add_resource`](crate::ClosureStore::add_resource), answered at once.
    ///
    /// # Errors
    /// As [`ClosureStore::add_resource`](crate::ClosureStore::add_resource): an unknown parent is [`StoreErrorKind::NotFound`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, MemoryStore, Resource};
    ///
    /// let store = MemoryStore::new();
    /// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws"));
    /// store.ready().add_resource(org, &[]).unwrap();
    /// store.ready().add_resource(ws, &[org]).unwrap();
    /// ```
    pub fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> StoreResult<()> {
        at_once(self.0.add_resource(resource, parents))
    }

    /// [`ClosureStore::set_parents`](crate::ClosureStore::set_parents), answered at once.
    ///
    /// # Errors
    /// As [`ClosureStore::set_parents`](crate::ClosureStore::set_parents): a cycle is [`StoreErrorKind::Cycle`].
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, MemoryStore, Resource, StoreErrorKind};
    ///
    /// let store = MemoryStore::new();
    /// let (a, b) = (Resource::new(EntityTypeId(0), "a"), Resource::new(EntityTypeId(0), "b"));
    /// store.ready().add_resource(a, &[]).unwrap();
    /// store.ready().add_resource(b, &[a]).unwrap();
    /// assert_eq!(store.ready().set_parents(a, &[b]).unwrap_err().kind, StoreErrorKind::Cycle);
    /// ```
    pub fn set_parents(&self, resource: Resource<'_>, parents: &[Resource<'_>]) -> StoreResult<()> {
        at_once(self.0.set_parents(resource, parents))
    }

    /// [`ClosureStore::remove_resource`](crate::ClosureStore::remove_resource), answered at once.
    ///
    /// # Errors
    /// As [`ClosureStore::remove_resource`](crate::ClosureStore::remove_resource).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, MemoryStore, Resource};
    ///
    /// let (store, org) = (MemoryStore::new(), Resource::new(EntityTypeId(0), "acme"));
    /// store.ready().add_resource(org, &[]).unwrap();
    /// store.ready().remove_resource(org).unwrap();
    /// assert!(store.ready().ancestors(org).is_err()); // gone
    /// ```
    pub fn remove_resource(&self, resource: Resource<'_>) -> StoreResult<()> {
        at_once(self.0.remove_resource(resource))
    }

    /// [`ClosureStore::ancestors`](crate::ClosureStore::ancestors), answered at once.
    ///
    /// # Errors
    /// As [`ClosureStore::ancestors`](crate::ClosureStore::ancestors).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntityTypeId, MemoryStore, Resource};
    ///
    /// let store = MemoryStore::new();
    /// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws"));
    /// store.ready().add_resource(org, &[]).unwrap();
    /// store.ready().add_resource(ws, &[org]).unwrap();
    /// assert_eq!(store.ready().ancestors(ws).unwrap().len(), 1);
    /// ```
    pub fn ancestors(&self, resource: Resource<'_>) -> StoreResult<Vec<(ResourceRef, u32)>> {
        at_once(self.0.ancestors(resource))
    }

    /// [`SubscriptionStore::tenant_plans`](crate::SubscriptionStore::tenant_plans), answered at once.
    ///
    /// # Errors
    /// As [`SubscriptionStore::tenant_plans`](crate::SubscriptionStore::tenant_plans).
    ///
    /// # Examples
    /// ```
    /// use access_core::MemoryStore;
    ///
    /// assert!(MemoryStore::new().ready().tenant_plans("acme").unwrap().base.is_empty());
    /// ```
    pub fn tenant_plans(&self, tenant: &str) -> StoreResult<TenantPlans> {
        at_once(self.0.tenant_plans(tenant))
    }

    /// [`SubscriptionStore::set_base_plan`](crate::SubscriptionStore::set_base_plan), answered at once.
    ///
    /// # Errors
    /// As [`SubscriptionStore::set_base_plan`](crate::SubscriptionStore::set_base_plan).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, PlanId, Subscription};
    ///
    /// let store = MemoryStore::new();
    /// store.ready().set_base_plan("acme", 0, Subscription::new(PlanId(1), 0)).unwrap();
    /// assert_eq!(store.ready().tenant_plans("acme").unwrap().base[0].plan, PlanId(1));
    /// ```
    pub fn set_base_plan(
        &self,
        tenant: &str,
        group: u16,
        subscription: Subscription,
    ) -> StoreResult<()> {
        at_once(self.0.set_base_plan(tenant, group, subscription))
    }

    /// [`SubscriptionStore::add_add_on`](crate::SubscriptionStore::add_add_on), answered at once.
    ///
    /// # Errors
    /// As [`SubscriptionStore::add_add_on`](crate::SubscriptionStore::add_add_on).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, PlanId, Subscription};
    ///
    /// let store = MemoryStore::new();
    /// store.ready().add_add_on("acme", Subscription::new(PlanId(2), 0)).unwrap();
    /// assert_eq!(store.ready().tenant_plans("acme").unwrap().add_ons.len(), 1);
    /// ```
    pub fn add_add_on(&self, tenant: &str, subscription: Subscription) -> StoreResult<()> {
        at_once(self.0.add_add_on(tenant, subscription))
    }

    /// [`SubscriptionStore::remove_add_on`](crate::SubscriptionStore::remove_add_on), answered at once.
    ///
    /// # Errors
    /// As [`SubscriptionStore::remove_add_on`](crate::SubscriptionStore::remove_add_on).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, PlanId, Subscription};
    ///
    /// let store = MemoryStore::new();
    /// store.ready().add_add_on("acme", Subscription::new(PlanId(2), 0)).unwrap();
    /// store.ready().remove_add_on("acme", PlanId(2)).unwrap();
    /// assert!(store.ready().tenant_plans("acme").unwrap().add_ons.is_empty());
    /// ```
    pub fn remove_add_on(&self, tenant: &str, plan: PlanId) -> StoreResult<()> {
        at_once(self.0.remove_add_on(tenant, plan))
    }

    /// [`SubscriptionStore::set_override`](crate::SubscriptionStore::set_override), answered at once.
    ///
    /// # Errors
    /// As [`SubscriptionStore::set_override`](crate::SubscriptionStore::set_override).
    ///
    /// # Examples
    /// ```
    /// use access_core::{LimitId, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// store.ready().set_override("acme", LimitId(0), Some(500)).unwrap();
    /// assert_eq!(store.ready().tenant_plans("acme").unwrap().overrides, vec![(LimitId(0), 500)]);
    /// ```
    pub fn set_override(&self, tenant: &str, limit: LimitId, max: Option<u64>) -> StoreResult<()> {
        at_once(self.0.set_override(tenant, limit, max))
    }

    /// [`WalletStore::used`](crate::WalletStore::used), answered at once.
    ///
    /// # Errors
    /// As [`WalletStore::used`](crate::WalletStore::used).
    ///
    /// # Examples
    /// ```
    /// use access_core::{LimitId, MemoryStore};
    ///
    /// assert_eq!(MemoryStore::new().ready().used("acme", LimitId(0), 0), Ok(0));
    /// ```
    pub fn used(&self, tenant: &str, limit: LimitId, period_start: Timestamp) -> StoreResult<u64> {
        at_once(self.0.used(tenant, limit, period_start))
    }

    /// [`WalletStore::consume`](crate::WalletStore::consume), answered at once.
    ///
    /// # Errors
    /// As [`WalletStore::consume`](crate::WalletStore::consume).
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// let charge = Charge { limit: LimitId(0), period_start: 0, max: 1 };
    /// assert_eq!(store.ready().consume("acme", &[charge]), Ok(true));
    /// assert_eq!(store.ready().consume("acme", &[charge]), Ok(false)); // the max is reached
    /// ```
    pub fn consume(&self, tenant: &str, charges: &[Charge]) -> StoreResult<bool> {
        at_once(self.0.consume(tenant, charges))
    }

    /// [`WalletStore::unconsume`](crate::WalletStore::unconsume), answered at once.
    ///
    /// # Errors
    /// As [`WalletStore::unconsume`](crate::WalletStore::unconsume).
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// let charge = Charge { limit: LimitId(0), period_start: 0, max: 1 };
    /// store.ready().consume("acme", &[charge]).unwrap();
    /// store.ready().unconsume("acme", &[charge]).unwrap();
    /// assert_eq!(store.ready().used("acme", LimitId(0), 0), Ok(0));
    /// ```
    pub fn unconsume(&self, tenant: &str, charges: &[Charge]) -> StoreResult<()> {
        at_once(self.0.unconsume(tenant, charges))
    }

    /// [`FlagStore::tenant_flags`](crate::FlagStore::tenant_flags), answered at once.
    ///
    /// # Errors
    /// As [`FlagStore::tenant_flags`](crate::FlagStore::tenant_flags).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, RoleSet};
    ///
    /// assert_eq!(MemoryStore::new().ready().tenant_flags("acme"), Ok(RoleSet::EMPTY));
    /// ```
    pub fn tenant_flags(&self, tenant: &str) -> StoreResult<RoleSet> {
        at_once(self.0.tenant_flags(tenant))
    }

    /// [`FlagStore::set_flag`](crate::FlagStore::set_flag), answered at once.
    ///
    /// # Errors
    /// As [`FlagStore::set_flag`](crate::FlagStore::set_flag).
    ///
    /// # Examples
    /// ```
    /// use access_core::{FlagId, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// store.ready().set_flag("acme", FlagId(0), true).unwrap();
    /// assert!(store.ready().tenant_flags("acme").unwrap().contains(0));
    /// ```
    pub fn set_flag(&self, tenant: &str, flag: FlagId, on: bool) -> StoreResult<()> {
        at_once(self.0.set_flag(tenant, flag, on))
    }
}
