//! HTTP integration of `access-core` for axum: authentication endpoints (register, login,
//! logout, me, refresh with rotation, sessions, password reset, email verification, JWKS) with
//! JWT and argon2id, extractors (`CurrentUser`, `MaybeUser`), and error responses that never
//! leak internals. See `docs/authentication.md`.

pub mod admin;
pub mod auth;
pub mod authz;
pub mod config;
pub mod crud;
pub mod db;
pub mod dynamic;
mod error;
mod migrate;
mod secret;

pub use auth::{AuthState, Authenticator, CurrentUser, Mailer, MaybeUser, NoMailer};
pub use config::{AuthConfig, AuthPaths, ConfigError, JwtKeys};
pub use error::{ApiError, JsonBody};
pub use migrate::migrate;
pub use secret::Claims;

pub use access_core;
pub use access_macros::authorize;
