//! 200 logins at once against the authentication routes, with the default argon2 cost (19 MiB,
//! two passes): how long they take and the process's peak memory, with password hashing
//! bounded by `hashing_slots` (the default: the machine's parallelism) or, for comparison,
//! practically unbounded.
//!
//! ```sh
//! cargo run --release -p access-axum --example login_storm            # the default slots
//! cargo run --release -p access-axum --example login_storm -- 200     # 200 slots: unbounded
//! ```
//!
//! In process (the router called directly), SQLite in a temporary file; each run is its own
//! process, so the peak (`VmHWM` from `/proc/self/status`) is this run's.

use std::time::{Duration, Instant};

use access_axum::config::{RateLimit, RateLimits};
use access_axum::{AuthConfig, AuthState, JwtKeys};
use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use tower::ServiceExt as _;

const LOGINS: usize = 200;

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn request(body: serde_json::Value, path: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let slots: Option<usize> = std::env::args().nth(1).map(|s| s.parse()).transpose()?;
    let dir = std::env::temp_dir().join(format!("login-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}?mode=rwc", dir.join("auth.db").display());
    let db = access_axum::db::connect(&url, 8).await?;
    access_axum::migrate(&db).await?;
    let open = RateLimit {
        max: u32::MAX,
        window: Duration::from_secs(1),
    };
    let mut builder = AuthConfig::builder()
        .keys(JwtKeys::hmac(
            jsonwebtoken::Algorithm::HS256,
            b"login-storm-example-secret-0123456789abcdef",
        )?)
        .rate_limits(RateLimits {
            login: open,
            register: open,
            refresh: open,
            email: open,
        })
        .hashing_wait(Duration::from_secs(120));
    if let Some(n) = slots {
        builder = builder.hashing_slots(n);
    }
    let config = builder.build()?;
    let used_slots = config.passwords().hashing_slots;
    let router = AuthState::new(db, config).router();
    let password = "correct horse battery staple";
    let r = router
        .clone()
        .oneshot(request(
            json!({ "email": "storm@example.com", "password": password }),
            "/auth/register",
        ))
        .await?;
    assert!(r.status().is_success(), "register: {}", r.status());
    let before = peak_mib();
    let start = Instant::now();
    let mut logins = tokio::task::JoinSet::new();
    for _ in 0..LOGINS {
        let router = router.clone();
        logins.spawn(async move {
            let body = json!({ "identifier": "storm@example.com", "password": password });
            let r = router.oneshot(request(body, "/auth/login")).await;
            r.map(|r| r.status().as_u16()).unwrap_or(0)
        });
    }
    let statuses = logins.join_all().await;
    let took = start.elapsed();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    println!(
        "{LOGINS} logins at once, hashing slots {used_slots}: {ok} ok, {} other; {:.2} s ({:.1} logins/s); peak memory {:.0} MiB (before the logins {:.0} MiB)",
        LOGINS - ok,
        took.as_secs_f64(),
        LOGINS as f64 / took.as_secs_f64(),
        peak_mib(),
        before,
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
