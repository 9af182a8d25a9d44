//! Authorization over HTTP: an [`AccessContext`] per request, and route guards as tower layers.
//!
//! - [`Authz`] (here): the model and the stores every request is checked against, and the
//!   settings (where the tenant comes from, dynamic grants, caches).
//! - `tenant`: [`TenantFrom`], where the tenant of a request comes from, and the membership
//!   check for a tenant the request names.
//! - `extract`: the [`Access`] extractor (401 without credentials) and its optional form
//!   [`MaybeAccess`] (anonymous without credentials).
//! - `guard`: route layers, [`Authz::require_entitlement`] and [`AuthState::require_role`].
//! - `claims`: the access-set claim of tokens, [`Authz::access_set_claims`].
//! - `client`: `access.js`, the decoder of that claim, and its route.
//!
//! The behaviour over HTTP is tested in `access-axum/tests/api/authz.rs` and
//! `access-axum/tests/authz.rs`; docs/authorization.md is the guide.
//!
//! # Examples
//!
//! The application's state holds the [`AuthState`] and the `Authz` (axum finds each with
//! `FromRef`); a handler takes an [`Access`] and checks what it does:
//!
//! ```no_run
//! use access_axum::authz::{Access, Authz};
//! use access_axum::{ApiError, AuthConfig, AuthState};
//! use access_core::{MemoryStore, Resource};
//! use axum::extract::{FromRef, Path};
//!
//! access_core::define_access! {
//!     pub Model;
//!     entity project { roles: [manager, viewer], implies: { manager => viewer } }
//!     entitlements { "project:delete" on project => roles [manager] }
//! }
//!
//! #[derive(Clone)]
//! struct AppState { auth: AuthState, authz: Authz<Model, MemoryStore> }
//! impl FromRef<AppState> for AuthState { fn from_ref(s: &AppState) -> Self { s.auth.clone() } }
//! impl FromRef<AppState> for Authz<Model, MemoryStore> { fn from_ref(s: &AppState) -> Self { s.authz.clone() } }
//!
//! async fn delete_project(access: Access<Model, MemoryStore>, Path(id): Path<String>) -> Result<String, ApiError> {
//!     // 403 with every reason when denied; 500 without details when the stores fail.
//!     access.authorize(Entitlement::ProjectDelete, Resource::new(EntityType::Project, &id)).await?;
//!     Ok(format!("project {id} deleted by user {}", access.user.id))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let db = sea_orm::Database::connect("sqlite::memory:").await?;
//!     access_axum::migrate(&db).await?;
//!     let auth = AuthState::new(db, AuthConfig::from_env()?);
//!     let authz = Authz::new(Model, MemoryStore::new());
//!     let app = axum::Router::new()
//!         .route("/projects/{id}", axum::routing::delete(delete_project))
//!         .with_state(AppState { auth: auth.clone(), authz })
//!         .merge(auth.router());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```

mod claims;
mod client;
mod extract;
mod guard;
mod tenant;

use std::sync::Arc;
use std::time::Duration;

use access_core::{AccessContext, AccessModel, Principal, Stores};
use axum::http::request::Parts;

use crate::auth::{AuthState, CurrentUser};
use crate::dynamic::DynamicGrants;
use crate::error::ApiError;

use crate::ttl_cache::TtlCache;
use tenant::{Members, Memberships};

pub use extract::{Access, MaybeAccess};
pub use guard::{
    RequireEntitlement, RequireEntitlementLayer, RequireMfa, RequireMfaLayer, RequireRole,
    RequireRoleLayer,
};
pub(crate) use tenant::roles_on;
pub use tenant::{TenantFn, TenantFrom};

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

/// The model and stores authorization runs on, shared by every request (both are held in
/// [`Arc`]s, so cloning an `Authz` is cheap), and how each request's context is built.
///
/// Handlers take an [`Access`] (or a [`MaybeAccess`]); routes take the layers of
/// [`Authz::require_entitlement`]. See the [module](self) for a complete application.
///
/// # Examples
///
/// ```
/// use access_axum::authz::{Authz, TenantFrom};
/// use access_core::MemoryStore;
/// # mod m { access_core::define_access! { pub Model; entity organization { roles: [owner] } entitlements { "org:manage" on organization => roles [owner] } } } use m::*;
///
/// let authz = Authz::new(Model, MemoryStore::new())
///     .tenant_from(TenantFrom::Header { header: "x-tenant", tenant: EntityType::Organization.into() })
///     .active_ttl(std::time::Duration::from_secs(1));
/// ```
pub struct Authz<M: AccessModel, S: Stores + 'static> {
    model: Arc<M>,
    stores: Arc<S>,
    tenant: TenantFrom,
    dynamic: Option<Arc<DynamicGrants>>,
    cache: bool,
    active_ttl: Duration,
    access_claim_max: usize,
    active: Arc<TtlCache<i64>>,
    members: Arc<Memberships>,
}

impl<M: AccessModel, S: Stores + 'static> Clone for Authz<M, S> {
    fn clone(&self) -> Self {
        Self {
            model: Arc::clone(&self.model),
            stores: Arc::clone(&self.stores),
            tenant: self.tenant.clone(),
            dynamic: self.dynamic.clone(),
            cache: self.cache,
            active_ttl: self.active_ttl,
            access_claim_max: self.access_claim_max,
            active: Arc::clone(&self.active),
            members: Arc::clone(&self.members),
        }
    }
}

/// The settings (not the model nor the stores).
impl<M: AccessModel, S: Stores + 'static> std::fmt::Debug for Authz<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authz")
            .field("tenant", &self.tenant)
            .field("dynamic", &self.dynamic.is_some())
            .field("cache_per_request", &self.cache)
            .field("active_ttl", &self.active_ttl)
            .field("access_claim_max", &self.access_claim_max)
            .finish_non_exhaustive()
    }
}

impl<M: AccessModel, S: Stores + 'static> Authz<M, S> {
    /// Authorization over `model` and `stores` (a store, or an `Arc` of one the application
    /// keeps a handle on): the tenant from the token, per-request caching on, the `active` flag
    /// reused for 2 s, access claims up to [`DEFAULT_ACCESS_CLAIM_MAX`] characters, static
    /// grants.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use access_axum::authz::Authz;
    /// use access_core::MemoryStore;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// let stores = Arc::new(MemoryStore::new()); // kept to add resources and roles later
    /// let authz: Authz<Model, MemoryStore> = Authz::new(Model, Arc::clone(&stores));
    /// ```
    pub fn new(model: impl Into<Arc<M>>, stores: impl Into<Arc<S>>) -> Self {
        Self {
            model: model.into(),
            stores: stores.into(),
            tenant: TenantFrom::Token,
            dynamic: None,
            cache: true,
            active_ttl: Duration::from_secs(2),
            access_claim_max: DEFAULT_ACCESS_CLAIM_MAX,
            active: Arc::default(),
            members: Arc::default(),
        }
    }

    /// With another tenant source ([`TenantFrom`]; default: the token's).
    ///
    /// ```
    /// # use access_axum::authz::{Authz, TenantFrom};
    /// # mod m { access_core::define_access! { pub Model; entity organization { roles: [owner] } entitlements { "org:manage" on organization => roles [owner] } } } use m::*;
    /// let from = TenantFrom::Path { param: "org", tenant: EntityType::Organization.into() };
    /// let authz = Authz::new(Model, access_core::MemoryStore::new()).tenant_from(from);
    /// ```
    #[must_use]
    pub fn tenant_from(mut self, t: TenantFrom) -> Self {
        self.tenant = t;
        self
    }

    /// Dynamic mode: each request's context reads its tenant's grants and custom roles from
    /// `grants` (see [`crate::dynamic`]). Requests without a tenant use the model's grants.
    /// Custom roles take role indices past the model's: a store that checks role writes against
    /// the model (`SeaStore`, `MemoryStore::for_model`) must be built `.with_custom_roles()`
    /// (the store `App` makes is).
    ///
    /// ```no_run
    /// # use access_axum::{authz::Authz, dynamic::DynamicGrants};
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// # fn f(db: sea_orm::DatabaseConnection) {
    /// let authz = Authz::new(Model, access_core::MemoryStore::new())
    ///     .dynamic(DynamicGrants::new(&Model, db));
    /// # }
    /// ```
    #[must_use]
    pub fn dynamic(mut self, grants: DynamicGrants) -> Self {
        self.dynamic = Some(Arc::new(grants));
        self
    }

    /// Whether each request's `AccessContext` remembers the ancestries, flags and plans it read
    /// (on by default), so repeated checks in one request hit the database once. Usage counters
    /// are always read fresh.
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let authz = Authz::new(Model, access_core::MemoryStore::new()).cache_per_request(false);
    /// ```
    #[must_use]
    pub fn cache_per_request(mut self, on: bool) -> Self {
        self.cache = on;
        self
    }

    /// How long an account's `active` flag, read from the users table, is reused before it is
    /// read again (default 2 s): a deactivated account is refused at the latest this long after
    /// the change, whatever its token says. Zero reads it at every request. Memberships in a
    /// tenant the request names ([`TenantFrom`]) are reused as long.
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let authz = Authz::new(Model, access_core::MemoryStore::new()).active_ttl(std::time::Duration::ZERO);
    /// ```
    #[must_use]
    pub fn active_ttl(mut self, ttl: Duration) -> Self {
        self.active_ttl = ttl;
        self
    }

    /// The longest `access` claim [`Authz::access_set_claims`] puts in a token, in characters
    /// (default [`DEFAULT_ACCESS_CLAIM_MAX`], 2,048). An encoded access set is
    /// `3 + ⌈4·(6 + ⌈3n/8⌉)/3⌉` characters for `n` entitlements, whatever the user holds, so a
    /// model either always fits or never does: past the cap the claim is left out (a warning is
    /// logged once), tokens stay small enough for cookies, and clients read the set from an
    /// endpoint instead (the example's `GET /me/access`, built on
    /// [`AccessContext::access_set`]; `AccessSet.inToken(token)` in `access.js` tells which).
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let authz = Authz::new(Model, access_core::MemoryStore::new()).access_claim_max(1024);
    /// ```
    #[must_use]
    pub fn access_claim_max(mut self, chars: usize) -> Self {
        self.access_claim_max = chars;
        self
    }

    /// The model.
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_core::AccessModel;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let authz = Authz::new(Model, access_core::MemoryStore::new());
    /// assert_eq!(&*authz.model().data().name, "Model");
    /// ```
    pub fn model(&self) -> &Arc<M> {
        &self.model
    }

    /// The stores.
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_core::MemoryStore;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let authz = Authz::new(Model, MemoryStore::new());
    /// let stores: std::sync::Arc<MemoryStore> = authz.stores().clone();
    /// ```
    pub fn stores(&self) -> &Arc<S> {
        &self.stores
    }

    /// Where the tenant of a request comes from ([`Authz::tenant_from`]).
    ///
    /// ```
    /// use access_axum::authz::{Authz, TenantFrom};
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let authz = Authz::new(Model, access_core::MemoryStore::new());
    /// assert!(matches!(authz.tenant_source(), TenantFrom::Token)); // the default
    /// ```
    pub fn tenant_source(&self) -> &TenantFrom {
        &self.tenant
    }

    /// The tenants' grants in dynamic mode ([`Authz::dynamic`]); `None` in static mode.
    ///
    /// ```
    /// use access_axum::authz::Authz;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let authz = Authz::new(Model, access_core::MemoryStore::new());
    /// assert!(authz.dynamic_grants().is_none()); // static until `.dynamic(..)`
    /// ```
    pub fn dynamic_grants(&self) -> Option<&DynamicGrants> {
        self.dynamic.as_deref()
    }

    /// The engine context for `user` in this request: principal (inactive when the account has
    /// been deactivated since the token was issued), tenant ([`TenantFrom`]), and in dynamic
    /// mode the tenant's grants. The [`Access`] extractor calls it.
    ///
    /// # Errors
    /// 403 `not_a_member` for a tenant named by the request that the user does not belong to;
    /// a 500 without details when the user, the memberships or the grants could not be read.
    ///
    /// In a middleware or extractor of the application's own, for a user it already has:
    ///
    /// ```
    /// use access_axum::{ApiError, AuthState, CurrentUser, authz::Authz};
    /// use access_core::{MemoryStore, Resource};
    /// use axum::http::request::Parts;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// async fn may_read(auth: &AuthState, authz: &Authz<Model, MemoryStore>, parts: &mut Parts, user: &CurrentUser) -> Result<(), ApiError> {
    ///     let ctx = authz.context(auth, parts, user).await?; // 403 `not_a_member`, ..
    ///     ctx.authorize(Entitlement::ProjectRead, Resource::new(EntityType::Project, "p1")).await?;
    ///     Ok(())
    /// }
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

    /// The engine context for principal `p` (its tenant's grants in dynamic mode).
    pub(crate) async fn context_for(
        &self,
        p: Principal,
    ) -> Result<AccessContext<'static, M, S>, ApiError> {
        let tenant = p.tenant.clone();
        let ctx = AccessContext::shared(Arc::clone(&self.model), Arc::clone(&self.stores), p);
        let ctx = if self.cache { ctx.with_cache() } else { ctx };
        match (&self.dynamic, tenant) {
            (Some(d), Some(t)) => match d.tenant(&t).await {
                Ok(g) => Ok(ctx.with_grants(g)),
                // By its cause: no connection is a 503 with `Retry-After`, not a 500.
                Err(e) => Err(ApiError::database(&e)),
            },
            _ => Ok(ctx),
        }
    }

    /// The request's principal: the token's user, its tenant from [`TenantFrom`], and whether
    /// the account is still active ([`Authz::active_ttl`]: a token outlives a deactivation, the
    /// check does not).
    pub(crate) async fn principal(
        &self,
        auth: &AuthState,
        parts: &mut Parts,
        user: &CurrentUser,
    ) -> Result<Principal, ApiError> {
        let mut p = user.principal(self.model.data());
        let members = Members {
            stores: &*self.stores,
            cache: &self.members,
            ttl: self.active_ttl,
        };
        let tenant = self.tenant.resolve(parts, user, &p.id, members).await?;
        p.tenant = tenant.map(Into::into);
        p.active = self.account_active(auth, user.id).await?;
        Ok(p)
    }

    /// Whether account `id` is active (from the cache when fresh). An account without a row
    /// (from a custom [`crate::Authenticator`]) counts as active.
    async fn account_active(&self, auth: &AuthState, id: i64) -> Result<bool, ApiError> {
        if let Some(active) = self.active.get(&id, self.active_ttl) {
            return Ok(active);
        }
        let active = match auth.config.accounts().users.by_id(&auth.db, id).await {
            Ok(row) => row.is_none_or(|r| r.active),
            // By its cause: a pool timeout is a 503 with `Retry-After`, not a 500.
            Err(e) => return Err(ApiError::database(&e)),
        };
        self.active.put(id, active, self.active_ttl);
        Ok(active)
    }
}
