//! Map keys for ids: a short id (up to 22 bytes, most of them) is held in the key itself, so a
//! lookup compares bytes already in the table's cache line instead of following a pointer.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Longest id held inline.
const INLINE: usize = 22;

/// An id as a map key: inline when short, shared otherwise. Hashes and compares as its bytes.
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

    /// The id's bytes (its UTF-8): maps are asked with `id.as_bytes()`, so a lookup neither
    /// validates nor copies.
    #[inline]
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Key::Inline(len, b) => &b[..*len as usize],
            Key::Shared(s) => s.as_bytes(),
        }
    }
}

impl Borrow<[u8]> for Key {
    #[inline]
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

impl Hash for Key {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes().hash(state);
    }
}

impl PartialEq for Key {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            // Fixed-size arrays, zero past the id: compared in a few words, no call.
            (Key::Inline(a, x), Key::Inline(b, y)) => a == b && x == y,
            _ => self.bytes() == other.bytes(),
        }
    }
}

impl Eq for Key {}
