//! The synchronous front (`.ready()`) exists only over stores whose calls never wait: a
//! database store is asked with `.await`.

use access_core::sea::SeaStore;
use access_core::{AccessContext, Resource};

access_core::define_access! {
    pub Access;
    entity project { roles: [viewer] }
    entitlements { "project:read" on project => roles [viewer] }
}

fn asks(ctx: &AccessContext<'_, Access, SeaStore>) {
    let p1 = Resource::new(EntityType::Project, "p1");
    let _ = ctx.ready().can(Entitlement::ProjectRead, p1);
}

fn main() {}
