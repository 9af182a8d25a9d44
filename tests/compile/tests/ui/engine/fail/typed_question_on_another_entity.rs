//! A typed resource carries its entity type: an entitlement marker declared on `doc` does not
//! take a folder.

use access_core::{AccessContext, MemoryStore, Principal};

access_core::define_access! {
    pub Access;
    entity folder { roles: [viewer] }
    entity doc { roles: [reader], inherits: { folder:viewer => reader } }
    entitlements { "doc:read" on doc => roles [reader] }
}

fn main() {
    let store = MemoryStore::new();
    let ctx = AccessContext::new(&Access, &store, Principal::new("u"));
    let _ = ctx.ready().can(entitlement::DocRead, resource::Folder::id("f1"));
}
