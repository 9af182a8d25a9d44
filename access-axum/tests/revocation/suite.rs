//! With `AuthState::with_session_check`, an access token stops working as soon as its session
//! ends (logout, another device revoking it), not when it expires; without it, tokens are
//! stateless and work until they expire. The answer per session is reused for the ttl.

use std::time::Duration;

use access_axum::AuthState;
use axum::Router;
use axum::http::StatusCode;
use serde_json::json;

#[path = "../common/backend.rs"]
mod backend;
use backend::{config, send};

fn skip() -> bool {
    backend::skip("revocation", super::BACKEND)
}

/// The auth routes, the session check as `check` says.
async fn app(check: Option<Duration>) -> Router {
    let db = backend::database("revocation", super::BACKEND).await;
    access_axum::migrate(&db).await.expect("migrate");
    let state = AuthState::new(db, config());
    match check {
        Some(ttl) => state.with_session_check(ttl),
        None => state,
    }
    .router()
}

/// Registers `email` and logs in again: two sessions' access tokens and the second's id.
async fn two_sessions(app: &Router, email: &str) -> (String, String, String) {
    let body = json!({ "email": email, "password": backend::PASSWORD });
    let (status, first) = send(app, "POST", "/auth/register", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let body = json!({ "identifier": email, "password": backend::PASSWORD });
    let (status, second) = send(app, "POST", "/auth/login", None, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let token = |b: &serde_json::Value| b["access_token"].as_str().unwrap().to_owned();
    (
        token(&first),
        token(&second),
        second["session_id"].as_str().unwrap().to_owned(),
    )
}

async fn me(app: &Router, token: &str) -> StatusCode {
    send(app, "GET", "/auth/me", Some(token), None).await.0
}

#[tokio::test]
async fn with_the_check_a_revoked_session_s_token_is_refused_at_once() {
    if skip() {
        return;
    }
    let app = app(Some(Duration::ZERO)).await;
    let (a, b, b_session) = two_sessions(&app, "ann@example.com").await;
    assert_eq!(
        (me(&app, &a).await, me(&app, &b).await),
        (StatusCode::OK, StatusCode::OK)
    );
    // The first device ends the second's session: its token stops now.
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/auth/sessions/{b_session}"),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &b).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, &a).await,
        StatusCode::OK,
        "the other session lives on"
    );
    // Logging out ends the first too.
    let (status, _) = send(&app, "POST", "/auth/logout", Some(&a), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me(&app, &a).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_it_tokens_are_stateless_and_with_a_ttl_the_answer_is_reused() {
    if skip() {
        return;
    }
    // Stateless: a logged-out session's access token works until it expires.
    let app_ = app(None).await;
    let (a, _, _) = two_sessions(&app_, "bob@example.com").await;
    send(&app_, "POST", "/auth/logout", Some(&a), None).await;
    assert_eq!(me(&app_, &a).await, StatusCode::OK);
    // A minute's ttl: the session was seen live, and that answer stands for the minute.
    let app_ = app(Some(Duration::from_secs(60))).await;
    let (a, _, _) = two_sessions(&app_, "cy@example.com").await;
    assert_eq!(me(&app_, &a).await, StatusCode::OK);
    send(&app_, "POST", "/auth/logout", Some(&a), None).await;
    assert_eq!(me(&app_, &a).await, StatusCode::OK, "within the ttl");
}
