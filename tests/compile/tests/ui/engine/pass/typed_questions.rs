//! Typed questions: an entitlement marker (`entitlement::DocRead`) and the resource id alone or
//! a typed resource of its entity type (`resource::Doc::id("d1")`), in every method that asks,
//! async and through the synchronous front; the by-value form stays for batches that mix
//! entitlements.

use access_core::{AccessContext, EntitlementMarker, Granted, MemoryStore, Principal, Question};
use access_core::{Resource, StoreResult};

access_core::define_access! {
    pub Access;
    entity folder { roles: [viewer] }
    entity doc { roles: [reader], inherits: { folder:viewer => reader } }
    entitlements {
        "folder:read" on folder => roles [viewer],
        "doc:read"    on doc    => roles [reader],
    }
}

/// Code generic over a marker asks with it as a value.
fn may<E: EntitlementMarker<Model = Access>>(
    ctx: &AccessContext<'_, Access, MemoryStore>,
    e: E,
    id: &str,
) -> StoreResult<bool> {
    ctx.ready().can(e, id)
}

/// A batch of any one form.
async fn all<'r, Q: Question<'r, Access>>(
    ctx: &AccessContext<'_, Access, MemoryStore>,
    batch: &[Q],
) -> StoreResult<Vec<bool>> {
    ctx.can_all(batch).await
}

async fn asks(ctx: &AccessContext<'_, Access, MemoryStore>) -> StoreResult<()> {
    let owned = String::from("d1");
    ctx.can(entitlement::DocRead, "d1").await?;
    ctx.can(entitlement::DocRead, &owned).await?;
    // A typed resource of the marker's entity type.
    ctx.can(entitlement::DocRead, resource::Doc::id("d1"))
        .await?;
    ctx.check(entitlement::FolderRead, resource::Folder::id("f1"))
        .await?;
    ctx.can_all(&[(entitlement::DocRead, resource::Doc::id("d1"))])
        .await?;
    ctx.check(entitlement::FolderRead, "f1").await?;
    let _ = ctx.authorize(entitlement::DocRead, "d1").await;
    let _ = ctx.can_and_consume(entitlement::DocRead, "d1").await?;
    ctx.can_all(&[(entitlement::DocRead, "d1"), (entitlement::DocRead, "d2")])
        .await?;
    all(ctx, &[(entitlement::FolderRead, "f1")]).await?;
    // Entitlements that differ: the enum with a `Resource`.
    ctx.can_all(&[
        (Entitlement::DocRead, Resource::new(EntityType::Doc, "d1")),
        (
            Entitlement::FolderRead,
            Resource::new(EntityType::Folder, "f1"),
        ),
    ])
    .await?;
    let _proof: Result<Granted<entitlement::DocRead>, _> = ctx
        .authorize_as::<entitlement::DocRead>(Resource::new(EntityType::Doc, "d1"))
        .await;
    Ok(())
}

pub fn main() -> StoreResult<()> {
    let store = MemoryStore::new();
    let ctx = AccessContext::new(&Access, &store, Principal::new("u"));
    let ready = ctx.ready();
    ready.can(entitlement::DocRead, "d1")?;
    ready.can(entitlement::DocRead, resource::Doc::id("d1"))?;
    ready.check(entitlement::DocRead, "d1")?;
    ready.can_all(&[(entitlement::FolderRead, "f1")])?;
    let _ = ready.can_and_consume(entitlement::DocRead, "d1")?;
    may(&ctx, entitlement::FolderRead, "f1")?;
    access_core::block_on_ready(asks(&ctx))
        .expect("the memory store answers at once")
        .expect("the memory store does not fail");
    Ok(())
}
