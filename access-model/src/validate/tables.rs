//! The table computation of [`compile`](super::compile): a validated spec and its name indices
//! become the [`ModelData`] the engine reads (implies closures, per-edge role maps, entitlement,
//! plan and limit tables).

use std::borrow::Cow;

use super::Names;
use crate::data::*;
use crate::spec::*;

fn owned<T: Clone>(v: Vec<T>) -> Cow<'static, [T]>
where
    [T]: ToOwned<Owned = Vec<T>>,
{
    Cow::Owned(v)
}

fn s(x: &str) -> Str {
    Cow::Owned(x.to_owned())
}

/// Transitive closure of `implies`, each role included in its own set.
fn implies_closure<S>(x: &EntitySpec<S>, rs: &Names<'_>) -> Vec<RoleSet> {
    let n = rs.list.len();
    let mut direct = vec![RoleSet::EMPTY; n];
    for line in &x.implies {
        if let (Some(f), Some(t)) = (rs.get(&line.from.text), rs.get(&line.to.text)) {
            direct[f].insert(t);
        }
    }
    let mut closure: Vec<RoleSet> = (0..n).map(RoleSet::single).collect();
    // Fixpoint: at most n rounds.
    for _ in 0..n {
        let mut changed = false;
        for c in closure.iter_mut() {
            let next = c.iter().fold(*c, |acc, m| acc.union(direct[m]));
            if next != *c {
                *c = next;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    closure
}

fn set_closure(closure: &[RoleSet], set: RoleSet) -> RoleSet {
    set.iter().fold(RoleSet::EMPTY, |acc, r| {
        acc.union(closure.get(r).copied().unwrap_or_default())
    })
}

#[allow(clippy::too_many_arguments)] // one argument per resolved table; a struct would only rename them
pub(super) fn tables<S: Copy>(
    spec: &ModelSpec<S>,
    specs: &[&EntitySpec<S>],
    roles: &[Names<'_>],
    globals: &Names<'_>,
    entities: &Names<'_>,
    flags: &Names<'_>,
    entitlements: &Names<'_>,
    plans: &Names<'_>,
    groups: &[&str],
) -> ModelData {
    let n = specs.len();
    let closures: Vec<Vec<RoleSet>> = specs
        .iter()
        .zip(roles)
        .map(|(x, rs)| implies_closure(x, rs))
        .collect();

    // Edges, in order of first appearance.
    // (parent type, child type, written lines)
    type Edge = (usize, usize, Vec<(u8, u8)>);
    let mut edges: Vec<Edge> = Vec::new();
    for (c, x) in specs.iter().enumerate() {
        for line in &x.inherits {
            let (Some(p), Some(cr)) = (
                entities.get(&line.parent_entity.text),
                roles[c].get(&line.role.text),
            ) else {
                continue;
            };
            let Some(pr) = roles[p].get(&line.parent_role.text) else {
                continue;
            };
            let at = match edges.iter().position(|(ep, ec, _)| *ep == p && *ec == c) {
                Some(i) => i,
                None => {
                    edges.push((p, c, Vec::new()));
                    edges.len() - 1
                }
            };
            let pair = (pr as u8, cr as u8);
            if !edges[at].2.contains(&pair) {
                edges[at].2.push(pair);
            }
        }
    }
    let mut edge_lookup = vec![NO_EDGE; n * n];
    let edge_data: Vec<EdgeData> = edges
        .iter()
        .enumerate()
        .map(|(i, (p, c, lines))| {
            edge_lookup[p * n + c] = i as u16;
            let np = roles[*p].list.len();
            let mut base = vec![RoleSet::EMPTY; np];
            for &(pr, cr) in lines {
                base[pr as usize].insert(cr as usize);
            }
            let map: Vec<RoleSet> = (0..np)
                .map(|q| {
                    let from = closures[*p][q]
                        .iter()
                        .fold(RoleSet::EMPTY, |acc, r| acc.union(base[r]));
                    set_closure(&closures[*c], from)
                })
                .collect();
            EdgeData {
                parent: *p as u16,
                child: *c as u16,
                map: owned(map),
                lines: owned(lines.clone()),
            }
        })
        .collect();

    // Limits: distinct names in order of first appearance.
    let mut limit_names: Vec<(&str, usize, Period)> = Vec::new();
    for p in &spec.plans {
        for l in &p.limits {
            if limit_names.iter().any(|(n, _, _)| *n == l.name.text) {
                continue;
            }
            if let (Some(ei), Some(per)) = (
                entitlements.get(&l.entitlement.text),
                Period::from_name(&l.period.text),
            ) {
                limit_names.push((&l.name.text, ei, per));
            }
        }
    }

    // Plans kept (first of duplicates), by index.
    let plan_specs: Vec<&PlanSpec<S>> = plans
        .list
        .iter()
        .filter_map(|n| spec.plans.iter().find(|p| p.name.text == *n))
        .collect();
    let words = entitlements.list.len().div_ceil(64).max(1);

    let ent_specs: Vec<&EntitlementSpec<S>> = entitlements
        .list
        .iter()
        .filter_map(|n| spec.entitlements.iter().find(|x| x.name.text == *n))
        .collect();
    let entitlement_data: Vec<EntitlementData> = ent_specs
        .iter()
        .enumerate()
        .map(|(ei, x)| {
            let entity = entities.get(&x.entity.text).unwrap_or(0);
            let mut listed = RoleSet::EMPTY;
            for r in &x.roles {
                if let Some(i) = roles[entity].get(&r.text) {
                    listed.insert(i);
                }
            }
            let mut granting = RoleSet::EMPTY;
            for (r, c) in closures[entity].iter().enumerate() {
                if c.intersects(listed) {
                    granting.insert(r);
                }
            }
            let mut fl = RoleSet::EMPTY;
            for f in &x.flags {
                if let Some(i) = flags.get(&f.text) {
                    fl.insert(i);
                }
            }
            let in_plans: Vec<u16> = plan_specs
                .iter()
                .enumerate()
                .filter(|(_, p)| p.features.iter().any(|f| f.text == x.name.text))
                .map(|(i, _)| i as u16)
                .collect();
            let limits: Vec<u16> = limit_names
                .iter()
                .enumerate()
                .filter(|(_, (_, e, _))| *e == ei)
                .map(|(i, _)| i as u16)
                .collect();
            EntitlementData {
                name: s(&x.name.text),
                entity: entity as u16,
                roles: listed,
                granting,
                flags: fl,
                plan_gated: !in_plans.is_empty(),
                plans: owned(in_plans),
                limits: owned(limits),
            }
        })
        .collect();

    let plan_data: Vec<PlanData> = plan_specs
        .iter()
        .map(|p| {
            let mut features = vec![0u64; words];
            for f in &p.features {
                if let Some(i) = entitlements.get(&f.text) {
                    features[i / 64] |= 1u64 << (i % 64);
                }
            }
            let group = match (&p.add_on, &p.group) {
                (None, Some(g)) => groups.iter().position(|x| *x == g.text).map(|i| i as u16),
                _ => None,
            };
            let requires: Vec<u16> = p
                .requires
                .iter()
                .flat_map(|r| r.plans.iter())
                .filter_map(|r| plans.get(&r.text).map(|i| i as u16))
                .collect();
            let limits: Vec<PlanLimit> = p
                .limits
                .iter()
                .filter_map(|l| {
                    let i = limit_names.iter().position(|(n, _, _)| *n == l.name.text)?;
                    Some(PlanLimit {
                        limit: i as u16,
                        max: l.max,
                    })
                })
                .collect();
            PlanData {
                name: s(&p.name.text),
                group,
                add_on: p.add_on.is_some(),
                requires: owned(requires),
                features: owned(features),
                limits: owned(limits),
            }
        })
        .collect();

    let entity_data: Vec<EntityData> = specs
        .iter()
        .enumerate()
        .map(|(i, x)| EntityData {
            name: s(&x.name.text),
            roles: owned(roles[i].list.iter().map(|r| s(r)).collect()),
            implies: owned(closures[i].clone()),
            parent_edges: owned(
                edge_data
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.child as usize == i)
                    .map(|(k, _)| k as u16)
                    .collect(),
            ),
            entitlements: owned(
                entitlement_data
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.entity as usize == i)
                    .map(|(k, _)| k as u16)
                    .collect(),
            ),
        })
        .collect();

    let permission = |p: &PermissionSpec<S>| match p {
        PermissionSpec::Public(_) => Permission::Public,
        PermissionSpec::Blocked(_) => Permission::Blocked,
        PermissionSpec::Authenticated(_) => Permission::Authenticated,
        PermissionSpec::Roles(rs) => {
            let mut set = RoleSet::EMPTY;
            for r in rs {
                if let Some(i) = globals.get(&r.text) {
                    set.insert(i);
                }
            }
            Permission::Roles(set)
        }
    };
    let find = |action: &str| {
        spec.default_permission
            .iter()
            .find(|a| a.action.text == action)
            .map(|a| permission(&a.permission))
    };
    let fb = DefaultPermission::FALLBACK;
    let read = find("read").unwrap_or(fb.read);
    let default_permission = DefaultPermission {
        create: find("create").unwrap_or(fb.create),
        read,
        list: find("list").unwrap_or(read),
        update: find("update").unwrap_or(fb.update),
        delete: find("delete").unwrap_or(fb.delete),
    };

    ModelData {
        name: s(&spec.name.text),
        global_roles: owned(globals.list.iter().map(|r| s(r)).collect()),
        default_role: spec
            .default_role
            .as_ref()
            .and_then(|d| globals.get(&d.text))
            .map(|i| i as u16),
        entities: owned(entity_data),
        edges: owned(edge_data),
        edge_lookup: owned(edge_lookup),
        flags: owned(flags.list.iter().map(|f| s(f)).collect()),
        entitlements: owned(entitlement_data),
        groups: owned(groups.iter().map(|g| s(g)).collect()),
        plans: owned(plan_data),
        limits: owned(
            limit_names
                .iter()
                .map(|(n, e, p)| LimitData {
                    name: s(n),
                    entitlement: *e as u16,
                    period: *p,
                })
                .collect(),
        ),
        default_plan: spec
            .default_plan
            .as_ref()
            .and_then(|d| plans.get(&d.text))
            .map(|i| i as u16),
        tenant: spec.tenant.as_ref().and_then(|t| {
            let entity = entities.get(&t.entity.text)?;
            let role = |n: &Name<S>| roles[entity].get(&n.text).map(|i| i as u16);
            Some(TenantData {
                entity: entity as u16,
                owner: role(&t.owner)?,
                member: match &t.member {
                    Some(m) => Some(role(m)?),
                    None => None,
                },
            })
        }),
        default_permission,
        superuser_bypasses_blocked: spec.superuser_bypasses_blocked,
    }
}
