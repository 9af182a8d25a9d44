//! HTTP integration of `access-core` for axum: authentication endpoints (register, login,
//! logout, me, refresh with rotation, sessions, password reset, email verification, JWKS) with
//! JWT and argon2id, extractors (`CurrentUser`, `MaybeUser`), and error responses that never
//! leak internals. See `docs/authentication.md`.

pub mod admin;
mod app;
pub mod auth;
pub mod authz;
pub mod config;
pub mod crud;
pub mod db;
pub mod dynamic;
mod error;
mod migrate;

pub use app::{App, AppError, AppRouter, AppState};
pub use auth::mailer::{Mailer, NoMailer};
pub use auth::state::{AuthState, Authenticator};
pub use auth::tokens::Claims;
pub use auth::user::{CurrentUser, MaybeUser};
pub use config::error::{ConfigError, ConfigErrors};
pub use config::http::AuthPaths;
pub use config::keys::JwtKeys;
pub use config::settings::AuthConfig;
pub use error::{ApiError, JsonBody};
pub use migrate::migrate;

pub use access_core;
pub use access_macros::authorize;
