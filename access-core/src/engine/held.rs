//! How a context holds its model and stores: borrowed, or shared through an [`Arc`].

use std::sync::Arc;

/// The model or the stores of an [`AccessContext`](crate::AccessContext): borrowed, or shared
/// through an [`Arc`].
pub(super) enum Held<'a, T> {
    Borrowed(&'a T),
    Shared(Arc<T>),
}

impl<T> Clone for Held<'_, T> {
    fn clone(&self) -> Self {
        match self {
            Self::Borrowed(t) => Self::Borrowed(t),
            Self::Shared(t) => Self::Shared(Arc::clone(t)),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Held<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T> std::ops::Deref for Held<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        match self {
            Self::Borrowed(t) => t,
            Self::Shared(t) => t,
        }
    }
}
