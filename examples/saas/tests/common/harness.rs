//! The saas app served in-process on an ephemeral loopback port, for the load test
//! (`tests/load.rs`) and the throughput driver (`benches/throughput.rs`).
//!
//! The database is opened as `src/server.rs` opens it (`access_axum::db::connect`, 8
//! connections, WAL on SQLite) and the app is built as it builds it (the same model, `SeaStore` with custom roles,
//! dynamic grants, access-set claims, the `/projects` CRUD with its hierarchy hooks and
//! `__access`, `/documents`, `/products`, the admin API, the request log), with three test
//! settings, stated: cheap argon2 ([`TEST_ARGON2`]: a login costs well under a millisecond
//! instead of ~50 ms on two cores), rate limits out of reach (every client is 127.0.0.1) and
//! access tokens that outlive the run. Beside it, `/plain/projects`: unguarded twins of
//! the project routes (same table, same statements and transaction, same serialization, no
//! authentication and no checks), for the throughput comparison.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use access_axum::config::{Argon2Params, RateLimit, RateLimits};
use access_axum::dynamic::DynamicGrants;
use access_axum::{App, AuthConfig, JwtKeys};
use access_core::sea::SeaStore;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::{
    ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, QueryOrder, QuerySelect, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use serde_json::{Value, json};

use saas::model::{Access as Model, Entitlement};
use saas::schema::project;

use crate::keepalive::Conn;

/// Argon2id parameters of the harness: 256 KiB, one pass, one lane (the production default is
/// 19 MiB and two passes). For tests only.
pub const TEST_ARGON2: Argon2Params = Argon2Params {
    m_cost: 256,
    t_cost: 1,
    p_cost: 1,
};

/// The password of every harness user.
pub const PASSWORD: &str = "load-test-password";

/// Connections in the pool: 8, as `src/server.rs` opens them, unless `SAAS_LOAD_POOL` says
/// otherwise (to tell pool starvation from other causes).
pub fn pool() -> u32 {
    std::env::var("SAAS_LOAD_POOL")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=1024).contains(n))
        .unwrap_or(8)
}

/// A database for one run: a SQLite file (WAL) in a fresh temporary directory, or a fresh
/// PostgreSQL database next to `ACCESS_TEST_POSTGRES_URL`'s. Removed by [`TestDb::drop_db`].
pub struct TestDb {
    /// The connection the app uses (and the checks afterwards).
    pub db: DatabaseConnection,
    /// The engine store's own pool, as `src/server.rs` opens it: a request holding a
    /// transaction on `db` never waits for its rules' reads behind other requests' transactions.
    pub store_db: DatabaseConnection,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    dir: Option<std::path::PathBuf>,
    pg: Option<(DatabaseConnection, String)>,
}

fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("saas_{tag}_{}_{nanos}", std::process::id())
}

/// Opens `url` as `src/server.rs` does (`access_axum::db::connect`: WAL on SQLite), with
/// [`pool`] connections. With `SAAS_SQL_LOG=1`, a pool of its own that logs every statement
/// (tracing target `sqlx::query`, level info), the SQLite file switched to WAL first.
async fn open(url: &str) -> DatabaseConnection {
    if std::env::var_os("SAAS_SQL_LOG").is_none() {
        return access_axum::db::connect(url, pool())
            .await
            .expect("open the database");
    }
    let mut o = ConnectOptions::new(url);
    o.max_connections(pool()).sqlx_logging(true);
    let db = Database::connect(o).await.expect("open the database");
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL")
            .await
            .expect("switch the file to WAL");
    }
    db
}

impl TestDb {
    /// A SQLite file database in a new temporary directory, opened as the server opens it
    /// (WAL, sqlx's 5 s busy timeout).
    pub async fn sqlite(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(unique(tag));
        std::fs::create_dir_all(&dir).expect("create the temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.join("saas.db").display());
        let db = open(&url).await;
        let store_db = open(&url).await;
        let mode = db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA journal_mode",
            ))
            .await
            .expect("read the journal mode")
            .and_then(|r| r.try_get_by_index::<String>(0).ok());
        assert_eq!(
            mode.as_deref(),
            Some("wal"),
            "the SQLite file is in WAL mode"
        );
        Self {
            db,
            store_db,
            backend: "sqlite",
            dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (saying why) when `ACCESS_TEST_POSTGRES_URL` is
    /// not set.
    pub async fn postgres(tag: &str) -> Option<Self> {
        let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
            eprintln!(
                "{tag}: PostgreSQL part skipped: set ACCESS_TEST_POSTGRES_URL (CI sets it; \
                 `bash .ci/postgres.sh` starts one and prints it)"
            );
            return None;
        };
        let name = unique(tag);
        let admin = Database::connect(url.clone())
            .await
            .expect("connect to ACCESS_TEST_POSTGRES_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a fresh database");
        let (base, _) = url
            .rsplit_once('/')
            .expect("ACCESS_TEST_POSTGRES_URL names a database");
        let db = open(&format!("{base}/{name}")).await;
        let store_db = open(&format!("{base}/{name}")).await;
        Some(Self {
            db,
            store_db,
            backend: "postgres",
            dir: None,
            pg: Some((admin, name)),
        })
    }

    /// Closes the connection and removes the database.
    pub async fn drop_db(self) {
        let _ = self.db.close().await;
        let _ = self.store_db.close().await;
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

/// The app, served on `127.0.0.1:port` until dropped.
pub struct Server {
    /// The port.
    pub port: u16,
    /// The app's store (hierarchy, roles).
    pub stores: Arc<SeaStore>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The test configuration: a fixed HMAC secret, [`TEST_ARGON2`], rate limits out of reach,
/// access tokens valid for an hour, MFA on (a fixed key).
fn config() -> AuthConfig {
    let keys = JwtKeys::hmac(
        jsonwebtoken::Algorithm::HS256,
        b"load-harness-secret-0123456789abcdef-0123456789",
    )
    .expect("an HMAC key");
    let open = RateLimit {
        max: u32::MAX,
        window: Duration::from_secs(1),
    };
    AuthConfig::builder()
        .keys(keys)
        .argon2(TEST_ARGON2)
        .rate_limits(RateLimits {
            login: open,
            register: open,
            refresh: open,
            email: open,
        })
        .access_ttl(Duration::from_secs(3600))
        .mfa(access_axum::config::MfaSettings {
            key: std::array::from_fn(|i| (i as u8).wrapping_mul(53).wrapping_add(7)),
            issuer: "load".into(),
        })
        .build()
        .expect("the harness configuration")
}

/// Builds the app on `db` (migrations included), its engine store on `store_db`, and serves it
/// on an ephemeral loopback port.
pub async fn serve(db: DatabaseConnection, store_db: DatabaseConnection) -> Server {
    serve_with(db, store_db, None).await
}

/// [`serve`], the engine store with a read cache of that time to live when given
/// ([`SeaStore::with_read_cache`]).
#[allow(dead_code)] // the throughput bench's; the load test serves without
pub async fn serve_with(
    db: DatabaseConnection,
    store_db: DatabaseConnection,
    read_cache: Option<Duration>,
) -> Server {
    let mut store = SeaStore::new(&Model, store_db).with_custom_roles();
    if let Some(ttl) = read_cache {
        store = store.with_read_cache(ttl);
    }
    let stores = Arc::new(store);
    let grants = DynamicGrants::new(&Model, db.clone());
    // Sign-in with the demo provider (the mock on loopback), its starts out of reach of the
    // rate limit like the other endpoints'.
    let idp = access_idp_mock::MockIdp::start()
        .await
        .expect("the mock provider");
    let oauth = access_axum::auth::OAuthConfig::new("http://127.0.0.1")
        .provider(access_axum::auth::OAuthProvider::oidc(
            "demo",
            idp.issuer(),
            "load",
            "load-secret",
        ))
        .start_limit(u32::MAX, Duration::from_secs(1));
    let app = App::new(Model, db.clone())
        .config(config())
        .auth(|a| a.with_oauth(oauth))
        .stores(stores.clone())
        .authz(|authz| authz.dynamic(grants))
        .access_set_claims()
        .crud_with("/projects", saas::projects::crud(stores.clone()))
        .crud::<saas::schema::document::Entity>("/documents")
        .crud::<saas::schema::product::Entity>("/products")
        .admin("/admin", Entitlement::OrganizationManage)
        .orgs_with(
            access_axum::orgs::OrgsConfig::default()
                .created_by([Model::user, Model::admin])
                .members_seen_with(Entitlement::MembersRead)
                .managed_by(Entitlement::OrganizationManage)
                .invites_with(Entitlement::MembersInvite),
        )
        .build()
        .await
        .expect("build the app")
        .merge(plain_routes(db));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let port = listener.local_addr().expect("the bound address").port();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service()).await;
    });
    Server { port, stores, task }
}

/// The `__access` keys of the guarded project routes, all `true` in the unguarded twins (the
/// same bytes to serialize, nothing checked).
fn constant_access() -> Value {
    json!({ "project:delete": true, "export:pdf": true, "ai:generate": true, "update": true })
}

fn row_json(row: project::Model) -> Value {
    let mut v = serde_json::to_value(row).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("__access".to_owned(), constant_access());
    }
    v
}

fn db_error(e: sea_orm::DbErr) -> Response {
    eprintln!("error: plain route: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": "internal" })),
    )
        .into_response()
}

/// `GET /plain/projects/{id}`.
async fn plain_read(State(db): State<DatabaseConnection>, Path(id): Path<String>) -> Response {
    match project::Entity::find_by_id(id).one(&db).await {
        Ok(Some(row)) => Json(row_json(row)).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, Json(json!({ "error": "not_found" }))).into_response(),
        Err(e) => db_error(e),
    }
}

/// `GET /plain/projects`: the first 20 rows by id.
async fn plain_list(State(db): State<DatabaseConnection>) -> Response {
    match project::Entity::find()
        .order_by_asc(project::Column::Id)
        .limit(20)
        .all(&db)
        .await
    {
        Ok(rows) => Json(json!({
            "items": rows.into_iter().map(row_json).collect::<Vec<_>>(),
            "page": 1,
            "per_page": 20,
        }))
        .into_response(),
        Err(e) => db_error(e),
    }
}

/// `PATCH /plain/projects/{id}` with `{"name": ..}`: in one write transaction (`BEGIN
/// IMMEDIATE` on SQLite), load the row, set the name, write it, answer the stored row.
async fn plain_update(
    State(db): State<DatabaseConnection>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let Some(name) = body["name"].as_str().map(str::to_owned) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_body" })),
        )
            .into_response();
    };
    let opts = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let result = async {
        let txn = db.begin_with_options(opts).await?;
        let Some(row) = project::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(None);
        };
        let mut active = row.into_active_model();
        active.name = sea_orm::ActiveValue::Set(name);
        let row = active.update(&txn).await?;
        txn.commit().await?;
        Ok::<_, sea_orm::DbErr>(Some(row))
    }
    .await;
    match result {
        Ok(Some(row)) => Json(serde_json::to_value(row).unwrap_or(Value::Null)).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, Json(json!({ "error": "not_found" }))).into_response(),
        Err(e) => db_error(e),
    }
}

fn plain_routes(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/plain/projects", get(plain_list))
        .route("/plain/projects/{id}", get(plain_read).patch(plain_update))
        .with_state(db)
}

/// Sets a registered user's tenant and global roles, and marks the email verified (the token
/// carries them from the next login).
pub async fn set_user(db: &DatabaseConnection, id: i64, tenant: &str, roles: &str) {
    use access_axum::db::user;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    user::Entity::update_many()
        .col_expr(user::Column::Tenant, Expr::value(tenant))
        .col_expr(user::Column::Roles, Expr::value(roles))
        .col_expr(user::Column::EmailVerified, Expr::value(true))
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await
        .expect("set the user's tenant and roles");
}

/// A signed-in harness user.
#[derive(Clone, Debug)]
pub struct Session {
    /// The user's id.
    pub user_id: i64,
    /// Access token.
    pub access: String,
    /// Refresh token.
    pub refresh: String,
}

/// Registers `email` (with [`PASSWORD`]) and gives it `tenant` and `roles` (its tokens carry
/// them from its next login); the user's id.
pub async fn register(
    conn: &mut Conn,
    db: &DatabaseConnection,
    email: &str,
    tenant: &str,
    roles: &str,
) -> i64 {
    let r = conn
        .send(
            "POST",
            "/auth/register",
            None,
            Some(&json!({ "email": email, "password": PASSWORD })),
        )
        .await
        .expect("register");
    assert_eq!(r.status, 201, "register {email}: {}", r.body);
    let id = r.body["user"]["id"].as_i64().expect("the new user's id");
    set_user(db, id, tenant, roles).await;
    id
}

/// `POST /auth/login` with [`PASSWORD`].
pub async fn login(conn: &mut Conn, email: &str) -> std::io::Result<crate::keepalive::Reply> {
    conn.send(
        "POST",
        "/auth/login",
        None,
        Some(&json!({ "identifier": email, "password": PASSWORD })),
    )
    .await
}

/// The tokens of a login or refresh answer.
pub fn session(user_id: i64, body: &Value) -> Option<Session> {
    Some(Session {
        user_id,
        access: body["access_token"].as_str()?.to_owned(),
        refresh: body["refresh_token"].as_str()?.to_owned(),
    })
}

/// The `q`-quantile (0..=1) of sorted `xs`.
pub fn quantile(xs: &[Duration], q: f64) -> Duration {
    if xs.is_empty() {
        return Duration::ZERO;
    }
    let i = ((xs.len() - 1) as f64 * q).round() as usize;
    xs[i.min(xs.len() - 1)]
}
