//! [`WithWallet`]: the stores of one value with the usage wallet of another.

use std::future::Future;

use super::ancestry::Ancestry;
use super::closure::ClosureStore;
use super::error::StoreResult;
use super::flags::FlagStore;
use super::resource::{Resource, ResourceRef};
use super::roles::RoleStore;
use super::subscription::{Subscription, SubscriptionStore, TenantPlans};
use super::wallet::{Charge, WalletStore};
use crate::model::{FlagId, LimitId, PlanId, RoleSet};
use crate::time::Timestamp;

/// The stores of `base` with the usage wallet of `wallet`: for example the in-memory roles and
/// hierarchy with wallets in a database ([`crate::sea::SeaWallet`]), so that usage limits are
/// exact across processes.
///
/// # Examples
/// ```
/// use access_core::{Charge, LimitId, MemoryStore, WalletStore, WithWallet};
///
/// let stores = WithWallet::new(MemoryStore::new(), MemoryStore::new());
/// let charge = Charge { limit: LimitId(0), period_start: 0, max: 5 };
/// assert_eq!(access_core::block_on_ready(stores.consume("acme", &[charge])).unwrap(), Ok(true));
/// // Usage goes to the wallet; everything else to the base.
/// assert_eq!(stores.wallet.usage("acme", LimitId(0), 0), 1);
/// assert_eq!(stores.base.usage("acme", LimitId(0), 0), 0);
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
    fn holders(
        &self,
        resource: Resource<'_>,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<(String, RoleSet)>>> + Send {
        self.base.holders(resource, after, limit)
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
