//! A context over one model does not take another model's entitlements, even where both
//! models' enums convert to an `EntitlementId`.

use access_core::{AccessContext, MemoryStore, Principal, Resource};

mod billing {
    access_core::define_access! {
        pub Billing;
        entity invoice { roles: [payer] }
        entitlements { "invoice:pay" on invoice => roles [payer] }
    }
}

access_core::define_access! {
    pub Access;
    entity project { roles: [viewer] }
    entitlements { "project:read" on project => roles [viewer] }
}

async fn asks(ctx: &AccessContext<'_, Access, MemoryStore>) {
    let p1 = Resource::new(EntityType::Project, "p1");
    let _ = ctx.can(billing::Entitlement::InvoicePay, p1).await;
}

fn main() {
    let store = MemoryStore::new();
    let _ = asks(&AccessContext::new(&Access, &store, Principal::new("u")));
}
