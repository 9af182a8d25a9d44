//! The stores the engine reads: role assignments, the resource hierarchy, subscriptions, usage
//! wallets and flags.
//!
//! Each store is a trait with async methods so that database implementations (sea-orm, behind
//! the `sea-orm` feature) and the in-memory [`crate::MemoryStore`] share one engine. The engine
//! needs all five; [`Stores`] is implemented for any type that implements them.
//!
//! | module | holds |
//! | --- | --- |
//! | `resource` | [`Resource`], [`ResourceRef`] |
//! | `error` | [`StoreError`], [`StoreErrorKind`], [`StoreResult`] |
//! | `ancestry` | [`Ancestry`], [`AncestryNode`]: what one ancestry call returns |
//! | `roles` | [`RoleStore`] |
//! | `closure` | [`ClosureStore`] |
//! | `subscription` | [`Subscription`], [`TenantPlans`], [`SubscriptionStore`] |
//! | `wallet` | [`Charge`], [`WalletStore`] |
//! | `flags` | [`FlagStore`] |
//! | `with_wallet` | [`WithWallet`] |
//!
//! # Examples
//! ```
//! use access_core::{Ancestry, Charge, ClosureStore, EntityTypeId, FlagId, FlagStore, LimitId};
//! use access_core::{MemoryStore, PlanId, Resource, RoleStore, Stores, Subscription};
//! use access_core::{StoreResult, SubscriptionStore, WalletStore};
//!
//! // Set-up code written once, for any store (in memory here, SQL in production).
//! async fn onboard<S: Stores>(store: &S, tenant: &str, owner: &str) -> StoreResult<Ancestry> {
//!     let org = Resource::new(EntityTypeId(0), tenant);
//!     let ws = Resource::new(EntityTypeId(1), "general");
//!     store.add_resource(org, &[]).await?;
//!     store.add_resource(ws, &[org]).await?;
//!     store.assign(owner, org, 0).await?;
//!     store.set_base_plan(tenant, 0, Subscription::new(PlanId(0), 0)).await?;
//!     store.set_flag(tenant, FlagId(0), true).await?;
//!     store.consume(tenant, &[Charge { limit: LimitId(0), period_start: 0, max: 5 }]).await?;
//!     let mut ancestry = Ancestry::default();
//!     store.ancestry(owner, ws, &mut ancestry).await?;
//!     Ok(ancestry)
//! }
//!
//! let store = MemoryStore::new();
//! let ancestry = access_core::block_on_ready(onboard(&store, "acme", "alice")).unwrap().unwrap();
//! // The workspace, then the organization, where alice holds role 0.
//! assert_eq!(ancestry.nodes.len(), 2);
//! assert!(ancestry.nodes[1].roles.contains(0));
//! assert_eq!(store.usage("acme", LimitId(0), 0), 1);
//! ```

mod ancestry;
mod closure;
mod error;
mod flags;
mod resource;
mod roles;
mod subscription;
mod wallet;
mod with_wallet;

pub use ancestry::{Ancestry, AncestryNode};
pub use closure::ClosureStore;
pub use error::{StoreError, StoreErrorKind, StoreResult};
pub use flags::FlagStore;
pub use resource::{Resource, ResourceRef};
pub use roles::RoleStore;
pub use subscription::{Subscription, SubscriptionStore, TenantPlans};
pub use wallet::{Charge, WalletStore};
pub use with_wallet::WithWallet;

/// Everything the engine needs, in one bound.
///
/// # Examples
/// ```
/// use access_core::{MemoryStore, Stores, WithWallet};
///
/// fn needs_stores<S: Stores>(_: &S) {}
/// needs_stores(&MemoryStore::new());
/// needs_stores(&WithWallet::new(MemoryStore::new(), MemoryStore::new()));
/// ```
pub trait Stores: RoleStore + ClosureStore + SubscriptionStore + WalletStore + FlagStore {}

impl<T: RoleStore + ClosureStore + SubscriptionStore + WalletStore + FlagStore> Stores for T {}
