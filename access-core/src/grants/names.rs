//! Lookups on a tenant's [`Grants`]: role names and indices (model and custom roles), a role's
//! entitlements, and the errors that name the valid choices.

use access_model::{ModelData, RoleSet, unknown_message};

use super::Grants;
use super::error::{GrantError, GrantErrorKind};

impl Grants {
    /// The name of role `index` of entity type `entity` (a model role or a live custom role).
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// let mut grants = Grants::new(&data);
    /// grants.create_role(&data, "project", "auditor", &[]).unwrap();
    /// assert_eq!(grants.role_name(&data, 0, 0), Some("viewer"));
    /// assert_eq!(grants.role_name(&data, 0, 1), Some("auditor"));
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
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// let mut grants = Grants::new(&data);
    /// grants.create_role(&data, "project", "auditor", &[]).unwrap();
    /// assert_eq!(grants.role_index(&data, 0, "viewer"), Some(0));
    /// assert_eq!(grants.role_index(&data, 0, "auditor"), Some(1));
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
    /// use access_core::{Grants, RoleSet};
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// let mut grants = Grants::new(&data);
    /// grants.create_role(&data, "project", "auditor", &[]).unwrap();
    /// assert_eq!(grants.role_names(&data, 0, RoleSet(0b11)), ["viewer", "auditor"]);
    /// ```
    pub fn role_names(&self, data: &ModelData, entity: u16, set: RoleSet) -> Vec<String> {
        set.iter()
            .filter_map(|r| self.role_name(data, entity, r).map(str::to_owned))
            .collect()
    }

    /// The entitlements role `role` of `entity` is given directly (not through `implies`).
    ///
    /// # Examples
    /// ```
    /// use access_core::Grants;
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:read", "project", ["viewer"], [])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(Grants::new(&data).entitlements_of(&data, 0, 0), ["project:read"]);
    /// ```
    pub fn entitlements_of(&self, data: &ModelData, entity: u16, role: usize) -> Vec<String> {
        data.entitlements
            .iter()
            .zip(&self.listed)
            .filter(|(e, l)| e.entity == entity && l.contains(role))
            .map(|(e, _)| e.name.to_string())
            .collect()
    }

    /// The index of entitlement `name`, or the error naming the valid ones.
    pub(super) fn entitlement(data: &ModelData, name: &str) -> Result<u16, GrantError> {
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
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// assert_eq!(Grants::entity(&data, "project"), Ok(0));
    /// let err = Grants::entity(&data, "projct").unwrap_err();
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
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["manager", "viewer"]).build().unwrap();
    /// let grants = Grants::new(&data);
    /// assert_eq!(grants.role(&data, 0, "viewer"), Ok(1));
    /// let err = grants.role(&data, 0, "owner").unwrap_err();
    /// assert_eq!(err.message, "unknown role `owner` of `project`, expected one of `manager`, `viewer`");
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
}
