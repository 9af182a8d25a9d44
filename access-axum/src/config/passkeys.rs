//! [`PasskeyConfig`]: the relying party the passkeys belong to (its id, its name, the origin
//! the pages that use them are served from), checked once at startup.

use std::fmt;
use std::sync::Arc;

use webauthn_rs::prelude::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::config::error::ConfigError;

/// The relying party of the passkeys ([`AuthState::with_passkeys`](crate::AuthState::with_passkeys)):
/// with it, the passkey routes (`/auth/passkeys/...`) are mounted.
///
/// - `rp_id`: the domain the passkeys are bound to (`example.com`): the origin's host or a
///   parent domain of it. Changing it later orphans every registered passkey.
/// - `rp_name`: what authenticators show next to the account (default: `rp_id`).
/// - `origin`: where the pages that call WebAuthn are served from (`https://app.example.com`,
///   `http://localhost:3000` in development): an assertion signed for any other origin is
///   refused.
///
/// Built with [`new`](Self::new) or [`from_env`](Self::from_env), which check them together
/// and name the setting at fault.
///
/// # Examples
/// ```
/// use access_axum::auth::PasskeyConfig;
/// let config = PasskeyConfig::new("example.com", "Example", "https://app.example.com").unwrap();
/// assert_eq!((config.rp_id(), config.origin()), ("example.com", "https://app.example.com"));
///
/// let wrong = PasskeyConfig::new("example.com", "Example", "app.example.com").unwrap_err();
/// assert!(wrong.to_string().starts_with("origin is not a URL"));
/// ```
#[derive(Clone)]
pub struct PasskeyConfig {
    rp_id: String,
    rp_name: String,
    origin: String,
    pub(crate) webauthn: Arc<Webauthn>,
}

impl fmt::Debug for PasskeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasskeyConfig")
            .field("rp_id", &self.rp_id)
            .field("rp_name", &self.rp_name)
            .field("origin", &self.origin)
            .finish()
    }
}

/// The names errors give the three settings: the builder's or the environment's.
struct Names {
    rp_id: &'static str,
    rp_name: &'static str,
    origin: &'static str,
}

const FIELDS: Names = Names {
    rp_id: "rp_id",
    rp_name: "rp_name",
    origin: "origin",
};

const VARS: Names = Names {
    rp_id: "WEBAUTHN_RP_ID",
    rp_name: "WEBAUTHN_RP_NAME",
    origin: "WEBAUTHN_ORIGIN",
};

impl PasskeyConfig {
    /// The relying party `rp_id` named `rp_name`, for pages served from `origin`. The error
    /// names the setting at fault: an origin that is not a URL, not `https` (except on
    /// `localhost`), with a path; an `rp_id` that is not the origin's host or a parent of it.
    ///
    /// # Examples
    /// ```
    /// use access_axum::auth::PasskeyConfig;
    /// assert!(PasskeyConfig::new("localhost", "Dev", "http://localhost:3000").is_ok());
    /// let e = PasskeyConfig::new("example.com", "Example", "https://evil.test").unwrap_err();
    /// assert_eq!(e.var(), Some("rp_id"));
    /// ```
    pub fn new(rp_id: &str, rp_name: &str, origin: &str) -> Result<Self, ConfigError> {
        Self::checked(rp_id, rp_name, origin, &FIELDS)
    }

    /// Reads `WEBAUTHN_RP_ID`, `WEBAUTHN_ORIGIN` and, optionally, `WEBAUTHN_RP_NAME` (default:
    /// the id), checked as [`new`](Self::new) checks them.
    ///
    /// # Examples
    /// ```no_run
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let passkeys = access_axum::auth::PasskeyConfig::from_env()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables (for tests).
    ///
    /// # Examples
    /// ```
    /// use std::collections::HashMap;
    /// use access_axum::auth::PasskeyConfig;
    /// let vars = HashMap::from([("WEBAUTHN_RP_ID", "example.com"), ("WEBAUTHN_ORIGIN", "https://example.com")]);
    /// let config = PasskeyConfig::from_vars(|k| vars.get(k).map(|v| v.to_string())).unwrap();
    /// assert_eq!(config.rp_name(), "example.com");
    ///
    /// let none = PasskeyConfig::from_vars(|_| None).unwrap_err();
    /// assert_eq!(none.var(), Some("WEBAUTHN_RP_ID"));
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |name: &'static str| var(name).filter(|v| !v.trim().is_empty());
        let rp_id = set(VARS.rp_id).ok_or(ConfigError::Missing {
            var: VARS.rp_id,
            what: "passkey relying party id",
            hint: "(the domain the passkeys are bound to, such as example.com)",
        })?;
        let origin = set(VARS.origin).ok_or(ConfigError::Missing {
            var: VARS.origin,
            what: "passkey origin",
            hint: "(where the pages are served from, such as https://app.example.com)",
        })?;
        let rp_name = set(VARS.rp_name).unwrap_or_else(|| rp_id.clone());
        Self::checked(&rp_id, &rp_name, &origin, &VARS)
    }

    /// The relying party id (a domain).
    ///
    /// ```
    /// let c = access_axum::auth::PasskeyConfig::new("example.com", "Example", "https://example.com").unwrap();
    /// assert_eq!(c.rp_id(), "example.com");
    /// ```
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The name authenticators show.
    ///
    /// ```
    /// let c = access_axum::auth::PasskeyConfig::new("example.com", "Example", "https://example.com").unwrap();
    /// assert_eq!(c.rp_name(), "Example");
    /// ```
    pub fn rp_name(&self) -> &str {
        &self.rp_name
    }

    /// The origin assertions must be signed for, without a trailing `/`.
    ///
    /// ```
    /// let c = access_axum::auth::PasskeyConfig::new("example.com", "Example", "https://example.com/").unwrap();
    /// assert_eq!(c.origin(), "https://example.com");
    /// ```
    pub fn origin(&self) -> &str {
        &self.origin
    }

    fn checked(
        rp_id: &str,
        rp_name: &str,
        origin: &str,
        names: &Names,
    ) -> Result<Self, ConfigError> {
        let invalid = |var: &'static str, reason: String| ConfigError::Invalid { var, reason };
        let rp_id = rp_id.trim();
        let rp_name = rp_name.trim();
        let example = "such as https://app.example.com";
        let url = Url::parse(origin.trim()).map_err(|e| {
            invalid(
                names.origin,
                format!("is not a URL (`{origin}`: {e}): give the scheme and host, {example}"),
            )
        })?;
        let Some(host) = url.host_str().map(str::to_owned) else {
            return Err(invalid(
                names.origin,
                format!("has no host (`{origin}`): {example}"),
            ));
        };
        let local = host == "localhost" || host.ends_with(".localhost");
        if url.scheme() != "https" && !(url.scheme() == "http" && local) {
            return Err(invalid(
                names.origin,
                format!(
                    "must be https (http only on localhost), not `{}`: {example}",
                    url.scheme()
                ),
            ));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                names.origin,
                format!("must be an origin, without a path, query or fragment (`{origin}`)"),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                names.origin,
                "must not carry credentials".to_owned(),
            ));
        }
        if rp_id.is_empty() || rp_id.contains("://") || rp_id.contains('/') {
            return Err(invalid(
                names.rp_id,
                format!("must be a domain, such as example.com (it is `{rp_id}`)"),
            ));
        }
        if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
            return Err(invalid(
                names.rp_id,
                format!(
                    "must be the origin's host `{host}` or a parent domain of it (it is `{rp_id}`)"
                ),
            ));
        }
        if rp_name.is_empty()
            || rp_name.chars().count() > 64
            || rp_name.chars().any(char::is_control)
        {
            return Err(invalid(
                names.rp_name,
                "must be 1 to 64 characters, without control characters".to_owned(),
            ));
        }
        let webauthn = WebauthnBuilder::new(rp_id, &url)
            .and_then(|b| b.rp_name(rp_name).build())
            .map_err(|e| invalid(names.rp_id, format!("is refused by WebAuthn: {e}")))?;
        Ok(Self {
            rp_id: rp_id.to_owned(),
            rp_name: rp_name.to_owned(),
            origin: url.origin().ascii_serialization(),
            webauthn: Arc::new(webauthn),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        let e = |origin: &str| PasskeyConfig::new("example.com", "Ex", origin).unwrap_err();
        assert!(e("nope").to_string().starts_with("origin is not a URL"));
        assert!(
            e("http://example.com")
                .to_string()
                .contains("must be https")
        );
        assert!(
            e("https://example.com/app")
                .to_string()
                .contains("without a path")
        );
        assert_eq!(e("https://example.org").var(), Some("rp_id"));
        assert!(PasskeyConfig::new("example.com", "Ex", "https://id.example.com:8443").is_ok());
        assert!(PasskeyConfig::new("localhost", "Ex", "http://localhost:8080").is_ok());
        let vars = |k: &str| match k {
            "WEBAUTHN_RP_ID" => Some("example.com".to_owned()),
            "WEBAUTHN_ORIGIN" => Some("ftp://example.com".to_owned()),
            _ => None,
        };
        let e = PasskeyConfig::from_vars(vars).unwrap_err();
        assert_eq!(e.var(), Some("WEBAUTHN_ORIGIN"));
    }
}
