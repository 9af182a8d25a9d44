//! The HTTP client that talks to providers: rustls on the aws-lc-rs provider with the Mozilla
//! roots, no redirects followed (a token endpoint that redirects is refused, not followed:
//! server-side request forgery), bounded in time.

use std::sync::Arc;
use std::time::Duration;

/// The HTTP client sign-in with providers uses (rustls on aws-lc-rs with the Mozilla roots, no
/// redirects followed, 5 s to connect, 10 s in all), for a [`JwksCache`](super::JwksCache) of
/// your own; or why it could not be built.
///
/// ```
/// let http = access_axum::auth::provider_http_client().expect("a TLS client");
/// # let _ = http;
/// ```
///
/// # Errors
/// The TLS configuration or the client could not be built.
pub fn client() -> Result<reqwest::Client, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("access-axum/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("the HTTP client: {e}"))
}
