//! A grant proves one entitlement: reading is not deleting.

use access_core::{AccessContext, Granted, MemoryStore, Principal, Resource};

access_core::define_access! {
    pub Access;
    entity project { roles: [manager, viewer] }
    entitlements {
        "project:read"   on project => roles [viewer],
        "project:delete" on project => roles [manager],
    }
}

fn delete_project(_proof: Granted<entitlement::ProjectDelete>) {}

async fn handler(ctx: AccessContext<'_, Access, MemoryStore>) {
    let read = ctx
        .authorize_as::<entitlement::ProjectRead>(Resource::new(EntityType::Project, "p1"))
        .await
        .unwrap();
    delete_project(read);
}

fn main() {
    let store = MemoryStore::new();
    let _ = handler(AccessContext::new(&Access, &store, Principal::new("u")));
}
