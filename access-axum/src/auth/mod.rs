//! Authentication: the endpoints (register, login, logout, me, refresh with rotation, sessions,
//! password reset, email verification, JWKS) with JWT access tokens and argon2id passwords, the
//! extractors ([`CurrentUser`](crate::CurrentUser), [`MaybeUser`](crate::MaybeUser)), the route
//! layer, and their protections (rate limits, CSRF checks on cookies). The tables are in
//! [`crate::db`]; the guide is `docs/authentication.md`.
//!
//! | file | holds |
//! |---|---|
//! | `state.rs` | [`AuthState`](crate::AuthState) and its builder methods; [`Authenticator`](crate::Authenticator) |
//! | `caller.rs` | the signed-in caller's account row, checked; with the current password |
//! | `user.rs` | [`CurrentUser`](crate::CurrentUser), [`MaybeUser`](crate::MaybeUser), the principal of a user |
//! | `extract.rs` | the extractors, the client's facts, [`RequireAuthenticatedLayer`] |
//! | `client_ip.rs` | the client's address behind trusted proxies |
//! | `mailer.rs` | [`Mailer`](crate::Mailer), [`NoMailer`](crate::NoMailer) |
//! | `tokens.rs` | [`Claims`](crate::Claims), issuing and verifying JWTs, opaque tokens stored hashed |
//! | `passwords.rs` | argon2id on the blocking pool, the dummy hash, the password policy |
//! | `sessions.rs` | opening sessions, refresh tokens, revoking |
//! | `one_time.rs` | verification and reset tokens, mailed after answering |
//! | `rate_limit.rs` | fixed-window counters in the database, 429 with `Retry-After` |
//! | `csrf.rs` | the checks on cookie-authenticated mutations |
//! | `cookies.rs` | reading the bearer header and token cookies, setting cookies |
//! | `identifiers.rs` | normalizing emails and usernames |
//! | `factors.rs` | every second factor of an account at once, removed |
//! | `removal.rs` | [`AccountRemoval`]: what goes with a deleted account |
//! | `passkeys/` | passkeys (WebAuthn): [`PasskeyConfig`], registering, signing in, a user's own assertion |
//! | `oauth/` | signing in with providers (OpenID Connect, GitHub, Discord): [`OAuthConfig`], the flow, linked accounts, [`JwksCache`] |
//! | `mfa/` | the second factor: TOTP and recovery codes, their endpoints, `verify` for the login |
//! | `handlers/` | the endpoints, one file per group, and [`AuthState::router`](crate::AuthState::router) |
//!
//! # Examples
//! ```no_run
//! use access_axum::{AuthConfig, AuthState, CurrentUser};
//! use axum::{Router, routing::get};
//!
//! # async fn run(config: AuthConfig) -> Result<(), Box<dyn std::error::Error>> {
//! let db = sea_orm::Database::connect("sqlite://app.db?mode=rwc").await?;
//! access_axum::migrate(&db).await?; // the auth tables among the others
//! let auth = AuthState::new(db, config);
//! let app: Router = Router::new()
//!     .route("/hello", get(|user: CurrentUser| async move { format!("hello, user {}", user.id) }))
//!     .with_state(auth.clone())
//!     .merge(auth.router()); // POST /auth/register, POST /auth/login, ..
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! // With client addresses, which sessions and rate limits use.
//! let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

pub(crate) mod caller;
mod client_ip;
mod cookies;
mod csrf;
pub(crate) mod extract;
pub(crate) mod factors;
pub(crate) mod handlers;
pub(crate) mod identifiers;
pub(crate) mod mailer;
pub(crate) mod mfa;
pub(crate) mod oauth;
pub(crate) mod one_time;
pub(crate) mod passkeys;
pub(crate) mod passwords;
mod rate_limit;
pub(crate) mod removal;
pub(crate) mod sessions;
pub(crate) mod state;
pub(crate) mod tokens;
pub(crate) mod user;

pub use extract::{RequireAuthenticated, RequireAuthenticatedLayer};
pub use oauth::{
    JwksCache, JwksError, OAuthConfig, OAuthProvider, ProviderKind, provider_http_client,
};
pub use passkeys::PasskeyConfig;
pub use removal::AccountRemoval;

// What other modules of the crate use.
pub(crate) use cookies::{cookie_value, token_cookie};
pub(crate) use user::principal_for;

pub(crate) use self::{state::AuthState, user::CurrentUser};
