//! The authentication endpoints, extractors and their protections.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{
    ConnectInfo, FromRequestParts, OptionalFromRequestParts, Path, Request, State,
};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::{AuthConfig, LoginIdentifier, RateLimit, SameSite, TokenTransport};
use crate::db::{NewUser, UserChange, one_time_token, rate_limit, refresh_token, session, user};
use crate::error::{ApiError, JsonBody};
use crate::secret::{self, Claims, Verified};

/// What the application sends to users (email verification, password reset). Implement it with
/// your mail provider; the token goes into a link to your front end.
///
/// # Examples
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
/// # opts.max_connections(1);
/// # let db = sea_orm::Database::connect(opts).await.unwrap();
/// # access_axum::migrate(&db).await.unwrap();
/// # // A literal secret and cheap hashing, for the example only.
/// # let config = access_axum::AuthConfig::builder()
/// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
/// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
/// #     .build()
/// #     .unwrap();
/// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
/// #     use tower::ServiceExt as _;
/// #     let res = app.clone().oneshot(req).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
/// #     (status, body)
/// # }
/// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
/// # }
/// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
/// # }
/// # async fn sign_up(app: &axum::Router, email: &str) -> String {
/// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
/// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
/// #     body["access_token"].as_str().unwrap().to_owned()
/// # }
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::sync::{Arc, Mutex};
/// use access_axum::Mailer;
/// use access_axum::AuthState;
///
/// /// Keeps what would be sent (a real mailer calls its provider inside the future).
/// #[derive(Clone, Default)]
/// struct Outbox(Arc<Mutex<Vec<(&'static str, String, String)>>>);
///
/// impl Mailer for Outbox {
///     fn send(&self, kind: &'static str, email: &str, token: &str) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
///         self.0.lock().unwrap().push((kind, email.to_owned(), token.to_owned()));
///         Box::pin(async {})
///     }
/// }
///
/// let outbox = Outbox::default();
/// let state = AuthState::new(db, config).with_mailer(outbox.clone());
/// let app: axum::Router = state.router();
/// sign_up(&app, "ada@example.com").await;
/// // Registering sent a verification token.
/// let sent = outbox.0.lock().unwrap().clone();
/// assert_eq!(sent.len(), 1);
/// assert_eq!((sent[0].0, sent[0].1.as_str()), ("verify", "ada@example.com"));
/// # });
/// ```
pub trait Mailer: Send + Sync + 'static {
    /// Sends `token` of `kind` (`verify` or `reset`) to `email`.
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::future::Future;
    /// use std::pin::Pin;
    /// use std::sync::{Arc, Mutex};
    /// use access_axum::Mailer;
    ///
    /// /// Keeps what would be sent (a real mailer calls its provider inside the future).
    /// #[derive(Clone, Default)]
    /// struct Outbox(Arc<Mutex<Vec<(&'static str, String, String)>>>);
    ///
    /// impl Mailer for Outbox {
    ///     fn send(&self, kind: &'static str, email: &str, token: &str) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    ///         self.0.lock().unwrap().push((kind, email.to_owned(), token.to_owned()));
    ///         Box::pin(async {})
    ///     }
    /// }
    ///
    /// let outbox = Outbox::default();
    /// outbox.send("reset", "ada@example.com", "tok3n").await;
    /// assert_eq!(outbox.0.lock().unwrap()[0], ("reset", "ada@example.com".to_owned(), "tok3n".to_owned()));
    /// # });
    /// ```
    fn send(
        &self,
        kind: &'static str,
        email: &str,
        token: &str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// A mailer that sends nothing (logs that it would have).
///
/// # Examples
/// ```
/// use std::task::{Context, Poll, Waker};
/// use access_axum::{Mailer, NoMailer};
/// // The default mailer of `AuthState`: done at once, nothing sent.
/// let mut sending = NoMailer.send("verify", "ada@example.com", "tok3n");
/// assert_eq!(sending.as_mut().poll(&mut Context::from_waker(Waker::noop())), Poll::Ready(()));
/// ```
#[derive(Debug, Default)]
pub struct NoMailer;

impl Mailer for NoMailer {
    fn send(
        &self,
        kind: &'static str,
        _email: &str,
        _token: &str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        tracing::info!(kind, "no mailer configured: message not sent");
        Box::pin(async {})
    }
}

/// Shared state of the auth endpoints and extractors.
///
/// # Examples
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
/// # opts.max_connections(1);
/// # let db = sea_orm::Database::connect(opts).await.unwrap();
/// # access_axum::migrate(&db).await.unwrap();
/// # // A literal secret and cheap hashing, for the example only.
/// # let config = access_axum::AuthConfig::builder()
/// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
/// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
/// #     .build()
/// #     .unwrap();
/// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
/// #     use tower::ServiceExt as _;
/// #     let res = app.clone().oneshot(req).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
/// #     (status, body)
/// # }
/// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
/// # }
/// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
/// # }
/// # async fn sign_up(app: &axum::Router, email: &str) -> String {
/// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
/// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
/// #     body["access_token"].as_str().unwrap().to_owned()
/// # }
/// use access_axum::AuthState;
/// use serde_json::json;
/// let state = AuthState::new(db, config); // the database is migrated
/// let app: axum::Router = state.router();
/// let credentials = json!({ "email": "ada@example.com", "password": "correct horse battery" });
/// let (status, body) = call(&app, post_json("/auth/register", credentials)).await;
/// assert_eq!(status, 201);
/// let token = body["access_token"].as_str().unwrap();
/// let (status, me) = call(&app, get_bearer("/auth/me", token)).await;
/// assert_eq!(status, 200);
/// assert_eq!(me["email"], "ada@example.com");
/// # });
/// ```
#[derive(Clone)]
pub struct AuthState {
    /// The database.
    pub db: DatabaseConnection,
    /// The configuration.
    pub config: Arc<AuthConfig>,
    mailer: Arc<dyn Mailer>,
    dummy_hash: Arc<String>,
    /// Token validation rules, built once (every request uses them).
    validation: Arc<jsonwebtoken::Validation>,
    authenticator: Option<Arc<dyn Authenticator>>,
    claims: Option<Arc<CustomClaims>>,
    async_claims: Option<Arc<AsyncClaims>>,
}

/// Extra claims put in every access token, computed from the user row.
pub type CustomClaims =
    dyn Fn(&user::Model) -> serde_json::Map<String, serde_json::Value> + Send + Sync;

/// Extra claims computed asynchronously (from the stores) at each token issue.
pub type AsyncClaims = dyn Fn(
        user::Model,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = serde_json::Map<String, serde_json::Value>> + Send>,
    > + Send
    + Sync;

/// A replacement (or complement) for the built-in credential check: API keys, an external
/// identity provider. Return `Ok(Some(user))` to authenticate the request as `user`, `Ok(None)`
/// to fall back to the built-in bearer/cookie token, `Err` to refuse.
///
/// # Examples
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
/// # opts.max_connections(1);
/// # let db = sea_orm::Database::connect(opts).await.unwrap();
/// # access_axum::migrate(&db).await.unwrap();
/// # // A literal secret and cheap hashing, for the example only.
/// # let config = access_axum::AuthConfig::builder()
/// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
/// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
/// #     .build()
/// #     .unwrap();
/// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
/// #     use tower::ServiceExt as _;
/// #     let res = app.clone().oneshot(req).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
/// #     (status, body)
/// # }
/// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
/// # }
/// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
/// # }
/// # async fn sign_up(app: &axum::Router, email: &str) -> String {
/// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
/// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
/// #     body["access_token"].as_str().unwrap().to_owned()
/// # }
/// use std::future::Future;
/// use std::pin::Pin;
/// use access_axum::{ApiError, AuthState, Authenticator, CurrentUser};
/// use axum::http::StatusCode;
/// use axum::http::request::Parts;
/// use axum::Router;
/// use axum::routing::get;
///
/// struct ApiKeys;
///
/// impl Authenticator for ApiKeys {
///     fn authenticate<'a>(
///         &'a self,
///         parts: &'a Parts,
///         _state: &'a AuthState,
///     ) -> Pin<Box<dyn Future<Output = Result<Option<CurrentUser>, ApiError>> + Send + 'a>> {
///         Box::pin(async move {
///             match parts.headers.get("x-api-key").map(|v| v.as_bytes()) {
///                 // No key: fall back to the bearer or cookie token.
///                 None => Ok(None),
///                 Some(b"key-of-user-7") => Ok(Some(CurrentUser {
///                     id: 7,
///                     session_id: "api-key".into(),
///                     roles: vec![],
///                     tenant: None,
///                     superuser: false,
///                     issued_at: 0,
///                     via_cookie: false,
///                     claims: Default::default(),
///                 })),
///                 Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_api_key", "unknown API key")),
///             }
///         })
///     }
/// }
///
/// let state = AuthState::new(db, config).with_authenticator(ApiKeys);
/// let app: Router = Router::new()
///     .route("/whoami", get(|user: CurrentUser| async move { format!("user {}", user.id) }))
///     .with_state(state);
/// let with_key = |key: &str| axum::http::Request::get("/whoami").header("x-api-key", key).body(axum::body::Body::empty()).unwrap();
/// assert_eq!(call(&app, with_key("key-of-user-7")).await.1, "user 7");
/// let (status, body) = call(&app, with_key("stolen")).await;
/// assert_eq!((status.as_u16(), body["error"].as_str()), (401, Some("invalid_api_key")));
/// # });
/// ```
pub trait Authenticator: Send + Sync + 'static {
    /// Authenticates the request.
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
    /// # opts.max_connections(1);
    /// # let db = sea_orm::Database::connect(opts).await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// # // A literal secret and cheap hashing, for the example only.
    /// # let config = access_axum::AuthConfig::builder()
    /// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
    /// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
    /// #     .build()
    /// #     .unwrap();
    /// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
    /// #     use tower::ServiceExt as _;
    /// #     let res = app.clone().oneshot(req).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
    /// #     (status, body)
    /// # }
    /// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
    /// # }
    /// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
    /// # }
    /// # async fn sign_up(app: &axum::Router, email: &str) -> String {
    /// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
    /// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
    /// #     body["access_token"].as_str().unwrap().to_owned()
    /// # }
    /// use std::future::Future;
    /// use std::pin::Pin;
    /// use access_axum::{ApiError, AuthState, Authenticator, CurrentUser};
    /// use axum::http::StatusCode;
    /// use axum::http::request::Parts;
    /// use axum::http::Request;
    /// # struct ApiKeys;
    /// #
    /// # impl Authenticator for ApiKeys {
    /// #     fn authenticate<'a>(
    /// #         &'a self,
    /// #         parts: &'a Parts,
    /// #         _state: &'a AuthState,
    /// #     ) -> Pin<Box<dyn Future<Output = Result<Option<CurrentUser>, ApiError>> + Send + 'a>> {
    /// #         Box::pin(async move {
    /// #             match parts.headers.get("x-api-key").map(|v| v.as_bytes()) {
    /// #                 // No key: fall back to the bearer or cookie token.
    /// #                 None => Ok(None),
    /// #                 Some(b"key-of-user-7") => Ok(Some(CurrentUser {
    /// #                     id: 7,
    /// #                     session_id: "api-key".into(),
    /// #                     roles: vec![],
    /// #                     tenant: None,
    /// #                     superuser: false,
    /// #                     issued_at: 0,
    /// #                     via_cookie: false,
    /// #                     claims: Default::default(),
    /// #                 })),
    /// #                 Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_api_key", "unknown API key")),
    /// #             }
    /// #         })
    /// #     }
    /// # }
    /// let state = AuthState::new(db, config);
    /// let (with_key, ()) = Request::get("/").header("x-api-key", "key-of-user-7").body(()).unwrap().into_parts();
    /// assert_eq!(ApiKeys.authenticate(&with_key, &state).await.unwrap().unwrap().id, 7);
    /// let (without, ()) = Request::get("/").body(()).unwrap().into_parts();
    /// assert!(ApiKeys.authenticate(&without, &state).await.unwrap().is_none());
    /// # });
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
    /// State over `db` (run [`crate::db::migrate`] first).
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # // A literal secret and cheap hashing, for the example only.
    /// # let config = access_axum::AuthConfig::builder()
    /// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
    /// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
    /// #     .build()
    /// #     .unwrap();
    /// use access_axum::{AuthState, db};
    /// let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
    /// opts.max_connections(1); // one connection: one in-memory database
    /// let db = sea_orm::Database::connect(opts).await.unwrap();
    /// access_axum::migrate(&db).await.unwrap();
    /// let state = AuthState::new(db, config);
    /// assert_eq!(state.config.base_path, "/auth");
    /// assert_eq!(state.config.users.by_id(&state.db, 1).await.unwrap(), None);
    /// # });
    /// ```
    pub fn new(db: DatabaseConnection, config: AuthConfig) -> Self {
        let dummy = secret::dummy_hash(config.argon2);
        let validation = Arc::new(secret::validation(&config));
        Self {
            db,
            config: Arc::new(config),
            mailer: Arc::new(NoMailer),
            dummy_hash: Arc::new(dummy),
            validation,
            authenticator: None,
            claims: None,
            async_claims: None,
        }
    }
    /// With a custom credential check, tried before the built-in token check.
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
    /// # opts.max_connections(1);
    /// # let db = sea_orm::Database::connect(opts).await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// # // A literal secret and cheap hashing, for the example only.
    /// # let config = access_axum::AuthConfig::builder()
    /// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
    /// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
    /// #     .build()
    /// #     .unwrap();
    /// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
    /// #     use tower::ServiceExt as _;
    /// #     let res = app.clone().oneshot(req).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
    /// #     (status, body)
    /// # }
    /// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
    /// # }
    /// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
    /// # }
    /// # async fn sign_up(app: &axum::Router, email: &str) -> String {
    /// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
    /// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
    /// #     body["access_token"].as_str().unwrap().to_owned()
    /// # }
    /// use std::future::Future;
    /// use std::pin::Pin;
    /// use access_axum::{ApiError, AuthState, Authenticator, CurrentUser};
    /// use axum::http::StatusCode;
    /// use axum::http::request::Parts;
    /// use axum::Router;
    /// use axum::routing::get;
    /// # struct ApiKeys;
    /// #
    /// # impl Authenticator for ApiKeys {
    /// #     fn authenticate<'a>(
    /// #         &'a self,
    /// #         parts: &'a Parts,
    /// #         _state: &'a AuthState,
    /// #     ) -> Pin<Box<dyn Future<Output = Result<Option<CurrentUser>, ApiError>> + Send + 'a>> {
    /// #         Box::pin(async move {
    /// #             match parts.headers.get("x-api-key").map(|v| v.as_bytes()) {
    /// #                 // No key: fall back to the bearer or cookie token.
    /// #                 None => Ok(None),
    /// #                 Some(b"key-of-user-7") => Ok(Some(CurrentUser {
    /// #                     id: 7,
    /// #                     session_id: "api-key".into(),
    /// #                     roles: vec![],
    /// #                     tenant: None,
    /// #                     superuser: false,
    /// #                     issued_at: 0,
    /// #                     via_cookie: false,
    /// #                     claims: Default::default(),
    /// #                 })),
    /// #                 Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_api_key", "unknown API key")),
    /// #             }
    /// #         })
    /// #     }
    /// # }
    /// let state = AuthState::new(db, config).with_authenticator(ApiKeys);
    /// let whoami: Router = Router::new()
    ///     .route("/whoami", get(|user: CurrentUser| async move { format!("user {}", user.id) }))
    ///     .with_state(state.clone());
    /// let app: Router = state.router().merge(whoami);
    /// // An API key authenticates...
    /// let req = axum::http::Request::get("/whoami").header("x-api-key", "key-of-user-7").body(axum::body::Body::empty()).unwrap();
    /// assert_eq!(call(&app, req).await.1, "user 7");
    /// // ...and without one, the usual token still does.
    /// let token = sign_up(&app, "ada@example.com").await;
    /// assert_eq!(call(&app, get_bearer("/whoami", &token)).await.1, "user 1");
    /// # });
    /// ```
    #[must_use]
    pub fn with_authenticator(mut self, a: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(a));
        self
    }
    /// With extra claims from the user row in every access token (they come back in
    /// [`CurrentUser::claims`]).
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
    /// # opts.max_connections(1);
    /// # let db = sea_orm::Database::connect(opts).await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// # // A literal secret and cheap hashing, for the example only.
    /// # let config = access_axum::AuthConfig::builder()
    /// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
    /// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
    /// #     .build()
    /// #     .unwrap();
    /// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
    /// #     use tower::ServiceExt as _;
    /// #     let res = app.clone().oneshot(req).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
    /// #     (status, body)
    /// # }
    /// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
    /// # }
    /// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
    /// # }
    /// # async fn sign_up(app: &axum::Router, email: &str) -> String {
    /// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
    /// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
    /// #     body["access_token"].as_str().unwrap().to_owned()
    /// # }
    /// use access_axum::{AuthState, CurrentUser};
    /// use axum::routing::get;
    /// use axum::{Json, Router};
    /// let state = AuthState::new(db, config).with_claims(|user| {
    ///     let mut claims = serde_json::Map::new();
    ///     claims.insert("plan".into(), "pro".into());
    ///     claims.insert("verified".into(), user.email_verified.into());
    ///     claims
    /// });
    /// let claims: Router = Router::new()
    ///     .route("/claims", get(|user: CurrentUser| async move { Json(user.claims) }))
    ///     .with_state(state.clone());
    /// let app: Router = state.router().merge(claims);
    /// let token = sign_up(&app, "ada@example.com").await;
    /// let (_, body) = call(&app, get_bearer("/claims", &token)).await;
    /// assert_eq!(body, serde_json::json!({ "plan": "pro", "verified": false }));
    /// # });
    /// ```
    #[must_use]
    pub fn with_claims(
        mut self,
        f: impl Fn(&user::Model) -> serde_json::Map<String, serde_json::Value> + Send + Sync + 'static,
    ) -> Self {
        self.claims = Some(Arc::new(f));
        self
    }
    /// With extra claims computed asynchronously at each token issue (login, refresh), for
    /// claims that need the stores, such as the user's access set
    /// ([`crate::authz::Authz::access_set_claims`]).
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
    /// # opts.max_connections(1);
    /// # let db = sea_orm::Database::connect(opts).await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// # // A literal secret and cheap hashing, for the example only.
    /// # let config = access_axum::AuthConfig::builder()
    /// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
    /// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
    /// #     .build()
    /// #     .unwrap();
    /// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
    /// #     use tower::ServiceExt as _;
    /// #     let res = app.clone().oneshot(req).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
    /// #     (status, body)
    /// # }
    /// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
    /// # }
    /// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
    /// # }
    /// # async fn sign_up(app: &axum::Router, email: &str) -> String {
    /// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
    /// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
    /// #     body["access_token"].as_str().unwrap().to_owned()
    /// # }
    /// use access_axum::{AuthState, CurrentUser};
    /// use axum::routing::get;
    /// use axum::{Json, Router};
    /// let state = AuthState::new(db, config).with_async_claims(|user| async move {
    ///     // Look things up here (stores, other services).
    ///     let mut claims = serde_json::Map::new();
    ///     claims.insert("greeting".into(), format!("hello, user {}", user.id).into());
    ///     claims
    /// });
    /// let claims: Router = Router::new()
    ///     .route("/claims", get(|user: CurrentUser| async move { Json(user.claims) }))
    ///     .with_state(state.clone());
    /// let app: Router = state.router().merge(claims);
    /// let token = sign_up(&app, "ada@example.com").await;
    /// let (_, body) = call(&app, get_bearer("/claims", &token)).await;
    /// assert_eq!(body["greeting"], "hello, user 1");
    /// # });
    /// ```
    #[must_use]
    pub fn with_async_claims<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(user::Model) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = serde_json::Map<String, serde_json::Value>>
            + Send
            + 'static,
    {
        self.async_claims = Some(Arc::new(move |u| Box::pin(f(u))));
        self
    }
    /// A route layer that refuses requests without valid credentials (401) and puts the
    /// [`CurrentUser`] in the request's extensions.
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
    /// # opts.max_connections(1);
    /// # let db = sea_orm::Database::connect(opts).await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// # // A literal secret and cheap hashing, for the example only.
    /// # let config = access_axum::AuthConfig::builder()
    /// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
    /// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
    /// #     .build()
    /// #     .unwrap();
    /// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
    /// #     use tower::ServiceExt as _;
    /// #     let res = app.clone().oneshot(req).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
    /// #     (status, body)
    /// # }
    /// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
    /// # }
    /// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
    /// # }
    /// # async fn sign_up(app: &axum::Router, email: &str) -> String {
    /// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
    /// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
    /// #     body["access_token"].as_str().unwrap().to_owned()
    /// # }
    /// use access_axum::{AuthState, CurrentUser};
    /// use axum::routing::get;
    /// use axum::{Extension, Router};
    /// let state = AuthState::new(db, config);
    /// async fn report(Extension(user): Extension<CurrentUser>) -> String {
    ///     format!("report for user {}", user.id)
    /// }
    /// let app: Router = Router::new()
    ///     .route("/report", get(report))
    ///     .route_layer(state.require_authenticated())
    ///     .merge(state.router());
    /// let anonymous = axum::http::Request::get("/report").body(axum::body::Body::empty()).unwrap();
    /// assert_eq!(call(&app, anonymous).await.0, 401);
    /// let token = sign_up(&app, "ada@example.com").await;
    /// assert_eq!(call(&app, get_bearer("/report", &token)).await.1, "report for user 1");
    /// # });
    /// ```
    pub fn require_authenticated(&self) -> AuthenticatedLayer {
        axum::middleware::from_fn_with_state(self.clone(), authenticated_layer)
    }
    /// With a mailer for verification and reset messages.
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
    /// # opts.max_connections(1);
    /// # let db = sea_orm::Database::connect(opts).await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// # // A literal secret and cheap hashing, for the example only.
    /// # let config = access_axum::AuthConfig::builder()
    /// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
    /// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
    /// #     .build()
    /// #     .unwrap();
    /// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
    /// #     use tower::ServiceExt as _;
    /// #     let res = app.clone().oneshot(req).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
    /// #     (status, body)
    /// # }
    /// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
    /// # }
    /// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
    /// # }
    /// # async fn sign_up(app: &axum::Router, email: &str) -> String {
    /// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
    /// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
    /// #     body["access_token"].as_str().unwrap().to_owned()
    /// # }
    /// use std::future::Future;
    /// use std::pin::Pin;
    /// use std::sync::{Arc, Mutex};
    /// use access_axum::Mailer;
    /// use access_axum::AuthState;
    /// # /// Keeps what would be sent (a real mailer calls its provider inside the future).
    /// # #[derive(Clone, Default)]
    /// # struct Outbox(Arc<Mutex<Vec<(&'static str, String, String)>>>);
    /// #
    /// # impl Mailer for Outbox {
    /// #     fn send(&self, kind: &'static str, email: &str, token: &str) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    /// #         self.0.lock().unwrap().push((kind, email.to_owned(), token.to_owned()));
    /// #         Box::pin(async {})
    /// #     }
    /// # }
    /// let outbox = Outbox::default();
    /// let state = AuthState::new(db, config).with_mailer(outbox.clone());
    /// let app: axum::Router = state.router();
    /// let token = sign_up(&app, "ada@example.com").await;
    /// // The user follows the link with the mailed token.
    /// let mailed = outbox.0.lock().unwrap()[0].2.clone();
    /// let (status, _) = call(&app, post_json("/auth/verify-email", serde_json::json!({ "token": mailed }))).await;
    /// assert_eq!(status, 200);
    /// let (_, me) = call(&app, get_bearer("/auth/me", &token)).await;
    /// assert_eq!(me["email_verified"], true);
    /// # });
    /// ```
    #[must_use]
    pub fn with_mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Arc::new(mailer);
        self
    }

    /// The router of the endpoints, under the configured base path, with `Cache-Control:
    /// no-store` and the body limit.
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
    /// # opts.max_connections(1);
    /// # let db = sea_orm::Database::connect(opts).await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// # // A literal secret and cheap hashing, for the example only.
    /// # let config = access_axum::AuthConfig::builder()
    /// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
    /// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
    /// #     .build()
    /// #     .unwrap();
    /// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
    /// #     use tower::ServiceExt as _;
    /// #     let res = app.clone().oneshot(req).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
    /// #     (status, body)
    /// # }
    /// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
    /// # }
    /// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    /// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
    /// # }
    /// # async fn sign_up(app: &axum::Router, email: &str) -> String {
    /// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
    /// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
    /// #     body["access_token"].as_str().unwrap().to_owned()
    /// # }
    /// use access_axum::AuthState;
    /// use serde_json::json;
    /// let state = AuthState::new(db, config);
    /// let app: axum::Router = state.router();
    /// let credentials = json!({ "email": "ada@example.com", "password": "correct horse battery" });
    /// let (status, _) = call(&app, post_json("/auth/register", credentials)).await;
    /// assert_eq!(status, 201);
    /// let login = json!({ "identifier": "ada@example.com", "password": "correct horse battery" });
    /// let (status, tokens) = call(&app, post_json("/auth/login", login)).await;
    /// assert_eq!(status, 200);
    /// assert_eq!(tokens["token_type"], "Bearer");
    /// // Exchange the refresh token for new ones (the old one is rotated out).
    /// let refresh = json!({ "refresh_token": tokens["refresh_token"] });
    /// let (status, renewed) = call(&app, post_json("/auth/refresh", refresh)).await;
    /// assert_eq!(status, 200);
    /// assert_ne!(renewed["refresh_token"], tokens["refresh_token"]);
    /// // Two sessions: the registration's and the login's.
    /// let (_, sessions) = call(&app, get_bearer("/auth/sessions", renewed["access_token"].as_str().unwrap())).await;
    /// assert_eq!(sessions["sessions"].as_array().unwrap().len(), 2);
    /// # });
    /// ```
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let p = &self.config.paths;
        let inner = Router::new()
            .route(&p.register, post(register))
            .route(&p.login, post(login))
            .route(&p.logout, post(logout))
            .route(&p.me, get(me))
            .route(&p.refresh, post(refresh))
            .route(
                &p.sessions,
                get(list_sessions).delete(revoke_other_sessions),
            )
            .route(&format!("{}/{{id}}", p.sessions), delete(revoke_session))
            .route(&p.forgot_password, post(forgot_password))
            .route(&p.reset_password, post(reset_password))
            .route(&p.verify_email, post(verify_email))
            .route(&p.resend_verification, post(resend_verification))
            .route(&p.jwks, get(jwks))
            .layer(axum::extract::DefaultBodyLimit::max(self.config.body_limit))
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .with_state(self.clone());
        Router::new().nest(&self.config.base_path, inner)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The future of the authentication middleware.
pub type MiddlewareFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The middleware function behind [`AuthState::require_authenticated`].
pub type AuthenticatedFn =
    fn(State<AuthState>, Request, axum::middleware::Next) -> MiddlewareFuture;

/// The layer [`AuthState::require_authenticated`] returns.
pub type AuthenticatedLayer =
    axum::middleware::FromFnLayer<AuthenticatedFn, AuthState, (State<AuthState>, Request)>;

fn authenticated_layer(
    State(state): State<AuthState>,
    req: Request,
    next: axum::middleware::Next,
) -> MiddlewareFuture {
    Box::pin(async move {
        let (mut parts, body) = req.into_parts();
        match <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(&mut parts, &state)
            .await
        {
            Ok(user) => {
                parts.extensions.insert(user);
                next.run(Request::from_parts(parts, body)).await
            }
            Err(e) => e.into_response(),
        }
    })
}

/// The authenticated user, from a valid access token (no database call). 401 otherwise.
///
/// # Examples
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
/// # opts.max_connections(1);
/// # let db = sea_orm::Database::connect(opts).await.unwrap();
/// # access_axum::migrate(&db).await.unwrap();
/// # // A literal secret and cheap hashing, for the example only.
/// # let config = access_axum::AuthConfig::builder()
/// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
/// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
/// #     .build()
/// #     .unwrap();
/// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
/// #     use tower::ServiceExt as _;
/// #     let res = app.clone().oneshot(req).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
/// #     (status, body)
/// # }
/// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
/// # }
/// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
/// # }
/// # async fn sign_up(app: &axum::Router, email: &str) -> String {
/// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
/// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
/// #     body["access_token"].as_str().unwrap().to_owned()
/// # }
/// use access_axum::{AuthState, CurrentUser};
/// use axum::Router;
/// use axum::routing::get;
/// async fn whoami(user: CurrentUser) -> String {
///     format!("user {} (cookie: {})", user.id, user.via_cookie)
/// }
/// let state = AuthState::new(db, config);
/// let app: Router = Router::new().route("/whoami", get(whoami)).with_state(state.clone()).merge(state.router());
/// let token = sign_up(&app, "ada@example.com").await;
/// assert_eq!(call(&app, get_bearer("/whoami", &token)).await.1, "user 1 (cookie: false)");
/// let (status, body) = call(&app, get_bearer("/whoami", "not-a-token")).await;
/// assert_eq!((status.as_u16(), body["error"].as_str()), (401, Some("unauthenticated")));
/// # });
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentUser {
    /// The user id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// Global role names.
    pub roles: Vec<String>,
    /// Tenant.
    pub tenant: Option<String>,
    /// Superuser.
    pub superuser: bool,
    /// When the token was issued.
    pub issued_at: i64,
    /// Whether the token came from a cookie (mutations then need the CSRF checks).
    pub via_cookie: bool,
    /// Custom claims ([`AuthState::with_claims`]).
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl CurrentUser {
    /// The user as an `access_core` principal: global roles resolved against `model`, plus the
    /// model's `default_role`, which every signed-in account holds.
    ///
    /// # Examples
    /// ```
    /// use access_axum::CurrentUser;
    /// use access_core::AccessModel as _;
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     roles: [admin, user, guest],
    ///     default_role: guest,
    ///     entity project { roles: [viewer] }
    ///     entitlements { "project:read" on project => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     let user = CurrentUser {
    ///         id: 7,
    ///         session_id: "s1".into(),
    ///         roles: vec!["user".into(), "retired".into()],
    ///         tenant: Some("acme".into()),
    ///         superuser: false,
    ///         issued_at: 0,
    ///         via_cookie: false,
    ///         claims: Default::default(),
    ///     };
    ///     let p = user.principal(Access.data());
    ///     assert_eq!(&*p.id, "7");
    ///     assert_eq!(p.tenant.as_deref(), Some("acme"));
    ///     // `user` is the model's global role 1; `retired` is not in the model and is dropped;
    ///     // `guest` (2) is the default role.
    ///     assert!(p.global_roles.contains(1) && !p.global_roles.contains(0));
    ///     assert!(p.global_roles.contains(2));
    /// }
    /// ```
    pub fn principal(&self, model: &access_core::ModelData) -> access_core::Principal {
        principal_for(
            model,
            self.id,
            self.roles.iter().map(String::as_str),
            self.tenant.as_deref(),
            self.superuser,
        )
    }
}

/// The principal for account `id`: global role names resolved against `model` (unknown ones
/// dropped) plus the model's `default_role`, which every signed-in account holds. Shared by
/// requests ([`CurrentUser::principal`]) and the access-set claim, so both see the same roles.
pub(crate) fn principal_for<'r>(
    model: &access_core::ModelData,
    id: i64,
    roles: impl IntoIterator<Item = &'r str>,
    tenant: Option<&str>,
    superuser: bool,
) -> access_core::Principal {
    let mut p = access_core::Principal::new(id.to_string());
    p.tenant = tenant.map(Into::into);
    p.superuser = superuser;
    for r in roles {
        if let Some(i) = model.global_role_index(r) {
            p.global_roles.insert(usize::from(i));
        }
    }
    if let Some(d) = model.default_role {
        p.global_roles.insert(usize::from(d));
    }
    p
}

/// The token cookie `base` (`access_token`, `refresh_token`) under the configured name, unless
/// the transport is `Body`, where cookies are not read.
pub(crate) fn token_cookie<'h>(
    config: &AuthConfig,
    headers: &'h HeaderMap,
    base: &str,
) -> Option<&'h str> {
    if config.transport == TokenTransport::Body {
        return None;
    }
    cookie_value(headers, &config.cookies.name(base))
}

fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// CSRF defence for cookie-authenticated mutations: a custom header browsers do not send
/// cross-site without a preflight, and an `Origin` (or `Referer`) that is the request's own host
/// or an allowed origin.
fn csrf_ok(config: &AuthConfig, parts: &Parts) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if !parts.headers.contains_key("x-requested-with") {
        return false;
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let origin = parts
        .headers
        .get(header::ORIGIN)
        .or_else(|| parts.headers.get(header::REFERER))
        .and_then(|o| o.to_str().ok());
    match origin {
        // Same-origin requests without Origin (older clients) pass on the custom header alone.
        None => true,
        Some(o) => {
            let authority = o
                .split("://")
                .nth(1)
                .map(|rest| rest.split('/').next().unwrap_or(""));
            authority.is_some_and(|a| Some(a) == host)
                || config
                    .allowed_origins
                    .iter()
                    .any(|allowed| o == allowed || o.starts_with(&format!("{allowed}/")))
        }
    }
}

impl FromRequestParts<AuthState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AuthState) -> Result<Self, ApiError> {
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
            Some(t) => (t.to_owned(), false),
            None => match token_cookie(config, &parts.headers, "access_token") {
                Some(t) => (t.to_owned(), true),
                None => return Err(ApiError::unauthenticated()),
            },
        };
        let claims = secret::verify_with(config, &state.validation, &token)
            .ok_or_else(ApiError::unauthenticated)?;
        let id: i64 = claims
            .sub
            .parse()
            .map_err(|_| ApiError::unauthenticated())?;
        if via_cookie && !csrf_ok(config, parts) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "cookie-authenticated changes need the `X-Requested-With` header and a matching origin",
            ));
        }
        Ok(CurrentUser {
            id,
            session_id: claims.sid,
            roles: claims.roles,
            tenant: claims.tenant,
            superuser: claims.su,
            issued_at: claims.iat,
            via_cookie,
            claims: claims.extra,
        })
    }
}

/// The authenticated user if there is one (a missing or invalid token is `None`).
///
/// # Examples
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
/// # opts.max_connections(1);
/// # let db = sea_orm::Database::connect(opts).await.unwrap();
/// # access_axum::migrate(&db).await.unwrap();
/// # // A literal secret and cheap hashing, for the example only.
/// # let config = access_axum::AuthConfig::builder()
/// #     .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap())
/// #     .argon2(access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
/// #     .build()
/// #     .unwrap();
/// # async fn call(app: &axum::Router, req: axum::http::Request<axum::body::Body>) -> (axum::http::StatusCode, serde_json::Value) {
/// #     use tower::ServiceExt as _;
/// #     let res = app.clone().oneshot(req).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned().into());
/// #     (status, body)
/// # }
/// # fn post_json(uri: &str, body: serde_json::Value) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::post(uri).header("content-type", "application/json").body(body.to_string().into()).unwrap()
/// # }
/// # fn get_bearer(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
/// #     axum::http::Request::get(uri).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()
/// # }
/// # async fn sign_up(app: &axum::Router, email: &str) -> String {
/// #     let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
/// #     let (_, body) = call(app, post_json("/auth/register", body)).await;
/// #     body["access_token"].as_str().unwrap().to_owned()
/// # }
/// use access_axum::{AuthState, MaybeUser};
/// use axum::Router;
/// use axum::routing::get;
/// async fn greet(MaybeUser(user): MaybeUser) -> String {
///     match user {
///         Some(u) => format!("hello, user {}", u.id),
///         None => "hello, stranger".to_owned(),
///     }
/// }
/// let state = AuthState::new(db, config);
/// let app: Router = Router::new().route("/", get(greet)).with_state(state.clone()).merge(state.router());
/// let token = sign_up(&app, "ada@example.com").await;
/// assert_eq!(call(&app, get_bearer("/", &token)).await.1, "hello, user 1");
/// assert_eq!(call(&app, get_bearer("/", "expired-or-forged")).await.1, "hello, stranger");
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl OptionalFromRequestParts<AuthState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AuthState,
    ) -> Result<Option<Self>, ApiError> {
        match <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(parts, state).await {
            Ok(u) => Ok(Some(u)),
            Err(e) if e.status == StatusCode::UNAUTHORIZED => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl FromRequestParts<AuthState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AuthState) -> Result<Self, ApiError> {
        <CurrentUser as OptionalFromRequestParts<AuthState>>::from_request_parts(parts, state)
            .await
            .map(MaybeUser)
    }
}

/// Client facts for sessions and rate limits.
struct Client {
    ip: String,
    device: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let ip = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(c) => c.0.ip().to_string(),
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

fn normalize_email(s: &str) -> Option<String> {
    let e = s.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.len() <= 254;
    ok.then_some(e)
}

fn normalize_username(s: &str) -> Option<String> {
    let u = s.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    ok.then_some(u)
}

/// Counts an attempt against `limit` for `key`; 429 beyond it. The counter lives in the
/// database (one upsert), so it holds across app instances.
async fn rate_limit(
    db: &DatabaseConnection,
    key: String,
    limit: RateLimit,
) -> Result<(), ApiError> {
    let now = now();
    let window = Ord::max(limit.window.as_secs(), 1) as i64;
    let start = now - now.rem_euclid(window);
    let key = secret::token_hash(&key);
    let stale = Expr::col((rate_limit::Entity, rate_limit::Column::WindowStart)).lt(start);
    let stmt = Query::insert()
        .into_table(rate_limit::Entity)
        .columns([
            rate_limit::Column::Key,
            rate_limit::Column::WindowStart,
            rate_limit::Column::Count,
        ])
        .values_panic([key.clone().into(), start.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(rate_limit::Column::Key)
                .value(
                    rate_limit::Column::Count,
                    Expr::case(stale.clone(), 1i64).finally(
                        Expr::col((rate_limit::Entity, rate_limit::Column::Count)).add(1i64),
                    ),
                )
                .value(
                    rate_limit::Column::WindowStart,
                    Expr::case(stale, start).finally(Expr::col((
                        rate_limit::Entity,
                        rate_limit::Column::WindowStart,
                    ))),
                )
                .to_owned(),
        )
        .returning_col(rate_limit::Column::Count)
        .to_owned();
    let row = db.query_one(&stmt).await?;
    let count: i64 = row
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(i64::MAX);
    if count > i64::from(limit.max) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many attempts; try again later",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct RegisterBody {
    email: Option<String>,
    username: Option<String>,
    password: String,
}

#[derive(Deserialize)]
struct LoginBody {
    identifier: Option<String>,
    email: Option<String>,
    username: Option<String>,
    password: String,
}

#[derive(Deserialize, Default)]
struct RefreshBody {
    refresh_token: Option<String>,
}

/// A user as the endpoints return it.
#[derive(Serialize)]
struct UserOut {
    id: i64,
    email: Option<String>,
    username: Option<String>,
    email_verified: bool,
    roles: Vec<String>,
    tenant: Option<String>,
    superuser: bool,
}

fn roles_of(u: &user::Model) -> Vec<String> {
    u.roles
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

fn user_out(u: &user::Model) -> UserOut {
    UserOut {
        id: u.id,
        email: u.email.clone(),
        username: u.username.clone(),
        email_verified: u.email_verified,
        roles: roles_of(u),
        tenant: u.tenant.clone(),
        superuser: u.superuser,
    }
}

/// Issued tokens, sent per the configured transport.
struct Tokens {
    access: String,
    refresh: String,
    session_id: String,
    expires_in: u64,
}

fn cookie(config: &AuthConfig, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let c = &config.cookies;
    let same_site = match c.same_site {
        SameSite::Strict => "Strict",
        SameSite::Lax => "Lax",
        SameSite::None => "None",
    };
    let secure = if c.secure { "; Secure" } else { "" };
    let v = format!(
        "{}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}",
        c.name(name)
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn token_response(
    config: &AuthConfig,
    status: StatusCode,
    t: &Tokens,
    user: Option<&user::Model>,
) -> Response {
    let mut body = serde_json::Map::new();
    if config.transport != TokenTransport::Cookie {
        body.insert("access_token".into(), t.access.clone().into());
        body.insert("refresh_token".into(), t.refresh.clone().into());
        body.insert("token_type".into(), "Bearer".into());
    }
    body.insert("expires_in".into(), t.expires_in.into());
    body.insert("session_id".into(), t.session_id.clone().into());
    if let Some(u) = user {
        body.insert(
            "user".into(),
            serde_json::to_value(user_out(u)).unwrap_or_default(),
        );
    }
    let mut r = (status, Json(serde_json::Value::Object(body))).into_response();
    if config.transport != TokenTransport::Body {
        let h = r.headers_mut();
        h.append(
            header::SET_COOKIE,
            cookie(
                config,
                "access_token",
                &t.access,
                config.access_ttl.as_secs(),
            ),
        );
        h.append(
            header::SET_COOKIE,
            cookie(
                config,
                "refresh_token",
                &t.refresh,
                config.refresh_ttl.as_secs(),
            ),
        );
    }
    r
}

fn claims_for(
    state: &AuthState,
    u: &user::Model,
    sid: &str,
    more: serde_json::Map<String, serde_json::Value>,
) -> Claims {
    let mut extra = state.claims.as_ref().map(|f| f(u)).unwrap_or_default();
    extra.extend(more);
    // Custom claims cannot shadow the registered ones.
    for k in [
        "sub", "iss", "aud", "exp", "nbf", "iat", "sid", "roles", "tenant", "su",
    ] {
        extra.remove(k);
    }
    Claims {
        extra,
        sub: u.id.to_string(),
        iss: String::new(),
        aud: String::new(),
        exp: 0,
        nbf: 0,
        iat: 0,
        sid: sid.to_owned(),
        roles: roles_of(u),
        tenant: u.tenant.clone(),
        su: u.superuser,
    }
}

/// Opens a session for `u` and issues its first tokens; revokes the oldest sessions beyond the
/// limit. The rows are written in one transaction: a failure leaves no session behind and
/// revokes none.
async fn open_session(
    state: &AuthState,
    u: &user::Model,
    client: &Client,
) -> Result<Tokens, ApiError> {
    let txn = state.db.begin().await?;
    let (sid, refresh) = open_session_in(&txn, state, u, client).await?;
    txn.commit().await?;
    sign_tokens(state, u, &sid, refresh).await
}

/// The rows of a new session (session, oldest ones revoked, refresh token) on `db`: the
/// session id and the refresh token.
async fn open_session_in(
    db: &impl ConnectionTrait,
    state: &AuthState,
    u: &user::Model,
    client: &Client,
) -> Result<(String, String), ApiError> {
    let config = &state.config;
    let now = now();
    let sid = uuid::Uuid::new_v4().to_string();
    session::ActiveModel {
        id: Set(sid.clone()),
        user_id: Set(u.id),
        device: Set(client.device.clone()),
        ip: Set(client.ip.clone()),
        created_at: Set(now),
        last_active_at: Set(now),
        expires_at: Set(now + config.refresh_ttl.as_secs() as i64),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    let live = session::Entity::find()
        .filter(session::Column::UserId.eq(u.id))
        .filter(session::Column::RevokedAt.is_null())
        .order_by_desc(session::Column::CreatedAt)
        .all(db)
        .await?;
    if live.len() > config.max_sessions {
        let old: Vec<String> = live[config.max_sessions..]
            .iter()
            .map(|s| s.id.clone())
            .collect();
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::Id.is_in(old))
            .exec(db)
            .await?;
    }
    let refresh = store_refresh(db, &sid).await?;
    Ok((sid, refresh))
}

/// A new refresh token for session `sid`, stored (as its hash) on `db`.
async fn store_refresh(db: &impl ConnectionTrait, sid: &str) -> Result<String, ApiError> {
    let refresh = secret::random_token();
    refresh_token::ActiveModel {
        session_id: Set(sid.to_owned()),
        token_hash: Set(secret::token_hash(&refresh)),
        created_at: Set(now()),
        rotated_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(refresh)
}

/// The access token for `u` in session `sid` (with the async claims, read after any
/// transaction is committed), next to its refresh token.
async fn sign_tokens(
    state: &AuthState,
    u: &user::Model,
    sid: &str,
    refresh: String,
) -> Result<Tokens, ApiError> {
    let config = &state.config;
    let more = match &state.async_claims {
        Some(f) => f(u.clone()).await,
        None => serde_json::Map::new(),
    };
    let access = secret::issue_access(config, claims_for(state, u, sid, more), now())
        .ok_or_else(|| ApiError::internal("token signing failed"))?;
    Ok(Tokens {
        access,
        refresh,
        session_id: sid.to_owned(),
        expires_in: config.access_ttl.as_secs(),
    })
}

async fn find_by_identifier(
    state: &AuthState,
    identifier: &str,
) -> Result<Option<user::Model>, ApiError> {
    let config = &state.config;
    let by_email = matches!(
        config.identifiers,
        LoginIdentifier::Email | LoginIdentifier::EmailOrUsername
    );
    let by_username = matches!(
        config.identifiers,
        LoginIdentifier::Username | LoginIdentifier::EmailOrUsername
    );
    if by_email && let Some(e) = normalize_email(identifier) {
        return Ok(config.users.by_email(&state.db, &e).await?);
    }
    if by_username && let Some(u) = normalize_username(identifier) {
        return Ok(config.users.by_username(&state.db, &u).await?);
    }
    Ok(None)
}

async fn hash_blocking(
    password: String,
    p: crate::config::Argon2Params,
) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || secret::hash_password(&password, p))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal("password hashing failed"))
}

async fn verify_blocking(
    state: &AuthState,
    password: String,
    stored: String,
) -> Result<Verified, ApiError> {
    let (live, max) = (state.config.argon2, state.config.argon2_max);
    tokio::task::spawn_blocking(move || secret::verify_password(&password, &stored, live, max))
        .await
        .map_err(ApiError::internal)
}

/// A one-time token of `kind` for `u`, stored (as its hash) on `db`: the address to send it
/// to and the token, or `None` for an account without an address.
async fn store_one_time(
    db: &impl ConnectionTrait,
    state: &AuthState,
    u: &user::Model,
    kind: &'static str,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(email) = &u.email else {
        return Ok(None);
    };
    let token = secret::random_token();
    one_time_token::ActiveModel {
        user_id: Set(u.id),
        kind: Set(kind.to_owned()),
        token_hash: Set(secret::token_hash(&token)),
        expires_at: Set(now() + state.config.one_time_ttl.as_secs() as i64),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some((email.clone(), token)))
}

async fn register(
    State(state): State<AuthState>,
    client: Client,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, ApiError> {
    let config = &state.config;
    if !config.registration {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "registration_closed",
            "registration is turned off",
        ));
    }
    rate_limit(
        &state.db,
        format!("register:ip:{}", client.ip),
        config.rate_limits.register,
    )
    .await?;
    let email = match &body.email {
        Some(e) => Some(normalize_email(e).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_email",
                "the email is not valid",
            )
        })?),
        None => None,
    };
    let username = match &body.username {
        Some(u) => Some(normalize_username(u).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_username",
                "usernames are 3 to 64 letters, digits, `_`, `.` or `-`",
            )
        })?),
        None => None,
    };
    let needs_email = config.identifiers == LoginIdentifier::Email;
    let needs_username = config.identifiers == LoginIdentifier::Username;
    if (email.is_none() && username.is_none())
        || (needs_email && email.is_none())
        || (needs_username && username.is_none())
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_identifier",
            "give an email or a username",
        ));
    }
    check_password(config, &body.password)?;
    let users = &config.users;
    let email_taken = match &email {
        Some(e) => users.taken(&state.db, true, e).await?,
        None => false,
    };
    let username_taken = match &username {
        Some(u) => users.taken(&state.db, false, u).await?,
        None => false,
    };
    if email_taken || username_taken {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_registered",
            "an account with this email or username exists",
        ));
    }
    let hash = hash_blocking(body.password, config.argon2).await?;
    let now = now();
    // The account, its verification token and its first session in one transaction: a failure
    // leaves no account behind (a retry is not refused as `already_registered`).
    let txn = state.db.begin().await?;
    let inserted = users
        .insert(
            &txn,
            NewUser {
                email,
                username,
                password_hash: hash,
                now,
            },
        )
        .await;
    let u = match inserted {
        Ok(u) => u,
        // A concurrent registration won the unique index.
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "already_registered",
                "an account with this email or username exists",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let verify = store_one_time(&txn, &state, &u, "verify").await?;
    let (sid, refresh) = open_session_in(&txn, &state, &u, &client).await?;
    txn.commit().await?;
    if let Some((email, token)) = verify {
        state.mailer.send("verify", &email, &token).await;
    }
    let tokens = sign_tokens(&state, &u, &sid, refresh).await?;
    Ok(token_response(
        config,
        StatusCode::CREATED,
        &tokens,
        Some(&u),
    ))
}

async fn login(
    State(state): State<AuthState>,
    client: Client,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response, ApiError> {
    let config = &state.config;
    let identifier = body
        .identifier
        .or(body.email)
        .or(body.username)
        .unwrap_or_default();
    let norm = identifier.trim().to_lowercase();
    rate_limit(
        &state.db,
        format!("login:id:{norm}"),
        config.rate_limits.login,
    )
    .await?;
    rate_limit(
        &state.db,
        format!("login:ip:{}", client.ip),
        config.rate_limits.login,
    )
    .await?;
    if body.password.len() > config.password.max_len {
        return Err(invalid_credentials());
    }
    let found = find_by_identifier(&state, &identifier).await?;
    let Some(u) = found else {
        // Same work as a real check, so timing does not reveal which accounts exist.
        let _ = verify_blocking(&state, body.password, state.dummy_hash.to_string()).await?;
        return Err(invalid_credentials());
    };
    let verified = verify_blocking(&state, body.password.clone(), u.password_hash.clone()).await?;
    if verified == Verified::No || !u.active {
        return Err(invalid_credentials());
    }
    if verified == Verified::YesRehash {
        let hash = hash_blocking(body.password, config.argon2).await?;
        config
            .users
            .update(&state.db, u.id, UserChange::Password(hash, None))
            .await?;
    }
    let tokens = open_session(&state, &u, &client).await?;
    Ok(token_response(config, StatusCode::OK, &tokens, Some(&u)))
}

/// 422 naming every rule of the password policy `password` breaks.
fn check_password(config: &AuthConfig, password: &str) -> Result<(), ApiError> {
    let violations = config.password.violations(password);
    if violations.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "weak_password",
        format!("the password needs {}", violations.join(", ")),
    ))
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the identifier or the password is wrong",
    )
}

async fn revoke(db: &impl ConnectionTrait, filter: sea_orm::Condition) -> Result<u64, ApiError> {
    let res = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now()))
        .filter(filter)
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

fn refresh_cookie_or_body(
    state: &AuthState,
    headers: &HeaderMap,
    body: Option<RefreshBody>,
) -> Option<String> {
    body.and_then(|b| b.refresh_token)
        .or_else(|| token_cookie(&state.config, headers, "refresh_token").map(str::to_owned))
}

async fn refresh(
    State(state): State<AuthState>,
    client: Client,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let config = &state.config;
    rate_limit(
        &state.db,
        format!("refresh:ip:{}", client.ip),
        config.rate_limits.refresh,
    )
    .await?;
    // The body is optional (the cookie may carry the token); when present it is JSON.
    let body: Option<RefreshBody> = if raw.is_empty() {
        None
    } else {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send `Content-Type: application/json`",
            ));
        }
        Some(serde_json::from_slice(&raw).map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "the body is not valid JSON",
            )
        })?)
    };
    let from_body = body.as_ref().is_some_and(|b| b.refresh_token.is_some());
    let Some(token) = refresh_cookie_or_body(&state, &headers, body) else {
        return Err(ApiError::unauthenticated());
    };
    if !from_body {
        // A refresh driven by the cookie is a cookie-authenticated mutation.
        let (mut parts, ()) = Request::new(()).into_parts();
        parts.method = Method::POST;
        parts.headers = headers.clone();
        if !csrf_ok(config, &parts) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "cookie-authenticated changes need the `X-Requested-With` header and a matching origin",
            ));
        }
    }
    let hash = secret::token_hash(&token);
    let Some(rt) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash.clone()))
        .one(&state.db)
        .await?
    else {
        return Err(ApiError::unauthenticated());
    };
    if !secret::secret_eq(&rt.token_hash, &hash) {
        return Err(ApiError::unauthenticated());
    }
    let now = now();
    let Some(s) = session::Entity::find_by_id(rt.session_id.clone())
        .one(&state.db)
        .await?
    else {
        return Err(ApiError::unauthenticated());
    };
    if s.revoked_at.is_some() || s.expires_at <= now {
        return Err(ApiError::unauthenticated());
    }
    let Some(u) = state.config.users.by_id(&state.db, s.user_id).await? else {
        return Err(ApiError::unauthenticated());
    };
    if !u.active || s.created_at < u.password_changed_at {
        revoke(
            &state.db,
            sea_orm::Condition::all().add(session::Column::Id.eq(s.id.clone())),
        )
        .await?;
        return Err(ApiError::unauthenticated());
    }
    // Rotate: exactly one request wins the conditional update; the old token is marked and the
    // new one stored together.
    let txn = state.db.begin().await?;
    let won = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(rt.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !won {
        let rotated_at = refresh_token::Entity::find_by_id(rt.id)
            .one(&txn)
            .await?
            .and_then(|r| r.rotated_at)
            .unwrap_or(0);
        if now - rotated_at > config.refresh_grace.as_secs() as i64 {
            // Reuse of a rotated token: someone else holds it. End the session.
            tracing::warn!(session = %s.id, "refresh token reuse detected; session revoked");
            revoke(
                &txn,
                sea_orm::Condition::all().add(session::Column::Id.eq(s.id.clone())),
            )
            .await?;
            txn.commit().await?;
            return Err(ApiError::unauthenticated());
        }
    }
    session::Entity::update_many()
        .col_expr(session::Column::LastActiveAt, Expr::value(now))
        .filter(session::Column::Id.eq(s.id.clone()))
        .exec(&txn)
        .await?;
    let refresh = store_refresh(&txn, &s.id).await?;
    txn.commit().await?;
    let tokens = sign_tokens(&state, &u, &s.id, refresh).await?;
    Ok(token_response(config, StatusCode::OK, &tokens, None))
}

async fn logout(State(state): State<AuthState>, user: CurrentUser) -> Result<Response, ApiError> {
    revoke(
        &state.db,
        sea_orm::Condition::all()
            .add(session::Column::Id.eq(user.session_id.clone()))
            .add(session::Column::UserId.eq(user.id)),
    )
    .await?;
    let mut r = (
        StatusCode::OK,
        Json(serde_json::json!({ "logged_out": true })),
    )
        .into_response();
    if state.config.transport != TokenTransport::Body {
        let h = r.headers_mut();
        h.append(
            header::SET_COOKIE,
            cookie(&state.config, "access_token", "", 0),
        );
        h.append(
            header::SET_COOKIE,
            cookie(&state.config, "refresh_token", "", 0),
        );
    }
    Ok(r)
}

async fn current_record(state: &AuthState, user: &CurrentUser) -> Result<user::Model, ApiError> {
    let u = state
        .config
        .users
        .by_id(&state.db, user.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if !u.active || user.issued_at < u.password_changed_at {
        return Err(ApiError::unauthenticated());
    }
    Ok(u)
}

async fn me(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u = current_record(&state, &user).await?;
    Ok(Json(serde_json::to_value(user_out(&u)).unwrap_or_default()))
}

async fn list_sessions(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let now = now();
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(user.id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .order_by_desc(session::Column::LastActiveAt)
        .all(&state.db)
        .await?;
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id, "device": s.device, "ip": s.ip, "created_at": s.created_at,
                "last_active_at": s.last_active_at, "current": s.id == user.session_id,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "sessions": list })))
}

async fn revoke_session(
    State(state): State<AuthState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such session");
    if id.contains('\0') {
        // No stored id has one (PostgreSQL cannot even compare with it).
        return Err(not_found());
    }
    let n = revoke(
        &state.db,
        sea_orm::Condition::all()
            .add(session::Column::Id.eq(id))
            .add(session::Column::UserId.eq(user.id)),
    )
    .await?;
    if n == 0 {
        return Err(not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke_other_sessions(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let n = revoke(
        &state.db,
        sea_orm::Condition::all()
            .add(session::Column::UserId.eq(user.id))
            .add(session::Column::Id.ne(user.session_id.clone())),
    )
    .await?;
    Ok(Json(serde_json::json!({ "revoked": n })))
}

#[derive(Deserialize)]
struct EmailBody {
    email: String,
}

async fn forgot_password(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<EmailBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    mail_after_answering(state, &body.email, "reset", |u| u.active).await
}

/// Counts the attempt against the address's rate limit, then answers `{ "sent": true }`
/// whether or not an account has the address. The lookup, the token and the mail run after
/// the answer (failures are logged), so its timing does not tell either: a token of `kind` is
/// sent to the account with the address when `wanted` says so.
async fn mail_after_answering(
    state: AuthState,
    email: &str,
    kind: &'static str,
    wanted: fn(&user::Model) -> bool,
) -> Result<Json<serde_json::Value>, ApiError> {
    if let Some(email) = normalize_email(email) {
        rate_limit(
            &state.db,
            format!("email:{email}"),
            state.config.rate_limits.email,
        )
        .await?;
        tokio::spawn(async move {
            let sent = async {
                if let Some(u) = state.config.users.by_email(&state.db, &email).await?
                    && wanted(&u)
                    && let Some((to, token)) = store_one_time(&state.db, &state, &u, kind).await?
                {
                    state.mailer.send(kind, &to, &token).await;
                }
                Ok::<(), ApiError>(())
            };
            if let Err(e) = sent.await {
                tracing::error!(error = %e.message, kind, "one-time token mail not sent");
            }
        });
    }
    Ok(Json(serde_json::json!({ "sent": true })))
}

/// Takes a one-time token: exactly once, before it expires.
async fn take_one_time(
    db: &impl ConnectionTrait,
    token: &str,
    kind: &str,
) -> Result<one_time_token::Model, ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "the token is invalid or expired",
        )
    };
    let hash = secret::token_hash(token);
    let t = one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(hash.clone()))
        .filter(one_time_token::Column::Kind.eq(kind))
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    let now = now();
    if !secret::secret_eq(&t.token_hash, &hash) || t.expires_at <= now || t.used_at.is_some() {
        return Err(invalid());
    }
    let won = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, Expr::value(now))
        .filter(one_time_token::Column::Id.eq(t.id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if !won {
        return Err(invalid());
    }
    Ok(t)
}

#[derive(Deserialize)]
struct ResetBody {
    token: String,
    password: String,
}

async fn reset_password(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<ResetBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_password(&state.config, &body.password)?;
    let hash = hash_blocking(body.password, state.config.argon2).await?;
    // Token, password and sessions change together or not at all: a failure does not burn the
    // token or leave sessions open.
    let txn = state.db.begin().await?;
    let t = take_one_time(&txn, &body.token, "reset").await?;
    let now = now();
    state
        .config
        .users
        .update(&txn, t.user_id, UserChange::Password(hash, Some(now)))
        .await?;
    if state.config.reset_revokes_sessions {
        revoke(
            &txn,
            sea_orm::Condition::all().add(session::Column::UserId.eq(t.user_id)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Json(serde_json::json!({ "reset": true })))
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

async fn verify_email(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let txn = state.db.begin().await?;
    let t = take_one_time(&txn, &body.token, "verify").await?;
    state
        .config
        .users
        .update(&txn, t.user_id, UserChange::EmailVerified(true))
        .await?;
    txn.commit().await?;
    Ok(Json(serde_json::json!({ "verified": true })))
}

async fn resend_verification(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<EmailBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    mail_after_answering(state, &body.email, "verify", |u| !u.email_verified).await
}

async fn jwks(State(state): State<AuthState>) -> Result<Json<serde_json::Value>, ApiError> {
    let keys = &state.config.keys;
    if !keys.is_asymmetric() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no public keys (HMAC)",
        ));
    }
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&keys.encoding, keys.algorithm)
        .map_err(ApiError::internal)?;
    jwk.common.key_id = Some(keys.kid.clone());
    Ok(Json(serde_json::json!({ "keys": [jwk] })))
}
