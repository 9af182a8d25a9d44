//! What the suites that run on both databases share (`orgs`, `server_api`, `users_admin`): the
//! database of a test (SQLite in memory, or a PostgreSQL schema of its own), the skip when
//! PostgreSQL is not configured, the app's configuration, a mail outbox, requests through the
//! router, and the database's rows as text. Each suite uses its part.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::Value;
use tower::ServiceExt as _;

use access_axum::{AuthConfig, JwtKeys};

/// The password of the users the suites register.
pub const PASSWORD: &str = "correct horse battery";

const SECRET: &[u8] = b"example-only-secret-0123456789abcdef";

/// Whether `suite`'s database is missing on `backend` (PostgreSQL without
/// `ACCESS_TEST_POSTGRES_URL`): the binary says so once, and the test returns.
pub fn skip(suite: &str, backend: &str) -> bool {
    if backend == "postgres" && std::env::var("ACCESS_TEST_POSTGRES_URL").is_err() {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "{suite}_postgres: skipped, set ACCESS_TEST_POSTGRES_URL to run the suite on PostgreSQL"
            );
        });
        return true;
    }
    false
}

/// A fresh database: SQLite in memory, or a new PostgreSQL schema (`{suite}_{pid}_{nanos}`).
pub async fn database(suite: &str, backend: &str) -> DatabaseConnection {
    if backend == "sqlite" {
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1);
        return Database::connect(opts).await.expect("sqlite");
    }
    let url = std::env::var("ACCESS_TEST_POSTGRES_URL").expect("checked by skip()");
    let schema = format!(
        "{suite}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_nanos()
    );
    let db = Database::connect(url.clone()).await.expect("postgres");
    db.execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("schema");
    drop(db);
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(4).set_schema_search_path(schema);
    Database::connect(opts).await.expect("postgres")
}

/// HS256 with a test secret, and argon2 at its cheapest (256 KiB, one pass).
pub fn config() -> AuthConfig {
    config_builder().build().expect("config")
}

/// The builder behind [`config`], for suites that add settings (MFA, ..) before `build`.
pub fn config_builder() -> access_axum::config::AuthConfigBuilder {
    AuthConfig::builder()
        .keys(JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).expect("keys"))
        .argon2(access_axum::config::Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        })
}

/// Captures what would be mailed: (kind, address, token).
#[derive(Clone, Default)]
pub struct Outbox(pub std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>);

impl access_axum::Mailer for Outbox {
    fn send(
        &self,
        kind: &'static str,
        email: &str,
        token: &str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.0
            .lock()
            .expect("outbox")
            .push((kind.to_owned(), email.to_owned(), token.to_owned()));
        Box::pin(async {})
    }
}

impl Outbox {
    /// Everything mailed so far.
    pub fn sent(&self) -> Vec<(String, String, String)> {
        self.0.lock().expect("outbox").clone()
    }

    /// The newest token of `kind` mailed to `email` when it is not `not`, waiting for it (some
    /// mail leaves after the answer).
    pub async fn last(&self, kind: &str, email: &str, not: Option<&str>) -> String {
        for _ in 0..200 {
            let found = self
                .sent()
                .into_iter()
                .rev()
                .find(|(k, e, _)| k == kind && e == email)
                .map(|m| m.2)
                .filter(|t| Some(t.as_str()) != not);
            if let Some(t) = found {
                return t;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no {kind} mail to {email}");
    }
}

/// A request with an optional bearer token and raw body (`content_type` set when given): the
/// status and the body as JSON (or as a string when it is not JSON).
pub async fn send_raw(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some((content_type, b)) => req.header("content-type", content_type).body(Body::from(b)),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

/// [`send`] with the response's headers too: the status, the headers, the body as JSON (or as
/// a string when it is not JSON).
pub async fn send_full(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    send_full_with(app, method, uri, &headers, body).await
}

/// [`send_full`] with these request headers.
pub async fn send_full_with(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let res = app.clone().oneshot(req).await.expect("infallible");
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, body)
}

/// A request with these headers and an optional raw body: the status and the JSON body.
pub async fn send_with_headers(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

/// [`send_raw`] with a JSON body.
pub async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let body = body.map(|b| ("application/json", b.to_string()));
    send_raw(app, method, uri, token, body).await
}

/// The rows of `sql`, each as its columns' text joined by `|`, for comparing the database
/// before and after; every column is read (a column of another type fails the test rather than
/// being dropped).
pub async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query");
    let select = sql.split_once(" FROM ").expect("SELECT .. FROM ..").0;
    let columns = select.split(',').count();
    rows.iter()
        .map(|r| {
            let fields: Vec<String> = (0..)
                .map_while(|i| {
                    let text = |v: Option<String>| v.unwrap_or_default();
                    r.try_get_by_index::<Option<String>>(i)
                        .map(text)
                        .or_else(|_| {
                            r.try_get_by_index::<Option<i64>>(i)
                                .map(|v| text(v.map(|v| v.to_string())))
                        })
                        .or_else(|_| {
                            r.try_get_by_index::<Option<i32>>(i)
                                .map(|v| text(v.map(|v| v.to_string())))
                        })
                        .or_else(|_| {
                            r.try_get_by_index::<Option<bool>>(i)
                                .map(|v| text(v.map(|v| v.to_string())))
                        })
                        .ok()
                })
                .collect();
            assert_eq!(fields.len(), columns, "{sql}: every column read");
            fields.join("|")
        })
        .collect()
}
