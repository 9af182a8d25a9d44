//! Explanations: the grant path of an allowed request and the reasons of a denial, with the
//! names of roles, entity types, flags and plans as the model (or dynamic grants) spells them.

use access_model::{EntitlementData, EntityData, LimitData, ModelData};

use super::plans::{ActivePlan, plan};
use super::roles::preimage;
use crate::decision::{
    GrantOption, GrantPath, GrantStep, GrantVia, Reason, ReasonKind, ReasonMeta,
};
use crate::grants::Grants;
use crate::model::RoleSet;
use crate::store::Ancestry;
use crate::time::Timestamp;

fn role_name(data: &ModelData, grants: Option<&Grants>, ty: u16, role: usize) -> String {
    match grants {
        Some(g) => g.role_name(data, ty, role).map(str::to_owned),
        None => data
            .entities
            .get(ty as usize)
            .and_then(|e| e.roles.get(role))
            .map(|r| r.to_string()),
    }
    .unwrap_or_else(|| format!("#{role}"))
}

fn role_names(data: &ModelData, grants: Option<&Grants>, ty: u16, set: RoleSet) -> Vec<String> {
    set.iter().map(|r| role_name(data, grants, ty, r)).collect()
}

pub(super) fn entity_name(data: &ModelData, ty: u16) -> String {
    data.entities
        .get(ty as usize)
        .map_or_else(|| format!("#{ty}"), |e| e.name.to_string())
}

fn backticked(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn node_id(a: &Ancestry, i: usize) -> String {
    a.nodes[i].id.as_deref().unwrap_or("?").to_string()
}

/// A reason without meta.
pub(super) fn reason(kind: ReasonKind, message: impl Into<String>) -> Reason {
    Reason {
        kind,
        message: message.into(),
        meta: ReasonMeta::None,
    }
}

/// `wrong_resource_type`: `entitlement` is checked on entity type `expected`, not `got`.
pub(super) fn wrong_type_reason(
    data: &ModelData,
    entitlement: &str,
    expected: u16,
    got: u16,
) -> Reason {
    let expected = entity_name(data, expected);
    let got = entity_name(data, got);
    Reason {
        kind: ReasonKind::WrongResourceType,
        message: format!("`{entitlement}` is checked on a `{expected}`, not a `{got}`"),
        meta: ReasonMeta::ResourceType { expected, got },
    }
}

/// `flag_disabled`: the flags of `off` are off for the tenant.
pub(super) fn flag_reason(data: &ModelData, off: RoleSet) -> Reason {
    let flags: Vec<String> = off
        .iter()
        .filter_map(|f| data.flags.get(f).map(|s| s.to_string()))
        .collect();
    Reason {
        kind: ReasonKind::FlagDisabled,
        message: format!("the feature flag {} is off", backticked(&flags)),
        meta: ReasonMeta::Flags { flags },
    }
}

/// `plan_required`: the plans that include the entitlement, and the tenant's active plans.
pub(super) fn plan_reason(
    data: &ModelData,
    entitlement: &str,
    ent: &EntitlementData,
    active: &[ActivePlan],
) -> Reason {
    let plans: Vec<String> = ent
        .plans
        .iter()
        .filter_map(|&i| plan(data, i).map(|p| p.name.to_string()))
        .collect();
    let current: Vec<String> = active
        .iter()
        .filter_map(|a| plan(data, a.plan).map(|p| p.name.to_string()))
        .collect();
    Reason {
        kind: ReasonKind::PlanRequired,
        message: format!(
            "`{entitlement}` is included in {}, not in the current plan",
            backticked(&plans)
        ),
        meta: ReasonMeta::Plans { plans, current },
    }
}

/// `tenant_required`: `limit` is counted per tenant.
pub(super) fn tenant_reason(limit: &LimitData) -> Reason {
    reason(
        ReasonKind::TenantRequired,
        format!(
            "limit `{}` is counted per tenant and the request has none",
            limit.name
        ),
    )
}

/// `limit_reached`: `used` of `max` units this period, which ends at `resets_at`.
pub(super) fn limit_reason(limit: &LimitData, max: u64, used: u64, resets_at: Timestamp) -> Reason {
    Reason {
        kind: ReasonKind::LimitReached,
        message: format!(
            "limit `{}` is used up for this {} ({used} of {max})",
            limit.name,
            limit.period.as_str()
        ),
        meta: ReasonMeta::Limit {
            limit: limit.name.to_string(),
            max,
            used,
            remaining: 0,
            resets_at,
        },
    }
}

/// The path that gives a role in `target` on node 0, from the direct assignment down.
pub(super) fn grant_path(
    data: &ModelData,
    grants: Option<&Grants>,
    a: &Ancestry,
    eff: &[RoleSet],
    target: RoleSet,
) -> GrantPath {
    let mut steps_rev: Vec<GrantStep> = Vec::new();
    let mut i = 0usize;
    let Some(mut role) = eff
        .first()
        .and_then(|e| e.intersection(target).iter().next())
    else {
        return GrantPath {
            superuser: false,
            steps: Vec::new(),
        };
    };
    // Each step moves to a parent (a larger index), so the loop ends.
    loop {
        let node = &a.nodes[i];
        let Some(entity) = data.entities.get(node.ty.0 as usize) else {
            break;
        };
        let step = |role: usize, via| GrantStep {
            entity: entity.name.to_string(),
            resource: node_id(a, i),
            role: role_name(data, grants, node.ty.0, role),
            via,
        };
        // Held here directly (possibly through `implies`)?
        if let Some(d) = node
            .roles
            .iter()
            .find(|&d| d == role || entity.implies.get(d).is_some_and(|c| c.contains(role)))
        {
            if d != role {
                steps_rev.push(step(role, GrantVia::Implied));
            }
            steps_rev.push(step(d, GrantVia::Direct));
            break;
        }
        // Otherwise inherited from a parent, through a written `inherits` line (parent role
        // `pq` => child role `c`) and then, if `c` is not the role itself, `implies`.
        let mut next = None;
        for &p in a.parents_of(i) {
            let p = p as usize;
            let Some(edge) = data.edge(a.nodes[p].ty.0, node.ty.0) else {
                continue;
            };
            let line = edge.lines.iter().find(|(pq, c)| {
                eff[p].contains(*pq as usize)
                    && entity
                        .implies
                        .get(*c as usize)
                        .is_some_and(|x| x.contains(role))
            });
            if let Some(&(pq, c)) = line {
                next = Some((p, pq as usize, c as usize));
                break;
            }
        }
        match next {
            Some((p, pq, c)) if p > i => {
                if c != role {
                    steps_rev.push(step(role, GrantVia::Implied));
                }
                steps_rev.push(step(c, GrantVia::Inherited));
                i = p;
                role = pq;
            }
            _ => {
                steps_rev.push(step(role, GrantVia::Inherited));
                break;
            }
        }
    }
    steps_rev.reverse();
    GrantPath {
        superuser: false,
        steps: steps_rev,
    }
}

/// The role reason of a denial: the roles needed on the resource and, through the actual
/// ancestry, on each ancestor. For a user of a tenant asking about a resource outside it (no
/// root of the ancestry is the tenant), the ancestors are not named: a 403 must not map another
/// tenant's hierarchy.
pub(super) fn role_reason(
    data: &ModelData,
    grants: Option<&Grants>,
    entity: &EntityData,
    ent: &EntitlementData,
    (granting, listed): (RoleSet, RoleSet),
    a: &Ancestry,
    tenant: Option<&str>,
) -> Reason {
    let outside = tenant.is_some_and(|t| {
        !(0..a.nodes.len())
            .any(|i| a.parents_of(i).is_empty() && a.nodes[i].id.as_deref() == Some(t))
    });
    let n = a.nodes.len();
    let mut needed = vec![RoleSet::EMPTY; n];
    if let Some(first) = needed.first_mut() {
        *first = granting;
    }
    // Children come before parents: push each node's needs to its parents.
    for i in 0..n {
        if needed[i].is_empty() {
            continue;
        }
        for &p in a.parents_of(i) {
            let p = p as usize;
            if p > i
                && p < n
                && let Some(edge) = data.edge(a.nodes[p].ty.0, a.nodes[i].ty.0)
            {
                needed[p] = needed[p].union(preimage(edge, needed[i]));
            }
        }
    }
    let via: Vec<GrantOption> = (1..n)
        .filter(|&j| !outside && !needed[j].is_empty())
        .filter_map(|j| {
            let ty = a.nodes[j].ty.0;
            let e = data.entities.get(ty as usize)?;
            Some(GrantOption {
                entity: e.name.to_string(),
                resource: node_id(a, j),
                roles: role_names(data, grants, ty, needed[j]),
            })
        })
        .collect();
    let roles = role_names(data, grants, ent.entity, listed);
    let above = (1..n).any(|j| !needed[j].is_empty());
    let kind = if !above {
        ReasonKind::RoleRequired
    } else {
        ReasonKind::HierarchyDenied
    };
    let on = a.nodes.first().and_then(|n| n.id.as_deref()).unwrap_or("?");
    let mut message = format!(
        "`{}` needs the role {} on {}:{on}",
        ent.name,
        backticked(&roles),
        entity.name
    );
    if !via.is_empty() {
        let opts: Vec<String> = via
            .iter()
            .map(|o| format!("{} on {}:{}", backticked(&o.roles), o.entity, o.resource))
            .collect();
        message.push_str(&format!(", or {}", opts.join(", or ")));
    }
    Reason {
        kind,
        message,
        meta: ReasonMeta::Roles {
            entity: entity.name.to_string(),
            roles,
            via,
        },
    }
}
