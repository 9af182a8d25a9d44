//! Route layers: [`AuthState::require_role`] (a global role from the token),
//! [`AuthState::require_mfa_within`] (a recent second factor, from the token) and
//! [`Authz::require_entitlement`] (an entitlement on the resource the request names, through
//! every layer of the engine). Both answer 401 without credentials and 403 with the reasons
//! when denied, and put the [`CurrentUser`] in the request's extensions for the handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use access_core::{
    AccessModel, Denial, EntityTypeId, Reason, ReasonKind, ReasonMeta, Resource, Stores,
};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::Authz;
use crate::auth::{AuthState, CurrentUser};
use crate::error::ApiError;

/// The layer of [`AuthState::require_role`]: the user must hold one of its global roles.
///
/// ```
/// use access_axum::{AuthState, authz::RequireRoleLayer};
/// use axum::{Router, routing::get};
///
/// fn staff_routes(auth: &AuthState) -> Router {
///     let staff: RequireRoleLayer = auth.require_role(&["admin", "support"]);
///     Router::new()
///         .route("/staff/tickets", get(|| async { "tickets" }))
///         .route("/staff/users", get(|| async { "users" }))
///         .route_layer(staff) // every route above; not the ones added after
/// }
/// ```
#[derive(Clone)]
pub struct RequireRoleLayer {
    auth: AuthState,
    roles: Arc<[String]>,
}

impl std::fmt::Debug for RequireRoleLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireRoleLayer")
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl AuthState {
    /// A route layer: the user must hold one of these global roles (superusers pass). 401
    /// without credentials, 403 with the reason (`role_required`) otherwise.
    ///
    /// It reads the roles from the access token, as they were when it was issued (at most the
    /// access token's lifetime ago, 60 s by default), and reads nothing from the database: a
    /// role taken away or an account deactivated since counts from the next refresh. Routes
    /// that must see such changes at once use the [`Authz`] layers or extractor, which read the
    /// account's `active` flag ([`Authz::active_ttl`]) and roles from the stores.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn f(auth: access_axum::AuthState) {
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/admin", axum::routing::get(|| async { "welcome" }))
    ///     .route_layer(auth.require_role(&["admin"]));
    /// # }
    /// ```
    pub fn require_role(&self, roles: &[&str]) -> RequireRoleLayer {
        RequireRoleLayer {
            auth: self.clone(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
}

impl RequireRoleLayer {
    /// The request, with the user in its extensions, when they hold one of the roles.
    async fn admit(self, req: Request) -> Result<Request, ApiError> {
        let (mut parts, body) = req.into_parts();
        let user = <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(
            &mut parts, &self.auth,
        )
        .await?;
        if !user.superuser && !user.roles.iter().any(|r| self.roles.contains(r)) {
            return Err(role_required(&self.roles));
        }
        parts.extensions.insert(user);
        Ok(Request::from_parts(parts, body))
    }
}

/// 403 `forbidden` with one `role_required` reason naming `roles` (as a schema's role rule
/// explains itself).
fn role_required(roles: &[String]) -> ApiError {
    let names: Vec<String> = roles.iter().map(|r| format!("`{r}`")).collect();
    let message = format!("needs the role {}", names.join(", "));
    let reason = Reason {
        kind: ReasonKind::RoleRequired,
        message: message.clone(),
        meta: ReasonMeta::Roles {
            entity: String::new(),
            roles: roles.to_vec(),
            via: Vec::new(),
        },
    };
    let denial = Denial {
        action: "access",
        schema: "route",
        reasons: vec![reason],
    };
    let mut e = ApiError::denied(&denial, true);
    e.message = message;
    e
}

/// The layer of [`AuthState::require_mfa_within`]: the session passed a second factor
/// recently enough.
///
/// ```
/// use access_axum::{AuthState, authz::RequireMfaLayer};
/// use axum::{Router, routing::delete};
/// use std::time::Duration;
///
/// fn danger_zone(auth: &AuthState) -> Router {
///     let recent: RequireMfaLayer = auth.require_mfa_within(Duration::from_secs(300));
///     Router::new()
///         .route("/account/close", delete(|| async { "closed" }))
///         .route_layer(recent)
/// }
/// ```
#[derive(Clone)]
pub struct RequireMfaLayer {
    auth: AuthState,
    max_age: std::time::Duration,
}

impl std::fmt::Debug for RequireMfaLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireMfaLayer")
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl AuthState {
    /// A route layer: the session passed a second factor (at sign-in or a step-up,
    /// `POST /auth/mfa/step-up`) within `max_age`, as the access token's `mfa` claim says. 401
    /// without credentials; 403 `mfa_required` with one reason whose `meta` carries `max_age`
    /// (seconds) otherwise, so a client prompts for a step-up and retries. Superusers pass,
    /// as they pass `fva(..)` rules. It reads nothing from the database.
    ///
    /// ```no_run
    /// # fn f(auth: access_axum::AuthState) {
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/billing", axum::routing::put(|| async { "changed" }))
    ///     .route_layer(auth.require_mfa_within(std::time::Duration::from_secs(300)));
    /// # }
    /// ```
    pub fn require_mfa_within(&self, max_age: std::time::Duration) -> RequireMfaLayer {
        RequireMfaLayer {
            auth: self.clone(),
            max_age,
        }
    }
}

impl RequireMfaLayer {
    /// The request, with the user in its extensions, when its second factor is recent.
    async fn admit(self, req: Request) -> Result<Request, ApiError> {
        let (mut parts, body) = req.into_parts();
        let user = <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(
            &mut parts, &self.auth,
        )
        .await?;
        let max_age = self.max_age.as_secs();
        let now = crate::auth::tokens::unix_now();
        let recent = access_core::mfa_recent(user.mfa_verified_at, now, max_age);
        if !user.superuser && !recent {
            return Err(mfa_required(max_age));
        }
        parts.extensions.insert(user);
        Ok(Request::from_parts(parts, body))
    }
}

/// 403 `mfa_required`: a second factor within the last `max_age` seconds.
fn mfa_required(max_age: u64) -> ApiError {
    let denial = Denial {
        action: "access",
        schema: "route",
        reasons: vec![Reason::mfa_required(max_age)],
    };
    ApiError::denied(&denial, true)
}

/// Finds the resource a guarded route acts on, from the request.
type ResourceOf = Arc<dyn Fn(&Parts) -> Option<(EntityTypeId, String)> + Send + Sync>;

/// The layer of [`Authz::require_entitlement`]: the user must hold an entitlement on the
/// resource the request names.
///
/// ```
/// use access_axum::{AuthState, authz::{Authz, RequireEntitlementLayer}};
/// use access_core::MemoryStore;
/// use axum::{Router, routing::get};
/// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
///
/// fn project_routes(auth: &AuthState, authz: &Authz<Model, MemoryStore>) -> Router {
///     // The project is the second path segment: `/projects/{id}/..`.
///     let read: RequireEntitlementLayer<Model, MemoryStore> =
///         authz.require_entitlement(auth, Entitlement::ProjectRead, |parts| {
///             let id = parts.uri.path().split('/').nth(2)?;
///             Some((EntityType::Project.into(), id.to_owned()))
///         });
///     Router::new()
///         .route("/projects/{id}", get(|| async { "project" }))
///         .route("/projects/{id}/tasks", get(|| async { "tasks" }))
///         .route_layer(read)
/// }
/// ```
pub struct RequireEntitlementLayer<M: AccessModel, S: Stores + 'static> {
    auth: AuthState,
    authz: Authz<M, S>,
    entitlement: M::Entitlement,
    resource_of: ResourceOf,
}

impl<M: AccessModel, S: Stores + 'static> Clone for RequireEntitlementLayer<M, S> {
    fn clone(&self) -> Self {
        Self {
            auth: self.auth.clone(),
            authz: self.authz.clone(),
            entitlement: self.entitlement,
            resource_of: Arc::clone(&self.resource_of),
        }
    }
}

impl<M: AccessModel, S: Stores + 'static> std::fmt::Debug for RequireEntitlementLayer<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireEntitlementLayer")
            .field("authz", &self.authz)
            .finish_non_exhaustive()
    }
}

impl<M: AccessModel, S: Stores + 'static> Authz<M, S> {
    /// A route layer: the user must hold `entitlement` on the resource `resource_of` finds in
    /// the request (a path segment, ..), through all five layers. 401 without credentials, 404
    /// when the request names no resource, 403 with every reason otherwise.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use access_axum::{AuthState, authz::Authz};
    /// # use access_core::MemoryStore;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [manager] } entitlements { "project:delete" on project => roles [manager] } } } use m::*;
    /// # fn f(auth: AuthState, authz: Authz<Model, MemoryStore>) {
    /// // The project is the last path segment.
    /// let guard = authz.require_entitlement(&auth, Entitlement::ProjectDelete, |parts| {
    ///     let id = parts.uri.path().rsplit('/').next()?;
    ///     Some((EntityType::Project.into(), id.to_owned()))
    /// });
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/projects/{id}", axum::routing::delete(|| async { "deleted" }).layer(guard));
    /// # }
    /// ```
    pub fn require_entitlement(
        &self,
        auth: &AuthState,
        entitlement: M::Entitlement,
        resource_of: impl Fn(&Parts) -> Option<(EntityTypeId, String)> + Send + Sync + 'static,
    ) -> RequireEntitlementLayer<M, S> {
        RequireEntitlementLayer {
            auth: auth.clone(),
            authz: self.clone(),
            entitlement,
            resource_of: Arc::new(resource_of),
        }
    }
}

impl<M: AccessModel, S: Stores + 'static> RequireEntitlementLayer<M, S> {
    /// The request, with the user in its extensions, when they hold the entitlement.
    async fn admit(self, req: Request) -> Result<Request, ApiError> {
        let (mut parts, body) = req.into_parts();
        let user = <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(
            &mut parts, &self.auth,
        )
        .await?;
        let Some((ty, id)) = (self.resource_of)(&parts) else {
            return Err(ApiError::not_found("no such resource"));
        };
        let ctx = self.authz.context(&self.auth, &mut parts, &user).await?;
        let d = ctx
            .check(self.entitlement, Resource::new(ty, &id))
            .await
            .map_err(|e| ApiError::store_failed("authorization store failed", e))?;
        if !d.allowed {
            return Err(ApiError::forbidden(&d));
        }
        parts.extensions.insert(user);
        Ok(Request::from_parts(parts, body))
    }
}

impl<Svc> Layer<Svc> for RequireRoleLayer {
    type Service = RequireRole<Svc>;
    fn layer(&self, inner: Svc) -> RequireRole<Svc> {
        RequireRole {
            layer: self.clone(),
            inner,
        }
    }
}

/// The service [`RequireRoleLayer`] wraps a route in: 401 without valid credentials, 403
/// `role_required` without one of the roles, else the route.
///
/// ```
/// use access_axum::{AuthState, authz::RequireRole};
/// use axum::{Router, extract::Request};
/// use tower::{Layer, service_fn};
///
/// fn app(auth: &AuthState) -> Router {
///     let stats = service_fn(|_req: Request| async { Ok::<_, std::convert::Infallible>("stats") });
///     let guarded: RequireRole<_> = auth.require_role(&["admin"]).layer(stats);
///     Router::new().route_service("/admin/stats", guarded)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct RequireRole<Svc> {
    layer: RequireRoleLayer,
    inner: Svc,
}

impl<Svc> Service<Request> for RequireRole<Svc>
where
    Svc: Service<Request> + Clone + Send + 'static,
    Svc::Response: IntoResponse,
    Svc::Error: Send,
    Svc::Future: Send,
{
    type Response = Response;
    type Error = Svc::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Svc::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Svc::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let admit = self.layer.clone().admit(req);
        run_guarded(&mut self.inner, admit)
    }
}

impl<Svc> Layer<Svc> for RequireMfaLayer {
    type Service = RequireMfa<Svc>;
    fn layer(&self, inner: Svc) -> RequireMfa<Svc> {
        RequireMfa {
            layer: self.clone(),
            inner,
        }
    }
}

/// The service [`RequireMfaLayer`] wraps a route in: 401 without valid credentials, 403
/// `mfa_required` without a recent second factor, else the route.
///
/// ```
/// use access_axum::{AuthState, authz::RequireMfa};
/// use axum::{Router, extract::Request};
/// use tower::{Layer, service_fn};
///
/// fn app(auth: &AuthState) -> Router {
///     let keys = service_fn(|_req: Request| async { Ok::<_, std::convert::Infallible>("api keys") });
///     let guarded: RequireMfa<_> = auth.require_mfa_within(std::time::Duration::from_secs(300)).layer(keys);
///     Router::new().route_service("/settings/api-keys", guarded)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct RequireMfa<Svc> {
    layer: RequireMfaLayer,
    inner: Svc,
}

impl<Svc> Service<Request> for RequireMfa<Svc>
where
    Svc: Service<Request> + Clone + Send + 'static,
    Svc::Response: IntoResponse,
    Svc::Error: Send,
    Svc::Future: Send,
{
    type Response = Response;
    type Error = Svc::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Svc::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Svc::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let admit = self.layer.clone().admit(req);
        run_guarded(&mut self.inner, admit)
    }
}

impl<M: AccessModel, S: Stores + 'static, Svc> Layer<Svc> for RequireEntitlementLayer<M, S> {
    type Service = RequireEntitlement<M, S, Svc>;
    fn layer(&self, inner: Svc) -> RequireEntitlement<M, S, Svc> {
        RequireEntitlement {
            layer: self.clone(),
            inner,
        }
    }
}

/// The service [`RequireEntitlementLayer`] wraps a route in: 401 without valid credentials, 404
/// when the request names no resource, 403 with every reason when denied, else the route.
///
/// ```
/// use access_axum::{AuthState, authz::{Authz, RequireEntitlement}};
/// use access_core::MemoryStore;
/// use axum::{Router, extract::Request};
/// use tower::{Layer, service_fn};
/// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
///
/// fn app(auth: &AuthState, authz: &Authz<Model, MemoryStore>) -> Router {
///     let file = service_fn(|req: Request| async move { Ok::<_, std::convert::Infallible>(req.uri().to_string()) });
///     let layer = authz.require_entitlement(auth, Entitlement::ProjectRead, |parts| {
///         Some((EntityType::Project.into(), parts.uri.path().split('/').nth(2)?.to_owned()))
///     });
///     let guarded: RequireEntitlement<Model, MemoryStore, _> = layer.layer(file);
///     Router::new().route_service("/projects/{id}/{*file}", guarded)
/// }
/// ```
pub struct RequireEntitlement<M: AccessModel, S: Stores + 'static, Svc> {
    layer: RequireEntitlementLayer<M, S>,
    inner: Svc,
}

impl<M: AccessModel, S: Stores + 'static, Svc: Clone> Clone for RequireEntitlement<M, S, Svc> {
    fn clone(&self) -> Self {
        Self {
            layer: self.layer.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<M: AccessModel, S: Stores + 'static, Svc> std::fmt::Debug for RequireEntitlement<M, S, Svc> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireEntitlement")
            .field("layer", &self.layer)
            .finish_non_exhaustive()
    }
}

impl<M: AccessModel, S: Stores + 'static, Svc> Service<Request> for RequireEntitlement<M, S, Svc>
where
    Svc: Service<Request> + Clone + Send + 'static,
    Svc::Response: IntoResponse,
    Svc::Error: Send,
    Svc::Future: Send,
    M::Entitlement: Send + Sync + 'static,
{
    type Response = Response;
    type Error = Svc::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Svc::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Svc::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let admit = self.layer.clone().admit(req);
        run_guarded(&mut self.inner, admit)
    }
}

/// Runs `inner` on the request `admit` lets through, else answers its error. `inner` is the
/// service made ready by `poll_ready`; a clone takes its place for the next call.
fn run_guarded<Svc>(
    inner: &mut Svc,
    admit: impl Future<Output = Result<Request, ApiError>> + Send + 'static,
) -> Pin<Box<dyn Future<Output = Result<Response, Svc::Error>> + Send>>
where
    Svc: Service<Request> + Clone + Send + 'static,
    Svc::Response: IntoResponse,
    Svc::Error: Send,
    Svc::Future: Send,
{
    let clone = inner.clone();
    let ready = std::mem::replace(inner, clone);
    Box::pin(async move {
        let mut ready = ready;
        match admit.await {
            Ok(req) => ready.call(req).await.map(IntoResponse::into_response),
            Err(e) => Ok(e.into_response()),
        }
    })
}
