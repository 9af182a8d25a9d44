//! [`JwksCache`]: a provider's signing keys, fetched from its JWKS URL, kept for a while, and
//! fetched again when a token names a key the cache does not hold (the provider rotated).

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::JsonWebKeySetUrl;
use openidconnect::core::CoreJsonWebKeySet;

/// A JWKS URL's keys, cached: [`keys`](Self::keys) fetches when nothing is held or what is held
/// is older than the time to live (1 hour by default); [`refresh`](Self::refresh) fetches again
/// for a key id the cache does not know, at most once per minimum interval (10 s by default),
/// so tokens naming made-up keys cannot make the server hammer the provider.
///
/// ```no_run
/// use access_axum::auth::JwksCache;
/// # async fn run(http: reqwest::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let cache = JwksCache::new("https://www.googleapis.com/oauth2/v3/certs", http)?;
/// let keys = cache.keys().await?; // fetched once, then served from memory
/// # let _ = keys; Ok(()) }
/// ```
#[derive(Debug)]
pub struct JwksCache {
    url: JsonWebKeySetUrl,
    http: reqwest::Client,
    ttl: Duration,
    min_refresh: Duration,
    held: tokio::sync::Mutex<Option<(Instant, Arc<CoreJsonWebKeySet>)>>,
}

/// Why the keys could not be had.
///
/// ```
/// let http = access_axum::auth::provider_http_client().unwrap();
/// let e = access_axum::auth::JwksCache::new("not a url", http).unwrap_err();
/// assert!(e.to_string().starts_with("the JWKS could not be fetched"));
/// ```
#[derive(Debug)]
pub struct JwksError(String);

impl std::fmt::Display for JwksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the JWKS could not be fetched: {}", self.0)
    }
}

impl std::error::Error for JwksError {}

impl JwksCache {
    /// The keys at `url`, fetched with `http` when first asked for.
    ///
    /// ```
    /// let http = access_axum::auth::provider_http_client().unwrap();
    /// let cache = access_axum::auth::JwksCache::new("https://id.example.com/jwks", http).unwrap();
    /// # let _ = cache;
    /// ```
    ///
    /// # Errors
    /// `url` is not a URL.
    pub fn new(url: &str, http: reqwest::Client) -> Result<Self, JwksError> {
        let url = JsonWebKeySetUrl::new(url.to_owned()).map_err(|e| JwksError(e.to_string()))?;
        Ok(Self {
            url,
            http,
            ttl: Duration::from_secs(3600),
            min_refresh: Duration::from_secs(10),
            held: tokio::sync::Mutex::new(None),
        })
    }

    /// Starts with `keys` (read at the same time as the provider's metadata, say), fetched now.
    ///
    /// ```
    /// use openidconnect::core::CoreJsonWebKeySet;
    /// let http = access_axum::auth::provider_http_client().unwrap();
    /// let cache = access_axum::auth::JwksCache::new("https://id.example.com/jwks", http)
    ///     .unwrap()
    ///     .with_keys(CoreJsonWebKeySet::new(Vec::new()));
    /// # let _ = cache;
    /// ```
    #[must_use]
    pub fn with_keys(self, keys: CoreJsonWebKeySet) -> Self {
        let held = tokio::sync::Mutex::new(Some((Instant::now(), Arc::new(keys))));
        Self { held, ..self }
    }

    /// Keeps keys for `ttl`, and fetches again for an unknown key at most every `min_refresh`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let http = access_axum::auth::provider_http_client().unwrap();
    /// let cache = access_axum::auth::JwksCache::new("https://id.example.com/jwks", http)
    ///     .unwrap()
    ///     .with_timing(Duration::from_secs(600), Duration::from_secs(60));
    /// # let _ = cache;
    /// ```
    #[must_use]
    pub fn with_timing(mut self, ttl: Duration, min_refresh: Duration) -> Self {
        self.ttl = ttl;
        self.min_refresh = min_refresh;
        self
    }

    /// The keys: those held while fresh, else fetched.
    ///
    /// ```no_run
    /// # async fn run(cache: access_axum::auth::JwksCache) -> Result<(), access_axum::auth::JwksError> {
    /// let keys = cache.keys().await?;
    /// println!("{} keys", keys.keys().len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The fetch failed and nothing fresh is held.
    pub async fn keys(&self) -> Result<Arc<CoreJsonWebKeySet>, JwksError> {
        let mut held = self.held.lock().await;
        if let Some((at, keys)) = held.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(Arc::clone(keys));
        }
        let keys = self.fetch().await?;
        *held = Some((Instant::now(), Arc::clone(&keys)));
        Ok(keys)
    }

    /// The keys fetched again, for a key id the held ones lack; `None` when the last fetch was
    /// less than the minimum interval ago (the held keys stand).
    ///
    /// ```no_run
    /// # async fn run(cache: access_axum::auth::JwksCache) -> Result<(), access_axum::auth::JwksError> {
    /// if let Some(fresh) = cache.refresh().await? {
    ///     println!("{} keys after the rotation", fresh.keys().len());
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The fetch failed.
    pub async fn refresh(&self) -> Result<Option<Arc<CoreJsonWebKeySet>>, JwksError> {
        let mut held = self.held.lock().await;
        if let Some((at, _)) = held.as_ref()
            && at.elapsed() < self.min_refresh
        {
            return Ok(None);
        }
        let keys = self.fetch().await?;
        *held = Some((Instant::now(), Arc::clone(&keys)));
        Ok(Some(keys))
    }

    async fn fetch(&self) -> Result<Arc<CoreJsonWebKeySet>, JwksError> {
        CoreJsonWebKeySet::fetch_async(&self.url, &self.http)
            .await
            .map(Arc::new)
            .map_err(|e| JwksError(e.to_string()))
    }
}
