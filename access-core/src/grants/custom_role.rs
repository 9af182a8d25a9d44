//! Tenant custom roles: [`CustomRole`] and the room an entity type has for them.

use crate::model::EntityTypeId;

/// Most roles (model roles and custom roles together) one entity type can have.
pub const MAX_ROLES: usize = 64;

/// A tenant custom role.
///
/// # Examples
/// ```
/// use access_core::{CustomRole, EntityTypeId, Grants};
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access").entity("project", ["manager", "viewer"]).build().unwrap();
/// let mut grants = Grants::new(&data);
/// grants.create_role(&data, "project", "auditor", &[]).unwrap();
/// let auditor = CustomRole { entity: EntityTypeId(0), index: 2, name: "auditor".into(), deleted: false };
/// assert_eq!(grants.custom_roles(), [auditor]);
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
