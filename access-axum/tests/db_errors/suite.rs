//! Database errors answered by their real cause, through the real CRUD router served on
//! loopback, on SQLite (`db_errors_sqlite`, a file database in WAL mode) and PostgreSQL
//! (`db_errors_postgres`): a unique violation 409, a foreign-key violation or a value the
//! column does not take 422 (naming the field where the database does), contention retried
//! then 503 with `Retry-After`, a pool timeout 503 with `Retry-After`, anything else 500; never
//! the database's text in the body, and stored data unchanged by every refused request.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use access_axum::authz::Authz;
use access_axum::config::Argon2Params;
use access_axum::crud::crud_router;
use access_axum::db::user;
use access_axum::{AuthConfig, AuthState, JwtKeys};
use access_core::MemoryStore;
use axum::Router;
use axum::extract::FromRef;
use jsonwebtoken::Algorithm;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor],
        entity doc { roles: [owner] }
        entitlements { "doc:read" on doc => roles [owner] }
    }
}

mod doc {
    use sea_orm::entity::prelude::*;

    /// The table is stricter than the model: `title` is NOT NULL, `slug` unique and at most 20
    /// characters, `folder_id` references `folders`, `size` is checked `>= 0`.
    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "docs")]
    #[schema(access = super::model::Access, entity = Entity, permission(
        create = [editor],
        read   = public,
        update = [editor],
        delete = [editor],
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[serde(default)]
        pub id: i64,
        pub title: Option<String>,
        pub slug: String,
        pub folder_id: Option<i64>,
        pub size: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone)]
struct AppState {
    auth: AuthState,
    authz: Authz<model::Access, MemoryStore>,
}

impl FromRef<AppState> for AuthState {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}
impl FromRef<AppState> for Authz<model::Access, MemoryStore> {
    fn from_ref(s: &AppState) -> Self {
        s.authz.clone()
    }
}

/// How the application's pool is made.
#[derive(Clone, Copy)]
struct Pool {
    max: u32,
    acquire_timeout: Duration,
    /// SQLite's busy timeout; PostgreSQL's `lock_timeout`.
    wait: Duration,
}

impl Default for Pool {
    fn default() -> Self {
        Self {
            max: 4,
            acquire_timeout: Duration::from_secs(10),
            wait: Duration::from_secs(5),
        }
    }
}

/// Where the tables are: a SQLite file or a PostgreSQL schema.
struct Place {
    url: String,
    schema: Option<String>,
}

/// A server on loopback over the application's pool.
struct H {
    addr: SocketAddr,
    db: DatabaseConnection,
    place: Place,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for H {
    fn drop(&mut self) {
        self.server.abort();
        if self.place.schema.is_none()
            && let Some(path) = self.place.url.strip_prefix("sqlite://")
        {
            let path = path.trim_end_matches("?mode=rwc");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }
}

fn postgres() -> bool {
    super::BACKEND == "postgres"
}

/// A fresh place (a SQLite file in WAL mode, or a PostgreSQL schema) with the tables; `None`
/// (and why on stderr) without PostgreSQL.
async fn place() -> Option<Place> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let place = if postgres() {
        let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "db_errors_postgres: skipped, set ACCESS_TEST_POSTGRES_URL"
            );
            return None;
        };
        let schema = format!("dberr{nanos}");
        let db = Database::connect(url.clone()).await.unwrap();
        db.execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        Place {
            url,
            schema: Some(schema),
        }
    } else {
        let path = std::env::temp_dir().join(format!("access-dberr-{nanos}.db"));
        Place {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            schema: None,
        }
    };
    let db = connect(&place, Pool::default()).await;
    let ddl = if postgres() {
        [
            "CREATE TABLE folders (id BIGINT PRIMARY KEY)",
            "CREATE TABLE docs (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL, \
             slug VARCHAR(20) NOT NULL UNIQUE, folder_id BIGINT REFERENCES folders (id), \
             size BIGINT NOT NULL CHECK (size >= 0))",
        ]
    } else {
        [
            "CREATE TABLE folders (id INTEGER PRIMARY KEY)",
            "CREATE TABLE docs (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, \
             slug TEXT NOT NULL UNIQUE CHECK (length(slug) <= 20), \
             folder_id INTEGER REFERENCES folders (id), size INTEGER NOT NULL CHECK (size >= 0))",
        ]
    };
    if !postgres() {
        // Persistent in the file: every later connection is in WAL mode.
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .unwrap();
    }
    access_axum::migrate(&db).await.unwrap();
    for sql in ddl {
        db.execute_unprepared(sql).await.unwrap();
    }
    db.execute_unprepared("INSERT INTO folders (id) VALUES (1)")
        .await
        .unwrap();
    Some(place)
}

/// A pool on `place`.
async fn connect(place: &Place, pool: Pool) -> DatabaseConnection {
    let mut opts = ConnectOptions::new(place.url.clone());
    opts.max_connections(pool.max)
        .acquire_timeout(pool.acquire_timeout)
        .sqlx_logging(false);
    if let Some(schema) = &place.schema {
        let lock_timeout = format!("{}ms", pool.wait.as_millis());
        opts.set_schema_search_path(schema.clone())
            .map_sqlx_postgres_opts(move |o| o.options([("lock_timeout", lock_timeout.as_str())]));
    } else {
        let wait = pool.wait;
        opts.map_sqlx_sqlite_opts(move |o| o.busy_timeout(wait));
    }
    Database::connect(opts).await.unwrap()
}

/// The application (auth and `/docs`) on a loopback port, over a pool made as `pool` says.
async fn harness(pool: Pool) -> Option<H> {
    let place = place().await?;
    let db = connect(&place, pool).await;
    let config = AuthConfig::builder()
        .keys(JwtKeys::hmac(Algorithm::HS256, b"dberr-test-secret-dberr-test-secret!").unwrap())
        .argon2(Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        })
        .build()
        .unwrap();
    let auth = AuthState::new(db.clone(), config);
    let state = AppState {
        auth: auth.clone(),
        authz: Authz::new(model::Access, MemoryStore::new()),
    };
    let router: Router = Router::new()
        .nest(
            "/docs",
            crud_router::<doc::Entity, model::Access, MemoryStore, AppState>(),
        )
        .with_state(state)
        .merge(auth.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Some(H {
        addr,
        db,
        place,
        server,
    })
}

/// A response: status, `Retry-After`, JSON body (and its text).
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
    text: String,
}

impl H {
    /// One request over a new loopback connection (HTTP/1.1, `Connection: close`).
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(t) = token {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut raw))
            .await
            .expect("the server answers within a minute")
            .unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let (head, text) = raw.split_once("\r\n\r\n").expect("a head and a body");
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let mut retry_after = None;
        for l in lines {
            let (name, value) = l.split_once(':').unwrap();
            let name = name.to_ascii_lowercase();
            assert_ne!(name, "transfer-encoding", "a body with Content-Length");
            if name == "retry-after" {
                retry_after = Some(value.trim().to_owned());
            }
        }
        Answer {
            status,
            retry_after,
            body: serde_json::from_str(text).unwrap_or(Value::Null),
            text: text.to_owned(),
        }
    }

    /// An editor's access token.
    async fn editor(&self, email: &str) -> String {
        let creds = json!({ "email": email, "password": "correct horse battery" });
        let a = self.call("POST", "/auth/register", None, Some(creds)).await;
        assert_eq!(a.status, 201, "{a:?}");
        let id = a.body["user"]["id"].as_i64().unwrap();
        user::Entity::update_many()
            .col_expr(user::Column::Roles, Expr::value("editor"))
            .filter(user::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .unwrap();
        let login = json!({ "identifier": email, "password": "correct horse battery" });
        let a = self.call("POST", "/auth/login", None, Some(login)).await;
        assert_eq!(a.status, 200, "{a:?}");
        a.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a doc; its id.
    async fn create(&self, token: &str, slug: &str) -> i64 {
        let body = json!({ "title": "t", "slug": slug, "folder_id": 1, "size": 1 });
        let a = self.call("POST", "/docs", Some(token), Some(body)).await;
        assert_eq!(a.status, 201, "{a:?}");
        a.body["id"].as_i64().unwrap()
    }

    /// Every stored doc, by id.
    async fn docs(&self) -> Vec<doc::Model> {
        let mut v = doc::Entity::find().all(&self.db).await.unwrap();
        v.sort_by_key(|d| d.id);
        v
    }
}

/// The body never carries the database's own words.
fn no_internals(a: &Answer) {
    let t = a.text.to_lowercase();
    for word in [
        "constraint",
        "foreign",
        "sqlite",
        "database",
        "locked",
        "duplicate",
        "violates",
        "docs",
        "pool",
        "timed out",
        "relation",
    ] {
        assert!(!t.contains(word), "`{word}` in {}", a.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_unique_value_taken_is_409_conflict() {
    let Some(h) = harness(Pool::default()).await else {
        return;
    };
    let token = h.editor("u@example.com").await;
    h.create(&token, "taken").await;
    let before = h.docs().await;
    let body = json!({ "title": "t2", "slug": "taken", "size": 2 });
    let a = h.call("POST", "/docs", Some(&token), Some(body)).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (409, Some("conflict")),
        "{a:?}"
    );
    if !postgres() {
        // SQLite names the column.
        assert!(
            a.body["message"].as_str().unwrap().contains("`slug`"),
            "{a:?}"
        );
    }
    no_internals(&a);
    // An update onto a taken value is refused the same way and changes nothing.
    let other = h.create(&token, "free").await;
    let before_update = h.docs().await;
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{other}"),
            Some(&token),
            Some(json!({ "slug": "taken" })),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (409, Some("conflict")),
        "{a:?}"
    );
    no_internals(&a);
    assert_eq!(h.docs().await, before_update);
    assert_eq!(before.len() + 1, before_update.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_referenced_row_is_422() {
    let Some(h) = harness(Pool::default()).await else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let body = json!({ "title": "t", "slug": "s", "folder_id": 999, "size": 1 });
    let a = h.call("POST", "/docs", Some(&token), Some(body)).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (422, Some("invalid_body")),
        "{a:?}"
    );
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("referenced row"),
        "{a:?}"
    );
    no_internals(&a);
    assert!(h.docs().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_value_the_column_does_not_take_is_422_naming_the_field_where_known() {
    let Some(h) = harness(Pool::default()).await else {
        return;
    };
    let token = h.editor("u@example.com").await;
    // NOT NULL: both databases name the column.
    let body = json!({ "title": null, "slug": "s", "size": 1 });
    let a = h.call("POST", "/docs", Some(&token), Some(body)).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (422, Some("invalid_body")),
        "{a:?}"
    );
    assert!(
        a.body["message"].as_str().unwrap().contains("`title`"),
        "{a:?}"
    );
    no_internals(&a);
    assert!(h.docs().await.is_empty());
    // CHECK, on an update: refused, the row as it was.
    let id = h.create(&token, "s").await;
    let before = h.docs().await;
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "size": -1 })),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (422, Some("invalid_body")),
        "{a:?}"
    );
    no_internals(&a);
    // Too long for the column (PostgreSQL's VARCHAR(20): a data exception; SQLite: a CHECK).
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "slug": "x".repeat(21) })),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (422, Some("invalid_body")),
        "{a:?}"
    );
    no_internals(&a);
    assert_eq!(h.docs().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_busy_database_is_retried_then_503_with_retry_after() {
    let wait = Duration::from_millis(100);
    let Some(h) = harness(Pool {
        wait,
        ..Pool::default()
    })
    .await
    else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let id = h.create(&token, "s").await;
    let before = h.docs().await;
    // Another connection (another process, say) holds the write lock (SQLite) or the row's
    // lock (PostgreSQL).
    let other = connect(&h.place, Pool::default()).await;
    let blocker = access_core::sea::write::begin_write(&other).await.unwrap();
    let lock = if postgres() {
        format!("SELECT id FROM docs WHERE id = {id} FOR UPDATE")
    } else {
        format!("UPDATE docs SET size = size WHERE id = {id}")
    };
    blocker.execute_unprepared(&lock).await.unwrap();
    let started = Instant::now();
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (503, Some("unavailable")),
        "{a:?}"
    );
    assert_eq!(a.retry_after.as_deref(), Some("1"), "{a:?}");
    no_internals(&a);
    // Retried: every attempt waited out the busy (lock) timeout.
    let attempts = access_core::sea::write::ATTEMPTS;
    assert!(
        took >= wait * attempts,
        "answered after {took:?}, before {attempts} waits"
    );
    blocker.rollback().await.unwrap();
    assert_eq!(h.docs().await, before);
    // The lock released, the same request succeeds.
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(h.docs().await[0].title.as_deref(), Some("new"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pool_timeout_is_503_with_retry_after() {
    let Some(h) = harness(Pool {
        max: 1,
        acquire_timeout: Duration::from_millis(300),
        ..Pool::default()
    })
    .await
    else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let id = h.create(&token, "s").await;
    let before = h.docs().await;
    // The pool's one connection, held.
    let held = sea_orm::TransactionTrait::begin(&h.db).await.unwrap();
    let a = h.call("GET", &format!("/docs/{id}"), None, None).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (503, Some("unavailable")),
        "{a:?}"
    );
    assert_eq!(a.retry_after.as_deref(), Some("1"), "{a:?}");
    no_internals(&a);
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    assert_eq!(
        (a.status, a.retry_after.as_deref()),
        (503, Some("1")),
        "{a:?}"
    );
    held.rollback().await.unwrap();
    assert_eq!(h.docs().await, before);
    let a = h.call("GET", &format!("/docs/{id}"), None, None).await;
    assert_eq!(a.status, 200, "{a:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anything_else_is_500_without_internals() {
    let Some(h) = harness(Pool::default()).await else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let id = h.create(&token, "s").await;
    // The schema is not what the application expects (a missing table).
    h.db.execute_unprepared("ALTER TABLE docs RENAME TO gone")
        .await
        .unwrap();
    let a = h.call("GET", &format!("/docs/{id}"), None, None).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (500, Some("internal")),
        "{a:?}"
    );
    assert_eq!(a.retry_after, None);
    no_internals(&a);
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (500, Some("internal")),
        "{a:?}"
    );
    no_internals(&a);
}

/// The bug: an update loads the row, then writes it. In a deferred SQLite transaction
/// in WAL mode, a read transaction that tries to write after another writer committed fails
/// at once with `SQLITE_BUSY` (the busy timeout does not apply), which was answered 422. 32
/// concurrent PATCHes of distinct rows over 8 pooled connections: every one 200, every new
/// value stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_distinct_rows_all_succeed() {
    const N: usize = 32;
    let Some(h) = harness(Pool {
        max: 8,
        ..Pool::default()
    })
    .await
    else {
        return;
    };
    let h = std::sync::Arc::new(h);
    let token = h.editor("u@example.com").await;
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        ids.push(h.create(&token, &format!("s{i}")).await);
    }
    // Every PATCH starts at once.
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let mut tasks = Vec::with_capacity(N);
    for (i, id) in ids.iter().copied().enumerate() {
        let (h, token, gate) = (h.clone(), token.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            let body = json!({ "title": format!("new-{i}"), "size": i });
            h.call("PATCH", &format!("/docs/{id}"), Some(&token), Some(body))
                .await
        }));
    }
    let mut refused = Vec::new();
    for t in tasks {
        let a = t.await.unwrap();
        if a.status != 200 {
            refused.push(format!("{} {}", a.status, a.text));
        }
    }
    assert!(
        refused.is_empty(),
        "{} of {N} refused: {refused:?}",
        refused.len()
    );
    let stored = h.docs().await;
    assert_eq!(stored.len(), N);
    for (i, id) in ids.iter().enumerate() {
        let d = stored.iter().find(|d| d.id == *id).unwrap();
        assert_eq!(
            d.title.as_deref(),
            Some(format!("new-{i}").as_str()),
            "{d:?}"
        );
        assert_eq!(d.size, i as i64, "{d:?}");
    }
}

/// `access_axum::db::connect`: on SQLite the file is in WAL mode for every later connection,
/// foreign keys are enforced and writers wait for the lock; on PostgreSQL the pool as asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connect_sets_a_sqlite_file_up_for_concurrent_requests() {
    let Some(place) = place().await else {
        return;
    };
    let url = match &place.schema {
        // The schema is not in the URL: the pool reaches `public`, enough to ask something.
        Some(_) => place.url.clone(),
        None => {
            // A new file, never put in WAL mode by the harness.
            let path = place.url.replace(".db?mode=rwc", "-connect.db");
            format!("{path}?mode=rwc")
        }
    };
    let db = access_axum::db::connect(&url, 4).await.unwrap();
    let one = |sql: &str| sea_orm::Statement::from_string(db.get_database_backend(), sql);
    if postgres() {
        let r = db
            .query_one_raw(one("SELECT 1 AS one"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.try_get_by_index::<i32>(0).unwrap(), 1);
        return;
    }
    let path = url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc")
        .to_owned();
    // Another pool, made without the helper, finds the file in WAL mode.
    let plain = Database::connect(url.clone()).await.unwrap();
    let q = |sql: &str| sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, sql);
    let mode = plain
        .query_one_raw(q("PRAGMA journal_mode"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mode.try_get_by_index::<String>(0).unwrap(), "wal");
    // Foreign keys enforced on the helper's connections.
    db.execute_unprepared("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        .await
        .unwrap();
    db.execute_unprepared("CREATE TABLE c (p INTEGER REFERENCES p (id))")
        .await
        .unwrap();
    let e = db
        .execute_unprepared("INSERT INTO c (p) VALUES (7)")
        .await
        .unwrap_err();
    assert_eq!(
        access_core::sea::write::classify(&e),
        access_core::sea::write::DbFailure::ForeignKey { field: None }
    );
    // In memory: no file, no WAL, no error.
    access_axum::db::connect("sqlite::memory:", 1)
        .await
        .unwrap();
    drop((db, plain));
    let harness_file = place
        .url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc");
    for file in [path.as_str(), harness_file] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{file}{suffix}"));
        }
    }
}
