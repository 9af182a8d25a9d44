//! The providers at run time ([`OAuth`]): what [`AuthState`](crate::AuthState) holds, below
//! the routes (it knows nothing of them).

use std::collections::HashMap;
use std::sync::Arc;

use super::{http, provider};
use crate::config::oauth::OAuthConfig;
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

    pub(super) fn http(&self) -> Result<&reqwest::Client, ApiError> {
        self.http
            .as_ref()
            .map_err(|e| ApiError::internal(format!("sign-in with providers: {e}")))
    }

    /// The provider named `name`; 404 naming the configured ones.
    pub(super) fn live(&self, name: &str) -> Result<&provider::Live, ApiError> {
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
