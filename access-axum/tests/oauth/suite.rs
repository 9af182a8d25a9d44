//! Sign-in with OAuth 2.0 and OpenID Connect providers through the whole HTTP stack: the app's
//! routes in process, the providers a real server on loopback (`access-idp-mock`: discovery,
//! JWKS, authorize, token and profile endpoints in OIDC, GitHub-like and Discord-like forms)
//! reached by the same HTTP client production uses. Every refusal is read back in SQL: it
//! creates no user, no link and no session.

use std::time::Duration;

use access_axum::auth::{OAuthConfig, OAuthProvider};
use access_axum::{AuthState, config::MfaSettings};
use access_idp_mock::{MockIdp, MockUser};
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

#[path = "../common/backend.rs"]
mod backend;
use backend::{config_builder, rows};

mod flows;
mod refusals;

fn skip() -> bool {
    backend::skip("oauth", super::BACKEND)
}

/// Where the app says browsers reach it (the callback URL is built on it).
const PUBLIC: &str = "http://app.test";

struct Fixture {
    router: Router,
    db: DatabaseConnection,
    idp: MockIdp,
}

/// The app with three providers on the mock: `mock` (OpenID Connect), `github` and `discord`
/// (the presets pointed at it); each client registered there with its callback URL.
async fn fixture() -> Fixture {
    fixture_with(|c| c.start_limit(1_000, Duration::from_secs(300))).await
}

async fn fixture_with(adjust: impl FnOnce(OAuthConfig) -> OAuthConfig) -> Fixture {
    let idp = MockIdp::start().await.expect("the mock provider");
    for (id, name) in [("app", "mock"), ("gh-app", "github"), ("dc-app", "discord")] {
        idp.register_client(
            id,
            &format!("{id}-secret"),
            &[format!("{PUBLIC}/auth/oauth/{name}/callback")],
        );
    }
    let oauth = OAuthConfig::new(PUBLIC)
        .provider(OAuthProvider::oidc(
            "mock",
            idp.issuer(),
            "app",
            "app-secret",
        ))
        .provider(OAuthProvider::github("gh-app", "gh-app-secret").with_base_url(idp.github_web()))
        .provider(
            OAuthProvider::discord("dc-app", "dc-app-secret").with_base_url(idp.discord_base()),
        )
        .allow_redirects_to("https://admin.app.test");
    let db = backend::database("oauth", super::BACKEND).await;
    access_axum::migrate(&db).await.expect("migrate");
    let mfa = MfaSettings {
        key: std::array::from_fn(|i| (i as u8).wrapping_mul(29).wrapping_add(3)),
        issuer: "OAuth tests".into(),
    };
    let config = config_builder().mfa(mfa).build().expect("config");
    let auth = AuthState::new(db.clone(), config).with_oauth(adjust(oauth));
    Fixture {
        router: auth.router(),
        db,
        idp,
    }
}

/// A request through the app: status, headers, body (JSON, or a string).
async fn call(
    f: &Fixture,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    backend::send_full_with(&f.router, method, uri, headers, body).await
}

/// The `name=value` of each `Set-Cookie` (without attributes).
fn cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .collect()
}

/// The value of the cookie `name` set by `h` (whatever its `__Host-`/`__Secure-` prefix), when
/// not cleared.
fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    cookie_pair(h, name).and_then(|p| p.split_once('=').map(|(_, v)| v.to_owned()))
}

/// `name=value` of the cookie `name` as set (its full name), when not cleared.
fn cookie_pair(h: &HeaderMap, name: &str) -> Option<String> {
    cookies(h).into_iter().find(|c| {
        c.split_once('=').is_some_and(|(k, v)| {
            !v.is_empty()
                && k.trim_start_matches("__Host-")
                    .trim_start_matches("__Secure-")
                    == name
        })
    })
}

fn location(h: &HeaderMap) -> String {
    h.get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a Location")
        .to_owned()
}

/// A started flow: the provider's authorization URL and the browser's binding cookie
/// (`name=value`).
struct Started {
    authorize: String,
    browser: String,
}

/// `GET /auth/oauth/{provider}` (with `query`, and a signed-in user's token when linking).
async fn start(f: &Fixture, provider: &str, query: &str, token: Option<&str>) -> Started {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    let (status, h, body) = call(
        f,
        "GET",
        &format!("/auth/oauth/{provider}{query}"),
        &headers,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FOUND, "{body}");
    Started {
        authorize: location(&h),
        browser: cookie_pair(&h, "oauth_flow").expect("the binding cookie"),
    }
}

/// The browser at the provider: its answer's redirect back to the app (the callback's path and
/// query), or the provider's refusal.
async fn at_provider(authorize: &str) -> String {
    // The process's rustls provider, for this plain client (the app's brings its own).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = http
        .get(authorize)
        .send()
        .await
        .expect("the provider answers");
    assert_eq!(
        r.status(),
        reqwest::StatusCode::FOUND,
        "{:?}",
        r.text().await
    );
    let to = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a redirect back")
        .to_owned();
    to.strip_prefix(PUBLIC).expect("back to the app").to_owned()
}

/// A flow started and taken through the provider: the start, and the callback the provider
/// sent the browser back to.
async fn through(
    f: &Fixture,
    provider: &str,
    query: &str,
    token: Option<&str>,
) -> (Started, String) {
    let s = start(f, provider, query, token).await;
    let cb = at_provider(&s.authorize).await;
    (s, cb)
}

/// The callback with the browser's cookie (`accept`: a page finishing the flow itself).
async fn back(
    f: &Fixture,
    callback: &str,
    browser: Option<&str>,
    json: bool,
) -> (StatusCode, HeaderMap, Value) {
    let cookie = browser.map(str::to_owned);
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = &cookie {
        headers.push(("cookie", c.as_str()));
    }
    if json {
        headers.push(("accept", "application/json"));
    }
    call(f, "GET", callback, &headers, None).await
}

/// A whole sign-in as a page would finish it (JSON): the callback's answer.
async fn sign_in(f: &Fixture, provider: &str) -> (StatusCode, Value) {
    let (s, cb) = through(f, provider, "", None).await;
    let (status, _, body) = back(f, &cb, Some(&s.browser), true).await;
    (status, body)
}

/// What a sign-in writes: users, links, sessions.
async fn stored(db: &DatabaseConnection) -> Vec<String> {
    let mut out = rows(
        db,
        "SELECT id, email, email_verified, password_hash FROM auth_users ORDER BY id",
    )
    .await;
    out.extend(
        rows(
            db,
            "SELECT provider, subject, user_id, email FROM auth_oauth_accounts ORDER BY id",
        )
        .await,
    );
    out.extend(rows(db, "SELECT id, user_id FROM auth_sessions ORDER BY id").await);
    out
}

fn user(sub: &str, email: &str, verified: bool) -> MockUser {
    MockUser {
        sub: sub.into(),
        email: email.into(),
        email_verified: verified,
        ..MockUser::default()
    }
}

/// Registers `email` with a password: its access token and id.
async fn register(f: &Fixture, email: &str) -> (String, i64) {
    let (status, _, body) = call(
        f,
        "POST",
        "/auth/register",
        &[],
        Some(json!({ "email": email, "password": backend::PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["access_token"].as_str().expect("token").to_owned(),
        body["user"]["id"].as_i64().expect("id"),
    )
}
