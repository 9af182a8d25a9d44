//! Changes to a tenant's [`Grants`]: grant and revoke, create, restore and delete custom roles.
//! A refused change leaves the tables as they were.

use access_model::ModelData;

use super::Grants;
use super::custom_role::{CustomRole, MAX_ROLES};
use super::error::{GrantError, GrantErrorKind};
use crate::model::EntityTypeId;

impl Grants {
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
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["manager", "viewer"])
    ///     .entitlement("project:delete", "project", ["manager"], [])
    ///     .build()
    ///     .unwrap();
    /// let mut grants = Grants::new(&data);
    /// grants.grant(&data, "project:delete", "viewer").unwrap();
    /// assert!(grants.granting(EntitlementId(0)).unwrap().contains(1));
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
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:read", "project", ["viewer"], [])
    ///     .build()
    ///     .unwrap();
    /// let mut grants = Grants::new(&data);
    /// grants.revoke(&data, "project:read", "viewer").unwrap();
    /// assert!(grants.granting(EntitlementId(0)).unwrap().is_empty());
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
    /// returns its index. All or nothing: a refused creation leaves no role behind.
    ///
    /// # Errors
    /// An unknown entity or entitlement, an entitlement of another type, a name already taken,
    /// or no room left (64 roles per type, deleted custom roles included).
    ///
    /// # Examples
    /// ```
    /// use access_core::{EntitlementId, Grants};
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["manager", "viewer"])
    ///     .entitlement("project:read", "project", ["viewer"], [])
    ///     .build()
    ///     .unwrap();
    /// let mut grants = Grants::new(&data);
    /// let auditor = grants.create_role(&data, "project", "auditor", &["project:read"]).unwrap();
    /// assert_eq!(auditor, 2); // after the model's two project roles
    /// assert!(grants.granting(EntitlementId(0)).unwrap().contains(2));
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
    /// use access_core::Grants;
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// let mut grants = Grants::new(&data);
    /// // Load a tenant's custom roles as the store recorded them: entity 0, index 3.
    /// grants.restore_role(&data, 0, 3, "auditor", false).unwrap();
    /// assert_eq!(grants.role_index(&data, 0, "auditor"), Some(3));
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
    /// use access_core::Grants;
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// let mut grants = Grants::new(&data);
    /// let index = grants.create_role(&data, "project", "auditor", &[]).unwrap();
    /// assert_eq!(grants.delete_role(&data, "project", "auditor"), Ok(index));
    /// // A new role never reuses the index.
    /// assert_eq!(grants.create_role(&data, "project", "auditor", &[]), Ok(index + 1));
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
