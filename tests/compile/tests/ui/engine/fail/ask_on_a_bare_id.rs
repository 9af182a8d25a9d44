//! A question is an entitlement and a `Resource`: a bare id names no entity type.

use access_core::{AccessContext, MemoryStore, Principal};

access_core::define_access! {
    pub Access;
    entity project { roles: [viewer] }
    entitlements { "project:read" on project => roles [viewer] }
}

async fn asks(ctx: &AccessContext<'_, Access, MemoryStore>) {
    let _ = ctx.can(Entitlement::ProjectRead, "p1").await;
}

fn main() {
    let store = MemoryStore::new();
    let _ = asks(&AccessContext::new(&Access, &store, Principal::new("u")));
}
