//! [`AuthConfig`]: the settings every part of authentication reads, in five groups.

use std::time::Duration;

use super::http::{AuthPaths, CookieConfig, TokenTransport};
use super::keys::JwtKeys;
use super::mfa::MfaSettings;
use super::policy::{Argon2Params, LoginIdentifier, PasswordPolicy, RateLimits};
use crate::db::UsersTable;

/// The authentication configuration, built once at startup with [`AuthConfig::builder`] or
/// [`AuthConfig::from_env`] and read through its groups: [`tokens`](Self::tokens),
/// [`sessions`](Self::sessions), [`passwords`](Self::passwords),
/// [`accounts`](Self::accounts) and [`http`](Self::http).
///
/// # Examples
/// ```
/// use access_axum::{AuthConfig, JwtKeys};
/// // A literal secret, for this example only.
/// let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
/// let config = AuthConfig::builder().keys(keys).issuer("https://api.example.com").build().unwrap();
/// assert_eq!(config.tokens().issuer, "https://api.example.com");
/// assert_eq!(config.http().base_path, "/auth"); // the default
/// ```
#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub(super) tokens: TokenConfig,
    pub(super) sessions: SessionConfig,
    pub(super) passwords: PasswordConfig,
    pub(super) accounts: AccountConfig,
    pub(super) http: HttpConfig,
    pub(super) mfa: Option<MfaSettings>,
}

impl AuthConfig {
    /// Keys, claims and lifetimes of the tokens.
    ///
    /// ```
    /// # use access_axum::{AuthConfig, JwtKeys}; let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
    /// let config = AuthConfig::builder().keys(keys).build().unwrap();
    /// assert_eq!(config.tokens().access_ttl.as_secs(), 60); // the default
    /// assert_eq!(config.tokens().audience, "access");
    /// ```
    pub fn tokens(&self) -> &TokenConfig {
        &self.tokens
    }

    /// How many sessions a user keeps and how refresh rotation and resets treat them.
    ///
    /// ```
    /// # use access_axum::{AuthConfig, JwtKeys}; let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
    /// let config = AuthConfig::builder().keys(keys).max_sessions(5).build().unwrap();
    /// assert_eq!(config.sessions().max, 5);
    /// assert!(config.sessions().revoke_on_reset); // the default
    /// ```
    pub fn sessions(&self) -> &SessionConfig {
        &self.sessions
    }

    /// The password policy and hashing cost.
    ///
    /// ```
    /// # use access_axum::{AuthConfig, JwtKeys}; let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
    /// let config = AuthConfig::builder().keys(keys).build().unwrap();
    /// assert_eq!(config.passwords().policy.min_len, 10); // the default
    /// assert_eq!(config.passwords().argon2.m_cost, 19_456); // 19 MiB
    /// ```
    pub fn passwords(&self) -> &PasswordConfig {
        &self.passwords
    }

    /// Where users live, how they log in, whether they may sign up.
    ///
    /// ```
    /// # use access_axum::{AuthConfig, JwtKeys}; let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
    /// let config = AuthConfig::builder().keys(keys).registration(false).build().unwrap();
    /// assert!(!config.accounts().registration);
    /// assert_eq!(config.accounts().users.table, "auth_users"); // the default
    /// ```
    pub fn accounts(&self) -> &AccountConfig {
        &self.accounts
    }

    /// Paths, body limit, allowed origins, cookies, token transport and rate limits.
    ///
    /// ```
    /// # use access_axum::{AuthConfig, JwtKeys}; let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
    /// let config = AuthConfig::builder().keys(keys).base_path("/api/auth").build().unwrap();
    /// assert_eq!(config.http().base_path, "/api/auth");
    /// assert_eq!(config.http().body_limit, 16 * 1024); // the default
    /// ```
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }

    /// The second-factor setting, when MFA is on ([`AuthConfigBuilder::mfa`](crate::config::AuthConfigBuilder::mfa),
    /// `MFA_KEY`): without it the MFA routes are not mounted and no account is asked for a
    /// second factor.
    ///
    /// ```
    /// # use access_axum::{AuthConfig, JwtKeys}; let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
    /// let config = AuthConfig::builder().keys(keys).build().unwrap();
    /// assert!(config.mfa().is_none()); // off by default
    /// ```
    pub fn mfa(&self) -> Option<&MfaSettings> {
        self.mfa.as_ref()
    }
}

/// Keys, claims and lifetimes of the tokens ([`AuthConfig::tokens`]).
///
/// ```
/// use access_axum::config::TokenConfig;
///
/// /// `Max-Age` of a refresh cookie: the session's lifetime.
/// fn refresh_max_age(tokens: &TokenConfig) -> u64 {
///     tokens.refresh_ttl.as_secs()
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenConfig {
    /// Signing keys.
    pub keys: JwtKeys,
    /// `iss` of issued tokens, required on verification (default `access`).
    pub issuer: String,
    /// `aud` of issued tokens, required on verification (default `access`).
    pub audience: String,
    /// Access token lifetime (default 60 s).
    pub access_ttl: Duration,
    /// Refresh token and session lifetime (default 30 days).
    pub refresh_ttl: Duration,
    /// Lifetime of email verification and password reset tokens (default 1 hour).
    pub one_time_ttl: Duration,
    /// Clock leeway on `exp`/`nbf` in seconds (default 5).
    pub leeway: u64,
}

/// Sessions ([`AuthConfig::sessions`]).
///
/// ```
/// use access_axum::config::SessionConfig;
///
/// /// Whether one more login revokes the user's oldest session.
/// fn evicts_oldest(sessions: &SessionConfig, open: usize) -> bool {
///     open >= sessions.max
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SessionConfig {
    /// Sessions per user; a login beyond it revokes the oldest (default 50; builder
    /// `max_sessions`).
    pub max: usize,
    /// How long a rotated refresh token still works, for concurrent refreshes (default 10 s).
    pub refresh_grace: Duration,
    /// Revoke every session on password reset (default on; builder `reset_revokes_sessions`).
    pub revoke_on_reset: bool,
}

/// Passwords ([`AuthConfig::passwords`]).
///
/// ```
/// use access_axum::config::PasswordConfig;
///
/// /// What a sign-up form shows before it is sent.
/// fn problems(passwords: &PasswordConfig, candidate: &str) -> Vec<String> {
///     passwords.policy.violations(candidate)
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PasswordConfig {
    /// Password rules (builder `password`).
    pub policy: PasswordPolicy,
    /// Hashing cost of new hashes.
    pub argon2: Argon2Params,
    /// Stored hashes with parameters above these are refused, not computed.
    pub argon2_max: Argon2Params,
    /// Argon2 computations at once (builder `hashing_slots`): hashing memory stays under
    /// `hashing_slots × argon2.m_cost` KiB.
    pub hashing_slots: usize,
    /// How long a request waits for a slot before its 503 (builder `hashing_wait`).
    pub hashing_wait: Duration,
}

/// Accounts ([`AuthConfig::accounts`]).
///
/// ```
/// use access_axum::config::{AccountConfig, LoginIdentifier};
///
/// /// The login form's label.
/// fn identifier_label(accounts: &AccountConfig) -> &'static str {
///     match accounts.identifiers {
///         LoginIdentifier::Email => "Email",
///         LoginIdentifier::Username => "Username",
///         LoginIdentifier::EmailOrUsername => "Email or username",
///     }
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AccountConfig {
    /// Where users live (default: the built-in `auth_users` table).
    pub users: UsersTable,
    /// Which identifiers log in (default email or username).
    pub identifiers: LoginIdentifier,
    /// Whether `POST register` is open (default on).
    pub registration: bool,
}

/// The HTTP side ([`AuthConfig::http`]).
///
/// ```
/// use access_axum::config::HttpConfig;
///
/// /// Where a client posts its credentials (`/auth/login` by default).
/// fn login_url(http: &HttpConfig) -> String {
///     format!("{}{}", http.base_path, http.paths.login)
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Where the endpoints are mounted (default `/auth`).
    pub base_path: String,
    /// Each endpoint's path under `base_path`.
    pub paths: AuthPaths,
    /// Largest request body accepted by the auth endpoints (default 16 KiB).
    pub body_limit: usize,
    /// Origins allowed to send cookie-authenticated mutations (besides the request's own host;
    /// builder `allow_origin`).
    pub allowed_origins: Vec<String>,
    /// Cookie settings.
    pub cookies: CookieConfig,
    /// How tokens reach the client (default both cookies and body).
    pub transport: TokenTransport,
    /// Rate limits per endpoint.
    pub rate_limits: RateLimits,
    /// Peers whose `Forwarded` / `X-Forwarded-For` headers name the client (reverse proxies,
    /// load balancers; builder `trusted_proxy`, `TRUSTED_PROXIES`). Empty by default: the
    /// client is the peer, and forwarding headers are ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}
