//! Plans and limits: the tenant's active plans, what a limit allows on them, and the charges
//! one use of an entitlement makes (layers 4 and 5).

use access_model::{EntitlementData, ModelData, PlanData};

use super::AccessContext;
use crate::model::{AccessModel, LimitId};
use crate::store::{Charge, StoreResult, Stores, TenantPlans};
use crate::time::{self, Timestamp};

/// A plan active for the tenant, with the anchor of its periods.
#[derive(Clone, Copy, Debug)]
pub(super) struct ActivePlan {
    pub(super) plan: u16,
    anchor: Timestamp,
    base: bool,
}

/// The tenant's active plans at `now`: valid base plans (the default plan for a group that has
/// none), then add-ons valid on them.
pub(super) fn active_plans(
    data: &ModelData,
    plans: &TenantPlans,
    now: Timestamp,
) -> Vec<ActivePlan> {
    let mut out: Vec<ActivePlan> = Vec::new();
    let mut groups: Vec<u16> = Vec::new();
    for s in &plans.base {
        let Some(p) = data.plans.get(s.plan.0 as usize) else {
            continue;
        };
        let Some(g) = p.group else { continue };
        if s.active_at(now) && !groups.contains(&g) {
            groups.push(g);
            out.push(ActivePlan {
                plan: s.plan.0,
                anchor: s.started_at,
                base: true,
            });
        }
    }
    if let Some(d) = data.default_plan
        && let Some(g) = data.plans.get(d as usize).and_then(|p| p.group)
        && !groups.contains(&g)
    {
        out.push(ActivePlan {
            plan: d,
            anchor: 0,
            base: true,
        });
    }
    for s in &plans.add_ons {
        let Some(p) = data.plans.get(s.plan.0 as usize) else {
            continue;
        };
        let on_base =
            p.requires.is_empty() || out.iter().any(|b| b.base && p.requires.contains(&b.plan));
        if p.add_on && s.active_at(now) && on_base {
            out.push(ActivePlan {
                plan: s.plan.0,
                anchor: s.started_at,
                base: false,
            });
        }
    }
    out
}

pub(super) fn plan(data: &ModelData, i: u16) -> Option<&PlanData> {
    data.plans.get(i as usize)
}

#[inline]
pub(super) fn plan_includes(data: &ModelData, plan_index: u16, ei: usize) -> bool {
    plan(data, plan_index).is_some_and(|p| p.includes(ei))
}

/// The max of `limit` for entitlement `ei` on the active plans, and the anchor of its periods.
/// A `None` max is unlimited: an active plan includes the entitlement without setting the limit.
/// `None` overall: no active plan is concerned (the plan layer decides).
pub(super) fn limit_max(
    data: &ModelData,
    active: &[ActivePlan],
    overrides: &[(LimitId, u64)],
    ei: usize,
    limit: u16,
) -> Option<(Option<u64>, Timestamp)> {
    let mut max: Option<u64> = Some(0);
    // The period is anchored at one of the plans that count: a base plan before an add-on, then
    // the earliest start, then the first plan of the model, whatever order the store returned
    // them in (every store must agree on the wallet's period).
    let mut anchor: Option<(bool, Timestamp, u16)> = None;
    for a in active {
        let Some(p) = plan(data, a.plan) else {
            continue;
        };
        match p.limit_max(limit) {
            Some(m) => max = max.map(|x| x.saturating_add(m)),
            None if p.includes(ei) => max = None,
            None => continue,
        }
        let key = (!a.base, a.anchor, a.plan);
        if anchor.is_none_or(|k| key < k) {
            anchor = Some(key);
        }
    }
    let (_, anchor, _) = anchor?;
    if let Some((_, o)) = overrides.iter().find(|(l, _)| l.0 == limit) {
        max = max.map(|m| m.max(*o));
    }
    Some((max, anchor))
}

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// The tenant's plans; the model's default plans without a tenant.
    pub(super) async fn plans_or_default(&self) -> StoreResult<TenantPlans> {
        match self.tenant() {
            Some(t) => self.cached_plans(t).await,
            None => Ok(TenantPlans::default()),
        }
    }

    /// Layer 4 (`plan_required`), then what layer 5 counts: one charge per limit of the
    /// entitlement that has a max on the active plans (none when unlimited). Shared by `can`,
    /// which compares the counters, and `can_and_consume`, which takes a unit of each.
    pub(super) async fn plan_and_charges(
        &self,
        data: &ModelData,
        ei: usize,
        ent: &EntitlementData,
    ) -> StoreResult<Result<Vec<Charge>, &'static str>> {
        if !ent.plan_gated && ent.limits.is_empty() {
            return Ok(Ok(Vec::new()));
        }
        let now = self.now();
        let plans = self.plans_or_default().await?;
        Ok(charges_on(data, ei, ent, &plans, now))
    }
}

/// Layer 4 and what layer 5 counts, on the tenant's plans as read: `plan_required`, or one
/// charge per limit of the entitlement that has a max on the active plans.
pub(super) fn charges_on(
    data: &ModelData,
    ei: usize,
    ent: &EntitlementData,
    plans: &TenantPlans,
    now: Timestamp,
) -> Result<Vec<Charge>, &'static str> {
    let active = active_plans(data, plans, now);
    if ent.plan_gated && !active.iter().any(|a| plan_includes(data, a.plan, ei)) {
        return Err("plan_required");
    }
    let mut charges = Vec::new();
    for &l in ent.limits.iter() {
        let Some((Some(max), anchor)) = limit_max(data, &active, &plans.overrides, ei, l) else {
            continue;
        };
        let Some(limit) = data.limits.get(l as usize) else {
            continue;
        };
        charges.push(Charge {
            limit: LimitId(l),
            period_start: time::period_start(limit.period, anchor, now),
            max,
        });
    }
    Ok(charges)
}
