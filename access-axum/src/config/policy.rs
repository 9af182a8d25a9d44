//! Account rules: the password policy, argon2id cost, login identifiers and rate limits.

use std::time::Duration;

/// Password rules, checked on sign-up and password reset.
///
/// # Examples
/// ```
/// use access_axum::config::PasswordPolicy;
/// let policy = PasswordPolicy { min_len: 12, require_digit: true, ..PasswordPolicy::default() };
/// assert_eq!(policy.violations("short"), ["at least 12 characters", "a digit"]);
/// ```
#[derive(Clone, Debug)]
pub struct PasswordPolicy {
    /// Minimum length in characters (default 10).
    pub min_len: usize,
    /// Maximum length in bytes, bounding hashing cost (default 256).
    pub max_len: usize,
    /// Require a lowercase letter (default off).
    pub require_lower: bool,
    /// Require an uppercase letter (default off).
    pub require_upper: bool,
    /// Require a digit (default off).
    pub require_digit: bool,
    /// Require a symbol (default off).
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
    /// Every rule `password` breaks, as phrases to show the user (`"a digit"`).
    ///
    /// # Examples
    /// ```
    /// use access_axum::config::PasswordPolicy;
    /// let p = PasswordPolicy { require_upper: true, ..PasswordPolicy::default() };
    /// assert_eq!(p.violations("short"), ["at least 10 characters", "an uppercase letter"]);
    /// assert!(p.violations("Long enough").is_empty());
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

/// Argon2id cost parameters (default 19 MiB, 2 iterations, 1 lane: OWASP's recommendation).
///
/// # Examples
/// ```
/// use access_axum::config::Argon2Params;
/// // Cheap hashing, for tests only.
/// let fast = Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB (default 19,456 = 19 MiB).
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

impl Argon2Params {
    /// The costliest parameters a stored hash may have before it is refused without being
    /// computed: at least 256 MiB, 10 iterations, 8 lanes, and never below `self`.
    pub(crate) fn cap(self) -> Self {
        Self {
            m_cost: self.m_cost.max(262_144),
            t_cost: self.t_cost.max(10),
            p_cost: self.p_cost.max(8),
        }
    }
}

/// Which identifiers log a user in (default [`LoginIdentifier::EmailOrUsername`]).
///
/// # Examples
/// ```
/// use access_axum::AuthConfig;
/// use access_axum::config::LoginIdentifier;
/// let builder = AuthConfig::builder().identifiers(LoginIdentifier::Email);
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

/// A fixed-window rate limit: `max` attempts per `window`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use access_axum::config::RateLimit;
/// let three_per_minute = RateLimit { max: 3, window: Duration::from_secs(60) };
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Attempts allowed per window.
    pub max: u32,
    /// The window.
    pub window: Duration,
}

/// Rate limits per endpoint, keyed by identifier and by client address (defaults: 10 logins
/// per 5 minutes, 20 sign-ups per hour, 120 refreshes per minute, 5 emails per hour).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use access_axum::config::{RateLimit, RateLimits};
/// let limits = RateLimits {
///     login: RateLimit { max: 3, window: Duration::from_secs(60) },
///     ..RateLimits::default()
/// };
/// ```
#[derive(Clone, Debug)]
pub struct RateLimits {
    /// `POST login`, per identifier and per client address.
    pub login: RateLimit,
    /// `POST register`, per client address and per e-mail address.
    pub register: RateLimit,
    /// `POST refresh`, per client address.
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
