//! The engine, layer by layer, on a run-time model shaped like DESIGN.md's example.

use std::sync::Arc;

use access_core::model_builder::ModelBuilder;
use access_core::{
    AccessContext, AccessState, DynamicModel, EntitlementId, EntityTypeId, FlagId, GrantVia,
    LimitId, MemoryStore, PlanId, Principal, ReasonKind, ReasonMeta, Resource, StoreErrorKind,
    Subscription, block_on_ready,
};

fn run<F: std::future::Future>(f: F) -> F::Output {
    block_on_ready(f).expect("in-memory futures are always ready")
}

const T0: i64 = 1_700_000_000; // 2023-11-14

struct World {
    m: DynamicModel,
    s: MemoryStore,
}

impl World {
    fn ty(&self, name: &str) -> EntityTypeId {
        self.m.entity_type(name).unwrap()
    }
    fn ent(&self, name: &str) -> EntitlementId {
        self.m.entitlement(name).unwrap()
    }
    fn res<'a>(&self, ty: &str, id: &'a str) -> Resource<'a> {
        Resource::new(self.ty(ty), id)
    }
    fn role(&self, ty: &str, role: &str) -> u16 {
        self.m
            .data_ref()
            .role_index(self.ty(ty).0, role)
            .unwrap_or_else(|| panic!("no role {ty}:{role}"))
    }
    fn plan(&self, name: &str) -> PlanId {
        PlanId(self.m.data_ref().plan_index(name).unwrap())
    }
    fn assign(&self, user: &str, ty: &str, id: &str, role: &str) {
        self.s
            .ready()
            .assign(user, self.res(ty, id), self.role(ty, role))
            .unwrap();
    }
    fn ctx(&self, p: Principal) -> AccessContext<'_, DynamicModel, MemoryStore> {
        AccessContext::new(&self.m, &self.s, p).at(T0 + 86_400 * 10)
    }
    fn can(&self, p: Principal, ent: &str, ty: &str, id: &str) -> bool {
        self.ctx(p)
            .ready()
            .can(self.ent(ent), self.res(ty, id))
            .unwrap()
    }
}

trait DataRef {
    fn data_ref(&self) -> &access_core::model::ModelData;
}
impl DataRef for DynamicModel {
    fn data_ref(&self) -> &access_core::model::ModelData {
        access_core::AccessModel::data(self)
    }
}

fn model() -> DynamicModel {
    let b = ModelBuilder::new("Access")
        .global_roles(["admin", "editor", "user"])
        .default_role("user")
        .entity("organization", ["owner", "admin", "member"])
        .entity("workspace", ["admin", "editor", "viewer"])
        .inherits("workspace", "organization", "owner", "admin")
        .inherits("workspace", "organization", "admin", "editor")
        .inherits("workspace", "organization", "member", "viewer")
        .entity("folder", ["owner", "viewer"])
        .inherits("folder", "workspace", "editor", "owner")
        .inherits("folder", "folder", "owner", "owner")
        .inherits("folder", "folder", "viewer", "viewer")
        .implies("folder", "owner", "viewer")
        .entity("project", ["manager", "contributor", "viewer"])
        .implies("project", "manager", "contributor")
        .implies("project", "contributor", "viewer")
        .inherits("project", "workspace", "admin", "manager")
        .inherits("project", "workspace", "editor", "contributor")
        .inherits("project", "workspace", "viewer", "viewer")
        .flags(["pdf_export", "beta_ai"])
        .entitlement("project:create", "workspace", ["admin", "editor"], [])
        .entitlement("project:read", "project", ["viewer"], [])
        .entitlement("project:delete", "project", ["manager"], [])
        .entitlement("ai:generate", "project", ["contributor"], ["beta_ai"])
        .entitlement("export:pdf", "project", ["viewer"], ["pdf_export"])
        .entitlement("members:invite", "organization", ["owner", "admin"], [])
        .entitlement("folder:read", "folder", ["viewer"], [])
        .base_plan("free", "main", ["members:invite"])
        .limit("free", "invites", "members:invite", "month", 5)
        .base_plan(
            "pro",
            "main",
            ["ai:generate", "export:pdf", "members:invite"],
        )
        .limit("pro", "ai", "ai:generate", "month", 1000)
        .limit("pro", "invites", "members:invite", "month", 50)
        .base_plan(
            "enterprise",
            "main",
            ["ai:generate", "export:pdf", "members:invite"],
        )
        .add_on(
            "ai_boost",
            ["ai:generate"],
            Some(("main", ["pro", "enterprise"])),
        )
        .limit("ai_boost", "ai", "ai:generate", "month", 5000)
        .default_plan("free");
    DynamicModel::build(b.spec()).expect("valid model")
}

/// acme ⊃ ws1 ⊃ {p1, p2}; acme ⊃ ws2 ⊃ p3; ws1 ⊃ f1 ⊃ f2.
fn world() -> World {
    let w = World {
        m: model(),
        s: MemoryStore::new(),
    };
    let add = |ty: &str, id: &str, parents: &[(&str, &str)]| {
        let ps: Vec<Resource<'_>> = parents.iter().map(|(t, i)| w.res(t, i)).collect();
        w.s.ready().add_resource(w.res(ty, id), &ps).unwrap();
    };
    add("organization", "acme", &[]);
    add("workspace", "ws1", &[("organization", "acme")]);
    add("workspace", "ws2", &[("organization", "acme")]);
    add("project", "p1", &[("workspace", "ws1")]);
    add("project", "p2", &[("workspace", "ws1")]);
    add("project", "p3", &[("workspace", "ws2")]);
    add("folder", "f1", &[("workspace", "ws1")]);
    add("folder", "f2", &[("folder", "f1")]);
    w
}

fn user(id: &str) -> Principal {
    Principal::new(id).tenant("acme")
}

#[test]
fn roles_layer_direct_assignment_and_implies() {
    let w = world();
    w.assign("mia", "project", "p1", "manager");
    // manager ⇒ contributor ⇒ viewer
    assert!(w.can(user("mia"), "project:delete", "project", "p1"));
    assert!(w.can(user("mia"), "project:read", "project", "p1"));
    assert!(!w.can(user("mia"), "project:read", "project", "p2"));
    w.assign("vic", "project", "p1", "viewer");
    assert!(w.can(user("vic"), "project:read", "project", "p1"));
    assert!(!w.can(user("vic"), "project:delete", "project", "p1"));
    let d = w
        .ctx(user("vic"))
        .ready()
        .check(w.ent("project:delete"), w.res("project", "p1"))
        .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.reasons.len(), 1);
    assert_eq!(d.reasons[0].kind, ReasonKind::HierarchyDenied);
    match &d.reasons[0].meta {
        ReasonMeta::Roles { roles, via, .. } => {
            assert_eq!(roles, &["manager"]);
            assert_eq!(via[0].entity, "workspace");
            assert_eq!(via[0].resource, "ws1");
            assert_eq!(via[0].roles, ["admin"]);
            assert_eq!(via[1].entity, "organization");
            assert_eq!(via[1].roles, ["owner"]);
        }
        m => panic!("unexpected meta {m:?}"),
    }
}

#[test]
fn role_required_when_nothing_above_could_grant() {
    let w = world();
    // A project outside any workspace: no ancestor could give a role.
    w.s.ready()
        .add_resource(w.res("project", "lonely"), &[])
        .unwrap();
    let d = w
        .ctx(user("x"))
        .ready()
        .check(w.ent("project:read"), w.res("project", "lonely"))
        .unwrap();
    assert_eq!(d.reasons[0].kind, ReasonKind::RoleRequired);
}

#[test]
fn hierarchy_layer_carries_roles_down_the_actual_ancestry() {
    let w = world();
    w.assign("olga", "organization", "acme", "owner");
    assert!(w.can(user("olga"), "project:delete", "project", "p1"));
    assert!(w.can(user("olga"), "project:delete", "project", "p3"));
    assert!(w.can(user("olga"), "project:create", "workspace", "ws2"));
    w.assign("wes", "workspace", "ws1", "editor");
    assert!(w.can(user("wes"), "project:read", "project", "p2"));
    assert!(!w.can(user("wes"), "project:delete", "project", "p2"));
    // Not under ws1: nothing flows.
    assert!(!w.can(user("wes"), "project:read", "project", "p3"));
    let d = w
        .ctx(user("olga"))
        .ready()
        .check(w.ent("project:delete"), w.res("project", "p1"))
        .unwrap();
    assert!(d.allowed, "{d}");
    let g = d.grant.unwrap();
    assert_eq!(
        g.to_string(),
        "organization:owner on acme → workspace:admin on ws1 → project:manager on p1"
    );
    assert_eq!(g.steps[0].via, GrantVia::Direct);
    assert_eq!(g.steps[2].via, GrantVia::Inherited);
}

#[test]
fn grant_path_shows_implied_steps() {
    let w = world();
    w.assign("mia", "project", "p1", "manager");
    let d = w
        .ctx(user("mia"))
        .ready()
        .check(w.ent("project:read"), w.res("project", "p1"))
        .unwrap();
    let g = d.grant.unwrap();
    assert_eq!(g.steps.len(), 2);
    assert_eq!(
        (g.steps[0].role.as_str(), g.steps[0].via),
        ("manager", GrantVia::Direct)
    );
    assert_eq!(
        (g.steps[1].role.as_str(), g.steps[1].via),
        ("viewer", GrantVia::Implied)
    );
}

#[test]
fn recursive_parents_and_several_parents() {
    let w = world();
    w.assign("fay", "folder", "f1", "owner");
    // folder:owner ⇒ folder:owner on subfolders ⇒ viewer by implies.
    assert!(w.can(user("fay"), "folder:read", "folder", "f2"));
    w.assign("wes", "workspace", "ws1", "editor");
    assert!(w.can(user("wes"), "folder:read", "folder", "f2"));
    // A resource with two parents: p2 also sits under ws2.
    w.assign("zed", "workspace", "ws2", "admin");
    assert!(!w.can(user("zed"), "project:delete", "project", "p2"));
    w.s.ready()
        .set_parents(
            w.res("project", "p2"),
            &[w.res("workspace", "ws1"), w.res("workspace", "ws2")],
        )
        .unwrap();
    assert!(w.can(user("zed"), "project:delete", "project", "p2"));
    // Moving it back out of ws2 takes that path away.
    w.s.ready()
        .set_parents(w.res("project", "p2"), &[w.res("workspace", "ws1")])
        .unwrap();
    assert!(!w.can(user("zed"), "project:delete", "project", "p2"));
}

#[test]
fn parent_cycles_are_refused_when_written() {
    let w = world();
    let err =
        w.s.ready()
            .set_parents(w.res("folder", "f1"), &[w.res("folder", "f2")])
            .unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Cycle);
    let err =
        w.s.ready()
            .set_parents(w.res("folder", "f1"), &[w.res("folder", "f1")])
            .unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Cycle);
    // Unknown parents are refused, and nothing is created.
    let err =
        w.s.ready()
            .add_resource(w.res("folder", "f9"), &[w.res("folder", "nope")])
            .unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::NotFound);
    assert!(w.s.ready().ancestors(w.res("folder", "f9")).is_err());
    // Ancestors with depth.
    let a = w.s.ready().ancestors(w.res("folder", "f2")).unwrap();
    let names: Vec<(String, u32)> = a.iter().map(|(r, d)| (r.id.to_string(), *d)).collect();
    assert_eq!(
        names,
        [("f1".into(), 1), ("ws1".into(), 2), ("acme".into(), 3)]
    );
}

#[test]
fn removing_a_resource_removes_its_paths_and_assignments() {
    let w = world();
    w.assign("wes", "workspace", "ws1", "editor");
    assert!(w.can(user("wes"), "project:read", "project", "p1"));
    w.s.ready()
        .remove_resource(w.res("workspace", "ws1"))
        .unwrap();
    assert!(!w.can(user("wes"), "project:read", "project", "p1"));
    assert!(w.s.ready().assignments("wes").unwrap().is_empty());
}

#[test]
fn flag_layer() {
    let w = world();
    w.assign("mia", "project", "p1", "manager");
    w.s.ready()
        .set_base_plan("acme", 0, Subscription::new(w.plan("pro"), T0))
        .unwrap();
    assert!(!w.can(user("mia"), "ai:generate", "project", "p1"));
    let d = w
        .ctx(user("mia"))
        .ready()
        .check(w.ent("ai:generate"), w.res("project", "p1"))
        .unwrap();
    assert_eq!(d.reasons.len(), 1);
    assert_eq!(d.reasons[0].kind, ReasonKind::FlagDisabled);
    let beta = FlagId(w.m.data_ref().flag_index("beta_ai").unwrap());
    w.s.ready().set_flag("acme", beta, true).unwrap();
    assert!(w.can(user("mia"), "ai:generate", "project", "p1"));
    // Flags are per tenant.
    assert!(!w.can(
        Principal::new("mia").tenant("other"),
        "ai:generate",
        "project",
        "p1"
    ));
    assert!(!w.can(Principal::new("mia"), "ai:generate", "project", "p1"));
    w.s.ready().set_flag("acme", beta, false).unwrap();
    assert!(!w.can(user("mia"), "ai:generate", "project", "p1"));
}

#[test]
fn plan_layer_default_plan_upgrade_expiry_and_add_ons() {
    let w = world();
    w.assign("mia", "project", "p1", "viewer");
    let pdf = FlagId(w.m.data_ref().flag_index("pdf_export").unwrap());
    w.s.ready().set_flag("acme", pdf, true).unwrap();
    // No subscription: the default plan (free) applies, which lacks export:pdf.
    let d = w
        .ctx(user("mia"))
        .ready()
        .check(w.ent("export:pdf"), w.res("project", "p1"))
        .unwrap();
    assert_eq!(d.reasons[0].kind, ReasonKind::PlanRequired);
    match &d.reasons[0].meta {
        ReasonMeta::Plans { plans, current } => {
            assert_eq!(plans, &["pro", "enterprise"]);
            assert_eq!(current, &["free"]);
        }
        m => panic!("{m:?}"),
    }
    // Upgrade.
    w.s.ready()
        .set_base_plan("acme", 0, Subscription::new(w.plan("pro"), T0))
        .unwrap();
    assert!(w.can(user("mia"), "export:pdf", "project", "p1"));
    // Expired: back to the default plan.
    w.s.ready()
        .set_base_plan(
            "acme",
            0,
            Subscription::new(w.plan("pro"), T0).until(T0 + 86_400),
        )
        .unwrap();
    assert!(!w.can(user("mia"), "export:pdf", "project", "p1"));
    // Not-yet-started subscriptions are not active either.
    w.s.ready()
        .set_base_plan(
            "acme",
            0,
            Subscription::new(w.plan("pro"), T0 + 86_400 * 100),
        )
        .unwrap();
    assert!(!w.can(user("mia"), "export:pdf", "project", "p1"));
}

#[test]
fn add_ons_only_count_on_their_required_base_plans_and_add_limits() {
    let w = world();
    w.assign("mia", "project", "p1", "contributor");
    let beta = FlagId(w.m.data_ref().flag_index("beta_ai").unwrap());
    w.s.ready().set_flag("acme", beta, true).unwrap();
    // ai_boost on the free plan: not valid, so ai:generate stays plan-gated.
    w.s.ready()
        .add_add_on("acme", Subscription::new(w.plan("ai_boost"), T0))
        .unwrap();
    assert!(!w.can(user("mia"), "ai:generate", "project", "p1"));
    w.s.ready()
        .set_base_plan("acme", 0, Subscription::new(w.plan("pro"), T0))
        .unwrap();
    assert!(w.can(user("mia"), "ai:generate", "project", "p1"));
    let d = w
        .ctx(user("mia"))
        .ready()
        .check(w.ent("ai:generate"), w.res("project", "p1"))
        .unwrap();
    assert!(d.allowed);
    assert_eq!(d.limits[0].max, Some(6000), "pro's 1000 + ai_boost's 5000");
    w.s.ready()
        .remove_add_on("acme", w.plan("ai_boost"))
        .unwrap();
    let d = w
        .ctx(user("mia"))
        .ready()
        .check(w.ent("ai:generate"), w.res("project", "p1"))
        .unwrap();
    assert_eq!(d.limits[0].max, Some(1000));
    // Enterprise sets no limit: unlimited.
    w.s.ready()
        .set_base_plan("acme", 0, Subscription::new(w.plan("enterprise"), T0))
        .unwrap();
    let d = w
        .ctx(user("mia"))
        .ready()
        .check(w.ent("ai:generate"), w.res("project", "p1"))
        .unwrap();
    assert_eq!(d.limits[0].max, None);
}

#[test]
fn wallet_layer_limits_periods_and_overrides() {
    let w = world();
    w.assign("own", "organization", "acme", "owner");
    let invites = LimitId(w.m.data_ref().limit_index("invites").unwrap());
    let ctx = w.ctx(user("own"));
    let invite = w.ent("members:invite");
    let acme = w.res("organization", "acme");
    // Free plan: 5 invites per month.
    let mut taken = Vec::new();
    for _ in 0..5 {
        taken.push(
            ctx.ready()
                .can_and_consume(invite, acme)
                .unwrap()
                .expect("room left"),
        );
    }
    assert!(ctx.ready().can_and_consume(invite, acme).unwrap().is_none());
    assert!(!ctx.ready().can(invite, acme).unwrap());
    let d = ctx.ready().check(invite, acme).unwrap();
    assert_eq!(d.reasons[0].kind, ReasonKind::LimitReached);
    match &d.reasons[0].meta {
        ReasonMeta::Limit {
            max,
            used,
            remaining,
            ..
        } => assert_eq!((*max, *used, *remaining), (5, 5, 0)),
        m => panic!("{m:?}"),
    }
    // Unconsume gives a unit back.
    ctx.ready().unconsume(taken.pop().unwrap()).unwrap();
    assert!(ctx.ready().can(invite, acme).unwrap());
    assert!(ctx.ready().can_and_consume(invite, acme).unwrap().is_some());
    assert!(!ctx.ready().can(invite, acme).unwrap());
    // Override raises the max; it never lowers it.
    w.s.ready().set_override("acme", invites, Some(7)).unwrap();
    let c = ctx
        .ready()
        .can_and_consume(invite, acme)
        .unwrap()
        .expect("room after override");
    ctx.ready().unconsume(c).unwrap();
    w.s.ready().set_override("acme", invites, Some(1)).unwrap();
    let d = ctx.ready().check(invite, acme).unwrap();
    assert_eq!(d.limits[0].max, Some(5));
    // Next month (anchored at the epoch for the default plan): a fresh period.
    let later = w.ctx(user("own")).at(T0 + 86_400 * 45);
    assert!(later.ready().can(invite, acme).unwrap());
}

#[test]
fn wallet_periods_are_anchored_at_the_plan_start() {
    let w = world();
    w.assign("own", "organization", "acme", "owner");
    // Pro from the 20th of a month: 50 invites per month, period from the 20th to the 20th.
    let start = T0 + 6 * 86_400; // 2023-11-20
    w.s.ready()
        .set_base_plan("acme", 0, Subscription::new(w.plan("pro"), start))
        .unwrap();
    let invite = w.ent("members:invite");
    let acme = w.res("organization", "acme");
    let at = |t| w.ctx(user("own")).at(t);
    for _ in 0..50 {
        assert!(
            at(start + 86_400)
                .ready()
                .can_and_consume(invite, acme)
                .unwrap()
                .is_some()
        );
    }
    // 2023-12-19: same period, used up.
    assert!(!at(start + 29 * 86_400).ready().can(invite, acme).unwrap());
    // 2023-12-20: new period.
    assert!(at(start + 30 * 86_400).ready().can(invite, acme).unwrap());
}

#[test]
fn superuser_bypasses_and_inactive_users_are_always_denied() {
    let w = world();
    let root = Principal::new("root").superuser(true);
    assert!(w.can(root.clone(), "project:delete", "project", "p1"));
    let d = w
        .ctx(root)
        .ready()
        .check(w.ent("ai:generate"), w.res("project", "p1"))
        .unwrap();
    assert!(d.allowed);
    assert_eq!(d.grant.unwrap().to_string(), "superuser");
    w.assign("olga", "organization", "acme", "owner");
    assert!(w.can(user("olga"), "project:read", "project", "p1"));
    assert!(!w.can(user("olga").active(false), "project:read", "project", "p1"));
    assert!(!w.can(
        user("olga").active(false).superuser(true),
        "project:read",
        "project",
        "p1"
    ));
    let d = w
        .ctx(user("olga").active(false))
        .ready()
        .check(w.ent("project:read"), w.res("project", "p1"))
        .unwrap();
    assert_eq!(d.reasons[0].kind, ReasonKind::InactiveUser);
}

#[test]
fn check_returns_every_reason_in_order() {
    let w = world();
    // No role, flag off, plan lacks it: three reasons, roles first.
    let d = w
        .ctx(user("nobody"))
        .ready()
        .check(w.ent("ai:generate"), w.res("project", "p1"))
        .unwrap();
    let kinds: Vec<ReasonKind> = d.reasons.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            ReasonKind::HierarchyDenied,
            ReasonKind::FlagDisabled,
            ReasonKind::PlanRequired
        ]
    );
    // Wrong resource type.
    let d = w
        .ctx(user("nobody"))
        .ready()
        .check(w.ent("ai:generate"), w.res("workspace", "ws1"))
        .unwrap();
    assert_eq!(d.reasons[0].kind, ReasonKind::WrongResourceType);
    assert!(!w.can(user("nobody"), "ai:generate", "workspace", "ws1"));
}

#[test]
fn authorize_returns_an_error_with_the_reasons() {
    let w = world();
    let err = run(w
        .ctx(user("nobody"))
        .authorize(w.ent("project:delete"), w.res("project", "p1")))
    .unwrap_err();
    assert_eq!(err.entitlement, "project:delete");
    assert_eq!(err.user_id, "nobody");
    assert_eq!(err.reasons()[0].kind, ReasonKind::HierarchyDenied);
    assert!(err.to_string().contains("project:delete"));
    w.assign("nobody", "project", "p1", "manager");
    run(w
        .ctx(user("nobody"))
        .authorize(w.ent("project:delete"), w.res("project", "p1")))
    .unwrap();
}

#[test]
fn can_all_agrees_with_can_and_refuses_big_batches() {
    let w = world();
    w.assign("wes", "workspace", "ws1", "editor");
    w.assign("wes", "project", "p3", "viewer");
    let beta = FlagId(w.m.data_ref().flag_index("beta_ai").unwrap());
    w.s.ready().set_flag("acme", beta, true).unwrap();
    w.s.ready()
        .set_base_plan("acme", 0, Subscription::new(w.plan("pro"), T0))
        .unwrap();
    let ents = [
        "project:read",
        "project:delete",
        "ai:generate",
        "export:pdf",
        "project:create",
    ];
    let res = [
        ("project", "p1"),
        ("project", "p2"),
        ("project", "p3"),
        ("workspace", "ws1"),
        ("workspace", "ws2"),
    ];
    let mut pairs = Vec::new();
    for e in ents {
        for (t, i) in res {
            pairs.push((w.ent(e), w.res(t, i)));
        }
    }
    let ctx = w.ctx(user("wes"));
    let all = ctx.ready().can_all(&pairs).unwrap();
    let one: Vec<bool> = pairs
        .iter()
        .map(|(e, r)| ctx.ready().can(*e, *r).unwrap())
        .collect();
    assert_eq!(all, one);
    assert!(all.iter().any(|x| *x) && all.iter().any(|x| !*x));
    let big = vec![pairs[0]; 101];
    assert_eq!(
        ctx.ready().can_all(&big).unwrap_err().kind,
        StoreErrorKind::InvalidRequest
    );
}

#[test]
fn access_set_reports_each_entitlement_and_round_trips() {
    let w = world();
    w.assign("wes", "workspace", "ws1", "editor");
    let set = w.ctx(user("wes")).ready().access_set().unwrap();
    assert_eq!(set.state("project:read"), Some(AccessState::Allowed));
    assert_eq!(set.state("project:create"), Some(AccessState::Allowed));
    assert_eq!(set.state("project:delete"), Some(AccessState::RoleRequired));
    assert_eq!(set.state("members:invite"), Some(AccessState::RoleRequired));
    assert_eq!(set.state("ai:generate"), Some(AccessState::FlagDisabled));
    let pdf = FlagId(w.m.data_ref().flag_index("pdf_export").unwrap());
    w.s.ready().set_flag("acme", pdf, true).unwrap();
    let set = w.ctx(user("wes")).ready().access_set().unwrap();
    assert_eq!(set.state("export:pdf"), Some(AccessState::PlanRequired));
    let names: Vec<&str> =
        w.m.data_ref()
            .entitlements
            .iter()
            .map(|e| &*e.name)
            .collect();
    let decoded = access_core::AccessSet::decode(&set.encode(), names.iter().copied()).unwrap();
    assert_eq!(decoded, set);
    let root = w
        .ctx(Principal::new("r").superuser(true))
        .ready()
        .access_set()
        .unwrap();
    assert_eq!(root.allowed().count(), names.len());
}

#[test]
fn concurrent_consumption_is_exact() {
    let w = Arc::new(world());
    let owner = w.role("organization", "owner");
    w.s.ready()
        .assign("own", w.res("organization", "acme"), owner)
        .unwrap();
    let invites = LimitId(w.m.data_ref().limit_index("invites").unwrap());
    w.s.ready()
        .set_override("acme", invites, Some(100))
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let successes = rt.block_on(async {
        let mut handles = Vec::new();
        for t in 0..64 {
            let w = w.clone();
            handles.push(tokio::spawn(async move {
                let mut ok = 0u32;
                let ctx = AccessContext::new(&w.m, &w.s, user("own")).at(T0);
                let invite = w.ent("members:invite");
                let acme = w.res("organization", "acme");
                for i in 0..1000 {
                    if ctx.can_and_consume(invite, acme).await.unwrap().is_some() {
                        ok += 1;
                    }
                    if (i + t) % 50 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                ok
            }));
        }
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(successes, 100);
    let start = access_core::time::period_start(access_core::model::Period::Month, 0, T0);
    assert_eq!(w.s.usage("acme", invites, start), 100);
}

#[test]
fn dynamic_grants_change_who_may_do_what_on_the_same_path() {
    use access_core::Grants;
    let w = world();
    let data = w.m.data_ref();
    w.assign("vic", "project", "p1", "viewer");
    w.assign("olga", "organization", "acme", "owner");
    let dynamic = |g: &Grants, p: Principal, ent: &str, id: &str| {
        w.ctx(p)
            .with_grants(Arc::new(g.clone()))
            .ready()
            .can(w.ent(ent), w.res("project", id))
            .unwrap()
    };
    // The model's own grants: same answers as static mode.
    let mut g = Grants::new(data);
    for (p, ent) in [
        ("vic", "project:read"),
        ("vic", "project:delete"),
        ("olga", "project:delete"),
    ] {
        assert_eq!(
            dynamic(&g, user(p), ent, "p1"),
            w.can(user(p), ent, "project", "p1")
        );
    }
    // Grant delete to viewers: vic may delete, and so may everyone a viewer role reaches.
    g.grant(data, "project:delete", "viewer").unwrap();
    assert!(dynamic(&g, user("vic"), "project:delete", "p1"));
    assert!(!dynamic(&g, user("vic"), "project:delete", "p2"));
    assert!(
        !w.can(user("vic"), "project:delete", "project", "p1"),
        "static mode unchanged"
    );
    // Revoke it from managers and viewers: nobody below the org owner... nobody at all.
    g.revoke(data, "project:delete", "viewer").unwrap();
    g.revoke(data, "project:delete", "manager").unwrap();
    assert!(!dynamic(&g, user("olga"), "project:delete", "p1"));
    let d = w
        .ctx(user("olga"))
        .with_grants(Arc::new(g.clone()))
        .ready()
        .check(w.ent("project:delete"), w.res("project", "p1"))
        .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.reasons[0].kind, ReasonKind::RoleRequired);

    // A custom role: granted where assigned, with its name in explanations, not inherited.
    let auditor = g
        .create_role(
            data,
            "project",
            "auditor",
            &["project:read", "project:delete"],
        )
        .unwrap();
    assert_eq!(auditor, 3);
    w.s.ready()
        .assign("aud", w.res("project", "p2"), auditor)
        .unwrap();
    assert!(dynamic(&g, user("aud"), "project:delete", "p2"));
    assert!(!dynamic(&g, user("aud"), "project:delete", "p1"));
    assert!(
        !w.can(user("aud"), "project:read", "project", "p2"),
        "static mode ignores it"
    );
    let d = w
        .ctx(user("aud"))
        .with_grants(Arc::new(g.clone()))
        .ready()
        .check(w.ent("project:delete"), w.res("project", "p2"))
        .unwrap();
    assert!(d.allowed, "{d}");
    assert_eq!(d.grant.unwrap().to_string(), "project:auditor on p2");
    let d = w
        .ctx(user("vic"))
        .with_grants(Arc::new(g.clone()))
        .ready()
        .check(w.ent("project:delete"), w.res("project", "p1"))
        .unwrap();
    match &d.reasons[0].meta {
        ReasonMeta::Roles { roles, .. } => assert_eq!(roles, &["auditor"]),
        m => panic!("unexpected meta {m:?}"),
    }
    // can_all and the access set read the same tables.
    let ctx = w.ctx(user("aud")).with_grants(Arc::new(g.clone()));
    let all = ctx
        .ready()
        .can_all(&[
            (w.ent("project:delete"), w.res("project", "p2")),
            (w.ent("project:delete"), w.res("project", "p1")),
        ])
        .unwrap();
    assert_eq!(all, [true, false]);
    let set = ctx.ready().access_set().unwrap();
    assert_eq!(set.state("project:delete"), Some(AccessState::Allowed));
    // Deleted: the assignment left in the store grants nothing any more.
    g.delete_role(data, "project", "auditor").unwrap();
    assert!(!dynamic(&g, user("aud"), "project:read", "p2"));
}

#[test]
fn consuming_needs_a_tenant_only_when_a_limit_applies() {
    // `export` is limited on pro only; the default plan (free) includes it without a limit.
    let m = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("project", ["viewer"])
            .entitlement("project:export", "project", ["viewer"], [])
            .base_plan("free", "main", ["project:export"])
            .base_plan("pro", "main", ["project:export"])
            .limit("pro", "exports", "project:export", "day", 1)
            .default_plan("free")
            .spec(),
    )
    .unwrap();
    let s = MemoryStore::new();
    let p1 = Resource::new(m.entity_type("project").unwrap(), "p1");
    s.ready().add_resource(p1, &[]).unwrap();
    s.ready().assign("ann", p1, 0).unwrap();
    let export = m.entitlement("project:export").unwrap();
    let ctx = |p: Principal| AccessContext::new(&m, &s, p).at(T0);
    // No tenant: the default plan, no limit, so `can` and consuming both allow.
    assert!(ctx(Principal::new("ann")).ready().can(export, p1).unwrap());
    let c = ctx(Principal::new("ann"))
        .ready()
        .can_and_consume(export, p1)
        .unwrap()
        .expect("nothing to count");
    assert!(c.charges.is_empty());
    // Pro tenant: one a day, counted per tenant.
    let pro = PlanId(m.data_ref().plan_index("pro").unwrap());
    s.ready()
        .set_base_plan("acme", 0, Subscription::new(pro, T0))
        .unwrap();
    let acme = || ctx(user("ann").tenant("acme"));
    assert!(
        acme()
            .ready()
            .can_and_consume(export, p1)
            .unwrap()
            .is_some()
    );
    assert!(
        acme()
            .ready()
            .can_and_consume(export, p1)
            .unwrap()
            .is_none()
    );
    assert!(!acme().ready().can(export, p1).unwrap());
    // Someone without the role is refused whatever the wallet says.
    assert!(
        ctx(Principal::new("bob"))
            .ready()
            .can_and_consume(export, p1)
            .unwrap()
            .is_none()
    );
    assert!(
        ctx(user("bob"))
            .ready()
            .can_and_consume(export, p1)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_cached_context_moved_in_time_reads_assignments_again() {
    let w = world();
    let p1 = w.res("project", "p1");
    // A grant valid for one day from T0 + 10 days (the worlds' `now`).
    let from = T0 + 86_400 * 10;
    w.s.ready()
        .assign_during(
            "tmp",
            p1,
            w.role("project", "manager"),
            Some(from),
            Some(from + 86_400),
        )
        .unwrap();
    let delete = w.ent("project:delete");
    let cached = w.ctx(user("tmp")).with_cache();
    assert!(
        cached
            .clone()
            .at(from + 3_600)
            .ready()
            .can(delete, p1)
            .unwrap()
    );
    assert!(
        !cached
            .clone()
            .at(from + 2 * 86_400)
            .ready()
            .can(delete, p1)
            .unwrap()
    );
    assert!(cached.at(from + 60).ready().can(delete, p1).unwrap());
}
