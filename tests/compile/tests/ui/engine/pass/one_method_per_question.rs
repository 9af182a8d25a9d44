//! One method per question: the model's enum, an `EntitlementId`, and pairs of either.

use access_core::{AccessContext, AccessModel, EntitlementId, MemoryStore, Principal, Resource};
use access_core::{StoreResult, Stores};

access_core::define_access! {
    pub Access;
    entity project { roles: [manager, viewer], implies: { manager => viewer } }
    entitlements {
        "project:read"   on project => roles [viewer],
        "project:delete" on project => roles [manager],
    }
}

/// Code generic over the model asks with ids, or with the model's own enum type.
async fn generic<M: AccessModel, S: Stores>(
    ctx: &AccessContext<'_, M, S>,
    id: EntitlementId,
    own: M::Entitlement,
    resource: Resource<'_>,
) -> StoreResult<bool> {
    let by_id = ctx.can(id, resource).await?;
    let by_enum = ctx.check(own, resource).await?.allowed;
    let both = ctx.can_all(&[(own, resource)]).await?;
    Ok(by_id && by_enum && both == [true])
}

async fn asks(ctx: &AccessContext<'_, Access, MemoryStore>) -> StoreResult<()> {
    let p1 = Resource::new(EntityType::Project, "p1");
    let read = EntitlementId::from(Entitlement::ProjectRead);
    ctx.can(Entitlement::ProjectRead, p1).await?;
    ctx.can(read, p1).await?;
    ctx.check(read, p1).await?;
    let _ = ctx.authorize(read, p1).await;
    ctx.can_all(&[
        (Entitlement::ProjectRead, p1),
        (Entitlement::ProjectDelete, p1),
    ])
    .await?;
    #[allow(clippy::useless_vec)] // a `&Vec` is asked as well as a slice
    let questions = vec![(read, p1)];
    ctx.can_all(&questions).await?;
    let _ = ctx.can_and_consume(read, p1).await?;
    generic(ctx, read, Entitlement::ProjectRead, p1).await?;
    Ok(())
}

pub fn main() {
    let store = MemoryStore::new();
    let ctx = AccessContext::new(&Access, &store, Principal::new("u"));
    access_core::block_on_ready(asks(&ctx))
        .expect("the memory store answers at once")
        .expect("the memory store does not fail");
}
