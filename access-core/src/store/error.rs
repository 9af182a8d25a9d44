//! What a store call can fail with.

use std::fmt;

/// What can go wrong in a store.
///
/// # Examples
/// ```
/// use access_core::{ClosureStore, EntityTypeId, MemoryStore, Resource, StoreErrorKind};
///
/// let store = MemoryStore::new();
/// let ws = Resource::new(EntityTypeId(1), "ws-1");
/// let missing = Resource::new(EntityTypeId(0), "nope");
/// let err = access_core::block_on_ready(store.add_resource(ws, &[missing])).unwrap();
/// assert_eq!(err.unwrap_err().kind, StoreErrorKind::NotFound);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The change would make a resource its own ancestor.
    Cycle,
    /// A resource named in a change does not exist.
    NotFound,
    /// The store returned an ancestry that is not in topological order, or too large.
    InvalidAncestry,
    /// The backend failed (database error, ..).
    Backend,
    /// The request is malformed (too many pairs for `can_all`, ..).
    InvalidRequest,
    /// The resource to create exists already (`SeaStore::create_resource_in`).
    AlreadyExists,
    /// The backend is busy (contention outlasting the store's waits) or unreachable (no
    /// connection): worth another attempt later. access-axum answers 503 with `Retry-After`.
    Unavailable,
}

/// A store failure. Its message is for logs; do not send it to clients.
///
/// # Examples
/// ```
/// use access_core::{StoreError, StoreErrorKind};
///
/// let err = StoreError::new(StoreErrorKind::Backend, "connection reset");
/// assert_eq!(err.to_string(), "store error (Backend): connection reset");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    /// What went wrong.
    pub kind: StoreErrorKind,
    /// Details for logs.
    pub message: String,
}

impl StoreError {
    /// An error of `kind` with a message for logs.
    ///
    /// # Examples
    /// ```
    /// use access_core::{StoreError, StoreErrorKind};
    ///
    /// let err = StoreError::new(StoreErrorKind::Cycle, format!("{} under {}", "a", "b"));
    /// assert_eq!((err.kind, err.message.as_str()), (StoreErrorKind::Cycle, "a under b"));
    /// ```
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store error ({:?}): {}", self.kind, self.message)
    }
}

impl std::error::Error for StoreError {}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;
