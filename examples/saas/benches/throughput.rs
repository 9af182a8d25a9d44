//! Throughput of the saas app's guarded project routes next to their unguarded twins, served
//! in-process on loopback by the load test's harness (`tests/common/harness.rs`), on SQLite
//! (a WAL file) and on PostgreSQL (`ACCESS_TEST_POSTGRES_URL`, a fresh database; skipped,
//! saying so, without it).
//!
//! Routes: a read (`GET /projects/{id}`: `project:read` through the hierarchy, `__access`), a
//! list of 20 (`GET /projects`: `list_accessible` in the SQL, `__access` on each row), an update
//! (`PATCH /projects/{id}`: `project:update`, the write transaction); the twins are
//! `/plain/projects..`: the same table, statements and serialization, no authentication and no
//! checks. The guarded routes run twice: on the app as the example serves it, and on the same
//! app whose engine store has a read cache (`SeaStore::with_read_cache`, 1 s). Every update
//! sends a new name (SQLite skips a write that changes no byte). One user, admin of the
//! workspace that holds the 40 projects, drives them at 1, 16 and 64 concurrent keep-alive
//! clients; each cell runs `SAAS_BENCH_SECS` seconds (default 3; `SAAS_BENCH_ROUTE=list` measures
//! one route)
//! after half a second of warm-up, and requests still running at its end are abandoned and
//! counted as errors. Client and server share the machine.
//!
//! `cargo bench -p saas --bench throughput` (release); prints a Markdown table.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use access_core::{TypedClosure as _, TypedRoles as _};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde_json::json;

#[path = "../tests/common/harness.rs"]
mod harness;
#[path = "../tests/common/keepalive.rs"]
mod keepalive;

use harness::TestDb;
use keepalive::Conn;
use saas::model::{WorkspaceRole, resource};
use saas::schema::project;

/// Projects in the benchmark's workspace (the list shows the first 20).
const PROJECTS: usize = 40;
const CONCURRENCY: [usize; 3] = [1, 16, 64];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Read,
    List,
    Update,
}

impl Route {
    fn key(self) -> &'static str {
        match self {
            Route::Read => "read",
            Route::List => "list",
            Route::Update => "update",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Route::Read => "read `GET /projects/{id}`",
            Route::List => "list of 20 with `__access`",
            Route::Update => "update `PATCH /projects/{id}`",
        }
    }
}

/// One cell's figures.
struct Cell {
    rps: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

fn main() {
    let secs = std::env::var("SAAS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| (0.1..=60.0).contains(s))
        .unwrap_or(3.0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if std::env::var_os("SAAS_SQL_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("sqlx::query=info"))
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .try_init();
    }
    rt.block_on(async move {
        println!(
            "| database | route | clients | guarded req/s | p50 | p99 | guarded, read cache req/s | p50 | p99 | unguarded req/s | p50 | p99 | guarded / unguarded | with cache / unguarded | errors (g/c/u) |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        let sqlite = TestDb::sqlite("bench").await;
        bench(sqlite, secs).await;
        if let Some(pg) = TestDb::postgres("bench").await {
            bench(pg, secs).await;
        }
    });
}

async fn bench(tdb: TestDb, secs: f64) {
    let server = harness::serve(tdb.db.clone(), tdb.store_db.clone()).await;
    let token = seed(&server, &tdb.db).await;
    if std::env::var_os("SAAS_SQL_LOG").is_some() {
        statements(server.port, &token, tdb.backend).await;
        drop(server);
        tdb.drop_db().await;
        return;
    }
    // The same app on the same database, its engine store with a read cache of 1 s.
    let cached = harness::serve_with(
        tdb.db.clone(),
        tdb.store_db.clone(),
        Some(Duration::from_secs(1)),
    )
    .await;
    // `SAAS_BENCH_ROUTE=read|list|update` measures one route only (to profile it).
    let only = std::env::var("SAAS_BENCH_ROUTE").ok();
    for route in [Route::Read, Route::List, Route::Update] {
        if only.as_deref().is_some_and(|o| o != route.key()) {
            continue;
        }
        for clients in CONCURRENCY {
            let guarded = cell(server.port, &token, route, clients, false, secs).await;
            let warm = cell(cached.port, &token, route, clients, false, secs).await;
            let plain = cell(server.port, &token, route, clients, true, secs).await;
            let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
            let ratio = |c: &Cell| c.rps / plain.rps.max(f64::MIN_POSITIVE);
            println!(
                "| {} | {} | {clients} | {:.0} | {} | {} | {:.0} | {} | {} | {:.0} | {} | {} | {:.2}× | {:.2}× | {}/{}/{} |",
                tdb.backend,
                route.name(),
                guarded.rps,
                ms(guarded.p50),
                ms(guarded.p99),
                warm.rps,
                ms(warm.p50),
                ms(warm.p99),
                plain.rps,
                ms(plain.p50),
                ms(plain.p99),
                ratio(&guarded),
                ratio(&warm),
                guarded.errors,
                warm.errors,
                plain.errors,
            );
        }
    }
    drop(cached);
    drop(server);
    tdb.drop_db().await;
}

/// With `SAAS_SQL_LOG=1`: one request of each route, one at a time, each announced on stderr
/// before the statements it sends (`sqlx::query` at info), instead of the measurements.
async fn statements(port: u16, token: &str, backend: &str) {
    let mut conn = Conn::new(port);
    let body = json!({ "name": "renamed" });
    for (what, method, path, auth, body) in [
        ("guarded read", "GET", "/projects/p01", Some(token), None),
        ("unguarded read", "GET", "/plain/projects/p01", None, None),
        ("guarded list", "GET", "/projects", Some(token), None),
        ("unguarded list", "GET", "/plain/projects", None, None),
        (
            "guarded update",
            "PATCH",
            "/projects/p01",
            Some(token),
            Some(&body),
        ),
        (
            "unguarded update",
            "PATCH",
            "/plain/projects/p01",
            None,
            Some(&body),
        ),
    ] {
        // Twice: the first of each warms caches.
        for _ in 0..2 {
            eprintln!("=== {backend} {what}");
            let r = conn
                .send(method, path, auth, body)
                .await
                .expect("an answer");
            assert_eq!(r.status, 200, "{what}: {}", r.body);
        }
    }
    eprintln!("=== end");
}

/// The workspace `bench-ws` (organization `bench`) with [`PROJECTS`] projects, in the hierarchy
/// and in the table; a user who administers it, signed in: its access token.
async fn seed(server: &harness::Server, db: &DatabaseConnection) -> String {
    let (org, ws) = (
        resource::Organization::id("bench"),
        resource::Workspace::id("bench-ws"),
    );
    server.stores.add_root(org).await.expect("an organization");
    server.stores.add_child(ws, org).await.expect("a workspace");
    for i in 0..PROJECTS {
        let id = format!("p{i:02}");
        server
            .stores
            .add_child(resource::Project::id(&id), ws)
            .await
            .expect("a project in the hierarchy");
        project::Entity::insert(project::ActiveModel {
            id: Set(id.clone()),
            workspace: Set("bench-ws".to_owned()),
            name: Set(format!("Project {i}")),
        })
        .exec_without_returning(db)
        .await
        .expect("a project row");
    }
    let mut conn = Conn::new(server.port);
    let user = harness::register(&mut conn, db, "bench@load.test", "bench", "").await;
    server
        .stores
        .grant_role(&user.to_string(), ws, WorkspaceRole::Admin)
        .await
        .expect("a workspace role");
    let r = harness::login(&mut conn, "bench@load.test")
        .await
        .expect("log in");
    assert_eq!(r.status, 200, "log in: {}", r.body);
    harness::session(user, &r.body).expect("tokens").access
}

/// `clients` keep-alive clients on `route` for `secs` seconds after a warm-up.
async fn cell(
    port: u16,
    token: &str,
    route: Route,
    clients: usize,
    plain: bool,
    secs: f64,
) -> Cell {
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(clients);
    for k in 0..clients {
        let (token, measuring, stop) = (token.to_owned(), measuring.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(port);
            let (mut lat, mut errors) = (Vec::with_capacity(4096), 0usize);
            let mut i = k;
            let mut sent = 0u64;
            let base = if plain {
                "/plain/projects"
            } else {
                "/projects"
            };
            let auth = (!plain).then_some(token.as_str());
            while !stop.load(Ordering::Relaxed) {
                i = i.wrapping_mul(31).wrapping_add(7);
                let id = format!("p{:02}", i % PROJECTS);
                let started = Instant::now();
                let reply = match route {
                    Route::Read => conn.send("GET", &format!("{base}/{id}"), auth, None).await,
                    Route::List => conn.send("GET", base, auth, None).await,
                    Route::Update => {
                        // A new name every time, on both sides: SQLite skips a write that
                        // changes no byte, which would make one side's update a no-op.
                        sent += 1;
                        let body = json!({ "name": format!("Project {id} {k}-{sent}") });
                        conn.send("PATCH", &format!("{base}/{id}"), auth, Some(&body))
                            .await
                    }
                };
                // Only requests that started and ended inside the measured window count.
                if !measuring.load(Ordering::Relaxed) {
                    continue;
                }
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                match reply {
                    Ok(r) if r.status == 200 => lat.push(started.elapsed()),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        // A request still running a second after the cell ends is abandoned as an error.
        let abort = t.abort_handle();
        match tokio::time::timeout(Duration::from_secs(1), t).await {
            Ok(Ok((lat, e))) => {
                all.extend(lat);
                errors += e;
            }
            _ => {
                abort.abort();
                errors += 1;
            }
        }
    }
    all.sort_unstable();
    Cell {
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50: harness::quantile(&all, 0.50),
        p99: harness::quantile(&all, 0.99),
        errors,
    }
}
