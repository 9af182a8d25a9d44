//! A mock OAuth 2.0 / OpenID Connect identity provider, served by axum on loopback.
//!
//! It is meant for tests of "Sign in with a provider" and for demos that must work offline.
//! One server speaks three forms of the authorization code flow, each under its own prefix:
//!
//! | form | stands for | authorize | token | user |
//! |------|------------|-----------|-------|------|
//! | OpenID Connect ([`MockIdp::issuer`] = `{base}/oidc`) | any OIDC provider | `GET /oidc/authorize` | `POST /oidc/token` | `GET /oidc/userinfo` |
//! | GitHub-like ([`MockIdp::github_web`], [`MockIdp::github_api`]) | `https://github.com`, `https://api.github.com` | `GET /github/login/oauth/authorize` | `POST /github/login/oauth/access_token` | `GET /github/api/user`, `GET /github/api/user/emails` |
//! | Discord-like ([`MockIdp::discord_base`]) | `https://discord.com` | `GET /discord/oauth2/authorize` | `POST /discord/api/oauth2/token` | `GET /discord/api/users/@me` |
//!
//! The OIDC form also serves `GET /oidc/.well-known/openid-configuration` and `GET /oidc/jwks`.
//!
//! `/authorize` consents at once, as the current [`MockUser`], and redirects (302) back to the
//! `redirect_uri` with `code` and `state`. Every form requires PKCE with `code_challenge_method=S256`.
//! The token endpoints take the client's credentials by HTTP Basic auth (`client_secret_basic`, the
//! id and secret form-urlencoded as RFC 6749 2.3.1 says) or in the form (`client_secret_post`).
//! Codes are single use, live 60 seconds, and are bound to their client, `redirect_uri`, PKCE
//! challenge and form. ID tokens are RS256 JWTs whose key (with its `kid`) is in the JWKS.
//!
//! Until a client is registered ([`MockIdp::register_client`]) any client id, secret and
//! redirect URI is accepted (handy for a demo); once one is, they are checked.
//!
//! Tests steer the next answers with [`MockIdp::set_user`], [`MockIdp::twist_next`] (a faulty ID
//! token), [`MockIdp::deny_next`], [`MockIdp::fail_next_token`] and [`MockIdp::rotate_key`], and
//! observe the client with [`MockIdp::jwks_fetches`] and [`MockIdp::token_requests`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use access_idp_mock::{MockIdp, MockUser, Twist};
//! let idp = MockIdp::start().await?;
//! idp.register_client("app", "s3cret", &["http://127.0.0.1:3000/callback".to_owned()]);
//! let issuer = idp.issuer(); // discovery at {issuer}/.well-known/openid-configuration
//! idp.set_user(MockUser { sub: "u-42".into(), ..MockUser::default() });
//! idp.twist_next(Twist::WrongNonce); // the next ID token carries another nonce
//! # let _ = issuer;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod keys;
mod server;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use keys::SigningKey;

/// A running mock identity provider: a cheap, clonable handle to its shared state.
///
/// The server runs in a task spawned on the Tokio runtime that called [`MockIdp::start`] and
/// stops with that runtime; dropping the handles does not stop it.
#[derive(Clone)]
pub struct MockIdp {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MockIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockIdp")
            .field("base", &self.inner.base)
            .finish_non_exhaustive()
    }
}

/// The user whom `/authorize` signs in (it consents at once, without a login page).
///
/// What each form reports:
/// - OIDC: the ID token and `/oidc/userinfo` carry `sub`, `email`, `email_verified` and `name`;
/// - GitHub: `/user` answers `id` ([`MockUser::numeric_id`]), `login`, `name` and `"email": null`;
///   `/user/emails` lists `email` (primary, `verified` = `email_verified`) and a second, verified,
///   non-primary `other@example.com`;
/// - Discord: `/users/@me` answers `id` ([`MockUser::numeric_id`] as a string), `username`
///   (`login`), `global_name` (`name`), `email` and `verified` (`email_verified`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockUser {
    /// The OIDC subject; GitHub's and Discord's numeric ids derive from it.
    pub sub: String,
    /// The e-mail address.
    pub email: String,
    /// Whether the provider vouches for the e-mail address.
    pub email_verified: bool,
    /// The display name.
    pub name: String,
    /// The handle (GitHub `login`, Discord `username`).
    pub login: String,
}

impl Default for MockUser {
    /// sub `mock-1`, email `demo@idp.test` (verified), name `Demo User`, login `demo`.
    fn default() -> Self {
        MockUser {
            sub: "mock-1".to_owned(),
            email: "demo@idp.test".to_owned(),
            email_verified: true,
            name: "Demo User".to_owned(),
            login: "demo".to_owned(),
        }
    }
}

impl MockUser {
    /// The numeric id the GitHub and Discord forms report: `sub` itself when it is a number
    /// (`u64`), else a stable hash of it (FNV-1a, kept below 2^53 so JavaScript reads it exactly).
    pub fn numeric_id(&self) -> u64 {
        if let Ok(n) = self.sub.parse::<u64>() {
            return n;
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.sub.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        (h & ((1 << 53) - 1)).max(1)
    }
}

/// A fault put in the next token response (see [`MockIdp::twist_next`]).
///
/// Only the OIDC form issues ID tokens, so only it shows the twist; a twist is used up by the
/// next successful token response of any form all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Twist {
    /// `aud` is `someone-else` instead of the client id.
    WrongAud,
    /// `iss` is `{base}/evil` instead of the issuer.
    WrongIss,
    /// Issued two hours ago, expired one hour ago (`iat` = now - 7200, `exp` = now - 3600).
    Expired,
    /// Unsigned: header `{"alg":"none","typ":"JWT"}` and an empty signature.
    AlgNone,
    /// Signed by a key that is not in the JWKS, under a `kid` that is not in it either.
    OtherKey,
    /// Signed by a key that is not in the JWKS, under the `kid` of the current key (so the
    /// signature check itself, not the key lookup, must fail).
    OtherKeySameKid,
    /// `nonce` is `not-the-nonce`.
    WrongNonce,
    /// The token response has no `id_token`.
    NoIdToken,
    /// The ID token carries no `email` nor `email_verified` (userinfo still does): not a
    /// fault, a provider that keeps the address out of its ID tokens.
    NoEmailInIdToken,
}

/// The three forms of the flow the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    Oidc,
    GitHub,
    Discord,
}

/// A registered client.
pub(crate) struct Client {
    pub(crate) secret: String,
    pub(crate) redirect_uris: Vec<String>,
}

/// What an authorization code stands for.
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: String,
    pub(crate) nonce: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) user: MockUser,
    pub(crate) flavor: Flavor,
    pub(crate) issued: std::time::Instant,
}

/// What an access token stands for.
pub(crate) struct Issued {
    pub(crate) user: MockUser,
    pub(crate) flavor: Flavor,
    pub(crate) expires: std::time::Instant,
}

/// The server's state, behind one mutex (never held across an `.await`).
pub(crate) struct State {
    pub(crate) clients: HashMap<String, Client>,
    pub(crate) user: MockUser,
    pub(crate) key: SigningKey,
    /// Generated on first use, for [`Twist::OtherKey`] and [`Twist::OtherKeySameKid`].
    pub(crate) foreign_key: Option<SigningKey>,
    pub(crate) twist: Option<Twist>,
    pub(crate) deny_next: bool,
    pub(crate) fail_next_token: bool,
    pub(crate) codes: HashMap<String, Grant>,
    pub(crate) tokens: HashMap<String, Issued>,
}

/// Shared by the handles and the server.
pub(crate) struct Inner {
    pub(crate) base: String,
    state: Mutex<State>,
    pub(crate) jwks_fetches: AtomicUsize,
    pub(crate) token_requests: AtomicUsize,
}

impl Inner {
    /// The state (a panic elsewhere does not make it unusable).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The OIDC issuer.
    pub(crate) fn issuer(&self) -> String {
        format!("{}/oidc", self.base)
    }
}

impl MockIdp {
    /// Starts a provider on `127.0.0.1` with a port chosen by the system.
    ///
    /// Must be called within a Tokio runtime: the server is spawned on it. An RSA signing key
    /// is generated first.
    ///
    /// # Errors
    /// The listener could not be bound, or the key could not be generated.
    pub async fn start() -> std::io::Result<MockIdp> {
        MockIdp::start_on(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)).await
    }

    /// Starts a provider listening on `addr` (port 0: chosen by the system).
    ///
    /// The URLs it hands out name the address actually bound; an unspecified address
    /// (`0.0.0.0`, `::`) is named as loopback (`127.0.0.1`, `[::1]`).
    ///
    /// # Errors
    /// The listener could not be bound, or the key could not be generated.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<MockIdp> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let mut local = listener.local_addr()?;
        if local.ip().is_unspecified() {
            local.set_ip(match local.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        let key = SigningKey::generate("mock-key")?;
        let inner = Arc::new(Inner {
            base: format!("http://{local}"),
            state: Mutex::new(State {
                clients: HashMap::new(),
                user: MockUser::default(),
                key,
                foreign_key: None,
                twist: None,
                deny_next: false,
                fail_next_token: false,
                codes: HashMap::new(),
                tokens: HashMap::new(),
            }),
            jwks_fetches: AtomicUsize::new(0),
            token_requests: AtomicUsize::new(0),
        });
        let app = server::router(Arc::clone(&inner));
        tokio::spawn(async move {
            // Ends only with the runtime (or if accepting fails for good).
            let _ = axum::serve(listener, app).await;
        });
        Ok(MockIdp { inner })
    }

    /// The server's root URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base(&self) -> String {
        self.inner.base.clone()
    }

    /// The OIDC issuer, `{base}/oidc`: discovery is at
    /// `{issuer}/.well-known/openid-configuration`.
    pub fn issuer(&self) -> String {
        self.inner.issuer()
    }

    /// `{base}/github`, which stands for `https://github.com` (authorize at
    /// `/login/oauth/authorize`, token at `/login/oauth/access_token`).
    pub fn github_web(&self) -> String {
        format!("{}/github", self.inner.base)
    }

    /// `{base}/github/api`, which stands for `https://api.github.com` (`/user`, `/user/emails`).
    pub fn github_api(&self) -> String {
        format!("{}/github/api", self.inner.base)
    }

    /// `{base}/discord`, which stands for `https://discord.com` (authorize at
    /// `/oauth2/authorize`, token at `/api/oauth2/token`, user at `/api/users/@me`).
    pub fn discord_base(&self) -> String {
        format!("{}/discord", self.inner.base)
    }

    /// Registers (or replaces) a confidential client, for every form.
    ///
    /// From the first registration on, `/authorize` answers 400 to an unknown client or to a
    /// `redirect_uri` not among the client's (compared exactly), and the token endpoints answer
    /// 401 `invalid_client` to an unknown client or a wrong secret.
    pub fn register_client(&self, client_id: &str, client_secret: &str, redirect_uris: &[String]) {
        self.inner.state().clients.insert(
            client_id.to_owned(),
            Client {
                secret: client_secret.to_owned(),
                redirect_uris: redirect_uris.to_vec(),
            },
        );
    }

    /// Sets whom the next `/authorize` requests sign in (until set again).
    ///
    /// Codes and access tokens already issued keep the user they were issued for.
    pub fn set_user(&self, user: MockUser) {
        self.inner.state().user = user;
    }

    /// The user `/authorize` currently signs in.
    pub fn user(&self) -> MockUser {
        self.inner.state().user.clone()
    }

    /// Puts `t` in the next successful token response only (a later call replaces an unused one).
    pub fn twist_next(&self, t: Twist) {
        self.inner.state().twist = Some(t);
    }

    /// The next `/authorize` request that passes the client and redirect URI checks redirects
    /// back with `error=access_denied` (and its `state`) instead of a code.
    pub fn deny_next(&self) {
        self.inner.state().deny_next = true;
    }

    /// The next token request (of any form) answers 400 `{"error":"invalid_grant"}` whatever it
    /// carries; its code, if any, is left unused.
    pub fn fail_next_token(&self) {
        self.inner.state().fail_next_token = true;
    }

    /// Replaces the signing key by a new one with a new `kid`; the old key leaves the JWKS.
    ///
    /// # Panics
    /// If the RSA key cannot be generated (which would mean a broken crypto library).
    pub fn rotate_key(&self) {
        let key = SigningKey::generate("mock-key").expect("mock IdP: RSA key generation");
        self.inner.state().key = key;
    }

    /// The `kid` of the current signing key (the one in the JWKS).
    pub fn kid(&self) -> String {
        self.inner.state().key.kid.clone()
    }

    /// How many times `/oidc/jwks` was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.inner.jwks_fetches.load(Ordering::SeqCst)
    }

    /// How many token requests arrived, of any form, answered with a token or not.
    pub fn token_requests(&self) -> usize {
        self.inner.token_requests.load(Ordering::SeqCst)
    }
}
