//! [`AuthState`], the shared state of the endpoints and extractors, with its builder methods,
//! and [`Authenticator`], the hook for other credentials. Its router is built in `handlers/`,
//! its route layer in `extract.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::http::request::Parts;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use super::mailer::{Mailer, NoMailer};
use super::passwords::Passwords;
use super::tokens;
use super::user::{CurrentUser, claims_map};
use crate::config::{Argon2Params, AuthConfig};
use crate::db::{Writers, user};
use crate::error::ApiError;

type Extra = serde_json::Map<String, serde_json::Value>;
type ClaimsFn = dyn Fn(&user::Model) -> Extra + Send + Sync;
type TenantCheckFn =
    dyn Fn(i64, String) -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync;
type AsyncClaimsFn =
    dyn Fn(user::Model) -> Pin<Box<dyn Future<Output = Extra> + Send>> + Send + Sync;

/// Shared state of the auth endpoints and extractors.
///
/// # Examples
/// ```
/// use access_axum::{AuthConfig, AuthState, CurrentUser};
/// use axum::{Router, routing::get};
///
/// fn app(db: sea_orm::DatabaseConnection, config: AuthConfig) -> Router {
///     let auth = AuthState::new(db, config); // run `access_axum::migrate(&db)` first
///     Router::new()
///         .route("/hello", get(|user: CurrentUser| async move { format!("hello, user {}", user.id) }))
///         .with_state(auth.clone())
///         .merge(auth.router()) // /auth/register, /auth/login, ..
/// }
/// ```
#[derive(Clone)]
pub struct AuthState {
    /// The database.
    pub db: DatabaseConnection,
    /// The configuration.
    pub config: Arc<AuthConfig>,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) passwords: Passwords,
    /// Token validation rules, built once (every request uses them).
    pub(super) validation: Arc<jsonwebtoken::Validation>,
    pub(super) authenticator: Option<Arc<dyn Authenticator>>,
    claims: Option<Arc<ClaimsFn>>,
    async_claims: Option<Arc<AsyncClaimsFn>>,
    /// Whether a user belongs to a tenant, for tokens ([`AuthState::with_tenant_check`]).
    tenant_check: Option<Arc<TenantCheckFn>>,
    /// CRUD write transactions admitted at once ([`Writers`]).
    pub(crate) writers: Writers,
    /// What goes with a deleted account ([`AuthState::with_account_removal`]).
    pub(crate) removals: Vec<Arc<dyn super::removal::AccountRemoval>>,
    /// The passkeys' relying party ([`AuthState::with_passkeys`]); none: no passkey routes.
    pub(crate) passkeys: Option<crate::config::passkeys::PasskeyConfig>,
    /// Sign-in with providers ([`AuthState::with_oauth`]); none: no provider routes.
    pub(crate) oauth: Option<Arc<super::oauth::runtime::OAuth>>,
    /// Each access token's session checked, the answer kept this long
    /// ([`AuthState::with_session_check`]); none: tokens are trusted until they expire.
    pub(crate) session_check:
        Option<(std::time::Duration, Arc<crate::ttl_cache::TtlCache<String>>)>,
}

/// A replacement (or complement) for the built-in credential check: API keys, an external
/// identity provider. Return `Ok(Some(user))` to authenticate the request as `user`, `Ok(None)`
/// to fall back to the built-in bearer/cookie token, `Err` to refuse. The user's claims are a
/// map, read as the `C` of each `CurrentUser<C>` like a token's; with typed claims, build
/// `CurrentUser<MyClaims>` and return it [`into_untyped`](CurrentUser::into_untyped).
///
/// # Examples
/// ```
/// use std::{future::Future, pin::Pin};
/// use access_axum::{ApiError, AuthState, Authenticator, CurrentUser};
/// use axum::http::request::Parts;
///
/// struct ApiKeys;
///
/// impl Authenticator for ApiKeys {
///     fn authenticate<'a>(&'a self, parts: &'a Parts, _state: &'a AuthState)
///         -> Pin<Box<dyn Future<Output = Result<Option<CurrentUser>, ApiError>> + Send + 'a>> {
///         Box::pin(async move {
///             match parts.headers.get("x-api-key") {
///                 None => Ok(None), // no key: the bearer or cookie token decides
///                 Some(_key) => Err(ApiError::unauthenticated()), // look the key up here
///             }
///         })
///     }
/// }
/// ```
pub trait Authenticator: Send + Sync + 'static {
    /// Authenticates the request (see the trait's example for an implementation).
    ///
    /// ```
    /// use access_axum::{ApiError, AuthState, Authenticator, CurrentUser};
    /// use axum::http::request::Parts;
    /// // Two checks in turn: `Ok(None)` from the first hands over to the second.
    /// async fn either(a: &dyn Authenticator, b: &dyn Authenticator, parts: &Parts, state: &AuthState)
    ///     -> Result<Option<CurrentUser>, ApiError> {
    ///     match a.authenticate(parts, state).await? {
    ///         Some(user) => Ok(Some(user)),
    ///         None => b.authenticate(parts, state).await,
    ///     }
    /// }
    /// ```
    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
        state: &'a AuthState,
    ) -> Pin<Box<dyn Future<Output = Result<Option<CurrentUser>, ApiError>> + Send + 'a>>;
}

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AuthState {
    /// State over `db` (run [`crate::migrate`] first).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(config: access_axum::AuthConfig) -> Result<(), sea_orm::DbErr> {
    /// let db = sea_orm::Database::connect("sqlite://app.db?mode=rwc").await?;
    /// access_axum::migrate(&db).await?;
    /// let state = access_axum::AuthState::new(db, config);
    /// # Ok(()) }
    /// ```
    pub fn new(db: DatabaseConnection, config: AuthConfig) -> Self {
        let passwords = Passwords::new(&config);
        let validation = Arc::new(tokens::validation(&config));
        Self {
            writers: Writers::for_database(&db),
            db,
            config: Arc::new(config),
            mailer: Arc::new(NoMailer),
            passwords,
            validation,
            authenticator: None,
            claims: None,
            async_claims: None,
            tenant_check: None,
            removals: Vec::new(),
            passkeys: None,
            oauth: None,
            session_check: None,
        }
    }

    /// Adds what `DELETE /auth/me` removes with an account (or refuses to remove it for),
    /// in the deletion's transaction. [`App::orgs`](crate::App::orgs) adds the memberships.
    ///
    /// # Examples
    /// ```
    /// use access_axum::{AuthState, auth::AccountRemoval};
    /// fn with_notes(state: AuthState, notes: impl AccountRemoval) -> AuthState {
    ///     state.with_account_removal(notes)
    /// }
    /// ```
    #[must_use]
    pub fn with_account_removal(mut self, removal: impl super::removal::AccountRemoval) -> Self {
        self.removals.push(Arc::new(removal));
        self
    }

    /// Checks that a user still belongs to the tenant a token would carry (at login, at each
    /// refresh and at a tenant switch): a user removed from an organization gets tokens without
    /// it from the next refresh on. [`App::orgs`](crate::App::orgs) installs one that asks the
    /// store for the user's roles on the tenant.
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthState;
    /// fn only_acme(state: AuthState) -> AuthState {
    ///     state.with_tenant_check(|_user: i64, tenant: String| async move { tenant == "acme" })
    /// }
    /// ```
    #[must_use]
    pub fn with_tenant_check<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(i64, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.tenant_check = Some(Arc::new(
            move |u, t| -> Pin<Box<dyn Future<Output = bool> + Send>> { Box::pin(f(u, t)) },
        ));
        self
    }

    /// Whether `user` belongs to `tenant` (always, without a check).
    pub(crate) async fn in_tenant(&self, user: i64, tenant: &str) -> bool {
        match &self.tenant_check {
            Some(f) => f(user, tenant.to_owned()).await,
            None => true,
        }
    }

    /// Admits at most `writers.limit()` CRUD write transactions at once (default
    /// [`Writers::for_database`]: 1 on SQLite, 4 otherwise). Keep it at most half the pool's
    /// connections: a write's rules read the engine's store through the same pool.
    ///
    /// # Examples
    /// ```
    /// use access_axum::{AuthState, db::Writers};
    /// fn for_a_pool_of_32(state: AuthState) -> AuthState {
    ///     state.with_writers(Writers::new(16))
    /// }
    /// ```
    #[must_use]
    pub fn with_writers(mut self, writers: Writers) -> Self {
        self.writers = writers;
        self
    }

    /// With a custom credential check, tried before the built-in token check.
    ///
    /// # Examples
    /// ```
    /// use access_axum::{AuthState, Authenticator};
    /// fn with_api_keys(state: AuthState, keys: impl Authenticator) -> AuthState {
    ///     state.with_authenticator(keys) // see `Authenticator`'s example
    /// }
    /// ```
    #[must_use]
    pub fn with_authenticator(mut self, a: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(a));
        self
    }

    /// With extra claims from the user row in every access token (they come back in
    /// [`CurrentUser::claims`]): any type that serializes to a JSON object (a struct, a map).
    /// Registered claims (`sub`, `roles`, ..) cannot be overridden.
    ///
    /// Handlers read them as `CurrentUser<C>` with a `C` they deserialize into (the same type,
    /// typically); the types are not tied: a token whose claims do not fit the `C` of a handler
    /// is refused with 401 like an invalid token (and logged, naming `C`). A value that does not
    /// serialize to an object is logged and adds no claims.
    ///
    /// # Examples
    /// ```
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Account { verified: bool }
    ///
    /// fn with_account(state: access_axum::AuthState) -> access_axum::AuthState {
    ///     state.with_claims(|user| Account { verified: user.email_verified })
    /// }
    /// async fn hello(user: access_axum::CurrentUser<Account>) -> String {
    ///     format!("verified: {}", user.claims.verified)
    /// }
    /// ```
    #[must_use]
    pub fn with_claims<C: Serialize>(
        mut self,
        f: impl Fn(&user::Model) -> C + Send + Sync + 'static,
    ) -> Self {
        self.claims = Some(Arc::new(move |u: &user::Model| object_or_log(&f(u))));
        self
    }

    /// With extra claims computed asynchronously at each token issue (login, refresh), for
    /// claims that need the stores, such as the user's access set
    /// ([`crate::authz::Authz::access_set_claims`]). Any type that serializes to a JSON object,
    /// as for [`with_claims`](Self::with_claims); the claims of both are merged.
    ///
    /// # Examples
    /// ```
    /// fn with_greeting(state: access_axum::AuthState) -> access_axum::AuthState {
    ///     state.with_async_claims(|user| async move {
    ///         serde_json::Map::from_iter([("greeting".to_owned(), format!("hello, user {}", user.id).into())])
    ///     })
    /// }
    /// ```
    #[must_use]
    pub fn with_async_claims<F, Fut, C>(mut self, f: F) -> Self
    where
        F: Fn(user::Model) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = C> + Send + 'static,
        C: Serialize + Send + 'static,
    {
        self.async_claims = Some(Arc::new(
            move |u| -> Pin<Box<dyn Future<Output = Extra> + Send>> {
                let fut = f(u);
                Box::pin(async move { object_or_log(&fut.await) })
            },
        ));
        self
    }

    /// With passkeys (WebAuthn) for the relying party `config` describes: mounts
    /// `/auth/passkeys/...` (register, list, delete, sign in). Deleting an account removes its
    /// passkeys. See `docs/passkeys.md`.
    ///
    /// # Examples
    /// ```
    /// use access_axum::{AuthState, auth::PasskeyConfig};
    /// fn with_passkeys(state: AuthState) -> Result<AuthState, access_axum::ConfigError> {
    ///     let config = PasskeyConfig::new("example.com", "Example", "https://app.example.com")?;
    ///     Ok(state.with_passkeys(config)) // or PasskeyConfig::from_env()?
    /// }
    /// ```
    #[must_use]
    pub fn with_passkeys(mut self, config: crate::config::passkeys::PasskeyConfig) -> Self {
        self.passkeys = Some(config);
        self
    }

    /// With sign-in through the providers `config` names (OpenID Connect by issuer; Google,
    /// GitHub, Discord): mounts `/auth/oauth/...` (start, callback, linked accounts). Deleting
    /// an account removes its links. See `docs/oauth.md`.
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthState;
    /// use access_axum::auth::{OAuthConfig, OAuthProvider};
    /// fn with_providers(state: AuthState) -> AuthState {
    ///     let config = OAuthConfig::new("https://app.example.com")
    ///         .provider(OAuthProvider::google("client-id", "client-secret"));
    ///     state.with_oauth(config) // or OAuthConfig::from_env()?
    /// }
    /// ```
    #[must_use]
    pub fn with_oauth(mut self, config: crate::config::oauth::OAuthConfig) -> Self {
        self.oauth = Some(super::oauth::runtime::OAuth::new(config));
        self
    }

    /// Checks each request's access token against its session: a token whose session was
    /// revoked (logout, `DELETE sessions/{id}`, a password change, an admin's revocation) or
    /// has expired is refused at once (401) instead of working until it expires. The answer
    /// per session is kept for `ttl` (zero: every request reads the database), so a revocation
    /// takes effect within `ttl` on every instance. Off by default: tokens are stateless.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// fn with_revocation(state: access_axum::AuthState) -> access_axum::AuthState {
    ///     state.with_session_check(Duration::from_secs(5))
    /// }
    /// ```
    #[must_use]
    pub fn with_session_check(mut self, ttl: std::time::Duration) -> Self {
        self.session_check = Some((ttl, Arc::default()));
        self
    }

    /// With a mailer for verification and reset messages.
    ///
    /// # Examples
    /// ```
    /// fn quiet(state: access_axum::AuthState) -> access_axum::AuthState {
    ///     state.with_mailer(access_axum::NoMailer) // implement `Mailer` with your provider
    /// }
    /// ```
    #[must_use]
    pub fn with_mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Arc::new(mailer);
        self
    }

    /// The argon2 verifications this state ran, by the parameters they ran with: what the
    /// login timing test checks (an unknown account costs the same verification as a known one).
    #[doc(hidden)]
    pub fn password_verifications(&self) -> Vec<(Argon2Params, u64)> {
        self.passwords.verifications()
    }

    /// The custom claims of `u` ([`with_claims`](Self::with_claims), then
    /// [`with_async_claims`](Self::with_async_claims)), without the registered ones.
    pub(super) async fn custom_claims(&self, u: &user::Model) -> Extra {
        let mut extra = self.claims.as_ref().map(|f| f(u)).unwrap_or_default();
        if let Some(f) = &self.async_claims {
            extra.extend(f(u.clone()).await);
        }
        for k in tokens::REGISTERED {
            extra.remove(k);
        }
        extra
    }
}

/// `claims` as a JSON map; a value that does not serialize to one is logged and adds nothing.
fn object_or_log<C: Serialize>(claims: &C) -> Extra {
    claims_map(claims).unwrap_or_else(|e| {
        tracing::error!(
            target: "access::auth",
            claims_type = std::any::type_name::<C>(),
            error = %e,
            "custom claims left out of the token"
        );
        Extra::new()
    })
}
