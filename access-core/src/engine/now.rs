//! `can` answered synchronously, for stores that answer without waiting
//! ([`AtOnce`](crate::store::AtOnce), the in-memory store): the same five layers as
//! `can_layers`, with no future per layer. Taken when the context has no request cache (whose
//! reads go through the async path).

use super::AccessContext;
use super::plans::charges_on;
use crate::model::{AccessModel, EntitlementId};
use crate::store::{AtOnce, Resource, StoreResult, Stores, TenantPlans};

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// The store's synchronous reads, when it has them and the context caches nothing.
    #[inline]
    pub(super) fn at_once(&self) -> Option<&dyn AtOnce> {
        if self.cache.is_some() {
            return None;
        }
        self.stores.at_once()
    }

    /// `can` without a future, when the store answers at once (`None`: it does not; ask the
    /// async `can`).
    #[inline]
    pub(crate) fn can_now(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> Option<StoreResult<bool>> {
        let store = self.at_once()?;
        Some(self.answer_now(store, entitlement, resource))
    }

    /// `can` on `store`'s synchronous reads, logged.
    #[inline]
    pub(super) fn answer_now(
        &self,
        store: &dyn AtOnce,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<bool> {
        let stopped = self.layers_now(store, entitlement, resource)?;
        self.log(entitlement, resource, stopped);
        Ok(stopped.is_none())
    }

    /// `can`'s layers on `store`'s synchronous reads: `None` when allowed, else the layer that
    /// stopped it (as `can_layers`).
    pub(super) fn layers_now(
        &self,
        store: &dyn AtOnce,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Option<&'static str>> {
        let (ei, ent) = match self.before_layers(entitlement, resource) {
            Ok(found) => found,
            Err(stopped) => return Ok(stopped),
        };
        let data = self.model.data();
        // 1. flags
        if !ent.flags.is_empty() {
            let Some(t) = self.tenant() else {
                return Ok(Some("flag_disabled"));
            };
            let on = store.tenant_flags_now(t)?;
            if on.intersection(ent.flags) != ent.flags {
                return Ok(Some("flag_disabled"));
            }
        }
        // 2 + 3. roles on the resource and through its ancestry
        let mut s = self.scratch_for_can();
        let fetched = store.ancestry_now(&self.principal.id, resource, &mut s.ancestry);
        if let Some(layer) = self.roles_layer(ei, ent, s, fetched)? {
            return Ok(Some(layer));
        }
        // 4 + 5. plan and wallet
        if !ent.plan_gated && ent.limits.is_empty() {
            return Ok(None);
        }
        let plans = match self.tenant() {
            Some(t) => store.tenant_plans_now(t)?,
            None => TenantPlans::default(),
        };
        let charges = match charges_on(data, ei, ent, &plans, self.now()) {
            Ok(charges) => charges,
            Err(layer) => return Ok(Some(layer)),
        };
        if charges.is_empty() {
            return Ok(None);
        }
        let Some(t) = self.tenant() else {
            return Ok(Some("tenant_required"));
        };
        for c in &charges {
            if store.used_now(t, c.limit, c.period_start)? >= c.max {
                return Ok(Some("limit_reached"));
            }
        }
        Ok(None)
    }
}
