//! Tenants' plans: [`Subscription`], [`TenantPlans`] and [`SubscriptionStore`].

use std::future::Future;

use super::error::StoreResult;
use super::flags::FlagStore;
use crate::model::{LimitId, PlanId, RoleSet};
use crate::time::Timestamp;

/// A tenant's subscription to one plan.
///
/// # Examples
/// ```
/// use access_core::{PlanId, Subscription};
///
/// let sub = Subscription::new(PlanId(1), 1_000).until(2_000);
/// assert_eq!((sub.plan, sub.started_at, sub.ends_at), (PlanId(1), 1_000, Some(2_000)));
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
    /// assert!(sub.active_at(1_000) && sub.active_at(1_999));
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
/// use access_core::{MemoryStore, PlanId, Subscription, SubscriptionStore};
///
/// let store = MemoryStore::new();
/// let plans = access_core::block_on_ready(async {
///     store.set_base_plan("acme", 0, Subscription::new(PlanId(0), 0)).await.unwrap();
///     store.tenant_plans("acme").await.unwrap()
/// })
/// .unwrap();
/// assert_eq!(plans.base, [Subscription::new(PlanId(0), 0)]);
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
/// let store = MemoryStore::new();
/// access_core::block_on_ready(upgrade(&store, "acme", PlanId(1))).unwrap();
/// ```
pub trait SubscriptionStore: Send + Sync {
    /// The tenant's plans (empty for an unknown tenant).
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, SubscriptionStore, TenantPlans};
    ///
    /// let store = MemoryStore::new();
    /// let plans = access_core::block_on_ready(store.tenant_plans("nobody")).unwrap().unwrap();
    /// assert_eq!(plans, TenantPlans::default());
    /// ```
    fn tenant_plans(&self, tenant: &str) -> impl Future<Output = StoreResult<TenantPlans>> + Send;

    /// The tenant's flags and plans together: what an [`AccessContext`] with
    /// [`with_cache`](crate::AccessContext::with_cache) reads once per request. By default
    /// [`FlagStore::tenant_flags`] then [`SubscriptionStore::tenant_plans`]; a database store
    /// reads both in one statement.
    ///
    /// [`AccessContext`]: crate::AccessContext
    ///
    /// # Examples
    /// ```
    /// use access_core::{FlagId, FlagStore, MemoryStore, SubscriptionStore, TenantPlans};
    ///
    /// let store = MemoryStore::new();
    /// let (flags, plans) = access_core::block_on_ready(async {
    ///     store.set_flag("acme", FlagId(2), true).await.unwrap();
    ///     store.tenant_state("acme").await.unwrap()
    /// })
    /// .unwrap();
    /// assert!(flags.contains(2));
    /// assert_eq!(plans, TenantPlans::default());
    /// ```
    fn tenant_state(
        &self,
        tenant: &str,
    ) -> impl Future<Output = StoreResult<(RoleSet, TenantPlans)>> + Send
    where
        Self: FlagStore,
    {
        async move {
            let flags = self.tenant_flags(tenant).await?;
            Ok((flags, self.tenant_plans(tenant).await?))
        }
    }

    /// Sets the tenant's base plan of `group` (index into the model's groups), replacing the
    /// one it had in that group.
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, PlanId, Subscription, SubscriptionStore};
    ///
    /// let store = MemoryStore::new();
    /// access_core::block_on_ready(async {
    ///     store.set_base_plan("acme", 0, Subscription::new(PlanId(0), 0)).await.unwrap();
    ///     // Group 0 again: replaces PlanId(0).
    ///     store.set_base_plan("acme", 0, Subscription::new(PlanId(1), 0)).await.unwrap();
    ///     let base = store.tenant_plans("acme").await.unwrap().base;
    ///     assert_eq!(base, [Subscription::new(PlanId(1), 0)]);
    /// })
    /// .unwrap();
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
    /// let store = MemoryStore::new();
    /// access_core::block_on_ready(async {
    ///     store.add_add_on("acme", Subscription::new(PlanId(2), 0)).await.unwrap();
    ///     let add_ons = store.tenant_plans("acme").await.unwrap().add_ons;
    ///     assert_eq!(add_ons, [Subscription::new(PlanId(2), 0)]);
    /// })
    /// .unwrap();
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
    /// let store = MemoryStore::new();
    /// access_core::block_on_ready(async {
    ///     store.add_add_on("acme", Subscription::new(PlanId(2), 0)).await.unwrap();
    ///     store.remove_add_on("acme", PlanId(2)).await.unwrap();
    ///     assert!(store.tenant_plans("acme").await.unwrap().add_ons.is_empty());
    /// })
    /// .unwrap();
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
    /// let store = MemoryStore::new();
    /// access_core::block_on_ready(async {
    ///     store.set_override("acme", LimitId(0), Some(250)).await.unwrap();
    ///     assert_eq!(store.tenant_plans("acme").await.unwrap().overrides, [(LimitId(0), 250)]);
    /// })
    /// .unwrap();
    /// ```
    fn set_override(
        &self,
        tenant: &str,
        limit: LimitId,
        max: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}
