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
mod private;
pub mod schema;
#[cfg(feature = "sea-orm")]
pub mod sea;
pub mod store;
pub mod time;

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
pub use engine::{AccessContext, Consumption, MAX_BATCH, Principal};
pub use granted::{EntitlementMarker, Granted};
pub use grants::{CustomRole, GrantError, GrantErrorKind, Grants};
pub use memory::MemoryStore;
pub use model::{
    AccessModel, DefaultPermission, DynamicModel, EdgeData, EntitlementData, EntitlementId,
    EntityData, EntityTypeId, FlagId, FlagSet, LimitData, LimitId, ModelData, ModelEnum, Period,
    Permission, PlanData, PlanId, PlanLimit, RoleSet, UnknownName,
};
pub use schema::{Action, Denial, FieldDenial, PermissionCtx, Schema};
pub use store::{
    Ancestry, Charge, ClosureStore, FlagStore, Resource, ResourceRef, RoleStore, StoreError,
    StoreErrorKind, StoreResult, Stores, Subscription, SubscriptionStore, TenantPlans, WalletStore,
    WithWallet,
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
#[cfg(feature = "macros")]
#[macro_export]
macro_rules! define_access {
    ($($input:tt)*) => {
        $crate::__private::__define_access! { crate = $crate; $($input)* }
    };
}
