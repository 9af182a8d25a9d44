//! Reading the environment: `JWT_SECRET` or a PEM key pair, lifetimes, issuer, audience,
//! registration.

use std::time::Duration;

use jsonwebtoken::Algorithm;

use super::builder::AuthConfigBuilder;
use super::error::{ConfigError, ConfigErrors};
use super::keys::JwtKeys;
use super::mfa;
use super::settings::AuthConfig;

impl AuthConfig {
    /// The defaults with the environment's values ([`AuthConfigBuilder::from_env`]): the one
    /// call an application needs. Set `JWT_SECRET` (at least 32 bytes) or a PEM key pair.
    ///
    /// # Errors
    /// Every mistake at once, as one report naming what to set.
    ///
    /// # Examples
    /// ```no_run
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let config = access_axum::AuthConfig::from_env()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::builder().from_env().build()
    }
}

impl AuthConfigBuilder {
    /// Reads the environment: `JWT_SECRET` (HMAC, at least 32 bytes) or `JWT_PRIVATE_KEY[_FILE]`
    /// and `JWT_PUBLIC_KEY[_FILE]` (PEM) with `JWT_ALGORITHM` (default HS256), `JWT_EXPIRES_IN`,
    /// `JWT_REFRESH_EXPIRES_IN`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_KEY_ID`, `AUTH_REGISTRATION`
    /// (`on`/`off`), `MFA_KEY` (32 bytes, base64 or 64 hex digits: MFA on) and `MFA_ISSUER`.
    /// Values set on the builder before win; mistakes wait for `build`.
    ///
    /// # Examples
    /// ```no_run
    /// let config = access_axum::AuthConfig::builder()
    ///     .issuer("https://id.example.com") // wins over JWT_ISSUER
    ///     .from_env()
    ///     .build();
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
    /// // A literal secret, for this example only.
    /// let vars = HashMap::from([("JWT_SECRET", "example-only-secret-0123456789abcdef")]);
    /// let builder = access_axum::AuthConfig::builder().from_vars(|k| vars.get(k).map(|v| v.to_string()));
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
        let mut duration = |name: &'static str, slot: &mut Option<Duration>| {
            if slot.is_none()
                && let Some(v) = var(name)
            {
                match duration_of(name, &v) {
                    Ok(d) => *slot = Some(d),
                    Err(e) => self.errors.push(e),
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
                _ => self.errors.push(ConfigError::invalid(
                    "AUTH_REGISTRATION",
                    "must be `on` or `off`",
                )),
            }
        }
        if self.mfa_key.is_none()
            && let Some(v) = var("MFA_KEY")
        {
            match mfa::parse_key("MFA_KEY", &v) {
                Ok(key) => self.mfa_key = Some(key),
                Err(e) => self.errors.push(e),
            }
        }
        if self.mfa_issuer.is_none() {
            self.mfa_issuer = var("MFA_ISSUER");
        }
        if self.trusted_proxies.is_none()
            && let Some(v) = var("TRUSTED_PROXIES")
        {
            match parse_ranges(&v) {
                Ok(r) => self.trusted_proxies = Some(r),
                Err(bad) => self.errors.push(ConfigError::invalid(
                    "TRUSTED_PROXIES",
                    format!(
                        "`{bad}` is not an address or CIDR range (comma separated, such as `10.0.0.0/8, 127.0.0.1`)"
                    ),
                )),
            }
        }
        self
    }
}

/// Comma-separated addresses (a single host) and CIDR ranges; the first that is neither.
fn parse_ranges(v: &str) -> Result<Vec<ipnet::IpNet>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| s.to_owned())
        })
        .collect()
}

/// Parses `"60s"`, `"30m"`, `"12h"`, `"7d"` or plain seconds.
///
/// # Errors
/// Anything else, or zero.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use access_axum::config::parse_duration;
/// assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
/// ```
pub fn parse_duration(s: &str) -> Result<Duration, ConfigError> {
    duration_of("value", s)
}

/// [`parse_duration`] of the variable `var`, named in the error.
fn duration_of(var: &'static str, s: &str) -> Result<Duration, ConfigError> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let not_a_duration = || {
        ConfigError::invalid(
            var,
            format!("`{s}` is not a duration (try `60s`, `30m`, `7d`)"),
        )
    };
    let n: u64 = num.parse().map_err(|_| not_a_duration())?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(not_a_duration()),
    };
    if n == 0 {
        return Err(ConfigError::invalid(
            var,
            format!("`{s}` must be longer than zero"),
        ));
    }
    n.checked_mul(mult)
        .map(Duration::from_secs)
        .ok_or_else(|| ConfigError::invalid(var, format!("`{s}` is too long")))
}

/// `name`'s value, or the contents of the file `name_FILE` names.
fn read_key(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    file_var: &'static str,
) -> Result<Option<Vec<u8>>, ConfigError> {
    if let Some(v) = var(name) {
        return Ok(Some(v.into_bytes()));
    }
    match var(file_var) {
        Some(path) => std::fs::read(&path)
            .map(Some)
            .map_err(|e| ConfigError::io(Some(file_var), path, "read", &e)),
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
            return Err(ConfigError::invalid(
                "JWT_ALGORITHM",
                format!(
                    "`{other}` is not one of HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384"
                ),
            ));
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
        read_key(var, "JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY_FILE")?,
        read_key(var, "JWT_PUBLIC_KEY", "JWT_PUBLIC_KEY_FILE")?,
    ) {
        (Some(private), Some(public)) => JwtKeys::pem(alg, &private, &public, kid).map(Some),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::Missing {
            var: "JWT_PUBLIC_KEY",
            what: "JWT public key",
            hint: "(or JWT_PUBLIC_KEY_FILE) to go with JWT_PRIVATE_KEY",
        }),
        (None, Some(_)) => Err(ConfigError::Missing {
            var: "JWT_PRIVATE_KEY",
            what: "JWT private key",
            hint: "(or JWT_PRIVATE_KEY_FILE) to go with JWT_PUBLIC_KEY",
        }),
    }
}
