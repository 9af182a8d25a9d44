//! Map keys for ids: a short id (up to 22 bytes, most of them) is held in the key itself, so a
//! lookup compares bytes already in the table's cache line instead of following a pointer.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Longest id held inline.
const INLINE: usize = 22;

/// An id as a map key: inline when short, shared otherwise. Hashes and compares as its `str`.
#[derive(Clone, Debug)]
pub(super) enum Key {
    Inline(u8, [u8; INLINE]),
    Shared(Arc<str>),
}

impl Key {
    pub(super) fn new(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut b = [0u8; INLINE];
            b[..s.len()].copy_from_slice(s.as_bytes());
            Key::Inline(s.len() as u8, b)
        } else {
            Key::Shared(Arc::from(s))
        }
    }

    pub(super) fn as_str(&self) -> &str {
        match self {
            // Always valid: the bytes were copied whole from a `str`.
            Key::Inline(len, b) => std::str::from_utf8(&b[..*len as usize]).unwrap_or_default(),
            Key::Shared(s) => s,
        }
    }
}

impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Key {}
