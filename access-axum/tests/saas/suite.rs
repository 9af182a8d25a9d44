//! The organization → workspace → project example through HTTP, on SQLite (`saas_sqlite`) and
//! PostgreSQL (`saas_postgres`): roles inherited down the hierarchy, a plan-gated entitlement,
//! a usage limit in a database wallet hit through HTTP (and under 200 concurrent requests), and
//! dynamic mode's admin API (grants, custom roles, assignments) with the database checked
//! directly after each change.

use std::sync::atomic::{AtomicU32, Ordering};

use access_axum::admin::admin_router;
use access_axum::authz::{Access, Authz};
use access_axum::config::Argon2Params;
use access_axum::crud::Crud;
use access_axum::db::user;
use access_axum::dynamic::DynamicGrants;
use access_axum::{AuthConfig, AuthState, JwtKeys};
use access_core::sea::SeaStore;
use access_core::{Subscription, SubscriptionStore, Typed, TypedClosure, TypedRoles};
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, Path};
use axum::http::{Request, StatusCode, header};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use jsonwebtoken::Algorithm;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter, Statement,
};
use serde_json::{Value, json};
use tower::ServiceExt;

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity organization { roles: [owner, admin, member] }
        entity workspace {
            roles: [admin, editor, viewer],
            implies: { admin => editor, editor => viewer },
            inherits: {
                organization:owner => admin,
                organization:admin => editor,
                organization:member => viewer,
            },
        }
        entity project {
            roles: [manager, contributor, viewer],
            implies: { manager => contributor, contributor => viewer },
            inherits: {
                workspace:admin => manager,
                workspace:editor => contributor,
                workspace:viewer => viewer,
            },
        }
        flags: [beta],
        entitlements {
            "organization:manage_roles" on organization => roles [owner],
            "project:beta"   on project => roles [viewer], flags [beta],
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
            "export:pdf"     on project => roles [viewer],
            "ai:generate"    on project => roles [contributor],
        }
        plans {
            free { group: main, features: ["organization:manage_roles"] }
            pro  { group: main, features: ["organization:manage_roles", "export:pdf", "ai:generate"],
                   limits: { ai: "ai:generate" per month max 50 } }
        }
        default_plan: free,
    }
}

use model::{Access as Model, Entitlement, OrganizationRole, WorkspaceRole, resource};

/// The typed resources of the model, by id.
fn org(id: &str) -> Typed<'_, resource::Organization> {
    resource::Organization::id(id)
}

fn ws(id: &str) -> Typed<'_, resource::Workspace> {
    resource::Workspace::id(id)
}

fn proj(id: &str) -> Typed<'_, resource::Project> {
    resource::Project::id(id)
}

type Stores = SeaStore;

/// Projects as rows of the application's own table, listed through `list_accessible`.
mod project {
    use sea_orm::entity::prelude::*;

    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "projects")]
    #[schema(access = super::model::Access, entity = Entity, permission(
        create = blocked,
        list   = authenticated,
        read   = in_memory(entitlement("project:read")),
        update = in_memory(entitlement("project:delete")),
        delete = blocked,
    ))]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone)]
struct AppState {
    auth: AuthState,
    authz: Authz<Model, Stores>,
}

impl FromRef<AppState> for AuthState {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}

impl FromRef<AppState> for Authz<Model, Stores> {
    fn from_ref(s: &AppState) -> Self {
        s.authz.clone()
    }
}

#[access_axum::authorize("project:read", resource = project(id))]
async fn read(access: Access<Model, Stores>, Path(id): Path<String>) -> axum::Json<Value> {
    let _ = &access;
    axum::Json(json!({ "project": id }))
}

#[access_axum::authorize("project:delete", resource = project(id))]
async fn remove(access: Access<Model, Stores>, Path(id): Path<String>) -> axum::Json<Value> {
    let _ = &access;
    axum::Json(json!({ "deleted": id }))
}

#[access_axum::authorize("export:pdf", resource = project(id))]
async fn export(access: Access<Model, Stores>, Path(id): Path<String>) -> axum::Json<Value> {
    let _ = &access;
    axum::Json(json!({ "exported": id }))
}

#[access_axum::authorize("project:beta", resource = project(id))]
async fn beta(access: Access<Model, Stores>, Path(id): Path<String>) -> axum::Json<Value> {
    let _ = &access;
    axum::Json(json!({ "beta": id }))
}

#[access_axum::authorize("ai:generate", resource = project(id), consume)]
async fn generate(access: Access<Model, Stores>, Path(id): Path<String>) -> axum::Json<Value> {
    let _ = &access;
    axum::Json(json!({ "generated": id }))
}

struct H {
    router: Router,
    db: DatabaseConnection,
    stores: std::sync::Arc<Stores>,
    _file: Option<DbFile>,
}

/// The SQLite file of one harness, removed with its WAL when the harness is dropped.
struct DbFile(std::path::PathBuf);

impl Drop for DbFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

static N: AtomicU32 = AtomicU32::new(0);

async fn connect() -> Option<(DatabaseConnection, Option<DbFile>)> {
    let n = N.fetch_add(1, Ordering::Relaxed);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    if super::BACKEND == "postgres" {
        let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "saas_postgres: skipped, set ACCESS_TEST_POSTGRES_URL"
            );
            return None;
        };
        let db = Database::connect(url.clone()).await.unwrap();
        let schema = format!("saas{stamp}_{n}");
        db.execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(8).set_schema_search_path(schema);
        return Some((Database::connect(opts).await.unwrap(), None));
    }
    // A file, so that several connections write at once as they would in production.
    let path =
        std::env::temp_dir().join(format!("access-saas-{}-{stamp}-{n}.db", std::process::id()));
    let mut opts = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    opts.max_connections(4);
    Some((Database::connect(opts).await.unwrap(), Some(DbFile(path))))
}

/// A role `H::user` grants before the user logs in: on an organization or on a workspace, each
/// with its entity's roles.
#[derive(Clone, Copy)]
enum Grant<'a> {
    Org(Typed<'a, resource::Organization>, OrganizationRole),
    Workspace(Typed<'a, resource::Workspace>, WorkspaceRole),
}

async fn harness() -> Option<H> {
    let (db, file) = connect().await?;
    access_axum::migrate(&db).await.unwrap();
    // Dynamic mode: custom roles take indices past the model's roles.
    let store = SeaStore::new(&Model, db.clone()).with_custom_roles();
    store.migrate().await.unwrap();
    let stores = std::sync::Arc::new(store);
    let schema = sea_orm::Schema::new(db.get_database_backend());
    db.execute(&schema.create_table_from_entity(project::Entity))
        .await
        .unwrap();
    for p in ["p1", "p2", "p3", "p9"] {
        db.execute_unprepared(&format!(
            "INSERT INTO projects (id, name) VALUES ('{p}', 'Project {p}')"
        ))
        .await
        .unwrap();
    }
    // acme ⊃ ws1 ⊃ {p1, p2}, acme ⊃ ws2 ⊃ p3; globex ⊃ ws9 ⊃ p9.
    let (acme, globex) = (org("acme"), org("globex"));
    stores.add_root(acme).await.unwrap();
    stores.add_root(globex).await.unwrap();
    stores.add_child(ws("ws1"), acme).await.unwrap();
    stores.add_child(ws("ws2"), acme).await.unwrap();
    stores.add_child(ws("ws9"), globex).await.unwrap();
    for (p, w) in [("p1", "ws1"), ("p2", "ws1"), ("p3", "ws2"), ("p9", "ws9")] {
        stores.add_child(proj(p), ws(w)).await.unwrap();
    }
    let config = AuthConfig::builder()
        .keys(JwtKeys::hmac(Algorithm::HS256, b"saas-test-secret-saas-test-secret!!").unwrap())
        .argon2(Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        })
        .build()
        .unwrap();
    let auth = AuthState::new(db.clone(), config);
    let authz = Authz::new(Model, stores.clone()).dynamic(DynamicGrants::new(&Model, db.clone()));
    let state = AppState {
        auth: auth.clone(),
        authz,
    };
    let router = Router::new()
        .route("/projects/{id}", get(read).delete(remove))
        .route("/projects/{id}/export", post(export))
        .route("/projects/{id}/ai", post(generate))
        .route("/projects/{id}/beta", post(beta))
        .nest(
            "/crud/projects",
            Crud::<project::Entity, Model, Stores>::new()
                .list_accessible(Entitlement::ProjectRead)
                .row_access([Entitlement::ProjectDelete, Entitlement::ExportPdf])
                .row_actions([access_core::Action::Update])
                .router::<AppState>(),
        )
        .nest(
            "/admin",
            admin_router::<Model, Stores, AppState>(Entitlement::OrganizationManageRoles),
        )
        .with_state(state)
        .merge(auth.router());
    Some(H {
        router,
        db,
        stores,
        _file: file,
    })
}

impl H {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call(&self.router, method, path, token, body).await
    }
    /// Tokens of a member of acme and of an admin of ws1 (and of nothing else).
    async fn member_and_ws1_admin(&self) -> (String, String) {
        let acme = org("acme");
        let ws1 = ws("ws1");
        let (member, _) = self
            .user(
                "member@acme.test",
                "acme",
                &[Grant::Org(acme, OrganizationRole::Member)],
            )
            .await;
        let (wsadmin, _) = self
            .user(
                "wsadmin@acme.test",
                "acme",
                &[Grant::Workspace(ws1, WorkspaceRole::Admin)],
            )
            .await;
        (member, wsadmin)
    }
    /// Registers a user of `tenant`, gives them `roles` on resources, and returns (token, id).
    async fn user(&self, email: &str, tenant: &str, roles: &[Grant<'_>]) -> (String, i64) {
        let pw = "correct horse battery";
        let (s, b) = self
            .call(
                "POST",
                "/auth/register",
                None,
                Some(json!({ "email": email, "password": pw })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let id = b["user"]["id"].as_i64().unwrap();
        user::Entity::update_many()
            .col_expr(user::Column::Tenant, Expr::value(tenant))
            .filter(user::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .unwrap();
        let user_id = id.to_string();
        for grant in roles {
            let granted = match *grant {
                Grant::Org(on, role) => self.stores.grant_role(&user_id, on, role).await,
                Grant::Workspace(on, role) => self.stores.grant_role(&user_id, on, role).await,
            };
            granted.unwrap();
        }
        let (s, b) = self
            .call(
                "POST",
                "/auth/login",
                None,
                Some(json!({ "identifier": email, "password": pw })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        (b["access_token"].as_str().unwrap().to_owned(), id)
    }
    async fn count(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(self.db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }
    async fn pro(&self, tenant: &str) {
        let pro = model::Plan::Pro;
        self.stores
            .set_base_plan(
                tenant,
                0,
                Subscription::new(pro, access_core::time::now() - 60),
            )
            .await
            .unwrap();
    }
}

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let r = router.clone().oneshot(req).await.unwrap();
    let s = r.status();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn kinds(b: &Value) -> Vec<String> {
    b["reasons"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| r["kind"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn roles_are_inherited_down_the_hierarchy() {
    let Some(h) = harness().await else { return };
    let acme = org("acme");
    let ws1 = ws("ws1");
    let (owner, _) = h
        .user(
            "owner@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Owner)],
        )
        .await;
    let (wsadmin, _) = h
        .user(
            "wsadmin@acme.test",
            "acme",
            &[Grant::Workspace(ws1, WorkspaceRole::Admin)],
        )
        .await;
    let (member, _) = h
        .user(
            "member@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Member)],
        )
        .await;
    let (stranger, _) = h.user("x@globex.test", "globex", &[]).await;

    // organization:owner ⇒ workspace:admin ⇒ project:manager, on every project of the org.
    for p in ["p1", "p3"] {
        let (s, b) = h
            .call("DELETE", &format!("/projects/{p}"), Some(&owner), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    // A workspace admin manages the projects of that workspace only.
    assert_eq!(
        h.call("DELETE", "/projects/p2", Some(&wsadmin), None)
            .await
            .0,
        StatusCode::OK
    );
    let (s, b) = h.call("DELETE", "/projects/p3", Some(&wsadmin), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["entitlement"], "project:delete");
    assert_eq!(kinds(&b), ["hierarchy_denied"], "{b}");
    let via = &b["reasons"][0]["meta"]["via"];
    assert_eq!(via[0]["entity"], "workspace");
    assert_eq!(via[0]["resource"], "ws2");
    assert_eq!(via[0]["roles"], json!(["admin"]));
    assert_eq!(via[1]["entity"], "organization");
    assert_eq!(via[1]["roles"], json!(["owner"]));
    // A member of the org reads everything in it and deletes nothing.
    assert_eq!(
        h.call("GET", "/projects/p3", Some(&member), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.call("DELETE", "/projects/p1", Some(&member), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Another org's user sees nothing; no token is a 401.
    let (s, b) = h.call("GET", "/projects/p1", Some(&stranger), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(kinds(&b), ["hierarchy_denied"]);
    // ... and learns nothing of acme's hierarchy from the refusal.
    assert_eq!(b["reasons"][0]["meta"]["via"], json!([]), "{b}");
    let text = b.to_string();
    assert!(!text.contains("ws1") && !text.contains("acme"), "{b}");
    // Through a CRUD schema's entitlement(..) rule, the refusal says what `check` says, within
    // the tenant (the roles above) and outside it (no names).
    let (s, b) = h
        .call("GET", "/crud/projects/p3", Some(&wsadmin), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["reasons"][0]["meta"]["via"][0]["resource"], "ws2", "{b}");
    let (s, b) = h
        .call("GET", "/crud/projects/p1", Some(&stranger), None)
        .await;
    assert_eq!(
        (s, b["reasons"][0]["kind"].clone()),
        (StatusCode::FORBIDDEN, json!("hierarchy_denied"))
    );
    assert!(!b.to_string().contains("acme"), "{b}");
    assert_eq!(
        h.call("GET", "/projects/p1", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn plan_gates_and_the_wallet_limit_through_http() {
    let Some(h) = harness().await else { return };
    let acme = org("acme");
    let (owner, _) = h
        .user(
            "owner@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Owner)],
        )
        .await;

    // On the default free plan, export and AI are plan-gated: 403 naming the plan to buy.
    let (s, b) = h
        .call("POST", "/projects/p1/export", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(kinds(&b), ["plan_required"], "{b}");
    assert_eq!(b["reasons"][0]["meta"]["plans"], json!(["pro"]));
    assert_eq!(b["reasons"][0]["meta"]["current"], json!(["free"]));
    let (s, b) = h.call("POST", "/projects/p1/ai", Some(&owner), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(kinds(&b), ["plan_required"]);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM access_wallets").await,
        0,
        "a denial consumes nothing"
    );

    // On pro: export works, AI works 50 times a month, then `limit_reached` with max and used.
    h.pro("acme").await;
    assert_eq!(
        h.call("POST", "/projects/p1/export", Some(&owner), None)
            .await
            .0,
        StatusCode::OK
    );
    for i in 0..50 {
        let (s, b) = h.call("POST", "/projects/p1/ai", Some(&owner), None).await;
        assert_eq!(s, StatusCode::OK, "request {i}: {b}");
    }
    let (s, b) = h.call("POST", "/projects/p1/ai", Some(&owner), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(kinds(&b), ["limit_reached"], "{b}");
    let meta = &b["reasons"][0]["meta"];
    assert_eq!(
        (
            meta["limit"].clone(),
            meta["max"].clone(),
            meta["used"].clone()
        ),
        (json!("ai"), json!(50), json!(50))
    );
    assert_eq!(
        h.count("SELECT used FROM access_wallets WHERE tenant = 'acme' AND limit_name = 'ai'")
            .await,
        50
    );
    // The wallet is per tenant: globex (on pro too) has its own 50.
    let globex = org("globex");
    let (g, _) = h
        .user(
            "owner@globex.test",
            "globex",
            &[Grant::Org(globex, OrganizationRole::Owner)],
        )
        .await;
    h.pro("globex").await;
    assert_eq!(
        h.call("POST", "/projects/p9/ai", Some(&g), None).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_consuming_requests_stop_exactly_at_the_limit() {
    let Some(h) = harness().await else { return };
    let acme = org("acme");
    let (owner, _) = h
        .user(
            "owner@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Owner)],
        )
        .await;
    h.pro("acme").await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let router = h.router.clone();
        let token = owner.clone();
        let path = format!("/projects/{}/ai", ["p1", "p2", "p3"][i % 3]);
        tasks.push(tokio::spawn(async move {
            let (s, b) = call(&router, "POST", &path, Some(&token), None).await;
            (s, kinds(&b))
        }));
    }
    let (mut ok, mut limited) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (StatusCode::OK, _) => ok += 1,
            (StatusCode::FORBIDDEN, k) if k == ["limit_reached"] => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, limited), (50, 150));
    assert_eq!(
        h.count("SELECT used FROM access_wallets WHERE tenant = 'acme' AND limit_name = 'ai'")
            .await,
        50
    );
}

#[tokio::test]
async fn dynamic_mode_admin_api() {
    let Some(h) = harness().await else { return };
    let acme = org("acme");
    let globex = org("globex");
    let (owner, _) = h
        .user(
            "owner@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Owner)],
        )
        .await;
    let (member, _) = h
        .user(
            "member@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Member)],
        )
        .await;
    let (auditor, auditor_id) = h.user("auditor@acme.test", "acme", &[]).await;
    let (other, _) = h
        .user(
            "owner@globex.test",
            "globex",
            &[Grant::Org(globex, OrganizationRole::Owner)],
        )
        .await;
    let grants = "SELECT COUNT(*) FROM access_role_grants";

    // Only the org owner (organization:manage_roles) administers acme.
    let (s, b) = h
        .call(
            "PUT",
            "/admin/grants/project:delete/viewer",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(h.count(grants).await, 0);
    let (s, b) = h.call("GET", "/admin/grants", Some(&owner), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let delete = b["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["entitlement"] == "project:delete")
        .unwrap()
        .clone();
    assert_eq!(delete["roles"], json!(["manager"]));

    // Static answer first, then grant project:delete to viewers: org members (viewers through
    // the hierarchy) may delete from the next request on.
    assert_eq!(
        h.call("DELETE", "/projects/p1", Some(&member), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (s, b) = h
        .call(
            "PUT",
            "/admin/grants/project:delete/viewer",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(h.count(grants).await, 1);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM access_role_grants WHERE tenant = 'acme' AND entitlement = 'project:delete' AND role = 'viewer' AND granted").await,
        1
    );
    assert_eq!(
        h.call("DELETE", "/projects/p1", Some(&member), None)
            .await
            .0,
        StatusCode::OK
    );
    // Another tenant is not affected.
    let (gm, _) = h
        .user(
            "member@globex.test",
            "globex",
            &[Grant::Org(globex, OrganizationRole::Member)],
        )
        .await;
    assert_eq!(
        h.call("DELETE", "/projects/p9", Some(&gm), None).await.0,
        StatusCode::FORBIDDEN
    );

    // Unknown names are a 400 with a suggestion, and nothing is stored.
    let (s, b) = h
        .call(
            "PUT",
            "/admin/grants/project:delte/viewer",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["error"], "unknown_name");
    assert_eq!(
        b["message"],
        "unknown entitlement `project:delte`, did you mean `project:delete`?"
    );
    let (s, b) = h
        .call(
            "PUT",
            "/admin/grants/project:delete/veiwer",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["message"],
        "unknown role `veiwer` of `project`, did you mean `viewer`?"
    );
    assert_eq!(h.count(grants).await, 1);

    // Revoke: back to the model's answer.
    let (s, _) = h
        .call(
            "DELETE",
            "/admin/grants/project:delete/viewer",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        h.call("DELETE", "/projects/p2", Some(&member), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // A custom role: project entitlements only, unique name, assigned within the tenant.
    let (s, b) = h
        .call("POST", "/admin/roles", Some(&owner), Some(json!({ "entity": "project", "name": "auditor", "entitlements": ["project:read", "organization:manage_roles"] })))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(h.count("SELECT COUNT(*) FROM access_custom_roles").await, 0);
    let (s, b) = h
        .call(
            "POST",
            "/admin/roles",
            Some(&owner),
            Some(
                json!({ "entity": "project", "name": "auditor", "entitlements": ["project:read"] }),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["index"], 3);
    let (s, _) = h
        .call(
            "POST",
            "/admin/roles",
            Some(&owner),
            Some(json!({ "entity": "project", "name": "viewer" })),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = h
        .call(
            "POST",
            "/admin/roles",
            Some(&owner),
            Some(json!({ "entity": "project", "name": "x", "bogus": 1 })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let assign = format!("/admin/assignments/project/p3/auditor/{auditor_id}");
    let (s, b) = h.call("PUT", &assign, Some(&owner), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(
        h.call("GET", "/projects/p3", Some(&auditor), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.call("GET", "/projects/p2", Some(&auditor), None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.call("DELETE", "/projects/p3", Some(&auditor), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Not on another tenant's resource, and not by another tenant's owner.
    let (s, _) = h
        .call(
            "PUT",
            &format!("/admin/assignments/project/p9/auditor/{auditor_id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = h.call("PUT", &assign, Some(&other), None).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "globex has no custom role `auditor`"
    );
    let (s, b) = h
        .call(
            "PUT",
            "/admin/assignments/project/p3/audtor/1",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["message"],
        "unknown role `audtor` of `project`, did you mean `auditor`?"
    );

    // Deleting the role takes its access away at once; the index is never reused.
    let (s, _) = h
        .call("DELETE", "/admin/roles/project/auditor", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        h.call("GET", "/projects/p3", Some(&auditor), None).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, b) = h
        .call(
            "POST",
            "/admin/roles",
            Some(&owner),
            Some(
                json!({ "entity": "project", "name": "auditor", "entitlements": ["project:read"] }),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(b["index"], 4);
    assert_eq!(
        h.call("GET", "/projects/p3", Some(&auditor), None).await.0,
        StatusCode::FORBIDDEN,
        "the old assignment (index 3) grants nothing"
    );
    let (s, _) = h
        .call("DELETE", "/admin/roles/project/manager", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "model roles cannot be deleted");
}

#[tokio::test]
async fn admin_api_changes_are_checked_applied_and_audited() {
    let Some(h) = harness().await else { return };
    let acme = org("acme");
    let globex = org("globex");
    let (owner, owner_id) = h
        .user(
            "owner@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Owner)],
        )
        .await;
    let (member, member_id) = h
        .user(
            "member@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Member)],
        )
        .await;
    let (newbie, newbie_id) = h.user("new@acme.test", "acme", &[]).await;
    let (other, _) = h
        .user(
            "owner@globex.test",
            "globex",
            &[Grant::Org(globex, OrganizationRole::Owner)],
        )
        .await;
    let audit = "SELECT COUNT(*) FROM access_audit";

    // Only holders of organization:manage_roles on the tenant.
    let (s, _) = h
        .call("PUT", "/admin/flags/beta", Some(&member), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(h.count(audit).await, 0);

    // Role assignments, with a validity window; unknown names are 400s.
    assert_eq!(
        h.call("GET", "/projects/p1", Some(&newbie), None).await.0,
        StatusCode::FORBIDDEN
    );
    let path = format!("/admin/assignments/workspace/ws1/viewer/{newbie_id}");
    let (s, b) = h.call("PUT", &path, Some(&owner), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(
        h.call("GET", "/projects/p1", Some(&newbie), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.call("GET", "/projects/p3", Some(&newbie), None).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, _) = h
        .call(
            "PUT",
            &path,
            Some(&owner),
            Some(json!({ "until": access_core::time::now() - 1 })),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        h.call("GET", "/projects/p1", Some(&newbie), None).await.0,
        StatusCode::FORBIDDEN,
        "expired at once"
    );
    let (s, b) = h
        .call(
            "PUT",
            &format!("/admin/assignments/workspace/ws1/veiwer/{newbie_id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["message"],
        "unknown role `veiwer` of `workspace`, did you mean `viewer`?"
    );
    let (s, _) = h
        .call(
            "PUT",
            &format!("/admin/assignments/workspace/ws9/viewer/{newbie_id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "globex's workspace");
    let (s, _) = h
        .call(
            "PUT",
            &path,
            Some(&owner),
            Some(json!({ "from": 10, "until": 5 })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = h.call("DELETE", &path, Some(&owner), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // The hierarchy: create and move inside the tenant; cycles and foreign parents refused.
    let (s, b) = h
        .call(
            "PUT",
            "/admin/resources/project/p7",
            Some(&owner),
            Some(json!({ "parents": [{ "entity": "workspace", "id": "ws2" }] })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(
        h.call("GET", "/projects/p7", Some(&member), None).await.0,
        StatusCode::OK
    );
    let (s, _) = h
        .call(
            "PUT",
            "/admin/resources/workspace/ws2",
            Some(&owner),
            Some(json!({ "parents": [{ "entity": "project", "id": "p7" }] })),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a cycle");
    let (s, _) = h
        .call(
            "PUT",
            "/admin/resources/project/p7",
            Some(&owner),
            Some(json!({ "parents": [{ "entity": "workspace", "id": "ws9" }] })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "globex's workspace as parent");
    let (s, _) = h
        .call(
            "PUT",
            "/admin/resources/project/p9",
            Some(&owner),
            Some(json!({ "parents": [{ "entity": "workspace", "id": "ws1" }] })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "globex's project cannot be taken");
    let (s, _) = h
        .call(
            "PUT",
            "/admin/resources/workspace/ws2",
            Some(&other),
            Some(json!({ "parents": [{ "entity": "organization", "id": "globex" }] })),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "globex's owner cannot take acme's workspace"
    );
    let (s, _) = h
        .call(
            "PUT",
            "/admin/resources/project/p7",
            Some(&owner),
            Some(json!({ "parents": [{ "entity": "workspace", "id": "ws1" }] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = h
        .call("DELETE", "/admin/resources/project/p7", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        h.call("GET", "/projects/p7", Some(&member), None).await.0,
        StatusCode::FORBIDDEN
    );

    // Plans, overrides and flags count at the next request.
    assert_eq!(
        h.call("POST", "/projects/p1/export", Some(&member), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (s, b) = h
        .call(
            "PUT",
            "/admin/plan",
            Some(&owner),
            Some(json!({ "plan": "pro" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["base"][0]["plan"], "pro");
    assert_eq!(
        h.call("POST", "/projects/p1/export", Some(&member), None)
            .await
            .0,
        StatusCode::OK
    );
    let (s, b) = h
        .call(
            "PUT",
            "/admin/plan",
            Some(&owner),
            Some(json!({ "plan": "prp" })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["message"], "unknown plan `prp`, did you mean `pro`?");
    let (s, b) = h
        .call(
            "PUT",
            "/admin/overrides/ai",
            Some(&owner),
            Some(json!({ "max": 60 })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["overrides"][0]["max"], 60);
    let (s, _) = h
        .call(
            "PUT",
            "/admin/overrides/a1",
            Some(&owner),
            Some(json!({ "max": 60 })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.call("POST", "/projects/p1/beta", Some(&member), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (s, _) = h.call("PUT", "/admin/flags/beta", Some(&owner), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        h.call("POST", "/projects/p1/beta", Some(&member), None)
            .await
            .0,
        StatusCode::OK
    );
    let (s, b) = h.call("PUT", "/admin/flags/bta", Some(&owner), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["message"], "unknown flag `bta`, did you mean `beta`?");
    let (s, _) = h
        .call("DELETE", "/admin/flags/beta", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        h.call("POST", "/projects/p1/beta", Some(&member), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // The audit trail: every accepted change, newest first, with who and what.
    let changes = h
        .count("SELECT COUNT(*) FROM access_audit WHERE tenant = 'acme'")
        .await;
    assert_eq!(
        changes, 10,
        "assign, assign (window), revoke, create, move, delete, plan, override, flag on, flag off"
    );
    let (s, b) = h
        .call("GET", "/admin/audit?per_page=3", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let items = b["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["action"], "flag");
    assert_eq!(items[0]["target"], "flag:beta");
    assert_eq!(items[0]["actor"], owner_id.to_string());
    assert_eq!(items[0]["before"], "{\"on\":true}");
    assert_eq!(items[0]["after"], "{\"on\":false}");
    let _ = member_id;
    // The move of p7 names its parents as audit targets are named.
    let (_, b) = h
        .call("GET", "/admin/audit?per_page=200", Some(&owner), None)
        .await;
    let moved = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["target"] == "project:p7" && i["after"].as_str().is_some_and(|a| a.contains("ws1"))
        })
        .unwrap_or_else(|| panic!("the move is in the trail: {b}"));
    assert!(
        moved["after"].as_str().unwrap().contains("workspace:ws1"),
        "{moved}"
    );
    let (s, b) = h
        .call(
            "GET",
            &format!("/admin/audit?page={}", u64::MAX),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(
        (s, b["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_query"))
    );
    let (_, b) = h.call("GET", "/admin/audit", Some(&other), None).await;
    assert_eq!(b["items"], json!([]), "globex sees none of acme's trail");
}

#[tokio::test]
async fn crud_list_shows_only_accessible_rows_in_full_pages() {
    let Some(h) = harness().await else { return };
    let (member, wsadmin) = h.member_and_ws1_admin().await;
    let (stranger, _) = h.user("x@globex.test", "globex", &[]).await;
    let ids = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Pages are full: the rule is in the SQL, not a filter after the page was cut.
    let (s, b) = h
        .call(
            "GET",
            "/crud/projects?per_page=2&sort=id",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(ids(&b), ["p1", "p2"]);
    let (_, b) = h
        .call(
            "GET",
            "/crud/projects?per_page=2&page=2&sort=id",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(ids(&b), ["p3"]);
    let (_, b) = h
        .call("GET", "/crud/projects?sort=-id", Some(&wsadmin), None)
        .await;
    assert_eq!(ids(&b), ["p2", "p1"]);
    let (_, b) = h
        .call(
            "GET",
            "/crud/projects?name=Project%20p2",
            Some(&wsadmin),
            None,
        )
        .await;
    assert_eq!(ids(&b), ["p2"], "filters compose with the listing");
    let (_, b) = h.call("GET", "/crud/projects", Some(&stranger), None).await;
    assert_eq!(ids(&b), Vec::<String>::new());
    assert_eq!(
        h.call("GET", "/crud/projects", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Reading one row checks the same entitlement.
    assert_eq!(
        h.call("GET", "/crud/projects/p3", Some(&member), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        h.call("GET", "/crud/projects/p3", Some(&wsadmin), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn crud_rows_carry_the_callers_access() {
    let Some(h) = harness().await else { return };
    let (member, wsadmin) = h.member_and_ws1_admin().await;
    let access = |b: &Value| -> Vec<(String, Value)> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap().to_owned(), i["__access"].clone()))
            .collect()
    };
    let row = |delete: bool, pdf: bool| json!({ "project:delete": delete, "export:pdf": pdf, "update": delete });
    // On the free plan nobody may export; ws1's admin manages (deletes, updates) ws1's projects.
    let (s, b) = h
        .call("GET", "/crud/projects?sort=id", Some(&wsadmin), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        access(&b),
        [
            ("p1".to_owned(), row(true, false)),
            ("p2".to_owned(), row(true, false))
        ]
    );
    // The plan layer counts: on pro, whoever views a project may export it.
    h.pro("acme").await;
    let (_, b) = h
        .call("GET", "/crud/projects?sort=id", Some(&member), None)
        .await;
    assert_eq!(
        access(&b),
        [
            ("p1".to_owned(), row(false, true)),
            ("p2".to_owned(), row(false, true)),
            ("p3".to_owned(), row(false, true))
        ]
    );
    let (_, b) = h
        .call("GET", "/crud/projects/p2", Some(&wsadmin), None)
        .await;
    assert_eq!(
        b["__access"],
        row(true, true),
        "one row carries it too: {b}"
    );
    // The hints agree with what the routes then do.
    assert_eq!(
        h.call(
            "PATCH",
            "/crud/projects/p2",
            Some(&member),
            Some(json!({ "name": "x" }))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, b) = h
        .call(
            "PATCH",
            "/crud/projects/p2",
            Some(&wsadmin),
            Some(json!({ "name": "x" })),
        )
        .await;
    assert_eq!((s, b["name"].clone()), (StatusCode::OK, json!("x")));
    // A project that does not exist is not found, not refused for want of a resource.
    for method in ["GET", "PATCH"] {
        let (s, b) = h
            .call(
                method,
                "/crud/projects/nope",
                Some(&wsadmin),
                Some(json!({ "name": "y" })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method}: {b}");
    }
    // A refusal whatever the row still says so.
    let (s, b) = h
        .call("DELETE", "/crud/projects/nope", Some(&wsadmin), None)
        .await;
    assert_eq!(
        (s, b["reasons"][0]["kind"].clone()),
        (StatusCode::FORBIDDEN, json!("blocked"))
    );
}

#[tokio::test]
async fn row_access_answers_each_row_across_batches() {
    let Some(h) = harness().await else { return };
    let acme = org("acme");
    let (ws1, ws2) = (ws("ws1"), ws("ws2"));
    // 60 more projects, alternately in ws1 and ws2: with p1..p3, 63 rows × 2 entitlements is
    // more than one `can_all` (100 pairs) holds.
    for i in 0..60 {
        let (w, ws) = if i % 2 == 0 {
            ("ws1", ws1)
        } else {
            ("ws2", ws2)
        };
        let id = format!("q{i:02}-{w}");
        h.db.execute_unprepared(&format!(
            "INSERT INTO projects (id, name) VALUES ('{id}', 'Project {id}')"
        ))
        .await
        .unwrap();
        h.stores.add_child(proj(&id), ws).await.unwrap();
    }
    // A member of acme who administers ws1: reads every project, deletes ws1's only.
    let (token, _) = h
        .user(
            "both@acme.test",
            "acme",
            &[
                Grant::Org(acme, OrganizationRole::Member),
                Grant::Workspace(ws1, WorkspaceRole::Admin),
            ],
        )
        .await;
    let (s, b) = h
        .call(
            "GET",
            "/crud/projects?per_page=100&sort=id",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let items = b["items"].as_array().unwrap();
    assert_eq!(items.len(), 63);
    for item in items {
        let id = item["id"].as_str().unwrap();
        let in_ws1 = id.ends_with("-ws1") || id == "p1" || id == "p2";
        assert_eq!(
            item["__access"],
            json!({ "project:delete": in_ws1, "export:pdf": false, "update": in_ws1 }),
            "{id}"
        );
    }
}

#[tokio::test]
async fn guarded_writes_take_the_proof_of_a_check() {
    use access_axum::crud::guarded;
    use sea_orm::IntoActiveModel;
    let Some(h) = harness().await else { return };
    let acme = org("acme");
    let (_, owner) = h
        .user(
            "owner@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Owner)],
        )
        .await;
    let (_, member) = h
        .user(
            "member@acme.test",
            "acme",
            &[Grant::Org(acme, OrganizationRole::Member)],
        )
        .await;
    let ctx = |id: i64| {
        access_core::AccessContext::new(
            &Model,
            &*h.stores,
            access_core::Principal::new(id.to_string()).tenant("acme"),
        )
    };
    let p1 = proj("p1");
    let row = || project::Model {
        id: "p1".into(),
        name: "Project p1".into(),
    };
    // A member's check fails: there is no proof, so the write cannot be called at all.
    let denied = ctx(member)
        .authorize_as::<model::entitlement::ProjectDelete>(p1.into())
        .await;
    assert!(denied.is_err());
    // The owner's check gives the proof the write asks for.
    let proof = ctx(owner)
        .authorize_as::<model::entitlement::ProjectDelete>(p1.into())
        .await
        .unwrap();
    let r = guarded::delete::<project::Entity, _>(&h.db, row().into_active_model(), proof)
        .await
        .unwrap();
    assert_eq!(r.rows_affected, 1);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM projects WHERE id = 'p1'")
            .await,
        0
    );
}
