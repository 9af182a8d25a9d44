//! Extractors: [`Access`], the request's engine context for the signed-in user (401 without
//! one), and [`MaybeAccess`], its optional form for routes open to anonymous callers.

use access_core::{AccessContext, AccessModel, Principal, Stores};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::Authz;
use crate::auth::extract::typed;
use crate::auth::{AuthState, CurrentUser};
use crate::error::ApiError;

/// The request's [`AccessContext`] for the authenticated user: 401 without valid credentials,
/// 403 `not_a_member` for a tenant the request names that the user does not belong to. It
/// dereferences to the context: `access.check(Entitlement::ProjectDelete, resource).await`.
///
/// The application's state must give axum the [`AuthState`] and the [`Authz`] (`FromRef`); see
/// the [module](super) for a complete application. `C` is the type of the user's custom claims,
/// as in [`CurrentUser<C>`] (a map by default; claims that do not fit are a 401).
///
/// # Examples
///
/// ```
/// use access_axum::{ApiError, authz::Access};
/// use access_core::{MemoryStore, Resource};
/// use axum::extract::Path;
/// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
///
/// async fn show(access: Access<Model, MemoryStore>, Path(id): Path<String>) -> Result<String, ApiError> {
///     let d = access.check(Entitlement::ProjectRead, Resource::new(EntityType::Project, &id))
///         .await
///         .map_err(|e| ApiError::authorization_failed("authorization store failed", e))?;
///     if !d.allowed {
///         return Err(ApiError::forbidden(&d)); // 403 with every reason
///     }
///     Ok(format!("project {id}, shown to user {}", access.user.id))
/// }
/// ```
pub struct Access<
    M: AccessModel,
    S: Stores + 'static,
    C = serde_json::Map<String, serde_json::Value>,
> {
    /// The engine's context for this request's user and tenant.
    pub ctx: AccessContext<'static, M, S>,
    /// The user.
    pub user: CurrentUser<C>,
}

impl<M: AccessModel, S: Stores + 'static, C: std::fmt::Debug> std::fmt::Debug for Access<M, S, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl<M: AccessModel, S: Stores + 'static, C> std::ops::Deref for Access<M, S, C> {
    type Target = AccessContext<'static, M, S>;
    fn deref(&self) -> &Self::Target {
        &self.ctx
    }
}

impl<St, M, S, C> FromRequestParts<St> for Access<M, S, C>
where
    St: Send + Sync,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
    M: AccessModel,
    S: Stores + 'static,
    C: DeserializeOwned + 'static,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, ApiError> {
        let auth = AuthState::from_ref(state);
        let user =
            <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(parts, &auth).await?;
        let authz = Authz::<M, S>::from_ref(state);
        let ctx = authz.context(&auth, parts, &user).await?;
        let user = typed(user)?;
        Ok(Access { ctx, user })
    }
}

/// The optional form of [`Access`], for routes open to anonymous callers:
///
/// - no credentials (no `Authorization` header, no access-token cookie): anonymous, with no
///   user, principal nor engine context;
/// - credentials that are invalid or expired: 401, so a client refreshes its token instead of
///   being served as anonymous;
/// - valid credentials: the user, their principal and the engine context, as [`Access`] builds
///   them (403 `not_a_member` for a tenant the request names that they do not belong to).
///
/// It also carries the [`AuthState`] and the [`Authz`] it was built from. `C` is the type of
/// the user's custom claims, as in [`Access`].
///
/// # Examples
///
/// ```
/// use access_axum::{ApiError, authz::MaybeAccess};
/// use access_core::{MemoryStore, Resource};
/// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
///
/// async fn greet(access: MaybeAccess<Model, MemoryStore>) -> Result<String, ApiError> {
///     let Some(ctx) = access.context() else {
///         return Ok("hello, stranger".into());
///     };
///     ctx.authorize(Entitlement::ProjectRead, Resource::new(EntityType::Project, "p1")).await?;
///     Ok(format!("hello, user {}: project p1 is yours to read", ctx.principal().id))
/// }
/// ```
pub struct MaybeAccess<
    M: AccessModel,
    S: Stores + 'static,
    C = serde_json::Map<String, serde_json::Value>,
> {
    auth: AuthState,
    authz: Authz<M, S>,
    signed_in: Option<(CurrentUser<C>, AccessContext<'static, M, S>)>,
}

impl<M: AccessModel, S: Stores + 'static, C> MaybeAccess<M, S, C> {
    /// The signed-in user; `None` for an anonymous caller.
    ///
    /// ```
    /// use access_axum::authz::MaybeAccess;
    /// use access_core::MemoryStore;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// async fn whoami(access: MaybeAccess<Model, MemoryStore>) -> String {
    ///     match access.user() {
    ///         Some(user) => format!("user {} (roles {:?})", user.id, user.roles),
    ///         None => "anonymous".into(),
    ///     }
    /// }
    /// ```
    pub fn user(&self) -> Option<&CurrentUser<C>> {
        self.signed_in.as_ref().map(|(u, _)| u)
    }

    /// The user's principal (tenant and active flag resolved); `None` for an anonymous caller.
    ///
    /// ```
    /// use access_axum::authz::MaybeAccess;
    /// use access_core::MemoryStore;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// async fn tenant(access: MaybeAccess<Model, MemoryStore>) -> String {
    ///     let tenant = access.principal().and_then(|p| p.tenant.as_deref());
    ///     format!("tenant: {}", tenant.unwrap_or("none"))
    /// }
    /// ```
    pub fn principal(&self) -> Option<&Principal> {
        self.context().map(AccessContext::principal)
    }

    /// The engine context; `None` for an anonymous caller.
    ///
    /// ```
    /// use access_axum::{ApiError, authz::MaybeAccess};
    /// use access_core::{MemoryStore, Resource};
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// async fn can_read(access: MaybeAccess<Model, MemoryStore>) -> Result<String, ApiError> {
    ///     let Some(ctx) = access.context() else {
    ///         return Ok("sign in to read p1".into());
    ///     };
    ///     let p1 = Resource::new(EntityType::Project, "p1");
    ///     let readable = ctx.can(Entitlement::ProjectRead, p1).await
    ///         .map_err(|e| ApiError::authorization_failed("authorization store failed", e))?;
    ///     Ok(format!("p1 readable: {readable}"))
    /// }
    /// ```
    pub fn context(&self) -> Option<&AccessContext<'static, M, S>> {
        self.signed_in.as_ref().map(|(_, c)| c)
    }

    /// Whether the caller is signed in.
    ///
    /// ```
    /// use access_axum::authz::MaybeAccess;
    /// use access_core::MemoryStore;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// async fn home(access: MaybeAccess<Model, MemoryStore>) -> &'static str {
    ///     if access.is_signed_in() { "welcome back" } else { "welcome, please sign in" }
    /// }
    /// ```
    pub fn is_signed_in(&self) -> bool {
        self.signed_in.is_some()
    }

    /// The auth state (database, configuration) the request was read with.
    ///
    /// ```
    /// use access_axum::authz::MaybeAccess;
    /// use access_core::MemoryStore;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// async fn sign_in_hint(access: MaybeAccess<Model, MemoryStore>) -> String {
    ///     let http = access.auth().config.http();
    ///     format!("sign in with POST {}{}", http.base_path, http.paths.login)
    /// }
    /// ```
    pub fn auth(&self) -> &AuthState {
        &self.auth
    }

    /// The authorization (model, stores, settings) the context was built with.
    ///
    /// ```
    /// use access_axum::authz::MaybeAccess;
    /// use access_core::{AccessModel, MemoryStore};
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// async fn about(access: MaybeAccess<Model, MemoryStore>) -> String {
    ///     let authz = access.authz();
    ///     format!("model {}, dynamic grants: {}", authz.model().data().name, authz.dynamic_grants().is_some())
    /// }
    /// ```
    pub fn authz(&self) -> &Authz<M, S> {
        &self.authz
    }

    /// The [`Access`] of a signed-in caller; 401 `unauthenticated` for an anonymous one.
    ///
    /// # Errors
    /// The caller is anonymous.
    ///
    /// ```
    /// use access_axum::{ApiError, authz::MaybeAccess};
    /// use access_core::{MemoryStore, Resource};
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    ///
    /// async fn show(access: MaybeAccess<Model, MemoryStore>) -> Result<String, ApiError> {
    ///     let access = access.require()?; // 401 for an anonymous caller
    ///     access.authorize(Entitlement::ProjectRead, Resource::new(EntityType::Project, "p1")).await?;
    ///     Ok(format!("p1, shown to user {}", access.user.id))
    /// }
    /// ```
    pub fn require(self) -> Result<Access<M, S, C>, ApiError> {
        match self.signed_in {
            Some((user, ctx)) => Ok(Access { ctx, user }),
            None => Err(ApiError::unauthenticated()),
        }
    }
}

impl<M: AccessModel, S: Stores + 'static, C: std::fmt::Debug> std::fmt::Debug
    for MaybeAccess<M, S, C>
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaybeAccess")
            .field("user", &self.user())
            .finish_non_exhaustive()
    }
}

impl<St, M, S, C> FromRequestParts<St> for MaybeAccess<M, S, C>
where
    St: Send + Sync,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
    M: AccessModel,
    S: Stores + 'static,
    C: DeserializeOwned + 'static,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, ApiError> {
        let auth = AuthState::from_ref(state);
        let authz = Authz::<M, S>::from_ref(state);
        let signed_in =
            match <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(parts, &auth)
                .await
            {
                Ok(user) => {
                    let ctx = authz.context(&auth, parts, &user).await?;
                    Some((typed(user)?, ctx))
                }
                Err(e)
                    if e.status == StatusCode::UNAUTHORIZED && !has_credentials(parts, &auth) =>
                {
                    None
                }
                Err(e) => return Err(e),
            };
        Ok(Self {
            auth,
            authz,
            signed_in,
        })
    }
}

/// Whether the request carries credentials: an `Authorization` header or an access-token
/// cookie.
fn has_credentials(parts: &Parts, auth: &AuthState) -> bool {
    parts.headers.contains_key(AUTHORIZATION)
        || crate::auth::token_cookie(&auth.config, &parts.headers, "access_token").is_some()
}
