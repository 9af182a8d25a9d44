//! `can_all`: many (entitlement, resource) pairs with batched store calls.

use access_model::EntitlementData;

use super::AccessContext;
use super::ask::Question;
use super::plans::{active_plans, limit_max, plan_includes};
use super::roles::{bad_ancestry, effective};
use crate::model::{AccessModel, LimitId, RoleSet};
use crate::store::{Resource, StoreError, StoreErrorKind, StoreResult, Stores, TenantPlans};
use crate::time::{self, Timestamp};

/// Most pairs one `can_all` call takes.
pub const MAX_BATCH: usize = 100;

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// [`AccessContext::can`] for up to [`MAX_BATCH`] pairs, with batched store calls: one
    /// ancestry fetch for all resources, one flag fetch, one plan fetch, and one usage read per
    /// distinct counter. A pair is a [`Question`]: `(Entitlement::ProjectRead, p1)`, or
    /// `(EntitlementId, Resource)` for code that holds ids (an id outside the model, or a
    /// resource of the wrong type, is `false`).
    ///
    /// # Errors
    /// More than [`MAX_BATCH`] pairs, or a store failure.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [manager, viewer] } entitlements { "project:read" on project => roles [viewer], "project:delete" on project => roles [manager] } } }
    /// # use model::*;
    /// use access_core::{AccessContext, Resource, StoreResult, Stores};
    ///
    /// // The buttons of a project page, in one round of store calls.
    /// async fn buttons(ctx: &AccessContext<'_, Access, impl Stores>, p1: Resource<'_>) -> StoreResult<Vec<bool>> {
    ///     ctx.can_all(&[(Entitlement::ProjectRead, p1), (Entitlement::ProjectDelete, p1)]).await
    /// }
    /// ```
    pub async fn can_all<'r, Q: Question<'r, M>>(&self, pairs: &[Q]) -> StoreResult<Vec<bool>> {
        if pairs.len() > MAX_BATCH {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!(
                    "can_all takes at most {MAX_BATCH} pairs, got {}",
                    pairs.len()
                ),
            ));
        }
        let p = &self.principal;
        if !p.active || p.superuser {
            return Ok(vec![p.active; pairs.len()]);
        }
        let data = self.model.data();
        let ents: Vec<Option<&EntitlementData>> = pairs
            .iter()
            .map(|q| {
                let (e, r) = q.parts();
                data.entitlements
                    .get(e.0 as usize)
                    .filter(|ent| ent.entity == r.ty.0)
            })
            .collect();
        let tenant = self.tenant();
        let need_flags = ents.iter().flatten().any(|e| !e.flags.is_empty());
        let flags = match (need_flags, tenant) {
            (true, Some(t)) => self.cached_flags(t).await?,
            _ => RoleSet::EMPTY,
        };
        // Only the pairs that can be allowed at all reach the store: a pair of the wrong type
        // is `false`, as `can` has it, not an error for the whole batch. Each resource once,
        // however many entitlements are asked of it (a page asks several per row, in a row).
        let mut slot = vec![usize::MAX; pairs.len()];
        let mut resources: Vec<Resource<'_>> = Vec::with_capacity(pairs.len());
        for (i, q) in pairs.iter().enumerate() {
            if ents[i].is_some() {
                let r = q.parts().1;
                slot[i] = match resources.last() {
                    Some(last) if *last == r => resources.len() - 1,
                    _ => match resources.iter().position(|x| *x == r) {
                        Some(at) => at,
                        None => {
                            resources.push(r);
                            resources.len() - 1
                        }
                    },
                };
            }
        }
        let mut ancestries = Vec::new();
        self.fetch_ancestries(&resources, &mut ancestries).await?;
        let need_plans = ents
            .iter()
            .flatten()
            .any(|e| e.plan_gated || !e.limits.is_empty());
        let now = self.now();
        let plans = match (need_plans, tenant) {
            (true, Some(t)) => self.cached_plans(t).await?,
            _ => TenantPlans::default(),
        };
        let active = if need_plans {
            active_plans(data, &plans, now)
        } else {
            Vec::new()
        };
        let mut used_cache: Vec<(u16, Timestamp, u64)> = Vec::new();
        let mut eff_buf = Vec::new();
        // The roles held on each resource, worked out once.
        let mut effs: Vec<Option<RoleSet>> = vec![None; resources.len()];
        let mut out = Vec::with_capacity(pairs.len());
        for (i, q) in pairs.iter().enumerate() {
            let Some(ent) = ents[i] else {
                out.push(false);
                continue;
            };
            let ei = q.parts().0.0 as usize;
            if !ent.flags.is_empty()
                && (tenant.is_none() || flags.intersection(ent.flags) != ent.flags)
            {
                out.push(false);
                continue;
            }
            let Some(a) = ancestries.get(slot[i]) else {
                return Err(bad_ancestry(
                    "store returned fewer ancestries than resources",
                ));
            };
            let held = match effs[slot[i]] {
                Some(held) => held,
                None => {
                    let held = effective(data, a, &mut eff_buf)?;
                    effs[slot[i]] = Some(held);
                    held
                }
            };
            if !held.intersects(self.granting(ei, ent)) {
                out.push(false);
                continue;
            }
            if ent.plan_gated && !active.iter().any(|a| plan_includes(data, a.plan, ei)) {
                out.push(false);
                continue;
            }
            let mut ok = true;
            for &l in ent.limits.iter() {
                let Some((Some(max), anchor)) = limit_max(data, &active, &plans.overrides, ei, l)
                else {
                    continue;
                };
                let Some(limit) = data.limits.get(l as usize) else {
                    continue;
                };
                let Some(t) = tenant else {
                    ok = false;
                    break;
                };
                let start = time::period_start(limit.period, anchor, now);
                let used = match used_cache
                    .iter()
                    .find(|(cl, cs, _)| *cl == l && *cs == start)
                {
                    Some((_, _, u)) => *u,
                    None => {
                        let u = self.stores.used(t, LimitId(l), start).await?;
                        used_cache.push((l, start, u));
                        u
                    }
                };
                if used >= max {
                    ok = false;
                    break;
                }
            }
            out.push(ok);
        }
        for (q, ok) in pairs.iter().zip(&out) {
            let (e, r) = q.parts();
            self.log(e, r, (!ok).then_some("denied"));
        }
        Ok(out)
    }
}
