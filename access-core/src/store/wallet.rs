//! Usage counters: [`Charge`] and [`WalletStore`].

use std::future::Future;

use super::error::StoreResult;
use crate::model::LimitId;
use crate::time::Timestamp;

/// One unit of a limit to consume: which counter, in which period, up to which max.
///
/// # Examples
/// ```
/// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
///
/// let store = MemoryStore::new();
/// let charge = Charge { limit: LimitId(0), period_start: 0, max: 1 };
/// let consume = |c: Charge| access_core::block_on_ready(store.consume("acme", &[c])).unwrap();
/// assert_eq!(consume(charge), Ok(true));
/// assert_eq!(consume(charge), Ok(false)); // the period's max is reached
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The limit.
    pub limit: LimitId,
    /// Start of the current period (the counter's key).
    pub period_start: Timestamp,
    /// The most units the period allows.
    pub max: u64,
}

/// Usage counters.
///
/// # Examples
/// ```
/// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
///
/// async fn try_use<W: WalletStore>(wallet: &W, tenant: &str, charge: Charge) -> bool {
///     wallet.consume(tenant, &[charge]).await.unwrap_or(false)
/// }
///
/// let store = MemoryStore::new();
/// let charge = Charge { limit: LimitId(0), period_start: 0, max: 2 };
/// assert!(access_core::block_on_ready(try_use(&store, "acme", charge)).unwrap());
/// ```
pub trait WalletStore: Send + Sync {
    /// Units used of `limit` in the period starting at `period_start`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{LimitId, MemoryStore, WalletStore};
    ///
    /// let store = MemoryStore::new();
    /// let used = access_core::block_on_ready(store.used("acme", LimitId(0), 0)).unwrap();
    /// assert_eq!(used, Ok(0));
    /// ```
    fn used(
        &self,
        tenant: &str,
        limit: LimitId,
        period_start: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Consumes one unit of every charge, all or nothing and atomically: returns `false` (and
    /// changes nothing) when any counter is at its max.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
    ///
    /// let store = MemoryStore::new();
    /// let seats = Charge { limit: LimitId(0), period_start: 0, max: 10 };
    /// let calls = Charge { limit: LimitId(1), period_start: 0, max: 0 };
    /// access_core::block_on_ready(async {
    ///     // `calls` has no room: nothing is consumed, not even `seats`.
    ///     assert!(!store.consume("acme", &[seats, calls]).await.unwrap());
    ///     assert_eq!(store.used("acme", LimitId(0), 0).await.unwrap(), 0);
    /// })
    /// .unwrap();
    /// ```
    fn consume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Gives one unit of every charge back (never below zero).
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore, WalletStore};
    ///
    /// let store = MemoryStore::new();
    /// let charge = Charge { limit: LimitId(0), period_start: 0, max: 10 };
    /// access_core::block_on_ready(async {
    ///     store.consume("acme", &[charge]).await.unwrap();
    ///     store.unconsume("acme", &[charge]).await.unwrap();
    ///     assert_eq!(store.used("acme", LimitId(0), 0).await.unwrap(), 0);
    /// })
    /// .unwrap();
    /// ```
    fn unconsume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}
