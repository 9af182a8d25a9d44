//! [`AuthConfigBuilder`]: every setting with a default, checked all at once by `build`.

use std::time::Duration;

use super::error::{ConfigError, ConfigErrors};
use super::http::{AuthPaths, CookieConfig, SameSite, TokenTransport};
use super::keys::JwtKeys;
use super::mfa::{self, MfaSettings};
use super::policy::{Argon2Params, LoginIdentifier, PasswordPolicy, RateLimits};
use super::settings::{
    AccountConfig, AuthConfig, HttpConfig, PasswordConfig, SessionConfig, TokenConfig,
};
use crate::db::UsersTable;

impl AuthConfig {
    /// A builder with sane defaults; keys must be set (or read with
    /// [`from_env`](AuthConfigBuilder::from_env)).
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// assert!(AuthConfig::builder().build().is_err()); // no keys
    /// ```
    pub fn builder() -> AuthConfigBuilder {
        AuthConfigBuilder::default()
    }
}

/// Builds an [`AuthConfig`]. Values set on the builder win over the environment's
/// ([`from_env`](Self::from_env)); [`build`](Self::build) reports every mistake at once.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use access_axum::{AuthConfig, JwtKeys};
/// // A literal secret, for this example only.
/// let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
/// let config = AuthConfig::builder()
///     .keys(keys)
///     .access_ttl(Duration::from_secs(300))
///     .registration(false)
///     .build()
///     .unwrap();
/// ```
#[derive(Debug, Default)]
pub struct AuthConfigBuilder {
    pub(super) keys: Option<JwtKeys>,
    pub(super) issuer: Option<String>,
    pub(super) audience: Option<String>,
    pub(super) access_ttl: Option<Duration>,
    pub(super) refresh_ttl: Option<Duration>,
    refresh_grace: Option<Duration>,
    leeway: Option<u64>,
    transport: Option<TokenTransport>,
    cookies: Option<CookieConfig>,
    identifiers: Option<LoginIdentifier>,
    password: Option<PasswordPolicy>,
    argon2: Option<Argon2Params>,
    hashing_slots: Option<usize>,
    hashing_wait: Option<Duration>,
    rate_limits: Option<RateLimits>,
    pub(super) registration: Option<bool>,
    max_sessions: Option<usize>,
    base_path: Option<String>,
    paths: Option<AuthPaths>,
    body_limit: Option<usize>,
    allowed_origins: Vec<String>,
    pub(super) trusted_proxies: Option<Vec<ipnet::IpNet>>,
    reset_revokes_sessions: Option<bool>,
    one_time_ttl: Option<Duration>,
    users: Option<UsersTable>,
    pub(super) mfa_key: Option<[u8; 32]>,
    pub(super) mfa_issuer: Option<String>,
    pub(super) errors: Vec<ConfigError>,
}

macro_rules! setter {
    ($($(#[$m:meta])* $name:ident: $t:ty),* $(,)?) => {$(
        $(#[$m])*
        #[must_use]
        pub fn $name(mut self, v: $t) -> Self {
            self.$name = Some(v);
            self
        }
    )*};
}

impl AuthConfigBuilder {
    setter! {
        /// Signing keys ([`JwtKeys::hmac`], [`JwtKeys::pem`], [`JwtKeys::development`]).
        ///
        /// ```no_run
        /// use access_axum::{AuthConfig, JwtKeys};
        /// let keys = JwtKeys::development(std::path::Path::new(".dev")).unwrap();
        /// let builder = AuthConfig::builder().keys(keys);
        /// ```
        keys: JwtKeys,
        /// Access token lifetime (default 60 s; `JWT_EXPIRES_IN`).
        ///
        /// ```
        /// use std::time::Duration;
        /// let builder = access_axum::AuthConfig::builder().access_ttl(Duration::from_secs(300));
        /// ```
        access_ttl: Duration,
        /// Refresh token and session lifetime (default 30 days; `JWT_REFRESH_EXPIRES_IN`).
        ///
        /// ```
        /// use std::time::Duration;
        /// let week = Duration::from_secs(7 * 86_400);
        /// let builder = access_axum::AuthConfig::builder().refresh_ttl(week);
        /// ```
        refresh_ttl: Duration,
        /// How long a rotated refresh token still works, for concurrent refreshes (default 10 s).
        ///
        /// ```
        /// use std::time::Duration;
        /// let builder = access_axum::AuthConfig::builder().refresh_grace(Duration::from_secs(2));
        /// ```
        refresh_grace: Duration,
        /// Clock leeway on `exp`/`nbf` in seconds (default 5; at most 60).
        ///
        /// ```
        /// let builder = access_axum::AuthConfig::builder().leeway(0);
        /// ```
        leeway: u64,
        /// How tokens reach the client (default both cookies and body).
        ///
        /// ```
        /// use access_axum::config::TokenTransport;
        /// let builder = access_axum::AuthConfig::builder().transport(TokenTransport::Cookie);
        /// ```
        transport: TokenTransport,
        /// Cookie settings.
        ///
        /// ```
        /// use access_axum::config::{CookieConfig, SameSite};
        /// let strict = CookieConfig { same_site: SameSite::Strict, ..CookieConfig::default() };
        /// let builder = access_axum::AuthConfig::builder().cookies(strict);
        /// ```
        cookies: CookieConfig,
        /// Which identifiers log a user in (default email or username).
        ///
        /// ```
        /// use access_axum::config::LoginIdentifier;
        /// let builder = access_axum::AuthConfig::builder().identifiers(LoginIdentifier::Username);
        /// ```
        identifiers: LoginIdentifier,
        /// Password rules.
        ///
        /// ```
        /// use access_axum::config::PasswordPolicy;
        /// let policy = PasswordPolicy { require_symbol: true, ..PasswordPolicy::default() };
        /// let builder = access_axum::AuthConfig::builder().password(policy);
        /// ```
        password: PasswordPolicy,
        /// Argon2id cost. Stored hashes costlier than at least 256 MiB, 10 iterations and 8
        /// lanes (and never less than these parameters) are refused without being computed.
        ///
        /// ```
        /// use access_axum::config::Argon2Params;
        /// let stronger = Argon2Params { t_cost: 3, ..Argon2Params::default() };
        /// let builder = access_axum::AuthConfig::builder().argon2(stronger);
        /// ```
        argon2: Argon2Params,
        /// Argon2 computations at once (default: the machine's parallelism, at least 2). Memory
        /// for hashing stays under `hashing_slots × argon2.m_cost` KiB; requests beyond it
        /// wait (see `hashing_wait`).
        ///
        /// ```
        /// let builder = access_axum::AuthConfig::builder().hashing_slots(4); // 4 × 19 MiB
        /// ```
        hashing_slots: usize,
        /// How long a login, sign-up or password change waits for a hashing slot before it is
        /// answered 503 with `Retry-After` (default 5 s).
        ///
        /// ```
        /// use std::time::Duration;
        /// let builder = access_axum::AuthConfig::builder().hashing_wait(Duration::from_secs(2));
        /// ```
        hashing_wait: Duration,
        /// Rate limits per endpoint.
        ///
        /// ```
        /// use access_axum::config::RateLimits;
        /// let builder = access_axum::AuthConfig::builder().rate_limits(RateLimits::default());
        /// ```
        rate_limits: RateLimits,
        /// Whether `POST register` is open (default on; `AUTH_REGISTRATION`).
        ///
        /// ```
        /// let builder = access_axum::AuthConfig::builder().registration(false);
        /// ```
        registration: bool,
        /// Sessions per user (default 50, at least 1); a login beyond it revokes the oldest.
        ///
        /// ```
        /// let builder = access_axum::AuthConfig::builder().max_sessions(5);
        /// ```
        max_sessions: usize,
        /// Largest request body accepted by the auth endpoints (default 16 KiB).
        ///
        /// ```
        /// let builder = access_axum::AuthConfig::builder().body_limit(4096);
        /// ```
        body_limit: usize,
        /// Revoke every session on password reset (default on).
        ///
        /// ```
        /// let builder = access_axum::AuthConfig::builder().reset_revokes_sessions(false);
        /// ```
        reset_revokes_sessions: bool,
        /// Lifetime of email verification and password reset tokens (default 1 hour).
        ///
        /// ```
        /// use std::time::Duration;
        /// let builder = access_axum::AuthConfig::builder().one_time_ttl(Duration::from_secs(900));
        /// ```
        one_time_ttl: Duration,
        /// The application's own users table and its column names (default the built-in
        /// `auth_users`).
        ///
        /// ```
        /// use access_axum::db::UsersTable;
        /// let users = UsersTable { table: "accounts".into(), email: "mail".into(), ..UsersTable::default() };
        /// let builder = access_axum::AuthConfig::builder().users(users);
        /// ```
        users: UsersTable,
        /// Each endpoint's path under the base path.
        ///
        /// ```
        /// use access_axum::AuthPaths;
        /// let paths = AuthPaths { me: "/whoami".into(), ..AuthPaths::default() };
        /// let builder = access_axum::AuthConfig::builder().paths(paths);
        /// ```
        paths: AuthPaths,
    }

    /// `iss` of issued tokens, required on verification (default `access`; `JWT_ISSUER`).
    ///
    /// ```
    /// let builder = access_axum::AuthConfig::builder().issuer("https://id.example.com");
    /// ```
    #[must_use]
    pub fn issuer(mut self, v: impl Into<String>) -> Self {
        self.issuer = Some(v.into());
        self
    }

    /// `aud` of issued tokens, required on verification (default `access`; `JWT_AUDIENCE`).
    ///
    /// ```
    /// let builder = access_axum::AuthConfig::builder().audience("api");
    /// ```
    #[must_use]
    pub fn audience(mut self, v: impl Into<String>) -> Self {
        self.audience = Some(v.into());
        self
    }

    /// Where the endpoints are mounted (default `/auth`): starts with `/`, does not end with one.
    ///
    /// ```
    /// let builder = access_axum::AuthConfig::builder().base_path("/api/auth");
    /// ```
    #[must_use]
    pub fn base_path(mut self, v: impl Into<String>) -> Self {
        self.base_path = Some(v.into());
        self
    }

    /// An origin allowed to send cookie-authenticated mutations (`https://app.example.com`)
    /// besides the request's own host. Call it once per origin.
    ///
    /// ```
    /// let builder = access_axum::AuthConfig::builder()
    ///     .allow_origin("https://app.example.com")
    ///     .allow_origin("https://admin.example.com");
    /// ```
    #[must_use]
    pub fn allow_origin(mut self, v: impl Into<String>) -> Self {
        self.allowed_origins.push(v.into());
        self
    }

    /// A reverse proxy or load balancer (an address or a CIDR range) whose `Forwarded` /
    /// `X-Forwarded-For` headers name the client, for rate limits and sessions.
    /// Call it once per range; wins over `TRUSTED_PROXIES`. Headers from any other peer
    /// are ignored. See docs/deployment.md.
    ///
    /// ```
    /// let builder = access_axum::AuthConfig::builder()
    ///     .trusted_proxy("10.0.0.0/8".parse().unwrap())
    ///     .trusted_proxy("127.0.0.1/32".parse().unwrap());
    /// ```
    #[must_use]
    pub fn trusted_proxy(mut self, range: ipnet::IpNet) -> Self {
        self.trusted_proxies
            .get_or_insert_with(Vec::new)
            .push(range);
        self
    }

    /// Turns MFA on (TOTP second factor and recovery codes): the key that encrypts the TOTP
    /// secrets at rest and the issuer name authenticator apps show. Wins over `MFA_KEY` and
    /// `MFA_ISSUER`. See [`MfaSettings`].
    ///
    /// ```
    /// use access_axum::config::MfaSettings;
    /// // A literal key, for this example only: 32 random bytes from `MFA_KEY` in production.
    /// let key: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37));
    /// let mfa = MfaSettings { key, issuer: "Example".into() };
    /// let builder = access_axum::AuthConfig::builder().mfa(mfa);
    /// ```
    #[must_use]
    pub fn mfa(mut self, v: MfaSettings) -> Self {
        self.mfa_key = Some(v.key);
        self.mfa_issuer = Some(v.issuer);
        self
    }

    /// Turns MFA on with this key (32 random bytes; `MFA_KEY`), the issuer being `MFA_ISSUER`,
    /// [`mfa_issuer`](Self::mfa_issuer) or `access`.
    ///
    /// ```
    /// // For this example only: read the key from a secret store or `MFA_KEY`.
    /// let key: [u8; 32] = std::array::from_fn(|i| i as u8);
    /// let builder = access_axum::AuthConfig::builder().mfa_key(key).mfa_issuer("Example");
    /// ```
    #[must_use]
    pub fn mfa_key(mut self, key: [u8; 32]) -> Self {
        self.mfa_key = Some(key);
        self
    }

    /// The name authenticator apps show for this service (default `access`; `MFA_ISSUER`): 1 to
    /// 64 characters without `:`. Needs a key ([`mfa_key`](Self::mfa_key) or `MFA_KEY`).
    ///
    /// ```
    /// let builder = access_axum::AuthConfig::builder().mfa_issuer("Example");
    /// ```
    #[must_use]
    pub fn mfa_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.mfa_issuer = Some(issuer.into());
        self
    }

    /// The configuration.
    ///
    /// # Errors
    /// Every mistake found (missing keys, short secret, bad durations, ..), each naming what
    /// to set.
    ///
    /// # Examples
    /// ```
    /// let errors = access_axum::AuthConfig::builder().leeway(3600).build().unwrap_err();
    /// assert_eq!(errors.len(), 2); // the leeway, and no signing key
    /// ```
    pub fn build(self) -> Result<AuthConfig, ConfigErrors> {
        let mut errors = self.errors;
        let cookies = self.cookies.unwrap_or_default();
        if cookies.same_site == SameSite::None && !cookies.secure {
            errors.push(ConfigError::Conflict {
                var: "cookies.same_site",
                with: "cookies.secure",
                reason: "SameSite=None cookies must be Secure".to_owned(),
            });
        }
        let leeway = self.leeway.unwrap_or(5);
        if leeway > 60 {
            errors.push(ConfigError::invalid(
                "leeway",
                "above 60 s defeats short-lived tokens",
            ));
        }
        let base_path = self.base_path.unwrap_or_else(|| "/auth".to_owned());
        if !base_path.starts_with('/') || base_path.ends_with('/') {
            errors.push(ConfigError::invalid(
                "base_path",
                "must start with `/` and not end with one",
            ));
        }
        let paths = self.paths.unwrap_or_default();
        let named = paths.named();
        for (i, (var, p)) in named.iter().enumerate() {
            if !p.starts_with('/') || p.len() < 2 || p.ends_with('/') {
                errors.push(ConfigError::invalid(
                    var,
                    format!("`{p}` must start with `/` and not end with one"),
                ));
            } else if let Some((first, _)) = named[..i].iter().find(|(_, q)| q == p) {
                errors.push(ConfigError::Conflict {
                    var,
                    with: first,
                    reason: format!("endpoint path `{p}` is used twice"),
                });
            }
        }
        let mfa = match (self.mfa_key, self.mfa_issuer) {
            (Some(key), issuer) => {
                let issuer = issuer.unwrap_or_else(|| mfa::DEFAULT_ISSUER.to_owned());
                let checked = mfa::check_key("MFA_KEY", &key)
                    .and_then(|()| mfa::check_issuer("MFA_ISSUER", &issuer));
                match checked {
                    Ok(()) => Some(MfaSettings { key, issuer }),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                }
            }
            (None, Some(_)) if !errors.iter().any(|e| e.var() == Some("MFA_KEY")) => {
                errors.push(ConfigError::Missing {
                    var: "MFA_KEY",
                    what: "MFA key",
                    hint: "(32 random bytes, base64 or hex) to go with MFA_ISSUER",
                });
                None
            }
            (None, _) => None,
        };
        if self.max_sessions == Some(0) {
            errors.push(ConfigError::invalid("max_sessions", "must be at least 1"));
        }
        let Some(keys) = self.keys else {
            errors.push(ConfigError::Missing {
                var: "JWT_SECRET",
                what: "signing key",
                hint: "(at least 32 bytes) or JWT_PRIVATE_KEY and JWT_PUBLIC_KEY",
            });
            return Err(ConfigErrors::new(errors));
        };
        if !errors.is_empty() {
            return Err(ConfigErrors::new(errors));
        }
        let argon2 = self.argon2.unwrap_or_default();
        Ok(AuthConfig {
            tokens: TokenConfig {
                keys,
                issuer: self.issuer.unwrap_or_else(|| "access".to_owned()),
                audience: self.audience.unwrap_or_else(|| "access".to_owned()),
                access_ttl: self.access_ttl.unwrap_or(Duration::from_secs(60)),
                refresh_ttl: self.refresh_ttl.unwrap_or(Duration::from_secs(30 * 86_400)),
                one_time_ttl: self.one_time_ttl.unwrap_or(Duration::from_secs(3600)),
                leeway,
            },
            sessions: SessionConfig {
                max: self.max_sessions.unwrap_or(50),
                refresh_grace: self.refresh_grace.unwrap_or(Duration::from_secs(10)),
                revoke_on_reset: self.reset_revokes_sessions.unwrap_or(true),
            },
            passwords: PasswordConfig {
                policy: self.password.unwrap_or_default(),
                argon2,
                argon2_max: argon2.cap(),
                hashing_slots: self
                    .hashing_slots
                    .unwrap_or_else(|| {
                        std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
                    })
                    .max(1),
                hashing_wait: self.hashing_wait.unwrap_or(Duration::from_secs(5)),
            },
            accounts: AccountConfig {
                users: self.users.unwrap_or_default(),
                identifiers: self.identifiers.unwrap_or(LoginIdentifier::EmailOrUsername),
                registration: self.registration.unwrap_or(true),
            },
            http: HttpConfig {
                base_path,
                paths,
                body_limit: self.body_limit.unwrap_or(16 * 1024),
                allowed_origins: self.allowed_origins,
                cookies,
                transport: self.transport.unwrap_or(TokenTransport::Both),
                rate_limits: self.rate_limits.unwrap_or_default(),
                trusted_proxies: self.trusted_proxies.unwrap_or_default(),
            },
            mfa,
        })
    }
}
