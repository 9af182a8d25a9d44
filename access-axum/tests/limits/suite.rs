//! Rate limits as documented, one test per limited endpoint, and whose address a limit counts:
//! the peer's, unless the peer is a trusted proxy, whose `Forwarded` / `X-Forwarded-For` then
//! names the client (the rightmost hop not itself trusted). Requests come from loopback peers
//! (`ConnectInfo`, as `axum::serve` with `into_make_service_with_connect_info` gives it); the
//! buckets are read back in SQL. Every 429 carries `Retry-After`.

use std::net::SocketAddr;

use access_axum::AuthState;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower::ServiceExt as _;

#[path = "../common/backend.rs"]
mod backend;
use backend::{config_builder, rows};

fn skip() -> bool {
    backend::skip("limits", super::BACKEND)
}

/// The proxy every test trusts.
const PROXY: &str = "127.0.0.1";

async fn app() -> (Router, DatabaseConnection) {
    let (app, db, _) = app_with(|b| b).await;
    (app, db)
}

/// The app with the limits `adjust` sets (the proxy trusted), mailing into an outbox.
async fn app_with(
    adjust: impl FnOnce(
        access_axum::config::AuthConfigBuilder,
    ) -> access_axum::config::AuthConfigBuilder,
) -> (Router, DatabaseConnection, backend::Outbox) {
    let db = backend::database("limits", super::BACKEND).await;
    access_axum::migrate(&db).await.expect("migrate");
    let config =
        adjust(config_builder().trusted_proxy(format!("{PROXY}/32").parse().expect("a range")))
            .build()
            .expect("config");
    let outbox = backend::Outbox::default();
    let state = AuthState::new(db.clone(), config).with_mailer(outbox.clone());
    (state.router(), db, outbox)
}

/// A login for an unknown address (its own identifier bucket each time) from `peer`, with
/// these forwarding headers.
async fn login_from(app: &Router, peer: &str, headers: &[(&str, &str)], n: usize) -> StatusCode {
    let body =
        json!({ "identifier": format!("nobody{n}@example.com"), "password": "wrong password" });
    post_with(app, peer, "/auth/login", headers, body).await.0
}

/// Which of `addresses` the login limit counted, and how often (its keys are stored hashed:
/// SHA-256 of `login:ip:<address>`, hex).
async fn buckets(db: &DatabaseConnection, addresses: &[&str]) -> Vec<(String, i64)> {
    use sha2::Digest as _;
    let mut out = Vec::new();
    for a in addresses {
        let key: String = sha2::Sha256::digest(format!("login:ip:{a}").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        for count in rows(
            db,
            &format!("SELECT count FROM auth_rate_limits WHERE key = '{key}'"),
        )
        .await
        {
            out.push(((*a).to_owned(), count.parse().expect("a count")));
        }
    }
    out
}

#[tokio::test]
async fn an_untrusted_peer_cannot_pick_its_bucket_with_forwarding_headers() {
    if skip() {
        return;
    }
    let (app, db) = app().await;
    // Ten logins a window per address: a new spoofed address each time changes nothing.
    let mut statuses = Vec::new();
    for n in 0..11 {
        let spoofed = format!("203.0.113.{n}");
        statuses.push(login_from(&app, "127.0.0.2", &[("x-forwarded-for", &spoofed)], n).await);
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        buckets(&db, &["127.0.0.2", "203.0.113.0", "203.0.113.10"]).await,
        [("127.0.0.2".to_owned(), 11)]
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket() {
    if skip() {
        return;
    }
    let (app, db) = app().await;
    for n in 0..11 {
        let s = login_from(&app, PROXY, &[("x-forwarded-for", "198.51.100.7")], n).await;
        let want = if n < 10 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(s, want, "login {n}");
    }
    // Another client behind the same proxy: its own bucket.
    let s = login_from(&app, PROXY, &[("x-forwarded-for", "198.51.100.8")], 99).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The rightmost hop that is not the proxy: a client-written leftmost entry is not believed.
    login_from(
        &app,
        PROXY,
        &[("x-forwarded-for", "1.2.3.4, 198.51.100.9, 127.0.0.1")],
        100,
    )
    .await;
    // `Forwarded` (RFC 7239) wins over `X-Forwarded-For`; IPv6 in brackets, with a port.
    login_from(
        &app,
        PROXY,
        &[
            ("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
            ("x-forwarded-for", "198.51.100.10"),
        ],
        101,
    )
    .await;
    // A garbled hop stops the walk at the last address before it.
    login_from(
        &app,
        PROXY,
        &[("x-forwarded-for", "198.51.100.11, not-an-address")],
        102,
    )
    .await;
    let counted = buckets(
        &db,
        &[
            "127.0.0.1",
            "198.51.100.7",
            "198.51.100.8",
            "198.51.100.9",
            "1.2.3.4",
            "2001:db8::7",
            "198.51.100.10",
            "198.51.100.11",
        ],
    )
    .await;
    assert_eq!(
        counted,
        [
            ("127.0.0.1".to_owned(), 1),
            ("198.51.100.7".to_owned(), 11),
            ("198.51.100.8".to_owned(), 1),
            ("198.51.100.9".to_owned(), 1),
            ("2001:db8::7".to_owned(), 1),
        ]
    );
}

/// `POST path` with a JSON body from `peer`: the status, `Retry-After` and the body.
async fn post_from(
    app: &Router,
    peer: &str,
    path: &str,
    body: serde_json::Value,
) -> (StatusCode, Option<String>, serde_json::Value) {
    post_with(app, peer, path, &[], body).await
}

/// [`post_from`] with these request headers.
async fn post_with(
    app: &Router,
    peer: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> (StatusCode, Option<String>, serde_json::Value) {
    let mut req = Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::from(body.to_string())).expect("request");
    let addr: SocketAddr = format!("{peer}:40000").parse().expect("an address");
    req.extensions_mut().insert(ConnectInfo(addr));
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        retry,
        serde_json::from_slice(&bytes).unwrap_or_default(),
    )
}

fn limit(max: u32) -> access_axum::config::RateLimit {
    access_axum::config::RateLimit {
        max,
        window: std::time::Duration::from_secs(3600),
    }
}

/// A 429 that says when to come back.
fn limited(got: &(StatusCode, Option<String>, serde_json::Value)) {
    assert_eq!(got.0, StatusCode::TOO_MANY_REQUESTS, "{}", got.2);
    assert_eq!(got.2["error"], "rate_limited");
    let secs: u64 = got
        .1
        .as_deref()
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=3600).contains(&secs), "{secs}");
}

#[tokio::test]
async fn sign_ups_are_limited_per_client_address_and_per_email_address() {
    if skip() {
        return;
    }
    let (app, db, _) = app_with(|b| {
        b.rate_limits(access_axum::config::RateLimits {
            register: limit(2),
            ..Default::default()
        })
    })
    .await;
    let register = |peer: &'static str, email: &'static str| {
        let app = app.clone();
        async move {
            post_from(
                &app,
                peer,
                "/auth/register",
                json!({ "email": email, "password": backend::PASSWORD }),
            )
            .await
        }
    };
    // One address from three places: the address's own limit (2 an hour) stops the third.
    assert_eq!(
        register("127.0.0.3", "eve@example.com").await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        register("127.0.0.4", "eve@example.com").await.0,
        StatusCode::CONFLICT
    );
    let before = rows(&db, "SELECT id, email FROM auth_users ORDER BY id").await;
    limited(&register("127.0.0.5", "eve@example.com").await);
    // One place, three addresses: the place's limit stops the third.
    assert_eq!(
        register("127.0.0.6", "a@example.com").await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        register("127.0.0.6", "b@example.com").await.0,
        StatusCode::CREATED
    );
    let third = register("127.0.0.6", "c@example.com").await;
    limited(&third);
    let after = rows(&db, "SELECT id, email FROM auth_users ORDER BY id").await;
    assert_eq!(
        after.len(),
        before.len() + 2,
        "the refused sign-ups stored nobody"
    );
}

#[tokio::test]
async fn forgot_password_and_resend_verification_answer_200_past_their_limit_and_send_nothing() {
    if skip() {
        return;
    }
    let (app, _, outbox) = app_with(|b| {
        b.rate_limits(access_axum::config::RateLimits {
            email: limit(2),
            ..Default::default()
        })
    })
    .await;
    let (status, _, _) = post_from(
        &app,
        "127.0.0.7",
        "/auth/register",
        json!({ "email": "ann@example.com", "password": backend::PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    for (path, kind) in [
        ("/auth/forgot-password", "reset"),
        ("/auth/resend-verification", "verify"),
    ] {
        for _ in 0..4 {
            let (status, retry, body) = post_from(
                &app,
                "127.0.0.7",
                path,
                json!({ "email": "ann@example.com" }),
            )
            .await;
            assert_eq!((status, retry), (StatusCode::OK, None), "{path}: {body}");
        }
        // The mails leave after the answer: wait for what will come.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let sent = outbox
            .sent()
            .into_iter()
            .filter(|(k, _, _)| k == kind)
            .count();
        // The address's limit is shared by both endpoints (2 an hour): reset takes both; the
        // verification mail after registration was sent before any of these.
        let want = if kind == "reset" { 2 } else { 1 };
        assert_eq!(sent, want, "{path}: mails past the limit");
    }
}

#[tokio::test]
async fn refreshes_are_limited_per_client_address() {
    if skip() {
        return;
    }
    let (app, _, _) = app_with(|b| {
        b.rate_limits(access_axum::config::RateLimits {
            refresh: limit(2),
            ..Default::default()
        })
    })
    .await;
    let (_, _, body) = post_from(
        &app,
        "127.0.0.8",
        "/auth/register",
        json!({ "email": "bo@example.com", "password": backend::PASSWORD }),
    )
    .await;
    let mut token = body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    for _ in 0..2 {
        let (status, _, body) = post_from(
            &app,
            "127.0.0.8",
            "/auth/refresh",
            json!({ "refresh_token": token }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        token = body["refresh_token"].as_str().unwrap().to_owned();
    }
    limited(
        &post_from(
            &app,
            "127.0.0.8",
            "/auth/refresh",
            json!({ "refresh_token": token }),
        )
        .await,
    );
    // From elsewhere the same token still works: the limit is the address's.
    let (status, _, _) = post_from(
        &app,
        "127.0.0.9",
        "/auth/refresh",
        json!({ "refresh_token": token }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn logins_are_limited_per_identifier_across_addresses() {
    if skip() {
        return;
    }
    let (app, _) = app().await;
    // Ten tries at one identifier, from ten places: the eleventh is refused wherever it comes from.
    for n in 0..10 {
        let (status, _, _) = post_from(
            &app,
            &format!("127.0.1.{n}"),
            "/auth/login",
            json!({ "identifier": "target@example.com", "password": "guess" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    limited(
        &post_from(
            &app,
            "127.0.1.99",
            "/auth/login",
            json!({ "identifier": "target@example.com", "password": "guess" }),
        )
        .await,
    );
}

#[tokio::test]
async fn password_hashing_waits_for_a_slot_then_answers_503() {
    if skip() {
        return;
    }
    // One slot, a costly hash, a short wait: of eight logins at once some cannot have the slot
    // in time. They get 503 with `Retry-After`, never a 500, and open no session.
    let (app, db, _) = app_with(|b| {
        b.argon2(access_axum::config::Argon2Params {
            m_cost: 16_384,
            t_cost: 3,
            p_cost: 1,
        })
        .hashing_slots(1)
        .hashing_wait(std::time::Duration::from_millis(20))
        .rate_limits(access_axum::config::RateLimits {
            login: limit(1_000),
            ..Default::default()
        })
    })
    .await;
    let (status, _, _) = post_from(
        &app,
        "127.0.0.20",
        "/auth/register",
        json!({ "email": "cy@example.com", "password": backend::PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let sessions = rows(&db, "SELECT id FROM auth_sessions").await.len();
    let mut logins = tokio::task::JoinSet::new();
    for n in 0..8 {
        let app = app.clone();
        logins.spawn(async move {
            post_from(
                &app,
                &format!("127.0.0.{}", 30 + n),
                "/auth/login",
                json!({ "identifier": "cy@example.com", "password": backend::PASSWORD }),
            )
            .await
        });
    }
    let answers = logins.join_all().await;
    let ok = answers.iter().filter(|a| a.0 == StatusCode::OK).count();
    let busy: Vec<_> = answers
        .iter()
        .filter(|a| a.0 == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(
        ok + busy.len(),
        8,
        "only 200 or 503: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        ok >= 1 && !busy.is_empty(),
        "{ok} signed in, {} busy",
        busy.len()
    );
    for b in &busy {
        assert_eq!(b.1.as_deref(), Some("1"), "Retry-After");
        assert_eq!(b.2["error"], "unavailable");
    }
    assert_eq!(
        rows(&db, "SELECT id FROM auth_sessions").await.len(),
        sessions + ok,
        "a 503 opens no session"
    );
}
