//! Signing in with OAuth 2.0 and OpenID Connect providers (through `openidconnect` and
//! `oauth2`): any OpenID Connect provider by issuer, and Google, GitHub and Discord presets.
//! Mounted under the auth base path when [`AuthState::with_oauth`](crate::AuthState::with_oauth)
//! installed an [`OAuthConfig`]; the guide is `docs/oauth.md`.
//!
//! | method and path | effect |
//! |---|---|
//! | `GET oauth/providers` | the configured providers: `{"items": [{"name", "label", "start"}]}` |
//! | `GET oauth/{provider}?redirect=..` | 302 to the provider (PKCE S256, `state`, `nonce`); rate-limited per client address |
//! | `GET oauth/{provider}?link=1&redirect=..` | the same for a signed-in user linking the provider |
//! | `GET oauth/{provider}/callback` | the provider's answer: signs in (303 to `redirect` with the token cookies, or the login's JSON for `Accept: application/json`), or links |
//! | `GET oauth/accounts` | the caller's linked providers |
//! | `DELETE oauth/accounts/{provider}` | unlinks one, never the last way to sign in |
//!
//! | file | holds |
//! |---|---|
//! | `http.rs` | the HTTP client to providers (rustls, no redirects, timeouts) |
//! | `jwks.rs` | [`JwksCache`]: a JWKS URL's keys, cached, fetched again for an unknown key |
//! | `provider.rs` | a provider at run time: discovery, the authorization URL, redeeming the code, the profile |
//! | `flow.rs` | the start and the callback; the flow's row (`auth_oauth_flows`), taken once |
//! | `accounts.rs` | who a sign-in is (linked, by verified address, or new); listing and unlinking |

mod accounts;
mod flow;
mod http;
mod jwks;
mod provider;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get};

pub use crate::config::oauth::{OAuthConfig, OAuthProvider, ProviderKind};
pub(crate) use accounts::forget;
pub use jwks::{JwksCache, JwksError};

use crate::auth::state::AuthState;
use crate::error::ApiError;

/// The providers at run time: the configuration, the HTTP client, what each provider taught.
pub(crate) struct OAuth {
    pub(crate) config: OAuthConfig,
    http: Result<reqwest::Client, String>,
    live: HashMap<String, provider::Live>,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OAuth {
    pub(crate) fn new(config: OAuthConfig) -> Arc<Self> {
        let live = config
            .providers()
            .iter()
            .map(|p| {
                (
                    p.name().to_owned(),
                    provider::Live::new(p.clone(), config.jwks_refetch),
                )
            })
            .collect();
        let http = config
            .check()
            .map_err(|e| format!("the configuration: {e}"))
            .and_then(|()| http::client());
        if let Err(e) = &http {
            tracing::error!(error = %e, "sign-in with providers is unusable; its routes answer 500");
        }
        Arc::new(Self { config, http, live })
    }

    fn http(&self) -> Result<&reqwest::Client, ApiError> {
        self.http
            .as_ref()
            .map_err(|e| ApiError::internal(format!("sign-in with providers: {e}")))
    }

    /// The provider named `name`; 404 naming the configured ones.
    fn live(&self, name: &str) -> Result<&provider::Live, ApiError> {
        self.live.get(name).ok_or_else(|| {
            let mut names: Vec<&str> = self.live.keys().map(String::as_str).collect();
            names.sort_unstable();
            ApiError::not_found(format!(
                "no provider `{name}`: configured are {}",
                names.join(", ")
            ))
        })
    }
}

/// The provider routes (relative to the auth base path), or none without an [`OAuthConfig`].
pub(crate) fn routes(state: &AuthState) -> Router<AuthState> {
    if state.oauth.is_none() {
        return Router::new();
    }
    Router::new()
        .route("/oauth/providers", get(flow::providers))
        .route("/oauth/accounts", get(accounts::list))
        .route("/oauth/accounts/{provider}", delete(accounts::unlink))
        .route("/oauth/{provider}", get(flow::start))
        .route("/oauth/{provider}/callback", get(flow::callback))
}
