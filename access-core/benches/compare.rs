//! `access-core` `can` side by side with cedar-policy `is_authorized` and casbin `enforce`, on one
//! model and one request mix:
//!
//! - organization → workspace → project, 20 roles (5 + 6 + 9), `implies` chains on projects,
//!   `inherits` lines down both edges, 100 entitlements (15 on organizations, 25 on workspaces,
//!   60 on projects);
//! - 10,000 resources (100 organizations × 9 workspaces × 10 projects), 1,000 users with three
//!   assignments each, spread over the three levels;
//! - 1,024 requests, half on resources under one of the user's assignments, half anywhere.
//!
//! `access/can` runs the model built with `ModelBuilder`, `access/can_static` the same model
//! compiled by `define_access!` (support/static_model.rs), `access/can_dynamic` the builder's model
//! with dynamic grants, `access/can_ready` the builder's model through the synchronous front
//! (`ctx.ready().can(..)`, no future). Before timing, every request gets the same decision from
//! all three engines and every form (asserted).
//! Run: `cargo bench -p access-core --bench compare`. Results: docs/performance.md.

#[path = "support/cedar.rs"]
mod cedar;
#[path = "support/static_model.rs"]
mod static_model;

use std::hint::black_box;
use std::sync::Arc;

use access_core::model_builder::ModelBuilder;
use access_core::{
    AccessContext, AccessModel, DynamicModel, EntitlementId, EntityTypeId, Principal, Resource,
    block_on_ready,
};
use casbin::{CoreApi, DefaultModel, Enforcer, StringAdapter};
use cedar::{Res, Rng};
use criterion::{Criterion, criterion_group, criterion_main};

const ORGS: usize = 100;
const WORKSPACES_PER_ORG: usize = 9;
const PROJECTS_PER_WORKSPACE: usize = 10;
const USERS: usize = 1_000;
const ASSIGNMENTS_PER_USER: usize = 3;
const REQUESTS: usize = 1_024;

const ORG_ROLES: &[&str] = &["owner", "admin", "billing", "member", "guest"];
const WS_ROLES: &[&str] = &["admin", "editor", "commenter", "viewer", "auditor", "guest"];
const PROJECT_ROLES: &[&str] = &[
    "manager",
    "maintainer",
    "developer",
    "reporter",
    "viewer",
    "guest",
    "tester",
    "deployer",
    "analyst",
];

fn model() -> DynamicModel {
    let mut b = ModelBuilder::new("Bench")
        .entity("organization", ORG_ROLES.iter().copied())
        .entity("workspace", WS_ROLES.iter().copied())
        .entity("project", PROJECT_ROLES.iter().copied())
        .implies("organization", "owner", "admin")
        .implies("organization", "admin", "member")
        .implies("organization", "billing", "member")
        .implies("workspace", "admin", "editor")
        .implies("workspace", "editor", "commenter")
        .implies("workspace", "commenter", "viewer")
        .implies("project", "manager", "maintainer")
        .implies("project", "maintainer", "developer")
        .implies("project", "developer", "reporter")
        .implies("project", "reporter", "viewer")
        .implies("project", "tester", "viewer")
        .implies("project", "deployer", "viewer")
        .implies("project", "analyst", "guest")
        .implies("project", "viewer", "guest")
        .inherits("workspace", "organization", "owner", "admin")
        .inherits("workspace", "organization", "admin", "editor")
        .inherits("workspace", "organization", "member", "viewer")
        .inherits("workspace", "organization", "billing", "auditor")
        .inherits("workspace", "organization", "guest", "guest")
        .inherits("project", "workspace", "admin", "manager")
        .inherits("project", "workspace", "editor", "developer")
        .inherits("project", "workspace", "commenter", "reporter")
        .inherits("project", "workspace", "viewer", "viewer")
        .inherits("project", "workspace", "auditor", "analyst")
        .inherits("project", "workspace", "guest", "guest");
    let mut rng = Rng(7);
    let levels: [(&str, &[&str], usize); 3] = [
        ("organization", ORG_ROLES, 15),
        ("workspace", WS_ROLES, 25),
        ("project", PROJECT_ROLES, 60),
    ];
    let actions = [
        "read",
        "create",
        "update",
        "delete",
        "share",
        "export",
        "archive",
        "restore",
        "audit",
        "invite",
        "comment",
        "deploy",
        "test",
        "report",
        "configure",
    ];
    for (entity, roles, n) in levels {
        for i in 0..n {
            // One or two roles per entitlement, biased towards the more privileged roles.
            let mut rs = vec![roles[rng.below(roles.len())]];
            if rng.chance(40) {
                let r = roles[rng.below(roles.len())];
                if !rs.contains(&r) {
                    rs.push(r);
                }
            }
            let name = format!(
                "{entity}_{}:{}",
                i / actions.len(),
                actions[i % actions.len()]
            );
            b = b.entitlement(name, entity, rs, []);
        }
    }
    DynamicModel::build(b.spec()).expect("the bench model is valid")
}

struct World {
    model: DynamicModel,
    resources: Vec<Res>,
    assignments: Vec<(String, usize, u16)>,
    /// (user, entitlement, resource index)
    requests: Vec<(String, u16, usize)>,
}

fn world() -> World {
    let model = model();
    let data = model.data();
    let ty = |n: &str| data.entity_index(n).expect("declared");
    let (org, ws, project) = (ty("organization"), ty("workspace"), ty("project"));
    let mut resources = Vec::new();
    // Children of each resource, to aim half the requests under a user's assignments.
    let mut children: Vec<Vec<usize>> = Vec::new();
    for o in 0..ORGS {
        let oi = resources.len();
        resources.push(Res {
            ty: org,
            id: format!("o{o}"),
            parents: vec![],
        });
        children.push(vec![]);
        for w in 0..WORKSPACES_PER_ORG {
            let wi = resources.len();
            resources.push(Res {
                ty: ws,
                id: format!("o{o}w{w}"),
                parents: vec![oi],
            });
            children.push(vec![]);
            children[oi].push(wi);
            for p in 0..PROJECTS_PER_WORKSPACE {
                let pi = resources.len();
                resources.push(Res {
                    ty: project,
                    id: format!("o{o}w{w}p{p}"),
                    parents: vec![wi],
                });
                children.push(vec![]);
                children[wi].push(pi);
            }
        }
    }
    assert_eq!(resources.len(), 10_000);
    let mut rng = Rng(42);
    let by_type = |t: u16| -> Vec<usize> {
        (0..resources.len())
            .filter(|&i| resources[i].ty == t)
            .collect()
    };
    let pools = [by_type(org), by_type(ws), by_type(project)];
    let mut assignments = Vec::new();
    for u in 0..USERS {
        for _ in 0..ASSIGNMENTS_PER_USER {
            // 20% organizations, 30% workspaces, 50% projects.
            let level = match rng.below(10) {
                0..=1 => 0,
                2..=4 => 1,
                _ => 2,
            };
            let x = pools[level][rng.below(pools[level].len())];
            let roles = data.entities[resources[x].ty as usize].roles.len();
            assignments.push((format!("u{u}"), x, rng.below(roles) as u16));
        }
    }
    let mut requests = Vec::new();
    for _ in 0..REQUESTS {
        let u = rng.below(USERS);
        let e = rng.below(data.entitlements.len()) as u16;
        let t = data.entitlements[e as usize].entity;
        let x = if rng.chance(50) {
            // Somewhere under one of the user's assignments, of the entitlement's type.
            let (_, mut x, _) =
                assignments[u * ASSIGNMENTS_PER_USER + rng.below(ASSIGNMENTS_PER_USER)];
            while resources[x].ty != t && !children[x].is_empty() {
                x = children[x][rng.below(children[x].len())];
            }
            if resources[x].ty == t {
                x
            } else {
                let pool = &pools[t as usize];
                pool[rng.below(pool.len())]
            }
        } else {
            let pool = &pools[t as usize];
            pool[rng.below(pool.len())]
        };
        requests.push((format!("u{u}"), e, x));
    }
    World {
        model,
        resources,
        assignments,
        requests,
    }
}

const CASBIN_MODEL: &str = r##"
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.act == p.act && g(r.sub, r.obj + "/" + p.sub)
"##;

/// casbin's encoding: role groups named `<type>:<id>/<role>`; `implies` and `inherits` as role
/// links between groups (a group inherits the permissions of the groups it links to), users
/// linked to their assigned groups, and one policy per (role, entitlement) that the model lists.
fn casbin_enforcer(w: &World) -> Enforcer {
    let data = w.model.data();
    let key = |i: usize| {
        let r = &w.resources[i];
        format!("{}:{}", data.entities[r.ty as usize].name, r.id)
    };
    let mut lines = String::new();
    for e in data.entitlements.iter() {
        let roles = &data.entities[e.entity as usize].roles;
        for r in e.roles.iter() {
            lines.push_str(&format!("p, {}, {}\n", roles[r], e.name));
        }
    }
    for (i, x) in w.resources.iter().enumerate() {
        let ent = &data.entities[x.ty as usize];
        for (r, role) in ent.roles.iter().enumerate() {
            for c in ent.implies[r].iter() {
                if c != r {
                    lines.push_str(&format!(
                        "g, {}/{role}, {}/{}\n",
                        key(i),
                        key(i),
                        ent.roles[c]
                    ));
                }
            }
        }
        for &p in &x.parents {
            let Some(edge) = data.edge(w.resources[p].ty, x.ty) else {
                continue;
            };
            let pr = &data.entities[w.resources[p].ty as usize].roles;
            for &(pq, c) in edge.lines.iter() {
                lines.push_str(&format!(
                    "g, {}/{}, {}/{}\n",
                    key(p),
                    pr[pq as usize],
                    key(i),
                    ent.roles[c as usize]
                ));
            }
        }
    }
    for (u, x, r) in &w.assignments {
        let roles = &data.entities[w.resources[*x].ty as usize].roles;
        lines.push_str(&format!("g, {u}, {}/{}\n", key(*x), roles[*r as usize]));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let m = DefaultModel::from_str(CASBIN_MODEL).await.expect("model");
        Enforcer::new(m, StringAdapter::new(lines))
            .await
            .expect("enforcer")
    })
}

fn bench(c: &mut Criterion) {
    let w = world();
    let data = w.model.data();
    let store = cedar::memory_store(&w.resources, &w.assignments);
    let policies = cedar::policies(data);
    let entities = cedar::entities(data, &w.resources, &w.assignments);
    let authorizer = cedar_policy::Authorizer::new();
    let enforcer = casbin_enforcer(&w);

    // Prepared requests, one list per engine, built outside the timed loops.
    let access_reqs: Vec<(Arc<str>, EntitlementId, EntityTypeId, &str)> = w
        .requests
        .iter()
        .map(|(u, e, x)| {
            let r = &w.resources[*x];
            (
                Arc::from(u.as_str()),
                EntitlementId(*e),
                EntityTypeId(r.ty),
                r.id.as_str(),
            )
        })
        .collect();
    let cedar_reqs: Vec<cedar::Query> = w
        .requests
        .iter()
        .map(|(u, e, x)| cedar::query(data, u, *e, &w.resources[*x]))
        .collect();
    let casbin_reqs: Vec<(String, String, String)> = w
        .requests
        .iter()
        .map(|(u, e, x)| {
            let r = &w.resources[*x];
            (
                u.clone(),
                format!("{}:{}", data.entities[r.ty as usize].name, r.id),
                data.entitlements[*e as usize].name.to_string(),
            )
        })
        .collect();

    let access_can = |i: usize| {
        let (u, e, t, id) = &access_reqs[i];
        let ctx = AccessContext::new(&w.model, &store, Principal::new(Arc::clone(u)));
        block_on_ready(ctx.can(*e, Resource::new(*t, id)))
            .expect("ready")
            .expect("store")
    };
    // The same question through the synchronous front (`ctx.ready()`), no future at all.
    let access_can_ready = |i: usize| {
        let (u, e, t, id) = &access_reqs[i];
        let ctx = AccessContext::new(&w.model, &store, Principal::new(Arc::clone(u)));
        ctx.ready().can(*e, Resource::new(*t, id)).expect("store")
    };
    // The same model compiled by `define_access!` (same indices), on the same store.
    let access_can_static = |i: usize| {
        let (u, e, t, id) = &access_reqs[i];
        let ctx = AccessContext::new(
            &static_model::StaticBench,
            &store,
            Principal::new(Arc::clone(u)),
        );
        block_on_ready(ctx.can(*e, Resource::new(*t, id)))
            .expect("ready")
            .expect("store")
    };
    // Dynamic mode with the model's own grants: same answers, tables read from `Grants`.
    let grants = Arc::new(access_core::Grants::new(data));
    let access_can_dynamic = |i: usize| {
        let (u, e, t, id) = &access_reqs[i];
        let ctx = AccessContext::new(&w.model, &store, Principal::new(Arc::clone(u)))
            .with_grants(Arc::clone(&grants));
        block_on_ready(ctx.can(*e, Resource::new(*t, id)))
            .expect("ready")
            .expect("store")
    };
    let cedar_is_authorized =
        |i: usize| cedar::is_authorized(&authorizer, &cedar_reqs[i], &policies, &entities);
    let casbin_enforce = |i: usize| {
        let (s, o, a) = &casbin_reqs[i];
        casbin::CoreApi::enforce(&enforcer, (s.as_str(), o.as_str(), a.as_str())).expect("enforce")
    };

    // Same decisions everywhere, or the comparison means nothing.
    let mut allowed = 0;
    for i in 0..REQUESTS {
        let a = access_can(i);
        assert_eq!(
            a,
            cedar_is_authorized(i),
            "access vs cedar on {:?}",
            w.requests[i]
        );
        assert_eq!(
            a,
            casbin_enforce(i),
            "access vs casbin on {:?}",
            w.requests[i]
        );
        assert_eq!(a, access_can_dynamic(i), "static vs dynamic mode");
        assert_eq!(a, access_can_ready(i), "async vs synchronous front");
        assert_eq!(a, access_can_static(i), "builder vs define_access! model");
        allowed += usize::from(a);
    }
    eprintln!(
        "compare: {} resources, {} users, {} entitlements, {} roles; {REQUESTS} requests, {allowed} allowed; all three engines agree",
        w.resources.len(),
        USERS,
        data.entitlements.len(),
        data.entities.iter().map(|e| e.roles.len()).sum::<usize>(),
    );

    let mut i = 0usize;
    c.bench_function("access/can", |b| {
        b.iter(|| {
            i = (i + 1) % REQUESTS;
            black_box(access_can(black_box(i)))
        })
    });
    c.bench_function("access/can_ready", |b| {
        b.iter(|| {
            i = (i + 1) % REQUESTS;
            black_box(access_can_ready(black_box(i)))
        })
    });
    c.bench_function("access/can_static", |b| {
        b.iter(|| {
            i = (i + 1) % REQUESTS;
            black_box(access_can_static(black_box(i)))
        })
    });
    c.bench_function("access/can_dynamic", |b| {
        b.iter(|| {
            i = (i + 1) % REQUESTS;
            black_box(access_can_dynamic(black_box(i)))
        })
    });
    c.bench_function("cedar/is_authorized", |b| {
        b.iter(|| {
            i = (i + 1) % REQUESTS;
            black_box(cedar_is_authorized(black_box(i)))
        })
    });
    c.bench_function("casbin/enforce", |b| {
        b.iter(|| {
            i = (i + 1) % REQUESTS;
            black_box(casbin_enforce(black_box(i)))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
