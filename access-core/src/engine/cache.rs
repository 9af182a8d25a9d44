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

    /// The ancestries of `resources`, one per resource in order, for the principal: from the
    /// cache for those it has, the others in one store call (each distinct resource once).
    pub(super) async fn fetch_ancestries(
        &self,
        resources: &[Resource<'_>],
        out: &mut Vec<Ancestry>,
    ) -> StoreResult<()> {
        let blank = || Ancestry {
            want_ids: self.cache.is_some(),
            at: self.now,
            ..Ancestry::default()
        };
        out.clear();
        out.resize_with(resources.len(), blank);
        // Which resources the store must be asked for: each distinct one the cache lacks.
        let mut missing: Vec<Resource<'_>> = Vec::new();
        let mut from: Vec<usize> = Vec::with_capacity(resources.len());
        {
            let cached = self.cache.as_ref().and_then(|c| c.ancestries.lock().ok());
            for (r, a) in resources.iter().zip(out.iter_mut()) {
                if let Some(list) = &cached
                    && let Some((_, hit)) =
                        list.iter().find(|(c, _)| c.ty == r.ty && &*c.id == r.id)
                {
                    a.clone_from(hit);
                    from.push(usize::MAX);
                    continue;
                }
                match missing.iter().position(|m| m == r) {
                    Some(i) => from.push(i),
                    None => {
                        from.push(missing.len());
                        missing.push(*r);
                    }
                }
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let mut fetched = Vec::new();
        fetched.resize_with(missing.len(), blank);
        self.stores
            .ancestries(&self.principal.id, &missing, &mut fetched)
            .await?;
        if fetched.len() < missing.len() {
            return Err(super::roles::bad_ancestry(
                "store returned fewer ancestries than resources",
            ));
        }
        for (a, &i) in out.iter_mut().zip(&from) {
            if let Some(f) = fetched.get(i) {
                a.clone_from(f);
            }
        }
        if let Some(c) = &self.cache
            && let Ok(mut list) = c.ancestries.lock()
        {
            for (r, a) in missing.iter().zip(fetched) {
                if list.len() >= CACHED_ANCESTRIES {
                    break;
                }
                list.push(((*r).to_owned(), a));
            }
        }
        Ok(())
    }

    /// The tenant's flags, from the cache when it has them (read with the plans, in one
    /// store call, when the context caches).
    pub(super) async fn cached_flags(&self, tenant: &str) -> StoreResult<RoleSet> {
        let Some(c) = &self.cache else {
            return self.stores.tenant_flags(tenant).await;
        };
        if let Ok(f) = c.flags.lock()
            && let Some(f) = *f
        {
            return Ok(f);
        }
        Ok(self.tenant_state(c, tenant).await?.0)
    }

    /// The tenant's plans, from the cache when it has them (read with the flags, in one store
    /// call, when the context caches).
    pub(super) async fn cached_plans(&self, tenant: &str) -> StoreResult<TenantPlans> {
        let Some(c) = &self.cache else {
            return self.stores.tenant_plans(tenant).await;
        };
        if let Ok(p) = c.plans.lock()
            && let Some(p) = p.as_ref()
        {
            return Ok(p.clone());
        }
        Ok(self.tenant_state(c, tenant).await?.1)
    }

    /// The tenant's flags and plans from the store, remembered in `c`.
    async fn tenant_state(
        &self,
        c: &RequestCache,
        tenant: &str,
    ) -> StoreResult<(RoleSet, TenantPlans)> {
        let (f, p) = self.stores.tenant_state(tenant).await?;
        if let Ok(mut slot) = c.flags.lock() {
            *slot = Some(f);
        }
        if let Ok(mut slot) = c.plans.lock() {
            *slot = Some(p.clone());
        }
        Ok((f, p))
    }
}
