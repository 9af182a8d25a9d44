//! Authorization over HTTP: an `AccessContext` per request, and route guards as tower layers.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use access_core::{
    AccessContext, AccessModel, Decision, EntityTypeId, Principal, Resource, Stores,
};
use axum::Json;
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{AuthState, CurrentUser};
use crate::dynamic::DynamicGrants;
use crate::error::ApiError;

/// The decoder's source (names filled in by [`Authz::access_js`]).
const ACCESS_JS: &str = include_str!("../assets/access.js");

/// Finds the tenant of a request ([`TenantFrom::Custom`]).
pub type TenantFn = Arc<dyn Fn(&Parts, &CurrentUser) -> Option<String> + Send + Sync>;

/// Where the tenant of a request comes from (flags, plans, wallets, dynamic grants, row rules on
/// `user.tenant_id` and RLS claims are per tenant).
///
/// The token's tenant is trusted as issued. A tenant named by the request ([`Self::Header`],
/// [`Self::Path`], [`Self::ResourceAncestor`]) is accepted only when it is the token's tenant,
/// the user is a superuser, or the user holds a role (model or custom) directly on the tenant's
/// resource; otherwise the request is refused with 403 `not_a_member`. Membership is
/// remembered for [`Authz::active_ttl`]. A role on a resource *below* the tenant (a project
/// shared with a guest) is not membership: a guest acts in their own tenant.
///
/// # Examples
///
/// The tenant from a path segment of the route:
///
/// ```
/// # use access_axum::authz::{Access, Authz};
/// # use access_axum::{AuthConfig, AuthState, JwtKeys};
/// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, user],
/// #         entity organization { roles: [owner, member] }
/// #         entity project {
/// #             roles: [manager, viewer],
/// #             implies: { manager => viewer },
/// #             inherits: { organization:owner => manager, organization:member => viewer },
/// #         }
/// #         entitlements {
/// #             "organization:manage" on organization => roles [owner],
/// #             "project:read"   on project => roles [viewer],
/// #             "project:delete" on project => roles [manager],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// Auth state over a fresh in-memory database.
/// # async fn auth_state() -> AuthState {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
/// # }
/// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
/// # async fn stores() -> &'static MemoryStore {
/// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     let acme = Resource::new(EntityType::Organization, "acme");
/// #     s.add_resource(acme, &[]).await.unwrap();
/// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
/// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
/// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
/// #     s
/// # }
/// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (with a bearer token when given); the status and the JSON body.
/// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # /// The user a valid token of user `id` (tenant `acme`) stands for.
/// # fn current_user(id: i64) -> access_axum::CurrentUser {
/// #     access_axum::CurrentUser {
/// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
/// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
/// #     }
/// # }
/// # #[derive(Clone)]
/// # struct AppState { auth: AuthState, authz: Authz<Model, MemoryStore> }
/// # impl FromRef<AppState> for AuthState { fn from_ref(s: &AppState) -> Self { s.auth.clone() } }
/// # impl FromRef<AppState> for Authz<Model, MemoryStore> { fn from_ref(s: &AppState) -> Self { s.authz.clone() } }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use access_axum::authz::TenantFrom;
///
/// async fn whoami(access: Access<Model, MemoryStore>) -> axum::Json<serde_json::Value> {
///     axum::Json(serde_json::json!({ "tenant": access.principal().tenant.as_deref() }))
/// }
/// let stores = stores().await;
/// // User 1 (whose token names acme) is also a member of organization globex.
/// let globex = Resource::new(EntityType::Organization, "globex");
/// stores.add_resource(globex, &[]).await.unwrap();
/// stores.assign("1", globex, OrganizationRole::Member.index()).await.unwrap();
///
/// let from_path = TenantFrom::Path { param: "org", tenant: EntityType::Organization.into() };
/// let authz = Authz::new(&Model, stores).tenant_from(from_path);
/// let state = AppState { auth: auth_state().await, authz };
/// let app = Router::new()
///     .route("/orgs/{org}/whoami", axum::routing::get(whoami))
///     .with_state(state);
/// let (status, body) = send(&app, "GET", "/orgs/globex/whoami", Some(&token(1, &[]))).await;
/// assert_eq!(status, StatusCode::OK);
/// assert_eq!(body["tenant"], "globex");
/// // The caller chooses the path, so a tenant they hold no role in is refused.
/// let (status, body) = send(&app, "GET", "/orgs/globex/whoami", Some(&token(2, &[]))).await;
/// assert_eq!(status, StatusCode::FORBIDDEN);
/// assert_eq!(body["error"], "not_a_member");
///
/// // Other sources print what they read.
/// let from_header = TenantFrom::Header { header: "x-tenant", tenant: EntityType::Organization.into() };
/// assert!(format!("{from_header:?}").starts_with("Header(x-tenant: "));
/// # }
/// ```
#[derive(Clone)]
pub enum TenantFrom {
    /// The `tenant` claim of the access token (the user's tenant).
    Token,
    /// A request header (`X-Tenant`) naming a resource of entity type `tenant` (an
    /// organization). The caller chooses it, so it is accepted only from a member: see
    /// [`TenantFrom`].
    Header {
        /// The header's name.
        header: &'static str,
        /// The tenant's entity type (`organization`).
        tenant: EntityTypeId,
    },
    /// A path parameter of the route (`/orgs/{org}/..` → `Path { param: "org", .. }`) naming a
    /// resource of entity type `tenant`. Accepted only from a member: see [`TenantFrom`].
    Path {
        /// The path parameter's name.
        param: &'static str,
        /// The tenant's entity type (`organization`).
        tenant: EntityTypeId,
    },
    /// The resource the route acts on: its id is path parameter `param`, of entity type
    /// `resource`; the tenant is the id of its ancestor of type `tenant` (or the resource itself
    /// when it is of that type). A resource the store does not know has no tenant. Accepted only
    /// from a member: see [`TenantFrom`].
    ResourceAncestor {
        /// The path parameter holding the resource's id.
        param: &'static str,
        /// The resource's entity type.
        resource: EntityTypeId,
        /// The tenant's entity type (`organization`).
        tenant: EntityTypeId,
    },
    /// The application decides from the request and the user; it is trusted as returned, so
    /// the function must itself check that the user belongs to the tenant it picks.
    Custom(TenantFn),
}

impl std::fmt::Debug for TenantFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TenantFrom::Token => f.write_str("Token"),
            TenantFrom::Header { header, tenant } => write!(f, "Header({header}: {tenant:?})"),
            TenantFrom::Path { param, tenant } => write!(f, "Path({param}: {tenant:?})"),
            TenantFrom::ResourceAncestor {
                param,
                resource,
                tenant,
            } => write!(f, "ResourceAncestor({param}: {resource:?} → {tenant:?})"),
            TenantFrom::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// The model and stores authorization runs on, shared by every request. Both live for the
/// whole program (`&'static`): the model is a generated unit value, the stores are created once
/// at startup (`Box::leak`, or a `static`).
///
/// # Examples
///
/// The application's state holds the [`AuthState`] and the `Authz` (axum finds each with
/// `FromRef`); handlers take an [`Access`]:
///
/// ```
/// # use access_axum::authz::{Access, Authz};
/// # use access_axum::{AuthConfig, AuthState, JwtKeys};
/// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, user],
/// #         entity organization { roles: [owner, member] }
/// #         entity project {
/// #             roles: [manager, viewer],
/// #             implies: { manager => viewer },
/// #             inherits: { organization:owner => manager, organization:member => viewer },
/// #         }
/// #         entitlements {
/// #             "organization:manage" on organization => roles [owner],
/// #             "project:read"   on project => roles [viewer],
/// #             "project:delete" on project => roles [manager],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// Auth state over a fresh in-memory database.
/// # async fn auth_state() -> AuthState {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
/// # }
/// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
/// # async fn stores() -> &'static MemoryStore {
/// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     let acme = Resource::new(EntityType::Organization, "acme");
/// #     s.add_resource(acme, &[]).await.unwrap();
/// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
/// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
/// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
/// #     s
/// # }
/// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (with a bearer token when given); the status and the JSON body.
/// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # /// The user a valid token of user `id` (tenant `acme`) stands for.
/// # fn current_user(id: i64) -> access_axum::CurrentUser {
/// #     access_axum::CurrentUser {
/// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
/// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
/// #     }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// #[derive(Clone)]
/// struct AppState {
///     auth: AuthState,
///     authz: Authz<Model, MemoryStore>,
/// }
/// impl FromRef<AppState> for AuthState {
///     fn from_ref(s: &AppState) -> Self { s.auth.clone() }
/// }
/// impl FromRef<AppState> for Authz<Model, MemoryStore> {
///     fn from_ref(s: &AppState) -> Self { s.authz.clone() }
/// }
///
/// async fn read(access: Access<Model, MemoryStore>, axum::extract::Path(id): axum::extract::Path<String>) -> StatusCode {
///     match access.can(Entitlement::ProjectRead, Resource::new(EntityType::Project, &id)).await {
///         Ok(true) => StatusCode::OK,
///         Ok(false) => StatusCode::FORBIDDEN,
///         Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
///     }
/// }
///
/// let stores: &'static MemoryStore = stores().await; // `Box::leak(Box::new(MemoryStore::new()))`, filled
/// let state = AppState { auth: auth_state().await, authz: Authz::new(&Model, stores) };
/// let app = Router::new()
///     .route("/projects/{id}", axum::routing::get(read))
///     .with_state(state);
/// // User 2 is a member of the project's organization, user 3 is not.
/// assert_eq!(send(&app, "GET", "/projects/p1", Some(&token(2, &[]))).await.0, StatusCode::OK);
/// assert_eq!(send(&app, "GET", "/projects/p1", Some(&token(3, &[]))).await.0, StatusCode::FORBIDDEN);
/// # }
/// ```
pub struct Authz<M: AccessModel, S: Stores + 'static> {
    /// The model.
    pub model: &'static M,
    /// The stores.
    pub stores: &'static S,
    /// Where the tenant comes from.
    pub tenant: TenantFrom,
    /// Dynamic mode: the tenants' grants ([`Authz::dynamic`]); `None` = static mode.
    pub dynamic: Option<Arc<DynamicGrants>>,
    /// Whether each request's context remembers its store reads ([`Authz::cache_per_request`]).
    pub cache: bool,
    /// How long an account's `active` flag is reused ([`Authz::active_ttl`]).
    pub active_ttl: std::time::Duration,
    /// The longest `access` claim [`Authz::access_set_claims`] puts in a token, in characters
    /// ([`Authz::access_claim_max`]).
    pub access_claim_max: usize,
    active: Arc<TtlCache<i64>>,
    members: Arc<TtlCache<(i64, u16, String)>>,
}

/// Answers read from the database, reused for [`Authz::active_ttl`]: accounts' `active` flags
/// and tenant memberships.
struct TtlCache<K>(std::sync::RwLock<std::collections::HashMap<K, (std::time::Instant, bool)>>);

impl<K> Default for TtlCache<K> {
    fn default() -> Self {
        Self(std::sync::RwLock::default())
    }
}

impl<K: std::hash::Hash + Eq> TtlCache<K> {
    fn get(&self, key: &K, ttl: std::time::Duration) -> Option<bool> {
        let cache = self.0.read().ok()?;
        let (at, v) = cache.get(key)?;
        (at.elapsed() < ttl).then_some(*v)
    }
    fn put(&self, key: K, v: bool, ttl: std::time::Duration) {
        if ttl.is_zero() {
            return;
        }
        if let Ok(mut cache) = self.0.write() {
            if cache.len() >= ACTIVE_CACHE {
                cache.clear();
            }
            cache.insert(key, (std::time::Instant::now(), v));
        }
    }
}

/// The default longest `access` claim: 2,048 characters, the access set of a model of up to
/// 4,072 entitlements, which keeps a token well under the 4 KB browsers allow a cookie.
///
/// ```
/// use access_axum::authz::DEFAULT_ACCESS_CLAIM_MAX;
///
/// // `a1.` + base64url of 6 header bytes and 3 bits per entitlement.
/// let chars = |n: usize| 3 + (4 * (6 + (3 * n).div_ceil(8))).div_ceil(3);
/// assert!(chars(4_072) <= DEFAULT_ACCESS_CLAIM_MAX && chars(4_073) > DEFAULT_ACCESS_CLAIM_MAX);
/// ```
pub const DEFAULT_ACCESS_CLAIM_MAX: usize = 2048;

/// Most accounts whose `active` flag is remembered at once.
const ACTIVE_CACHE: usize = 100_000;

impl<M: AccessModel, S: Stores + 'static> Clone for Authz<M, S> {
    fn clone(&self) -> Self {
        Self {
            model: self.model,
            stores: self.stores,
            tenant: self.tenant.clone(),
            dynamic: self.dynamic.clone(),
            cache: self.cache,
            active_ttl: self.active_ttl,
            access_claim_max: self.access_claim_max,
            active: self.active.clone(),
            members: self.members.clone(),
        }
    }
}

impl<M: AccessModel, S: Stores + 'static> std::fmt::Debug for Authz<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authz")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl<M: AccessModel, S: Stores + 'static> Authz<M, S> {
    /// Authorization over `model` and `stores`, the tenant from the token.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Authz, TenantFrom};
    /// # use access_core::MemoryStore;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin],
    /// #         entity project { roles: [viewer] }
    /// #         entitlements { "project:read" on project => roles [viewer] }
    /// #     }
    /// # }
    /// # use model::Access as Model;
    /// # let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// let authz = Authz::new(&Model, stores);
    /// assert!(matches!(authz.tenant, TenantFrom::Token));
    /// assert!(authz.cache);
    /// assert!(authz.dynamic.is_none());
    /// assert_eq!(authz.active_ttl, std::time::Duration::from_secs(2));
    /// assert_eq!(authz.access_claim_max, 2048);
    /// ```
    pub fn new(model: &'static M, stores: &'static S) -> Self {
        Self {
            model,
            stores,
            tenant: TenantFrom::Token,
            dynamic: None,
            cache: true,
            active_ttl: std::time::Duration::from_secs(2),
            access_claim_max: DEFAULT_ACCESS_CLAIM_MAX,
            active: Arc::default(),
            members: Arc::default(),
        }
    }
    /// How long an account's `active` flag, read from the users table, is reused before it is
    /// read again (default 2 s): a deactivated account is refused at the latest this long after
    /// the change, whatever its token says. Zero reads it at every request.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Access, Authz};
    /// # use access_axum::{AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// Auth state over a fresh in-memory database.
    /// # async fn auth_state() -> AuthState {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
    /// # }
    /// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
    /// # async fn stores() -> &'static MemoryStore {
    /// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     let acme = Resource::new(EntityType::Organization, "acme");
    /// #     s.add_resource(acme, &[]).await.unwrap();
    /// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
    /// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
    /// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
    /// #     s
    /// # }
    /// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (with a bearer token when given); the status and the JSON body.
    /// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # /// The user a valid token of user `id` (tenant `acme`) stands for.
    /// # fn current_user(id: i64) -> access_axum::CurrentUser {
    /// #     access_axum::CurrentUser {
    /// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
    /// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (auth, stores) = (auth_state().await, stores().await);
    /// let authz = Authz::new(&Model, stores).active_ttl(std::time::Duration::ZERO);
    /// assert!(authz.active_ttl.is_zero());
    /// # let row = |active| access_axum::db::user::Model {
    /// #     id: 2, email: Some("m@example.com".into()), username: None, password_hash: String::new(),
    /// #     active, email_verified: true, roles: String::new(), tenant: Some("acme".into()),
    /// #     superuser: false, password_changed_at: 0, created_at: 0,
    /// # };
    /// # use sea_orm::{ActiveModelTrait, IntoActiveModel};
    /// # row(true).into_active_model().reset_all().insert(&auth.db).await.unwrap();
    /// // User 2's account is deactivated while their token is still valid: the next request
    /// // sees it.
    /// # row(false).into_active_model().reset_all().update(&auth.db).await.unwrap();
    /// let (mut parts, ()) = Request::get("/").body(()).unwrap().into_parts();
    /// let ctx = authz.context(&auth, &mut parts, &current_user(2)).await.unwrap();
    /// assert!(!ctx.principal().active);
    /// # }
    /// ```
    #[must_use]
    pub fn active_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.active_ttl = ttl;
        self
    }

    /// The longest `access` claim [`Authz::access_set_claims`] puts in a token, in characters
    /// (default [`DEFAULT_ACCESS_CLAIM_MAX`], 2,048). An encoded access set is
    /// `3 + ⌈4·(6 + ⌈3n/8⌉)/3⌉` characters for `n` entitlements, whatever the user holds, so a
    /// model either always fits or never does: past the cap the claim is left out (a warning is
    /// logged once), tokens stay small enough for cookies, and clients read the set from an
    /// endpoint instead (the example's `GET /me/access`, built on
    /// [`AccessContext::access_set`](access_core::AccessContext::access_set);
    /// `AccessSet.inToken(token)` in `access.js` tells which).
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_core::MemoryStore;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity project { roles: [viewer] }
    /// #         entitlements { "project:read" on project => roles [viewer] }
    /// #     }
    /// # }
    /// # use model::Access as Model;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// let user = access_axum::db::user::Model {
    ///     id: 2, email: Some("m@example.com".into()), username: None, password_hash: String::new(),
    ///     active: true, email_verified: true, roles: String::new(), tenant: Some("acme".into()),
    ///     superuser: false, password_changed_at: 0, created_at: 0,
    /// };
    /// // One entitlement encodes to 3 + ⌈4·7/3⌉ = 13 characters.
    /// let claims = Authz::new(&Model, stores).access_set_claims();
    /// assert_eq!(claims(user.clone()).await["access"].as_str().map(str::len), Some(13));
    /// let capped = Authz::new(&Model, stores).access_claim_max(12).access_set_claims();
    /// assert!(!claims_have_access(&capped(user).await));
    /// # }
    /// # fn claims_have_access(c: &serde_json::Map<String, serde_json::Value>) -> bool { c.contains_key("access") }
    /// ```
    #[must_use]
    pub fn access_claim_max(mut self, chars: usize) -> Self {
        self.access_claim_max = chars;
        self
    }

    /// Whether account `id` is active (from the cache when fresh). An account without a row
    /// (from a custom [`crate::Authenticator`]) counts as active.
    async fn account_active(&self, auth: &AuthState, id: i64) -> Result<bool, ApiError> {
        if let Some(active) = self.active.get(&id, self.active_ttl) {
            return Ok(active);
        }
        let active = match auth.config.users.by_id(&auth.db, id).await {
            Ok(row) => row.is_none_or(|r| r.active),
            Err(e) => return Err(authorization_failed("the user's row could not be read", e)),
        };
        self.active.put(id, active, self.active_ttl);
        Ok(active)
    }

    /// Whether `user` belongs to tenant `tenant` named by the request (a header, a path segment
    /// or the resource acted on): it is the tenant of their token, they are a superuser, or they
    /// hold a role (model or custom) directly on the tenant's resource. Remembered for
    /// [`Authz::active_ttl`], like the `active` flag.
    async fn member_of(
        &self,
        user: &CurrentUser,
        user_id: &str,
        ty: EntityTypeId,
        tenant: &str,
    ) -> Result<bool, ApiError> {
        if user.superuser || user.tenant.as_deref() == Some(tenant) {
            return Ok(true);
        }
        let key = (user.id, ty.0, tenant.to_owned());
        if let Some(member) = self.members.get(&key, self.active_ttl) {
            return Ok(member);
        }
        let mut a = access_core::Ancestry {
            at: Some(access_core::time::now()),
            ..Default::default()
        };
        if let Err(e) = self
            .stores
            .ancestry(user_id, Resource::new(ty, tenant), &mut a)
            .await
        {
            return Err(authorization_failed(
                "the user's roles in the tenant could not be read",
                e,
            ));
        }
        let member = a.found && a.nodes.first().is_some_and(|n| !n.roles.is_empty());
        self.members.put(key, member, self.active_ttl);
        Ok(member)
    }
    /// Whether each request's `AccessContext` remembers the ancestries, flags and plans it read
    /// (on by default), so repeated checks in one request hit the database once. Usage counters
    /// are always read fresh.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Authz, TenantFrom};
    /// # use access_core::MemoryStore;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin],
    /// #         entity project { roles: [viewer] }
    /// #         entitlements { "project:read" on project => roles [viewer] }
    /// #     }
    /// # }
    /// # use model::Access as Model;
    /// # let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// let authz = Authz::new(&Model, stores).cache_per_request(false);
    /// assert!(!authz.cache);
    /// ```
    #[must_use]
    pub fn cache_per_request(mut self, on: bool) -> Self {
        self.cache = on;
        self
    }
    /// Dynamic mode: each request's context reads its tenant's grants and custom roles from
    /// `grants` (see [`crate::dynamic`]). Requests without a tenant use the model's grants.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Access, Authz};
    /// # use access_axum::{AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// Auth state over a fresh in-memory database.
    /// # async fn auth_state() -> AuthState {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
    /// # }
    /// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
    /// # async fn stores() -> &'static MemoryStore {
    /// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     let acme = Resource::new(EntityType::Organization, "acme");
    /// #     s.add_resource(acme, &[]).await.unwrap();
    /// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
    /// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
    /// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
    /// #     s
    /// # }
    /// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (with a bearer token when given); the status and the JSON body.
    /// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # /// The user a valid token of user `id` (tenant `acme`) stands for.
    /// # fn current_user(id: i64) -> access_axum::CurrentUser {
    /// #     access_axum::CurrentUser {
    /// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
    /// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use access_axum::dynamic::{self, DynamicGrants};
    ///
    /// let (auth, stores) = (auth_state().await, stores().await);
    /// access_axum::migrate(&auth.db).await.unwrap();
    /// let authz = Authz::new(&Model, stores).dynamic(DynamicGrants::new(&Model, auth.db.clone()));
    /// // In tenant acme, viewers may now delete projects too.
    /// let grants = authz.dynamic.as_ref().unwrap();
    /// grants.grant("acme", "project:delete", "viewer", "1").await.unwrap();
    ///
    /// let (mut parts, ()) = Request::get("/").body(()).unwrap().into_parts();
    /// let ctx = authz.context(&auth, &mut parts, &current_user(2)).await.unwrap();
    /// let p1 = Resource::new(EntityType::Project, "p1");
    /// assert!(ctx.can(Entitlement::ProjectDelete, p1).await.unwrap());
    /// # }
    /// ```
    #[must_use]
    pub fn dynamic(mut self, grants: DynamicGrants) -> Self {
        self.dynamic = Some(Arc::new(grants));
        self
    }

    /// The engine context for `user` in this request: principal (inactive when the account has
    /// been deactivated since the token was issued), tenant, and in dynamic mode the tenant's
    /// grants.
    ///
    /// # Errors
    /// The user or the grants could not be read (a 500 without details).
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Access, Authz};
    /// # use access_axum::{AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// Auth state over a fresh in-memory database.
    /// # async fn auth_state() -> AuthState {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
    /// # }
    /// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
    /// # async fn stores() -> &'static MemoryStore {
    /// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     let acme = Resource::new(EntityType::Organization, "acme");
    /// #     s.add_resource(acme, &[]).await.unwrap();
    /// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
    /// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
    /// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
    /// #     s
    /// # }
    /// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (with a bearer token when given); the status and the JSON body.
    /// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # /// The user a valid token of user `id` (tenant `acme`) stands for.
    /// # fn current_user(id: i64) -> access_axum::CurrentUser {
    /// #     access_axum::CurrentUser {
    /// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
    /// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (auth, stores) = (auth_state().await, stores().await);
    /// let authz = Authz::new(&Model, stores);
    /// let (mut parts, ()) = Request::get("/projects/p1").body(()).unwrap().into_parts();
    /// // User 2, a member of organization acme (the tenant of their token).
    /// let ctx = authz.context(&auth, &mut parts, &current_user(2)).await.unwrap();
    /// assert_eq!(ctx.principal().tenant.as_deref(), Some("acme"));
    /// let p1 = Resource::new(EntityType::Project, "p1");
    /// assert!(ctx.can(Entitlement::ProjectRead, p1).await.unwrap());
    /// assert!(!ctx.can(Entitlement::ProjectDelete, p1).await.unwrap());
    /// # }
    /// ```
    pub async fn context(
        &self,
        auth: &AuthState,
        parts: &mut Parts,
        user: &CurrentUser,
    ) -> Result<AccessContext<'static, M, S>, ApiError> {
        let p = self.principal(auth, parts, user).await?;
        self.context_for(p).await
    }

    /// `access.js`: the dependency-free JavaScript decoder of access sets, with this model's
    /// entitlement names built in. Serve it (`GET /auth/access.js`) with [`Authz::access_js_route`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Authz, TenantFrom};
    /// # use access_core::MemoryStore;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin],
    /// #         entity project { roles: [viewer] }
    /// #         entitlements { "project:read" on project => roles [viewer] }
    /// #     }
    /// # }
    /// # use model::Access as Model;
    /// # let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// let js = Authz::new(&Model, stores).access_js();
    /// assert!(js.contains(r#"["project:read"]"#));
    /// ```
    pub fn access_js(&self) -> String {
        let names: Vec<&str> = self
            .model
            .data()
            .entitlements
            .iter()
            .map(|e| &*e.name)
            .collect();
        let json = serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned());
        ACCESS_JS.replace("/*NAMES*/[]", &json)
    }

    /// A router with `GET /auth/access.js` (merge it into the app).
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Access, Authz};
    /// # use access_axum::{AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// Auth state over a fresh in-memory database.
    /// # async fn auth_state() -> AuthState {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
    /// # }
    /// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
    /// # async fn stores() -> &'static MemoryStore {
    /// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     let acme = Resource::new(EntityType::Organization, "acme");
    /// #     s.add_resource(acme, &[]).await.unwrap();
    /// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
    /// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
    /// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
    /// #     s
    /// # }
    /// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (with a bearer token when given); the status and the JSON body.
    /// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # /// The user a valid token of user `id` (tenant `acme`) stands for.
    /// # fn current_user(id: i64) -> access_axum::CurrentUser {
    /// #     access_axum::CurrentUser {
    /// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
    /// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let authz = Authz::new(&Model, stores().await);
    /// let app: Router = Router::new().merge(authz.access_js_route());
    /// let res = app.oneshot(Request::get("/auth/access.js").body(Body::empty()).unwrap()).await.unwrap();
    /// assert_eq!(res.status(), StatusCode::OK);
    /// assert_eq!(res.headers()["content-type"], "text/javascript; charset=utf-8");
    /// let js = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// assert_eq!(&js[..], authz.access_js().as_bytes());
    /// # }
    /// ```
    pub fn access_js_route<St: Clone + Send + Sync + 'static>(&self) -> axum::Router<St> {
        let js = self.access_js();
        axum::Router::new().route(
            "/auth/access.js",
            axum::routing::get(move || {
                let js = js.clone();
                async move {
                    (
                        [
                            (
                                axum::http::header::CONTENT_TYPE,
                                "text/javascript; charset=utf-8",
                            ),
                            (axum::http::header::CACHE_CONTROL, "no-cache"),
                        ],
                        js,
                    )
                }
            }),
        )
    }

    /// A claims function for [`AuthState::with_async_claims`]: the user's access set, encoded
    /// (`"access": "a1.…"`), so clients can enable or disable UI without a round trip (decode it
    /// with `GET /auth/access.js`; the server re-checks every request). The tenant is the user's
    /// own (the token's).
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Access, Authz};
    /// # use access_axum::{AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// Auth state over a fresh in-memory database.
    /// # async fn auth_state() -> AuthState {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
    /// # }
    /// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
    /// # async fn stores() -> &'static MemoryStore {
    /// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     let acme = Resource::new(EntityType::Organization, "acme");
    /// #     s.add_resource(acme, &[]).await.unwrap();
    /// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
    /// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
    /// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
    /// #     s
    /// # }
    /// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (with a bearer token when given); the status and the JSON body.
    /// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # /// The user a valid token of user `id` (tenant `acme`) stands for.
    /// # fn current_user(id: i64) -> access_axum::CurrentUser {
    /// #     access_axum::CurrentUser {
    /// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
    /// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let authz = Authz::new(&Model, stores().await);
    /// let auth = auth_state().await.with_async_claims(authz.access_set_claims());
    /// # let _ = auth;
    ///
    /// // What a token of user 2 (a member of acme) gets:
    /// let claims = authz.access_set_claims();
    /// let row = access_axum::db::user::Model {
    ///     id: 2, email: Some("m@example.com".into()), username: None, password_hash: String::new(),
    ///     active: true, email_verified: true, roles: String::new(), tenant: Some("acme".into()),
    ///     superuser: false, password_changed_at: 0, created_at: 0,
    /// };
    /// let extra = claims(row).await;
    /// let encoded = extra["access"].as_str().unwrap();
    /// assert!(encoded.starts_with("a1."));
    /// let names = ["organization:manage", "project:read", "project:delete"];
    /// let set = access_core::AccessSet::decode(encoded, names).unwrap();
    /// assert!(set.can("project:read"));
    /// assert!(!set.can("project:delete"));
    /// # }
    /// ```
    pub fn access_set_claims(
        &self,
    ) -> impl Fn(
        crate::db::user::Model,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = serde_json::Map<String, serde_json::Value>> + Send>,
    > + Send
    + Sync
    + 'static {
        let authz = self.clone();
        move |u: crate::db::user::Model| {
            let authz = authz.clone();
            Box::pin(async move {
                let mut p = crate::auth::principal_for(
                    authz.model.data(),
                    u.id,
                    u.roles.split(',').map(str::trim),
                    u.tenant.as_deref(),
                    u.superuser,
                );
                p.active = u.active;
                let mut out = serde_json::Map::new();
                let ctx = match authz.context_for(p).await {
                    Ok(c) => c,
                    Err(_) => return out,
                };
                match ctx.access_set().await {
                    Ok(set) => {
                        let encoded = set.encode();
                        if encoded.len() <= authz.access_claim_max {
                            out.insert("access".into(), serde_json::Value::from(encoded));
                        } else {
                            static WARNED: std::sync::Once = std::sync::Once::new();
                            WARNED.call_once(|| {
                                tracing::warn!(
                                    chars = encoded.len(),
                                    max = authz.access_claim_max,
                                    "the access set is longer than access_claim_max: tokens carry \
                                     no `access` claim; serve it from an endpoint instead"
                                );
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "access set claim left out"),
                }
                out
            })
        }
    }

    pub(crate) async fn context_for(
        &self,
        p: Principal,
    ) -> Result<AccessContext<'static, M, S>, ApiError> {
        let tenant = p.tenant.clone();
        let ctx = AccessContext::new(self.model, self.stores, p);
        let ctx = if self.cache { ctx.with_cache() } else { ctx };
        match (&self.dynamic, tenant) {
            (Some(d), Some(t)) => match d.tenant(&t).await {
                Ok(g) => Ok(ctx.with_grants(g)),
                Err(e) => Err(authorization_failed("dynamic grants could not be read", e)),
            },
            _ => Ok(ctx),
        }
    }
    /// With another tenant source.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Access, Authz};
    /// # use access_axum::{AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// Auth state over a fresh in-memory database.
    /// # async fn auth_state() -> AuthState {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
    /// # }
    /// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
    /// # async fn stores() -> &'static MemoryStore {
    /// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     let acme = Resource::new(EntityType::Organization, "acme");
    /// #     s.add_resource(acme, &[]).await.unwrap();
    /// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
    /// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
    /// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
    /// #     s
    /// # }
    /// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (with a bearer token when given); the status and the JSON body.
    /// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # /// The user a valid token of user `id` (tenant `acme`) stands for.
    /// # fn current_user(id: i64) -> access_axum::CurrentUser {
    /// #     access_axum::CurrentUser {
    /// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
    /// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use access_axum::authz::TenantFrom;
    ///
    /// let (auth, stores) = (auth_state().await, stores().await);
    /// // User 2 (whose token names acme) is also a member of organization globex.
    /// let globex = Resource::new(EntityType::Organization, "globex");
    /// stores.add_resource(globex, &[]).await.unwrap();
    /// stores.assign("2", globex, OrganizationRole::Member.index()).await.unwrap();
    ///
    /// let from = TenantFrom::Header { header: "x-tenant", tenant: EntityType::Organization.into() };
    /// let authz = Authz::new(&Model, stores).tenant_from(from);
    /// let (mut parts, ()) = Request::get("/").header("x-tenant", "globex").body(()).unwrap().into_parts();
    /// let ctx = authz.context(&auth, &mut parts, &current_user(2)).await.unwrap();
    /// assert_eq!(ctx.principal().tenant.as_deref(), Some("globex"));
    /// // User 1 owns acme but holds no role in globex.
    /// let (mut parts, ()) = Request::get("/").header("x-tenant", "globex").body(()).unwrap().into_parts();
    /// let refused = authz.context(&auth, &mut parts, &current_user(1)).await.unwrap_err();
    /// assert_eq!(refused.code, "not_a_member");
    /// # }
    /// ```
    #[must_use]
    pub fn tenant_from(mut self, t: TenantFrom) -> Self {
        self.tenant = t;
        self
    }

    /// The request's principal: the token's user, its tenant from [`Authz::tenant`], and whether
    /// the account is still active ([`Authz::active_ttl`]: a token outlives a deactivation, the
    /// check does not).
    pub(crate) async fn principal(
        &self,
        auth: &AuthState,
        parts: &mut Parts,
        user: &CurrentUser,
    ) -> Result<Principal, ApiError> {
        let mut p = user.principal(self.model.data());
        let header = |h: &str| {
            parts
                .headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        // The tenant, and the entity type whose resource it names when the caller chose it.
        let (tenant, chosen) = match &self.tenant {
            TenantFrom::Token => (user.tenant.clone(), None),
            TenantFrom::Header { header: h, tenant } => (header(h), Some(*tenant)),
            TenantFrom::Path { param, tenant } => (path_param(parts, param).await, Some(*tenant)),
            TenantFrom::ResourceAncestor {
                param,
                resource,
                tenant,
            } => {
                let found = match path_param(parts, param).await {
                    Some(id) if resource == tenant => Some(id),
                    Some(id) => self
                        .stores
                        .ancestors(Resource::new(*resource, &id))
                        .await
                        .ok()
                        .and_then(|anc| {
                            anc.into_iter()
                                .find(|(r, _)| r.ty == *tenant)
                                .map(|(r, _)| r.id.to_string())
                        }),
                    None => None,
                };
                (found, Some(*tenant))
            }
            TenantFrom::Custom(f) => (f(parts, user), None),
        };
        if let (Some(t), Some(ty)) = (&tenant, chosen)
            && !self.member_of(user, &p.id, ty, t).await?
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_a_member",
                "you hold no role in the tenant this request names",
            ));
        }
        p.tenant = tenant.map(Into::into);
        p.active = self.account_active(auth, user.id).await?;
        Ok(p)
    }
}

/// The value of path parameter `name` of the matched route.
async fn path_param(parts: &mut Parts, name: &str) -> Option<String> {
    let params = axum::extract::RawPathParams::from_request_parts(parts, &())
        .await
        .ok()?;
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The request's [`AccessContext`], for the authenticated user (401 without one). Use it in
/// handlers: `access.check(Entitlement::ProjectDelete, resource).await`.
///
/// # Examples
///
/// ```
/// # use access_axum::authz::{Access, Authz};
/// # use access_axum::{AuthConfig, AuthState, JwtKeys};
/// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, user],
/// #         entity organization { roles: [owner, member] }
/// #         entity project {
/// #             roles: [manager, viewer],
/// #             implies: { manager => viewer },
/// #             inherits: { organization:owner => manager, organization:member => viewer },
/// #         }
/// #         entitlements {
/// #             "organization:manage" on organization => roles [owner],
/// #             "project:read"   on project => roles [viewer],
/// #             "project:delete" on project => roles [manager],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// Auth state over a fresh in-memory database.
/// # async fn auth_state() -> AuthState {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
/// # }
/// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
/// # async fn stores() -> &'static MemoryStore {
/// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     let acme = Resource::new(EntityType::Organization, "acme");
/// #     s.add_resource(acme, &[]).await.unwrap();
/// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
/// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
/// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
/// #     s
/// # }
/// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (with a bearer token when given); the status and the JSON body.
/// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # /// The user a valid token of user `id` (tenant `acme`) stands for.
/// # fn current_user(id: i64) -> access_axum::CurrentUser {
/// #     access_axum::CurrentUser {
/// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
/// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
/// #     }
/// # }
/// # #[derive(Clone)]
/// # struct AppState { auth: AuthState, authz: Authz<Model, MemoryStore> }
/// # impl FromRef<AppState> for AuthState { fn from_ref(s: &AppState) -> Self { s.auth.clone() } }
/// # impl FromRef<AppState> for Authz<Model, MemoryStore> { fn from_ref(s: &AppState) -> Self { s.authz.clone() } }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use axum::extract::Path;
/// use axum::response::{IntoResponse, Response};
///
/// async fn delete_project(access: Access<Model, MemoryStore>, Path(id): Path<String>) -> Response {
///     match access.check(Entitlement::ProjectDelete, Resource::new(EntityType::Project, &id)).await {
///         Ok(d) if d.allowed => axum::Json(serde_json::json!({ "deleted": id, "by": access.user.id })).into_response(),
///         Ok(d) => access_axum::authz::denied(&d),
///         Err(_) => access_axum::authz::store_failed(),
///     }
/// }
/// let state = AppState { auth: auth_state().await, authz: Authz::new(&Model, stores().await) };
/// let app = Router::new()
///     .route("/projects/{id}", axum::routing::delete(delete_project))
///     .with_state(state);
///
/// let (status, body) = send(&app, "DELETE", "/projects/p1", Some(&token(1, &[]))).await;
/// assert_eq!(status, StatusCode::OK);
/// assert_eq!(body["by"], 1);
/// assert_eq!(send(&app, "DELETE", "/projects/p1", Some(&token(2, &[]))).await.0, StatusCode::FORBIDDEN);
/// assert_eq!(send(&app, "DELETE", "/projects/p1", None).await.0, StatusCode::UNAUTHORIZED);
/// # }
/// ```
pub struct Access<M: AccessModel, S: Stores + 'static> {
    /// The engine's context for this request's user and tenant.
    pub ctx: AccessContext<'static, M, S>,
    /// The user.
    pub user: CurrentUser,
}

impl<M: AccessModel, S: Stores + 'static> std::fmt::Debug for Access<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl<M: AccessModel, S: Stores + 'static> std::ops::Deref for Access<M, S> {
    type Target = AccessContext<'static, M, S>;
    fn deref(&self) -> &Self::Target {
        &self.ctx
    }
}

impl<St, M, S> FromRequestParts<St> for Access<M, S>
where
    St: Send + Sync,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
    M: AccessModel,
    S: Stores + 'static,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, ApiError> {
        let auth = AuthState::from_ref(state);
        let user =
            <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(parts, &auth).await?;
        let authz = Authz::<M, S>::from_ref(state);
        let ctx = authz.context(&auth, parts, &user).await?;
        Ok(Access { ctx, user })
    }
}

/// The 403 response of a denied check: the reasons with their meta (roles that would grant it,
/// `plan_required` with the plans that include it, `limit_reached` with max and used).
///
/// # Examples
///
/// ```
/// # use access_axum::authz::{Access, Authz};
/// # use access_axum::{AuthConfig, AuthState, JwtKeys};
/// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, user],
/// #         entity organization { roles: [owner, member] }
/// #         entity project {
/// #             roles: [manager, viewer],
/// #             implies: { manager => viewer },
/// #             inherits: { organization:owner => manager, organization:member => viewer },
/// #         }
/// #         entitlements {
/// #             "organization:manage" on organization => roles [owner],
/// #             "project:read"   on project => roles [viewer],
/// #             "project:delete" on project => roles [manager],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// Auth state over a fresh in-memory database.
/// # async fn auth_state() -> AuthState {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
/// # }
/// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
/// # async fn stores() -> &'static MemoryStore {
/// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     let acme = Resource::new(EntityType::Organization, "acme");
/// #     s.add_resource(acme, &[]).await.unwrap();
/// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
/// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
/// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
/// #     s
/// # }
/// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (with a bearer token when given); the status and the JSON body.
/// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # /// The user a valid token of user `id` (tenant `acme`) stands for.
/// # fn current_user(id: i64) -> access_axum::CurrentUser {
/// #     access_axum::CurrentUser {
/// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
/// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
/// #     }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use access_core::{AccessContext, Principal};
///
/// // User 3 holds no role anywhere.
/// let ctx = AccessContext::new(&Model, stores().await, Principal::new("3"));
/// let d = ctx.check(Entitlement::ProjectDelete, Resource::new(EntityType::Project, "p1")).await.unwrap();
/// let res = access_axum::authz::denied(&d);
/// assert_eq!(res.status(), StatusCode::FORBIDDEN);
/// let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// assert_eq!(body["error"], "forbidden");
/// assert_eq!(body["entitlement"], "project:delete");
/// assert!(!body["reasons"].as_array().unwrap().is_empty());
/// # }
/// ```
pub fn denied(d: &Decision) -> Response {
    let body = serde_json::json!({
        "error": "forbidden",
        "message": format!("`{}` is not allowed", d.entitlement),
        "entitlement": d.entitlement,
        "reasons": d.reasons,
    });
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

/// The 500 response when the authorization stores fail (details go to the logs only).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let res = access_axum::authz::store_failed();
/// assert_eq!(res.status(), 500);
/// let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// assert_eq!(body["error"], "internal");
/// # }
/// ```
pub fn store_failed() -> Response {
    tracing::error!("authorization store failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the request could not be authorized",
    )
    .into_response()
}

/// A 500 without details for the client; `what` and the error go to the log.
fn authorization_failed(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "{what}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the request could not be authorized",
    )
}

type GuardFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Resolves the resource a guarded route acts on, from the request.
pub type ResourceOf = Arc<dyn Fn(&Parts) -> Option<(EntityTypeId, String)> + Send + Sync>;

/// State of a role guard: the auth state and the roles any of which passes.
pub type RoleGuardState = (AuthState, Arc<Vec<String>>);

/// The layer [`AuthState::require_role`] returns.
pub type RoleLayer = axum::middleware::FromFnLayer<
    fn(State<RoleGuardState>, Request, Next) -> GuardFuture,
    RoleGuardState,
    (State<RoleGuardState>, Request),
>;

fn role_guard(
    State((auth, roles)): State<RoleGuardState>,
    req: Request,
    next: Next,
) -> GuardFuture {
    Box::pin(async move {
        let (mut parts, body) = req.into_parts();
        let user = match <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(
            &mut parts, &auth,
        )
        .await
        {
            Ok(u) => u,
            Err(e) => return e.into_response(),
        };
        if !user.superuser && !user.roles.iter().any(|r| roles.contains(r)) {
            let names: Vec<String> = roles.iter().map(|r| format!("`{r}`")).collect();
            let body = serde_json::json!({
                "error": "forbidden",
                "message": format!("needs the role {}", names.join(", ")),
                "reasons": [{
                    "kind": "role_required",
                    "message": format!("needs the role {}", names.join(", ")),
                    "meta": { "roles": *roles },
                }],
            });
            return (StatusCode::FORBIDDEN, Json(body)).into_response();
        }
        parts.extensions.insert(user);
        next.run(Request::from_parts(parts, body)).await
    })
}

impl AuthState {
    /// A route layer: the user must hold one of these global roles (superusers pass). 401
    /// without credentials, 403 with the reason otherwise.
    ///
    /// It reads the roles from the access token, as they were when it was issued (at most the
    /// access token's lifetime ago, 60 s by default), and reads nothing from the database: a
    /// role taken away or an account deactivated since counts from the next refresh. Routes
    /// that must see such changes at once use the [`Authz`] layers or extractor, which read the
    /// account's `active` flag ([`Authz::active_ttl`]) and roles from the stores.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Access, Authz};
    /// # use access_axum::{AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// Auth state over a fresh in-memory database.
    /// # async fn auth_state() -> AuthState {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
    /// # }
    /// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
    /// # async fn stores() -> &'static MemoryStore {
    /// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     let acme = Resource::new(EntityType::Organization, "acme");
    /// #     s.add_resource(acme, &[]).await.unwrap();
    /// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
    /// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
    /// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
    /// #     s
    /// # }
    /// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (with a bearer token when given); the status and the JSON body.
    /// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # /// The user a valid token of user `id` (tenant `acme`) stands for.
    /// # fn current_user(id: i64) -> access_axum::CurrentUser {
    /// #     access_axum::CurrentUser {
    /// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
    /// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let auth = auth_state().await;
    /// let app = Router::new()
    ///     .route("/admin", axum::routing::get(|| async { "welcome" }))
    ///     .route_layer(auth.require_role(&["admin"]));
    ///
    /// assert_eq!(send(&app, "GET", "/admin", Some(&token(1, &["admin"]))).await.0, StatusCode::OK);
    /// let (status, body) = send(&app, "GET", "/admin", Some(&token(1, &["user"]))).await;
    /// assert_eq!(status, StatusCode::FORBIDDEN);
    /// assert_eq!(body["reasons"][0]["kind"], "role_required");
    /// assert_eq!(send(&app, "GET", "/admin", None).await.0, StatusCode::UNAUTHORIZED);
    /// # }
    /// ```
    pub fn require_role(&self, roles: &[&str]) -> RoleLayer {
        let roles: Arc<Vec<String>> = Arc::new(roles.iter().map(|r| (*r).to_owned()).collect());
        axum::middleware::from_fn_with_state((self.clone(), roles), role_guard as fn(_, _, _) -> _)
    }
}

impl<M: AccessModel, S: Stores + 'static> Authz<M, S> {
    /// A route layer: the user must hold `entitlement` on the resource `resource_of` finds in
    /// the request (a path segment, ..), through all five layers. 401 without credentials, 404
    /// when the request names no resource, 403 with every reason otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::{Access, Authz};
    /// # use access_axum::{AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, user],
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// Auth state over a fresh in-memory database.
    /// # async fn auth_state() -> AuthState {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
    /// # }
    /// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
    /// # async fn stores() -> &'static MemoryStore {
    /// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     let acme = Resource::new(EntityType::Organization, "acme");
    /// #     s.add_resource(acme, &[]).await.unwrap();
    /// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
    /// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
    /// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
    /// #     s
    /// # }
    /// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (with a bearer token when given); the status and the JSON body.
    /// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # /// The user a valid token of user `id` (tenant `acme`) stands for.
    /// # fn current_user(id: i64) -> access_axum::CurrentUser {
    /// #     access_axum::CurrentUser {
    /// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
    /// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (auth, stores) = (auth_state().await, stores().await);
    /// let authz = Authz::new(&Model, stores);
    /// // The project is the last path segment.
    /// let guard = authz.require_entitlement(&auth, Entitlement::ProjectDelete, |parts| {
    ///     let id = parts.uri.path().rsplit('/').next()?;
    ///     Some((EntityType::Project.into(), id.to_owned()))
    /// });
    /// let app = Router::new().route(
    ///     "/projects/{id}",
    ///     axum::routing::delete(|| async { StatusCode::NO_CONTENT }).layer(guard),
    /// );
    ///
    /// // User 1 owns the organization (so manages its projects), user 2 is a member.
    /// assert_eq!(send(&app, "DELETE", "/projects/p1", Some(&token(1, &[]))).await.0, StatusCode::NO_CONTENT);
    /// let (status, body) = send(&app, "DELETE", "/projects/p1", Some(&token(2, &[]))).await;
    /// assert_eq!(status, StatusCode::FORBIDDEN);
    /// assert_eq!(body["entitlement"], "project:delete");
    /// assert_eq!(send(&app, "DELETE", "/projects/p1", None).await.0, StatusCode::UNAUTHORIZED);
    /// # }
    /// ```
    pub fn require_entitlement(
        &self,
        auth: &AuthState,
        entitlement: M::Entitlement,
        resource_of: impl Fn(&Parts) -> Option<(EntityTypeId, String)> + Send + Sync + 'static,
    ) -> EntitlementLayer<M, S>
    where
        M::Entitlement: Send + Sync + 'static,
    {
        let state = GuardState {
            auth: auth.clone(),
            authz: self.clone(),
            entitlement,
            resource_of: Arc::new(resource_of),
        };
        axum::middleware::from_fn_with_state(state, entitlement_guard::<M, S> as fn(_, _, _) -> _)
    }
}

/// The layer [`Authz::require_entitlement`] returns.
pub type EntitlementLayer<M, S> = axum::middleware::FromFnLayer<
    fn(State<GuardState<M, S>>, Request, Next) -> GuardFuture,
    GuardState<M, S>,
    (State<GuardState<M, S>>, Request),
>;

fn entitlement_guard<M: AccessModel, S: Stores + 'static>(
    State(g): State<GuardState<M, S>>,
    req: Request,
    next: Next,
) -> GuardFuture
where
    M::Entitlement: Send + Sync + 'static,
{
    Box::pin(async move {
        let (mut parts, body) = req.into_parts();
        let user = match <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(
            &mut parts, &g.auth,
        )
        .await
        {
            Ok(u) => u,
            Err(e) => return e.into_response(),
        };
        let Some((ty, id)) = (g.resource_of)(&parts) else {
            return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
                .into_response();
        };
        let ctx = match g.authz.context(&g.auth, &mut parts, &user).await {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        match ctx.check(g.entitlement, Resource::new(ty, &id)).await {
            Ok(d) if d.allowed => {}
            Ok(d) => return denied(&d),
            Err(e) => return authorization_failed("authorization store failed", e).into_response(),
        }
        parts.extensions.insert(user);
        next.run(Request::from_parts(parts, body)).await
    })
}

/// State of an entitlement guard: what [`Authz::require_entitlement`] captures. Applications
/// only name it, through [`EntitlementLayer`].
///
/// # Examples
///
/// ```
/// # use access_axum::authz::{Access, Authz};
/// # use access_axum::{AuthConfig, AuthState, JwtKeys};
/// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, user],
/// #         entity organization { roles: [owner, member] }
/// #         entity project {
/// #             roles: [manager, viewer],
/// #             implies: { manager => viewer },
/// #             inherits: { organization:owner => manager, organization:member => viewer },
/// #         }
/// #         entitlements {
/// #             "organization:manage" on organization => roles [owner],
/// #             "project:read"   on project => roles [viewer],
/// #             "project:delete" on project => roles [manager],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// Auth state over a fresh in-memory database.
/// # async fn auth_state() -> AuthState {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
/// # }
/// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
/// # async fn stores() -> &'static MemoryStore {
/// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     let acme = Resource::new(EntityType::Organization, "acme");
/// #     s.add_resource(acme, &[]).await.unwrap();
/// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
/// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
/// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
/// #     s
/// # }
/// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (with a bearer token when given); the status and the JSON body.
/// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # /// The user a valid token of user `id` (tenant `acme`) stands for.
/// # fn current_user(id: i64) -> access_axum::CurrentUser {
/// #     access_axum::CurrentUser {
/// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
/// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
/// #     }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use access_axum::authz::{EntitlementLayer, GuardState};
///
/// fn delete_guard(authz: &Authz<Model, MemoryStore>, auth: &AuthState) -> EntitlementLayer<Model, MemoryStore> {
///     authz.require_entitlement(auth, Entitlement::ProjectDelete, |parts| {
///         Some((EntityType::Project.into(), parts.uri.path().rsplit('/').next()?.to_owned()))
///     })
/// }
/// // The layer's state is a `GuardState`, cloned into every request.
/// fn is_clone<T: Clone + std::fmt::Debug>() {}
/// is_clone::<GuardState<Model, MemoryStore>>();
///
/// let (auth, stores) = (auth_state().await, stores().await);
/// let guard = delete_guard(&Authz::new(&Model, stores), &auth);
/// let app = Router::new().route("/projects/{id}", axum::routing::delete(|| async { "gone" }).layer(guard));
/// assert_eq!(send(&app, "DELETE", "/projects/p1", None).await.0, StatusCode::UNAUTHORIZED);
/// # }
/// ```
pub struct GuardState<M: AccessModel, S: Stores + 'static> {
    auth: AuthState,
    authz: Authz<M, S>,
    entitlement: M::Entitlement,
    resource_of: ResourceOf,
}

impl<M: AccessModel, S: Stores + 'static> std::fmt::Debug for GuardState<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardState").finish_non_exhaustive()
    }
}

impl<M: AccessModel, S: Stores + 'static> Clone for GuardState<M, S> {
    fn clone(&self) -> Self {
        Self {
            auth: self.auth.clone(),
            authz: self.authz.clone(),
            entitlement: self.entitlement,
            resource_of: self.resource_of.clone(),
        }
    }
}
