//! An entitlement marker names its entity type: it takes the resource id alone, so a
//! `Resource` (here of another entity type) cannot be passed with it.

use access_core::{AccessContext, MemoryStore, Principal, Resource};

access_core::define_access! {
    pub Access;
    entity folder { roles: [viewer] }
    entity doc { roles: [reader], inherits: { folder:viewer => reader } }
    entitlements { "doc:read" on doc => roles [reader] }
}

fn main() {
    let store = MemoryStore::new();
    let ctx = AccessContext::new(&Access, &store, Principal::new("u"));
    let f1 = Resource::new(EntityType::Folder, "f1");
    let _ = ctx.ready().can(entitlement::DocRead, f1);
}
