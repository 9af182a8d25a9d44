//! `can` against the depth of the hierarchy: a document under an organization and a chain of
//! folders, 1, 4, 16 and 64 ancestors deep, each folder with one parent (a chain) or with two (a
//! ladder: folder `k` under folders `k-1` of both sides). The model is compiled by
//! `define_access!`. The user holds `member` on the organization, carried down every folder to
//! `reader` on the document (allowed); a second user holds nothing (denied). Each iteration asks
//! both (so the figure is two `can`s), with user ids prepared as `Arc<str>` as a server has them.
//!
//! Run: `cargo bench -p access-core --bench depth`. Results: docs/performance.md.
#![allow(missing_docs)] // the model the macro makes

use std::hint::black_box;
use std::sync::Arc;

use access_core::{
    AccessContext, MemoryStore, Principal, Resource, TypedClosure, TypedRoles, block_on_ready,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

access_core::define_access! {
    pub Drive;
    entity org { roles: [owner, member] }
    entity folder {
        roles: [editor, viewer],
        implies: { editor => viewer },
        inherits: { org:owner => editor, org:member => viewer, folder:editor => editor, folder:viewer => viewer },
    }
    entity doc { roles: [writer, reader], implies: { writer => reader },
                 inherits: { folder:editor => writer, folder:viewer => reader, org:member => reader } }
    entitlements {
        "doc:read" on doc => roles [reader],
    }
}

/// A store with the org, `depth - 1` levels of folders (`sides` folders a level, each under every
/// folder of the level above) and the document at the bottom: `depth` ancestors above the document
/// along each path.
fn world(depth: usize, sides: usize) -> MemoryStore {
    let store = MemoryStore::for_model(&Drive);
    let s = store.ready();
    let org = resource::Org::id("acme");
    block_on_ready(store.add_root(org))
        .expect("ready")
        .expect("root");
    let mut above: Vec<String> = Vec::new();
    for level in 1..depth {
        let mut this = Vec::new();
        for side in 0..sides {
            let id = format!("f{level}-{side}");
            let parents: Vec<Resource<'_>> = if above.is_empty() {
                vec![org.resource()]
            } else {
                above
                    .iter()
                    .map(|p| Resource::new(EntityType::Folder, p))
                    .collect()
            };
            s.add_resource(Resource::new(EntityType::Folder, &id), &parents)
                .expect("folder");
            this.push(id);
        }
        above = this;
    }
    let parents: Vec<Resource<'_>> = if above.is_empty() {
        vec![org.resource()]
    } else {
        above
            .iter()
            .map(|p| Resource::new(EntityType::Folder, p))
            .collect()
    };
    s.add_resource(Resource::new(EntityType::Doc, "d"), &parents)
        .expect("doc");
    block_on_ready(store.grant_role("ann", org, OrgRole::Member))
        .expect("ready")
        .expect("grant");
    store
}

fn bench(c: &mut Criterion) {
    for (name, sides) in [("one_parent", 1), ("two_parents", 2)] {
        let mut g = c.benchmark_group(format!("depth/{name}"));
        for depth in [1usize, 4, 16, 64] {
            let store = world(depth, sides);
            let doc = Resource::new(EntityType::Doc, "d");
            let (ann, bob): (Arc<str>, Arc<str>) = (Arc::from("ann"), Arc::from("bob"));
            let ask = |user: &Arc<str>| {
                let ctx = AccessContext::new(&Drive, &store, Principal::new(Arc::clone(user)));
                block_on_ready(ctx.can(Entitlement::DocRead, doc))
                    .expect("ready")
                    .expect("store")
            };
            assert!(ask(&ann), "member on the org reads the document");
            assert!(!ask(&bob), "no role, no access");
            g.bench_with_input(BenchmarkId::from_parameter(depth), &depth, |b, _| {
                b.iter(|| black_box(ask(black_box(&ann))) & !black_box(ask(black_box(&bob))))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
