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
//! | `at_once` | `AtOnce`: the reads of `can`, for stores that answer without waiting |
//! | `roles` | [`RoleStore`] |
//! | `closure` | [`ClosureStore`] |
//! | `subscription` | [`Subscription`], [`TenantPlans`], [`SubscriptionStore`] |
//! | `wallet` | [`Charge`], [`WalletStore`] |
//! | `flags` | [`FlagStore`] |
//! | `with_wallet` | [`WithWallet`] |
//!
//! # Examples
//! ```
//! # use access_core::{Ancestry, Charge, FlagStore, MemoryStore, RoleStore, Stores, Subscription};
//! # use access_core::{StoreResult, SubscriptionStore, TypedClosure, TypedRoles, WalletStore};
//! # access_core::define_access! {
//! #     pub Access;
//! #     entity org { roles: [owner] }
//! #     entity workspace { roles: [admin], inherits: { org:owner => admin } }
//! #     flags: [beta],
//! #     entitlements { "workspace:export" on workspace => roles [admin] }
//! #     plans { free { group: main, features: ["workspace:export"],
//! #                    limits: { exports: "workspace:export" per month max 5 } } }
//! # }
//! # fn main() {
//! // Set-up code written once, for any store (in memory here, SQL in production).
//! async fn onboard<S: Stores>(store: &S, tenant: &str, owner: &str) -> StoreResult<Ancestry> {
//!     let (org, ws) = (resource::Org::id(tenant), resource::Workspace::id("general"));
//!     store.add_root(org).await?;
//!     store.add_child(ws, org).await?;
//!     store.grant_role(owner, org, OrgRole::Owner).await?;
//!     store.set_base_plan(tenant, 0, Subscription::new(Plan::Free, 0)).await?;
//!     store.set_flag(tenant, Flag::Beta.into(), true).await?;
//!     store.consume(tenant, &[Charge { limit: Limit::Exports.into(), period_start: 0, max: 5 }]).await?;
//!     let mut ancestry = Ancestry::default();
//!     store.ancestry(owner, ws.into(), &mut ancestry).await?;
//!     Ok(ancestry)
//! }
//!
//! let store = MemoryStore::new();
//! let ancestry = access_core::block_on_ready(onboard(&store, "acme", "alice")).unwrap().unwrap();
//! assert_eq!(ancestry.nodes.len(), 2); // the workspace, then the organization
//! assert!(ancestry.nodes[1].roles.contains(0)); // where alice holds `owner`, role 0 of `org`
//! assert_eq!(store.usage("acme", Limit::Exports.into(), 0), 1);
//! # }
//! ```

mod ancestry;
mod at_once;
mod closure;
mod error;
mod flags;
mod resource;
mod role_check;
mod roles;
mod subscription;
mod wallet;
mod with_wallet;

pub use ancestry::{Ancestry, AncestryNode};
#[doc(hidden)]
pub use at_once::AtOnce;
pub use closure::ClosureStore;
pub use error::{StoreError, StoreErrorKind, StoreResult};
pub use flags::FlagStore;
pub use resource::{Resource, ResourceRef};
pub(crate) use role_check::RoleCheck;
pub use role_check::check_role;
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
