//! Memory of `MemoryStore` (the maintained ancestor chains included) against Cedar's entities
//! (with their transitive closure), measured with a counting allocator: bytes live after building
//! minus bytes live before.
//!
//! - the `compare` world: 10,000 resources (organization → workspace → project), 3,000
//!   assignments, in `MemoryStore` and in Cedar;
//! - nested folders: 64 chains of 64 folders under one organization (one parent each);
//! - a ladder: 32 ladders 64 levels deep, two folders a level, each under both of the level above.
//!
//! Run: `cargo bench -p access-core --bench memory`. Results: docs/performance.md.
#![allow(missing_docs)]

#[path = "support/cedar.rs"]
mod cedar;
#[path = "support/static_model.rs"]
mod static_model;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use access_core::{AccessModel, EntityTypeId, MemoryStore, Resource};
use cedar::{Res, Rng};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counter is only arithmetic on the sizes and never touches memory.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received (the caller upholds `alloc`'s contract).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received (`ptr` came from this allocator with `layout`).
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes `make` leaves live (what it returns, kept until measured).
fn measure<T>(make: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let t = make();
    let after = LIVE.load(Ordering::Relaxed);
    (t, after.saturating_sub(before))
}

fn compare_world() -> (Vec<Res>, Vec<(String, usize, u16)>) {
    let mut resources = Vec::new();
    for o in 0..100 {
        let oi = resources.len();
        resources.push(Res {
            ty: 0,
            id: format!("o{o}"),
            parents: vec![],
        });
        for w in 0..9 {
            let wi = resources.len();
            resources.push(Res {
                ty: 1,
                id: format!("o{o}w{w}"),
                parents: vec![oi],
            });
            for p in 0..10 {
                resources.push(Res {
                    ty: 2,
                    id: format!("o{o}w{w}p{p}"),
                    parents: vec![wi],
                });
            }
        }
    }
    let mut rng = Rng(42);
    let roles = [5, 6, 9];
    let assignments = (0..3_000)
        .map(|i| {
            let x = rng.below(resources.len());
            (
                format!("u{}", i / 3),
                x,
                rng.below(roles[resources[x].ty as usize]) as u16,
            )
        })
        .collect();
    (resources, assignments)
}

/// Folders `levels` deep under one organization, `sides` a level, `count` times.
fn folders(count: usize, levels: usize, sides: usize) -> (Vec<Res>, usize) {
    let mut resources = vec![Res {
        ty: 0,
        id: "org".into(),
        parents: vec![],
    }];
    let mut edges = 0;
    for c in 0..count {
        let mut above = vec![0];
        for l in 0..levels {
            let start = resources.len();
            for s in 0..sides {
                edges += above.len();
                resources.push(Res {
                    ty: 1,
                    id: format!("c{c}l{l}s{s}"),
                    parents: above.clone(),
                });
            }
            above = (start..start + sides).collect();
        }
    }
    (resources, edges)
}

fn store_of(resources: &[Res]) -> MemoryStore {
    let store = MemoryStore::new();
    for x in resources {
        let parents: Vec<Resource<'_>> = x
            .parents
            .iter()
            .map(|&p| Resource::new(EntityTypeId(resources[p].ty), &resources[p].id))
            .collect();
        store
            .ready()
            .add_resource(Resource::new(EntityTypeId(x.ty), &x.id), &parents)
            .expect("parents first");
    }
    store
}

fn main() {
    let data = static_model::StaticBench.data();
    let (resources, assignments) = compare_world();
    let (store, bytes) = measure(|| cedar::memory_store(&resources, &assignments));
    let n = resources.len();
    println!(
        "compare world, MemoryStore: {bytes} bytes, {} bytes a resource (3,000 assignments included)",
        bytes / n
    );
    drop(store);
    let (entities, cedar_bytes) = measure(|| cedar::entities(data, &resources, &assignments));
    println!(
        "compare world, Cedar entities: {cedar_bytes} bytes, {} bytes a resource ({:.0}x MemoryStore)",
        cedar_bytes / n,
        cedar_bytes as f64 / bytes as f64
    );
    drop(entities);
    for (name, count, levels, sides) in [("one parent", 64, 64, 1), ("two parents", 32, 64, 2)] {
        let (resources, edges) = folders(count, levels, sides);
        let (store, bytes) = measure(|| store_of(&resources));
        println!(
            "folders 64 deep, {name}: {} resources, {edges} edges, {bytes} bytes: {} bytes a resource, {} bytes an edge",
            resources.len(),
            bytes / resources.len(),
            bytes / edges.max(1)
        );
        drop(store);
    }
}
