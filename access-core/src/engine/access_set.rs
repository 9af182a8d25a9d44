//! `access_set`: every entitlement of the model as the principal may use it somewhere in the
//! tenant (the [`AccessSet`] a UI or a token claim carries).

use super::AccessContext;
use super::plans::{active_plans, limit_max, plan_includes};
use super::roles::{carry, closure};
use crate::access_set::{AccessSet, AccessState};
use crate::model::EntityTypeId;
use crate::model::{AccessModel, LimitId, RoleSet};
use crate::store::{Resource, StoreResult, Stores};
use crate::time;

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// Every entitlement of the model, as the principal may use it somewhere in the tenant:
    /// allowed if some resource the user holds a role on (or one below it in the hierarchy)
    /// would grant it and the tenant's flags, plans and limits allow it. When the model names
    /// its tenant type (`tenant: organization { .. }`), only roles held on the tenant's resource
    /// or below it count. For UI hints; the
    /// server re-checks each request.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, StoreResult, Stores};
    ///
    /// // The claim of an access token: compact, decoded with the entitlement names alone.
    /// async fn claim<M: AccessModel, S: Stores>(ctx: &AccessContext<'_, M, S>) -> StoreResult<String> {
    ///     let set = ctx.access_set().await?;
    ///     if set.can("project:read") { /* show the projects menu */ }
    ///     Ok(set.encode())
    /// }
    /// ```
    pub async fn access_set(&self) -> StoreResult<AccessSet> {
        let data = self.model.data();
        let p = &self.principal;
        let n = data.entitlements.len();
        if !p.active {
            return Ok(AccessSet::new(data, vec![AccessState::RoleRequired; n]));
        }
        if p.superuser {
            return Ok(AccessSet::new(data, vec![AccessState::Allowed; n]));
        }
        // Roles the user could hold on some resource of each type: in the tenant only, when the
        // model names its tenant type (a role in another organization grants nothing here).
        let held = match (data.tenant, self.tenant()) {
            (Some(t), Some(tenant)) => {
                let within = Resource::new(EntityTypeId(t.entity), tenant);
                self.stores
                    .assignments_within(&p.id, within, self.now)
                    .await?
            }
            _ => self.stores.assignments(&p.id).await?,
        };
        let mut possible = vec![RoleSet::EMPTY; data.entities.len()];
        for (r, roles) in held {
            if let Some(e) = data.entities.get(r.ty.0 as usize) {
                possible[r.ty.0 as usize] = possible[r.ty.0 as usize].union(closure(e, roles));
            }
        }
        // Carry them down the type graph until nothing changes (monotone, so it terminates).
        for _ in 0..=data.entities.len() {
            let mut changed = false;
            for edge in data.edges.iter() {
                let add = carry(edge, possible[edge.parent as usize]);
                let c = &mut possible[edge.child as usize];
                if !add.is_empty() && c.union(add) != *c {
                    *c = c.union(add);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let tenant = self.tenant();
        let flags = match tenant {
            Some(t) => self.cached_flags(t).await?,
            None => RoleSet::EMPTY,
        };
        let plans = self.plans_or_default().await?;
        let now = self.now();
        let active = active_plans(data, &plans, now);
        let mut states = Vec::with_capacity(n);
        for (ei, ent) in data.entitlements.iter().enumerate() {
            let state = if !possible
                .get(ent.entity as usize)
                .is_some_and(|r| r.intersects(self.granting(ei, ent)))
            {
                AccessState::RoleRequired
            } else if !ent.flags.is_empty() && flags.intersection(ent.flags) != ent.flags {
                AccessState::FlagDisabled
            } else if ent.plan_gated && !active.iter().any(|a| plan_includes(data, a.plan, ei)) {
                AccessState::PlanRequired
            } else {
                let mut state = AccessState::Allowed;
                for &l in ent.limits.iter() {
                    let Some((Some(max), anchor)) =
                        limit_max(data, &active, &plans.overrides, ei, l)
                    else {
                        continue;
                    };
                    let Some(limit) = data.limits.get(l as usize) else {
                        continue;
                    };
                    let used = match tenant {
                        Some(t) => {
                            let start = time::period_start(limit.period, anchor, now);
                            self.stores.used(t, LimitId(l), start).await?
                        }
                        None => u64::MAX,
                    };
                    if used >= max {
                        state = AccessState::LimitReached;
                        break;
                    }
                }
                state
            };
            states.push(state);
        }
        Ok(AccessSet::new(data, states))
    }
}
