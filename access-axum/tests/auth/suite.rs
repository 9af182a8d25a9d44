//! The auth endpoints through the real router (`tower::ServiceExt::oneshot`), one test per case;
//! every case asserts the response and, where it matters, that stored data did not change. The
//! same suite runs on SQLite (`auth_sqlite`) and PostgreSQL (`auth_postgres`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use access_axum::config::{Argon2Params, PasswordPolicy, RateLimit, RateLimits, TokenTransport};
use access_axum::db::{one_time_token, refresh_token, session, user};
use access_axum::{AuthConfig, AuthState, Claims, JwtKeys, Mailer};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
const FAST: Argon2Params = Argon2Params {
    m_cost: 1024,
    t_cost: 1,
    p_cost: 1,
};

/// Captures what would be mailed.
#[derive(Clone, Default)]
struct Outbox(Arc<Mutex<Vec<(String, String, String)>>>);

impl Mailer for Outbox {
    fn send(
        &self,
        kind: &'static str,
        email: &str,
        token: &str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.0
            .lock()
            .unwrap()
            .push((kind.to_owned(), email.to_owned(), token.to_owned()));
        Box::pin(async {})
    }
}

impl Outbox {
    /// The newest token of `kind` other than `not`, waiting for it (mail is sent after the
    /// answer of forgot-password and resend-verification).
    async fn next(&self, kind: &str, not: Option<&str>) -> Option<String> {
        for _ in 0..200 {
            match self.last(kind) {
                Some(t) if Some(t.as_str()) != not => return Some(t),
                _ => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        }
        None
    }
    fn last(&self, kind: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(k, _, _)| k == kind)
            .map(|(_, _, t)| t.clone())
    }
}

/// Whether this binary's database is missing (PostgreSQL without `ACCESS_TEST_POSTGRES_URL`):
/// the test then says so and returns.
fn skip() -> bool {
    // The timing binary runs the timing test alone, so other tests cannot disturb it.
    if super::ROLE == "timing" {
        return true;
    }
    if super::BACKEND == "postgres" && std::env::var("ACCESS_TEST_POSTGRES_URL").is_err() {
        // Written past the test harness's capture, once, so a plain `cargo test` shows it.
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "auth_postgres: skipped, set ACCESS_TEST_POSTGRES_URL to run the suite on PostgreSQL"
            );
        });
        return true;
    }
    false
}

async fn database() -> DatabaseConnection {
    let url = if super::BACKEND == "postgres" {
        std::env::var("ACCESS_TEST_POSTGRES_URL").expect("checked by skip()")
    } else {
        "sqlite::memory:".to_owned()
    };
    let mut opts = ConnectOptions::new(url.clone());
    if url.starts_with("sqlite") {
        // One connection: every query sees the same in-memory database.
        opts.max_connections(1);
    }
    let db = Database::connect(opts).await.expect("database");
    if url.starts_with("postgres") {
        // A fresh schema per test so tests do not see each other's rows.
        use sea_orm::ConnectionTrait;
        let schema = format!("t{}", uuid_like());
        db.execute_unprepared(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema}"
        ))
        .await
        .expect("schema");
        drop(db);
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(4).set_schema_search_path(schema);
        let db = Database::connect(opts).await.expect("database");
        access_axum::migrate(&db).await.expect("migrate");
        return db;
    }
    access_axum::migrate(&db).await.expect("migrate");
    db
}

fn uuid_like() -> String {
    let mut b = [0u8; 8];
    getrandom_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn getrandom_bytes(b: &mut [u8]) {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    for chunk in b.chunks_mut(8) {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(Instant::now().elapsed().as_nanos() as u64);
        let v = h.finish().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}

fn config() -> access_axum::config::AuthConfigBuilder {
    AuthConfig::builder()
        .keys(JwtKeys::hmac(Algorithm::HS256, SECRET.as_bytes()).unwrap())
        .issuer("test-iss")
        .audience("test-aud")
        .argon2(FAST)
        .cookies(access_axum::config::CookieConfig {
            secure: false,
            ..Default::default()
        })
}

struct App {
    router: Router,
    state: AuthState,
    outbox: Outbox,
}

async fn app_with(builder: access_axum::config::AuthConfigBuilder) -> App {
    let db = database().await;
    let outbox = Outbox::default();
    let state = AuthState::new(db, builder.build().unwrap()).with_mailer(outbox.clone());
    App {
        router: state.router(),
        state,
        outbox,
    }
}

async fn app() -> App {
    app_with(config()).await
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

impl App {
    async fn call(&self, req: Request<Body>) -> Resp {
        let r = self.router.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }
    async fn post(&self, path: &str, body: Value, bearer: Option<&str>) -> Resp {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.call(b.body(Body::from(body.to_string())).unwrap())
            .await
    }
    async fn get(&self, path: &str, bearer: &str) -> Resp {
        self.call(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }
    async fn register(&self, email: &str, password: &str) -> Resp {
        self.post(
            "/auth/register",
            json!({ "email": email, "password": password }),
            None,
        )
        .await
    }
    async fn login(&self, identifier: &str, password: &str) -> Resp {
        self.post(
            "/auth/login",
            json!({ "identifier": identifier, "password": password }),
            None,
        )
        .await
    }
    async fn users(&self) -> u64 {
        user::Entity::find().count(&self.state.db).await.unwrap()
    }
}

fn token(r: &Resp, name: &str) -> String {
    r.body[name].as_str().unwrap_or_default().to_owned()
}

fn error_code(r: &Resp) -> &str {
    r.body["error"].as_str().unwrap_or("")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims(sub: &str) -> Claims {
    let now = now();
    Claims {
        sub: sub.to_owned(),
        iss: "test-iss".into(),
        aud: "test-aud".into(),
        exp: now + 60,
        nbf: now,
        iat: now,
        sid: "s".into(),
        roles: vec![],
        tenant: None,
        su: false,
        mfa: None,
        extra: Default::default(),
    }
}

/// An access token's header: HS256, `typ: at+jwt` (RFC 9068), as the server issues them.
fn at_header() -> Header {
    let mut h = Header::new(Algorithm::HS256);
    h.typ = Some("at+jwt".into());
    h
}

fn sign(c: &Claims) -> String {
    jsonwebtoken::encode(
        &at_header(),
        c,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

async fn registered(app: &App) -> (String, String, i64) {
    let r = app
        .register("Ann@Example.com", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    (
        token(&r, "access_token"),
        token(&r, "refresh_token"),
        r.body["user"]["id"].as_i64().unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// The happy path.

#[tokio::test]
async fn register_login_me_and_logout() {
    if skip() {
        return;
    }
    let app = app().await;
    let (access, _, id) = registered(&app).await;
    let me = app.get("/auth/me", &access).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], "ann@example.com");
    assert_eq!(me.body["id"], id);
    let login = app
        .login("  ANN@example.COM ", "correct horse battery")
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    let access2 = token(&login, "access_token");
    let out = app.post("/auth/logout", json!({}), Some(&access2)).await;
    assert_eq!(out.status, StatusCode::OK);
    // The session is revoked: its refresh token no longer works.
    let r = app
        .post(
            "/auth/refresh",
            json!({ "refresh_token": token(&login, "refresh_token") }),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn auth_responses_are_not_cached() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app.register("c@example.com", "correct horse battery").await;
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let r = app.login("c@example.com", "wrong password!").await;
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
}

// ---------------------------------------------------------------------------------------------
// Bad input: a JSON error, nothing stored.

#[tokio::test]
async fn malformed_json_is_400_and_stores_nothing() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app
        .call(
            Request::post("/auth/register")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"email\": \"x@example.com\", "))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "malformed_json");
    assert_eq!(app.users().await, 0);
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app
        .call(
            Request::post("/auth/register")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(
                    json!({"email": "x@example.com", "password": "correct horse battery"})
                        .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(&r), "unsupported_media_type");
    assert_eq!(app.users().await, 0);
}

#[tokio::test]
async fn oversized_body_is_413_json() {
    if skip() {
        return;
    }
    let app = app().await;
    let big = "x".repeat(64 * 1024);
    let r = app.register("x@example.com", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&r), "body_too_large");
    assert_eq!(app.users().await, 0);
}

#[tokio::test]
async fn missing_fields_are_422() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app
        .post("/auth/register", json!({ "email": "x@example.com" }), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.users().await, 0);
}

#[tokio::test]
async fn weak_password_is_422_and_names_the_rule() {
    if skip() {
        return;
    }
    let app = app_with(config().password(PasswordPolicy {
        require_digit: true,
        ..Default::default()
    }))
    .await;
    let r = app.register("x@example.com", "short").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = r.body["message"].as_str().unwrap();
    assert!(
        msg.contains("at least 10 characters") && msg.contains("a digit"),
        "{msg}"
    );
    assert_eq!(app.users().await, 0);
}

#[tokio::test]
async fn invalid_email_is_422() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app.register("not an email", "correct horse battery").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&r), "invalid_email");
    // Control characters (a NUL, which PostgreSQL refuses in text) are not an address either.
    for bad in ["ann\u{0}@example.com", "ann@exam\u{7}ple.com"] {
        let r = app.register(bad, "correct horse battery").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert_eq!(error_code(&r), "invalid_email");
    }
    assert_eq!(app.users().await, 0);
}

#[tokio::test]
async fn a_registration_that_fails_halfway_leaves_no_account() {
    if skip() {
        return;
    }
    let app = app().await;
    // The session cannot be stored (its table is gone): the whole registration is undone.
    app.state
        .db
        .execute_unprepared("ALTER TABLE auth_refresh_tokens RENAME TO gone")
        .await
        .unwrap();
    let r = app
        .register("ann@example.com", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(error_code(&r), "internal");
    assert_eq!(app.users().await, 0, "no account left behind");
    assert!(app.outbox.last("verify").is_none(), "no mail for it");
    app.state
        .db
        .execute_unprepared("ALTER TABLE gone RENAME TO auth_refresh_tokens")
        .await
        .unwrap();
    // So the retry is a registration, not `already_registered`.
    let r = app
        .register("ann@example.com", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
}

#[tokio::test]
async fn duplicate_registration_differing_only_in_case_is_409() {
    if skip() {
        return;
    }
    let app = app().await;
    registered(&app).await;
    let r = app
        .register("  ANN@EXAMPLE.COM", "another password 1")
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(error_code(&r), "already_registered");
    assert_eq!(app.users().await, 1);
}

#[tokio::test]
async fn registration_can_be_turned_off() {
    if skip() {
        return;
    }
    let app = app_with(config().registration(false)).await;
    let r = app.register("x@example.com", "correct horse battery").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.users().await, 0);
}

// ---------------------------------------------------------------------------------------------
// Login.

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    if skip() {
        return;
    }
    let app = app().await;
    registered(&app).await;
    let a = app.login("ann@example.com", "wrong password!").await;
    let b = app.login("nobody@example.com", "wrong password!").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.body, b.body);
    assert_eq!(a.status, b.status);
}

#[tokio::test]
async fn inactive_users_cannot_log_in_or_refresh() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, refresh, id) = registered(&app).await;
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(false))
        .filter(user::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let r = app.login("ann@example.com", "correct horse battery").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post("/auth/refresh", json!({ "refresh_token": refresh }), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn brute_force_hits_429() {
    if skip() {
        return;
    }
    let app = app_with(config().rate_limits(RateLimits {
        login: RateLimit {
            max: 3,
            window: Duration::from_secs(300),
        },
        ..Default::default()
    }))
    .await;
    registered(&app).await;
    for _ in 0..3 {
        assert_eq!(
            app.login("ann@example.com", "guess guess guess")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.login("ann@example.com", "correct horse battery").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&r), "rate_limited");
    // Retry-After: the seconds left in the 300-second window.
    let retry: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    // No session was opened by the refused attempt.
    assert_eq!(
        session::Entity::find().count(&app.state.db).await.unwrap(),
        1
    );
}

/// The argon2 verifications run between two counts of `AuthState::password_verifications`:
/// (parameters, how many), in the order they first ran.
fn verifications_between(
    before: &[(Argon2Params, u64)],
    after: &[(Argon2Params, u64)],
) -> Vec<(Argon2Params, u64)> {
    after
        .iter()
        .filter_map(|&(p, n)| {
            let earlier = before.iter().find(|(q, _)| *q == p).map_or(0, |(_, m)| *m);
            (n > earlier).then_some((p, n - earlier))
        })
        .collect()
}

/// A refused login of `who` with a wrong password: how long it took and the argon2
/// verifications it ran.
async fn refused_login(app: &App, who: &str) -> (Duration, Vec<(Argon2Params, u64)>) {
    let before = app.state.password_verifications();
    let t = Instant::now();
    let r = app.login(who, "wrong password!").await;
    let took = t.elapsed();
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let after = app.state.password_verifications();
    (took, verifications_between(&before, &after))
}

#[tokio::test]
async fn a_login_verifies_one_hash_whether_or_not_the_account_exists() {
    if skip() {
        return;
    }
    let app = app().await;
    registered(&app).await;
    // A known account, an unknown one, an identifier that cannot be an account.
    for who in ["ann@example.com", "ghost@example.com", "?"] {
        let (_, ran) = refused_login(&app, who).await;
        assert_eq!(ran, [(FAST, 1)], "{who}");
    }
}

#[tokio::test]
async fn login_timing_does_not_reveal_accounts() {
    // Runs in its own test binary (`auth_timing`), with nothing else running beside it.
    if super::ROLE != "timing" {
        return;
    }
    let live = Argon2Params {
        m_cost: 8192,
        t_cost: 2,
        p_cost: 1,
    };
    let mfa = access_axum::config::MfaSettings {
        key: std::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(5)),
        issuer: "Timing".into(),
    };
    let app = app_with(
        config()
            .argon2(live)
            .rate_limits(RateLimits {
                login: RateLimit {
                    max: 10_000,
                    window: Duration::from_secs(300),
                },
                ..Default::default()
            })
            .mfa(mfa),
    )
    .await;
    registered(&app).await;
    with_totp(&app, "mia@example.com").await;
    // Structure: each refused login, for a known account (with a second factor or not) or an
    // unknown one, runs exactly one argon2 verification with the live parameters. Timing: the
    // medians agree within what the spread of the samples allows.
    let mut wrong_work = Vec::new();
    let who = ["ann@example.com", "mia@example.com", "ghost@example.com"];
    let mut took_by: [Vec<Duration>; 3] = Default::default();
    for i in 0..30 {
        // Interleaved, so drift affects all alike.
        for j in 0..3 {
            let w = (i + j) % 3;
            let (took, ran) = refused_login(&app, who[w]).await;
            if ran != [(live, 1)] {
                wrong_work.push(format!("{}: {ran:?}", who[w]));
            }
            took_by[w].push(took);
        }
    }
    let [mut k, mut m, mut u] = took_by;
    // One argon2 verification with these parameters, measured here.
    let verify = {
        let stored = user::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .password_hash;
        let t = Instant::now();
        for _ in 0..5 {
            let _ = argon2_verify(&stored);
        }
        t.elapsed() / 5
    };
    let (mk, mm, mu) = (
        quantile(&mut k, 2),
        quantile(&mut m, 2),
        quantile(&mut u, 2),
    );
    let spread = iqr(&mut k).max(iqr(&mut m)).max(iqr(&mut u));
    // Twice the spread plus a tenth of a verification: a noisy machine widens the spread, not
    // the medians' difference. Never above half a verification, which a login that skips one
    // exceeds whatever the noise.
    let limit = Ord::min(spread * 2 + verify / 10, verify / 2);
    let diff = mk.abs_diff(mu).max(mm.abs_diff(mu)).max(mk.abs_diff(mm));
    let mut failures = Vec::new();
    if let Some(first) = wrong_work.first() {
        failures.push(format!(
            "{} of 90 logins did not run one verification with {live:?} (first: {first})",
            wrong_work.len()
        ));
    }
    if diff > limit {
        failures.push(format!(
            "known {mk:?}, with a second factor {mm:?}, unknown {mu:?}: difference {diff:?} above {limit:?} \
             (twice the interquartile range {spread:?} plus a tenth of one verification \
             {verify:?}, at most half of one)"
        ));
    }
    eprintln!(
        "known {mk:?}, with a second factor {mm:?}, unknown {mu:?}, limit {limit:?}, one verification {verify:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Registers `email` and turns TOTP on for it (its logins then answer a challenge).
async fn with_totp(app: &App, email: &str) {
    let r = app.register(email, "correct horse battery").await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let access = token(&r, "access_token");
    let r = app
        .post(
            "/auth/mfa/totp",
            json!({ "password": "correct horse battery" }),
            Some(&access),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let secret = totp_rs::Secret::try_from_base32(r.body["secret"].as_str().unwrap()).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = totp.generate(now).to_string();
    let r = app
        .post(
            "/auth/mfa/totp/confirm",
            json!({ "code": code }),
            Some(&access),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = app.login(email, "correct horse battery").await;
    assert_eq!(r.body["mfa_required"], true, "{:?}", r.body);
}

/// The `q`th quartile of `samples` (2: the median).
fn quantile(samples: &mut [Duration], q: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * q / 4).min(samples.len() - 1)]
}

/// The interquartile range of `samples`.
fn iqr(samples: &mut [Duration]) -> Duration {
    quantile(samples, 3) - quantile(samples, 1)
}

fn argon2_verify(stored: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    let hash = argon2::password_hash::phc::PasswordHash::new(stored).unwrap();
    argon2::Argon2::default()
        .verify_password(b"wrong password!", &hash)
        .is_ok()
}

#[tokio::test]
async fn hashes_are_upgraded_on_login_when_parameters_change() {
    if skip() {
        return;
    }
    let db = database().await;
    let old = AuthState::new(db.clone(), config().build().unwrap());
    let r = old
        .router::<()>()
        .oneshot(
            Request::post("/auth/register")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"email": "u@example.com", "password": "correct horse battery"})
                        .to_string(),
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let before = user::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    let stronger = AuthState::new(
        db.clone(),
        config()
            .argon2(Argon2Params {
                m_cost: 2048,
                ..FAST
            })
            .build()
            .unwrap(),
    );
    let app = App {
        router: stronger.router(),
        state: stronger,
        outbox: Outbox::default(),
    };
    assert_eq!(
        app.login("u@example.com", "correct horse battery")
            .await
            .status,
        StatusCode::OK
    );
    let after = user::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert_ne!(before, after);
    assert!(after.contains("m=2048"), "{after}");
}

// ---------------------------------------------------------------------------------------------
// Access tokens.

#[tokio::test]
async fn missing_or_garbage_bearer_is_401_json() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app
        .call(Request::get("/auth/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&r), "unauthenticated");
    assert_eq!(
        app.get("/auth/me", "garbage").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn alg_none_is_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, _, id) = registered(&app).await;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let c = serde_json::to_value(claims(&id.to_string())).unwrap();
    let t = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&c)
    );
    assert_eq!(
        app.get("/auth/me", &t).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn wrong_audience_is_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, _, id) = registered(&app).await;
    let mut c = claims(&id.to_string());
    c.aud = "someone-else".into();
    assert_eq!(
        app.get("/auth/me", &sign(&c)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn wrong_issuer_is_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, _, id) = registered(&app).await;
    let mut c = claims(&id.to_string());
    c.iss = "evil".into();
    assert_eq!(
        app.get("/auth/me", &sign(&c)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_token_without_iss_and_aud_is_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, _, id) = registered(&app).await;
    let now = now();
    let t = jsonwebtoken::encode(
        &at_header(),
        &json!({ "sub": id.to_string(), "exp": now + 60, "nbf": now, "iat": now, "sid": "s" }),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        app.get("/auth/me", &t).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_expired_token_is_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, _, id) = registered(&app).await;
    let mut c = claims(&id.to_string());
    c.exp = now() - 30; // beyond the 5 s leeway
    assert_eq!(
        app.get("/auth/me", &sign(&c)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A valid one from the same user works.
    let mut ok = claims(&id.to_string());
    ok.iat = now() + 1;
    assert_eq!(app.get("/auth/me", &sign(&ok)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_string_exp_is_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, _, id) = registered(&app).await;
    let now = now();
    let t = jsonwebtoken::encode(
        &at_header(),
        &json!({ "sub": id.to_string(), "iss": "test-iss", "aud": "test-aud",
                 "exp": (now - 3600).to_string(), "nbf": now, "iat": now, "sid": "s" }),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        app.get("/auth/me", &t).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_future_nbf_is_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, _, id) = registered(&app).await;
    let mut c = claims(&id.to_string());
    c.nbf = now() + 120;
    assert_eq!(
        app.get("/auth/me", &sign(&c)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_tampered_payload_is_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (access, _, _) = registered(&app).await;
    let parts: Vec<&str> = access.split('.').collect();
    let mut payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    payload["su"] = json!(true);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_eq!(
        app.get("/auth/me", &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
}

fn pem(label: &str, der: &[u8]) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn rsa_pems() -> (String, String) {
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::KeyPair as _;
    let kp = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let private: Pkcs8V1Der<'_> = kp.as_der().unwrap();
    let public: PublicKeyX509Der<'_> = kp.public_key().as_der().unwrap();
    (
        pem("PRIVATE KEY", private.as_ref()),
        pem("PUBLIC KEY", public.as_ref()),
    )
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_rejected() {
    if skip() {
        return;
    }
    let (private, public) = rsa_pems();
    let keys = JwtKeys::pem(
        Algorithm::RS256,
        private.as_bytes(),
        public.as_bytes(),
        "k1",
    )
    .unwrap();
    let app = app_with(config().keys(keys)).await;
    let (access, _, id) = registered(&app).await;
    assert_eq!(
        app.get("/auth/me", &access).await.status,
        StatusCode::OK,
        "RS256 works"
    );
    // The classic confusion: the public key used as an HMAC secret.
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(&id.to_string()),
        &EncodingKey::from_secret(public.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        app.get("/auth/me", &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The public key is published.
    let jwks = app
        .call(
            Request::get("/auth/.well-known/jwks.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(jwks.status, StatusCode::OK);
    assert_eq!(jwks.body["keys"][0]["kid"], "k1");
    assert_eq!(jwks.body["keys"][0]["kty"], "RSA");
}

#[tokio::test]
async fn no_jwks_for_hmac_keys() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app
        .call(
            Request::get("/auth/.well-known/jwks.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tokens_issued_before_a_password_change_are_rejected() {
    if skip() {
        return;
    }
    let app = app().await;
    let (access, refresh, id) = registered(&app).await;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordChangedAt, Expr::value(now() + 1))
        .filter(user::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        app.get("/auth/me", &access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post("/auth/refresh", json!({ "refresh_token": refresh }), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------------------------------------
// Refresh rotation.

#[tokio::test]
async fn refresh_rotates_and_reuse_after_grace_revokes_the_session() {
    if skip() {
        return;
    }
    let app = app_with(config().refresh_grace(Duration::from_secs(0))).await;
    let (_, first, _) = registered(&app).await;
    let r = app
        .post("/auth/refresh", json!({ "refresh_token": first }), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let second = token(&r, "refresh_token");
    assert_ne!(first, second);
    // Move the rotation (and the newest token it made) into the past, beyond the grace window.
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now() - 60))
        .filter(refresh_token::Column::RotatedAt.is_not_null())
        .exec(&app.state.db)
        .await
        .unwrap();
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::CreatedAt, Expr::value(now() - 60))
        .exec(&app.state.db)
        .await
        .unwrap();
    let reuse = app
        .post("/auth/refresh", json!({ "refresh_token": first }), None)
        .await;
    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
    // The whole session is gone: the legitimate newer token fails too.
    let later = app
        .post("/auth/refresh", json!({ "refresh_token": second }), None)
        .await;
    assert_eq!(later.status, StatusCode::UNAUTHORIZED);
    let revoked = session::Entity::find()
        .filter(session::Column::RevokedAt.is_not_null())
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(revoked, 1);
}

#[tokio::test]
async fn concurrent_refreshes_inside_the_grace_window_both_succeed() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, refresh, _) = registered(&app).await;
    let (a, b) = tokio::join!(
        app.post(
            "/auth/refresh",
            json!({ "refresh_token": refresh.clone() }),
            None
        ),
        app.post(
            "/auth/refresh",
            json!({ "refresh_token": refresh.clone() }),
            None
        ),
    );
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_eq!(b.status, StatusCode::OK, "{:?}", b.body);
    assert_ne!(token(&a, "refresh_token"), token(&b, "refresh_token"));
    // The session is alive, and within the grace window both new tokens continue it: the
    // newest, and the one just before it (whichever request stored its token first).
    let stored = refresh_token::Entity::find()
        .order_by_asc(refresh_token::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    // Stored as the SHA-256 of the token, hex.
    let hash = |t: &str| {
        use sha2::Digest as _;
        sha2::Sha256::digest(t.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let mut mine = [token(&a, "refresh_token"), token(&b, "refresh_token")];
    mine.sort_by_key(|t| stored.iter().position(|r| r.token_hash == hash(t)));
    for t in mine {
        let r = app
            .post("/auth/refresh", json!({ "refresh_token": t }), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
}

/// The session's refresh tokens, oldest first: (created, rotated).
async fn family(app: &App) -> Vec<(i64, Option<i64>)> {
    refresh_token::Entity::find()
        .order_by_asc(refresh_token::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.created_at, r.rotated_at))
        .collect()
}

#[tokio::test]
async fn only_the_newest_refresh_token_or_the_one_before_it_in_the_grace_window_is_accepted() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, r1, _) = registered(&app).await;
    let refresh = |t: String| app.post("/auth/refresh", json!({ "refresh_token": t }), None);
    let r2 = token(&refresh(r1.clone()).await, "refresh_token");
    let r3 = token(&refresh(r2.clone()).await, "refresh_token");
    // r2 was used, but it is the one just before the newest, inside the grace window (a
    // concurrent refresh that lost the race): accepted.
    let again = refresh(r2.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    let r4 = token(&again, "refresh_token");
    // r1 is two tokens back: reuse. The session ends, and its newer tokens with it.
    let before = family(&app).await;
    let reuse = refresh(r1).await;
    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
    assert_eq!(family(&app).await, before, "no token stored for a reuse");
    for t in [r3, r4] {
        assert_eq!(refresh(t).await.status, StatusCode::UNAUTHORIZED);
    }
    let revoked = session::Entity::find()
        .filter(session::Column::RevokedAt.is_not_null())
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(revoked, 1);
}

#[tokio::test]
async fn the_token_before_the_newest_is_refused_once_the_grace_window_is_over() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, r1, _) = registered(&app).await;
    let refresh = |t: String| app.post("/auth/refresh", json!({ "refresh_token": t }), None);
    let r2 = token(&refresh(r1.clone()).await, "refresh_token");
    // The newest (r2) was made a minute ago: past the 10 s window, r1 is a reuse.
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::CreatedAt, Expr::value(now() - 60))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(refresh(r1).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(r2).await.status,
        StatusCode::UNAUTHORIZED,
        "the session ended"
    );
}

#[tokio::test]
async fn an_unknown_refresh_token_is_401() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app
        .post("/auth/refresh", json!({ "refresh_token": "nope" }), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.post("/auth/refresh", json!({}), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------------------------------------
// Sessions.

#[tokio::test]
async fn sessions_are_listed_and_revoked_by_their_owner_only() {
    if skip() {
        return;
    }
    let app = app().await;
    let (access, _, _) = registered(&app).await;
    let other = app.login("ann@example.com", "correct horse battery").await;
    let list = app.get("/auth/sessions", &access).await;
    assert_eq!(list.body["sessions"].as_array().unwrap().len(), 2);
    // Someone else's session id: 404, nothing revoked.
    let bob = app
        .register("bob@example.com", "correct horse battery")
        .await;
    let r = app
        .call(
            Request::delete(format!("/auth/sessions/{}", token(&other, "session_id")))
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", token(&bob, "access_token")),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .call(
            Request::delete("/auth/sessions/a%00b")
                .header(header::AUTHORIZATION, format!("Bearer {access}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    // Revoke all the others.
    let r = app
        .call(
            Request::delete("/auth/sessions")
                .header(header::AUTHORIZATION, format!("Bearer {access}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.body["revoked"], 1);
    let r = app
        .post(
            "/auth/refresh",
            json!({ "refresh_token": token(&other, "refresh_token") }),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_oldest_sessions_are_revoked_beyond_the_limit() {
    if skip() {
        return;
    }
    let app = app_with(config().max_sessions(2)).await;
    let (_, first, _) = registered(&app).await;
    app.login("ann@example.com", "correct horse battery").await;
    // Sessions opened in the same second: make the first one visibly older.
    session::Entity::update_many()
        .col_expr(session::Column::CreatedAt, Expr::value(now() - 100))
        .filter(
            session::Column::Id.is_in(
                refresh_token::Entity::find()
                    .all(&app.state.db)
                    .await
                    .unwrap()
                    .into_iter()
                    .take(1)
                    .map(|t| t.session_id),
            ),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    app.login("ann@example.com", "correct horse battery").await;
    let r = app
        .post("/auth/refresh", json!({ "refresh_token": first }), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let live = session::Entity::find()
        .filter(session::Column::RevokedAt.is_null())
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(live, 2);
}

// ---------------------------------------------------------------------------------------------
// Cookies and CSRF.

fn cookies(r: &Resp) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn cookie_mutation_without_the_csrf_header_is_403() {
    if skip() {
        return;
    }
    let app = app_with(config().transport(TokenTransport::Cookie)).await;
    let r = app
        .register("ann@example.com", "correct horse battery")
        .await;
    assert!(
        r.body.get("access_token").is_none(),
        "cookie mode keeps tokens out of the body"
    );
    let jar = cookies(&r);
    let attempt = |extra: Option<(&'static str, &'static str)>| {
        let mut b = Request::post("/auth/logout")
            .header(header::COOKIE, jar.clone())
            .header(header::HOST, "app.example.com");
        if let Some((k, v)) = extra {
            b = b.header(k, v);
        }
        b.body(Body::empty()).unwrap()
    };
    let r = app.call(attempt(None)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&r), "csrf");
    // The session survived the refused request.
    assert_eq!(
        session::Entity::find()
            .filter(session::Column::RevokedAt.is_null())
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    let r = app.call(attempt(Some(("x-requested-with", "fetch")))).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn cookie_mutation_from_a_foreign_origin_is_403() {
    if skip() {
        return;
    }
    let app = app_with(config().transport(TokenTransport::Cookie)).await;
    let r = app
        .register("ann@example.com", "correct horse battery")
        .await;
    let req = Request::post("/auth/logout")
        .header(header::COOKIE, cookies(&r))
        .header(header::HOST, "app.example.com")
        .header("x-requested-with", "fetch")
        .header(header::ORIGIN, "https://evil.example.net")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.call(req).await.status, StatusCode::FORBIDDEN);
    // The same from the app's own origin works; GET needs no header.
    let get = Request::get("/auth/me")
        .header(header::COOKIE, cookies(&r))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.call(get).await.status, StatusCode::OK);
}

#[tokio::test]
async fn body_transport_reads_no_cookies() {
    if skip() {
        return;
    }
    let app = app_with(config().transport(TokenTransport::Body)).await;
    let r = app
        .register("ann@example.com", "correct horse battery")
        .await;
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    let refresh = token(&r, "refresh_token");
    let access = token(&r, "access_token");
    let by_cookie = Request::post("/auth/refresh")
        .header(header::COOKIE, format!("__Host-refresh_token={refresh}"))
        .header("x-requested-with", "fetch")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.call(by_cookie).await.status, StatusCode::UNAUTHORIZED);
    let me = Request::get("/auth/me")
        .header(header::COOKIE, format!("__Host-access_token={access}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.call(me).await.status, StatusCode::UNAUTHORIZED);
    // The same tokens in the body and the header work.
    let r = app
        .post("/auth/refresh", json!({ "refresh_token": refresh }), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

#[tokio::test]
async fn cookies_are_http_only() {
    if skip() {
        return;
    }
    let app = app_with(config().transport(TokenTransport::Cookie)).await;
    let r = app
        .register("ann@example.com", "correct horse battery")
        .await;
    for c in r.headers.get_all(header::SET_COOKIE) {
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    }
}

// ---------------------------------------------------------------------------------------------
// Reset and verification.

#[tokio::test]
async fn a_reset_token_works_once_and_revokes_sessions() {
    if skip() {
        return;
    }
    let app = app().await;
    let (access, refresh, _) = registered(&app).await;
    let r = app
        .post(
            "/auth/forgot-password",
            json!({ "email": "ANN@example.com" }),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let t = app
        .outbox
        .next("reset", None)
        .await
        .expect("a reset token was sent");
    let ok = app
        .post(
            "/auth/reset-password",
            json!({ "token": t, "password": "a brand new password" }),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let again = app
        .post(
            "/auth/reset-password",
            json!({ "token": t, "password": "yet another password" }),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&again), "invalid_token");
    // The first reset holds; old sessions and tokens are gone.
    assert_eq!(
        app.login("ann@example.com", "a brand new password")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("ann@example.com", "yet another password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post("/auth/refresh", json!({ "refresh_token": refresh }), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let _ = access;
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_unknown_emails() {
    if skip() {
        return;
    }
    let app = app().await;
    let r = app
        .post(
            "/auth/forgot-password",
            json!({ "email": "ghost@example.com" }),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({ "sent": true }));
    assert_eq!(
        one_time_token::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn email_verification_works_once_and_expired_tokens_fail() {
    if skip() {
        return;
    }
    let app = app().await;
    let (access, _, _) = registered(&app).await;
    let t = app
        .outbox
        .last("verify")
        .expect("a verification token was sent");
    let r = app
        .post("/auth/verify-email", json!({ "token": t }), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.get("/auth/me", &access).await.body["email_verified"],
        true
    );
    // A new one, expired.
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerified, Expr::value(false))
        .exec(&app.state.db)
        .await
        .unwrap();
    app.post(
        "/auth/resend-verification",
        json!({ "email": "ann@example.com" }),
        None,
    )
    .await;
    let t2 = app.outbox.next("verify", Some(&t)).await.unwrap();
    assert_ne!(t, t2);
    one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::ExpiresAt, Expr::value(now() - 1))
        .exec(&app.state.db)
        .await
        .unwrap();
    let r = app
        .post("/auth/verify-email", json!({ "token": t2 }), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/auth/me", &access).await.body["email_verified"],
        false
    );
}

#[tokio::test]
async fn stored_tokens_are_hashed() {
    if skip() {
        return;
    }
    let app = app().await;
    let (_, refresh, _) = registered(&app).await;
    let rows = refresh_token::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| r.token_hash != refresh && r.token_hash.len() == 64)
    );
    let verify = app.outbox.last("verify").unwrap();
    let rows = one_time_token::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.token_hash != verify));
    let u = user::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(u.password_hash.starts_with("$argon2id$v=19$"));
}

// ---------------------------------------------------------------------------------------------
// Extractors, the route layer, the authenticate hook, custom claims.

async fn whoami(user: access_axum::CurrentUser) -> axum::Json<Value> {
    axum::Json(json!({ "id": user.id, "plan": user.claims.get("plan") }))
}

async fn maybe(access_axum::MaybeUser(user): access_axum::MaybeUser) -> axum::Json<Value> {
    axum::Json(json!({ "signed_in": user.is_some() }))
}

async fn from_extension(
    axum::Extension(user): axum::Extension<access_axum::CurrentUser>,
) -> axum::Json<Value> {
    axum::Json(json!({ "id": user.id }))
}

struct ApiKeys;

impl access_axum::Authenticator for ApiKeys {
    fn authenticate<'a>(
        &'a self,
        parts: &'a axum::http::request::Parts,
        _: &'a AuthState,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = Result<Option<access_axum::CurrentUser>, access_axum::ApiError>,
                > + Send
                + 'a,
        >,
    > {
        Box::pin(async move {
            match parts.headers.get("x-api-key").map(|v| v.as_bytes()) {
                Some(b"key-42") => Ok(Some(access_axum::CurrentUser {
                    id: 42,
                    session_id: "api-key".into(),
                    roles: vec!["admin".into()],
                    tenant: None,
                    superuser: false,
                    issued_at: 0,
                    mfa_verified_at: None,
                    via_cookie: false,
                    claims: Default::default(),
                })),
                Some(_) => Err(access_axum::ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_api_key",
                    "the API key is not valid",
                )),
                None => Ok(None),
            }
        })
    }
}

#[tokio::test]
async fn extractors_layer_hook_and_custom_claims() {
    if skip() {
        return;
    }
    let db = database().await;
    let state = AuthState::new(db, config().build().unwrap())
        .with_authenticator(ApiKeys)
        .with_claims(|u| {
            let mut m = serde_json::Map::new();
            m.insert("plan".into(), json!("pro"));
            m.insert("sub".into(), json!("spoofed")); // ignored: registered claims win
            m.insert("email".into(), json!(u.email));
            m
        });
    let api = Router::new()
        .route("/whoami", axum::routing::get(whoami))
        .route("/maybe", axum::routing::get(maybe))
        .route(
            "/layered",
            axum::routing::get(from_extension).layer(state.require_authenticated()),
        )
        .with_state(state.clone());
    let app = App {
        router: state.router().merge(api),
        state,
        outbox: Outbox::default(),
    };
    let (access, _, id) = registered(&app).await;
    let r = app.get("/whoami", &access).await;
    assert_eq!(r.body, json!({ "id": id, "plan": "pro" }));
    assert_eq!(app.get("/maybe", &access).await.body["signed_in"], true);
    let anon = app
        .call(Request::get("/maybe").body(Body::empty()).unwrap())
        .await;
    assert_eq!(anon.body["signed_in"], false);
    let r = app
        .call(Request::get("/layered").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/layered", &access).await.body["id"], id);
    // The hook: an API key authenticates, a wrong one is refused, none falls back to tokens.
    let with_key = |k: &'static str| {
        Request::get("/whoami")
            .header("x-api-key", k)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(app.call(with_key("key-42")).await.body["id"], 42);
    let r = app.call(with_key("nope")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&r), "invalid_api_key");
}

#[tokio::test]
async fn the_application_can_keep_users_in_its_own_table() {
    if skip() {
        return;
    }
    use sea_orm::ConnectionTrait;
    let db = database().await;
    let id_col = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        "member_id BIGSERIAL PRIMARY KEY"
    } else {
        "member_id INTEGER PRIMARY KEY AUTOINCREMENT"
    };
    db.execute_unprepared(&format!(
        "CREATE TABLE members ({id_col}, mail TEXT UNIQUE, handle TEXT UNIQUE, pw TEXT NOT NULL, \
         enabled BOOLEAN NOT NULL, verified BOOLEAN NOT NULL, role_list TEXT NOT NULL, org TEXT, \
         is_root BOOLEAN NOT NULL, pw_changed BIGINT NOT NULL, joined BIGINT NOT NULL, \
         nickname TEXT)"
    ))
    .await
    .unwrap();
    let table = access_axum::db::UsersTable {
        table: "members".into(),
        id: "member_id".into(),
        email: "mail".into(),
        username: "handle".into(),
        password_hash: "pw".into(),
        active: "enabled".into(),
        email_verified: "verified".into(),
        roles: "role_list".into(),
        tenant: "org".into(),
        superuser: "is_root".into(),
        password_changed_at: "pw_changed".into(),
        created_at: "joined".into(),
    };
    let state = AuthState::new(db.clone(), config().users(table).build().unwrap());
    let app = App {
        router: state.router(),
        state,
        outbox: Outbox::default(),
    };
    let (access, _, id) = registered(&app).await;
    assert_eq!(
        app.get("/auth/me", &access).await.body["email"],
        "ann@example.com"
    );
    assert_eq!(
        app.login("ANN@example.com", "correct horse battery")
            .await
            .status,
        StatusCode::OK
    );
    let dup = app
        .register("ann@example.com", "correct horse battery")
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    // The rows are in the application's table, not the built-in one.
    let n = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM members",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(user::Entity::find().count(&db).await.unwrap(), 0);
    assert!(id > 0);
}

#[tokio::test]
async fn endpoint_paths_are_configurable() {
    if skip() {
        return;
    }
    let app = app_with(
        config()
            .base_path("/api/v1/account")
            .paths(access_axum::AuthPaths {
                register: "/sign-up".into(),
                login: "/sign-in".into(),
                ..Default::default()
            }),
    )
    .await;
    let r = app
        .post(
            "/api/v1/account/sign-up",
            json!({ "email": "p@example.com", "password": "correct horse battery" }),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = app
        .post(
            "/api/v1/account/sign-in",
            json!({ "identifier": "p@example.com", "password": "correct horse battery" }),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/account/me", &token(&r, "access_token"))
            .await
            .status,
        StatusCode::OK
    );
    // The default paths are gone.
    assert_eq!(
        app.login("p@example.com", "correct horse battery")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Bad paths are a startup error.
    let e = config()
        .paths(access_axum::AuthPaths {
            login: "login".into(),
            me: "/register".into(),
            ..Default::default()
        })
        .build()
        .unwrap_err();
    assert_eq!(e.len(), 2, "{e:?}");
}

#[tokio::test]
async fn access_tokens_are_typed_at_jwt_and_another_type_is_refused() {
    if skip() {
        return;
    }
    let app = app().await;
    let (access, _, id) = registered(&app).await;
    let header = jsonwebtoken::decode_header(&access).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"), "RFC 9068");
    // The same claims and key under `typ: JWT` (an ID token, say): not an access token.
    let c = claims(&id.to_string());
    let plain = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &c,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        app.get("/auth/me", &plain).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/auth/me", &sign(&c)).await.status, StatusCode::OK);
}
