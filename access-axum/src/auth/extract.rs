//! Extraction: [`CurrentUser`] and [`MaybeUser`] from a request (the [`Authenticator`] hook,
//! then the bearer token, then the cookie with the CSRF checks), the client's address and
//! device, and [`RequireAuthenticatedLayer`], the route layer that needs a signed-in user.
//!
//! [`Authenticator`]: super::state::Authenticator

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use tower::{Layer, Service};

use super::cookies::{bearer, token_cookie};
use super::csrf;
use super::state::AuthState;
use super::tokens;
use super::user::{CurrentUser, MaybeUser};
use crate::error::ApiError;

/// From any state that holds an [`AuthState`] (`AuthState` itself, `AppState`, an application's
/// own state with a `FromRef`), with the custom claims read as `C` (401 when they do not fit).
impl<S, C> FromRequestParts<S> for CurrentUser<C>
where
    S: Send + Sync,
    AuthState: FromRef<S>,
    C: DeserializeOwned + 'static,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let user = untyped(parts, &AuthState::from_ref(state)).await?;
        typed(user)
    }
}

/// The request's user with the claims as a map: the one a route layer or guard put in the
/// extensions, else the [`Authenticator`](super::state::Authenticator)'s, else the bearer
/// token's, else the cookie's (with the CSRF checks).
/// The user's id goes on the request log's span.
pub(crate) async fn untyped(parts: &mut Parts, state: &AuthState) -> Result<CurrentUser, ApiError> {
    let user = resolve(parts, state).await?;
    crate::request_log::record_user(user.id); // formatted only when a subscriber records it
    Ok(user)
}

async fn resolve(parts: &mut Parts, state: &AuthState) -> Result<CurrentUser, ApiError> {
    if let Some(user) = parts.extensions.get::<CurrentUser>() {
        return Ok(user.clone());
    }
    if let Some(a) = &state.authenticator
        && let Some(user) = a.authenticate(parts, state).await?
    {
        return Ok(user);
    }
    let config = &state.config;
    let (token, via_cookie) = match bearer(&parts.headers) {
        Some(t) => (t, false),
        None => match token_cookie(config, &parts.headers, "access_token") {
            Some(t) => (t, true),
            None => return Err(ApiError::unauthenticated()),
        },
    };
    let claims = tokens::verify_with(config, &state.validation, token)
        .ok_or_else(ApiError::unauthenticated)?;
    let id: i64 = claims
        .sub
        .parse()
        .map_err(|_| ApiError::unauthenticated())?;
    if via_cookie {
        csrf::check(config, &parts.method, &parts.headers)?;
    }
    if let Some((ttl, cache)) = &state.session_check
        && !session_live(state, cache, *ttl, &claims.sid).await?
    {
        return Err(ApiError::unauthenticated());
    }
    Ok(CurrentUser {
        id,
        session_id: claims.sid,
        roles: claims.roles,
        tenant: claims.tenant,
        superuser: claims.su,
        issued_at: claims.iat,
        mfa_verified_at: claims.mfa,
        via_cookie,
        claims: claims.extra,
    })
}

/// Whether session `sid` is neither revoked nor expired: the answer read at most `ttl` ago.
async fn session_live(
    state: &AuthState,
    cache: &crate::ttl_cache::TtlCache<String>,
    ttl: std::time::Duration,
    sid: &str,
) -> Result<bool, ApiError> {
    use sea_orm::EntityTrait as _;
    let key = sid.to_owned();
    if let Some(live) = cache.get(&key, ttl) {
        return Ok(live);
    }
    let now = tokens::unix_now();
    let live = crate::db::session::Entity::find_by_id(key.clone())
        .one(&state.db)
        .await?
        .is_some_and(|s| s.revoked_at.is_none() && s.expires_at > now);
    cache.put(key, live, ttl);
    Ok(live)
}

/// `user` with its claims read as `C`; when they do not fit, the 401 of any invalid token (the
/// server's log names the type: a token issued before the claims changed, or `with_claims`
/// producing another shape than the handlers read).
pub(crate) fn typed<C: DeserializeOwned + 'static>(
    user: CurrentUser,
) -> Result<CurrentUser<C>, ApiError> {
    let id = user.id;
    user.into_typed().map_err(|_| {
        tracing::warn!(
            target: "access::auth",
            user = id,
            claims_type = std::any::type_name::<C>(),
            "the token's custom claims do not deserialize into the claims type of the extractor \
             (does `AuthState::with_claims` produce it?): answered 401"
        );
        ApiError::unauthenticated()
    })
}

impl<S, C> OptionalFromRequestParts<S> for CurrentUser<C>
where
    S: Send + Sync,
    AuthState: FromRef<S>,
    C: DeserializeOwned + 'static,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, ApiError> {
        match <CurrentUser<C> as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(u) => Ok(Some(u)),
            Err(e) if e.status == StatusCode::UNAUTHORIZED => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl<S, C> FromRequestParts<S> for MaybeUser<C>
where
    S: Send + Sync,
    AuthState: FromRef<S>,
    C: DeserializeOwned + 'static,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        <CurrentUser<C> as OptionalFromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(MaybeUser)
    }
}

/// Client facts for sessions and rate limits.
pub(crate) struct Client {
    /// The client's IP address: the peer's, or behind a trusted proxy the one its forwarding
    /// headers name (`unknown` without `ConnectInfo`).
    pub(crate) ip: String,
    /// The User-Agent, at most 200 characters.
    pub(crate) device: String,
}

impl<S> FromRequestParts<S> for Client
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let ip = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(c) => {
                let auth = AuthState::from_ref(state);
                super::client_ip::client_ip(
                    c.0.ip(),
                    &parts.headers,
                    &auth.config.http().trusted_proxies,
                )
                .to_string()
            }
            None => {
                // Every client then shares one rate-limit bucket: say so, once.
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    tracing::warn!(
                        target: "access::auth",
                        "no client address on the request: rate limits apply to all clients together; \
                         serve with `into_make_service_with_connect_info::<SocketAddr>()`"
                    );
                });
                "unknown".to_owned()
            }
        };
        let device = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| "unknown".to_owned(), |s| s.chars().take(200).collect());
        Ok(Client { ip, device })
    }
}

impl AuthState {
    /// A route layer that refuses requests without valid credentials (401) and puts the
    /// [`CurrentUser`] in the request's extensions (claims as a map: `Extension<CurrentUser>`;
    /// a handler that takes `CurrentUser<C>` gets that user with the claims read as `C`).
    ///
    /// # Examples
    /// ```
    /// use access_axum::{AuthState, CurrentUser};
    /// use axum::{Extension, Router, routing::get};
    /// fn reports(state: &AuthState) -> Router {
    ///     Router::new()
    ///         .route("/report", get(|Extension(user): Extension<CurrentUser>| async move { format!("report for user {}", user.id) }))
    ///         .route_layer(state.require_authenticated())
    /// }
    /// ```
    pub fn require_authenticated(&self) -> RequireAuthenticatedLayer {
        RequireAuthenticatedLayer {
            state: self.clone(),
        }
    }
}

/// The route layer of [`AuthState::require_authenticated`].
///
/// ```
/// use access_axum::{AuthState, auth::RequireAuthenticatedLayer};
/// use axum::Router;
/// // One layer, built once, guarding two routers.
/// fn signed_in(state: &AuthState, reports: Router, settings: Router) -> Router {
///     let layer: RequireAuthenticatedLayer = state.require_authenticated();
///     reports.route_layer(layer.clone()).merge(settings.route_layer(layer))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct RequireAuthenticatedLayer {
    state: AuthState,
}

impl<S> Layer<S> for RequireAuthenticatedLayer {
    type Service = RequireAuthenticated<S>;

    fn layer(&self, inner: S) -> RequireAuthenticated<S> {
        RequireAuthenticated {
            inner,
            state: self.state.clone(),
        }
    }
}

/// The service [`RequireAuthenticatedLayer`] wraps routes in: 401 without valid credentials,
/// else the inner service with the [`CurrentUser`] in the request's extensions.
///
/// ```
/// use access_axum::{AuthState, CurrentUser, auth::RequireAuthenticated};
/// use axum::{Extension, routing::{MethodRouter, get}};
/// use tower::Layer;
/// // A service of its own, for `Router::route_service` or plain tower.
/// fn whoami(state: &AuthState) -> RequireAuthenticated<MethodRouter> {
///     let inner = get(|Extension(user): Extension<CurrentUser>| async move { user.id.to_string() });
///     state.require_authenticated().layer(inner)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct RequireAuthenticated<S> {
    inner: S,
    state: AuthState,
}

impl<S> Service<Request> for RequireAuthenticated<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The service polled ready is the one called; a clone takes its place.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let state = self.state.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            match untyped(&mut parts, &state).await {
                Ok(user) => {
                    parts.extensions.insert(user);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(e) => Ok(e.into_response()),
            }
        })
    }
}
