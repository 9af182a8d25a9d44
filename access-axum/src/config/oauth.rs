//! [`OAuthConfig`]: the providers users sign in with (OpenID Connect by issuer, and the presets
//! for Google, GitHub and Discord), where the provider sends the browser back, and where the
//! browser may go afterwards.

use std::fmt;
use std::time::Duration;

use crate::config::error::ConfigError;
use crate::config::policy::RateLimit;

/// How a provider is spoken to.
///
/// ```
/// use access_axum::auth::{OAuthProvider, ProviderKind};
/// let google = OAuthProvider::google("id", "secret");
/// assert_eq!(google.kind(), &ProviderKind::Oidc { issuer: "https://accounts.google.com".into() });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProviderKind {
    /// OpenID Connect: discovery at `{issuer}/.well-known/openid-configuration`, an ID token
    /// verified against the provider's JWKS (Google is one, at `https://accounts.google.com`).
    Oidc {
        /// The issuer URL, exactly as the provider's ID tokens name it.
        issuer: String,
    },
    /// GitHub's OAuth 2.0: the profile from `{api}/user`, the verified primary address from
    /// `{api}/user/emails`.
    GitHub {
        /// Where users authorize (`https://github.com`).
        web: String,
        /// The REST API (`https://api.github.com`).
        api: String,
    },
    /// Discord's OAuth 2.0: the profile and its `verified` address from
    /// `{base}/api/users/@me`.
    Discord {
        /// `https://discord.com`.
        base: String,
    },
}

/// One provider: its name in URLs (`/auth/oauth/{name}`) and in the accounts table, its
/// client credentials, how it is spoken to, and the scopes asked for.
///
/// ```
/// use access_axum::auth::{OAuthProvider, ProviderKind};
///
/// let google = OAuthProvider::google("client-id", "client-secret");
/// assert_eq!(google.name(), "google");
/// assert!(matches!(google.kind(), ProviderKind::Oidc { issuer } if issuer == "https://accounts.google.com"));
///
/// // Any OpenID Connect provider, by issuer; a preset pointed elsewhere (a test provider).
/// let okta = OAuthProvider::oidc("okta", "https://example.okta.com", "id", "secret");
/// let github = OAuthProvider::github("id", "secret").with_base_url("http://127.0.0.1:9000/github");
/// assert_eq!(okta.scopes(), ["openid", "email", "profile"]);
/// # let _ = github;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthProvider {
    name: String,
    client_id: String,
    client_secret: String,
    kind: ProviderKind,
    scopes: Vec<String>,
    label: String,
}

/// Never the secret.
impl fmt::Debug for OAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthProvider")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("kind", &self.kind)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl OAuthProvider {
    /// Any OpenID Connect provider, by its issuer URL; asks for `openid email profile`.
    ///
    /// ```
    /// let okta = access_axum::auth::OAuthProvider::oidc("okta", "https://example.okta.com", "id", "secret");
    /// assert_eq!(okta.name(), "okta");
    /// ```
    pub fn oidc(
        name: impl Into<String>,
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        let name = name.into();
        Self {
            label: name.clone(),
            name,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            kind: ProviderKind::Oidc {
                issuer: issuer.into().trim_end_matches('/').to_owned(),
            },
            scopes: ["openid", "email", "profile"].map(String::from).to_vec(),
        }
    }

    /// Google (OpenID Connect at `https://accounts.google.com`), named `google`.
    ///
    /// ```
    /// let google = access_axum::auth::OAuthProvider::google("id", "secret");
    /// assert_eq!((google.name(), google.label()), ("google", "Google"));
    /// ```
    pub fn google(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self::oidc(
            "google",
            "https://accounts.google.com",
            client_id,
            client_secret,
        )
        .with_label("Google")
    }

    /// GitHub (OAuth 2.0), named `github`; asks for `read:user user:email`.
    ///
    /// ```
    /// let github = access_axum::auth::OAuthProvider::github("id", "secret");
    /// assert_eq!(github.scopes(), ["read:user", "user:email"]);
    /// ```
    pub fn github(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            name: "github".into(),
            label: "GitHub".into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            kind: ProviderKind::GitHub {
                web: "https://github.com".into(),
                api: "https://api.github.com".into(),
            },
            scopes: ["read:user", "user:email"].map(String::from).to_vec(),
        }
    }

    /// Discord (OAuth 2.0), named `discord`; asks for `identify email`.
    ///
    /// ```
    /// let discord = access_axum::auth::OAuthProvider::discord("id", "secret");
    /// assert_eq!(discord.scopes(), ["identify", "email"]);
    /// ```
    pub fn discord(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            name: "discord".into(),
            label: "Discord".into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            kind: ProviderKind::Discord {
                base: "https://discord.com".into(),
            },
            scopes: ["identify", "email"].map(String::from).to_vec(),
        }
    }

    /// The same provider at another address: the issuer of an OpenID Connect provider,
    /// GitHub's web address (its API then at `{url}/api`, as a test provider serves it; see
    /// [`with_github_api`](Self::with_github_api)), Discord's base. For test providers and
    /// self-hosted instances.
    ///
    /// ```
    /// use access_axum::auth::{OAuthProvider, ProviderKind};
    /// let p = OAuthProvider::github("id", "secret").with_base_url("http://127.0.0.1:9000/github");
    /// assert!(matches!(p.kind(), ProviderKind::GitHub { api, .. } if api == "http://127.0.0.1:9000/github/api"));
    /// ```
    #[must_use]
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into().trim_end_matches('/').to_owned();
        self.kind = match self.kind {
            ProviderKind::Oidc { .. } => ProviderKind::Oidc { issuer: url },
            ProviderKind::GitHub { .. } => ProviderKind::GitHub {
                api: format!("{url}/api"),
                web: url,
            },
            ProviderKind::Discord { .. } => ProviderKind::Discord { base: url },
        };
        self
    }

    /// GitHub's API at `url` (GitHub Enterprise: `https://github.example.com/api/v3`).
    ///
    /// ```
    /// use access_axum::auth::{OAuthProvider, ProviderKind};
    /// let p = OAuthProvider::github("id", "secret")
    ///     .with_base_url("https://github.example.com")
    ///     .with_github_api("https://github.example.com/api/v3");
    /// assert!(matches!(p.kind(), ProviderKind::GitHub { api, .. } if api.ends_with("/api/v3")));
    /// ```
    #[must_use]
    pub fn with_github_api(mut self, url: impl Into<String>) -> Self {
        if let ProviderKind::GitHub { api, .. } = &mut self.kind {
            *api = url.into().trim_end_matches('/').to_owned();
        }
        self
    }

    /// The same provider under another name (two Google clients, say).
    ///
    /// ```
    /// let staff = access_axum::auth::OAuthProvider::google("id", "secret").with_name("google-staff");
    /// assert_eq!(staff.name(), "google-staff");
    /// ```
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// What pages show ("Sign in with {label}").
    ///
    /// ```
    /// let p = access_axum::auth::OAuthProvider::oidc("corp", "https://id.example.com", "id", "s").with_label("Corp SSO");
    /// assert_eq!(p.label(), "Corp SSO");
    /// ```
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The scopes asked for instead of the preset's (OpenID Connect always adds `openid`).
    ///
    /// ```
    /// let p = access_axum::auth::OAuthProvider::github("id", "secret").with_scopes(["read:user"]);
    /// assert_eq!(p.scopes(), ["read:user"]);
    /// ```
    #[must_use]
    pub fn with_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Its name in URLs and in `auth_oauth_accounts`.
    ///
    /// ```
    /// assert_eq!(access_axum::auth::OAuthProvider::discord("id", "s").name(), "discord");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What pages show.
    ///
    /// ```
    /// assert_eq!(access_axum::auth::OAuthProvider::github("id", "s").label(), "GitHub");
    /// ```
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The client id.
    ///
    /// ```
    /// assert_eq!(access_axum::auth::OAuthProvider::github("my-id", "s").client_id(), "my-id");
    /// ```
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub(crate) fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// How it is spoken to.
    ///
    /// ```
    /// use access_axum::auth::{OAuthProvider, ProviderKind};
    /// assert!(matches!(OAuthProvider::discord("id", "s").kind(), ProviderKind::Discord { .. }));
    /// ```
    pub fn kind(&self) -> &ProviderKind {
        &self.kind
    }

    /// The scopes asked for.
    ///
    /// ```
    /// assert_eq!(access_axum::auth::OAuthProvider::google("id", "s").scopes(), ["openid", "email", "profile"]);
    /// ```
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

/// Sign-in with providers ([`AuthState::with_oauth`](crate::AuthState::with_oauth)): the
/// providers, the public address of this server (the provider sends the browser back to
/// `{public_url}{base_path}/oauth/{name}/callback`: register that URL with the provider), the
/// origins the browser may be sent to afterwards besides this one, and the rate limit of starts.
///
/// ```
/// use access_axum::auth::{OAuthConfig, OAuthProvider};
///
/// let config = OAuthConfig::new("https://app.example.com")
///     .provider(OAuthProvider::google("id", "secret"))
///     .provider(OAuthProvider::github("id", "secret"))
///     .allow_redirects_to("https://admin.example.com");
/// assert_eq!(config.providers().len(), 2);
/// assert_eq!(config.public_url(), "https://app.example.com");
/// ```
#[derive(Clone, Debug)]
pub struct OAuthConfig {
    public_url: String,
    providers: Vec<OAuthProvider>,
    allowed_origins: Vec<String>,
    pub(crate) start_limit: RateLimit,
    pub(crate) flow_ttl: Duration,
    pub(crate) jwks_refetch: Duration,
}

impl OAuthConfig {
    /// No providers yet; `public_url` is where browsers reach this server
    /// (`https://app.example.com`, `http://localhost:3000` in development).
    ///
    /// ```
    /// let config = access_axum::auth::OAuthConfig::new("http://localhost:3000/");
    /// assert_eq!(config.public_url(), "http://localhost:3000");
    /// ```
    pub fn new(public_url: impl Into<String>) -> Self {
        Self {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            providers: Vec::new(),
            allowed_origins: Vec::new(),
            start_limit: RateLimit {
                max: 10,
                window: Duration::from_secs(300),
            },
            flow_ttl: Duration::from_secs(600),
            jwks_refetch: Duration::from_secs(10),
        }
    }

    /// Adds a provider (a later one of the same name replaces it).
    ///
    /// ```
    /// use access_axum::auth::{OAuthConfig, OAuthProvider};
    /// let config = OAuthConfig::new("https://app.example.com")
    ///     .provider(OAuthProvider::github("old", "s"))
    ///     .provider(OAuthProvider::github("new", "s"));
    /// assert_eq!(config.providers().len(), 1);
    /// assert_eq!(config.get("github").unwrap().client_id(), "new");
    /// ```
    #[must_use]
    pub fn provider(mut self, p: OAuthProvider) -> Self {
        self.providers.retain(|q| q.name != p.name);
        self.providers.push(p);
        self
    }

    /// After signing in, the browser may also be sent to `origin` (`https://admin.example.com`);
    /// by default only to this server's own paths.
    ///
    /// ```
    /// let config = access_axum::auth::OAuthConfig::new("https://app.example.com").allow_redirects_to("https://admin.example.com/");
    /// assert_eq!(config.allowed_origins(), ["https://admin.example.com"]);
    /// ```
    #[must_use]
    pub fn allow_redirects_to(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins
            .push(origin.into().trim_end_matches('/').to_owned());
        self
    }

    /// How many flows one client address may start per window (10 per 5 minutes by default).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = access_axum::auth::OAuthConfig::new("https://app.example.com").start_limit(20, Duration::from_secs(60));
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn start_limit(mut self, max: u32, window: Duration) -> Self {
        self.start_limit = RateLimit { max, window };
        self
    }

    /// An ID token naming a key the cached JWKS lacks fetches the keys again (the provider
    /// rotated), at most once per `interval` (10 s by default), so tokens naming made-up keys
    /// cannot make this server hammer the provider.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = access_axum::auth::OAuthConfig::new("https://app.example.com").jwks_refetch_after(Duration::from_secs(60));
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn jwks_refetch_after(mut self, interval: Duration) -> Self {
        self.jwks_refetch = interval;
        self
    }

    /// The providers.
    ///
    /// ```
    /// use access_axum::auth::{OAuthConfig, OAuthProvider};
    /// let config = OAuthConfig::new("https://app.example.com").provider(OAuthProvider::google("id", "s"));
    /// assert_eq!(config.providers()[0].name(), "google");
    /// ```
    pub fn providers(&self) -> &[OAuthProvider] {
        &self.providers
    }

    /// The provider named `name`.
    ///
    /// ```
    /// use access_axum::auth::{OAuthConfig, OAuthProvider};
    /// let config = OAuthConfig::new("https://app.example.com").provider(OAuthProvider::discord("id", "s"));
    /// assert!(config.get("discord").is_some() && config.get("google").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&OAuthProvider> {
        self.providers.iter().find(|p| p.name == name)
    }

    /// Where browsers reach this server.
    ///
    /// ```
    /// assert_eq!(access_axum::auth::OAuthConfig::new("https://app.example.com").public_url(), "https://app.example.com");
    /// ```
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The origins besides this server's own that the browser may be sent to.
    ///
    /// ```
    /// assert!(access_axum::auth::OAuthConfig::new("https://app.example.com").allowed_origins().is_empty());
    /// ```
    pub fn allowed_origins(&self) -> &[String] {
        &self.allowed_origins
    }

    /// From the environment: `OAUTH_PUBLIC_URL` (where browsers reach this server), and for each
    /// `OAUTH_<NAME>_CLIENT_ID`, its `OAUTH_<NAME>_CLIENT_SECRET`: `GOOGLE`, `GITHUB` and
    /// `DISCORD` are the presets; any other name needs `OAUTH_<NAME>_ISSUER` (OpenID Connect).
    /// `OAUTH_<NAME>_BASE_URL` points a preset elsewhere; `OAUTH_REDIRECT_ORIGINS` (comma
    /// separated) widens the redirect allow-list. `Ok(None)` when no provider is configured.
    ///
    /// ```no_run
    /// let providers = access_axum::auth::OAuthConfig::from_env()?; // None: no OAUTH_* set
    /// # Ok::<(), access_axum::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// A provider without its secret, an unknown name without an issuer, or no public URL.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// [`from_env`](Self::from_env) over any list of variables (for tests).
    ///
    /// ```
    /// use access_axum::auth::OAuthConfig;
    /// let vars = [
    ///     ("OAUTH_PUBLIC_URL", "https://app.example.com"),
    ///     ("OAUTH_GITHUB_CLIENT_ID", "id"),
    ///     ("OAUTH_GITHUB_CLIENT_SECRET", "secret"),
    ///     ("OAUTH_OKTA_CLIENT_ID", "id2"),
    ///     ("OAUTH_OKTA_CLIENT_SECRET", "secret2"),
    ///     ("OAUTH_OKTA_ISSUER", "https://example.okta.com"),
    /// ];
    /// let config = OAuthConfig::from_vars(vars.map(|(k, v)| (k.to_owned(), v.to_owned()))).unwrap().unwrap();
    /// let names: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
    /// assert_eq!(names, ["github", "okta"]);
    ///
    /// let missing = OAuthConfig::from_vars([("OAUTH_PUBLIC_URL".to_owned(), "https://a.example".to_owned()), ("OAUTH_GOOGLE_CLIENT_ID".to_owned(), "id".to_owned())]);
    /// assert!(missing.unwrap_err().to_string().contains("OAUTH_GOOGLE_CLIENT_SECRET"));
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Option<Self>, ConfigError> {
        let vars: std::collections::BTreeMap<String, String> = vars
            .into_iter()
            .filter(|(k, v)| k.starts_with("OAUTH_") && !v.trim().is_empty())
            .collect();
        let names: Vec<String> = vars
            .keys()
            .filter_map(|k| k.strip_prefix("OAUTH_")?.strip_suffix("_CLIENT_ID"))
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            return Ok(None);
        }
        let Some(public) = vars.get("OAUTH_PUBLIC_URL") else {
            return Err(ConfigError::Missing {
                var: "OAUTH_PUBLIC_URL",
                what: "public URL for sign-in with providers",
                hint: "(where browsers reach this server, such as https://app.example.com)",
            });
        };
        let mut config = Self::new(public.trim());
        for name in names {
            let get = |suffix: &str| vars.get(&format!("OAUTH_{name}_{suffix}")).cloned();
            let id = get("CLIENT_ID").unwrap_or_default();
            let Some(secret) = get("CLIENT_SECRET") else {
                return Err(ConfigError::Invalid {
                    var: "OAUTH_<NAME>_CLIENT_SECRET",
                    reason: format!(
                        "is not set for `{name}`: set OAUTH_{name}_CLIENT_SECRET beside OAUTH_{name}_CLIENT_ID"
                    ),
                });
            };
            let lower = name.to_ascii_lowercase();
            let p = match (lower.as_str(), get("ISSUER")) {
                (_, Some(issuer)) => OAuthProvider::oidc(&lower, issuer, id, secret),
                ("google", None) => OAuthProvider::google(id, secret),
                ("github", None) => OAuthProvider::github(id, secret),
                ("discord", None) => OAuthProvider::discord(id, secret),
                (_, None) => {
                    return Err(ConfigError::Invalid {
                        var: "OAUTH_<NAME>_ISSUER",
                        reason: format!(
                            "is not set for `{name}`: set OAUTH_{name}_ISSUER to its OpenID Connect issuer (presets: GOOGLE, GITHUB, DISCORD)"
                        ),
                    });
                }
            };
            let p = match get("BASE_URL") {
                Some(url) => p.with_base_url(url),
                None => p,
            };
            config = config.provider(p);
        }
        if let Some(origins) = vars.get("OAUTH_REDIRECT_ORIGINS") {
            for o in origins.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                config = config.allow_redirects_to(o);
            }
        }
        config.check()?;
        Ok(Some(config))
    }

    /// The URLs parse; names fit in a path segment.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        let url = |var: &'static str, u: &str| {
            openidconnect::url::Url::parse(u)
                .map(|_| ())
                .map_err(|e| ConfigError::Invalid {
                    var,
                    reason: format!("is not a URL ({e})"),
                })
        };
        url("OAUTH_PUBLIC_URL", &self.public_url)?;
        for o in &self.allowed_origins {
            url("OAUTH_REDIRECT_ORIGINS", o)?;
        }
        for p in &self.providers {
            if p.name.is_empty()
                || ["accounts", "providers"].contains(&p.name.as_str())
                || !p
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            {
                return Err(ConfigError::Invalid {
                    var: "provider name",
                    reason: format!(
                        "`{}` is not a lowercase name of letters, digits, `-` and `_` (nor `accounts` or `providers`)",
                        p.name
                    ),
                });
            }
            match &p.kind {
                ProviderKind::Oidc { issuer } => url("OAUTH_<NAME>_ISSUER", issuer)?,
                ProviderKind::GitHub { web, api } => {
                    url("OAUTH_<NAME>_BASE_URL", web)?;
                    url("OAUTH_<NAME>_BASE_URL", api)?;
                }
                ProviderKind::Discord { base } => url("OAUTH_<NAME>_BASE_URL", base)?,
            }
        }
        Ok(())
    }
}
