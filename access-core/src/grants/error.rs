//! A refused grant change: [`GrantError`] and its [`GrantErrorKind`].

use std::fmt;

/// What went wrong in a grant change.
///
/// # Examples
/// ```
/// use access_core::{GrantErrorKind, Grants};
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
/// let mut grants = Grants::new(&data);
/// let err = grants.create_role(&data, "project", "viewer", &[]).unwrap_err();
/// assert_eq!(err.kind, GrantErrorKind::Conflict); // a model role has that name
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
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
/// let err = Grants::new(&data).create_role(&data, "projct", "auditor", &[]).unwrap_err();
/// assert_eq!(err.kind, GrantErrorKind::Unknown);
/// assert_eq!(err.to_string(), "unknown entity `projct`, did you mean `project`?");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantError {
    /// What went wrong.
    pub kind: GrantErrorKind,
    /// For the administrator who made the change.
    pub message: String,
}

impl GrantError {
    pub(super) fn new(kind: GrantErrorKind, message: impl Into<String>) -> Self {
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
