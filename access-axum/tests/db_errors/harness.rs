//! The harness of the database-error suite: the `docs` table (stricter than its model), an
//! application (auth and the CRUD router) served on loopback over a pool made as a test asks,
//! and a small HTTP/1.1 client.

use std::net::SocketAddr;
use std::time::Duration;

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

pub(crate) mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor],
        entity doc { roles: [owner] }
        entitlements { "doc:read" on doc => roles [owner] }
    }
}

pub(crate) mod doc {
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
pub(crate) struct AppState {
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
pub(crate) struct Pool {
    pub(crate) max: u32,
    pub(crate) acquire_timeout: Duration,
    /// SQLite's busy timeout; PostgreSQL's `lock_timeout`.
    pub(crate) wait: Duration,
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
pub(crate) struct Place {
    pub(crate) url: String,
    pub(crate) schema: Option<String>,
}

/// A server on loopback over the application's pool.
pub(crate) struct H {
    pub(crate) addr: SocketAddr,
    pub(crate) db: DatabaseConnection,
    pub(crate) place: Place,
    pub(crate) server: tokio::task::JoinHandle<()>,
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

pub(crate) fn postgres() -> bool {
    super::super::BACKEND == "postgres"
}

/// A fresh place (a SQLite file in WAL mode, or a PostgreSQL schema) with the tables; `None`
/// (and why on stderr) without PostgreSQL.
pub(crate) async fn place() -> Option<Place> {
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
pub(crate) async fn connect(place: &Place, pool: Pool) -> DatabaseConnection {
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
pub(crate) async fn harness(pool: Pool) -> Option<H> {
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
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<String>,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl H {
    /// One request over a new loopback connection (HTTP/1.1, `Connection: close`).
    pub(crate) async fn call(
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
    pub(crate) async fn editor(&self, email: &str) -> String {
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
    pub(crate) async fn create(&self, token: &str, slug: &str) -> i64 {
        let body = json!({ "title": "t", "slug": slug, "folder_id": 1, "size": 1 });
        let a = self.call("POST", "/docs", Some(token), Some(body)).await;
        assert_eq!(a.status, 201, "{a:?}");
        a.body["id"].as_i64().unwrap()
    }

    /// Every stored doc, by id.
    pub(crate) async fn docs(&self) -> Vec<doc::Model> {
        let mut v = doc::Entity::find().all(&self.db).await.unwrap();
        v.sort_by_key(|d| d.id);
        v
    }
}

/// The body never carries the database's own words.
pub(crate) fn no_internals(a: &Answer) {
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
