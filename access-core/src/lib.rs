//! Declarative access control: a compile-time checked model and a five-layer engine.
//!
//! Declare the model once with [`define_access!`]; every role, entity, plan, flag and
//! entitlement name is checked by the compiler. At run time an [`AccessContext`] evaluates
//! requests through five layers: feature flags → roles → hierarchy → plan → usage wallet.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod access_set;
mod block;
pub mod decision;
mod diagram;
mod engine;
pub mod granted;
pub mod grants;
pub mod matrix;
mod memory;
pub mod model;
mod principal;
mod private;
pub mod schema;
#[cfg(feature = "sea-orm")]
pub mod sea;
pub mod store;
mod sync;
pub mod time;
mod typed;

#[cfg(feature = "macros")]
pub use access_macros::Schema;
pub use access_model::{suggest, unknown_message};
pub use access_set::{AccessSet, AccessState, DecodeError, fingerprint};
pub use block::block_on_ready;
pub use decision::{
    AuthorizationError, AuthorizationFailure, Decision, GrantPath, GrantStep, GrantVia, Reason,
    ReasonKind, ReasonMeta,
};
pub use diagram::mermaid;
pub use engine::{AccessContext, Ask, Consumption, MAX_BATCH, Question};
pub use granted::{EntitlementMarker, Granted};
pub use grants::{CustomRole, GrantError, GrantErrorKind, Grants};
pub use memory::MemoryStore;
pub use model::{
    AccessModel, AnyRole, DefaultPermission, DynamicModel, EdgeData, EntitlementData,
    EntitlementId, EntityData, EntityTypeId, FlagId, FlagSet, LimitData, LimitId, ModelData,
    ModelEnum, Period, Permission, PlanData, PlanId, PlanLimit, RoleSet, TenantData, UnknownName,
};
pub use principal::{Principal, mfa_recent};
pub use schema::{Action, Denial, FieldDenial, PermissionCtx, Schema};
pub use store::{
    Ancestry, Charge, ClosureStore, FlagStore, Resource, ResourceRef, RoleStore, StoreError,
    StoreErrorKind, StoreResult, Stores, Subscription, SubscriptionStore, TenantPlans, WalletStore,
    WithWallet, check_role,
};
pub use sync::{Ready, ReadyStores};
pub use typed::{
    ChildOf, EntitlementOn, EntityMarker, IntoSubject, Subject, Typed, TypedClosure, TypedRoles,
};

/// The run-time model builder: the same validation and tables as [`define_access!`].
pub mod model_builder {
    pub use access_model::builder::ModelBuilder;
    pub use access_model::{ErrorKind, ModelError, ModelSpec, PermissionSpec};
}

/// Not public API: used by code that `access-macros` generates. May change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::private::*;
}

/// Declares the access model. See `docs/model.md`.
///
/// Generates a unit struct implementing [`AccessModel`] (its tables computed at compile time),
/// the enums `Entitlement`, `EntityType`, `Role`, `Plan`, `Flag`, `Limit` and one
/// `<Entity>Role` per entity type, and a module `entitlement` with one
/// [`EntitlementMarker`] type per entitlement. A mistake in the model is a compile error.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, AccessModel, MemoryStore, Principal};
///
/// access_core::define_access! {
///     /// The application's access model.
///     pub Access;
///     roles: [admin, user],
///     default_role: user,
///     entity workspace { roles: [admin, member] }
///     entity project {
///         roles: [manager, viewer],
///         implies: { manager => viewer },
///         inherits: { workspace:admin => manager, workspace:member => viewer },
///     }
///     flags: [beta_ai],
///     entitlements {
///         "project:read"   on project => roles [viewer],
///         "project:delete" on project => roles [manager],
///         "ai:generate"    on project => roles [manager], flags [beta_ai],
///     }
///     plans {
///         free { group: main, features: ["project:delete"] }
///         pro  { group: main, features: ["project:delete", "ai:generate"],
///                limits: { ai: "ai:generate" per month max 100 } }
///     }
///     default_plan: free,
/// }
/// # fn main() {
///
/// assert_eq!(Access.data().entitlements.len(), 3);
/// assert_eq!(Entitlement::ProjectDelete.as_str(), "project:delete");
/// assert_eq!("pro".parse::<Plan>().unwrap(), Plan::Pro);
///
/// let store = MemoryStore::for_model(&Access);
/// let (ws, p1) = (resource::Workspace::id("ws1"), resource::Project::id("p1"));
/// store.ready().add_root(ws).unwrap();
/// store.ready().add_child(p1, ws).unwrap(); // a project goes under a workspace
/// store.ready().grant_role("wes", ws, WorkspaceRole::Member).unwrap();
///
/// let wes = AccessContext::new(&Access, &store, Principal::new("wes").tenant("acme"));
/// // workspace:member => project:viewer
/// assert!(wes.ready().can(entitlement::ProjectRead, "p1").unwrap());
/// assert!(!wes.ready().can(entitlement::ProjectDelete, p1).unwrap());
/// # }
/// ```
#[cfg(feature = "macros")]
#[macro_export]
macro_rules! define_access {
    ($($input:tt)*) => {
        $crate::__private::__define_access! { crate = $crate; $($input)* }
    };
}
