//! auth and db: the behaviour the doc examples of `access_axum::auth`, `access_axum::db` and the
//! auth items at the crate root asserted, and the 429's `Retry-After`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use access_axum::db::{
    NewUser, UserChange, UsersTable, one_time_token, rate_limit, refresh_token, session, user,
};
use access_axum::{ApiError, AuthState, Authenticator, Claims, CurrentUser, Mailer, MaybeUser};
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::{Extension, Json, Router};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable,
    PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use crate::harness::*;

/// A mail: (kind, address, token).
type Mail = (&'static str, String, String);

/// Keeps what would be mailed.
#[derive(Clone, Default)]
struct Outbox(Arc<Mutex<Vec<Mail>>>);

impl Mailer for Outbox {
    fn send(
        &self,
        kind: &'static str,
        email: &str,
        token: &str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.0
            .lock()
            .expect("outbox")
            .push((kind, email.to_owned(), token.to_owned()));
        Box::pin(async {})
    }
}

impl Outbox {
    fn sent(&self) -> Vec<Mail> {
        self.0.lock().expect("outbox").clone()
    }
}

/// `x-api-key: key-of-user-7` is user 7, another key is refused, none falls back to tokens.
struct ApiKeys;

impl Authenticator for ApiKeys {
    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
        _state: &'a AuthState,
    ) -> Pin<Box<dyn Future<Output = Result<Option<CurrentUser>, ApiError>> + Send + 'a>> {
        Box::pin(async move {
            match parts.headers.get("x-api-key").map(|v| v.as_bytes()) {
                None => Ok(None),
                Some(b"key-of-user-7") => Ok(Some(CurrentUser {
                    id: 7,
                    session_id: "api-key".into(),
                    roles: vec![],
                    tenant: None,
                    superuser: false,
                    issued_at: 0,
                    mfa_verified_at: None,
                    via_cookie: false,
                    claims: Default::default(),
                })),
                Some(_) => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_api_key",
                    "unknown API key",
                )),
            }
        })
    }
}

fn with_key(uri: &str, key: &str) -> Request<Body> {
    Request::get(uri)
        .header("x-api-key", key)
        .body(Body::empty())
        .expect("request")
}

fn get_bearer(uri: &str, token: &str) -> Request<Body> {
    request("GET", uri, Some(token), None)
}

fn post_json(uri: &str, body: Value) -> Request<Body> {
    request("POST", uri, None, Some(body))
}

async fn whoami(user: CurrentUser) -> String {
    format!("user {}", user.id)
}

/// `state`'s endpoints and `GET /claims`, answering the custom claims of the caller.
fn with_claims_route(state: &AuthState) -> Router {
    let claims: Router = Router::new()
        .route(
            "/claims",
            get(|user: CurrentUser| async move { Json(user.claims) }),
        )
        .with_state(state.clone());
    state.router().merge(claims)
}

fn new_user(email: &str, username: &str) -> NewUser {
    NewUser {
        email: Some(email.into()),
        username: Some(username.into()),
        password_hash: "$argon2id$...".into(),
        now: 100,
    }
}

// ---------------------------------------------------------------------------------------------
// The mailer.

/// Was the example of `Mailer`.
#[tokio::test]
async fn registering_mails_a_verification_token() {
    let outbox = Outbox::default();
    let state = auth_state().await.with_mailer(outbox.clone());
    sign_up(&state.router(), "ada@example.com").await;
    let sent = outbox.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].0, sent[0].1.as_str()),
        ("verify", "ada@example.com")
    );
}

/// Was the example of `Mailer::send`.
#[tokio::test]
async fn a_mailer_gets_the_kind_the_address_and_the_token() {
    let outbox = Outbox::default();
    outbox.send("reset", "ada@example.com", "tok3n").await;
    assert_eq!(
        outbox.sent()[0],
        ("reset", "ada@example.com".to_owned(), "tok3n".to_owned())
    );
}

/// Was the example of `NoMailer`.
#[test]
fn no_mailer_is_done_at_once() {
    use access_axum::NoMailer;
    use std::task::{Context, Poll, Waker};
    let mut sending = NoMailer.send("verify", "ada@example.com", "tok3n");
    assert_eq!(
        sending
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready(())
    );
}

/// Was the example of `AuthState::with_mailer`.
#[tokio::test]
async fn the_mailed_token_verifies_the_email() {
    let outbox = Outbox::default();
    let app = auth_state().await.with_mailer(outbox.clone()).router();
    let token = sign_up(&app, "ada@example.com").await;
    let mailed = outbox.sent()[0].2.clone();
    let (status, _) = call(
        &app,
        post_json("/auth/verify-email", json!({ "token": mailed })),
    )
    .await;
    assert_eq!(status, 200);
    let (_, me) = call(&app, get_bearer("/auth/me", &token)).await;
    assert_eq!(me["email_verified"], true);
}

// ---------------------------------------------------------------------------------------------
// The state and its router.

/// Was the example of `AuthState`.
#[tokio::test]
async fn register_then_me() {
    let app = auth_state().await.router();
    let credentials = json!({ "email": "ada@example.com", "password": "correct horse battery" });
    let (status, body) = call(&app, post_json("/auth/register", credentials)).await;
    assert_eq!(status, 201);
    let token = body["access_token"].as_str().expect("access_token");
    let (status, me) = call(&app, get_bearer("/auth/me", token)).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "ada@example.com");
}

/// Was the example of `AuthState::new`.
#[tokio::test]
async fn a_new_state_has_the_default_base_path_and_no_users() {
    let state = AuthState::new(db().await, config());
    assert_eq!(state.config.http().base_path, "/auth");
    assert_eq!(
        state
            .config
            .accounts()
            .users
            .by_id(&state.db, 1)
            .await
            .expect("db"),
        None
    );
}

/// Was the example of `AuthState::router`.
#[tokio::test]
async fn register_login_refresh_and_sessions() {
    let app = auth_state().await.router();
    let credentials = json!({ "email": "ada@example.com", "password": "correct horse battery" });
    let (status, _) = call(&app, post_json("/auth/register", credentials)).await;
    assert_eq!(status, 201);
    let login = json!({ "identifier": "ada@example.com", "password": "correct horse battery" });
    let (status, tokens) = call(&app, post_json("/auth/login", login)).await;
    assert_eq!(status, 200);
    assert_eq!(tokens["token_type"], "Bearer");
    // The refresh token is exchanged for new ones (the old one is rotated out).
    let refresh = json!({ "refresh_token": tokens["refresh_token"] });
    let (status, renewed) = call(&app, post_json("/auth/refresh", refresh)).await;
    assert_eq!(status, 200);
    assert_ne!(renewed["refresh_token"], tokens["refresh_token"]);
    // Two sessions: the registration's and the login's.
    let access = renewed["access_token"].as_str().expect("access_token");
    let (_, sessions) = call(&app, get_bearer("/auth/sessions", access)).await;
    assert_eq!(sessions["sessions"].as_array().expect("list").len(), 2);
}

/// New: the 429 of a rate limit says when the window ends.
#[tokio::test]
async fn a_rate_limited_login_says_when_to_retry() {
    // A day: the window does not end between the attempts.
    let window = std::time::Duration::from_secs(86_400);
    let limits = access_axum::config::RateLimits {
        login: access_axum::config::RateLimit { max: 2, window },
        ..Default::default()
    };
    let config = access_axum::AuthConfig::builder()
        .keys(access_axum::JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).expect("keys"))
        .argon2(access_axum::config::Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        })
        .rate_limits(limits)
        .build()
        .expect("config");
    let app = AuthState::new(db().await, config).router();
    let login = || {
        post_json(
            "/auth/login",
            json!({ "identifier": "ada@example.com", "password": "wrong password!" }),
        )
    };
    for _ in 0..2 {
        assert_eq!(call(&app, login()).await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, headers, body) = call_full(&app, login()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "rate_limited");
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    // The seconds left in the current window.
    let now = access_core::time::now();
    let left = 86_400 - now.rem_euclid(86_400);
    assert!((1..=86_400).contains(&retry), "{retry}");
    assert!(retry.abs_diff(left as u64) <= 1, "{retry} vs {left}");
}

// ---------------------------------------------------------------------------------------------
// Custom claims.

/// Was the example of `AuthState::with_claims`.
#[tokio::test]
async fn custom_claims_come_back_in_current_user() {
    let state = auth_state().await.with_claims(|user| {
        let mut claims = serde_json::Map::new();
        claims.insert("plan".into(), "pro".into());
        claims.insert("verified".into(), user.email_verified.into());
        claims
    });
    let app = with_claims_route(&state);
    let token = sign_up(&app, "ada@example.com").await;
    let (_, body) = call(&app, get_bearer("/claims", &token)).await;
    assert_eq!(body, json!({ "plan": "pro", "verified": false }));
}

/// Was the example of `AuthState::with_async_claims`.
#[tokio::test]
async fn async_claims_come_back_in_current_user() {
    let state = auth_state().await.with_async_claims(|user| async move {
        let mut claims = serde_json::Map::new();
        claims.insert("greeting".into(), format!("hello, user {}", user.id).into());
        claims
    });
    let app = with_claims_route(&state);
    let token = sign_up(&app, "ada@example.com").await;
    let (_, body) = call(&app, get_bearer("/claims", &token)).await;
    assert_eq!(body["greeting"], "hello, user 1");
}

/// Was the example of `Claims`.
#[test]
fn claims_round_trip_with_custom_claims() {
    let json = json!({
        "sub": "42", "iss": "access", "aud": "access",
        "exp": 1_700_000_060, "nbf": 1_700_000_000, "iat": 1_700_000_000,
        "sid": "session-1", "roles": ["admin"], "plan": "pro",
    });
    let claims: Claims = serde_json::from_value(json.clone()).expect("claims");
    assert_eq!(claims.sub, "42");
    assert_eq!(claims.roles, ["admin"]);
    assert!(!claims.su); // absent: false
    assert_eq!(claims.tenant, None);
    // An unknown claim is a custom one.
    assert_eq!(claims.extra["plan"], "pro");
    // Serialized back, `extra` is flattened (and the absent tenant left out).
    let mut back = serde_json::to_value(&claims).expect("json");
    let su = back.as_object_mut().expect("object").remove("su");
    assert_eq!(su, Some(false.into()));
    assert_eq!(back, json);
}

// ---------------------------------------------------------------------------------------------
// Extractors, the authenticator hook, the route layer.

/// Was the example of `CurrentUser`.
#[tokio::test]
async fn current_user_comes_from_the_bearer_token() {
    async fn who(user: CurrentUser) -> String {
        format!("user {} (cookie: {})", user.id, user.via_cookie)
    }
    let state = auth_state().await;
    let app: Router = Router::new()
        .route("/whoami", get(who))
        .with_state(state.clone())
        .merge(state.router());
    let token = sign_up(&app, "ada@example.com").await;
    let (_, body) = call(&app, get_bearer("/whoami", &token)).await;
    assert_eq!(body, "user 1 (cookie: false)");
    let (status, body) = call(&app, get_bearer("/whoami", "not-a-token")).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("unauthenticated"))
    );
}

/// Was the example of `MaybeUser`.
#[tokio::test]
async fn maybe_user_is_none_without_a_valid_token() {
    async fn greet(MaybeUser(user): MaybeUser) -> String {
        match user {
            Some(u) => format!("hello, user {}", u.id),
            None => "hello, stranger".to_owned(),
        }
    }
    let state = auth_state().await;
    let app: Router = Router::new()
        .route("/", get(greet))
        .with_state(state.clone())
        .merge(state.router());
    let token = sign_up(&app, "ada@example.com").await;
    assert_eq!(call(&app, get_bearer("/", &token)).await.1, "hello, user 1");
    let (_, body) = call(&app, get_bearer("/", "expired-or-forged")).await;
    assert_eq!(body, "hello, stranger");
}

access_core::define_access! {
    pub Access;
    roles: [admin, user, guest],
    default_role: guest,
    entity project { roles: [viewer] }
    entitlements { "project:read" on project => roles [viewer] }
}

/// Was the example of `CurrentUser::principal`.
#[test]
fn the_principal_resolves_roles_against_the_model() {
    use access_core::AccessModel as _;
    let user: CurrentUser = CurrentUser {
        id: 7,
        session_id: "s1".into(),
        roles: vec!["user".into(), "retired".into()],
        tenant: Some("acme".into()),
        superuser: false,
        issued_at: 0,
        mfa_verified_at: None,
        via_cookie: false,
        claims: Default::default(),
    };
    let p = user.principal(Access.data());
    assert_eq!(&*p.id, "7");
    assert_eq!(p.tenant.as_deref(), Some("acme"));
    // `user` is the model's global role 1; `retired` is not in the model and is dropped;
    // `guest` (2) is the default role.
    assert!(p.global_roles.contains(1) && !p.global_roles.contains(0));
    assert!(p.global_roles.contains(2));
}

/// Was the example of `Authenticator`.
#[tokio::test]
async fn an_authenticator_authenticates_api_keys_and_refuses_unknown_ones() {
    let state = auth_state().await.with_authenticator(ApiKeys);
    let app: Router = Router::new()
        .route("/whoami", get(whoami))
        .with_state(state);
    assert_eq!(
        call(&app, with_key("/whoami", "key-of-user-7")).await.1,
        "user 7"
    );
    let (status, body) = call(&app, with_key("/whoami", "stolen")).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("invalid_api_key"))
    );
}

/// Was the example of `Authenticator::authenticate`.
#[tokio::test]
async fn authenticate_can_be_called_directly() {
    let state = auth_state().await;
    let (key, ()) = Request::get("/")
        .header("x-api-key", "key-of-user-7")
        .body(())
        .expect("request")
        .into_parts();
    let user = ApiKeys.authenticate(&key, &state).await.expect("ok");
    assert_eq!(user.map(|u| u.id), Some(7));
    let (without, ()) = Request::get("/").body(()).expect("request").into_parts();
    assert!(
        ApiKeys
            .authenticate(&without, &state)
            .await
            .expect("ok")
            .is_none()
    );
}

/// Was the example of `AuthState::with_authenticator`.
#[tokio::test]
async fn without_an_api_key_the_token_still_authenticates() {
    let state = auth_state().await.with_authenticator(ApiKeys);
    let who: Router = Router::new()
        .route("/whoami", get(whoami))
        .with_state(state.clone());
    let app: Router = state.router().merge(who);
    assert_eq!(
        call(&app, with_key("/whoami", "key-of-user-7")).await.1,
        "user 7"
    );
    let token = sign_up(&app, "ada@example.com").await;
    assert_eq!(call(&app, get_bearer("/whoami", &token)).await.1, "user 1");
}

/// Was the example of `AuthState::require_authenticated`.
#[tokio::test]
async fn require_authenticated_refuses_anonymous_requests() {
    async fn report(Extension(user): Extension<CurrentUser>) -> String {
        format!("report for user {}", user.id)
    }
    let state = auth_state().await;
    let app: Router = Router::new()
        .route("/report", get(report))
        .route_layer(state.require_authenticated())
        .merge(state.router());
    let anonymous = Request::get("/report")
        .body(Body::empty())
        .expect("request");
    assert_eq!(call(&app, anonymous).await.0, 401);
    let token = sign_up(&app, "ada@example.com").await;
    assert_eq!(
        call(&app, get_bearer("/report", &token)).await.1,
        "report for user 1"
    );
}

// ---------------------------------------------------------------------------------------------
// The tables (`access_axum::db`).

/// Was the example of `db::user`.
#[tokio::test]
async fn db_users_are_queried_as_a_sea_orm_entity() {
    let db = db().await;
    let users = UsersTable::default();
    let new = |email: &str| NewUser {
        email: Some(email.into()),
        username: None,
        password_hash: "$argon2id$...".into(),
        now: 1_700_000_000,
    };
    users
        .insert(&db, new("ada@example.com"))
        .await
        .expect("insert");
    users
        .insert(&db, new("bob@example.com"))
        .await
        .expect("insert");
    let ada = user::Entity::find()
        .filter(user::Column::Email.eq("ada@example.com"))
        .one(&db)
        .await
        .expect("query")
        .expect("ada");
    assert!(ada.active && !ada.email_verified);
    assert_eq!(user::Entity::find().count(&db).await.expect("count"), 2);
}

/// Was the example of `db::user::Model`.
#[tokio::test]
async fn db_new_users_are_active_unverified_without_roles() {
    let db = db().await;
    let new = NewUser {
        email: None,
        username: Some("ada".into()),
        password_hash: "$argon2id$...".into(),
        now: 1_700_000_000,
    };
    let u: user::Model = UsersTable::default()
        .insert(&db, new)
        .await
        .expect("insert");
    assert_eq!(u.username.as_deref(), Some("ada"));
    assert!(u.active && !u.email_verified && !u.superuser);
    assert_eq!(u.roles, "");
    assert_eq!(u.password_changed_at, 1_700_000_000);
}

/// Was the examples of the five `Relation` enums.
#[test]
fn db_tables_have_no_relations() {
    assert_eq!(user::Relation::iter().count(), 0);
    assert_eq!(session::Relation::iter().count(), 0);
    assert_eq!(refresh_token::Relation::iter().count(), 0);
    assert_eq!(one_time_token::Relation::iter().count(), 0);
    assert_eq!(rate_limit::Relation::iter().count(), 0);
}

/// Was the example of `db::session`.
#[tokio::test]
async fn db_live_sessions_of_a_user() {
    let db = db().await;
    for (id, revoked_at) in [("s1", None), ("s2", Some(150))] {
        session::ActiveModel {
            id: Set(id.into()),
            user_id: Set(7),
            device: Set("curl/8".into()),
            ip: Set("127.0.0.1".into()),
            created_at: Set(100),
            last_active_at: Set(100),
            expires_at: Set(1_000),
            revoked_at: Set(revoked_at),
            tenant: Set(None),
            mfa_at: Set(None),
        }
        .insert(&db)
        .await
        .expect("insert");
    }
    let live = session::Entity::find()
        .filter(session::Column::UserId.eq(7))
        .filter(session::Column::RevokedAt.is_null())
        .all(&db)
        .await
        .expect("query");
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].id, "s1");
}

/// Was the example of `db::session::Model`.
#[tokio::test]
async fn db_a_session_round_trips() {
    let db = db().await;
    let s = session::Model {
        id: "0b7c6f5e".into(),
        user_id: 7,
        device: "Firefox".into(),
        ip: "192.0.2.1".into(),
        created_at: 100,
        last_active_at: 100,
        expires_at: 100 + 30 * 86_400,
        revoked_at: None,
        tenant: None,
        mfa_at: None,
    };
    s.clone()
        .into_active_model()
        .insert(&db)
        .await
        .expect("insert");
    let found = session::Entity::find_by_id("0b7c6f5e")
        .one(&db)
        .await
        .expect("query");
    assert_eq!(found, Some(s));
}

/// Was the example of `db::refresh_token`.
#[tokio::test]
async fn db_refresh_tokens_are_found_by_hash() {
    let db = db().await;
    refresh_token::ActiveModel {
        session_id: Set("s1".into()),
        token_hash: Set("9f86d081884c7d65".into()),
        created_at: Set(100),
        rotated_at: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("insert");
    let found = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq("9f86d081884c7d65"))
        .one(&db)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.session_id, "s1");
    assert_eq!(found.rotated_at, None);
}

/// Was the example of `db::refresh_token::Model`.
#[tokio::test]
async fn db_a_refresh_token_round_trips() {
    let db = db().await;
    let t = refresh_token::Model {
        id: 1,
        session_id: "s1".into(),
        token_hash: "9f86d081884c7d65".into(),
        created_at: 100,
        rotated_at: Some(160),
    };
    let stored = t
        .clone()
        .into_active_model()
        .insert(&db)
        .await
        .expect("insert");
    assert_eq!(stored, t);
}

/// Was the example of `db::one_time_token`.
#[tokio::test]
async fn db_pending_one_time_tokens() {
    let db = db().await;
    one_time_token::ActiveModel {
        user_id: Set(7),
        kind: Set("reset".into()),
        token_hash: Set("2c26b46b68ffc68f".into()),
        expires_at: Set(4_600),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("insert");
    let pending = one_time_token::Entity::find()
        .filter(one_time_token::Column::UserId.eq(7))
        .filter(one_time_token::Column::Kind.eq("reset"))
        .filter(one_time_token::Column::UsedAt.is_null())
        .all(&db)
        .await
        .expect("query");
    assert_eq!(pending.len(), 1);
}

/// Was the example of `db::one_time_token::Model`.
#[tokio::test]
async fn db_a_one_time_token_round_trips() {
    let db = db().await;
    let t = one_time_token::Model {
        id: 1,
        user_id: 7,
        kind: "verify".into(),
        token_hash: "2c26b46b68ffc68f".into(),
        expires_at: 4_600,
        used_at: None,
    };
    t.clone()
        .into_active_model()
        .insert(&db)
        .await
        .expect("insert");
    let found = one_time_token::Entity::find_by_id(1)
        .one(&db)
        .await
        .expect("query");
    assert_eq!(found, Some(t));
}

/// Was the example of `db::rate_limit`.
#[tokio::test]
async fn db_rate_limit_counters_over_a_limit() {
    let db = db().await;
    for (key, count) in [("login:ip:a1b2", 3), ("login:ip:c3d4", 11)] {
        rate_limit::ActiveModel {
            key: Set(key.into()),
            window_start: Set(1_700_000_100),
            count: Set(count),
        }
        .insert(&db)
        .await
        .expect("insert");
    }
    let over = rate_limit::Entity::find()
        .filter(rate_limit::Column::Count.gt(10))
        .all(&db)
        .await
        .expect("query");
    assert_eq!(over.len(), 1);
    assert_eq!(over[0].key, "login:ip:c3d4");
}

/// Was the example of `db::rate_limit::Model`.
#[tokio::test]
async fn db_a_rate_limit_counter_round_trips() {
    let db = db().await;
    let c = rate_limit::Model {
        key: "register:ip:a1b2".into(),
        window_start: 1_700_000_000,
        count: 1,
    };
    c.clone()
        .into_active_model()
        .insert(&db)
        .await
        .expect("insert");
    let found = rate_limit::Entity::find_by_id("register:ip:a1b2")
        .one(&db)
        .await
        .expect("query");
    assert_eq!(found, Some(c));
}

/// Was the example of `UsersTable`.
#[tokio::test]
async fn users_table_maps_an_application_table() {
    let db = db().await;
    db.execute_unprepared(
        "CREATE TABLE accounts (
            account_id INTEGER PRIMARY KEY AUTOINCREMENT, mail TEXT UNIQUE, login TEXT UNIQUE,
            pw TEXT NOT NULL, enabled BOOLEAN NOT NULL, email_verified BOOLEAN NOT NULL,
            roles TEXT NOT NULL, tenant TEXT, superuser BOOLEAN NOT NULL,
            password_changed_at INTEGER NOT NULL, created_at INTEGER NOT NULL)",
    )
    .await
    .expect("create");
    let accounts = UsersTable {
        table: "accounts".into(),
        id: "account_id".into(),
        email: "mail".into(),
        username: "login".into(),
        password_hash: "pw".into(),
        active: "enabled".into(),
        ..UsersTable::default()
    };
    let new = NewUser {
        email: Some("ada@example.com".into()),
        username: None,
        password_hash: "$argon2id$...".into(),
        now: 1_700_000_000,
    };
    let ada = accounts.insert(&db, new).await.expect("insert");
    let found = accounts
        .by_email(&db, "ada@example.com")
        .await
        .expect("query");
    assert_eq!(found, Some(ada));
    // The built-in table stays empty.
    let builtin = UsersTable::default().by_email(&db, "ada@example.com").await;
    assert_eq!(builtin.expect("query"), None);
}

/// Was the example of `NewUser`.
#[tokio::test]
async fn a_new_user_gets_an_id_and_its_creation_time() {
    let db = db().await;
    let new = NewUser {
        email: Some("ada@example.com".into()),
        username: Some("ada".into()),
        password_hash: "$argon2id$...".into(),
        now: 1_700_000_000,
    };
    let u = UsersTable::default()
        .insert(&db, new)
        .await
        .expect("insert");
    assert_eq!(u.id, 1);
    assert_eq!(u.created_at, 1_700_000_000);
}

/// Was the example of `UserChange`.
#[tokio::test]
async fn user_changes_verify_emails_and_change_passwords() {
    let db = db().await;
    let users = UsersTable::default();
    let new = NewUser {
        email: Some("ada@example.com".into()),
        username: None,
        password_hash: "old".into(),
        now: 100,
    };
    let id = users.insert(&db, new).await.expect("insert").id;
    users
        .update(&db, id, UserChange::EmailVerified(true))
        .await
        .expect("update");
    // A password change: new hash, and older tokens stop working.
    users
        .update(&db, id, UserChange::Password("new".into(), Some(200)))
        .await
        .expect("update");
    let u = users.by_id(&db, id).await.expect("query").expect("user");
    assert!(u.email_verified);
    assert_eq!(
        (u.password_hash.as_str(), u.password_changed_at),
        ("new", 200)
    );
}

/// Was the example of `UsersTable::by_id`.
#[tokio::test]
async fn users_by_id() {
    let db = db().await;
    let users = UsersTable::default();
    let ada = users
        .insert(&db, new_user("ada@example.com", "ada"))
        .await
        .expect("insert");
    assert_eq!(users.by_id(&db, ada.id).await.expect("query"), Some(ada));
    assert_eq!(users.by_id(&db, 999).await.expect("query"), None);
}

/// Was the example of `UsersTable::by_email`.
#[tokio::test]
async fn users_by_email_does_not_normalize() {
    let db = db().await;
    let users = UsersTable::default();
    users
        .insert(&db, new_user("ada@example.com", "ada"))
        .await
        .expect("insert");
    let ada = users
        .by_email(&db, "ada@example.com")
        .await
        .expect("query")
        .expect("ada");
    assert_eq!(ada.username.as_deref(), Some("ada"));
    // The endpoints trim and lowercase before looking up.
    assert_eq!(
        users.by_email(&db, "Ada@Example.com").await.expect("query"),
        None
    );
}

/// Was the example of `UsersTable::by_username`.
#[tokio::test]
async fn users_by_username() {
    let db = db().await;
    let users = UsersTable::default();
    users
        .insert(&db, new_user("ada@example.com", "ada"))
        .await
        .expect("insert");
    let ada = users
        .by_username(&db, "ada")
        .await
        .expect("query")
        .expect("ada");
    assert_eq!(ada.email.as_deref(), Some("ada@example.com"));
    assert_eq!(users.by_username(&db, "bob").await.expect("query"), None);
}

/// Was the example of `UsersTable::insert`.
#[tokio::test]
async fn users_insert_refuses_a_taken_email() {
    let db = db().await;
    let users = UsersTable::default();
    let ada = users
        .insert(&db, new_user("ada@example.com", "ada"))
        .await
        .expect("insert");
    assert!(ada.active && !ada.email_verified && ada.roles.is_empty());
    let err = users
        .insert(&db, new_user("ada@example.com", "ada2"))
        .await
        .expect_err("taken");
    assert!(matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ));
}

/// Was the example of `UsersTable::update`.
#[tokio::test]
async fn users_update_a_rehash_keeps_the_time_of_the_last_change() {
    let db = db().await;
    let users = UsersTable::default();
    let id = users
        .insert(&db, new_user("ada@example.com", "ada"))
        .await
        .expect("insert")
        .id;
    users
        .update(&db, id, UserChange::Password("rehashed".into(), None))
        .await
        .expect("update");
    let u = users.by_id(&db, id).await.expect("query").expect("user");
    assert_eq!(
        (u.password_hash.as_str(), u.password_changed_at),
        ("rehashed", 100)
    );
}

/// Was the example of `UsersTable::taken`.
#[tokio::test]
async fn users_taken_looks_in_the_right_column() {
    let db = db().await;
    let users = UsersTable::default();
    users
        .insert(&db, new_user("ada@example.com", "ada"))
        .await
        .expect("insert");
    assert!(
        users
            .taken(&db, true, "ada@example.com")
            .await
            .expect("query")
    );
    assert!(users.taken(&db, false, "ada").await.expect("query"));
    // Not a username.
    assert!(
        !users
            .taken(&db, false, "ada@example.com")
            .await
            .expect("query")
    );
}

// ---------------------------------------------------------------------------------------------
// Typed custom claims: `CurrentUser<C>`, `MaybeUser<C>`, `Access<M, S, C>`.

/// The claims type of an application: written by `with_claims`, read by handlers.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Account {
    plan: String,
    verified: bool,
}

/// Another application's claims: what a token with `Account` claims does not fit.
#[derive(Debug, serde::Deserialize)]
struct Seats {
    seats: u32,
}

fn with_account(state: AuthState) -> AuthState {
    state.with_claims(|user| Account {
        plan: "pro".into(),
        verified: user.email_verified,
    })
}

async fn plan(user: CurrentUser<Account>) -> Json<Value> {
    Json(json!({ "id": user.id, "plan": user.claims.plan, "verified": user.claims.verified }))
}

async fn seats(user: CurrentUser<Seats>) -> String {
    format!("{} seats", user.claims.seats)
}

/// `state`'s endpoints, `GET /plan` (`CurrentUser<Account>`), `GET /seats`
/// (`CurrentUser<Seats>`) and `GET /claims` (the default map).
fn typed_routes(state: &AuthState) -> Router {
    let routes: Router = Router::new()
        .route("/plan", get(plan))
        .route("/seats", get(seats))
        .route(
            "/claims",
            get(|user: CurrentUser| async move { Json(user.claims) }),
        )
        .with_state(state.clone());
    state.router().merge(routes)
}

#[tokio::test]
async fn typed_claims_round_trip_through_register_and_login() {
    let state = with_account(auth_state().await);
    let app = typed_routes(&state);
    let registered = sign_up(&app, "ada@example.com").await;
    let (status, body) = call(&app, get_bearer("/plan", &registered)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "id": 1, "plan": "pro", "verified": false }));
    let login = json!({ "identifier": "ada@example.com", "password": "correct horse battery" });
    let (status, tokens) = call(&app, post_json("/auth/login", login)).await;
    assert_eq!(status, 200);
    let logged_in = tokens["access_token"].as_str().expect("access_token");
    let (_, body) = call(&app, get_bearer("/plan", logged_in)).await;
    assert_eq!(body, json!({ "id": 1, "plan": "pro", "verified": false }));
    // The same token read as the default map: the typed claims as JSON.
    let (_, body) = call(&app, get_bearer("/claims", logged_in)).await;
    assert_eq!(body, json!({ "plan": "pro", "verified": false }));
}

#[tokio::test]
async fn claims_of_another_shape_are_a_401_like_an_invalid_token() {
    let state = with_account(auth_state().await);
    let app = typed_routes(&state);
    let token = sign_up(&app, "ada@example.com").await;
    let (status, body) = call(&app, get_bearer("/seats", &token)).await;
    let (invalid_status, invalid_body) = call(&app, get_bearer("/seats", "not-a-token")).await;
    assert_eq!(status, 401);
    // Nothing about the claims or their type reaches the client.
    assert_eq!((status, &body), (invalid_status, &invalid_body));
    assert_eq!(body["error"], "unauthenticated");
    // Without custom claims at all (no `with_claims`), a required field is missing: 401 too.
    let plain = auth_state().await;
    let app = typed_routes(&plain);
    let token = sign_up(&app, "bob@example.com").await;
    assert_eq!(call(&app, get_bearer("/plan", &token)).await.0, 401);
    assert_eq!(call(&app, get_bearer("/claims", &token)).await.1, json!({}));
}

#[tokio::test]
async fn maybe_user_with_claims_of_another_shape_is_anonymous() {
    async fn greet(MaybeUser(user): MaybeUser<Seats>) -> String {
        match user {
            Some(u) => format!("{} seats", u.claims.seats),
            None => "hello, stranger".to_owned(),
        }
    }
    async fn plan_or_none(MaybeUser(user): MaybeUser<Account>) -> String {
        user.map_or_else(|| "none".to_owned(), |u| u.claims.plan)
    }
    let state = with_account(auth_state().await);
    let routes: Router = Router::new()
        .route("/greet", get(greet))
        .route("/plan", get(plan_or_none))
        .with_state(state.clone());
    let app = state.router().merge(routes);
    let token = sign_up(&app, "ada@example.com").await;
    assert_eq!(call(&app, get_bearer("/plan", &token)).await.1, "pro");
    assert_eq!(
        call(&app, get_bearer("/greet", &token)).await.1,
        "hello, stranger"
    );
}

#[tokio::test]
async fn sync_and_async_typed_claims_are_merged() {
    #[derive(serde::Serialize)]
    struct Greeting {
        greeting: String,
    }
    #[derive(serde::Deserialize)]
    struct Both {
        plan: String,
        greeting: String,
    }
    async fn both(user: CurrentUser<Both>) -> String {
        format!("{}: {}", user.claims.plan, user.claims.greeting)
    }
    let state = with_account(auth_state().await).with_async_claims(|user| async move {
        Greeting {
            greeting: format!("hello, user {}", user.id),
        }
    });
    let routes: Router = Router::new()
        .route("/both", get(both))
        .with_state(state.clone());
    let app = state.router().merge(routes);
    let token = sign_up(&app, "ada@example.com").await;
    assert_eq!(
        call(&app, get_bearer("/both", &token)).await.1,
        "pro: hello, user 1"
    );
}

#[tokio::test]
async fn claims_that_are_not_an_object_are_left_out() {
    let state = auth_state().await.with_claims(|_| "not an object");
    let app = with_claims_route(&state);
    let token = sign_up(&app, "ada@example.com").await;
    let (status, body) = call(&app, get_bearer("/claims", &token)).await;
    assert_eq!((status.as_u16(), body), (200, json!({})));
}

#[test]
fn current_user_converts_between_typed_and_untyped_claims() {
    let user = CurrentUser {
        id: 7,
        session_id: "s1".into(),
        roles: vec!["user".into()],
        tenant: Some("acme".into()),
        superuser: false,
        issued_at: 5,
        mfa_verified_at: None,
        via_cookie: true,
        claims: Account {
            plan: "pro".into(),
            verified: true,
        },
    };
    let untyped: CurrentUser = user.clone().into_untyped().expect("an object");
    assert_eq!(
        Value::Object(untyped.claims.clone()),
        json!({ "plan": "pro", "verified": true })
    );
    assert_eq!((untyped.id, untyped.via_cookie), (7, true));
    let back: CurrentUser<Account> = untyped.clone().into_typed().expect("fits");
    assert_eq!(back, user);
    // The default map reads as itself.
    let same: CurrentUser = untyped.clone().into_typed().expect("a map");
    assert_eq!(same, untyped);
    assert!(untyped.clone().into_typed::<Seats>().is_err());
    // Claims that are not a JSON object cannot travel in a token.
    let scalar = CurrentUser {
        claims: 3,
        id: 7,
        session_id: "s1".into(),
        roles: vec![],
        tenant: None,
        superuser: false,
        issued_at: 0,
        mfa_verified_at: None,
        via_cookie: false,
    };
    assert!(scalar.into_untyped().is_err());
}

/// `x-api-key: pro-key` is user 9 on the pro plan, its claims built typed.
struct TypedKeys;

impl Authenticator for TypedKeys {
    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
        _state: &'a AuthState,
    ) -> Pin<Box<dyn Future<Output = Result<Option<CurrentUser>, ApiError>> + Send + 'a>> {
        Box::pin(async move {
            if parts.headers.get("x-api-key").map(|v| v.as_bytes()) != Some(b"pro-key") {
                return Ok(None);
            }
            let user = CurrentUser {
                id: 9,
                session_id: "api-key".into(),
                roles: vec![],
                tenant: None,
                superuser: false,
                issued_at: 0,
                mfa_verified_at: None,
                via_cookie: false,
                claims: Account {
                    plan: "pro".into(),
                    verified: true,
                },
            };
            let user = user
                .into_untyped()
                .map_err(|_| ApiError::unauthenticated())?;
            Ok(Some(user))
        })
    }
}

#[tokio::test]
async fn an_authenticator_produces_typed_claims() {
    let state = auth_state().await.with_authenticator(TypedKeys);
    let app = typed_routes(&state);
    let (status, body) = call(&app, with_key("/plan", "pro-key")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "id": 9, "plan": "pro", "verified": true }));
    assert_eq!(call(&app, with_key("/seats", "pro-key")).await.0, 401);
}

#[tokio::test]
async fn behind_require_authenticated_the_typed_extractor_reads_the_layers_user() {
    async fn both(
        Extension(untyped): Extension<CurrentUser>,
        user: CurrentUser<Account>,
    ) -> String {
        format!("{} {} {}", untyped.id, user.id, user.claims.plan)
    }
    let state = with_account(auth_state().await);
    let routes: Router = Router::new()
        .route("/both", get(both))
        .route_layer(state.require_authenticated())
        .with_state(state.clone());
    let app = state.router().merge(routes);
    let token = sign_up(&app, "ada@example.com").await;
    assert_eq!(call(&app, get_bearer("/both", &token)).await.1, "1 1 pro");
    assert_eq!(call(&app, get_bearer("/both", "forged")).await.0, 401);
}

/// State with both halves, for `Access` and `MaybeAccess`.
#[derive(Clone)]
struct WithAuthz {
    auth: AuthState,
    authz: access_axum::authz::Authz<Access, access_core::MemoryStore>,
}

impl axum::extract::FromRef<WithAuthz> for AuthState {
    fn from_ref(s: &WithAuthz) -> Self {
        s.auth.clone()
    }
}

impl axum::extract::FromRef<WithAuthz>
    for access_axum::authz::Authz<Access, access_core::MemoryStore>
{
    fn from_ref(s: &WithAuthz) -> Self {
        s.authz.clone()
    }
}

#[tokio::test]
async fn access_and_maybe_access_carry_typed_claims() {
    use access_axum::authz::{Access as AccessOf, Authz, MaybeAccess};
    type Store = access_core::MemoryStore;
    async fn typed(access: AccessOf<Access, Store, Account>) -> String {
        format!("user {} on {}", access.user.id, access.user.claims.plan)
    }
    async fn untyped(access: AccessOf<Access, Store>) -> Json<Value> {
        Json(Value::Object(access.user.claims.clone()))
    }
    async fn maybe(access: MaybeAccess<Access, Store, Account>) -> String {
        access
            .user()
            .map_or_else(|| "anonymous".to_owned(), |u| u.claims.plan.clone())
    }
    async fn wrong(access: AccessOf<Access, Store, Seats>) -> String {
        format!("{} seats", access.user.claims.seats)
    }
    let auth = with_account(auth_state().await);
    let state = WithAuthz {
        auth: auth.clone(),
        authz: Authz::new(Access, Store::new()),
    };
    let routes: Router = Router::new()
        .route("/typed", get(typed))
        .route("/default", get(untyped))
        .route("/maybe", get(maybe))
        .route("/wrong", get(wrong))
        .with_state(state);
    let app = auth.router().merge(routes);
    let token = sign_up(&app, "ada@example.com").await;
    assert_eq!(
        call(&app, get_bearer("/typed", &token)).await.1,
        "user 1 on pro"
    );
    assert_eq!(
        call(&app, get_bearer("/default", &token)).await.1,
        json!({ "plan": "pro", "verified": false })
    );
    assert_eq!(call(&app, get_bearer("/maybe", &token)).await.1, "pro");
    let anonymous = Request::get("/maybe").body(Body::empty()).expect("request");
    assert_eq!(call(&app, anonymous).await.1, "anonymous");
    let (status, body) = call(&app, get_bearer("/wrong", &token)).await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (401, &json!("unauthenticated"))
    );
}
