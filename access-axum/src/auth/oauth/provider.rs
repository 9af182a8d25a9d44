//! One provider at run time: its discovered metadata and keys (OpenID Connect), the URL that
//! sends the browser to it, and what its callback's code is worth: who signed in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use oauth2::basic::BasicClient;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenVerifier, CoreProviderMetadata,
};
use openidconnect::{
    AuthUrl, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    IssuerUrl, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, SignatureVerificationError, TokenUrl,
};
use serde::Deserialize;

use super::jwks::JwksCache;
use crate::config::oauth::{OAuthProvider, ProviderKind};
use crate::error::ApiError;

/// Who the provider says signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    /// The provider's stable id of the person.
    pub(crate) subject: String,
    /// Their address, normalized, when the provider gave one.
    pub(crate) email: Option<String>,
    /// Whether the provider says it verified that address.
    pub(crate) email_verified: bool,
}

/// What the flow needs to send the browser and to redeem the code.
pub(crate) struct FlowSecrets<'a> {
    pub(crate) state: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) verifier: &'a str,
    pub(crate) redirect_uri: &'a str,
}

/// How long discovered metadata is used before it is read again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// An OpenID Connect provider's metadata and keys, and when they were read.
type Discovered = (Instant, Arc<CoreProviderMetadata>, Arc<JwksCache>);

/// A provider and what was learned from it.
pub(crate) struct Live {
    pub(crate) p: OAuthProvider,
    jwks_refetch: Duration,
    oidc: tokio::sync::Mutex<Option<Discovered>>,
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "sign-in with a provider: {what}");
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "provider_unavailable",
        "the provider could not be reached or answered unexpectedly: try again later",
    )
}

fn rejected_token(e: impl std::fmt::Display) -> ApiError {
    tracing::info!(error = %e, "sign-in with a provider: the token request was refused");
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "oauth_failed",
        "the provider did not accept this sign-in (its code was used already or expired): start again",
    )
}

fn invalid_id_token(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "sign-in with a provider: the ID token was refused");
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_id_token",
        "the provider's identity token did not verify: start again",
    )
}

fn url<T>(what: &str, r: Result<T, impl std::fmt::Display>) -> Result<T, ApiError> {
    r.map_err(|e| ApiError::internal(format!("sign-in with a provider: {what} is not a URL: {e}")))
}

impl Live {
    pub(crate) fn new(p: OAuthProvider, jwks_refetch: Duration) -> Self {
        Self {
            p,
            jwks_refetch,
            oidc: tokio::sync::Mutex::new(None),
        }
    }

    /// The OpenID Connect metadata and keys: discovered once, again after an hour.
    async fn discovered(
        &self,
        http: &reqwest::Client,
        issuer: &str,
    ) -> Result<(Arc<CoreProviderMetadata>, Arc<JwksCache>), ApiError> {
        let mut held = self.oidc.lock().await;
        if let Some((at, meta, jwks)) = held.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok((Arc::clone(meta), Arc::clone(jwks)));
        }
        let issuer = url("the issuer", IssuerUrl::new(issuer.to_owned()))?;
        let meta = CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| unavailable("discovery failed", e))?;
        let jwks = JwksCache::new(meta.jwks_uri().as_str(), http.clone())
            .map_err(|e| unavailable("the JWKS URL", e))?
            .with_timing(METADATA_TTL, self.jwks_refetch)
            // Discovery read the keys already.
            .with_keys(meta.jwks().clone());
        let (meta, jwks) = (Arc::new(meta), Arc::new(jwks));
        *held = Some((Instant::now(), Arc::clone(&meta), Arc::clone(&jwks)));
        Ok((meta, jwks))
    }

    fn scopes(&self) -> impl Iterator<Item = Scope> + '_ {
        self.p
            .scopes()
            .iter()
            .filter(|s| s.as_str() != "openid")
            .map(|s| Scope::new(s.clone()))
    }

    fn oauth2_client(
        &self,
        redirect_uri: &str,
    ) -> Result<
        BasicClient<
            oauth2::EndpointSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointSet,
        >,
        ApiError,
    > {
        let (auth, token) = match self.p.kind() {
            ProviderKind::GitHub { web, .. } => (
                format!("{web}/login/oauth/authorize"),
                format!("{web}/login/oauth/access_token"),
            ),
            ProviderKind::Discord { base } => (
                format!("{base}/oauth2/authorize"),
                format!("{base}/api/oauth2/token"),
            ),
            ProviderKind::Oidc { .. } => {
                return Err(ApiError::internal(
                    "an OpenID Connect provider has no plain client",
                ));
            }
        };
        Ok(
            BasicClient::new(ClientId::new(self.p.client_id().to_owned()))
                .set_client_secret(ClientSecret::new(self.p.client_secret().to_owned()))
                .set_auth_uri(url("the authorization URL", AuthUrl::new(auth))?)
                .set_token_uri(url("the token URL", TokenUrl::new(token))?)
                .set_redirect_uri(url(
                    "the callback URL",
                    RedirectUrl::new(redirect_uri.to_owned()),
                )?),
        )
    }

    /// Where to send the browser: the provider's authorization URL with PKCE (S256), `state`
    /// and, for OpenID Connect, `nonce`.
    pub(crate) async fn authorize_url(
        &self,
        http: &reqwest::Client,
        s: &FlowSecrets<'_>,
    ) -> Result<String, ApiError> {
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            s.verifier.to_owned(),
        ));
        let state = s.state.to_owned();
        let target = match self.p.kind() {
            ProviderKind::Oidc { issuer } => {
                let (meta, _) = self.discovered(http, issuer).await?;
                let nonce = s.nonce.to_owned();
                let client = CoreClient::from_provider_metadata(
                    (*meta).clone(),
                    ClientId::new(self.p.client_id().to_owned()),
                    Some(ClientSecret::new(self.p.client_secret().to_owned())),
                )
                .set_redirect_uri(url(
                    "the callback URL",
                    RedirectUrl::new(s.redirect_uri.to_owned()),
                )?);
                client
                    .authorize_url(
                        CoreAuthenticationFlow::AuthorizationCode,
                        move || CsrfToken::new(state),
                        move || Nonce::new(nonce),
                    )
                    .add_scopes(self.scopes())
                    .set_pkce_challenge(challenge)
                    .url()
                    .0
            }
            _ => {
                self.oauth2_client(s.redirect_uri)?
                    .authorize_url(move || CsrfToken::new(state))
                    .add_scopes(self.scopes())
                    .set_pkce_challenge(challenge)
                    .url()
                    .0
            }
        };
        Ok(target.to_string())
    }

    /// Redeems `code` (with the PKCE verifier) and reads who signed in: the verified ID token's
    /// claims (OpenID Connect), or the provider's profile endpoints.
    pub(crate) async fn identify(
        &self,
        http: &reqwest::Client,
        s: &FlowSecrets<'_>,
        code: &str,
    ) -> Result<Identity, ApiError> {
        let code = AuthorizationCode::new(code.to_owned());
        let verifier = PkceCodeVerifier::new(s.verifier.to_owned());
        match self.p.kind() {
            ProviderKind::Oidc { issuer } => {
                let (meta, jwks) = self.discovered(http, issuer).await?;
                let client = CoreClient::from_provider_metadata(
                    (*meta).clone(),
                    ClientId::new(self.p.client_id().to_owned()),
                    Some(ClientSecret::new(self.p.client_secret().to_owned())),
                )
                .set_redirect_uri(url(
                    "the callback URL",
                    RedirectUrl::new(s.redirect_uri.to_owned()),
                )?);
                let request = client
                    .exchange_code(code)
                    .map_err(|e| unavailable("the provider names no token endpoint", e))?;
                let tokens = request
                    .set_pkce_verifier(verifier)
                    .request_async(http)
                    .await
                    .map_err(token_error)?;
                let Some(id_token) = openidconnect::TokenResponse::id_token(&tokens) else {
                    return Err(invalid_id_token("the token response carries no ID token"));
                };
                let nonce = Nonce::new(s.nonce.to_owned());
                let verify = |keys: &openidconnect::core::CoreJsonWebKeySet| {
                    let verifier = CoreIdTokenVerifier::new_public_client(
                        ClientId::new(self.p.client_id().to_owned()),
                        meta.issuer().clone(),
                        keys.clone(),
                    );
                    id_token.claims(&verifier, &nonce).cloned()
                };
                let keys = jwks.keys().await.map_err(|e| unavailable("the JWKS", e))?;
                let claims = match verify(&keys) {
                    // A key the cache does not hold: the provider may have rotated. Once.
                    Err(ClaimsVerificationError::SignatureVerification(
                        SignatureVerificationError::NoMatchingKey,
                    )) => match jwks
                        .refresh()
                        .await
                        .map_err(|e| unavailable("the JWKS", e))?
                    {
                        Some(fresh) => verify(&fresh),
                        None => verify(&keys),
                    },
                    other => other,
                }
                .map_err(invalid_id_token)?;
                let mut email = claims.email().map(|e| e.as_str().to_owned());
                let mut email_verified = claims.email_verified().unwrap_or(false);
                // Providers that keep the address out of the ID token serve it at userinfo
                // (for the same subject, which openidconnect checks).
                if email.is_none()
                    && let Ok(request) = client.user_info(
                        tokens.access_token().clone(),
                        Some(claims.subject().clone()),
                    )
                {
                    let info: Result<openidconnect::core::CoreUserInfoClaims, _> =
                        request.request_async(http).await;
                    match info {
                        Ok(info) => {
                            email = info.email().map(|e| e.as_str().to_owned());
                            email_verified = info.email_verified().unwrap_or(false);
                        }
                        // Signed in all the same, without an address.
                        Err(e) => {
                            tracing::info!(error = %e, "sign-in with a provider: userinfo failed")
                        }
                    }
                }
                Ok(Identity {
                    subject: claims.subject().as_str().to_owned(),
                    email: email.and_then(|e| crate::auth::identifiers::normalize_email(&e)),
                    email_verified,
                })
            }
            ProviderKind::GitHub { api, .. } => {
                let token = self.oauth2_token(http, s, code, verifier).await?;
                github(http, api, &token).await
            }
            ProviderKind::Discord { base } => {
                let token = self.oauth2_token(http, s, code, verifier).await?;
                discord(http, base, &token).await
            }
        }
    }

    async fn oauth2_token(
        &self,
        http: &reqwest::Client,
        s: &FlowSecrets<'_>,
        code: AuthorizationCode,
        verifier: PkceCodeVerifier,
    ) -> Result<String, ApiError> {
        let tokens = self
            .oauth2_client(s.redirect_uri)?
            .exchange_code(code)
            .set_pkce_verifier(verifier)
            .request_async(http)
            .await
            .map_err(token_error)?;
        Ok(tokens.access_token().secret().clone())
    }
}

fn token_error<RE: std::error::Error + 'static, T: oauth2::ErrorResponse + 'static>(
    e: RequestTokenError<RE, T>,
) -> ApiError {
    match e {
        RequestTokenError::ServerResponse(r) => rejected_token(r),
        RequestTokenError::Parse(e, _) => invalid_id_token(e),
        other => unavailable("the token request failed", other),
    }
}

/// A JSON document from a provider's API, with its access token.
async fn get_json<T: for<'de> Deserialize<'de>>(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<T, ApiError> {
    let r = http
        .get(url)
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| unavailable("the profile request failed", e))?;
    if !r.status().is_success() {
        return Err(unavailable(
            "the profile request",
            format!("status {}", r.status()),
        ));
    }
    let bytes = r
        .bytes()
        .await
        .map_err(|e| unavailable("the profile request failed", e))?;
    serde_json::from_slice(&bytes).map_err(|e| unavailable("the profile", e))
}

/// GitHub: the numeric id from `/user`, the primary address if verified from `/user/emails`.
async fn github(http: &reqwest::Client, api: &str, token: &str) -> Result<Identity, ApiError> {
    #[derive(Deserialize)]
    struct User {
        id: u64,
    }
    #[derive(Deserialize)]
    struct Email {
        email: String,
        primary: bool,
        verified: bool,
    }
    let user: User = get_json(http, &format!("{api}/user"), token).await?;
    let emails: Vec<Email> = get_json(http, &format!("{api}/user/emails"), token).await?;
    let primary = emails.into_iter().find(|e| e.primary);
    Ok(Identity {
        subject: user.id.to_string(),
        email: primary
            .as_ref()
            .and_then(|e| crate::auth::identifiers::normalize_email(&e.email)),
        email_verified: primary.is_some_and(|e| e.verified),
    })
}

/// Discord: `/users/@me`'s id, address and `verified`.
async fn discord(http: &reqwest::Client, base: &str, token: &str) -> Result<Identity, ApiError> {
    #[derive(Deserialize)]
    struct Me {
        id: String,
        email: Option<String>,
        #[serde(default)]
        verified: bool,
    }
    let me: Me = get_json(http, &format!("{base}/api/users/@me"), token).await?;
    Ok(Identity {
        subject: me.id,
        email: me
            .email
            .as_deref()
            .and_then(crate::auth::identifiers::normalize_email),
        email_verified: me.verified,
    })
}
