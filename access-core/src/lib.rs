//! Declarative access control: a compile-time checked model and a five-layer engine.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod model;
mod private;

pub use model::{
    AccessModel, DynamicModel, EntitlementId, EntityTypeId, FlagId, LimitId, ModelEnum, PlanId,
    UnknownName,
};

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
