//! request_log: one line per request with method, matched path, status, latency and the user id;
//! 5xx at ERROR, denials at INFO, refused input at DEBUG; never a token, password or cookie.

use std::io::Write;
use std::sync::{Arc, Mutex};

use access_axum::{App, CurrentUser};
use axum::http::StatusCode;
use axum::routing::get;
use sea_orm::{ConnectOptions, Database};
use serde_json::json;

use crate::harness::*;

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        default_role: user,
        entity organization { roles: [owner] }
        entitlements { "organization:manage" on organization => roles [owner] }
    }
}

/// The log lines written while the guard lives.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .filter(|l| l.contains("access_axum::request"))
            .map(str::to_owned)
            .collect()
    }
}

async fn boom() -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn whoami(user: CurrentUser) -> String {
    format!("user {}", user.id)
}

#[tokio::test]
async fn each_request_is_one_line_at_the_level_its_status_calls_for() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut opts = ConnectOptions::new("sqlite::memory:");
    opts.max_connections(1);
    let db = Database::connect(opts).await.unwrap();
    let routes = axum::Router::new()
        .route("/boom/{id}", get(boom))
        .route("/whoami", get(whoami));
    let router = App::new(model::Access, db)
        .config(config())
        .routes(routes)
        .build()
        .await
        .unwrap()
        .into_router();
    let token = sign_up(&router, "ada@example.com").await;
    let (_, me) = send(&router, "GET", "/auth/me", Some(&token), None).await;
    let id = me["id"].as_i64().unwrap();
    captured.0.lock().unwrap().clear();

    assert_eq!(
        send(&router, "GET", "/whoami", Some(&token), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&router, "GET", "/whoami", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&router, "GET", "/boom/secret-id-7", None, None)
            .await
            .0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let bad = json!({ "identifier": "ada@example.com", "password": "wrong-password-123" });
    let (status, _) = send(&router, "POST", "/auth/login", None, Some(bad)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let malformed = json!({ "identifier": 7 });
    let (status, _) = send(&router, "POST", "/auth/login", None, Some(malformed)).await;
    assert!(status.is_client_error(), "{status}");

    let lines = captured.lines();
    let line = |needle: &str| {
        lines
            .iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in {lines:#?}"))
            .clone()
    };
    let ok = line("status=200");
    assert!(ok.contains("INFO"), "{ok}");
    assert!(
        ok.contains("method=GET") && ok.contains("path=/whoami"),
        "{ok}"
    );
    assert!(ok.contains(&format!("user={id}")), "{ok}");
    assert!(ok.contains("latency_us="), "{ok}");
    let err = line("status=500");
    assert!(
        err.contains("ERROR") && err.contains("path=/boom/{id}"),
        "{err}"
    );
    assert!(
        !err.contains("secret-id-7"),
        "the matched path, not the ids: {err}"
    );
    let denied = line("status=401");
    assert!(
        denied.contains("INFO") && denied.contains("denied"),
        "{denied}"
    );
    let refused = lines
        .iter()
        .find(|l| l.contains("status=4") && !l.contains("status=401"))
        .unwrap_or_else(|| panic!("no refusal line in {lines:#?}"));
    assert!(refused.contains("DEBUG"), "{refused}");
    assert_eq!(lines.len(), 5, "one line per request: {lines:#?}");
    let all = lines.join("\n");
    for secret in [token.as_str(), "wrong-password-123", "Bearer", "cookie"] {
        assert!(!all.contains(secret), "{secret:?} in the log: {all}");
    }
}
