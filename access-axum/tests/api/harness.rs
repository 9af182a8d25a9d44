//! Helpers every module of this suite uses: a migrated in-memory database, an auth
//! configuration with a literal test secret and cheap hashing, tokens as `POST /auth/login`
//! issues them, and one function that sends a request and reads the JSON answer.
#![allow(dead_code)] // each helper is used by some of the modules, not all

use access_axum::{AuthConfig, AuthState, Claims, JwtKeys};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use serde_json::Value;
use tower::ServiceExt as _;

/// A literal secret, for tests only.
pub const SECRET: &[u8] = b"example-only-secret-0123456789abcdef";

/// A fresh in-memory SQLite database with every table of access-axum.
pub async fn db() -> DatabaseConnection {
    let mut opts = ConnectOptions::new("sqlite::memory:");
    opts.max_connections(1);
    let db = Database::connect(opts).await.expect("sqlite");
    access_axum::migrate(&db).await.expect("migrate");
    db
}

/// A configuration with [`SECRET`] and cheap hashing.
pub fn config() -> AuthConfig {
    AuthConfig::builder()
        .keys(JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).expect("keys"))
        .argon2(access_axum::config::Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        })
        .build()
        .expect("config")
}

/// Auth state over a fresh database with [`config`].
pub async fn auth_state() -> AuthState {
    AuthState::new(db().await, config())
}

/// An access token for user `id` with global `roles` in `tenant`, signed with [`SECRET`] as
/// `POST /auth/login` issues them.
pub fn token_in(id: i64, roles: &[&str], tenant: Option<&str>) -> String {
    let now = access_core::time::now();
    let claims = Claims {
        sub: id.to_string(),
        iss: "access".into(),
        aud: "access".into(),
        exp: now + 600,
        nbf: now,
        iat: now,
        sid: "s1".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        tenant: tenant.map(str::to_owned),
        su: false,
        mfa: None,
        extra: Default::default(),
    };
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("at+jwt".into()); // an access token's type (RFC 9068)
    jsonwebtoken::encode(&header, &claims, &key).expect("token")
}

/// [`token_in`] tenant `acme`.
pub fn token(id: i64, roles: &[&str]) -> String {
    token_in(id, roles, Some("acme"))
}

/// Sends `req`; the status, the headers and the body as JSON (a string when it is not JSON).
pub async fn call_full(
    app: &Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, body)
}

/// Sends `req`; the status and the body as JSON.
pub async fn call(app: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let (status, _, body) = call_full(app, req).await;
    (status, body)
}

/// Sends `method uri` with an optional bearer token and JSON body.
pub async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    call(app, request(method, uri, token, body)).await
}

/// A request with an optional bearer token and JSON body.
pub fn request(method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request")
}

/// Registers `email` with a good password through `app`; the access token.
pub async fn sign_up(app: &Router, email: &str) -> String {
    let body = serde_json::json!({ "email": email, "password": "correct horse battery" });
    let (status, body) = send(app, "POST", "/auth/register", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}
