//! Authentication configuration: one builder, readable from the environment.

use std::fmt;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

/// A configuration mistake, found at startup. Never contains a secret.
///
/// # Examples
/// ```
/// use access_axum::{AuthConfig, ConfigError};
/// // No signing key: `build` lists every mistake.
/// let errors: Vec<ConfigError> = AuthConfig::builder().build().unwrap_err();
/// assert_eq!(errors.len(), 1);
/// assert!(errors[0].to_string().starts_with("no signing key"));
/// assert_eq!(errors[0].to_string(), errors[0].0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}

/// How tokens reach the client.
///
/// # Examples
/// ```
/// use access_axum::AuthConfig;
/// use access_axum::config::TokenTransport;
/// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// let config = AuthConfig::builder().keys(keys.clone()).build().unwrap();
/// assert_eq!(config.transport, TokenTransport::Both); // the default
/// let api_only = AuthConfig::builder()
///     .keys(keys)
///     .transport(TokenTransport::Body)
///     .build()
///     .unwrap();
/// assert_eq!(api_only.transport, TokenTransport::Body);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenTransport {
    /// Tokens are issued in `HttpOnly` cookies only (browsers). A client holding a token may
    /// still present it as `Authorization: Bearer` (access) or in the body (refresh).
    Cookie,
    /// Tokens are issued in the JSON body only (mobile and API clients; `Authorization:
    /// Bearer`); cookies are neither set nor read.
    Body,
    /// Both.
    Both,
}

/// `SameSite` for the auth cookies.
///
/// # Examples
/// ```
/// use access_axum::AuthConfig;
/// use access_axum::config::{CookieConfig, SameSite};
/// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// assert_eq!(CookieConfig::default().same_site, SameSite::Lax);
/// // `SameSite=None` needs `Secure`.
/// let insecure = CookieConfig { secure: false, same_site: SameSite::None, host_prefix: false };
/// let errors = AuthConfig::builder().keys(keys).cookies(insecure).build().unwrap_err();
/// assert_eq!(errors[0].0, "SameSite=None cookies must be Secure");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    /// `Strict`
    Strict,
    /// `Lax`
    Lax,
    /// `None` (requires `Secure`).
    None,
}

/// Cookie settings.
///
/// # Examples
/// ```
/// use access_axum::config::{CookieConfig, SameSite};
/// let c = CookieConfig::default();
/// assert!(c.secure && c.host_prefix);
/// assert_eq!(c.same_site, SameSite::Lax);
/// // Plain-HTTP development: no `Secure`, so no `__Host-` prefix either.
/// let dev = CookieConfig { secure: false, ..CookieConfig::default() };
/// assert_eq!(dev.name("access_token"), "access_token");
/// ```
#[derive(Clone, Debug)]
pub struct CookieConfig {
    /// `Secure` (default on; turn off only for plain-HTTP development).
    pub secure: bool,
    /// `SameSite` (default `Lax`).
    pub same_site: SameSite,
    /// Prefix names with `__Host-` (path `/`, no domain; default on). Applied only when
    /// `secure` is on too, since browsers refuse `__Host-` cookies without `Secure`.
    pub host_prefix: bool,
}

impl Default for CookieConfig {
    fn default() -> Self {
        Self {
            secure: true,
            same_site: SameSite::Lax,
            host_prefix: true,
        }
    }
}

impl CookieConfig {
    /// The cookie name for `base` (`access_token`), prefixed when allowed.
    ///
    /// # Examples
    /// ```
    /// use access_axum::config::CookieConfig;
    /// let c = CookieConfig::default();
    /// assert_eq!(c.name("access_token"), "__Host-access_token");
    /// let unprefixed = CookieConfig { host_prefix: false, ..c };
    /// assert_eq!(unprefixed.name("refresh_token"), "refresh_token");
    /// ```
    pub fn name(&self, base: &str) -> String {
        if self.host_prefix && self.secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }
}

/// Password rules.
///
/// # Examples
/// ```
/// use access_axum::AuthConfig;
/// use access_axum::config::PasswordPolicy;
/// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// let policy = PasswordPolicy { min_len: 12, require_digit: true, ..PasswordPolicy::default() };
/// let config = AuthConfig::builder().keys(keys).password(policy).build().unwrap();
/// assert_eq!(config.password.min_len, 12);
/// assert_eq!(PasswordPolicy::default().max_len, 256);
/// ```
#[derive(Clone, Debug)]
pub struct PasswordPolicy {
    /// Minimum length in characters (default 10).
    pub min_len: usize,
    /// Maximum length in bytes, bounding hashing cost (default 256).
    pub max_len: usize,
    /// Require a lowercase letter, an uppercase letter, a digit, a symbol.
    pub require_lower: bool,
    /// Uppercase.
    pub require_upper: bool,
    /// Digit.
    pub require_digit: bool,
    /// Symbol.
    pub require_symbol: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_len: 10,
            max_len: 256,
            require_lower: false,
            require_upper: false,
            require_digit: false,
            require_symbol: false,
        }
    }
}

impl PasswordPolicy {
    /// Every rule `password` breaks.
    ///
    /// # Examples
    /// ```
    /// use access_axum::config::PasswordPolicy;
    /// let p = PasswordPolicy {
    ///     require_digit: true,
    ///     require_upper: true,
    ///     ..PasswordPolicy::default()
    /// };
    /// assert_eq!(
    ///     p.violations("short"),
    ///     ["at least 10 characters", "an uppercase letter", "a digit"]
    /// );
    /// assert!(p.violations("Long enough 1").is_empty());
    /// ```
    pub fn violations(&self, password: &str) -> Vec<String> {
        let mut v = Vec::new();
        if password.chars().count() < self.min_len {
            v.push(format!("at least {} characters", self.min_len));
        }
        if password.len() > self.max_len {
            v.push(format!("at most {} bytes", self.max_len));
        }
        if self.require_lower && !password.chars().any(char::is_lowercase) {
            v.push("a lowercase letter".to_owned());
        }
        if self.require_upper && !password.chars().any(char::is_uppercase) {
            v.push("an uppercase letter".to_owned());
        }
        if self.require_digit && !password.chars().any(|c| c.is_ascii_digit()) {
            v.push("a digit".to_owned());
        }
        if self.require_symbol && !password.chars().any(|c| !c.is_alphanumeric()) {
            v.push("a symbol".to_owned());
        }
        v
    }
}

/// Which identifiers log a user in.
///
/// # Examples
/// ```
/// use access_axum::AuthConfig;
/// use access_axum::config::LoginIdentifier;
/// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// let config = AuthConfig::builder().keys(keys.clone()).build().unwrap();
/// assert_eq!(config.identifiers, LoginIdentifier::EmailOrUsername); // the default
/// let config = AuthConfig::builder()
///     .keys(keys)
///     .identifiers(LoginIdentifier::Email)
///     .build()
///     .unwrap();
/// assert_eq!(config.identifiers, LoginIdentifier::Email);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginIdentifier {
    /// Email only.
    Email,
    /// Username only.
    Username,
    /// Either.
    EmailOrUsername,
}

/// A fixed-window rate limit.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use access_axum::config::{RateLimit, RateLimits};
/// let three_per_minute = RateLimit { max: 3, window: Duration::from_secs(60) };
/// let limits = RateLimits { login: three_per_minute, ..RateLimits::default() };
/// assert_eq!(limits.login.max, 3);
/// assert_ne!(limits.login, RateLimits::default().login);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Attempts allowed per window.
    pub max: u32,
    /// The window.
    pub window: Duration,
}

/// Rate limits per endpoint (keyed by identifier and by IP).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use access_axum::config::{RateLimit, RateLimits};
/// let d = RateLimits::default();
/// // 10 logins per 5 minutes, 5 emails per hour.
/// assert_eq!(d.login, RateLimit { max: 10, window: Duration::from_secs(300) });
/// assert_eq!(d.email, RateLimit { max: 5, window: Duration::from_secs(3600) });
/// ```
#[derive(Clone, Debug)]
pub struct RateLimits {
    /// `POST login`, per identifier and per IP.
    pub login: RateLimit,
    /// `POST register`, per IP.
    pub register: RateLimit,
    /// `POST refresh`, per IP.
    pub refresh: RateLimit,
    /// `POST forgot-password` and `resend-verification`, per identifier.
    pub email: RateLimit,
}

impl Default for RateLimits {
    fn default() -> Self {
        let m = |max, secs| RateLimit {
            max,
            window: Duration::from_secs(secs),
        };
        Self {
            login: m(10, 300),
            register: m(20, 3600),
            refresh: m(120, 60),
            email: m(5, 3600),
        }
    }
}

/// Argon2id cost parameters.
///
/// # Examples
/// ```
/// use access_axum::AuthConfig;
/// use access_axum::config::Argon2Params;
/// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// assert_eq!(Argon2Params::default(), Argon2Params { m_cost: 19_456, t_cost: 2, p_cost: 1 });
/// // Cheap hashing, for tests only.
/// let fast = Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
/// assert_eq!(config.argon2, fast);
/// // Stored hashes costlier than this cap are refused without being computed.
/// assert_eq!(config.argon2_max.m_cost, 262_144);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB (default 19,456 = 19 MiB, OWASP).
    pub m_cost: u32,
    /// Iterations (default 2).
    pub t_cost: u32,
    /// Parallelism (default 1).
    pub p_cost: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            m_cost: 19_456,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

/// Signing keys: one algorithm family per key.
///
/// # Examples
/// ```
/// use access_axum::JwtKeys;
/// use jsonwebtoken::Algorithm;
/// // A literal secret, for this example only: read real ones from the environment.
/// let keys = JwtKeys::hmac(Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// assert_eq!(keys.algorithm, Algorithm::HS256);
/// assert_eq!(keys.kid, "hmac");
/// // `Debug` never shows key material.
/// assert!(!format!("{keys:?}").contains("example-only"));
/// ```
#[derive(Clone)]
pub struct JwtKeys {
    /// The algorithm.
    pub algorithm: Algorithm,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    /// Key id put in headers and the JWKS.
    pub kid: String,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// HMAC keys (HS256/384/512). The secret must be at least 32 bytes.
    ///
    /// # Errors
    /// A short secret or a non-HMAC algorithm.
    ///
    /// # Examples
    /// ```
    /// use access_axum::JwtKeys;
    /// use jsonwebtoken::Algorithm;
    /// // A literal secret, for this example only.
    /// let keys = JwtKeys::hmac(Algorithm::HS512, &[7u8; 64]).unwrap();
    /// assert_eq!(keys.algorithm, Algorithm::HS512);
    /// let short = JwtKeys::hmac(Algorithm::HS256, b"too short").unwrap_err();
    /// assert_eq!(short.0, "JWT_SECRET must be at least 32 bytes (it is 9)");
    /// assert!(JwtKeys::hmac(Algorithm::ES256, &[7u8; 64]).is_err());
    /// ```
    pub fn hmac(algorithm: Algorithm, secret: &[u8]) -> Result<Self, ConfigError> {
        if !matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(err(format!("{algorithm:?} is not an HMAC algorithm")));
        }
        if secret.len() < 32 {
            return Err(err(format!(
                "JWT_SECRET must be at least 32 bytes (it is {})",
                secret.len()
            )));
        }
        Ok(Self {
            algorithm,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            kid: "hmac".to_owned(),
        })
    }

    /// Asymmetric keys from PEM (RS256/384/512 with RSA keys, ES256/384 with EC keys).
    ///
    /// # Errors
    /// A key that does not parse or does not fit the algorithm.
    ///
    /// # Examples
    /// ```
    /// use access_axum::JwtKeys;
    /// use jsonwebtoken::Algorithm;
    /// # let dir = std::env::temp_dir().join(format!("access-axum-doc-pem-{}", std::process::id()));
    /// # JwtKeys::development(&dir).unwrap();
    /// // An EC (P-256) key pair in PEM, as `JwtKeys::development` writes them.
    /// let private = std::fs::read(dir.join("jwt-private.pem")).unwrap();
    /// let public = std::fs::read(dir.join("jwt-public.pem")).unwrap();
    /// let keys = JwtKeys::pem(Algorithm::ES256, &private, &public, "key-1").unwrap();
    /// assert_eq!(keys.kid, "key-1");
    /// assert!(keys.is_asymmetric());
    /// // An EC key does not fit an RSA algorithm.
    /// let err = JwtKeys::pem(Algorithm::RS256, &private, &public, "key-1").unwrap_err();
    /// assert_eq!(err.0, "JWT private key is not an RSA PEM key");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn pem(
        algorithm: Algorithm,
        private_pem: &[u8],
        public_pem: &[u8],
        kid: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        let (encoding, decoding) = match algorithm {
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => (
                EncodingKey::from_rsa_pem(private_pem)
                    .map_err(|_| err("JWT private key is not an RSA PEM key"))?,
                DecodingKey::from_rsa_pem(public_pem)
                    .map_err(|_| err("JWT public key is not an RSA PEM key"))?,
            ),
            Algorithm::ES256 | Algorithm::ES384 => (
                EncodingKey::from_ec_pem(private_pem)
                    .map_err(|_| err("JWT private key is not an EC PEM key"))?,
                DecodingKey::from_ec_pem(public_pem)
                    .map_err(|_| err("JWT public key is not an EC PEM key"))?,
            ),
            other => return Err(err(format!("{other:?} is not supported with PEM keys"))),
        };
        Ok(Self {
            algorithm,
            encoding,
            decoding,
            kid: kid.into(),
        })
    }

    /// Development keys: an ES256 (P-256) key pair kept in `dir` (`jwt-private.pem`, mode 0600,
    /// and `jwt-public.pem`), generated on first use. Keep `dir` out of version control (the
    /// project ignores `/.dev/`); production keys come from the environment.
    ///
    /// # Errors
    /// The folder cannot be written or holds keys that do not parse.
    ///
    /// # Examples
    /// ```
    /// use access_axum::JwtKeys;
    /// use jsonwebtoken::Algorithm;
    /// let dir = std::env::temp_dir().join(format!("access-axum-doc-dev-{}", std::process::id()));
    /// let keys = JwtKeys::development(&dir).unwrap();
    /// assert_eq!((keys.algorithm, keys.kid.as_str()), (Algorithm::ES256, "dev-1"));
    /// assert!(dir.join("jwt-private.pem").exists() && dir.join("jwt-public.pem").exists());
    /// // Later calls reuse the pair.
    /// let first = std::fs::read(dir.join("jwt-private.pem")).unwrap();
    /// JwtKeys::development(&dir).unwrap();
    /// assert_eq!(std::fs::read(dir.join("jwt-private.pem")).unwrap(), first);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn development(dir: &std::path::Path) -> Result<Self, ConfigError> {
        let private = dir.join("jwt-private.pem");
        let public = dir.join("jwt-public.pem");
        if !private.exists() || !public.exists() {
            use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
            use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
            let kp = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(|_| err("could not generate a development key pair"))?;
            let pkcs8 = kp
                .to_pkcs8v1()
                .map_err(|_| err("could not encode the development key"))?;
            let spki: PublicKeyX509Der<'_> = kp
                .public_key()
                .as_der()
                .map_err(|_| err("could not encode the development public key"))?;
            std::fs::create_dir_all(dir)
                .map_err(|e| err(format!("cannot create `{}`: {e}", dir.display())))?;
            write_private(&private, pem("PRIVATE KEY", pkcs8.as_ref()).as_bytes())?;
            std::fs::write(&public, pem("PUBLIC KEY", spki.as_ref()))
                .map_err(|e| err(format!("cannot write `{}`: {e}", public.display())))?;
            tracing::warn!(dir = %dir.display(), "generated a development JWT key pair");
        }
        let read = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| err(format!("cannot read `{}`: {e}", p.display())))
        };
        Self::pem(Algorithm::ES256, &read(&private)?, &read(&public)?, "dev-1")
    }

    /// Whether the keys are asymmetric (then a JWKS is served).
    ///
    /// # Examples
    /// ```
    /// use access_axum::JwtKeys;
    /// use jsonwebtoken::Algorithm;
    /// // A literal secret, for this example only.
    /// let hmac = JwtKeys::hmac(Algorithm::HS256, &[7u8; 32]).unwrap();
    /// assert!(!hmac.is_asymmetric());
    /// # let dir = std::env::temp_dir().join(format!("access-axum-doc-asym-{}", std::process::id()));
    /// let ec = JwtKeys::development(&dir).unwrap();
    /// assert!(ec.is_asymmetric());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn is_asymmetric(&self) -> bool {
        !matches!(
            self.algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        )
    }
}

/// Parses `"60s"`, `"30m"`, `"12h"`, `"7d"` or plain seconds.
///
/// # Errors
/// Anything else, or zero.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// assert_eq!(access_axum::config::parse_duration("30m"), Ok(Duration::from_secs(1800)));
/// assert_eq!(access_axum::config::parse_duration("90"), Ok(Duration::from_secs(90)));
/// assert!(access_axum::config::parse_duration("soon").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<Duration, ConfigError> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| err(format!("`{s}` is not a duration (try `60s`, `30m`, `7d`)")))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(err(format!(
                "`{s}` is not a duration (try `60s`, `30m`, `7d`)"
            )));
        }
    };
    if n == 0 {
        return Err(err(format!("`{s}` must be longer than zero")));
    }
    n.checked_mul(mult)
        .map(Duration::from_secs)
        .ok_or_else(|| err(format!("`{s}` is too long")))
}

/// Paths of the endpoints, under [`AuthConfig::base_path`]. Each starts with `/`.
///
/// # Examples
/// ```
/// use access_axum::{AuthConfig, AuthPaths};
/// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// assert_eq!(AuthPaths::default().register, "/register");
/// let paths = AuthPaths { register: "/sign-up".into(), ..AuthPaths::default() };
/// let config = AuthConfig::builder().keys(keys.clone()).paths(paths).build().unwrap();
/// assert_eq!(config.paths.register, "/sign-up");
/// // Two endpoints cannot share a path.
/// let clash = AuthPaths { logout: "/login".into(), ..AuthPaths::default() };
/// let errors = AuthConfig::builder().keys(keys).paths(clash).build().unwrap_err();
/// assert_eq!(errors[0].0, "endpoint path `/login` is used twice");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthPaths {
    /// `POST` sign-up (default `/register`).
    pub register: String,
    /// `POST` (default `/login`).
    pub login: String,
    /// `POST` (default `/logout`).
    pub logout: String,
    /// `GET` (default `/me`).
    pub me: String,
    /// `POST` (default `/refresh`).
    pub refresh: String,
    /// `GET` list, `DELETE` others; `DELETE {sessions}/{id}` one (default `/sessions`).
    pub sessions: String,
    /// `POST` (default `/forgot-password`).
    pub forgot_password: String,
    /// `POST` (default `/reset-password`).
    pub reset_password: String,
    /// `POST` (default `/verify-email`).
    pub verify_email: String,
    /// `POST` (default `/resend-verification`).
    pub resend_verification: String,
    /// `GET` (default `/.well-known/jwks.json`).
    pub jwks: String,
}

impl Default for AuthPaths {
    fn default() -> Self {
        Self {
            register: "/register".into(),
            login: "/login".into(),
            logout: "/logout".into(),
            me: "/me".into(),
            refresh: "/refresh".into(),
            sessions: "/sessions".into(),
            forgot_password: "/forgot-password".into(),
            reset_password: "/reset-password".into(),
            verify_email: "/verify-email".into(),
            resend_verification: "/resend-verification".into(),
            jwks: "/.well-known/jwks.json".into(),
        }
    }
}

impl AuthPaths {
    fn all(&self) -> [&str; 11] {
        [
            &self.register,
            &self.login,
            &self.logout,
            &self.me,
            &self.refresh,
            &self.sessions,
            &self.forgot_password,
            &self.reset_password,
            &self.verify_email,
            &self.resend_verification,
            &self.jwks,
        ]
    }
}

/// The authentication configuration.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use access_axum::AuthConfig;
/// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// let config = AuthConfig::builder().keys(keys).issuer("https://api.example.com").build().unwrap();
/// assert_eq!(config.issuer, "https://api.example.com");
/// // Defaults for everything else.
/// assert_eq!(config.audience, "access");
/// assert_eq!(config.access_ttl, Duration::from_secs(60));
/// assert_eq!(config.refresh_ttl, Duration::from_secs(30 * 86_400));
/// assert_eq!(config.base_path, "/auth");
/// assert!(config.registration);
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

impl AuthConfig {
    /// A builder with sane defaults; keys must be set (or read with `from_env`).
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
    /// assert!(AuthConfig::builder().build().is_err()); // no keys
    /// let config = AuthConfig::builder().keys(keys).build().unwrap();
    /// assert_eq!(config.max_sessions, 50);
    /// ```
    pub fn builder() -> AuthConfigBuilder {
        AuthConfigBuilder::default()
    }
}

/// Builds an [`AuthConfig`].
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use access_axum::config::AuthConfigBuilder;
/// use access_axum::AuthConfig;
/// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// let builder: AuthConfigBuilder = AuthConfig::builder()
///     .keys(keys)
///     .access_ttl(Duration::from_secs(300))
///     .registration(false);
/// let config = builder.build().unwrap();
/// assert_eq!(config.access_ttl, Duration::from_secs(300));
/// assert!(!config.registration);
/// ```
#[derive(Debug, Default)]
pub struct AuthConfigBuilder {
    keys: Option<JwtKeys>,
    issuer: Option<String>,
    audience: Option<String>,
    access_ttl: Option<Duration>,
    refresh_ttl: Option<Duration>,
    refresh_grace: Option<Duration>,
    leeway: Option<u64>,
    transport: Option<TokenTransport>,
    cookies: Option<CookieConfig>,
    identifiers: Option<LoginIdentifier>,
    password: Option<PasswordPolicy>,
    argon2: Option<Argon2Params>,
    rate_limits: Option<RateLimits>,
    registration: Option<bool>,
    max_sessions: Option<usize>,
    base_path: Option<String>,
    paths: Option<AuthPaths>,
    body_limit: Option<usize>,
    allowed_origins: Vec<String>,
    reset_revokes_sessions: Option<bool>,
    one_time_ttl: Option<Duration>,
    users: Option<crate::db::UsersTable>,
    errors: Vec<ConfigError>,
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
        /// Signing keys.
        ///
        /// # Examples
        /// ```
        /// use access_axum::{AuthConfig, JwtKeys};
        /// use jsonwebtoken::Algorithm;
        /// // A literal secret, for this example only.
        /// let keys = JwtKeys::hmac(Algorithm::HS384, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).build().unwrap();
        /// assert_eq!(config.keys.algorithm, Algorithm::HS384);
        /// ```
        keys: JwtKeys,
        /// Access token lifetime.
        ///
        /// # Examples
        /// ```
        /// use std::time::Duration;
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).access_ttl(Duration::from_secs(300)).build().unwrap();
        /// assert_eq!(config.access_ttl, Duration::from_secs(300));
        /// ```
        access_ttl: Duration,
        /// Refresh lifetime.
        ///
        /// # Examples
        /// ```
        /// use std::time::Duration;
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let week = Duration::from_secs(7 * 86_400);
        /// let config = AuthConfig::builder().keys(keys).refresh_ttl(week).build().unwrap();
        /// assert_eq!(config.refresh_ttl, week);
        /// ```
        refresh_ttl: Duration,
        /// Grace window for rotated refresh tokens.
        ///
        /// # Examples
        /// ```
        /// use std::time::Duration;
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).refresh_grace(Duration::from_secs(2)).build().unwrap();
        /// assert_eq!(config.refresh_grace, Duration::from_secs(2));
        /// ```
        refresh_grace: Duration,
        /// Clock leeway in seconds.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys.clone()).leeway(0).build().unwrap();
        /// assert_eq!(config.leeway, 0);
        /// // More than a minute is refused.
        /// assert!(AuthConfig::builder().keys(keys).leeway(61).build().is_err());
        /// ```
        leeway: u64,
        /// Token transport.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// use access_axum::config::TokenTransport;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).transport(TokenTransport::Cookie).build().unwrap();
        /// assert_eq!(config.transport, TokenTransport::Cookie);
        /// ```
        transport: TokenTransport,
        /// Cookies.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// use access_axum::config::{CookieConfig, SameSite};
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let strict = CookieConfig { same_site: SameSite::Strict, ..CookieConfig::default() };
        /// let config = AuthConfig::builder().keys(keys).cookies(strict).build().unwrap();
        /// assert_eq!(config.cookies.same_site, SameSite::Strict);
        /// ```
        cookies: CookieConfig,
        /// Login identifiers.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// use access_axum::config::LoginIdentifier;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).identifiers(LoginIdentifier::Username).build().unwrap();
        /// assert_eq!(config.identifiers, LoginIdentifier::Username);
        /// ```
        identifiers: LoginIdentifier,
        /// Password policy.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// use access_axum::config::PasswordPolicy;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let policy = PasswordPolicy { require_symbol: true, ..PasswordPolicy::default() };
        /// let config = AuthConfig::builder().keys(keys).password(policy).build().unwrap();
        /// assert_eq!(config.password.violations("nosymbolshere"), ["a symbol"]);
        /// ```
        password: PasswordPolicy,
        /// Argon2 parameters.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// use access_axum::config::Argon2Params;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let stronger = Argon2Params { t_cost: 3, ..Argon2Params::default() };
        /// let config = AuthConfig::builder().keys(keys).argon2(stronger).build().unwrap();
        /// assert_eq!(config.argon2.t_cost, 3);
        /// ```
        argon2: Argon2Params,
        /// Rate limits.
        ///
        /// # Examples
        /// ```
        /// use std::time::Duration;
        /// use access_axum::AuthConfig;
        /// use access_axum::config::{RateLimit, RateLimits};
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let limits = RateLimits {
        ///     register: RateLimit { max: 2, window: Duration::from_secs(60) },
        ///     ..RateLimits::default()
        /// };
        /// let config = AuthConfig::builder().keys(keys).rate_limits(limits).build().unwrap();
        /// assert_eq!(config.rate_limits.register.max, 2);
        /// ```
        rate_limits: RateLimits,
        /// Registration on/off.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).registration(false).build().unwrap();
        /// assert!(!config.registration);
        /// ```
        registration: bool,
        /// Sessions per user (at least 1; the oldest is revoked when a login passes it).
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys.clone()).max_sessions(5).build().unwrap();
        /// assert_eq!(config.max_sessions, 5);
        /// // Zero would lock everyone out: a configuration error, not a silent 1.
        /// let errors = AuthConfig::builder().keys(keys).max_sessions(0).build().unwrap_err();
        /// assert!(errors[0].to_string().contains("max_sessions"));
        /// ```
        max_sessions: usize,
        /// Body size limit.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).body_limit(4096).build().unwrap();
        /// assert_eq!(config.body_limit, 4096);
        /// ```
        body_limit: usize,
        /// Revoke sessions on reset.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).reset_revokes_sessions(false).build().unwrap();
        /// assert!(!config.reset_revokes_sessions);
        /// ```
        reset_revokes_sessions: bool,
        /// One-time token lifetime.
        ///
        /// # Examples
        /// ```
        /// use std::time::Duration;
        /// use access_axum::AuthConfig;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let config = AuthConfig::builder().keys(keys).one_time_ttl(Duration::from_secs(900)).build().unwrap();
        /// assert_eq!(config.one_time_ttl, Duration::from_secs(900));
        /// ```
        one_time_ttl: Duration,
        /// The application's own users table and its column names.
        ///
        /// # Examples
        /// ```
        /// use access_axum::AuthConfig;
        /// use access_axum::db::UsersTable;
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let users = UsersTable { table: "accounts".into(), email: "mail".into(), ..UsersTable::default() };
        /// let config = AuthConfig::builder().keys(keys).users(users).build().unwrap();
        /// assert_eq!(config.users.table, "accounts");
        /// assert_eq!(config.users.email, "mail");
        /// ```
        users: crate::db::UsersTable,
        /// Each endpoint's path.
        ///
        /// # Examples
        /// ```
        /// use access_axum::{AuthConfig, AuthPaths};
        /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
        /// let paths = AuthPaths { me: "/whoami".into(), ..AuthPaths::default() };
        /// let config = AuthConfig::builder().keys(keys).paths(paths).build().unwrap();
        /// assert_eq!(config.paths.me, "/whoami");
        /// ```
        paths: AuthPaths,
    }

    /// `iss`.
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
    /// let config = AuthConfig::builder().keys(keys).issuer("https://id.example.com").build().unwrap();
    /// assert_eq!(config.issuer, "https://id.example.com");
    /// ```
    #[must_use]
    pub fn issuer(mut self, v: impl Into<String>) -> Self {
        self.issuer = Some(v.into());
        self
    }
    /// `aud`.
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
    /// let config = AuthConfig::builder().keys(keys).audience("api").build().unwrap();
    /// assert_eq!(config.audience, "api");
    /// ```
    #[must_use]
    pub fn audience(mut self, v: impl Into<String>) -> Self {
        self.audience = Some(v.into());
        self
    }
    /// Where the endpoints are mounted.
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
    /// let config = AuthConfig::builder().keys(keys.clone()).base_path("/api/auth").build().unwrap();
    /// assert_eq!(config.base_path, "/api/auth");
    /// // It starts with `/` and does not end with one.
    /// assert!(AuthConfig::builder().keys(keys).base_path("/auth/").build().is_err());
    /// ```
    #[must_use]
    pub fn base_path(mut self, v: impl Into<String>) -> Self {
        self.base_path = Some(v.into());
        self
    }
    /// An origin allowed to send cookie-authenticated mutations (`https://app.example.com`).
    /// Call it once per origin.
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
    /// let config = AuthConfig::builder()
    ///     .keys(keys)
    ///     .allow_origin("https://app.example.com")
    ///     .allow_origin("https://admin.example.com")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.allowed_origins, ["https://app.example.com", "https://admin.example.com"]);
    /// ```
    #[must_use]
    pub fn allow_origin(mut self, v: impl Into<String>) -> Self {
        self.allowed_origins.push(v.into());
        self
    }

    /// Reads the environment: `JWT_SECRET` (HMAC, at least 32 bytes) or `JWT_PRIVATE_KEY[_FILE]`
    /// and `JWT_PUBLIC_KEY[_FILE]` (PEM) with `JWT_ALGORITHM` (default HS256), `JWT_EXPIRES_IN`,
    /// `JWT_REFRESH_EXPIRES_IN`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_KEY_ID`, `AUTH_REGISTRATION`
    /// (`on`/`off`). Values set on the builder before win.
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
    /// // Values set before `from_env` win over the environment's.
    /// let config = AuthConfig::builder()
    ///     .keys(keys)
    ///     .issuer("https://id.example.com")
    ///     .from_env()
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.issuer, "https://id.example.com");
    /// assert_eq!(config.keys.kid, "hmac");
    /// ```
    #[must_use]
    pub fn from_env(self) -> Self {
        self.from_vars(|k| std::env::var(k).ok())
    }

    /// [`Self::from_env`] over any source of variables (for tests).
    ///
    /// # Examples
    /// ```
    /// use std::collections::HashMap;
    /// use std::time::Duration;
    /// use access_axum::AuthConfig;
    /// // A literal secret, for this example only.
    /// let vars = HashMap::from([
    ///     ("JWT_SECRET", "example-only-secret-0123456789abcdef"),
    ///     ("JWT_EXPIRES_IN", "5m"),
    ///     ("AUTH_REGISTRATION", "off"),
    /// ]);
    /// let config = AuthConfig::builder()
    ///     .from_vars(|k| vars.get(k).map(|v| v.to_string()))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.access_ttl, Duration::from_secs(300));
    /// assert!(!config.registration);
    ///
    /// // Every mistake is reported, none with the secret in it.
    /// let bad = HashMap::from([("JWT_SECRET", "hunter2"), ("JWT_EXPIRES_IN", "soon")]);
    /// let errors = AuthConfig::builder()
    ///     .from_vars(|k| bad.get(k).map(|v| v.to_string()))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(errors.len(), 3); // short secret, bad duration, so no key
    /// assert!(errors.iter().all(|e| !e.0.contains("hunter2")));
    /// ```
    #[must_use]
    pub fn from_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Self {
        if self.keys.is_none() {
            match keys_from_vars(&var) {
                Ok(Some(k)) => self.keys = Some(k),
                Ok(None) => {}
                Err(e) => self.errors.push(e),
            }
        }
        let mut duration = |name: &str, slot: &mut Option<Duration>| {
            if slot.is_none()
                && let Some(v) = var(name)
            {
                match parse_duration(&v) {
                    Ok(d) => *slot = Some(d),
                    Err(e) => self.errors.push(err(format!("{name}: {e}"))),
                }
            }
        };
        duration("JWT_EXPIRES_IN", &mut self.access_ttl);
        duration("JWT_REFRESH_EXPIRES_IN", &mut self.refresh_ttl);
        if self.issuer.is_none() {
            self.issuer = var("JWT_ISSUER");
        }
        if self.audience.is_none() {
            self.audience = var("JWT_AUDIENCE");
        }
        if self.registration.is_none()
            && let Some(v) = var("AUTH_REGISTRATION")
        {
            match v.as_str() {
                "on" | "true" | "1" => self.registration = Some(true),
                "off" | "false" | "0" => self.registration = Some(false),
                _ => self
                    .errors
                    .push(err("AUTH_REGISTRATION must be `on` or `off`")),
            }
        }
        self
    }

    /// The configuration.
    ///
    /// # Errors
    /// Every mistake found (missing keys, short secret, bad durations, ..).
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// # let keys = access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
    /// let config = AuthConfig::builder().keys(keys.clone()).build().unwrap();
    /// assert_eq!(config.leeway, 5);
    /// // Mistakes come all at once.
    /// let errors = AuthConfig::builder()
    ///     .keys(keys)
    ///     .leeway(3600)
    ///     .base_path("auth")
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(errors.len(), 2);
    /// ```
    pub fn build(self) -> Result<AuthConfig, Vec<ConfigError>> {
        let mut errors = self.errors;
        let cookies = self.cookies.unwrap_or_default();
        if cookies.same_site == SameSite::None && !cookies.secure {
            errors.push(err("SameSite=None cookies must be Secure"));
        }
        let leeway = self.leeway.unwrap_or(5);
        if leeway > 60 {
            errors.push(err("leeway above 60 s defeats short-lived tokens"));
        }
        let base_path = self.base_path.unwrap_or_else(|| "/auth".to_owned());
        if !base_path.starts_with('/') || base_path.ends_with('/') {
            errors.push(err("base_path must start with `/` and not end with one"));
        }
        let paths = self.paths.unwrap_or_default();
        let all = paths.all();
        for (i, p) in all.iter().enumerate() {
            if !p.starts_with('/') || p.len() < 2 || p.ends_with('/') {
                errors.push(err(format!(
                    "endpoint path `{p}` must start with `/` and not end with one"
                )));
            } else if all[..i].contains(p) {
                errors.push(err(format!("endpoint path `{p}` is used twice")));
            }
        }
        if self.max_sessions == Some(0) {
            errors.push(err("max_sessions must be at least 1"));
        }
        let Some(keys) = self.keys else {
            errors.push(err(
                "no signing key: set JWT_SECRET (at least 32 bytes) or JWT_PRIVATE_KEY and JWT_PUBLIC_KEY",
            ));
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let argon2 = self.argon2.unwrap_or_default();
        Ok(AuthConfig {
            keys,
            issuer: self.issuer.unwrap_or_else(|| "access".to_owned()),
            audience: self.audience.unwrap_or_else(|| "access".to_owned()),
            access_ttl: self.access_ttl.unwrap_or(Duration::from_secs(60)),
            refresh_ttl: self.refresh_ttl.unwrap_or(Duration::from_secs(30 * 86_400)),
            refresh_grace: self.refresh_grace.unwrap_or(Duration::from_secs(10)),
            leeway,
            transport: self.transport.unwrap_or(TokenTransport::Both),
            cookies,
            identifiers: self.identifiers.unwrap_or(LoginIdentifier::EmailOrUsername),
            password: self.password.unwrap_or_default(),
            argon2,
            argon2_max: Argon2Params {
                m_cost: argon2.m_cost.max(262_144),
                t_cost: argon2.t_cost.max(10),
                p_cost: argon2.p_cost.max(8),
            },
            rate_limits: self.rate_limits.unwrap_or_default(),
            registration: self.registration.unwrap_or(true),
            max_sessions: self.max_sessions.unwrap_or(50),
            base_path,
            paths,
            body_limit: self.body_limit.unwrap_or(16 * 1024),
            allowed_origins: self.allowed_origins,
            reset_revokes_sessions: self.reset_revokes_sessions.unwrap_or(true),
            one_time_ttl: self.one_time_ttl.unwrap_or(Duration::from_secs(3600)),
            users: self.users.unwrap_or_default(),
        })
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), ConfigError> {
    use std::io::Write as _;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    o.open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| err(format!("cannot write `{}`: {e}", path.display())))
}

fn read_key(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<Vec<u8>>, ConfigError> {
    if let Some(v) = var(name) {
        return Ok(Some(v.into_bytes()));
    }
    match var(&format!("{name}_FILE")) {
        Some(path) => std::fs::read(&path)
            .map(Some)
            .map_err(|e| err(format!("{name}_FILE `{path}` cannot be read: {e}"))),
        None => Ok(None),
    }
}

fn keys_from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Option<JwtKeys>, ConfigError> {
    let alg = match var("JWT_ALGORITHM").as_deref().unwrap_or("HS256") {
        "HS256" => Algorithm::HS256,
        "HS384" => Algorithm::HS384,
        "HS512" => Algorithm::HS512,
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        other => {
            return Err(err(format!(
                "JWT_ALGORITHM `{other}` is not one of HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384"
            )));
        }
    };
    let kid = var("JWT_KEY_ID");
    if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
        return match var("JWT_SECRET") {
            Some(s) => JwtKeys::hmac(alg, s.as_bytes()).map(|mut keys| {
                if let Some(kid) = kid {
                    keys.kid = kid;
                }
                Some(keys)
            }),
            None => Ok(None),
        };
    }
    let kid = kid.unwrap_or_else(|| "key-1".to_owned());
    match (
        read_key(var, "JWT_PRIVATE_KEY")?,
        read_key(var, "JWT_PUBLIC_KEY")?,
    ) {
        (Some(private), Some(public)) => JwtKeys::pem(alg, &private, &public, kid).map(Some),
        (None, None) => Ok(None),
        _ => Err(err(
            "set both JWT_PRIVATE_KEY and JWT_PUBLIC_KEY (or their _FILE forms)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| v.iter().find(|(n, _)| n == k).map(|(_, x)| x.clone())
    }

    #[test]
    fn short_secret_is_a_clear_error_without_the_secret() {
        let e = AuthConfig::builder()
            .from_vars(vars(&[("JWT_SECRET", "tooshort-s3cret")]))
            .build()
            .unwrap_err();
        assert!(e[0].0.contains("at least 32 bytes"), "{e:?}");
        assert!(!e[0].0.contains("s3cret"));
    }

    #[test]
    fn missing_key_and_bad_duration_are_reported_together() {
        let e = AuthConfig::builder()
            .from_vars(vars(&[("JWT_EXPIRES_IN", "soon")]))
            .build()
            .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
    }

    #[test]
    fn env_values_apply() {
        let c = AuthConfig::builder()
            .from_vars(vars(&[
                ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                ("JWT_EXPIRES_IN", "30m"),
                ("JWT_ISSUER", "me"),
                ("AUTH_REGISTRATION", "off"),
            ]))
            .build()
            .unwrap();
        assert_eq!(c.access_ttl, Duration::from_secs(1800));
        assert_eq!(c.issuer, "me");
        assert!(!c.registration);
        assert_eq!(c.leeway, 5);
        assert!(!format!("{:?}", c.keys).contains("0123"));
        // HMAC keys are named `hmac` unless JWT_KEY_ID names them.
        assert_eq!(c.keys.kid, "hmac");
        let named = AuthConfig::builder()
            .from_vars(vars(&[
                ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                ("JWT_KEY_ID", "2026-11"),
            ]))
            .build()
            .unwrap();
        assert_eq!(named.keys.kid, "2026-11");
    }

    #[test]
    fn development_keys_are_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("access-dev-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = JwtKeys::development(&dir).unwrap();
        assert_eq!(a.algorithm, Algorithm::ES256);
        let first = std::fs::read(dir.join("jwt-private.pem")).unwrap();
        let _b = JwtKeys::development(&dir).unwrap();
        assert_eq!(
            first,
            std::fs::read(dir.join("jwt-private.pem")).unwrap(),
            "reused"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join("jwt-private.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Tokens signed with it verify.
        let c = AuthConfig::builder().keys(a).build().unwrap();
        let t = crate::secret::issue_access(
            &c,
            crate::secret::Claims {
                sub: "1".into(),
                iss: String::new(),
                aud: String::new(),
                exp: 0,
                nbf: 0,
                iat: 0,
                sid: "s".into(),
                roles: vec![],
                tenant: None,
                su: false,
                extra: Default::default(),
            },
            crate::secret::unix_now(),
        )
        .unwrap();
        assert!(crate::secret::verify_access(&c, &t).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn password_policy_lists_every_violation() {
        let p = PasswordPolicy {
            require_digit: true,
            require_upper: true,
            ..PasswordPolicy::default()
        };
        assert_eq!(p.violations("short").len(), 3);
        assert!(p.violations("Long enough 1").is_empty());
    }
}
