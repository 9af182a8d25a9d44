//! One store suite, three instantiations: `MemoryStore`, `SeaStore` on SQLite, and `SeaStore` on
//! PostgreSQL (`ACCESS_TEST_POSTGRES_URL`; skipped without it). Every check goes through the
//! engine, so the stores are held to what `can`/`check` need, not to their internals.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use access_core::model_builder::ModelBuilder;
use access_core::sea::SeaStore;
use access_core::{
    AccessContext, AccessModel, DynamicModel, EntitlementId, EntityTypeId, FlagId, LimitId,
    MemoryStore, PlanId, Principal, Resource, RoleSet, StoreErrorKind, Stores, Subscription,
};
use sea_orm::{ConnectOptions, ConnectionTrait, Database};

/// A new, empty schema in `url`'s database, named after `tag` and the time: its name.
async fn fresh_schema(url: &str, tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("{tag}_{nanos}");
    let db = Database::connect(url).await.unwrap();
    db.execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    schema
}

const T0: i64 = 1_750_000_000;
const NOW: i64 = T0 + 86_400 * 3;

fn model() -> DynamicModel {
    DynamicModel::build(
        ModelBuilder::new("Access")
            .global_roles(["admin", "user"])
            .entity("organization", ["owner", "member"])
            .entity("workspace", ["admin", "viewer"])
            .inherits("workspace", "organization", "owner", "admin")
            .inherits("workspace", "organization", "member", "viewer")
            .entity("folder", ["owner", "viewer"])
            .implies("folder", "owner", "viewer")
            .inherits("folder", "workspace", "admin", "owner")
            .inherits("folder", "folder", "owner", "owner")
            .inherits("folder", "folder", "viewer", "viewer")
            .entity("project", ["manager", "viewer"])
            .implies("project", "manager", "viewer")
            .inherits("project", "workspace", "admin", "manager")
            .inherits("project", "workspace", "viewer", "viewer")
            .flags(["beta"])
            .entitlement("project:read", "project", ["viewer"], [])
            .entitlement("project:delete", "project", ["manager"], [])
            .entitlement("project:beta", "project", ["viewer"], ["beta"])
            .entitlement("ai:generate", "project", ["viewer"], [])
            .entitlement("folder:read", "folder", ["viewer"], [])
            .base_plan("free", "main", Vec::<&str>::new())
            .base_plan("pro", "main", ["ai:generate"])
            .limit("pro", "ai", "ai:generate", "month", 100)
            .add_on("boost", ["ai:generate"], Some(("main", ["pro"])))
            .limit("boost", "ai", "ai:generate", "month", 50)
            .default_plan("free")
            .spec(),
    )
    .expect("valid model")
}

struct W<'a, S: Stores> {
    m: &'a DynamicModel,
    s: &'a S,
}

impl<S: Stores> W<'_, S> {
    /// Organization acme ⊃ workspace ws1 ⊃ project p1.
    async fn acme_ws1_p1(&self) {
        self.add("organization", "acme", &[]).await;
        self.add("workspace", "ws1", &[("organization", "acme")])
            .await;
        self.add("project", "p1", &[("workspace", "ws1")]).await;
    }
    fn ty(&self, t: &str) -> EntityTypeId {
        self.m.entity_type(t).unwrap()
    }
    fn r<'b>(&self, t: &str, id: &'b str) -> Resource<'b> {
        Resource::new(self.ty(t), id)
    }
    fn role(&self, t: &str, role: &str) -> u16 {
        self.m.data().role_index(self.ty(t).0, role).unwrap()
    }
    async fn add(&self, t: &str, id: &str, parents: &[(&str, &str)]) {
        let ps: Vec<Resource<'_>> = parents.iter().map(|(t, i)| self.r(t, i)).collect();
        self.s.add_resource(self.r(t, id), &ps).await.unwrap();
    }
    async fn assign(&self, user: &str, t: &str, id: &str, role: &str) {
        self.s
            .assign(user, self.r(t, id), self.role(t, role))
            .await
            .unwrap();
    }
    fn ctx(&self, user: &str) -> AccessContext<'_, DynamicModel, S> {
        AccessContext::new(self.m, self.s, Principal::new(user).tenant("acme")).at(NOW)
    }
    fn ent(&self, e: &str) -> EntitlementId {
        self.m.entitlement(e).unwrap()
    }
    async fn can(&self, user: &str, e: &str, t: &str, id: &str) -> bool {
        self.ctx(user)
            .can(self.ent(e), self.r(t, id))
            .await
            .unwrap()
    }
    async fn ancestors(&self, t: &str, id: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .s
            .ancestors(self.r(t, id))
            .await
            .unwrap()
            .into_iter()
            .map(|(r, d)| {
                format!(
                    "{}:{}@{d}",
                    self.m.data().entities[r.ty.0 as usize].name,
                    r.id
                )
            })
            .collect();
        v.sort();
        v
    }
}

/// The suite. `queries` counts the statements the store sends (0 for the in-memory store).
async fn suite<S: Stores>(s: &S, queries: Option<&AtomicUsize>) {
    let m = model();
    let w = W { m: &m, s };

    // Hierarchy: acme ⊃ ws1 ⊃ {p1, p2, f1 ⊃ f2}; acme ⊃ ws2 ⊃ p3; p4 under ws1 and ws2;
    // globex ⊃ ws9.
    w.add("organization", "acme", &[]).await;
    w.add("organization", "globex", &[]).await;
    w.add("workspace", "ws1", &[("organization", "acme")]).await;
    w.add("workspace", "ws2", &[("organization", "acme")]).await;
    w.add("workspace", "ws9", &[("organization", "globex")])
        .await;
    for (p, ws) in [("p1", "ws1"), ("p2", "ws1"), ("p3", "ws2")] {
        w.add("project", p, &[("workspace", ws)]).await;
    }
    w.add(
        "project",
        "p4",
        &[("workspace", "ws1"), ("workspace", "ws2")],
    )
    .await;
    w.add("folder", "f1", &[("workspace", "ws1")]).await;
    w.add("folder", "f2", &[("folder", "f1")]).await;
    assert_eq!(
        w.ancestors("folder", "f2").await,
        ["folder:f1@1", "organization:acme@3", "workspace:ws1@2"]
    );
    assert_eq!(
        w.ancestors("project", "p4").await,
        ["organization:acme@2", "workspace:ws1@1", "workspace:ws2@1"]
    );

    // Roles down the hierarchy.
    w.assign("olga", "organization", "acme", "owner").await;
    w.assign("wes", "workspace", "ws1", "viewer").await;
    w.assign("fay", "folder", "f1", "owner").await;
    assert!(w.can("olga", "project:delete", "project", "p3").await);
    assert!(w.can("olga", "folder:read", "folder", "f2").await);
    assert!(w.can("wes", "project:read", "project", "p4").await);
    assert!(!w.can("wes", "project:delete", "project", "p1").await);
    assert!(!w.can("wes", "project:read", "project", "p3").await);
    assert!(w.can("fay", "folder:read", "folder", "f2").await);
    assert!(!w.can("nobody", "project:read", "project", "p1").await);
    assert!(!w.can("olga", "project:read", "project", "nope").await);

    // Who holds roles on a resource (an organization's members), by user id, a page at a time.
    w.assign("hal", "organization", "globex", "member").await;
    w.assign("hana", "organization", "globex", "member").await;
    w.assign("hana", "organization", "globex", "owner").await;
    w.assign("hal", "workspace", "ws9", "admin").await;
    let globex = Resource::new(w.ty("organization"), "globex");
    let (owner, member) = (RoleSet::single(0), RoleSet::single(1));
    assert_eq!(
        w.s.holders(globex, None, 10).await.unwrap(),
        [
            ("hal".to_owned(), member),
            ("hana".to_owned(), owner.union(member))
        ]
    );
    assert_eq!(
        w.s.holders(globex, None, 1).await.unwrap(),
        [("hal".to_owned(), member)]
    );
    assert_eq!(
        w.s.holders(globex, Some("hal"), 1).await.unwrap(),
        [("hana".to_owned(), owner.union(member))]
    );
    assert!(
        w.s.holders(globex, Some("hana"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let nowhere = Resource::new(w.ty("organization"), "initech");
    assert!(w.s.holders(nowhere, None, 10).await.unwrap().is_empty());
    // An id no database can store names no resource: denied, not an error.
    assert!(!w.can("olga", "project:read", "project", "p1\0").await);
    let e =
        w.s.add_resource(w.r("project", "bad\0id"), &[])
            .await
            .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::InvalidRequest);
    let d = w
        .ctx("olga")
        .check(w.ent("project:delete"), w.r("project", "p1"))
        .await
        .unwrap();
    assert_eq!(
        d.grant.unwrap().to_string(),
        "organization:owner on acme → workspace:admin on ws1 → project:manager on p1"
    );

    // can_all agrees with can, in a constant number of statements.
    let pairs: Vec<(EntitlementId, Resource<'_>)> = ["p1", "p2", "p3", "p4", "nope"]
        .iter()
        .flat_map(|p| {
            ["project:read", "project:delete", "ai:generate"].map(|e| (w.ent(e), w.r("project", p)))
        })
        .collect();
    for user in ["olga", "wes", "nobody"] {
        let before = queries.map(|q| q.load(Ordering::SeqCst));
        let all = w.ctx(user).can_all(&pairs).await.unwrap();
        if let (Some(q), Some(b)) = (queries, before) {
            let n = q.load(Ordering::SeqCst) - b;
            assert!(
                n <= 4,
                "can_all of {} pairs took {n} statements",
                pairs.len()
            );
        }
        for ((e, r), got) in pairs.iter().zip(all) {
            assert_eq!(got, w.ctx(user).can(*e, *r).await.unwrap(), "{user} {r:?}");
        }
    }
    // Several types in one batch (folders and projects, interleaved, one repeated): each
    // answer as `can` gives it, in one ancestry statement.
    let mixed: Vec<(EntitlementId, Resource<'_>)> = vec![
        (w.ent("folder:read"), w.r("folder", "f2")),
        (w.ent("project:read"), w.r("project", "p1")),
        (w.ent("folder:read"), w.r("folder", "f1")),
        (w.ent("project:delete"), w.r("project", "p2")),
        (w.ent("folder:read"), w.r("folder", "f2")),
        (w.ent("folder:read"), w.r("folder", "nope")),
    ];
    for user in ["olga", "fay", "wes"] {
        let before = queries.map(|q| q.load(Ordering::SeqCst));
        let all = w.ctx(user).can_all(&mixed).await.unwrap();
        if let (Some(q), Some(b)) = (queries, before) {
            assert_eq!(
                q.load(Ordering::SeqCst) - b,
                1,
                "one statement for two types"
            );
        }
        for ((e, r), got) in mixed.iter().zip(all) {
            assert_eq!(got, w.ctx(user).can(*e, *r).await.unwrap(), "{user} {r:?}");
        }
    }
    assert!(w.ctx("olga").can_all(&mixed).await.unwrap()[..2] == [true, true]);
    if let Some(q) = queries {
        let b = q.load(Ordering::SeqCst);
        assert!(w.can("olga", "project:read", "project", "p1").await);
        assert_eq!(
            q.load(Ordering::SeqCst) - b,
            1,
            "one query per `can` on roles alone"
        );
        // The per-request cache: repeated checks on one resource read the database once.
        let ctx = w.ctx("olga").with_cache();
        let b = q.load(Ordering::SeqCst);
        for e in ["project:read", "project:delete", "project:read"] {
            assert!(ctx.can(w.ent(e), w.r("project", "p1")).await.unwrap());
        }
        let d = ctx
            .check(w.ent("project:delete"), w.r("project", "p1"))
            .await
            .unwrap();
        assert!(d.allowed);
        assert_eq!(
            q.load(Ordering::SeqCst) - b,
            1,
            "cached after the first read"
        );
        // `can_all` through the cache: the ancestries it lacks in one statement, the tenant's
        // flags and plans in one more, all left in the cache, so each pair's `can` after it
        // reads nothing; a resource already cached is not read again.
        let uncached = w.ctx("olga").can_all(&pairs).await.unwrap();
        let ctx = w.ctx("olga").with_cache();
        let b = q.load(Ordering::SeqCst);
        assert!(
            ctx.can(w.ent("project:read"), w.r("project", "p1"))
                .await
                .unwrap()
        );
        assert_eq!(q.load(Ordering::SeqCst) - b, 1, "one ancestry for `can`");
        let b = q.load(Ordering::SeqCst);
        assert_eq!(ctx.can_all(&pairs).await.unwrap(), uncached);
        let n = q.load(Ordering::SeqCst) - b;
        assert_eq!(n, 2, "can_all of {} pairs took {n} statements", pairs.len());
        let b = q.load(Ordering::SeqCst);
        for ((e, r), want) in pairs.iter().zip(&uncached) {
            assert_eq!(ctx.can(*e, *r).await.unwrap(), *want, "{r:?}");
        }
        assert_eq!(
            q.load(Ordering::SeqCst) - b,
            0,
            "every `can` from the cache"
        );
        assert_eq!(ctx.can_all(&pairs).await.unwrap(), uncached);
        assert_eq!(
            q.load(Ordering::SeqCst) - b,
            0,
            "a second `can_all` from the cache"
        );
    }

    // Moving a workspace moves its projects; a cycle is refused and changes nothing.
    w.s.set_parents(w.r("workspace", "ws2"), &[w.r("organization", "globex")])
        .await
        .unwrap();
    assert!(!w.can("olga", "project:delete", "project", "p3").await);
    assert!(
        w.can("olga", "project:delete", "project", "p4").await,
        "still under ws1"
    );
    w.assign("gus", "organization", "globex", "owner").await;
    assert!(w.can("gus", "project:delete", "project", "p3").await);
    assert_eq!(
        w.ancestors("project", "p3").await,
        ["organization:globex@2", "workspace:ws2@1"]
    );
    let e =
        w.s.set_parents(w.r("organization", "acme"), &[w.r("folder", "f2")])
            .await
            .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Cycle);
    let e =
        w.s.set_parents(w.r("folder", "f1"), &[w.r("folder", "f1")])
            .await
            .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Cycle);
    assert!(w.can("fay", "folder:read", "folder", "f2").await);
    assert_eq!(
        w.ancestors("folder", "f2").await,
        ["folder:f1@1", "organization:acme@3", "workspace:ws1@2"]
    );
    let e =
        w.s.add_resource(w.r("project", "p5"), &[w.r("workspace", "missing")])
            .await
            .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::NotFound);
    assert!(
        w.s.ancestors(w.r("project", "p5")).await.is_err(),
        "nothing created"
    );
    let e =
        w.s.assign("x", w.r("project", "missing"), 0)
            .await
            .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::NotFound);

    // Removing a resource: its assignments go, its children lose it as a parent.
    w.assign("wes", "project", "p1", "viewer").await;
    w.s.remove_resource(w.r("workspace", "ws1")).await.unwrap();
    assert!(!w.can("olga", "project:delete", "project", "p1").await);
    assert!(
        w.can("wes", "project:read", "project", "p1").await,
        "direct role stays"
    );
    assert!(
        w.can("gus", "project:read", "project", "p4").await,
        "through ws2"
    );
    assert_eq!(w.ancestors("project", "p1").await, Vec::<String>::new());
    assert_eq!(w.ancestors("folder", "f2").await, ["folder:f1@1"]);
    let assigned = w.s.assignments("wes").await.unwrap();
    assert_eq!(assigned.len(), 1, "the ws1 assignment went with ws1");
    w.s.revoke("wes", w.r("project", "p1"), w.role("project", "viewer"))
        .await
        .unwrap();
    assert!(!w.can("wes", "project:read", "project", "p1").await);
    w.s.revoke("wes", w.r("project", "p1"), 1).await.unwrap();

    // Time-bound grants: counted inside their window only, without a cleanup job.
    let viewer = w.role("project", "viewer");
    let p2 = w.r("project", "p2");
    w.s.assign_during("tim", p2, viewer, Some(NOW - 100), Some(NOW + 100))
        .await
        .unwrap();
    assert!(w.can("tim", "project:read", "project", "p2").await);
    let later = w.ctx("tim").at(NOW + 100);
    assert!(
        !later.can(w.ent("project:read"), p2).await.unwrap(),
        "expired"
    );
    let earlier = w.ctx("tim").at(NOW - 101);
    assert!(
        !earlier.can(w.ent("project:read"), p2).await.unwrap(),
        "not yet"
    );
    w.s.assign_during("tim", p2, viewer, None, Some(NOW - 1))
        .await
        .unwrap();
    assert!(
        !w.can("tim", "project:read", "project", "p2").await,
        "bounds replaced"
    );
    w.s.assign("tim", p2, viewer).await.unwrap();
    assert!(
        later.can(w.ent("project:read"), p2).await.unwrap(),
        "permanent now"
    );

    // Global roles.
    let mut roles = RoleSet::EMPTY;
    roles.insert(0);
    w.s.set_global_roles("olga", roles).await.unwrap();
    assert_eq!(w.s.global_roles("olga").await.unwrap(), roles);
    assert_eq!(w.s.global_roles("nobody").await.unwrap(), RoleSet::EMPTY);

    // Flags, plans, add-ons and overrides take effect at the next check.
    w.assign("vic", "project", "p2", "viewer").await;
    assert!(!w.can("vic", "project:beta", "project", "p2").await);
    w.s.set_flag("acme", FlagId(0), true).await.unwrap();
    assert!(w.can("vic", "project:beta", "project", "p2").await);
    w.s.set_flag("acme", FlagId(0), false).await.unwrap();
    assert!(!w.can("vic", "project:beta", "project", "p2").await);
    assert!(
        !w.can("vic", "ai:generate", "project", "p2").await,
        "free plan"
    );
    let plan = |n: &str| PlanId(w.m.data().plan_index(n).unwrap());
    w.s.set_base_plan("acme", 0, Subscription::new(plan("pro"), T0))
        .await
        .unwrap();
    assert!(w.can("vic", "ai:generate", "project", "p2").await);
    let tp = w.s.tenant_plans("acme").await.unwrap();
    assert_eq!(tp.base.len(), 1);
    w.s.add_add_on("acme", Subscription::new(plan("boost"), T0))
        .await
        .unwrap();
    assert_eq!(w.s.tenant_plans("acme").await.unwrap().add_ons.len(), 1);
    w.s.set_override("acme", LimitId(0), Some(500))
        .await
        .unwrap();
    // The tenant's flags, plans, add-ons and overrides read together agree with the separate
    // reads (in one statement on a database).
    w.s.set_flag("acme", FlagId(0), true).await.unwrap();
    let b = queries.map(|q| q.load(Ordering::SeqCst));
    let (flags, plans) = w.s.tenant_state("acme").await.unwrap();
    if let (Some(q), Some(b)) = (queries, b) {
        assert_eq!(
            q.load(Ordering::SeqCst) - b,
            1,
            "tenant_state in one statement"
        );
    }
    assert!(flags.contains(0));
    assert_eq!(flags, w.s.tenant_flags("acme").await.unwrap());
    assert_eq!(plans, w.s.tenant_plans("acme").await.unwrap());
    let shape = (plans.base.len(), plans.add_ons.len(), plans.overrides.len());
    assert_eq!(shape, (1, 1, 1));
    assert_eq!(plans.overrides[0], (LimitId(0), 500));
    let (none, no_plans) = w.s.tenant_state("nobody").await.unwrap();
    assert!(none.is_empty() && no_plans.base.is_empty() && no_plans.add_ons.is_empty());
    assert!(no_plans.overrides.is_empty());
    w.s.set_flag("acme", FlagId(0), false).await.unwrap();
    let limits = w
        .ctx("vic")
        .check(w.ent("ai:generate"), p2)
        .await
        .unwrap()
        .limits;
    assert_eq!(limits[0].max, Some(500), "override above pro + boost (150)");
    w.s.set_override("acme", LimitId(0), None).await.unwrap();
    w.s.remove_add_on("acme", plan("boost")).await.unwrap();
    let limits = w
        .ctx("vic")
        .check(w.ent("ai:generate"), p2)
        .await
        .unwrap()
        .limits;
    assert_eq!(limits[0].max, Some(100));
    w.s.set_base_plan("acme", 0, Subscription::new(plan("free"), T0))
        .await
        .unwrap();
    assert!(
        !w.can("vic", "ai:generate", "project", "p2").await,
        "downgraded"
    );
    w.s.set_base_plan("acme", 0, Subscription::new(plan("pro"), T0).until(NOW - 1))
        .await
        .unwrap();
    assert!(
        !w.can("vic", "ai:generate", "project", "p2").await,
        "expired plan"
    );
    w.s.set_base_plan("acme", 0, Subscription::new(plan("pro"), T0))
        .await
        .unwrap();

    // The wallet: exact under concurrency.
    let ctx = w.ctx("vic");
    let ai = w.ent("ai:generate");
    let ok = Arc::new(AtomicUsize::new(0));
    let futs = (0..160).map(|_| {
        let ok = ok.clone();
        let ctx = ctx.clone();
        async move {
            if ctx.can_and_consume(ai, p2).await.unwrap().is_some() {
                ok.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    futures_join_all(futs).await;
    assert_eq!(ok.load(Ordering::SeqCst), 100);
    assert!(
        !w.can("vic", "ai:generate", "project", "p2").await,
        "limit reached"
    );
    // The next monthly period (anchored at the plan's start) is a fresh counter; the old one
    // keeps its count.
    let next_month = w.ctx("vic").at(NOW + 40 * 86_400);
    let c = next_month.can_and_consume(ai, p2).await.unwrap().unwrap();
    assert_ne!(c.charges[0].period_start, T0, "a later period");
    assert_eq!(
        w.s.used("acme", LimitId(0), c.charges[0].period_start)
            .await
            .unwrap(),
        1
    );
    assert_eq!(w.s.used("acme", LimitId(0), T0).await.unwrap(), 100);
}

/// Runs the futures concurrently on the current task (no extra dependency).
async fn futures_join_all<F: std::future::Future<Output = ()>>(futs: impl Iterator<Item = F>) {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    std::future::poll_fn(|cx| {
        set.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if set.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

#[tokio::test]
async fn memory_store() {
    suite(&MemoryStore::new(), None).await;
}

async fn sea(url: String, schema: Option<String>) {
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(4);
    if let Some(s) = schema {
        opts.set_schema_search_path(s);
    }
    let mut db = Database::connect(opts).await.unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    db.set_metric_callback(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    let store = SeaStore::new(&model(), db);
    store.migrate().await.unwrap();
    suite(&store, Some(&count)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sea_store_on_sqlite() {
    let path = std::env::temp_dir().join(format!(
        "access-stores-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    sea(format!("sqlite://{}?mode=rwc", path.display()), None).await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sea_store_on_postgres() {
    let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "stores: PostgreSQL skipped, set ACCESS_TEST_POSTGRES_URL"
        );
        return;
    };
    let schema = fresh_schema(&url, "stores").await;
    sea(url, Some(schema)).await;
}

/// `list_accessible` returns exactly the resources `can` allows, on random worlds.
async fn listing_agrees_with_can(store: &SeaStore, seed: u64) {
    use access_core::RoleStore;
    use access_core::sea::list_accessible;
    let m = model();
    let w = W { m: &m, s: store };
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % n
    };
    let mut projects = Vec::new();
    let mut folders = Vec::new();
    for o in 0..3 {
        w.add("organization", &format!("o{o}"), &[]).await;
    }
    for ws in 0..8 {
        let o = format!("o{}", next(3));
        w.add("workspace", &format!("w{ws}"), &[("organization", &o)])
            .await;
    }
    for p in 0..40 {
        let a = format!("w{}", next(8));
        let b = format!("w{}", next(8));
        let id = format!("p{p}");
        if next(5) == 0 {
            w.add("project", &id, &[("workspace", &a), ("workspace", &b)])
                .await;
        } else {
            w.add("project", &id, &[("workspace", &a)]).await;
        }
        projects.push(id);
    }
    for f in 0..20 {
        let id = format!("f{f}");
        if f > 0 && next(2) == 0 {
            let parent = format!("f{}", next(f));
            w.add("folder", &id, &[("folder", &parent)]).await;
        } else {
            let ws = format!("w{}", next(8));
            w.add("folder", &id, &[("workspace", &ws)]).await;
        }
        folders.push(id);
    }
    let types = ["organization", "workspace", "project", "folder"];
    for u in 0..12 {
        for _ in 0..4 {
            let t = types[next(4)];
            let id = match t {
                "organization" => format!("o{}", next(3)),
                "workspace" => format!("w{}", next(8)),
                "project" => format!("p{}", next(40)),
                _ => format!("f{}", next(20)),
            };
            let role = next(2) as u16;
            let window = match next(4) {
                0 => (Some(NOW + 10), None),
                1 => (None, Some(NOW - 10)),
                _ => (None, None),
            };
            store
                .assign_during(&format!("u{u}"), w.r(t, &id), role, window.0, window.1)
                .await
                .unwrap();
        }
    }
    let mut compared = 0;
    let mut allowed = 0;
    for u in 0..12 {
        let user = format!("u{u}");
        let ctx = w.ctx(&user);
        for (e, ty, ids) in [
            ("project:read", "project", &projects),
            ("project:delete", "project", &projects),
            ("folder:read", "folder", &folders),
        ] {
            let acc = list_accessible(&ctx, w.ent(e)).await.unwrap();
            assert!(acc.exact(), "{e}");
            let mut listed = listed(store, ty, &acc).await;
            listed.sort();
            let mut expected = Vec::new();
            for id in ids.iter() {
                if ctx.can(w.ent(e), w.r(ty, id)).await.unwrap() {
                    expected.push(id.clone());
                }
                compared += 1;
            }
            expected.sort();
            allowed += expected.len();
            assert_eq!(listed, expected, "{user} {e}");
        }
    }
    assert!(
        allowed > 20 && allowed < compared / 2,
        "{allowed} of {compared}"
    );
}

#[tokio::test]
async fn listing_on_sqlite() {
    for seed in 0..4 {
        let path = std::env::temp_dir().join(format!(
            "access-listing-{}-{seed}-{}.db",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        let store = SeaStore::new(&model(), db);
        store.migrate().await.unwrap();
        listing_agrees_with_can(&store, seed).await;
        let _ = std::fs::remove_file(path);
    }
}

#[tokio::test]
async fn listing_on_postgres() {
    let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
        return;
    };
    for seed in 0..4 {
        let schema = fresh_schema(&url, &format!("listing{seed}")).await;
        let mut opts = ConnectOptions::new(url.clone());
        opts.set_schema_search_path(schema);
        let store = SeaStore::new(&model(), Database::connect(opts).await.unwrap());
        store.migrate().await.unwrap();
        listing_agrees_with_can(&store, seed).await;
    }
}

/// The ids of type `ty` a `list_accessible` answer selects, as the store's table holds them.
async fn listed(store: &SeaStore, ty: &str, acc: &access_core::sea::Accessible) -> Vec<String> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    let q = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("access_resources"))
        .and_where(Expr::col(Alias::new("ty")).eq(ty))
        .cond_where(acc.condition(Alias::new("id")))
        .to_owned();
    let rows = store.db().query_all(&q).await.unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "id").unwrap())
        .collect()
}

/// A `SeaStore` for `m` on a fresh in-memory SQLite database.
async fn in_memory_sqlite(m: &DynamicModel) -> SeaStore {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let store = SeaStore::new(m, db);
    store.migrate().await.unwrap();
    store
}

/// Two ways down from a workspace to a project, directly and through a team that carries none of
/// the roles `project:delete` needs:
/// a listing that follows the closure table cannot tell them apart, so it must not claim to be
/// exact, and what it lists with `can` re-checking is exactly what `can` allows.
#[tokio::test]
async fn listing_is_not_exact_when_a_type_has_two_ways_down() {
    use access_core::sea::list_accessible;
    let m = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("workspace", ["admin", "member"])
            .entity("team", ["lead", "member"])
            .inherits("team", "workspace", "admin", "member")
            .entity("project", ["manager", "viewer"])
            .implies("project", "manager", "viewer")
            .inherits("project", "workspace", "admin", "manager")
            .inherits("project", "team", "member", "viewer")
            .entitlement("project:delete", "project", ["manager"], [])
            .spec(),
    )
    .unwrap();
    let store = in_memory_sqlite(&m).await;
    let w = W { m: &m, s: &store };
    w.add("workspace", "ws1", &[]).await;
    w.add("team", "t1", &[("workspace", "ws1")]).await;
    w.add("project", "direct", &[("workspace", "ws1")]).await;
    w.add("project", "in-team", &[("team", "t1")]).await;
    w.assign("ann", "workspace", "ws1", "admin").await;
    // ann manages the project directly under ws1; through t1 she is a member, so a viewer.
    assert!(w.can("ann", "project:delete", "project", "direct").await);
    assert!(!w.can("ann", "project:delete", "project", "in-team").await);
    let ctx = w.ctx("ann");
    let acc = list_accessible(&ctx, w.ent("project:delete"))
        .await
        .unwrap();
    assert!(!acc.exact(), "the closure holds in-team under ws1 too");
    let mut kept = Vec::new();
    for id in listed(&store, "project", &acc).await {
        if w.can("ann", "project:delete", "project", &id).await {
            kept.push(id);
        }
    }
    assert_eq!(kept, ["direct"]);
}

/// A pair `can` answers `false` for (a type the model does not have, an entitlement of another
/// type) is `false` in a batch too, not a failure of the whole batch.
#[tokio::test]
async fn can_all_answers_false_for_pairs_no_store_can_hold() {
    let m = model();
    let store = in_memory_sqlite(&m).await;
    let w = W { m: &m, s: &store };
    w.acme_ws1_p1().await;
    w.assign("ann", "workspace", "ws1", "admin").await;
    let read = w.ent("project:read");
    let ghost = Resource::new(EntityTypeId(999), "x");
    let ctx = w.ctx("ann");
    assert!(!ctx.can(read, ghost).await.unwrap());
    let pairs = [
        (read, ghost),
        (read, w.r("project", "p1")),
        (read, w.r("workspace", "ws1")),
    ];
    assert_eq!(ctx.can_all(&pairs).await.unwrap(), [false, true, false]);
}

/// Custom roles are stored as `#index`. A row naming an index the model itself uses (a custom
/// role stored before the model gained a role) is not read as the model's role.
#[tokio::test]
async fn a_stored_custom_role_never_reads_as_a_model_role() {
    use access_core::RoleStore;
    let m = model();
    let store = in_memory_sqlite(&m).await;
    let w = W { m: &m, s: &store };
    w.acme_ws1_p1().await;
    // `#0` is the index of project's `manager`; `#5` is past the model's two roles.
    for (user, role) in [("old", "#0"), ("custom", "#5")] {
        store
            .db()
            .execute_unprepared(&format!(
                "INSERT INTO access_assignments (user_id, res_ty, res_id, role) VALUES ('{user}', 'project', 'p1', '{role}')"
            ))
            .await
            .unwrap();
    }
    assert!(!w.can("old", "project:delete", "project", "p1").await);
    assert!(!w.can("old", "project:read", "project", "p1").await);
    let held = |user: &'static str| {
        let store = &store;
        let p1 = w.r("project", "p1");
        async move {
            let mut a = access_core::Ancestry::default();
            store.ancestry(user, p1, &mut a).await.unwrap();
            a.nodes[0].roles
        }
    };
    assert!(held("old").await.is_empty());
    assert!(held("custom").await.contains(5));
}

/// The wallet's period is anchored the same way whatever order a store keeps a tenant's plans
/// in (the memory store in insertion order, the database by start): two add-ons with the same
/// limit, added newest first, anchor it at the earliest start in both.
#[tokio::test]
async fn every_store_anchors_the_wallet_period_at_the_same_plan() {
    let m = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("project", ["viewer"])
            .entitlement("ai:generate", "project", ["viewer"], [])
            .base_plan("free", "main", Vec::<&str>::new())
            .add_on("small", ["ai:generate"], None::<(&str, [&str; 0])>)
            .limit("small", "ai", "ai:generate", "month", 10)
            .add_on("large", ["ai:generate"], None::<(&str, [&str; 0])>)
            .limit("large", "ai", "ai:generate", "month", 20)
            .default_plan("free")
            .spec(),
    )
    .unwrap();
    let sea = in_memory_sqlite(&m).await;
    let memory = MemoryStore::new();
    async fn period<S: Stores>(m: &DynamicModel, s: &S) -> (i64, i64) {
        let w = W { m, s };
        w.add("project", "p1", &[]).await;
        w.assign("ann", "project", "p1", "viewer").await;
        let plan = |n: &str| PlanId(m.data().plan_index(n).unwrap());
        s.add_add_on("acme", Subscription::new(plan("large"), T0 - 86_400 * 3))
            .await
            .unwrap();
        s.add_add_on("acme", Subscription::new(plan("small"), T0 - 86_400 * 40))
            .await
            .unwrap();
        let d = w
            .ctx("ann")
            .check(w.ent("ai:generate"), w.r("project", "p1"))
            .await
            .unwrap();
        assert!(d.allowed, "{d:?}");
        assert_eq!(d.limits[0].max, Some(30));
        (d.limits[0].period_start, d.limits[0].resets_at)
    }
    let a = period(&m, &memory).await;
    let b = period(&m, &sea).await;
    assert_eq!(a, b, "memory and database agree");
    let start = T0 - 86_400 * 40;
    assert_eq!(
        a.0,
        access_core::time::period_start(access_core::Period::Month, start, NOW),
        "anchored at the earliest start"
    );
}

/// Untyped role writes on a store that knows the model: an index that is not a role of the
/// resource's entity type is refused with the valid roles named, on `assign`, `assign_during`
/// and `revoke`, and nothing is stored; `with_custom_roles` lets indices past the model's roles
/// through (custom roles), never 64 or more.
async fn untyped_role_writes_are_checked<S: Stores>(plain: &S, custom: &S) {
    let project = EntityTypeId(3);
    for s in [plain, custom] {
        let acme = Resource::new(EntityTypeId(0), "acme");
        s.add_resource(acme, &[]).await.unwrap();
        s.add_resource(Resource::new(project, "p1"), &[])
            .await
            .unwrap();
    }
    let p1 = Resource::new(project, "p1");
    let refused = "role 2 is not a role of `project`: its roles are 0 `manager`, 1 `viewer`";
    let err = plain.assign("ann", p1, 2).await.unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (StoreErrorKind::InvalidRequest, refused)
    );
    let err = plain
        .assign_during("ann", p1, 2, None, Some(NOW))
        .await
        .unwrap_err();
    assert_eq!(err.message, refused);
    assert_eq!(
        plain.revoke("ann", p1, 2).await.unwrap_err().message,
        refused
    );
    assert!(plain.assignments("ann").await.unwrap().is_empty());
    // A role of the entity is taken.
    plain.assign("ann", p1, 1).await.unwrap();
    assert_eq!(
        plain.assignments("ann").await.unwrap()[0].1,
        RoleSet::single(1)
    );
    plain.revoke("ann", p1, 1).await.unwrap();
    // An entity type the model lacks.
    let err = plain
        .assign("ann", Resource::new(EntityTypeId(9), "x"), 0)
        .await
        .unwrap_err();
    assert_eq!(err.message, "entity type 9 is not in the model `Access`");

    custom.assign("cal", p1, 5).await.unwrap();
    assert!(custom.assignments("cal").await.unwrap()[0].1.contains(5));
    custom.revoke("cal", p1, 5).await.unwrap();
    assert!(custom.assignments("cal").await.unwrap().is_empty());
    let err = custom.assign("cal", p1, 64).await.unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::InvalidRequest);
    assert!(custom.assignments("cal").await.unwrap().is_empty());
}

#[tokio::test]
async fn untyped_role_writes_are_checked_in_memory() {
    let m = model();
    let (plain, custom) = (
        MemoryStore::for_model(&m),
        MemoryStore::for_model(&m).with_custom_roles(),
    );
    untyped_role_writes_are_checked(&plain, &custom).await;
    // Without a model every index below 64 is taken, as before.
    let bare = MemoryStore::new();
    use access_core::{ClosureStore, RoleStore};
    bare.add_resource(Resource::new(EntityTypeId(3), "p1"), &[])
        .await
        .unwrap();
    bare.assign("ann", Resource::new(EntityTypeId(3), "p1"), 7)
        .await
        .unwrap();
}

#[tokio::test]
async fn untyped_role_writes_are_checked_on_sqlite() {
    let m = model();
    let plain = in_memory_sqlite(&m).await;
    let custom = in_memory_sqlite(&m).await.with_custom_roles();
    untyped_role_writes_are_checked(&plain, &custom).await;
}

#[tokio::test]
async fn untyped_role_writes_are_checked_on_postgres() {
    let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "stores: PostgreSQL skipped, set ACCESS_TEST_POSTGRES_URL"
        );
        return;
    };
    let m = model();
    let mut stores = Vec::new();
    for n in 0..2 {
        let schema = fresh_schema(&url, &format!("untyped{n}")).await;
        let mut opts = ConnectOptions::new(url.clone());
        opts.max_connections(2).set_schema_search_path(schema);
        let store = SeaStore::new(&m, Database::connect(opts).await.unwrap());
        store.migrate().await.unwrap();
        stores.push(store);
    }
    let custom = stores.pop().unwrap().with_custom_roles();
    untyped_role_writes_are_checked(&stores[0], &custom).await;
}

/// A store write that meets a lock outlasting the database's wait is `Unavailable` (worth
/// another attempt; access-axum answers 503), not `Backend`, and stores nothing.
#[tokio::test]
async fn a_locked_database_is_unavailable_not_a_backend_failure() {
    use access_core::{ClosureStore, RoleStore};
    let path = std::env::temp_dir().join(format!(
        "access-locked-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(1)
        .map_sqlx_sqlite_opts(|o| o.busy_timeout(std::time::Duration::from_millis(50)));
    let m = model();
    let store = SeaStore::new(&m, Database::connect(opts).await.unwrap());
    store.migrate().await.unwrap();
    let acme = Resource::new(EntityTypeId(0), "acme");
    store.add_resource(acme, &[]).await.unwrap();

    let mut one = ConnectOptions::new(url);
    one.max_connections(1); // BEGIN and ROLLBACK on the same connection
    let holder = Database::connect(one).await.unwrap();
    holder.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
    let err = store.assign("ann", acme, 0).await.unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Unavailable, "{err}");
    holder.execute_unprepared("ROLLBACK").await.unwrap();
    assert!(store.assignments("ann").await.unwrap().is_empty());
    store.assign("ann", acme, 0).await.unwrap();
    let _ = std::fs::remove_file(&path);
}

/// `set_roles_keeping` on a store: an organization keeps an owner whatever its owners do, one
/// at a time or all at once.
async fn an_organization_keeps_an_owner(store: &SeaStore) {
    use access_core::sea::RolesSet;
    use access_core::{ClosureStore, RoleStore};
    let m = model();
    let org = Resource::new(m.entity_type("organization").unwrap(), "acme");
    let (owner, member) = (0u16, 1u16);
    store.add_resource(org, &[]).await.unwrap();
    store.assign("ann", org, owner).await.unwrap();
    store.assign("bob", org, member).await.unwrap();
    // The only owner can neither leave nor become a member; nothing changes.
    assert_eq!(
        store
            .set_roles_keeping("ann", org, RoleSet::EMPTY, owner)
            .await
            .unwrap(),
        RolesSet::LastHolder
    );
    assert_eq!(
        store
            .set_roles_keeping("ann", org, RoleSet::single(member as usize), owner)
            .await
            .unwrap(),
        RolesSet::LastHolder
    );
    let holders = store.holders(org, None, 10).await.unwrap();
    assert_eq!(
        holders,
        [
            ("ann".to_owned(), RoleSet::single(0)),
            ("bob".to_owned(), RoleSet::single(1))
        ]
    );
    // Bob becomes an owner (his member role replaced), then ann may step down.
    assert_eq!(
        store
            .set_roles_keeping("bob", org, RoleSet::single(owner as usize), owner)
            .await
            .unwrap(),
        RolesSet::Done {
            before: RoleSet::single(1)
        }
    );
    assert_eq!(
        store
            .set_roles_keeping("ann", org, RoleSet::EMPTY, owner)
            .await
            .unwrap(),
        RolesSet::Done {
            before: RoleSet::single(0)
        }
    );
    assert_eq!(
        store.holders(org, None, 10).await.unwrap(),
        [("bob".to_owned(), RoleSet::single(0))]
    );
    // Eight owners all leaving at once: exactly one stays, on every backend.
    let owners: Vec<String> = (0..8).map(|i| format!("o{i}")).collect();
    for o in &owners {
        store.assign(o, org, owner).await.unwrap();
    }
    store
        .set_roles_keeping("bob", org, RoleSet::EMPTY, owner)
        .await
        .unwrap();
    let results = futures_collect(owners.iter().map(|o| {
        let store = store.clone();
        let o = o.clone();
        async move {
            store
                .set_roles_keeping(&o, org_static(), RoleSet::EMPTY, owner)
                .await
                .unwrap()
        }
    }))
    .await;
    let refused = results
        .iter()
        .filter(|r| **r == RolesSet::LastHolder)
        .count();
    assert_eq!(refused, 1, "{results:?}");
    assert_eq!(store.holders(org, None, 10).await.unwrap().len(), 1);
    // The change waits for another writer of the organization: its check and its write are
    // one step (without the lock, two owners leaving at once could both pass the check).
    {
        // A new owner next to the one the rush left (which of o0..o7 that is varies).
        store.assign("p0", org, owner).await.unwrap();
        let other = access_core::sea::write::begin_write(store.db())
            .await
            .unwrap();
        if other.get_database_backend() == sea_orm::DbBackend::Postgres {
            other
                .execute_unprepared(
                    "SELECT 1 FROM access_resources WHERE ty = 'organization' AND id = 'acme' FOR UPDATE",
                )
                .await
                .unwrap();
        }
        let waiting = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .set_roles_keeping("p0", org_static(), RoleSet::EMPTY, 0)
                    .await
                    .unwrap()
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !waiting.is_finished(),
            "the change did not wait for the lock"
        );
        other.commit().await.unwrap();
        assert!(matches!(waiting.await.unwrap(), RolesSet::Done { .. }));
    }
    // No such resource, or a role the type lacks: errors, nothing written.
    let ghost = Resource::new(org.ty, "initech");
    let err = store
        .set_roles_keeping("ann", ghost, RoleSet::EMPTY, owner)
        .await
        .unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::NotFound);
    let err = store
        .set_roles_keeping("ann", org, RoleSet::single(9), owner)
        .await
        .unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::InvalidRequest);
}

fn org_static() -> Resource<'static> {
    Resource::new(model().entity_type("organization").unwrap(), "acme")
}

/// Runs the futures on tasks of their own, at once; their outputs in order.
async fn futures_collect<T: Send + 'static, F: std::future::Future<Output = T> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_keeps_an_owner_on_sqlite() {
    let path = std::env::temp_dir().join(format!(
        "access-owners-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let mut opts = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    opts.max_connections(4);
    let store = SeaStore::new(&model(), Database::connect(opts).await.unwrap());
    store.migrate().await.unwrap();
    an_organization_keeps_an_owner(&store).await;
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_keeps_an_owner_on_postgres() {
    let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "stores: PostgreSQL skipped, set ACCESS_TEST_POSTGRES_URL"
        );
        return;
    };
    let schema = fresh_schema(&url, "owners").await;
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(8).set_schema_search_path(schema);
    let store = SeaStore::new(&model(), Database::connect(opts).await.unwrap());
    store.migrate().await.unwrap();
    an_organization_keeps_an_owner(&store).await;
}
