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
//! | `runtime.rs` | the providers at run time: configuration, HTTP client, what each taught |
//! | `provider.rs` | a provider at run time: discovery, the authorization URL, redeeming the code, the profile |
//! | `flow.rs` | the start and the callback; the flow's row (`auth_oauth_flows`), taken once |
//! | `accounts.rs` | who a sign-in is (linked, by verified address, or new); listing and unlinking |

mod accounts;
mod flow;
mod http;
mod jwks;
mod provider;
pub(crate) mod runtime;

use axum::Router;
use axum::routing::{delete, get};

pub use crate::config::oauth::{OAuthConfig, OAuthProvider, ProviderKind};
pub(crate) use accounts::forget;
pub use http::client as provider_http_client;
pub use jwks::{JwksCache, JwksError};

use crate::auth::state::AuthState;
pub(crate) use runtime::OAuth;

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
