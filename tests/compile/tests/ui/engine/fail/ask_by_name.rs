//! The engine asks with the model's `Entitlement` enum or an `EntitlementId`, not a name.

use access_core::{AccessContext, MemoryStore, Principal, Resource};

access_core::define_access! {
    pub Access;
    entity project { roles: [viewer] }
    entitlements { "project:read" on project => roles [viewer] }
}

async fn asks(ctx: &AccessContext<'_, Access, MemoryStore>) {
    let p1 = Resource::new(EntityType::Project, "p1");
    let _ = ctx.can("project:read", p1).await;
}

fn main() {
    let store = MemoryStore::new();
    let _ = asks(&AccessContext::new(&Access, &store, Principal::new("u")));
}
