//! Signing in with a second factor (`POST /auth/login` → a challenge → `POST
//! /auth/mfa/challenge`), stepping up (`POST /auth/mfa/step-up`), and what reads the time of
//! the last factor: a route's `require_mfa_within` and a schema's `fva(..)` rule. Each refusal
//! is read back in SQL.

use std::time::Duration;

use access_axum::{App, AuthConfig, config::MfaSettings};

/// Not run without its database (see the suite's `skip`).
fn skip_here() -> bool {
    super::skip()
}
use axum::Router;
use axum::http::StatusCode;
use sea_orm::{ConnectionTrait as _, DatabaseConnection};
use serde_json::{Value, json};

use super::backend::{self, PASSWORD, rows, send};

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        default_role: user,
        entity project { roles: [owner] }
        entitlements { "project:read" on project => roles [owner] }
    }
}

/// Secrets that only a second factor opens: reading one needs a factor within 60 s.
mod secret {
    use sea_orm::entity::prelude::*;

    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "mfa_secrets")]
    #[schema(access = super::model::Access, entity = Entity, permission(
        create = blocked,
        list = blocked,
        read = in_memory(fva(60)),
        update = blocked,
        delete = blocked,
    ))]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

struct Fixture {
    router: Router,
    db: DatabaseConnection,
    outbox: backend::Outbox,
    auth: access_axum::AuthState,
}

fn mfa_config() -> AuthConfig {
    backend::config_builder()
        .mfa(MfaSettings {
            key: super::key(),
            issuer: "Tests".into(),
        })
        .build()
        .expect("config")
}

/// The app with MFA, the secrets' CRUD routes and `/danger`, a route that wants a factor
/// within 300 s.
async fn fixture() -> Fixture {
    let db = backend::database("mfa", super::super::BACKEND).await;
    let outbox = backend::Outbox::default();
    let mail = outbox.clone();
    let built = App::new(model::Access, db.clone())
        .config(mfa_config())
        .auth(move |a| a.with_mailer(mail))
        .crud::<secret::Entity>("/secrets")
        .admin("/admin", model::Entitlement::ProjectRead)
        .build()
        .await
        .expect("the app builds");
    let danger = Router::new()
        .route("/danger", axum::routing::post(|| async { "done" }))
        .route_layer(
            built
                .state()
                .auth()
                .require_mfa_within(Duration::from_secs(300)),
        );
    db.execute_unprepared("INSERT INTO mfa_secrets (id, body) VALUES ('s1', 'the plans')")
        .await
        .expect("a secret");
    let auth = built.state().auth().clone();
    Fixture {
        router: built.into_router().merge(danger),
        db,
        outbox,
        auth,
    }
}

/// The code of `secret` (base32) at time step `step`.
fn code(secret: &str, step: i64) -> String {
    super::code_at(secret, step)
}

/// The time step `email`'s last accepted code had (the confirmation's, at first).
async fn spent(f: &Fixture, email: &str) -> i64 {
    let row = rows(
        &f.db,
        &format!(
            "SELECT t.last_step FROM auth_mfa_totp t JOIN auth_users u ON u.id = t.user_id \
             WHERE u.email = '{email}'"
        ),
    )
    .await;
    row[0].parse().expect("a spent step")
}

/// A user with TOTP on: the access token of their first session, the secret (its current
/// step spent by the confirmation), and the ten recovery codes.
async fn enrolled(f: &Fixture, email: &str) -> (String, String, Vec<String>) {
    let body = json!({ "email": email, "password": PASSWORD });
    let (status, body) = send(&f.router, "POST", "/auth/register", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (status, started) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp",
        Some(&token),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let secret = started["secret"].as_str().expect("secret").to_owned();
    let (status, done) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&token),
        Some(json!({ "code": code(&secret, super::now() / 30) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let codes = done["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect();
    (token, secret, codes)
}

/// `POST /auth/login` from the device `agent`.
async fn login_from(f: &Fixture, email: &str, password: &str, agent: &str) -> (StatusCode, Value) {
    let body = json!({ "identifier": email, "password": password }).to_string();
    send_agent(f, "/auth/login", body, agent).await
}

/// A JSON POST with a User-Agent.
async fn send_agent(f: &Fixture, path: &str, body: String, agent: &str) -> (StatusCode, Value) {
    backend::send_with_headers(
        &f.router,
        "POST",
        path,
        &[("content-type", "application/json"), ("user-agent", agent)],
        Some(body),
    )
    .await
}

async fn answer(f: &Fixture, challenge: &str, factor: Value, agent: &str) -> (StatusCode, Value) {
    let mut body = factor;
    body["challenge"] = challenge.into();
    send_agent(f, "/auth/mfa/challenge", body.to_string(), agent).await
}

/// The `mfa` claim of an access token.
fn mfa_claim(token: &str) -> Option<i64> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    let claims: Value = serde_json::from_slice(&bytes).expect("claims");
    claims["mfa"].as_i64()
}

/// What a refused second factor must leave alone: sessions, challenges, codes, the factor.
async fn signin_rows(db: &DatabaseConnection) -> Vec<String> {
    let mut out = rows(
        db,
        "SELECT id, user_id, revoked_at, mfa_at FROM auth_sessions ORDER BY id",
    )
    .await;
    out.extend(
        rows(
            db,
            "SELECT id, user_id, used_at FROM auth_mfa_challenges ORDER BY id",
        )
        .await,
    );
    out.extend(
        rows(
            db,
            "SELECT id, used_at FROM auth_recovery_codes ORDER BY id",
        )
        .await,
    );
    out.extend(
        rows(
            db,
            "SELECT user_id, last_step FROM auth_mfa_totp ORDER BY user_id",
        )
        .await,
    );
    out
}

#[tokio::test]
async fn a_login_with_totp_waits_for_the_code() {
    if skip_here() {
        return;
    }
    let f = fixture().await;
    let (_, secret, _) = enrolled(&f, "ann@example.com").await;

    let (status, body) = login_from(&f, "ann@example.com", PASSWORD, "laptop").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["mfa_required"], true);
    assert_eq!(body["methods"], json!(["totp", "recovery_code"]));
    assert!(
        body.get("access_token").is_none(),
        "no tokens before the factor: {body}"
    );
    let challenge = body["challenge"].as_str().expect("challenge").to_owned();

    // The next step's code (the confirmation spent its own): tokens, with the `mfa` claim.
    let next = spent(&f, "ann@example.com").await + 1;
    let (status, signed) = answer(
        &f,
        &challenge,
        json!({ "code": code(&secret, next) }),
        "laptop",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let access = signed["access_token"].as_str().expect("access token");
    let at = mfa_claim(access).expect("an mfa claim");
    assert!((at - chrono_now()).abs() <= 5, "{at}");
    let (status, me) = send(&f.router, "GET", "/auth/me", Some(access), None).await;
    assert_eq!(
        (status, me["email"].as_str()),
        (StatusCode::OK, Some("ann@example.com"))
    );
    // A sign-in with a second factor is a login: recorded.
    assert!(me["last_login_at"].as_i64().is_some(), "{me}");
    // The session remembers it: a refresh keeps the claim.
    let (status, refreshed) = send(
        &f.router,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": signed["refresh_token"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(
        mfa_claim(refreshed["access_token"].as_str().expect("token")),
        Some(at)
    );

    // Single use: the same challenge again is refused, nothing changes.
    let before = signin_rows(&f.db).await;
    let (status, body) = answer(
        &f,
        &challenge,
        json!({ "code": code(&secret, next + 1) }),
        "laptop",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_challenge"))
    );
    assert_eq!(signin_rows(&f.db).await, before);
}

fn chrono_now() -> i64 {
    super::now()
}

#[tokio::test]
async fn refused_second_factors_change_nothing() {
    if skip_here() {
        return;
    }
    let f = fixture().await;
    let (_, secret, codes) = enrolled(&f, "ann@example.com").await;
    let (_, body) = login_from(&f, "ann@example.com", PASSWORD, "laptop").await;
    let challenge = body["challenge"].as_str().expect("challenge").to_owned();

    let before = signin_rows(&f.db).await;
    let last = spent(&f, "ann@example.com").await;
    // A wrong code, a replayed one (the step the confirmation spent), a challenge presented by
    // another device, a body without a factor, an unknown challenge.
    for (factor, agent, want, code_name) in [
        (
            json!({ "code": super::wrong_code(&secret) }),
            "laptop",
            StatusCode::UNAUTHORIZED,
            "wrong_code",
        ),
        (
            json!({ "code": code(&secret, last) }),
            "laptop",
            StatusCode::UNAUTHORIZED,
            "wrong_code",
        ),
        (
            json!({ "code": code(&secret, last + 1) }),
            "phone",
            StatusCode::UNAUTHORIZED,
            "invalid_challenge",
        ),
        (
            json!({}),
            "laptop",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ] {
        let (status, got) = answer(&f, &challenge, factor.clone(), agent).await;
        assert_eq!(
            (status, got["error"].as_str()),
            (want, Some(code_name)),
            "{factor} from {agent}: {got}"
        );
    }
    let (status, _) = answer(&f, "not-a-challenge", json!({ "code": "123456" }), "laptop").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(signin_rows(&f.db).await, before);

    // Brute force: the account's budget (5 per 15 minutes, shared by every code check, the
    // enrolment's too) runs out; then the right code is refused as well until the window ends.
    let mut limited = false;
    for _ in 0..6 {
        let wrong = json!({ "code": super::wrong_code(&secret) });
        let (status, body) = answer(&f, &challenge, wrong, "laptop").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    assert!(limited, "no 429 after 6 more wrong codes");
    let right = json!({ "code": code(&secret, last + 1) });
    let (status, body) = answer(&f, &challenge, right, "laptop").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(signin_rows(&f.db).await, before);

    // An expired challenge (another account, a fresh budget).
    let (_, secret_b, codes_b) = enrolled(&f, "bob@example.com").await;
    let (_, body) = login_from(&f, "bob@example.com", PASSWORD, "laptop").await;
    let late = body["challenge"].as_str().expect("challenge").to_owned();
    f.db.execute_unprepared("UPDATE auth_mfa_challenges SET expires_at = 1 WHERE used_at IS NULL")
        .await
        .expect("expire");
    let before = signin_rows(&f.db).await;
    let next_b = spent(&f, "bob@example.com").await + 1;
    let (status, body) = answer(
        &f,
        &late,
        json!({ "code": code(&secret_b, next_b) }),
        "laptop",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_challenge"))
    );
    assert_eq!(signin_rows(&f.db).await, before);

    // A recovery code signs in once; the answer says how many are left; twice is refused.
    let (_, body) = login_from(&f, "bob@example.com", PASSWORD, "laptop").await;
    let c1 = body["challenge"].as_str().expect("challenge").to_owned();
    let (_, body) = login_from(&f, "bob@example.com", PASSWORD, "laptop").await;
    let c2 = body["challenge"].as_str().expect("challenge").to_owned();
    let recovery = codes_b[0].clone();
    assert_eq!(codes.len(), 10);
    let (status, body) = answer(&f, &c1, json!({ "recovery_code": recovery }), "laptop").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["recovery_codes_left"], 9);
    let before = signin_rows(&f.db).await;
    let (status, body) = answer(&f, &c2, json!({ "recovery_code": recovery }), "laptop").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wrong_code"))
    );
    assert_eq!(signin_rows(&f.db).await, before);
}

#[tokio::test]
async fn without_the_password_an_mfa_account_looks_like_any_other() {
    if skip_here() {
        return;
    }
    let f = fixture().await;
    enrolled(&f, "ann@example.com").await;
    let body = json!({ "email": "bob@example.com", "password": PASSWORD });
    send(&f.router, "POST", "/auth/register", None, Some(body)).await;
    // One argon2 verification on every path: an MFA account, another, none; and the right
    // password of the MFA account (its challenge costs no second one).
    let verified = || -> u64 { f.auth.password_verifications().iter().map(|(_, n)| n).sum() };
    let start = verified();
    let (s1, b1) = login_from(&f, "ann@example.com", "wrong password here", "laptop").await;
    let (s2, b2) = login_from(&f, "bob@example.com", "wrong password here", "laptop").await;
    let (s3, b3) = login_from(&f, "nobody@example.com", "wrong password here", "laptop").await;
    assert_eq!(verified() - start, 3);
    let (_, challenged) = login_from(&f, "ann@example.com", PASSWORD, "laptop").await;
    assert_eq!(challenged["mfa_required"], true);
    assert_eq!(verified() - start, 4);
    assert_eq!(
        (s1, s2, s3),
        (
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED
        )
    );
    assert_eq!(b1, b2);
    assert_eq!(b2, b3);
    // A password reset neither removes the factor nor signs in: the next login still asks.
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/forgot-password",
        None,
        Some(json!({ "email": "ann@example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let token = f.outbox.last("reset", "ann@example.com", None).await;
    let (status, reset) = send(
        &f.router,
        "POST",
        "/auth/reset-password",
        None,
        Some(json!({ "token": token, "password": "a brand new passphrase" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    assert!(
        reset.get("access_token").is_none(),
        "a reset signs nobody in: {reset}"
    );
    let (_, body) = login_from(&f, "ann@example.com", "a brand new passphrase", "laptop").await;
    assert_eq!(body["mfa_required"], true, "{body}");
}

#[tokio::test]
async fn a_step_up_opens_what_wants_a_recent_factor() {
    if skip_here() {
        return;
    }
    let f = fixture().await;
    let (token, secret, codes) = enrolled(&f, "ann@example.com").await;
    // The registration's session passed no factor: the route and the rule ask for one.
    let (status, body) = send(&f.router, "POST", "/danger", Some(&token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "mfa_required");
    assert_eq!(body["reasons"][0]["kind"], "mfa_required");
    assert_eq!(body["reasons"][0]["meta"]["max_age"], 300);
    let (status, body) = send(&f.router, "GET", "/secrets/s1", Some(&token), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("mfa_required")),
        "{body}"
    );
    assert_eq!(body["reasons"][0]["meta"]["max_age"], 60);

    // Refused step-ups change nothing.
    let before = signin_rows(&f.db).await;
    let last = spent(&f, "ann@example.com").await;
    for (factor, want) in [
        (
            json!({ "code": super::wrong_code(&secret) }),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({ "code": code(&secret, last) }),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({ "code": "1", "recovery_code": "2" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, got) = send(
            &f.router,
            "POST",
            "/auth/mfa/step-up",
            Some(&token),
            Some(factor.clone()),
        )
        .await;
        assert_eq!(status, want, "{factor}: {got}");
    }
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/mfa/step-up",
        None,
        Some(json!({ "code": code(&secret, last + 1) })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(signin_rows(&f.db).await, before);

    // A recovery code steps up: new tokens whose `mfa` claim opens both.
    let (status, up) = send(
        &f.router,
        "POST",
        "/auth/mfa/step-up",
        Some(&token),
        Some(json!({ "recovery_code": codes[0] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{up}");
    assert_eq!(up["recovery_codes_left"], 9);
    let fresh = up["access_token"].as_str().expect("token");
    assert!(mfa_claim(fresh).is_some());
    let (status, body) = send(&f.router, "POST", "/danger", Some(fresh), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(&f.router, "GET", "/secrets/s1", Some(fresh), None).await;
    assert_eq!(
        (status, body["body"].as_str()),
        (StatusCode::OK, Some("the plans")),
        "{body}"
    );
    // Too old: a factor 61 s ago no longer opens the secret (the claim is what is read).
    f.db.execute_unprepared(&format!(
        "UPDATE auth_sessions SET mfa_at = {}",
        chrono_now() - 61
    ))
    .await
    .expect("age the factor");
    let (_, refreshed) = send(
        &f.router,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": up["refresh_token"] })),
    )
    .await;
    let aged = refreshed["access_token"].as_str().expect("token");
    let (status, body) = send(&f.router, "GET", "/secrets/s1", Some(aged), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("mfa_required")),
        "{body}"
    );
    let (status, _) = send(&f.router, "POST", "/danger", Some(aged), None).await;
    assert_eq!(status, StatusCode::OK, "300 s is not over");
}

#[tokio::test]
async fn a_superuser_resets_lost_factors() {
    if skip_here() {
        return;
    }
    let f = fixture().await;
    let (ann, _, _) = enrolled(&f, "ann@example.com").await;
    let (_, me) = send(&f.router, "GET", "/auth/me", Some(&ann), None).await;
    let ann_id = me["id"].as_i64().expect("id");
    let body = json!({ "email": "root@example.com", "password": PASSWORD });
    let (_, root) = send(&f.router, "POST", "/auth/register", None, Some(body)).await;
    let root_id = root["user"]["id"].as_i64().expect("id");
    access_axum::db::UsersTable::default()
        .update(&f.db, root_id, access_axum::db::UserChange::Superuser(true))
        .await
        .expect("promote");
    let (_, root) = login_from(&f, "root@example.com", PASSWORD, "laptop").await;
    let root = root["access_token"].as_str().expect("token").to_owned();
    let uri = format!("/admin/users/{ann_id}/mfa");

    // Not for anyone else, not for a user who does not exist: nothing changes.
    let factors = "SELECT user_id, confirmed_at FROM auth_mfa_totp ORDER BY user_id";
    let before = (signin_rows(&f.db).await, rows(&f.db, factors).await);
    let (status, _) = send(&f.router, "DELETE", &uri, Some(&ann), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &f.router,
        "DELETE",
        "/admin/users/999999/mfa",
        Some(&root),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        (signin_rows(&f.db).await, rows(&f.db, factors).await),
        before
    );

    let (status, body) = send(&f.router, "DELETE", &uri, Some(&root), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(rows(&f.db, factors).await.is_empty());
    assert!(
        rows(
            &f.db,
            &format!("SELECT id FROM auth_recovery_codes WHERE user_id = {ann_id}")
        )
        .await
        .is_empty()
    );
    assert!(
        rows(
            &f.db,
            &format!(
                "SELECT id FROM auth_sessions WHERE user_id = {ann_id} AND revoked_at IS NULL"
            )
        )
        .await
        .is_empty(),
        "her sessions ended"
    );
    assert_eq!(
        rows(
            &f.db,
            "SELECT action, target FROM access_audit WHERE action = 'reset_user_mfa'"
        )
        .await,
        [format!("reset_user_mfa|user:{ann_id}")]
    );
    // Her password alone signs her in now.
    let (status, body) = login_from(&f, "ann@example.com", PASSWORD, "laptop").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string(), "{body}");
}
