//! Which entity type is the model's tenant, and its roles (`tenant: organization { .. }`).

/// The tenant entity type of a model and its roles, by index (`tenant: organization { .. }`).
///
/// # Examples
/// ```
/// use access_model::ModelBuilder;
/// let data = ModelBuilder::new("Access")
///     .entity("organization", ["owner", "admin", "member"])
///     .tenant("organization", "owner", None::<&str>)
///     .build()
///     .unwrap();
/// let t = data.tenant.unwrap();
/// assert_eq!(&*data.entities[t.entity as usize].name, "organization");
/// assert_eq!(&*data.entities[t.entity as usize].roles[t.owner as usize], "owner");
/// assert_eq!(t.member, None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TenantData {
    /// The tenant entity type, an index into [`ModelData::entities`].
    pub entity: u16,
    /// The owner role, an index into that entity's roles.
    pub owner: u16,
    /// The role an invitation gives when it names none.
    pub member: Option<u16>,
}
