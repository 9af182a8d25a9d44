//! Route guards and the per-request access context, through the real router on SQLite.

use std::sync::Arc;

use access_axum::authz::{Access, Authz};
use access_axum::config::Argon2Params;
use access_axum::db::user;
use access_axum::{AuthConfig, AuthState, JwtKeys};
use access_core::{MemoryStore, TypedClosure, TypedRoles};
use axum::body::Body;
use axum::extract::{FromRef, Path};
use axum::http::{Request, StatusCode, header};
use axum::routing::{delete, get};
use axum::{Json, Router};
use http_body_util::BodyExt;
use jsonwebtoken::Algorithm;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectOptions, Database, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tower::ServiceExt;

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity organization { roles: [owner, member] }
        entity project {
            roles: [manager, viewer],
            implies: { manager => viewer },
            inherits: { organization:owner => manager, organization:member => viewer },
        }
        entitlements {
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
            "ai:generate"    on project => roles [viewer],
        }
        plans {
            pro { group: main, features: ["ai:generate"],
                  limits: { ai: "ai:generate" per month max 50 } }
        }
        default_plan: pro,
    }
}

use model::{Access as Model, Entitlement, EntityType, OrganizationRole, entitlement, resource};

#[derive(Clone)]
struct AppState {
    auth: AuthState,
    authz: Authz<Model, MemoryStore>,
}

impl FromRef<AppState> for AuthState {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}

impl FromRef<AppState> for Authz<Model, MemoryStore> {
    fn from_ref(s: &AppState) -> Self {
        s.authz.clone()
    }
}

async fn check(access: Access<Model, MemoryStore>, Path(id): Path<String>) -> Json<Value> {
    let d = access
        .check(entitlement::ProjectRead, &id)
        .await
        .expect("in-memory store");
    Json(json!({ "allowed": d.allowed, "user": access.user.id }))
}

async fn deleted(Path(id): Path<String>) -> Json<Value> {
    Json(json!({ "deleted": id }))
}

#[access_axum::authorize("project:delete", resource = project(id))]
async fn delete_with_macro(
    access: Access<Model, MemoryStore>,
    Path(id): Path<String>,
) -> Json<Value> {
    Json(json!({ "deleted": id, "by": access.user.id }))
}

#[access_axum::authorize("ai:generate", resource = project(id), consume)]
async fn generate(
    access: Access<Model, MemoryStore>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, StatusCode> {
    let _ = &access;
    if q.contains_key("fail") {
        return Err(StatusCode::BAD_GATEWAY);
    }
    Ok(Json(json!({ "generated": id })))
}

async fn admin_only() -> &'static str {
    "welcome, admin"
}

struct Harness {
    router: Router,
    auth: AuthState,
    authz_stores: Arc<MemoryStore>,
}

async fn harness() -> Harness {
    harness_with(access_axum::authz::TenantFrom::Header {
        header: "x-tenant",
        tenant: EntityType::Organization.into(),
    })
    .await
}

/// The tenant and state of the request's principal, as the engine sees them.
async fn whoami(access: Access<Model, MemoryStore>) -> Json<Value> {
    let p = access.ctx.principal();
    Json(json!({ "tenant": p.tenant.as_deref(), "active": p.active }))
}

async fn harness_with(tenant: access_axum::authz::TenantFrom) -> Harness {
    harness_with_ttl(tenant, std::time::Duration::ZERO).await
}

async fn harness_with_ttl(
    tenant: access_axum::authz::TenantFrom,
    active_ttl: std::time::Duration,
) -> Harness {
    let mut opts = ConnectOptions::new("sqlite::memory:");
    opts.max_connections(1);
    let db = Database::connect(opts).await.unwrap();
    access_axum::migrate(&db).await.unwrap();
    let config = AuthConfig::builder()
        .keys(JwtKeys::hmac(Algorithm::HS256, b"authz-test-secret-authz-test-secret").unwrap())
        .argon2(Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        })
        .build()
        .unwrap();
    let auth = AuthState::new(db, config);
    let stores = Arc::new(MemoryStore::new());
    let authz = Authz::new(Model, Arc::clone(&stores))
        .tenant_from(tenant)
        .active_ttl(active_ttl);
    let org = resource::Organization::id("acme");
    stores.add_root(org).await.unwrap();
    for p in ["p1", "p2"] {
        let project = resource::Project::id(p);
        stores.add_child(project, org).await.unwrap();
    }
    let state = AppState {
        auth: auth.clone(),
        authz: authz.clone(),
    };
    let guarded_delete = delete(deleted).layer(authz.require_entitlement(
        &auth,
        Entitlement::ProjectDelete,
        |parts| {
            let id = parts.uri.path().rsplit('/').next()?.to_owned();
            Some((EntityType::Project.into(), id))
        },
    ));
    let router = Router::new()
        .route("/projects/{id}/check", get(check))
        .route("/orgs/{org}/whoami", get(whoami))
        .route("/projects/{id}/whoami", get(whoami))
        .route("/macro/projects/{id}", delete(delete_with_macro))
        .route("/projects/{id}/generate", axum::routing::post(generate))
        .route("/projects/{id}", guarded_delete)
        .route(
            "/admin",
            get(admin_only).layer(auth.require_role(&["admin"])),
        )
        .with_state(state)
        .merge(auth.router());
    // Memberships in the engine's store: user 1 owns acme, user 2 is a member of acme and of
    // globex.
    let (owner, member) = (OrganizationRole::Owner, OrganizationRole::Member);
    stores.grant_role("1", org, owner).await.unwrap();
    stores.grant_role("2", org, member).await.unwrap();
    let globex = resource::Organization::id("globex");
    stores.add_root(globex).await.unwrap();
    stores.grant_role("2", globex, member).await.unwrap();
    Harness {
        router,
        auth,
        authz_stores: stores,
    }
}

impl Harness {
    async fn call(&self, req: Request<Body>) -> (StatusCode, Value) {
        let r = self.router.clone().oneshot(req).await.unwrap();
        let s = r.status();
        let b = r.into_body().collect().await.unwrap().to_bytes();
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }
    async fn token(&self, email: &str) -> String {
        let (s, b) = self
            .call(
                Request::post("/auth/register")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        json!({ "email": email, "password": "correct horse battery" }).to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["access_token"].as_str().unwrap().to_owned()
    }
    async fn with(&self, method: &str, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }
}

#[tokio::test]
async fn entitlement_guard_allows_managers_and_explains_denials() {
    let h = harness().await;
    let owner = h.token("owner@example.com").await; // user 1
    let member = h.token("member@example.com").await; // user 2
    let (s, b) = h.with("DELETE", "/projects/p1", &owner).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["deleted"], "p1");
    let (s, b) = h.with("DELETE", "/projects/p1", &member).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["entitlement"], "project:delete");
    assert_eq!(b["reasons"][0]["kind"], "hierarchy_denied", "{b}");
    // Unauthenticated: 401, the handler never runs.
    let (s, _) = h
        .call(Request::delete("/projects/p1").body(Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_access_extractor_checks_for_the_request_user() {
    let h = harness().await;
    let owner = h.token("owner@example.com").await;
    let member = h.token("member@example.com").await;
    let stranger = h.token("stranger@example.com").await; // user 3, no membership
    assert_eq!(
        h.with("GET", "/projects/p2/check", &owner).await.1["allowed"],
        true
    );
    assert_eq!(
        h.with("GET", "/projects/p2/check", &member).await.1["allowed"],
        true
    );
    assert_eq!(
        h.with("GET", "/projects/p2/check", &stranger).await.1["allowed"],
        false
    );
    let (s, _) = h
        .call(
            Request::get("/projects/p2/check")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn role_guard_needs_the_global_role() {
    let h = harness().await;
    let plain = h.token("plain@example.com").await;
    let (s, b) = h.with("GET", "/admin", &plain).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["reasons"][0]["kind"], "role_required");
    // Make them an admin; a new token carries the role.
    user::Entity::update_many()
        .col_expr(user::Column::Roles, Expr::value("admin"))
        .filter(user::Column::Email.eq("plain@example.com"))
        .exec(&h.auth.db)
        .await
        .unwrap();
    let (s, b) = h
        .call(
            Request::post("/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({ "identifier": "plain@example.com", "password": "correct horse battery" }).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let admin = b["access_token"].as_str().unwrap().to_owned();
    let r = h
        .router
        .clone()
        .oneshot(
            Request::get("/admin")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_authorize_attribute_guards_the_handler() {
    let h = harness().await;
    let owner = h.token("owner@example.com").await;
    let member = h.token("member@example.com").await;
    let (s, b) = h.with("DELETE", "/macro/projects/p1", &owner).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["by"], 1);
    let (s, b) = h.with("DELETE", "/macro/projects/p1", &member).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["reasons"][0]["kind"], "hierarchy_denied", "{b}");
    let (s, _) = h
        .call(
            Request::delete("/macro/projects/p1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_tenant_named_by_the_request_needs_a_role_in_it() {
    let h = harness().await;
    let owner = h.token("owner@example.com").await; // user 1: acme
    let member = h.token("member@example.com").await; // user 2: acme and globex
    let whoami = |token: &str, tenant: &str| {
        Request::get("/projects/p1/whoami")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("x-tenant", tenant)
            .body(Body::empty())
            .unwrap()
    };
    let (s, b) = h.call(whoami(&member, "globex")).await;
    assert_eq!((s, &b["tenant"]), (StatusCode::OK, &json!("globex")));
    let (s, b) = h.call(whoami(&owner, "acme")).await;
    assert_eq!((s, &b["tenant"]), (StatusCode::OK, &json!("acme")));
    for other in ["globex", "nobody-knows", "acme "] {
        let (s, b) = h.call(whoami(&owner, other)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{other}: {b}");
        assert_eq!(b["error"], "not_a_member");
        assert!(b["reasons"].is_null(), "no details of the tenant: {b}");
    }
    // Consuming handlers refuse it before anything is spent.
    let (s, b) = h
        .call(
            Request::post("/projects/p1/generate")
                .header(header::AUTHORIZATION, format!("Bearer {owner}"))
                .header("x-tenant", "globex")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (s, &b["error"]),
        (StatusCode::FORBIDDEN, &json!("not_a_member"))
    );
    // Losing the role ends the membership (the TTL is zero in this harness).
    let globex = resource::Organization::id("globex");
    h.authz_stores
        .revoke_role("2", globex, OrganizationRole::Member)
        .await
        .unwrap();
    assert_eq!(
        h.call(whoami(&member, "globex")).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn consuming_handlers_spend_the_limit_and_give_it_back_on_failure() {
    let h = harness().await;
    let member = h.token("member@example.com").await;
    let request = |fail: bool| {
        let path = if fail {
            "/projects/p1/generate?fail=1"
        } else {
            "/projects/p1/generate"
        };
        Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {member}"))
            .header("x-tenant", "acme")
            .body(Body::empty())
            .unwrap()
    };
    // A failing handler does not use up the limit (max 50).
    for _ in 0..3 {
        assert_eq!(h.call(request(true)).await.0, StatusCode::BAD_GATEWAY);
    }
    for _ in 0..50 {
        assert_eq!(h.call(request(false)).await.0, StatusCode::OK);
    }
    let (s, b) = h.call(request(false)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let kinds: Vec<&str> = b["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"limit_reached"), "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_consuming_requests_stop_exactly_at_the_limit() {
    let h = harness().await;
    let _owner = h.token("owner@example.com").await; // user 1
    let member = h.token("member@example.com").await; // user 2, a member of globex too
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let router = h.router.clone();
        let member = member.clone();
        tasks.push(tokio::spawn(async move {
            let req = Request::post("/projects/p2/generate")
                .header(header::AUTHORIZATION, format!("Bearer {member}"))
                .header("x-tenant", "globex")
                .body(Body::empty())
                .unwrap();
            let r = router.oneshot(req).await.unwrap();
            let status = r.status();
            let b = r.into_body().collect().await.unwrap().to_bytes();
            let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
            let limit = v["reasons"]
                .as_array()
                .is_some_and(|rs| rs.iter().any(|r| r["kind"] == "limit_reached"));
            (status, limit)
        }));
    }
    let mut ok = 0;
    let mut limited = 0;
    for t in tasks {
        match t.await.unwrap() {
            (StatusCode::OK, _) => ok += 1,
            (StatusCode::FORBIDDEN, true) => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    // The plan allows 50 per month for the tenant: exactly 50 succeed.
    assert_eq!((ok, limited), (50, 150));
}

#[tokio::test]
async fn deactivated_accounts_are_refused_with_a_still_valid_token() {
    let h = harness().await;
    let owner = h.token("owner@example.com").await; // user 1
    let (s, b) = h.with("DELETE", "/macro/projects/p1", &owner).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(false))
        .filter(user::Column::Id.eq(1))
        .exec(&h.auth.db)
        .await
        .unwrap();
    let (s, b) = h.with("DELETE", "/macro/projects/p1", &owner).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["reasons"][0]["kind"], "inactive_user", "{b}");
    let (_, b) = h.with("GET", "/projects/p1/whoami", &owner).await;
    assert_eq!(b["active"], false);
    let (s, _) = h.with("DELETE", "/projects/p1", &owner).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the route layer refuses too");
}

#[tokio::test]
async fn the_tenant_comes_from_a_path_segment_or_the_resource() {
    use access_axum::authz::TenantFrom;
    let h = harness_with(TenantFrom::Path {
        param: "org",
        tenant: EntityType::Organization.into(),
    })
    .await;
    let t = h.token("a@example.com").await; // user 1, owner of acme only
    let (s, b) = h.with("GET", "/orgs/acme/whoami", &t).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["tenant"], "acme");
    let (s, b) = h.with("GET", "/orgs/globex/whoami", &t).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"], "not_a_member");
    assert_eq!(
        h.with("GET", "/projects/p1/whoami", &t).await.1["tenant"],
        Value::Null
    );

    let h = harness_with(TenantFrom::ResourceAncestor {
        param: "id",
        resource: EntityType::Project.into(),
        tenant: EntityType::Organization.into(),
    })
    .await;
    let t = h.token("a@example.com").await;
    let (_, b) = h.with("GET", "/projects/p2/whoami", &t).await;
    assert_eq!(b["tenant"], "acme", "p2's organization");
    let (_, b) = h.with("GET", "/projects/nope/whoami", &t).await;
    assert_eq!(
        b["tenant"],
        Value::Null,
        "an unknown resource has no tenant"
    );
    assert_eq!(
        h.with("GET", "/orgs/x/whoami", &t).await.1["tenant"],
        Value::Null
    );
    // A project of globex names globex, where user 1 holds no role.
    let (g1, globex) = (
        resource::Project::id("g1"),
        resource::Organization::id("globex"),
    );
    h.authz_stores.add_child(g1, globex).await.unwrap();
    let (s, b) = h.with("GET", "/projects/g1/whoami", &t).await;
    assert_eq!(
        (s, &b["error"]),
        (StatusCode::FORBIDDEN, &json!("not_a_member"))
    );

    let h = harness_with(TenantFrom::custom(|parts, user| {
        (parts.uri.query() == Some("mine=1")).then(|| format!("user-{}", user.id))
    }))
    .await;
    let t = h.token("a@example.com").await;
    assert_eq!(
        h.with("GET", "/orgs/x/whoami?mine=1", &t).await.1["tenant"],
        "user-1"
    );
}

#[tokio::test]
async fn a_deactivation_counts_at_the_latest_after_the_active_ttl() {
    let ttl = std::time::Duration::from_millis(300);
    let h = harness_with_ttl(access_axum::authz::TenantFrom::Token, ttl).await;
    let owner = h.token("owner@example.com").await;
    assert_eq!(
        h.with("GET", "/projects/p1/whoami", &owner).await.1["active"],
        true
    );
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(false))
        .filter(user::Column::Id.eq(1))
        .exec(&h.auth.db)
        .await
        .unwrap();
    tokio::time::sleep(ttl + std::time::Duration::from_millis(50)).await;
    assert_eq!(
        h.with("GET", "/projects/p1/whoami", &owner).await.1["active"],
        false
    );
}
