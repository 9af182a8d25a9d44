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

use std::fmt;

use access_model::{ModelData, RoleSet, unknown_message};

use crate::model::{EntitlementId, EntityTypeId};

/// Most roles (model roles and custom roles together) one entity type can have.
pub const MAX_ROLES: usize = 64;

/// A tenant custom role.
///
/// # Examples
/// ```
/// use access_core::{CustomRole, EntityTypeId, Grants};
/// # use access_core::model_builder::ModelBuilder;
/// # let data = ModelBuilder::new("Access")
/// #     .entity("org", ["owner"])
/// #     .entity("project", ["manager", "viewer"])
/// #     .implies("project", "manager", "viewer")
/// #     .entitlement("org:billing", "org", ["owner"], [])
/// #     .entitlement("project:read", "project", ["viewer"], [])
/// #     .entitlement("project:delete", "project", ["manager"], [])
/// #     .build()
/// #     .unwrap();
/// # let data = &data;
/// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
/// let mut grants = Grants::new(data);
/// grants.create_role(data, "project", "auditor", &["project:read"]).unwrap();
/// assert_eq!(
///     grants.custom_roles(),
///     [CustomRole { entity: EntityTypeId(1), index: 2, name: "auditor".into(), deleted: false }]
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRole {
    /// Its entity type.
    pub entity: EntityTypeId,
    /// Its index among the type's roles (after the model's roles).
    pub index: u16,
    /// Its name, unique among the type's roles.
    pub name: String,
    /// Deleted roles keep their index so that assignments left in a store never come back to
    /// life as another role.
    pub deleted: bool,
}

/// What went wrong in a grant change.
///
/// # Examples
/// ```
/// use access_core::{GrantErrorKind, Grants};
/// # use access_core::model_builder::ModelBuilder;
/// # let data = ModelBuilder::new("Access")
/// #     .entity("org", ["owner"])
/// #     .entity("project", ["manager", "viewer"])
/// #     .implies("project", "manager", "viewer")
/// #     .entitlement("org:billing", "org", ["owner"], [])
/// #     .entitlement("project:read", "project", ["viewer"], [])
/// #     .entitlement("project:delete", "project", ["manager"], [])
/// #     .build()
/// #     .unwrap();
/// # let data = &data;
/// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
/// let mut grants = Grants::new(data);
/// let kind = |r: Result<u16, access_core::GrantError>| r.unwrap_err().kind;
/// assert_eq!(kind(grants.create_role(data, "projct", "auditor", &[])), GrantErrorKind::Unknown);
/// assert_eq!(kind(grants.create_role(data, "project", "bad name", &[])), GrantErrorKind::Invalid);
/// assert_eq!(kind(grants.create_role(data, "project", "viewer", &[])), GrantErrorKind::Conflict);
/// for i in 2..64 {
///     grants.create_role(data, "project", &format!("r{i}"), &[]).unwrap();
/// }
/// assert_eq!(kind(grants.create_role(data, "project", "one_more", &[])), GrantErrorKind::Full);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantErrorKind {
    /// A name the model (or the tenant's custom roles) does not declare.
    Unknown,
    /// A name that is valid but does not fit (an entitlement of another entity type, ..).
    Invalid,
    /// A custom role with that name exists already.
    Conflict,
    /// The entity type has no room for another role.
    Full,
}

/// A refused grant change; the message names what is valid.
///
/// # Examples
/// ```
/// use access_core::{GrantErrorKind, Grants};
/// # use access_core::model_builder::ModelBuilder;
/// # let data = ModelBuilder::new("Access")
/// #     .entity("org", ["owner"])
/// #     .entity("project", ["manager", "viewer"])
/// #     .implies("project", "manager", "viewer")
/// #     .entitlement("org:billing", "org", ["owner"], [])
/// #     .entitlement("project:read", "project", ["viewer"], [])
/// #     .entitlement("project:delete", "project", ["manager"], [])
/// #     .build()
/// #     .unwrap();
/// # let data = &data;
/// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
/// let mut grants = Grants::new(data);
/// let err = grants.grant(data, "project:delete", "viewr").unwrap_err();
/// assert_eq!(err.kind, GrantErrorKind::Unknown);
/// assert_eq!(err.message, "unknown role `viewr` of `project`, did you mean `viewer`?");
/// assert_eq!(err.to_string(), err.message);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantError {
    /// What went wrong.
    pub kind: GrantErrorKind,
    /// For the administrator who made the change.
    pub message: String,
}

impl GrantError {
    fn new(kind: GrantErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for GrantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for GrantError {}

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
/// # access_core::block_on_ready(async {
/// let store = MemoryStore::new();
/// let p1 = Resource::new(project, "p1");
/// store.add_resource(p1, &[]).await.unwrap();
/// store.assign("vic", p1, 1).await.unwrap(); // viewer
///
/// // This tenant's administrator lets viewers delete projects.
/// let mut grants = Grants::new(model.data());
/// grants.grant(model.data(), "project:delete", "viewer").unwrap();
///
/// let stat = AccessContext::new(&model, &store, Principal::new("vic"));
/// assert!(!stat.can(delete, p1).await.unwrap());
/// let dynamic = stat.with_grants(Arc::new(grants));
/// assert!(dynamic.can(delete, p1).await.unwrap());
/// # }).unwrap();
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
    /// use access_core::{EntitlementId, Grants, RoleSet};
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let grants = Grants::new(data);
    /// // The model's tables: project:read is granted by viewer and by manager (which implies it).
    /// let read = EntitlementId(data.entitlement_index("project:read").unwrap());
    /// assert_eq!(grants.granting(read), Some(data.entitlements[read.0 as usize].granting));
    /// assert_eq!(grants.granting(read), Some(RoleSet(0b11)));
    /// assert!(grants.custom_roles().is_empty());
    /// ```
    pub fn new(data: &ModelData) -> Self {
        Self {
            listed: data.entitlements.iter().map(|e| e.roles).collect(),
            granting: data.entitlements.iter().map(|e| e.granting).collect(),
            custom: Vec::new(),
        }
    }

    /// Every role that grants `entitlement` (`None` outside the model).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, Grants, RoleSet};
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// let delete = EntitlementId(2);
    /// assert_eq!(grants.granting(delete), Some(RoleSet::single(0))); // manager
    /// grants.grant(data, "project:delete", "viewer").unwrap();
    /// assert_eq!(grants.granting(delete), Some(RoleSet(0b11))); // and viewer
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
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let grants = Grants::new(data);
    /// let read = EntitlementId(1);
    /// // Given to viewer; manager grants it too, through `implies`.
    /// assert_eq!(grants.listed(read), Some(RoleSet::single(1)));
    /// assert_eq!(grants.granting(read), Some(RoleSet(0b11)));
    /// ```
    pub fn listed(&self, entitlement: EntitlementId) -> Option<RoleSet> {
        self.listed.get(entitlement.0 as usize).copied()
    }

    /// The custom roles, deleted ones included.
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// grants.create_role(data, "project", "auditor", &[]).unwrap();
    /// grants.create_role(data, "project", "billing", &[]).unwrap();
    /// grants.delete_role(data, "project", "auditor").unwrap();
    /// let roles: Vec<(&str, bool)> =
    ///     grants.custom_roles().iter().map(|c| (c.name.as_str(), c.deleted)).collect();
    /// assert_eq!(roles, [("auditor", true), ("billing", false)]);
    /// ```
    pub fn custom_roles(&self) -> &[CustomRole] {
        &self.custom
    }

    /// The name of role `index` of entity type `entity` (a model role or a live custom role).
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// grants.create_role(data, "project", "auditor", &[]).unwrap();
    /// assert_eq!(grants.role_name(data, 1, 0), Some("manager"));
    /// assert_eq!(grants.role_name(data, 1, 2), Some("auditor"));
    /// grants.delete_role(data, "project", "auditor").unwrap();
    /// assert_eq!(grants.role_name(data, 1, 2), None);
    /// ```
    pub fn role_name<'a>(
        &'a self,
        data: &'a ModelData,
        entity: u16,
        index: usize,
    ) -> Option<&'a str> {
        let e = data.entities.get(entity as usize)?;
        if let Some(r) = e.roles.get(index) {
            return Some(r);
        }
        self.custom
            .iter()
            .find(|c| c.entity.0 == entity && c.index as usize == index && !c.deleted)
            .map(|c| c.name.as_str())
    }

    /// The index of the role named `role` of entity type `entity` (model or live custom role).
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// grants.create_role(data, "project", "auditor", &[]).unwrap();
    /// assert_eq!(grants.role_index(data, 1, "viewer"), Some(1));
    /// assert_eq!(grants.role_index(data, 1, "auditor"), Some(2));
    /// assert_eq!(grants.role_index(data, 0, "auditor"), None); // not an org role
    /// ```
    pub fn role_index(&self, data: &ModelData, entity: u16, role: &str) -> Option<u16> {
        data.role_index(entity, role).or_else(|| {
            self.custom
                .iter()
                .find(|c| c.entity.0 == entity && c.name == role && !c.deleted)
                .map(|c| c.index)
        })
    }

    /// The names of the roles in `set` on `entity`, model roles first.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, Grants, RoleSet};
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// grants.create_role(data, "project", "auditor", &["project:read"]).unwrap();
    /// let read = grants.granting(EntitlementId(1)).unwrap();
    /// assert_eq!(grants.role_names(data, 1, read), ["manager", "viewer", "auditor"]);
    /// assert!(grants.role_names(data, 1, RoleSet::EMPTY).is_empty());
    /// ```
    pub fn role_names(&self, data: &ModelData, entity: u16, set: RoleSet) -> Vec<String> {
        set.iter()
            .filter_map(|r| self.role_name(data, entity, r).map(str::to_owned))
            .collect()
    }

    /// The entitlements role `role` of `entity` is given directly.
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// assert_eq!(grants.entitlements_of(data, 1, 1), ["project:read"]); // viewer
    /// grants.grant(data, "project:delete", "viewer").unwrap();
    /// assert_eq!(grants.entitlements_of(data, 1, 1), ["project:read", "project:delete"]);
    /// // Only what is given directly: manager gets project:read through `implies`.
    /// assert_eq!(grants.entitlements_of(data, 1, 0), ["project:delete"]);
    /// ```
    pub fn entitlements_of(&self, data: &ModelData, entity: u16, role: usize) -> Vec<String> {
        data.entitlements
            .iter()
            .zip(&self.listed)
            .filter(|(e, l)| e.entity == entity && l.contains(role))
            .map(|(e, _)| e.name.to_string())
            .collect()
    }

    fn entitlement(data: &ModelData, name: &str) -> Result<u16, GrantError> {
        data.entitlement_index(name).ok_or_else(|| {
            GrantError::new(
                GrantErrorKind::Unknown,
                unknown_message(
                    "entitlement",
                    name,
                    "",
                    data.entitlements.iter().map(|e| &*e.name),
                ),
            )
        })
    }

    /// The index of entity type `name`, or the error naming the valid ones.
    ///
    /// # Errors
    /// An unknown entity type.
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// assert_eq!(Grants::entity(data, "project"), Ok(1));
    /// let err = Grants::entity(data, "projct").unwrap_err();
    /// assert_eq!(err.message, "unknown entity `projct`, did you mean `project`?");
    /// ```
    pub fn entity(data: &ModelData, name: &str) -> Result<u16, GrantError> {
        data.entity_index(name).ok_or_else(|| {
            GrantError::new(
                GrantErrorKind::Unknown,
                unknown_message("entity", name, "", data.entities.iter().map(|e| &*e.name)),
            )
        })
    }

    /// The index of role `role` of `entity` (model or live custom role), or the error naming
    /// the valid ones.
    ///
    /// # Errors
    /// An unknown role.
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let grants = Grants::new(data);
    /// assert_eq!(grants.role(data, 1, "viewer"), Ok(1));
    /// let err = grants.role(data, 1, "owner").unwrap_err();
    /// assert_eq!(
    ///     err.message,
    ///     "unknown role `owner` of `project`, expected one of `manager`, `viewer`"
    /// );
    /// ```
    pub fn role(&self, data: &ModelData, entity: u16, role: &str) -> Result<u16, GrantError> {
        let Some(e) = data.entities.get(entity as usize) else {
            return Err(GrantError::new(
                GrantErrorKind::Unknown,
                format!("entity type #{entity} is not in the model"),
            ));
        };
        self.role_index(data, entity, role).ok_or_else(|| {
            let names: Vec<&str> = e
                .roles
                .iter()
                .map(|r| &**r)
                .chain(
                    self.custom
                        .iter()
                        .filter(|c| c.entity.0 == entity && !c.deleted)
                        .map(|c| c.name.as_str()),
                )
                .collect();
            GrantError::new(
                GrantErrorKind::Unknown,
                unknown_message("role", role, &format!(" of `{}`", e.name), names),
            )
        })
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

    fn set(
        &mut self,
        data: &ModelData,
        entitlement: &str,
        role: &str,
        on: bool,
    ) -> Result<(), GrantError> {
        let ei = Self::entitlement(data, entitlement)? as usize;
        let entity = data.entitlements[ei].entity;
        let r = self.role(data, entity, role)? as usize;
        let l = &mut self.listed[ei];
        if on {
            l.insert(r);
        } else {
            l.0 &= !(1u64 << r);
        }
        self.recompute(data, ei);
        Ok(())
    }

    /// Gives `entitlement` to `role` (a role of the entitlement's entity type, from the model or
    /// a custom role). Granting what is already granted changes nothing.
    ///
    /// # Errors
    /// An unknown entitlement or role (with the valid names).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, Grants};
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// grants.grant(data, "project:delete", "viewer").unwrap();
    /// assert!(grants.granting(EntitlementId(2)).unwrap().contains(1));
    /// // Again: no change.
    /// let before = grants.clone();
    /// grants.grant(data, "project:delete", "viewer").unwrap();
    /// assert_eq!(grants, before);
    /// // An entitlement is given to roles of its own entity type only.
    /// assert!(grants.grant(data, "org:billing", "viewer").is_err());
    /// ```
    pub fn grant(
        &mut self,
        data: &ModelData,
        entitlement: &str,
        role: &str,
    ) -> Result<(), GrantError> {
        self.set(data, entitlement, role, true)
    }

    /// Takes `entitlement` from `role`. A role that implies another role that still has the
    /// entitlement keeps it through `implies`: see [`Grants::granting`].
    ///
    /// # Errors
    /// An unknown entitlement or role (with the valid names).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, Grants};
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// let read = EntitlementId(1);
    /// grants.grant(data, "project:read", "manager").unwrap();
    /// grants.revoke(data, "project:read", "manager").unwrap();
    /// // manager implies viewer, which still has it.
    /// assert!(grants.granting(read).unwrap().contains(0));
    /// grants.revoke(data, "project:read", "viewer").unwrap();
    /// assert!(grants.granting(read).unwrap().is_empty());
    /// ```
    pub fn revoke(
        &mut self,
        data: &ModelData,
        entitlement: &str,
        role: &str,
    ) -> Result<(), GrantError> {
        self.set(data, entitlement, role, false)
    }

    /// Creates custom role `name` on `entity` with `entitlements` (all of that entity type) and
    /// returns its index.
    ///
    /// # Errors
    /// An unknown entity or entitlement, an entitlement of another type, a name already taken,
    /// or no room left (64 roles per type, deleted custom roles included).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, GrantErrorKind, Grants};
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// let auditor = grants.create_role(data, "project", "auditor", &["project:read"]).unwrap();
    /// assert_eq!(auditor, 2); // after the model's two project roles
    /// assert!(grants.granting(EntitlementId(1)).unwrap().contains(2));
    ///
    /// // All or nothing: an entitlement of another type refuses the whole role.
    /// let err = grants
    ///     .create_role(data, "project", "billing", &["project:read", "org:billing"])
    ///     .unwrap_err();
    /// assert_eq!(err.kind, GrantErrorKind::Invalid);
    /// assert_eq!(grants.role_index(data, 1, "billing"), None);
    /// ```
    pub fn create_role(
        &mut self,
        data: &ModelData,
        entity: &str,
        name: &str,
        entitlements: &[&str],
    ) -> Result<u16, GrantError> {
        let ty = Self::entity(data, entity)?;
        // After every index in use on this type, deleted ones included: indices are never
        // reused (a stale assignment must not come back as another role), and restored roles
        // may have left gaps.
        let next = self
            .custom
            .iter()
            .filter(|c| c.entity.0 == ty)
            .map(|c| usize::from(c.index) + 1)
            .fold(data.entities[ty as usize].roles.len(), usize::max);
        self.restore_role(data, ty, next as u16, name, false)?;
        let index = next as u16;
        for e in entitlements {
            let ei = Self::entitlement(data, e);
            let res = ei.and_then(|ei| {
                let ent = &data.entitlements[ei as usize];
                if ent.entity == ty {
                    Ok(ei)
                } else {
                    Err(GrantError::new(
                        GrantErrorKind::Invalid,
                        format!(
                            "`{e}` is checked on a `{}`, and role `{name}` is a `{entity}` role",
                            data.entities[ent.entity as usize].name
                        ),
                    ))
                }
            });
            match res {
                Ok(ei) => {
                    self.listed[ei as usize].insert(index as usize);
                    self.recompute(data, ei as usize);
                }
                Err(err) => {
                    // Nothing of a refused creation stays.
                    self.custom.pop();
                    for ei in 0..self.listed.len() {
                        if self.listed[ei].contains(index as usize) {
                            self.listed[ei].0 &= !(1u64 << index);
                            self.recompute(data, ei);
                        }
                    }
                    return Err(err);
                }
            }
        }
        Ok(index)
    }

    /// Puts back a custom role as a store recorded it (index included). Used when loading a
    /// tenant's grants; [`Grants::create_role`] is the way to make a new one.
    ///
    /// # Errors
    /// A name taken, an index that is a model role or taken, or past the last index.
    ///
    /// # Examples
    /// ```
    /// use access_core::{GrantErrorKind, Grants};
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// // Load a tenant's custom roles as the store recorded them.
    /// let mut grants = Grants::new(data);
    /// grants.restore_role(data, 1, 2, "auditor", true).unwrap(); // deleted
    /// grants.restore_role(data, 1, 3, "auditor", false).unwrap();
    /// assert_eq!(grants.role_index(data, 1, "auditor"), Some(3));
    /// grants.grant(data, "project:read", "auditor").unwrap();
    ///
    /// // Taken indices are refused: model roles and restored ones.
    /// let err = grants.restore_role(data, 1, 0, "lead", false).unwrap_err();
    /// assert_eq!(err.kind, GrantErrorKind::Invalid);
    /// assert!(grants.restore_role(data, 1, 3, "lead", false).is_err());
    /// ```
    pub fn restore_role(
        &mut self,
        data: &ModelData,
        entity: u16,
        index: u16,
        name: &str,
        deleted: bool,
    ) -> Result<(), GrantError> {
        let Some(e) = data.entities.get(entity as usize) else {
            return Err(GrantError::new(
                GrantErrorKind::Unknown,
                format!("unknown entity #{entity}"),
            ));
        };
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(GrantError::new(
                GrantErrorKind::Invalid,
                format!(
                    "invalid role name `{name}`: use 1 to 64 ASCII letters, digits, `_` or `-`"
                ),
            ));
        }
        if !deleted && self.role_index(data, entity, name).is_some() {
            return Err(GrantError::new(
                GrantErrorKind::Conflict,
                format!("`{}` has a role named `{name}` already", e.name),
            ));
        }
        if (index as usize) < e.roles.len()
            || self
                .custom
                .iter()
                .any(|c| c.entity.0 == entity && c.index == index)
        {
            return Err(GrantError::new(
                GrantErrorKind::Invalid,
                format!("role index {index} of `{}` is taken", e.name),
            ));
        }
        if index as usize >= MAX_ROLES {
            return Err(GrantError::new(
                GrantErrorKind::Full,
                format!(
                    "`{}` has no room for another role ({MAX_ROLES} roles per entity type, deleted custom roles included)",
                    e.name
                ),
            ));
        }
        self.custom.push(CustomRole {
            entity: EntityTypeId(entity),
            index,
            name: name.to_owned(),
            deleted,
        });
        Ok(())
    }

    /// Deletes custom role `name` of `entity`: it grants nothing from now on, and its index is
    /// never given to another role. Returns its index.
    ///
    /// # Errors
    /// An unknown entity or custom role; model roles cannot be deleted.
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, GrantErrorKind, Grants};
    /// # use access_core::model_builder::ModelBuilder;
    /// # let data = ModelBuilder::new("Access")
    /// #     .entity("org", ["owner"])
    /// #     .entity("project", ["manager", "viewer"])
    /// #     .implies("project", "manager", "viewer")
    /// #     .entitlement("org:billing", "org", ["owner"], [])
    /// #     .entitlement("project:read", "project", ["viewer"], [])
    /// #     .entitlement("project:delete", "project", ["manager"], [])
    /// #     .build()
    /// #     .unwrap();
    /// # let data = &data;
    /// // Entity types: org (0), project (1) with roles manager (0) ⇒ viewer (1).
    /// let mut grants = Grants::new(data);
    /// let index = grants.create_role(data, "project", "auditor", &["project:read"]).unwrap();
    /// assert_eq!(grants.delete_role(data, "project", "auditor"), Ok(index));
    /// assert!(!grants.granting(EntitlementId(1)).unwrap().contains(index as usize));
    /// // A new role never reuses the index.
    /// assert_eq!(grants.create_role(data, "project", "auditor", &[]), Ok(index + 1));
    /// // Model roles stay.
    /// let err = grants.delete_role(data, "project", "viewer").unwrap_err();
    /// assert_eq!(err.kind, GrantErrorKind::Invalid);
    /// ```
    pub fn delete_role(
        &mut self,
        data: &ModelData,
        entity: &str,
        name: &str,
    ) -> Result<u16, GrantError> {
        let ty = Self::entity(data, entity)?;
        if data.role_index(ty, name).is_some() {
            return Err(GrantError::new(
                GrantErrorKind::Invalid,
                format!("`{name}` is a role of the model; only custom roles can be deleted"),
            ));
        }
        let index = self.role(data, ty, name)?;
        for c in &mut self.custom {
            if c.entity.0 == ty && c.index == index {
                c.deleted = true;
            }
        }
        for ei in 0..self.listed.len() {
            if self.listed[ei].contains(index as usize) {
                self.listed[ei].0 &= !(1u64 << index);
                self.recompute(data, ei);
            }
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use access_model::builder::ModelBuilder;

    fn data() -> ModelData {
        ModelBuilder::new("Access")
            .entity("org", ["owner"])
            .entity("project", ["manager", "editor", "viewer"])
            .implies("project", "manager", "editor")
            .implies("project", "editor", "viewer")
            .inherits("project", "org", "owner", "manager")
            .entitlement("org:billing", "org", ["owner"], [])
            .entitlement("project:read", "project", ["viewer"], [])
            .entitlement("project:edit", "project", ["editor"], [])
            .entitlement("project:delete", "project", ["manager"], [])
            .build()
            .unwrap()
    }

    #[test]
    fn new_roles_go_after_restored_gaps_and_bad_entities_are_errors() {
        let d = data();
        let mut g = Grants::new(&d);
        // project has 3 model roles (0..=2); the store recorded custom roles at 3 and 5.
        g.restore_role(&d, 1, 3, "auditor", false).unwrap();
        g.restore_role(&d, 1, 5, "intern", true).unwrap();
        assert_eq!(g.create_role(&d, "project", "lead", &[]).unwrap(), 6);
        assert_eq!(
            g.role(&d, 9, "owner").unwrap_err().kind,
            GrantErrorKind::Unknown
        );
    }

    fn names(g: &Grants, d: &ModelData, e: &str) -> Vec<String> {
        let ei = d.entitlement_index(e).unwrap();
        g.role_names(
            d,
            d.entitlements[ei as usize].entity,
            g.granting(EntitlementId(ei)).unwrap(),
        )
    }

    #[test]
    fn starts_from_the_model_and_follows_implies() {
        let d = data();
        let mut g = Grants::new(&d);
        assert_eq!(names(&g, &d, "project:delete"), ["manager"]);
        g.grant(&d, "project:delete", "editor").unwrap();
        assert_eq!(names(&g, &d, "project:delete"), ["manager", "editor"]);
        g.revoke(&d, "project:delete", "manager").unwrap();
        // The manager implies the editor, who has it.
        assert_eq!(names(&g, &d, "project:delete"), ["manager", "editor"]);
        g.revoke(&d, "project:delete", "editor").unwrap();
        assert!(names(&g, &d, "project:delete").is_empty());
    }

    #[test]
    fn custom_roles_get_fresh_indices_that_are_never_reused() {
        let d = data();
        let mut g = Grants::new(&d);
        let a = g
            .create_role(&d, "project", "auditor", &["project:read"])
            .unwrap();
        assert_eq!(a, 3);
        assert_eq!(
            names(&g, &d, "project:read"),
            ["manager", "editor", "viewer", "auditor"]
        );
        assert_eq!(g.delete_role(&d, "project", "auditor").unwrap(), 3);
        assert_eq!(
            names(&g, &d, "project:read"),
            ["manager", "editor", "viewer"]
        );
        let b = g.create_role(&d, "project", "auditor", &[]).unwrap();
        assert_eq!(b, 4);
        g.grant(&d, "project:edit", "auditor").unwrap();
        assert!(g.granting(EntitlementId(2)).unwrap().contains(4));
        assert!(!g.granting(EntitlementId(2)).unwrap().contains(3));
    }

    #[test]
    fn refuses_what_the_model_does_not_declare() {
        let d = data();
        let mut g = Grants::new(&d);
        let before = g.clone();
        let e = g.grant(&d, "project:delete", "mananger").unwrap_err();
        assert_eq!(e.kind, GrantErrorKind::Unknown);
        assert_eq!(
            e.message,
            "unknown role `mananger` of `project`, did you mean `manager`?"
        );
        let e = g.create_role(&d, "projcet", "x", &[]).unwrap_err();
        assert_eq!(
            e.message,
            "unknown entity `projcet`, did you mean `project`?"
        );
        let e = g
            .create_role(&d, "project", "x", &["project:read", "org:billing"])
            .unwrap_err();
        assert_eq!(e.kind, GrantErrorKind::Invalid);
        assert_eq!(g, before, "a refused change leaves nothing behind");
        let e = g.create_role(&d, "project", "viewer", &[]).unwrap_err();
        assert_eq!(e.kind, GrantErrorKind::Conflict);
        let e = g.create_role(&d, "project", "bad name", &[]).unwrap_err();
        assert_eq!(e.kind, GrantErrorKind::Invalid);
        let e = g.delete_role(&d, "project", "viewer").unwrap_err();
        assert_eq!(e.kind, GrantErrorKind::Invalid);
        assert_eq!(g, before);
    }

    #[test]
    fn a_type_holds_64_roles() {
        let d = data();
        let mut g = Grants::new(&d);
        for i in 3..64 {
            g.create_role(&d, "project", &format!("r{i}"), &[]).unwrap();
        }
        let e = g.create_role(&d, "project", "one_more", &[]).unwrap_err();
        assert_eq!(e.kind, GrantErrorKind::Full);
        g.delete_role(&d, "project", "r5").unwrap();
        assert_eq!(
            g.create_role(&d, "project", "again", &[]).unwrap_err().kind,
            GrantErrorKind::Full
        );
    }
}
