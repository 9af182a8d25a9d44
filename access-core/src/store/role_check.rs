//! Run-time checks of untyped role writes: [`check_role`] and the stores' [`RoleCheck`].
//!
//! The typed writes (`grant_role` with an entity's role enum) cannot name a role of another
//! entity; the untyped ones (`assign(user, resource, index)`) take an index, so a store that knows
//! the model checks it here before writing.

use std::sync::Arc;

use super::error::{StoreError, StoreErrorKind, StoreResult};
use super::resource::Resource;
use crate::model::ModelData;

/// Role indices a [`crate::RoleSet`] can hold: custom roles take indices up to this bound.
const ROLE_CAPACITY: u16 = 64;

/// Checks an untyped role write against `model` (for dynamic models and code that holds role
/// indices): `role` must be a role of the resource's entity type. The error
/// ([`StoreErrorKind::InvalidRequest`]) names the valid roles.
///
/// # Errors
/// [`StoreErrorKind::InvalidRequest`] for an unknown entity type or a role index it lacks.
///
/// # Examples
/// ```
/// use access_core::{AccessModel, Resource, StoreErrorKind, check_role};
///
/// access_core::define_access! {
///     pub Drive;
///     entity org { roles: [owner, member] }
///     entity folder { roles: [editor, viewer] }
///     entitlements { "folder:read" on folder => roles [viewer] }
/// }
///
/// fn main() {
///     let f1 = Resource::new(EntityType::Folder, "f1");
///     assert!(check_role(Drive.data(), f1, FolderRole::Viewer.index()).is_ok());
///     let err = check_role(Drive.data(), f1, 7).unwrap_err();
///     assert_eq!(err.kind, StoreErrorKind::InvalidRequest);
///     assert_eq!(err.message, "role 7 is not a role of `folder`: its roles are 0 `editor`, 1 `viewer`");
/// }
/// ```
pub fn check_role(model: &ModelData, resource: Resource<'_>, role: u16) -> StoreResult<()> {
    let Some(entity) = model.entities.get(usize::from(resource.ty.0)) else {
        return Err(StoreError::new(
            StoreErrorKind::InvalidRequest,
            format!(
                "entity type {} is not in the model `{}`",
                resource.ty.0, model.name
            ),
        ));
    };
    if usize::from(role) < entity.roles.len() {
        return Ok(());
    }
    let valid: Vec<String> = entity
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{i} `{r}`"))
        .collect();
    let valid = if valid.is_empty() {
        "it has no roles".to_owned()
    } else {
        format!("its roles are {}", valid.join(", "))
    };
    Err(StoreError::new(
        StoreErrorKind::InvalidRequest,
        format!("role {role} is not a role of `{}`: {valid}", entity.name),
    ))
}

/// What a store checks untyped role writes against: nothing (a store made without a model), the
/// model's roles, or the model's roles and custom roles (indices past them, up to 63).
#[derive(Clone, Debug, Default)]
pub(crate) struct RoleCheck {
    model: Option<Arc<ModelData>>,
    custom_roles: bool,
}

impl RoleCheck {
    /// Checks against `model`'s roles.
    pub(crate) fn model(model: Arc<ModelData>) -> Self {
        Self {
            model: Some(model),
            custom_roles: false,
        }
    }

    /// Also lets indices past the model's roles through, for custom roles.
    pub(crate) fn with_custom_roles(self) -> Self {
        Self {
            custom_roles: true,
            ..self
        }
    }

    /// Whether `role` may be written on `resource`.
    pub(crate) fn check(&self, resource: Resource<'_>, role: u16) -> StoreResult<()> {
        if role >= ROLE_CAPACITY {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!(
                    "role index {role} out of range (at most {})",
                    ROLE_CAPACITY - 1
                ),
            ));
        }
        let Some(model) = &self.model else {
            return Ok(());
        };
        if self.custom_roles && usize::from(resource.ty.0) < model.entities.len() {
            return Ok(()); // an index past the model's roles is a custom role
        }
        check_role(model, resource, role)
    }
}
