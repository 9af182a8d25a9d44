//! Yes/no answers read from the database and reused for a while: accounts' `active` flags and
//! tenant memberships ([`Authz::active_ttl`](crate::authz::Authz::active_ttl)), live sessions
//! ([`AuthState::with_session_check`](crate::AuthState::with_session_check)).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Most answers remembered at once (the cache is emptied when full).
const MAX_ENTRIES: usize = 100_000;

/// A yes/no answer per key, each with the time it was read.
pub(crate) struct TtlCache<K>(RwLock<HashMap<K, (Instant, bool)>>);

impl<K> Default for TtlCache<K> {
    fn default() -> Self {
        Self(RwLock::default())
    }
}

impl<K: Hash + Eq> TtlCache<K> {
    /// The answer for `key` when it was read less than `ttl` ago.
    pub(crate) fn get(&self, key: &K, ttl: Duration) -> Option<bool> {
        let cache = self.0.read().ok()?;
        let (at, v) = cache.get(key)?;
        (at.elapsed() < ttl).then_some(*v)
    }

    /// Remembers `v` for `key` (not at all when `ttl` is zero).
    pub(crate) fn put(&self, key: K, v: bool, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        if let Ok(mut cache) = self.0.write() {
            if cache.len() >= MAX_ENTRIES {
                cache.clear();
            }
            cache.insert(key, (Instant::now(), v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_expire_and_a_zero_ttl_remembers_nothing() {
        let c = TtlCache::default();
        c.put(1, true, Duration::ZERO);
        assert_eq!(c.get(&1, Duration::from_secs(60)), None);
        c.put(1, false, Duration::from_secs(60));
        assert_eq!(c.get(&1, Duration::from_secs(60)), Some(false));
        assert_eq!(c.get(&1, Duration::ZERO), None, "older than the ttl");
    }
}
