//! Authentication configuration: one builder, readable from the environment.
//!
//! [`AuthConfig`] holds every setting; [`AuthConfigBuilder`] sets them with
//! defaults and reads the environment; `build` reports every mistake at once as
//! [`ConfigErrors`], each a [`ConfigError`] naming the variable or field to
//! set. Messages never contain a secret.
//!
//! - `settings`: [`AuthConfig`], the built configuration, and its groups
//!   ([`TokenConfig`], [`SessionConfig`], [`PasswordConfig`], [`AccountConfig`], [`HttpConfig`]).
//! - `builder`: [`AuthConfigBuilder`] and its checks.
//! - `env`: [`AuthConfigBuilder::from_env`], [`parse_duration`].
//! - `keys`: [`JwtKeys`] (HMAC, PEM, development pair).
//! - `policy`: [`PasswordPolicy`], [`Argon2Params`], [`LoginIdentifier`], [`RateLimits`].
//! - `http`: [`AuthPaths`], [`CookieConfig`], [`TokenTransport`].
//! - `mfa`: [`MfaSettings`] (the key of the stored TOTP secrets, the issuer name), `MFA_KEY`.
//! - `passkeys`: [`PasskeyConfig`](crate::auth::PasskeyConfig) (the relying party of
//!   passkeys: id, name, origin).
//! - `oauth`: [`OAuthConfig`](crate::auth::OAuthConfig) and its providers (OpenID Connect by
//!   issuer; Google, GitHub, Discord), `OAUTH_*`.
//! - `error`: [`ConfigError`], [`ConfigErrors`].
//!
//! # Examples
//! ```no_run
//! use std::time::Duration;
//! use access_axum::AuthConfig;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // JWT_SECRET (or a key pair) and the rest from the environment, defaults otherwise.
//!     let config = AuthConfig::from_env()?;
//!     // Or set values first: they win over the environment's.
//!     let config = AuthConfig::builder()
//!         .access_ttl(Duration::from_secs(300))
//!         .base_path("/api/auth")
//!         .from_env()
//!         .build()?;
//!     Ok(())
//! }
//! ```

mod builder;
mod env;
pub(crate) mod error;
pub(crate) mod http;
pub(crate) mod keys;
mod mfa;
pub(crate) mod oauth;
pub(crate) mod passkeys;
mod policy;
pub(crate) mod settings;

pub use builder::AuthConfigBuilder;
pub use env::parse_duration;
pub use http::{CookieConfig, SameSite, TokenTransport};
pub use mfa::MfaSettings;
pub use policy::{Argon2Params, LoginIdentifier, PasswordPolicy, RateLimit, RateLimits};
pub use settings::{AccountConfig, HttpConfig, PasswordConfig, SessionConfig, TokenConfig};

// Exported by the crate root only (`access_axum::AuthConfig`, ..); the crate's own modules use
// them from here.
pub(crate) use settings::AuthConfig;
