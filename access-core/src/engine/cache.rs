//! The request cache: store reads remembered for the life of one context.

use std::sync::{Arc, Mutex};

use super::AccessContext;
use crate::model::{AccessModel, RoleSet};
use crate::store::{Ancestry, Resource, ResourceRef, StoreResult, Stores, TenantPlans};

/// Most ancestries one context remembers.
const CACHED_ANCESTRIES: usize = 256;

/// Store reads remembered for the life of one context (one request): ancestries, the tenant's
/// flags and plans. Usage counters are never cached (they must be exact).
#[derive(Debug, Default)]
pub(super) struct RequestCache {
    ancestries: Mutex<Vec<(ResourceRef, Ancestry)>>,
    flags: Mutex<Option<RoleSet>>,
    plans: Mutex<Option<TenantPlans>>,
}

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// Remembers store reads (ancestries, the tenant's flags and plans) for the life of this
    /// context and its clones, so repeated checks in one request read the database once. Usage
    /// counters are always read fresh. For database stores; the in-memory store gains nothing.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
    /// # use model::Access;
    /// use access_core::{AccessContext, MemoryStore, Principal};
    ///
    /// let store = MemoryStore::new();
    /// // One context per request: repeated checks read ancestries, flags and plans once.
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("ada")).with_cache();
    /// let for_the_menu = ctx.clone(); // clones share the cache
    /// ```
    #[must_use]
    pub fn with_cache(mut self) -> Self {
        self.cache = Some(Arc::default());
        self
    }

    /// The ancestry of `resource` for the principal, from the cache when it has it.
    pub(super) async fn fetch_ancestry(
        &self,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        let Some(c) = &self.cache else {
            return self
                .stores
                .ancestry(&self.principal.id, resource, out)
                .await;
        };
        if let Ok(list) = c.ancestries.lock()
            && let Some((_, a)) = list
                .iter()
                .find(|(r, _)| r.ty == resource.ty && &*r.id == resource.id)
        {
            out.clone_from(a);
            return Ok(());
        }
        out.want_ids = true;
        self.stores
            .ancestry(&self.principal.id, resource, out)
            .await?;
        if let Ok(mut list) = c.ancestries.lock()
            && list.len() < CACHED_ANCESTRIES
        {
            list.push((resource.to_owned(), out.clone()));
        }
        Ok(())
    }

    /// The tenant's flags, from the cache when it has them.
    pub(super) async fn cached_flags(&self, tenant: &str) -> StoreResult<RoleSet> {
        if let Some(c) = &self.cache
            && let Ok(f) = c.flags.lock()
            && let Some(f) = *f
        {
            return Ok(f);
        }
        let f = self.stores.tenant_flags(tenant).await?;
        if let Some(c) = &self.cache
            && let Ok(mut slot) = c.flags.lock()
        {
            *slot = Some(f);
        }
        Ok(f)
    }

    /// The tenant's plans, from the cache when it has them.
    pub(super) async fn cached_plans(&self, tenant: &str) -> StoreResult<TenantPlans> {
        if let Some(c) = &self.cache
            && let Ok(p) = c.plans.lock()
            && let Some(p) = p.as_ref()
        {
            return Ok(p.clone());
        }
        let p = self.stores.tenant_plans(tenant).await?;
        if let Some(c) = &self.cache
            && let Ok(mut slot) = c.plans.lock()
        {
            *slot = Some(p.clone());
        }
        Ok(p)
    }
}
