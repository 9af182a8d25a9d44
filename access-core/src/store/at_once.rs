//! [`AtOnce`]: the reads of a store that answers without waiting (in memory), which the engine
//! takes synchronously, without building a future per layer.

use crate::model::{LimitId, RoleSet};
use crate::store::{Ancestry, Resource, StoreResult, TenantPlans};
use crate::time::Timestamp;

/// The reads `can` makes, answered at once. A store offers them through
/// [`RoleStore::at_once`](crate::RoleStore::at_once); the engine then answers `can` without a
/// future per layer (the answers are those of the async methods of the same names).
#[doc(hidden)]
pub trait AtOnce: Sync {
    /// [`RoleStore::ancestry`](crate::RoleStore::ancestry), at once.
    fn ancestry_now(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> StoreResult<()>;
    /// [`FlagStore::tenant_flags`](crate::FlagStore::tenant_flags), at once.
    fn tenant_flags_now(&self, tenant: &str) -> StoreResult<RoleSet>;
    /// [`SubscriptionStore::tenant_plans`](crate::SubscriptionStore::tenant_plans), at once.
    fn tenant_plans_now(&self, tenant: &str) -> StoreResult<TenantPlans>;
    /// [`WalletStore::used`](crate::WalletStore::used), at once.
    fn used_now(&self, tenant: &str, limit: LimitId, period_start: Timestamp) -> StoreResult<u64>;
}
