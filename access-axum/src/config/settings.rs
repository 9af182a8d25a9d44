//! [`AuthConfig`]: the settings every part of authentication reads.

use std::time::Duration;

use super::http::{AuthPaths, CookieConfig, TokenTransport};
use super::keys::JwtKeys;
use super::policy::{Argon2Params, LoginIdentifier, PasswordPolicy, RateLimits};

/// The authentication configuration, built once at startup with
/// [`AuthConfig::builder`] or [`AuthConfig::from_env`].
///
/// # Examples
/// ```
/// use access_axum::{AuthConfig, JwtKeys};
/// // A literal secret, for this example only.
/// let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
/// let config = AuthConfig::builder().keys(keys).issuer("https://api.example.com").build().unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// Signing keys.
    pub keys: JwtKeys,
    /// `iss` of issued tokens, required on verification.
    pub issuer: String,
    /// `aud` of issued tokens, required on verification.
    pub audience: String,
    /// Access token lifetime (default 60 s).
    pub access_ttl: Duration,
    /// Refresh token and session lifetime (default 30 days).
    pub refresh_ttl: Duration,
    /// How long a rotated refresh token still works, for concurrent refreshes (default 10 s).
    pub refresh_grace: Duration,
    /// Clock leeway on `exp`/`nbf` in seconds (default 5).
    pub leeway: u64,
    /// How tokens are sent.
    pub transport: TokenTransport,
    /// Cookie settings.
    pub cookies: CookieConfig,
    /// Which identifiers log in.
    pub identifiers: LoginIdentifier,
    /// Password rules.
    pub password: PasswordPolicy,
    /// Hashing cost.
    pub argon2: Argon2Params,
    /// Stored hashes with parameters above these are refused, not computed.
    pub argon2_max: Argon2Params,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// Whether `POST register` is open.
    pub registration: bool,
    /// Sessions per user; the oldest are revoked beyond it (default 50).
    pub max_sessions: usize,
    /// Where the endpoints are mounted (default `/auth`).
    pub base_path: String,
    /// Each endpoint's path under `base_path`.
    pub paths: AuthPaths,
    /// Largest request body accepted by the auth endpoints (default 16 KiB).
    pub body_limit: usize,
    /// Origins allowed to send cookie-authenticated mutations (besides the request's own host).
    pub allowed_origins: Vec<String>,
    /// Revoke every session on password reset (default on).
    pub reset_revokes_sessions: bool,
    /// Lifetime of email verification and password reset tokens (default 1 hour).
    pub one_time_ttl: Duration,
    /// Where users live (default: the built-in `auth_users` table).
    pub users: crate::db::UsersTable,
}
