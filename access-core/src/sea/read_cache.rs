//! Reads remembered across requests by a [`SeaStore`](super::SeaStore) built
//! [`with_read_cache`](super::SeaStore::with_read_cache): each resource's ancestry with the
//! user's roles on it, and each tenant's flags and plans, so a warm request sends no statement
//! for them.
//!
//! Consistency: a write through the store (or a clone of it) drops every entry when it ends,
//! and a read that started before the write is not kept (entries carry the generation they were
//! read at). A write made in the caller's transaction (`create_resource_in`,
//! `remove_resource_in`) commits after the store's call returns, so no entry is kept for `ttl`
//! after it. Writes this process does not make (another instance, SQL by hand) are seen within
//! `ttl`, as are assignments whose validity window opens or closes.

use std::hash::Hash;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use crate::model::RoleSet;
use crate::store::{Ancestry, TenantPlans};

/// Most entries of each map; a full map is emptied before the next entry goes in.
const MAX_ENTRIES: usize = 100_000;

/// (user, entity type, resource id, whether ids were asked for).
pub(crate) type AncestryKey = (String, u16, String, bool);

type TenantState = (RoleSet, TenantPlans);

#[derive(Debug)]
struct Entry<V> {
    at: Instant,
    generation: u64,
    value: V,
}

#[derive(Debug)]
pub(crate) struct ReadCache {
    ttl: Duration,
    origin: Instant,
    generation: AtomicU64,
    /// Milliseconds after `origin` before which no entry is kept.
    hold_until: AtomicU64,
    ancestries: RwLock<FxHashMap<AncestryKey, Entry<Ancestry>>>,
    tenants: RwLock<FxHashMap<String, Entry<TenantState>>>,
}

impl ReadCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            origin: Instant::now(),
            generation: AtomicU64::new(0),
            hold_until: AtomicU64::new(0),
            ancestries: RwLock::default(),
            tenants: RwLock::default(),
        }
    }

    /// The generation a read starts at: pass it to `put_*` with what was read.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Drops every entry, and every read already under way.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut m) = self.ancestries.write() {
            m.clear();
        }
        if let Ok(mut m) = self.tenants.write() {
            m.clear();
        }
    }

    /// [`ReadCache::invalidate`], and keeps nothing for `ttl` (a write in the caller's
    /// transaction, committed later).
    pub(crate) fn invalidate_and_hold(&self) {
        let until = self.millis() + u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX) + 1;
        self.hold_until.fetch_max(until, Ordering::AcqRel);
        self.invalidate();
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn fresh<V>(&self, e: &Entry<V>) -> bool {
        e.generation == self.generation() && e.at.elapsed() < self.ttl
    }

    fn keeps(&self, generation: u64) -> bool {
        generation == self.generation() && self.millis() >= self.hold_until.load(Ordering::Acquire)
    }

    /// Fills `out` from the cache; `false` when it holds no fresh entry.
    pub(crate) fn ancestry(&self, key: &AncestryKey, out: &mut Ancestry) -> bool {
        let Ok(m) = self.ancestries.read() else {
            return false;
        };
        match m.get(key) {
            Some(e) if self.fresh(e) => {
                // What the caller asked for stays its own; the nodes come from the cache.
                let (at, compact) = (out.at, out.compact);
                out.clone_from(&e.value);
                out.at = at;
                out.compact = compact;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn put_ancestry(&self, key: AncestryKey, generation: u64, a: &Ancestry) {
        self.put(&self.ancestries, key, generation, a.clone());
    }

    pub(crate) fn tenant(&self, tenant: &str) -> Option<TenantState> {
        let m = self.tenants.read().ok()?;
        m.get(tenant)
            .filter(|e| self.fresh(e))
            .map(|e| e.value.clone())
    }

    pub(crate) fn put_tenant(&self, tenant: &str, generation: u64, v: &TenantState) {
        self.put(&self.tenants, tenant.to_owned(), generation, v.clone());
    }

    fn put<K: Eq + Hash, V>(
        &self,
        map: &RwLock<FxHashMap<K, Entry<V>>>,
        key: K,
        generation: u64,
        value: V,
    ) {
        if !self.keeps(generation) {
            return;
        }
        if let Ok(mut m) = map.write() {
            // Checked again under the lock: an invalidation may have come in between.
            if !self.keeps(generation) {
                return;
            }
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(
                key,
                Entry {
                    at: Instant::now(),
                    generation,
                    value,
                },
            );
        }
    }
}
