//! Feature flags per tenant: [`FlagStore`].

use std::future::Future;

use super::error::StoreResult;
use crate::model::{FlagId, RoleSet};

/// Feature flags per tenant.
///
/// # Examples
/// ```
/// use access_core::{FlagId, FlagStore, MemoryStore};
///
/// async fn beta_on<F: FlagStore>(flags: &F, tenant: &str) -> bool {
///     flags.tenant_flags(tenant).await.is_ok_and(|f| f.contains(0))
/// }
///
/// let store = MemoryStore::new();
/// assert!(!access_core::block_on_ready(beta_on(&store, "acme")).unwrap());
/// ```
pub trait FlagStore: Send + Sync {
    /// The flags on for the tenant.
    ///
    /// # Examples
    /// ```
    /// use access_core::{FlagStore, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// let flags = access_core::block_on_ready(store.tenant_flags("acme")).unwrap().unwrap();
    /// assert!(flags.is_empty());
    /// ```
    fn tenant_flags(&self, tenant: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send;

    /// Turns a flag on or off for the tenant.
    ///
    /// # Examples
    /// ```
    /// use access_core::{FlagId, FlagStore, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// access_core::block_on_ready(async {
    ///     store.set_flag("acme", FlagId(3), true).await.unwrap();
    ///     assert!(store.tenant_flags("acme").await.unwrap().contains(3));
    /// })
    /// .unwrap();
    /// ```
    fn set_flag(
        &self,
        tenant: &str,
        flag: FlagId,
        on: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}
