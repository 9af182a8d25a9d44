//! authz: the behaviour of `access_axum::authz` (the extractors, the guards, the tenant sources,
//! the settings of `Authz` and the access-set claim), moved out of its doc examples.

use std::sync::Arc;
use std::time::Duration;

use access_axum::authz::{Access, Authz, MaybeAccess, RequireEntitlementLayer, TenantFrom};
use access_axum::{ApiError, AuthState, CurrentUser};
use access_core::{AccessContext, AccessSet, MemoryStore, Principal};
use access_core::{StoreError, StoreErrorKind, TypedClosure, TypedRoles};
use axum::Router;
use axum::extract::{FromRef, Path};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use serde_json::{Value, json};

use crate::harness::*;

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
            "organization:manage" on organization => roles [owner],
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
        }
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

/// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member, user 3 holds
/// nothing.
async fn stores() -> Arc<MemoryStore> {
    let s = Arc::new(MemoryStore::new());
    let acme = resource::Organization::id("acme");
    s.add_root(acme).await.unwrap();
    s.add_child(resource::Project::id("p1"), acme)
        .await
        .unwrap();
    s.grant_role("1", acme, OrganizationRole::Owner)
        .await
        .unwrap();
    s.grant_role("2", acme, OrganizationRole::Member)
        .await
        .unwrap();
    s
}

/// Authorization over [`stores`].
async fn authz() -> Authz<Model, MemoryStore> {
    Authz::new(Model, stores().await)
}

/// `routes` with the auth state and `authz`.
async fn app(authz: Authz<Model, MemoryStore>, routes: Router<AppState>) -> Router {
    routes.with_state(AppState {
        auth: auth_state().await,
        authz,
    })
}

/// The user a valid token of user `id` (tenant `acme`) stands for.
fn current_user(id: i64) -> CurrentUser {
    CurrentUser {
        id,
        session_id: "s1".into(),
        roles: vec![],
        tenant: Some("acme".into()),
        superuser: false,
        issued_at: access_core::time::now(),
        mfa_verified_at: None,
        via_cookie: false,
        claims: Default::default(),
    }
}

/// The parts of a `GET uri` request, with `headers`.
fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.body(()).unwrap().into_parts().0
}

/// The users-table row of user `id` (tenant acme).
fn user_row(id: i64, active: bool) -> access_axum::db::user::Model {
    access_axum::db::user::Model {
        id,
        email: Some(format!("u{id}@example.com")),
        username: None,
        password_hash: String::new(),
        active,
        email_verified: true,
        roles: String::new(),
        tenant: Some("acme".into()),
        superuser: false,
        password_changed_at: 0,
        created_at: 0,
    }
}

/// The tenant of the request's principal.
async fn whoami(access: Access<Model, MemoryStore>) -> axum::Json<Value> {
    axum::Json(json!({ "tenant": access.principal().tenant.as_deref() }))
}

#[tokio::test]
async fn authz_new_has_the_documented_defaults_and_the_setters_change_them() {
    let authz = authz().await;
    assert!(matches!(authz.tenant_source(), TenantFrom::Token));
    assert!(authz.dynamic_grants().is_none());
    assert_eq!(
        format!("{authz:?}"),
        "Authz { tenant: Token, dynamic: false, cache_per_request: true, active_ttl: 2s, \
         access_claim_max: 2048, .. }"
    );
    let from = TenantFrom::Header {
        header: "x-tenant",
        tenant: EntityType::Organization.into(),
    };
    let set = authz
        .tenant_from(from)
        .cache_per_request(false)
        .active_ttl(Duration::ZERO)
        .access_claim_max(12);
    assert!(matches!(
        set.tenant_source(),
        TenantFrom::Header {
            header: "x-tenant",
            ..
        }
    ));
    let debug = format!("{set:?}");
    assert!(debug.contains("tenant: Header(x-tenant: "), "{debug}");
    assert!(debug.contains("cache_per_request: false"), "{debug}");
    assert!(debug.contains("active_ttl: 0ns"), "{debug}");
    assert!(debug.contains("access_claim_max: 12"), "{debug}");
    // The getters share what `new` was given.
    let stores = stores().await;
    let authz: Authz<Model, MemoryStore> = Authz::new(Model, Arc::clone(&stores));
    assert!(Arc::ptr_eq(authz.stores(), &stores));
    assert_eq!(
        &*access_core::AccessModel::data(&**authz.model()).name,
        "Access"
    );
}

#[tokio::test]
async fn handlers_check_through_the_access_extractor() {
    async fn read(access: Access<Model, MemoryStore>, Path(id): Path<String>) -> StatusCode {
        match access.can(entitlement::ProjectRead, &id).await {
            Ok(true) => StatusCode::OK,
            Ok(false) => StatusCode::FORBIDDEN,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    let app = app(
        authz().await,
        Router::new().route("/projects/{id}", get(read)),
    )
    .await;
    // User 2 is a member of the project's organization, user 3 is not.
    let t2 = token(2, &[]);
    assert_eq!(
        send(&app, "GET", "/projects/p1", Some(&t2), None).await.0,
        StatusCode::OK
    );
    let t3 = token(3, &[]);
    assert_eq!(
        send(&app, "GET", "/projects/p1", Some(&t3), None).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_access_extractor_answers_401_without_credentials_and_403_with_the_reasons() {
    async fn delete_project(
        access: Access<Model, MemoryStore>,
        Path(id): Path<String>,
    ) -> Result<axum::Json<Value>, ApiError> {
        // `authorize`: 403 with every reason when denied, 500 without details when the
        // stores fail (`From<AuthorizationError> for ApiError`).
        access.authorize(entitlement::ProjectDelete, &id).await?;
        Ok(axum::Json(json!({ "deleted": id, "by": access.user.id })))
    }
    let routes = Router::new().route("/projects/{id}", delete(delete_project));
    let app = app(authz().await, routes).await;
    let (status, body) = send(&app, "DELETE", "/projects/p1", Some(&token(1, &[])), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["by"], 1);
    let (status, body) = send(&app, "DELETE", "/projects/p1", Some(&token(2, &[])), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["entitlement"], "project:delete");
    let (status, _) = send(&app, "DELETE", "/projects/p1", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_denied_check_answers_the_one_403_shape_and_a_failed_store_a_bare_500() {
    // User 3 holds no role anywhere.
    let stores = stores().await;
    let ctx = AccessContext::new(&Model, &*stores, Principal::new("3"));
    let d = ctx.check(entitlement::ProjectDelete, "p1").await.unwrap();
    let res = ApiError::forbidden(&d).into_response();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"], "forbidden");
    assert_eq!(body["entitlement"], "project:delete");
    assert!(!body["reasons"].as_array().unwrap().is_empty());

    let failure = StoreError::new(StoreErrorKind::Backend, "connection reset by 10.0.0.7");
    let res = ApiError::authorization_failed("authorization store failed", failure).into_response();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"], "internal");
    assert!(
        !body.to_string().contains("10.0.0.7"),
        "no internals: {body}"
    );
}

#[tokio::test]
async fn the_context_is_the_users_in_the_tokens_tenant() {
    let (auth, authz) = (auth_state().await, authz().await);
    // User 2, a member of organization acme (the tenant of their token).
    let ctx = authz
        .context(&auth, &mut parts("/projects/p1", &[]), &current_user(2))
        .await
        .unwrap();
    assert_eq!(ctx.principal().tenant.as_deref(), Some("acme"));
    assert!(ctx.can(entitlement::ProjectRead, "p1").await.unwrap());
    assert!(!ctx.can(entitlement::ProjectDelete, "p1").await.unwrap());
}

#[tokio::test]
async fn a_deactivation_is_seen_at_the_next_request_with_a_zero_active_ttl() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let auth = auth_state().await;
    let authz = authz().await.active_ttl(Duration::ZERO);
    user_row(2, true)
        .into_active_model()
        .reset_all()
        .insert(&auth.db)
        .await
        .unwrap();
    let ctx = authz
        .context(&auth, &mut parts("/", &[]), &current_user(2))
        .await
        .unwrap();
    assert!(ctx.principal().active);
    // User 2's account is deactivated while their token is still valid: the next request
    // sees it.
    user_row(2, false)
        .into_active_model()
        .reset_all()
        .update(&auth.db)
        .await
        .unwrap();
    let ctx = authz
        .context(&auth, &mut parts("/", &[]), &current_user(2))
        .await
        .unwrap();
    assert!(!ctx.principal().active);
}

#[tokio::test]
async fn dynamic_grants_apply_in_the_requests_tenant() {
    use access_axum::dynamic::DynamicGrants;
    let auth = auth_state().await;
    let authz = authz()
        .await
        .dynamic(DynamicGrants::new(&Model, auth.db.clone()));
    // In tenant acme, viewers may now delete projects too.
    let grants = authz.dynamic_grants().unwrap();
    grants
        .grant("acme", "project:delete", "viewer", "1")
        .await
        .unwrap();
    let ctx = authz
        .context(&auth, &mut parts("/", &[]), &current_user(2))
        .await
        .unwrap();
    assert!(ctx.can(entitlement::ProjectDelete, "p1").await.unwrap());
}

#[tokio::test]
async fn a_tenant_from_a_header_needs_a_role_in_it() {
    let (auth, stores) = (auth_state().await, stores().await);
    // User 2 (whose token names acme) is also a member of organization globex.
    let globex = resource::Organization::id("globex");
    stores.add_root(globex).await.unwrap();
    let member = OrganizationRole::Member;
    stores.grant_role("2", globex, member).await.unwrap();
    let from = TenantFrom::Header {
        header: "x-tenant",
        tenant: EntityType::Organization.into(),
    };
    let authz: Authz<Model, MemoryStore> = Authz::new(Model, stores).tenant_from(from);
    let mut globex_parts = parts("/", &[("x-tenant", "globex")]);
    let ctx = authz
        .context(&auth, &mut globex_parts, &current_user(2))
        .await
        .unwrap();
    assert_eq!(ctx.principal().tenant.as_deref(), Some("globex"));
    // User 1 owns acme but holds no role in globex.
    let mut globex_parts = parts("/", &[("x-tenant", "globex")]);
    let refused = authz
        .context(&auth, &mut globex_parts, &current_user(1))
        .await
        .unwrap_err();
    assert_eq!(
        (refused.status, refused.code),
        (StatusCode::FORBIDDEN, "not_a_member")
    );
}

#[tokio::test]
async fn a_tenant_from_a_path_segment_needs_a_role_in_it() {
    let stores = stores().await;
    // User 1 (whose token names acme) is also a member of organization globex.
    let globex = resource::Organization::id("globex");
    stores.add_root(globex).await.unwrap();
    let member = OrganizationRole::Member;
    stores.grant_role("1", globex, member).await.unwrap();
    let from_path = TenantFrom::Path {
        param: "org",
        tenant: EntityType::Organization.into(),
    };
    let authz = Authz::new(Model, stores).tenant_from(from_path);
    let app = app(
        authz,
        Router::new().route("/orgs/{org}/whoami", get(whoami)),
    )
    .await;
    let (status, body) = send(
        &app,
        "GET",
        "/orgs/globex/whoami",
        Some(&token(1, &[])),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tenant"], "globex");
    // The caller chooses the path, so a tenant they hold no role in is refused.
    let (status, body) = send(
        &app,
        "GET",
        "/orgs/globex/whoami",
        Some(&token(2, &[])),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "not_a_member");
}

#[test]
fn tenant_sources_print_what_they_read() {
    let from_header = TenantFrom::Header {
        header: "x-tenant",
        tenant: EntityType::Organization.into(),
    };
    assert!(format!("{from_header:?}").starts_with("Header(x-tenant: "));
    let from_path = TenantFrom::Path {
        param: "org",
        tenant: EntityType::Organization.into(),
    };
    assert!(format!("{from_path:?}").starts_with("Path(org: "));
    assert_eq!(format!("{:?}", TenantFrom::Token), "Token");
    assert_eq!(format!("{:?}", TenantFrom::custom(|_, _| None)), "Custom");
}

#[tokio::test]
async fn the_access_set_claim_encodes_what_the_user_may_do_within_the_cap() {
    let authz = authz().await;
    // What a token of user 2 (a member of acme) gets.
    let claims = authz.access_set_claims();
    let extra = claims(user_row(2, true)).await;
    let encoded = extra["access"].as_str().unwrap();
    assert!(encoded.starts_with("a1."));
    let names = ["organization:manage", "project:read", "project:delete"];
    let set = AccessSet::decode(encoded, names).unwrap();
    assert!(set.can("project:read"));
    assert!(!set.can("project:delete"));
    // Three entitlements encode to 3 + ⌈4·(6 + ⌈9/8⌉)/3⌉ = 14 characters: a cap of 14 keeps
    // the claim, one of 13 leaves it out.
    assert_eq!(encoded.len(), 14);
    let at_cap = authz.clone().access_claim_max(14).access_set_claims();
    assert!(at_cap(user_row(2, true)).await.contains_key("access"));
    let capped = authz.access_claim_max(13).access_set_claims();
    assert!(!capped(user_row(2, true)).await.contains_key("access"));
}

#[tokio::test]
async fn tokens_carry_the_access_claim_through_with_async_claims() {
    let authz = authz().await;
    let auth = auth_state()
        .await
        .with_async_claims(authz.access_set_claims());
    let app: Router = auth.router();
    let access_token = sign_up(&app, "claims@example.com").await;
    let key = jsonwebtoken::DecodingKey::from_secret(SECRET);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["access"]);
    let claims = jsonwebtoken::decode::<Value>(&access_token, &key, &validation)
        .unwrap()
        .claims;
    assert!(
        claims["access"].as_str().unwrap().starts_with("a1."),
        "{claims}"
    );
}

#[tokio::test]
async fn access_js_is_served_with_the_models_names() {
    let authz = authz().await;
    assert!(
        authz
            .access_js()
            .contains(r#"["organization:manage","project:read","project:delete"]"#)
    );
    let app: Router = Router::new().merge(authz.access_js_route());
    let (status, headers, js) =
        call_full(&app, request("GET", "/auth/access.js", None, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(js, Value::String(authz.access_js()));
}

#[tokio::test]
async fn require_role_admits_the_role_and_explains_a_refusal() {
    let auth = auth_state().await;
    let app: Router = Router::new()
        .route("/admin", get(|| async { "welcome" }))
        .route_layer(auth.require_role(&["admin"]));
    let admin = token(1, &["admin"]);
    assert_eq!(
        send(&app, "GET", "/admin", Some(&admin), None).await.0,
        StatusCode::OK
    );
    let (status, body) = send(&app, "GET", "/admin", Some(&token(1, &["user"])), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    assert_eq!(body["message"], "needs the role `admin`");
    assert_eq!(body["reasons"][0]["kind"], "role_required");
    assert_eq!(body["reasons"][0]["meta"]["roles"], json!(["admin"]));
    assert_eq!(
        send(&app, "GET", "/admin", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Superusers pass.
    let token_su = {
        let now = access_core::time::now();
        let claims = access_axum::Claims {
            sub: "9".into(),
            iss: "access".into(),
            aud: "access".into(),
            exp: now + 600,
            nbf: now,
            iat: now,
            sid: "s1".into(),
            roles: vec![],
            tenant: Some("acme".into()),
            su: true,
            mfa: None,
            extra: Default::default(),
        };
        let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.typ = Some("at+jwt".into()); // an access token's type (RFC 9068)
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    };
    assert_eq!(
        send(&app, "GET", "/admin", Some(&token_su), None).await.0,
        StatusCode::OK
    );
}

/// A guard for `DELETE /projects/{id}`: the project is the last path segment.
fn delete_guard(
    authz: &Authz<Model, MemoryStore>,
    auth: &AuthState,
) -> RequireEntitlementLayer<Model, MemoryStore> {
    authz.require_entitlement(auth, Entitlement::ProjectDelete, |parts| {
        let id = parts.uri.path().rsplit('/').next()?;
        (!id.is_empty()).then(|| (EntityType::Project.into(), id.to_owned()))
    })
}

#[tokio::test]
async fn require_entitlement_admits_holders_and_explains_a_refusal() {
    let (auth, authz) = (auth_state().await, authz().await);
    let guard = delete_guard(&authz, &auth);
    // The layer is a named type, cloned into every route it guards.
    fn is_clone<T: Clone + std::fmt::Debug>(_: &T) {}
    is_clone(&guard);
    let app: Router = Router::new()
        .route(
            "/projects/{id}",
            delete(|| async { StatusCode::NO_CONTENT }).layer(guard.clone()),
        )
        .route(
            "/projects/",
            delete(|| async { StatusCode::NO_CONTENT }).layer(guard),
        );
    // User 1 owns the organization (so manages its projects), user 2 is a member.
    let t1 = token(1, &[]);
    assert_eq!(
        send(&app, "DELETE", "/projects/p1", Some(&t1), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = send(&app, "DELETE", "/projects/p1", Some(&token(2, &[])), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["entitlement"], "project:delete");
    assert!(!body["reasons"].as_array().unwrap().is_empty());
    assert_eq!(
        send(&app, "DELETE", "/projects/p1", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // No resource in the request: 404.
    let (status, body) = send(&app, "DELETE", "/projects/", Some(&t1), None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("not_found"))
    );
}

/// What a [`MaybeAccess`] saw.
async fn maybe(access: MaybeAccess<Model, MemoryStore>) -> Result<axum::Json<Value>, ApiError> {
    let reads = match access.context() {
        Some(ctx) => Some(
            ctx.can(entitlement::ProjectRead, "p1")
                .await
                .map_err(|e| ApiError::authorization_failed("authorization store failed", e))?,
        ),
        None => None,
    };
    Ok(axum::Json(json!({
        "signed_in": access.is_signed_in(),
        "user": access.user().map(|u| u.id),
        "principal": access.principal().map(|p| p.id.to_string()),
        "tenant": access.principal().and_then(|p| p.tenant.as_deref().map(str::to_owned)),
        "reads_p1": reads,
        "db": access.auth().db.ping().await.is_ok(),
        "dynamic": access.authz().dynamic_grants().is_some(),
    })))
}

/// [`MaybeAccess::require`]: the [`Access`] of a signed-in caller.
async fn must(access: MaybeAccess<Model, MemoryStore>) -> Result<String, ApiError> {
    let access = access.require()?;
    Ok(format!("user {}", access.user.id))
}

#[tokio::test]
async fn maybe_access_is_anonymous_without_credentials_and_401_with_bad_ones() {
    let routes = Router::new()
        .route("/maybe", get(maybe))
        .route("/must", get(must));
    let app = app(authz().await, routes).await;
    // No credentials: anonymous.
    let (status, body) = send(&app, "GET", "/maybe", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["signed_in"], false);
    assert_eq!(
        (&body["user"], &body["principal"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(body["reads_p1"], Value::Null);
    assert_eq!(
        (&body["dynamic"], &body["db"]),
        (&json!(false), &json!(true))
    );
    // Credentials that do not verify: 401, not anonymous.
    let (status, body) = send(&app, "GET", "/maybe", Some("expired-or-forged"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "unauthenticated");
    // Valid credentials: the user, their principal in their tenant, and the engine context.
    let (status, body) = send(&app, "GET", "/maybe", Some(&token(2, &[])), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            &body["signed_in"],
            &body["user"],
            &body["principal"],
            &body["tenant"]
        ),
        (&json!(true), &json!(2), &json!("2"), &json!("acme"))
    );
    assert_eq!(body["reads_p1"], true);
    let (_, body) = send(&app, "GET", "/maybe", Some(&token(3, &[])), None).await;
    assert_eq!(body["reads_p1"], false);
    // `require` turns it into an `Access`, 401 for an anonymous caller.
    assert_eq!(
        send(&app, "GET", "/must", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = send(&app, "GET", "/must", Some(&token(2, &[])), None).await;
    assert_eq!((status, body), (StatusCode::OK, json!("user 2")));
}

#[tokio::test]
async fn maybe_access_refuses_a_tenant_the_user_does_not_belong_to() {
    let from = TenantFrom::Header {
        header: "x-tenant",
        tenant: EntityType::Organization.into(),
    };
    let authz = authz().await.tenant_from(from);
    let app = app(authz, Router::new().route("/maybe", get(maybe))).await;
    let req = |tenant: &str| {
        let mut r = request("GET", "/maybe", Some(&token(2, &[])), None);
        r.headers_mut().insert("x-tenant", tenant.parse().unwrap());
        r
    };
    let (status, body) = call(&app, req("acme")).await;
    assert_eq!((status, &body["tenant"]), (StatusCode::OK, &json!("acme")));
    let (status, body) = call(&app, req("globex")).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::FORBIDDEN, &json!("not_a_member"))
    );
    // Without credentials the header names no one's tenant: anonymous.
    let mut anon = request("GET", "/maybe", None, None);
    anon.headers_mut()
        .insert("x-tenant", "globex".parse().unwrap());
    let (status, body) = call(&app, anon).await;
    assert_eq!(
        (status, &body["signed_in"]),
        (StatusCode::OK, &json!(false))
    );
}
