//! Dynamic mode: role → entitlement grants changed at run time, and tenant custom roles.
//!
//! In static mode the engine reads which roles grant an entitlement from the model's compiled
//! tables. In dynamic mode an [`AccessContext`](crate::AccessContext) carries a [`Grants`] value
//! (one per tenant, built from the model and the changes an administrator made) and reads the
//! same bitsets from it instead: the evaluation path is the same, only the table differs.
//!
//! Everything stays inside the model: an entitlement, entity type or role that the model does
//! not declare is refused with a [`GrantError`] naming the valid choices.
//!
//! Custom roles are extra roles of one entity type, with an index after the model's roles (a
//! [`RoleSet`] holds 64 roles per type). They grant the entitlements given to them on the
//! resource they are assigned on; they do not inherit down the hierarchy and do not take part
//! in `implies`. Their index means something only within the tenant that created it, so the
//! tenant of a request in dynamic mode must come from a source the user cannot pick freely (the
//! token, or the resource), see `docs/authorization.md`.
//!
//! | module | holds |
//! | --- | --- |
//! | `mod.rs` | [`Grants`]: the tables, built from the model, and what they grant |
//! | `names` | lookups: role names and indices, a role's entitlements, the "did you mean" errors |
//! | `change` | changes: grant, revoke, create, restore and delete custom roles |
//! | `custom_role` | [`CustomRole`], [`MAX_ROLES`] |
//! | `error` | [`GrantError`], [`GrantErrorKind`] |
//!
//! # Examples
//! ```
//! use access_core::{Grants, DynamicModel};
//! use access_core::model_builder::ModelBuilder;
//! let model = DynamicModel::build(
//!     ModelBuilder::new("Access")
//!         .entity("project", ["manager", "viewer"])
//!         .entitlement("project:read", "project", ["viewer"], [])
//!         .entitlement("project:delete", "project", ["manager"], [])
//!         .spec(),
//! ).unwrap();
//! let data = access_core::AccessModel::data(&model);
//! let mut grants = Grants::new(data);
//! grants.grant(data, "project:delete", "viewer").unwrap();
//! let auditor = grants.create_role(data, "project", "auditor", &["project:read"]).unwrap();
//! assert_eq!(auditor, 2);
//! let err = grants.grant(data, "project:delte", "viewer").unwrap_err();
//! assert_eq!(err.to_string(), "unknown entitlement `project:delte`, did you mean `project:delete`?");
//! ```

mod change;
mod custom_role;
mod error;
mod names;

use access_model::{ModelData, RoleSet};

use crate::model::EntitlementId;

pub use custom_role::{CustomRole, MAX_ROLES};
pub use error::{GrantError, GrantErrorKind};

/// The role → entitlement tables of one tenant in dynamic mode.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use access_core::{AccessContext, DynamicModel, Grants, MemoryStore, Principal, Resource};
/// use access_core::{AccessModel, ClosureStore, RoleStore};
/// use access_core::model_builder::ModelBuilder;
///
/// let model = DynamicModel::build(
///     ModelBuilder::new("Access")
///         .entity("project", ["manager", "viewer"])
///         .entitlement("project:read", "project", ["viewer"], [])
///         .entitlement("project:delete", "project", ["manager"], [])
///         .spec(),
/// )
/// .unwrap();
/// let project = model.entity_type("project").unwrap();
/// let delete = model.entitlement("project:delete").unwrap();
/// access_core::block_on_ready(async {
///     let store = MemoryStore::new();
///     let p1 = Resource::new(project, "p1");
///     store.add_resource(p1, &[]).await.unwrap();
///     store.assign("vic", p1, 1).await.unwrap(); // viewer
///
///     // This tenant's administrator lets viewers delete projects.
///     let mut grants = Grants::new(model.data());
///     grants.grant(model.data(), "project:delete", "viewer").unwrap();
///
///     let stat = AccessContext::new(&model, &store, Principal::new("vic"));
///     assert!(!stat.can(delete, p1).await.unwrap());
///     let dynamic = stat.with_grants(Arc::new(grants));
///     assert!(dynamic.can(delete, p1).await.unwrap());
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grants {
    /// Per entitlement: the roles it is given to (as the model's `roles`).
    listed: Vec<RoleSet>,
    /// Per entitlement: every role that grants it (`implies` folded in, custom roles added).
    granting: Vec<RoleSet>,
    custom: Vec<CustomRole>,
}

impl Grants {
    /// The model's own grants, no custom roles.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, Grants};
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:read", "project", ["viewer"], [])
    ///     .build()
    ///     .unwrap();
    /// let grants = Grants::new(&data);
    /// assert_eq!(grants.granting(EntitlementId(0)), Some(data.entitlements[0].granting));
    /// ```
    pub fn new(data: &ModelData) -> Self {
        Self {
            listed: data.entitlements.iter().map(|e| e.roles).collect(),
            granting: data.entitlements.iter().map(|e| e.granting).collect(),
            custom: Vec::new(),
        }
    }

    /// Every role that grants `entitlement` (`None` outside the model): the roles it is given
    /// to, the model roles that imply one of them, and custom roles given it.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, Grants, RoleSet};
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["manager", "viewer"])
    ///     .implies("project", "manager", "viewer")
    ///     .entitlement("project:read", "project", ["viewer"], [])
    ///     .build()
    ///     .unwrap();
    /// let grants = Grants::new(&data);
    /// assert_eq!(grants.granting(EntitlementId(0)), Some(RoleSet(0b11))); // viewer and manager
    /// assert_eq!(grants.granting(EntitlementId(9)), None);
    /// ```
    #[inline]
    pub fn granting(&self, entitlement: EntitlementId) -> Option<RoleSet> {
        self.granting.get(entitlement.0 as usize).copied()
    }

    /// The roles `entitlement` is given to directly.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, Grants, RoleSet};
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["manager", "viewer"])
    ///     .implies("project", "manager", "viewer")
    ///     .entitlement("project:read", "project", ["viewer"], [])
    ///     .build()
    ///     .unwrap();
    /// // Given to viewer only; manager grants it through `implies`.
    /// assert_eq!(Grants::new(&data).listed(EntitlementId(0)), Some(RoleSet::single(1)));
    /// ```
    pub fn listed(&self, entitlement: EntitlementId) -> Option<RoleSet> {
        self.listed.get(entitlement.0 as usize).copied()
    }

    /// The custom roles, deleted ones included.
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// let mut grants = Grants::new(&data);
    /// grants.create_role(&data, "project", "auditor", &[]).unwrap();
    /// grants.delete_role(&data, "project", "auditor").unwrap();
    /// assert!(grants.custom_roles()[0].deleted);
    /// ```
    pub fn custom_roles(&self) -> &[CustomRole] {
        &self.custom
    }

    /// Recomputes `granting` of entitlement `ei` from its listed roles.
    fn recompute(&mut self, data: &ModelData, ei: usize) {
        let ent = &data.entitlements[ei];
        let entity = &data.entities[ent.entity as usize];
        let listed = self.listed[ei];
        let mut granting = RoleSet::EMPTY;
        for (r, closure) in entity.implies.iter().enumerate() {
            if closure.intersects(listed) {
                granting.insert(r);
            }
        }
        // Custom roles grant only what they are given.
        let model_roles = entity.roles.len();
        for r in listed.iter().filter(|&r| r >= model_roles) {
            granting.insert(r);
        }
        self.granting[ei] = granting;
    }
}
