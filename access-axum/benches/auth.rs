//! What authentication costs per request: `GET` of a handler that takes `CurrentUser` (bearer
//! HS256 token, verified without a database call) against the same handler without
//! authentication, through the same router; and a login against one argon2id verification with
//! the same (OWASP default) parameters.
//!
//! Run: `cargo bench -p access-axum --bench auth`. Results: docs/performance.md.

use std::hint::black_box;

use access_axum::config::Argon2Params;
use access_axum::{AuthConfig, AuthState, CurrentUser, JwtKeys, db};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::Algorithm;
use sea_orm::{ConnectOptions, Database};
use tower::ServiceExt;

async fn hello() -> &'static str {
    "hello"
}

async fn hello_user(user: CurrentUser) -> String {
    format!("hello {}", user.id)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (state, token, password) = rt.block_on(async {
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1);
        let db = Database::connect(opts).await.expect("sqlite");
        access_axum::migrate(&db).await.expect("migrate");
        let config = AuthConfig::builder()
            .keys(
                JwtKeys::hmac(Algorithm::HS256, b"bench-secret-bench-secret-bench-secret").unwrap(),
            )
            .argon2(Argon2Params::default())
            .rate_limits(access_axum::config::RateLimits {
                login: access_axum::config::RateLimit {
                    max: u32::MAX,
                    window: std::time::Duration::from_secs(60),
                },
                ..Default::default()
            })
            .build()
            .expect("config");
        let state = AuthState::new(db, config);
        let password = "correct horse battery staple";
        let r = state
            .router::<()>()
            .oneshot(
                Request::post("/auth/register")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        serde_json::json!({ "email": "b@example.com", "password": password })
                            .to_string(),
                    ))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let bytes = http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap()
            .to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        (
            state,
            v["access_token"].as_str().unwrap().to_owned(),
            password,
        )
    });

    let plain: Router = Router::new().route("/hello", get(hello));
    let authed: Router = Router::new()
        .route("/hello", get(hello_user))
        .with_state(state.clone());
    let auth_routes: Router = state.router();
    let bearer = format!("Bearer {token}");

    // Both answer 200 before timing.
    let status = |router: &Router, auth: bool| {
        let mut req = Request::get("/hello");
        if auth {
            req = req.header(header::AUTHORIZATION, bearer.as_str());
        }
        rt.block_on(router.clone().oneshot(req.body(Body::empty()).unwrap()))
            .unwrap()
            .status()
    };
    assert_eq!(status(&plain, false), StatusCode::OK);
    assert_eq!(status(&authed, true), StatusCode::OK);
    assert_eq!(status(&authed, false), StatusCode::UNAUTHORIZED);

    c.bench_function("http/get/no_auth", |b| {
        b.iter(|| {
            let req = Request::get("/hello")
                .header(header::AUTHORIZATION, bearer.as_str())
                .body(Body::empty())
                .unwrap();
            black_box(rt.block_on(plain.clone().oneshot(req)).unwrap())
        })
    });
    c.bench_function("http/get/current_user_hs256", |b| {
        b.iter(|| {
            let req = Request::get("/hello")
                .header(header::AUTHORIZATION, bearer.as_str())
                .body(Body::empty())
                .unwrap();
            black_box(rt.block_on(authed.clone().oneshot(req)).unwrap())
        })
    });

    // The same route with the session checked on each request (`with_session_check`): the
    // answer reused for 5 s (a cache hit), and read from the database every time (ttl 0).
    for (name, ttl) in [
        (
            "http/get/current_user_hs256_session_cached",
            std::time::Duration::from_secs(5),
        ),
        (
            "http/get/current_user_hs256_session_read",
            std::time::Duration::ZERO,
        ),
    ] {
        let checked: Router = Router::new()
            .route("/hello", get(hello_user))
            .with_state(state.clone().with_session_check(ttl));
        assert_eq!(status(&checked, true), StatusCode::OK);
        c.bench_function(name, |b| {
            b.iter(|| {
                let req = Request::get("/hello")
                    .header(header::AUTHORIZATION, bearer.as_str())
                    .body(Body::empty())
                    .unwrap();
                black_box(rt.block_on(checked.clone().oneshot(req)).unwrap())
            })
        });
    }

    let mut slow = c.benchmark_group("argon2");
    slow.sample_size(10);
    slow.bench_function("login", |b| {
        b.iter(|| {
            let req = Request::post("/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::json!({ "identifier": "b@example.com", "password": password })
                        .to_string(),
                ))
                .unwrap();
            let r = rt.block_on(auth_routes.clone().oneshot(req)).unwrap();
            assert_eq!(r.status(), StatusCode::OK);
        })
    });
    let stored = rt.block_on(async {
        use sea_orm::EntityTrait;
        db::user::Entity::find()
            .one(&state.db)
            .await
            .unwrap()
            .unwrap()
            .password_hash
    });
    slow.bench_function("verify_only", |b| {
        use argon2::password_hash::PasswordVerifier;
        let hash = argon2::password_hash::phc::PasswordHash::new(&stored).unwrap();
        b.iter(|| {
            assert!(
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            )
        })
    });
    slow.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
