//! Scale of the database stores on PostgreSQL: 100,000 resources in a 4-level hierarchy
//! (100 organizations → 900 workspaces → 9,000 teams → 90,000 projects), 10,000 users,
//! 1,000,000 role assignments. Measures `can` latency (p50, p99), `can_all` statement count,
//! and `list_accessible` pages against `can`.
//!
//! Heavy, so opt-in: `ACCESS_SCALE=1 ACCESS_TEST_POSTGRES_URL=.. cargo test --release -p
//! access-tests --test scale_postgres -- --nocapture`. Figures in docs/performance.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use access_core::model_builder::ModelBuilder;
use access_core::sea::{SeaStore, list_accessible};
use access_core::{AccessContext, DynamicModel, Principal, Resource};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectOptions, ConnectionTrait, Database};

fn model() -> DynamicModel {
    DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("organization", ["owner", "member"])
            .entity("workspace", ["admin", "viewer"])
            .inherits("workspace", "organization", "owner", "admin")
            .inherits("workspace", "organization", "member", "viewer")
            .entity("team", ["lead", "member"])
            .inherits("team", "workspace", "admin", "lead")
            .inherits("team", "workspace", "viewer", "member")
            .entity("project", ["manager", "viewer"])
            .implies("project", "manager", "viewer")
            .inherits("project", "team", "lead", "manager")
            .inherits("project", "team", "member", "viewer")
            .entitlement("project:read", "project", ["viewer"], [])
            .entitlement("project:delete", "project", ["manager"], [])
            .spec(),
    )
    .expect("valid model")
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_on_postgres() {
    let (Ok(url), Ok(_)) = (
        std::env::var("ACCESS_TEST_POSTGRES_URL"),
        std::env::var("ACCESS_SCALE"),
    ) else {
        eprintln!("scale_postgres: skipped, set ACCESS_SCALE=1 and ACCESS_TEST_POSTGRES_URL");
        return;
    };
    let schema = "access_scale";
    let admin = Database::connect(url.clone()).await.unwrap();
    admin
        .execute_unprepared(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await
        .unwrap();
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(4).set_schema_search_path(schema);
    let mut db = Database::connect(opts).await.unwrap();
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let m = model();
    let store = SeaStore::new(&m, db.clone());
    store.migrate().await.unwrap();

    // The data, generated in SQL. Ids: o0..o99, w0..w899 (w_i under o_{i/9}), t0..t8999
    // (t_i under w_{i/10}), p0..p89999 (p_i under t_{i/10}).
    let started = Instant::now();
    let data_sql = [
        "INSERT INTO access_resources (ty, id) SELECT 'organization', 'o' || g FROM generate_series(0, 99) g",
        "INSERT INTO access_resources (ty, id) SELECT 'workspace', 'w' || g FROM generate_series(0, 899) g",
        "INSERT INTO access_resources (ty, id) SELECT 'team', 't' || g FROM generate_series(0, 8999) g",
        "INSERT INTO access_resources (ty, id) SELECT 'project', 'p' || g FROM generate_series(0, 89999) g",
        "INSERT INTO access_parents SELECT 'workspace', 'w' || g, 'organization', 'o' || (g / 9) FROM generate_series(0, 899) g",
        "INSERT INTO access_parents SELECT 'team', 't' || g, 'workspace', 'w' || (g / 10) FROM generate_series(0, 8999) g",
        "INSERT INTO access_parents SELECT 'project', 'p' || g, 'team', 't' || (g / 10) FROM generate_series(0, 89999) g",
        "INSERT INTO access_closure SELECT ty, id, ty, id, 0 FROM access_resources",
        "INSERT INTO access_closure SELECT 'workspace', 'w' || g, 'organization', 'o' || (g / 9), 1 FROM generate_series(0, 899) g",
        "INSERT INTO access_closure SELECT 'team', 't' || g, 'workspace', 'w' || (g / 10), 1 FROM generate_series(0, 8999) g",
        "INSERT INTO access_closure SELECT 'team', 't' || g, 'organization', 'o' || (g / 90), 2 FROM generate_series(0, 8999) g",
        "INSERT INTO access_closure SELECT 'project', 'p' || g, 'team', 't' || (g / 10), 1 FROM generate_series(0, 89999) g",
        "INSERT INTO access_closure SELECT 'project', 'p' || g, 'workspace', 'w' || (g / 100), 2 FROM generate_series(0, 89999) g",
        "INSERT INTO access_closure SELECT 'project', 'p' || g, 'organization', 'o' || (g / 900), 3 FROM generate_series(0, 89999) g",
        // 1,000,000 assignments of 10,000 users, mostly on projects and teams, some higher up.
        "SELECT setseed(0.42)",
        "INSERT INTO access_assignments (user_id, res_ty, res_id, role) \
         SELECT DISTINCT ON (u, ty, id, role) u, ty, id, role FROM ( \
           SELECT 'u' || (g % 10000) AS u, \
             CASE WHEN r < 0.80 THEN 'project' WHEN r < 0.97 THEN 'team' WHEN r < 0.999 THEN 'workspace' ELSE 'organization' END AS ty, \
             CASE WHEN r < 0.80 THEN 'p' || floor(random() * 90000)::int WHEN r < 0.97 THEN 't' || floor(random() * 9000)::int \
                  WHEN r < 0.999 THEN 'w' || floor(random() * 900)::int ELSE 'o' || floor(random() * 100)::int END AS id, \
             CASE WHEN r < 0.80 THEN (ARRAY['manager','viewer'])[1 + floor(random() * 2)::int] \
                  WHEN r < 0.97 THEN (ARRAY['lead','member'])[1 + floor(random() * 2)::int] \
                  WHEN r < 0.999 THEN (ARRAY['admin','viewer'])[1 + floor(random() * 2)::int] \
                  ELSE (ARRAY['owner','member'])[1 + floor(random() * 2)::int] END AS role \
           FROM (SELECT g, random() AS r FROM generate_series(0, 1009999) g) s) x",
        "ANALYZE",
    ];
    for sql in data_sql {
        db.execute_unprepared(sql).await.unwrap();
    }
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            let r = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            r.try_get_by_index::<i64>(0).unwrap()
        }
    };
    let n_assign = count("SELECT COUNT(*) FROM access_assignments").await;
    let n_res = count("SELECT COUNT(*) FROM access_resources").await;
    eprintln!(
        "scale: {n_res} resources, {n_assign} assignments, 10000 users, generated in {:.1?}",
        started.elapsed()
    );
    assert_eq!(n_res, 100_000);
    assert!(n_assign >= 1_000_000, "{n_assign}");

    let project = m.entity_type("project").unwrap();
    let read = m.entitlement("project:read").unwrap();
    let delete = m.entitlement("project:delete").unwrap();

    // `can` latency: 3,000 random (user, project, entitlement) checks after 300 warm-up ones.
    let mut seed: u64 = 7;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let mut times = Vec::new();
    let mut allowed = 0;
    for i in 0..3_300 {
        let user = format!("u{}", next(10_000));
        let p = format!("p{}", next(90_000));
        let e = if next(2) == 0 { read } else { delete };
        let ctx = AccessContext::new(&m, &store, Principal::new(user));
        let t = Instant::now();
        let ok = ctx.can(e, Resource::new(project, &p)).await.unwrap();
        let d = t.elapsed();
        if i >= 300 {
            times.push(d);
            allowed += usize::from(ok);
        }
    }
    times.sort();
    eprintln!(
        "scale: can over {} checks ({} allowed): p50 {:.3?}, p99 {:.3?}, max {:.3?}",
        times.len(),
        allowed,
        pct(&times, 0.50),
        pct(&times, 0.99),
        times.last().unwrap()
    );

    // can_all of 100 pairs: one statement for all ancestries.
    let user = "u42".to_owned();
    let ids: Vec<String> = (0..100).map(|_| format!("p{}", next(90_000))).collect();
    let pairs: Vec<_> = ids
        .iter()
        .map(|id| (read, Resource::new(project, id)))
        .collect();
    let ctx = AccessContext::new(&m, &store, Principal::new(user.clone()));
    let before = statements.load(Ordering::SeqCst);
    let t = Instant::now();
    let all = ctx.can_all(&pairs).await.unwrap();
    let took = t.elapsed();
    let used = statements.load(Ordering::SeqCst) - before;
    eprintln!("scale: can_all of 100 pairs: {used} statement(s), {took:.3?}");
    assert_eq!(used, 1, "can_all of 100 pairs in one statement");
    for ((e, r), got) in pairs.iter().zip(all) {
        assert_eq!(got, ctx.can(*e, *r).await.unwrap());
    }

    // Listing: a user who administers 9 workspaces (900 projects, 1% of them).
    let lister = "lister";
    let ws = m.entity_type("workspace").unwrap();
    for w in 0..9 {
        use access_core::RoleStore;
        store
            .assign(lister, Resource::new(ws, &format!("w{}", w * 97)), 0)
            .await
            .unwrap();
    }
    for (who, expect_min) in [(lister.to_owned(), 900), ("u7".to_owned(), 1)] {
        let ctx = AccessContext::new(&m, &store, Principal::new(who.clone()));
        let mut first_page = Duration::ZERO;
        let mut listed: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let t = Instant::now();
            let acc = list_accessible(&ctx, read).await.unwrap();
            let mut q = Query::select()
                .column(Alias::new("id"))
                .from(Alias::new("access_resources"))
                .and_where(Expr::col(Alias::new("ty")).eq("project"))
                .cond_where(acc.condition(Alias::new("id")))
                .order_by(Alias::new("id"), Order::Asc)
                .limit(50)
                .to_owned();
            if let Some(a) = &after {
                q.and_where(Expr::col(Alias::new("id")).gt(a.clone()));
            }
            let rows = db.query_all(&q).await.unwrap();
            if pages == 0 {
                first_page = t.elapsed();
            }
            pages += 1;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                listed.push(r.try_get::<String>("", "id").unwrap());
            }
            after = listed.last().cloned();
        }
        // Exactly the set `can` allows: every project checked, 100 per `can_all`.
        let all: Vec<String> = (0..90_000).map(|i| format!("p{i}")).collect();
        let mut allowed: Vec<String> = Vec::new();
        for chunk in all.chunks(100) {
            let pairs: Vec<_> = chunk
                .iter()
                .map(|id| (read, Resource::new(project, id)))
                .collect();
            for (id, ok) in chunk.iter().zip(ctx.can_all(&pairs).await.unwrap()) {
                if ok {
                    allowed.push(id.clone());
                }
            }
        }
        let mut sorted = listed.clone();
        sorted.sort();
        allowed.sort();
        assert_eq!(
            sorted, allowed,
            "{who}: paging gives exactly what `can` allows"
        );
        eprintln!(
            "scale: list_accessible for {who}: {} projects in {pages} pages of 50; first page {first_page:.3?}",
            listed.len()
        );
        assert!(listed.len() >= expect_min, "{who}: {}", listed.len());
    }
    admin
        .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}
