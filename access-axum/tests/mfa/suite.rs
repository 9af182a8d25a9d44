//! The TOTP second factor and recovery codes (`GET /auth/mfa`, `POST|DELETE /auth/mfa/totp`,
//! `POST /auth/mfa/totp/confirm`, `POST /auth/mfa/recovery-codes`) through the whole HTTP stack
//! of an [`AuthState`]'s router, on SQLite (`mfa_sqlite`) and PostgreSQL (`mfa_postgres`), with
//! the database read directly after each change and each refusal. Codes are computed here from
//! the secret the enrolment returns, as an authenticator app would.

use access_axum::config::MfaSettings;
use access_axum::{AuthConfig, AuthState};
use axum::Router;
use axum::http::StatusCode;
use base64::Engine as _;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

#[path = "../common/backend.rs"]
mod backend;
use backend::{PASSWORD, config_builder, rows, send, send_full};

mod signin;

fn skip() -> bool {
    backend::skip("mfa", super::BACKEND)
}

/// A literal key, for these tests only.
fn key() -> [u8; 32] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(41).wrapping_add(3))
}

fn mfa_config() -> AuthConfig {
    config_builder()
        .mfa(MfaSettings {
            key: key(),
            issuer: "Access Tests".into(),
        })
        .build()
        .expect("config")
}

struct Fixture {
    router: Router,
    db: DatabaseConnection,
}

async fn fixture_with(config: AuthConfig) -> Fixture {
    let db = backend::database("mfa", super::BACKEND).await;
    access_axum::migrate(&db).await.expect("migrate");
    let router = AuthState::new(db.clone(), config).router();
    Fixture { router, db }
}

async fn fixture() -> Fixture {
    fixture_with(mfa_config()).await
}

/// A signed-in user: access token and id.
struct User {
    token: String,
    id: i64,
}

async fn sign_up(f: &Fixture, email: &str) -> User {
    let body = json!({ "email": email, "password": PASSWORD });
    let (status, body) = send(&f.router, "POST", "/auth/register", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (_, me) = send(&f.router, "GET", "/auth/me", Some(&token), None).await;
    User {
        token,
        id: me["id"].as_i64().expect("id"),
    }
}

/// What the MFA routes write: the TOTP rows, the recovery codes, the audit trail.
async fn stored(db: &DatabaseConnection) -> Vec<String> {
    let mut out = rows(
        db,
        "SELECT user_id, secret, confirmed_at, last_step, created_at FROM auth_mfa_totp ORDER BY user_id",
    )
    .await;
    out.extend(
        rows(
            db,
            "SELECT id, user_id, code_hash, used_at FROM auth_recovery_codes ORDER BY id",
        )
        .await,
    );
    out.extend(audit(db).await);
    out
}

/// The audit trail, oldest first.
async fn audit(db: &DatabaseConnection) -> Vec<String> {
    rows(
        db,
        r#"SELECT tenant, actor, action, target, "before", "after" FROM access_audit ORDER BY id"#,
    )
    .await
}

/// The code an authenticator app shows at `step` for `secret` (base32).
fn code_at(secret: &str, step: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    let t = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("totp");
    t.generate(u64::try_from(step * 30).expect("after 1970"))
        .to_string()
}

fn now() -> i64 {
    access_core::time::now()
}

/// A code no step around now has.
fn wrong_code(secret: &str) -> String {
    let cur = now() / 30;
    let near: Vec<String> = (cur - 2..=cur + 2).map(|s| code_at(secret, s)).collect();
    ["000000", "111111", "222222"]
        .into_iter()
        .find(|c| !near.iter().any(|n| n == c))
        .expect("a wrong code")
        .to_owned()
}

/// A code the server will accept once: the current step or the next, later than the last
/// accepted one (waiting for the next step when both are spent). The current step stays
/// acceptable when the step changes during the request (it is then the previous one).
async fn fresh_code(f: &Fixture, user: &User, secret: &str) -> String {
    loop {
        let sql = format!(
            "SELECT last_step FROM auth_mfa_totp WHERE user_id = {}",
            user.id
        );
        let last: Option<i64> = rows(&f.db, &sql).await.first().and_then(|v| v.parse().ok());
        let cur = now() / 30;
        let step = last.map_or(cur, |l| Ord::max(cur, l + 1));
        if step <= cur + 1 {
            return code_at(secret, step);
        }
        let wait = 30 - now().rem_euclid(30);
        tokio::time::sleep(std::time::Duration::from_millis(
            u64::try_from(wait).expect("positive") * 1000 + 200,
        ))
        .await;
    }
}

/// Starts an enrolment: the base32 secret.
async fn enrol(f: &Fixture, user: &User) -> String {
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp",
        Some(&user.token),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["secret"].as_str().expect("secret").to_owned()
}

/// Enrols and confirms: the secret and the recovery codes.
async fn enable(f: &Fixture, user: &User) -> (String, Vec<String>) {
    let secret = enrol(f, user).await;
    let code = fresh_code(f, user, &secret).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&user.token),
        Some(json!({ "code": code })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (secret, recovery_codes(&body))
}

fn recovery_codes(body: &Value) -> Vec<String> {
    body["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect()
}

async fn factors(f: &Fixture, user: &User) -> Value {
    let (status, body) = send(&f.router, "GET", "/auth/mfa", Some(&user.token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn enrolment_is_confirmed_by_a_right_code_only() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ada = sign_up(&f, "ada@example.com").await;
    assert_eq!(
        factors(&f, &ada).await,
        json!({ "totp": false, "recovery_codes_left": 0 })
    );
    // Signed in, with the password.
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp",
        None,
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp",
        Some(&ada.token),
        Some(json!({ "password": "not the password" })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_password"))
    );
    assert!(stored(&f.db).await.is_empty());

    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp",
        Some(&ada.token),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = body["secret"].as_str().expect("secret").to_owned();
    assert_eq!(first.len(), 32, "160 bits in base32");
    let uri = body["otpauth_uri"].as_str().expect("uri");
    assert!(
        uri.starts_with("otpauth://totp/Access%20Tests:ada%40example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={first}")), "{uri}");
    assert!(uri.contains("issuer=Access%20Tests"), "{uri}");
    assert!(body["qr_svg"].as_str().expect("svg").contains("<svg"));
    // A second start replaces the pending enrolment.
    let secret = enrol(&f, &ada).await;
    assert_ne!(secret, first);
    let pending = stored(&f.db).await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    let columns: Vec<&str> = pending[0].split('|').collect();
    assert_eq!(
        columns[2..4],
        ["", ""],
        "pending: not confirmed, no step spent"
    );
    assert_eq!(factors(&f, &ada).await["totp"], false);

    // Wrong codes, in any shape, change nothing (four: five checks per 15 minutes).
    for code in [
        wrong_code(&secret),
        code_at(&first, now() / 30), // the replaced secret's
        "12345".to_owned(),
        "abcdef".to_owned(),
    ] {
        let (status, body) = send(
            &f.router,
            "POST",
            "/auth/mfa/totp/confirm",
            Some(&ada.token),
            Some(json!({ "code": code })),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_code")),
            "{code}"
        );
        assert_eq!(stored(&f.db).await, pending);
    }

    // The right one: TOTP on, ten recovery codes shown once.
    let code = fresh_code(&f, &ada, &secret).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&ada.token),
        Some(json!({ "code": code })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["enabled"], true);
    let codes = recovery_codes(&body);
    assert_eq!(codes.len(), 10);
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    let sql = format!(
        "SELECT confirmed_at, last_step FROM auth_mfa_totp WHERE user_id = {}",
        ada.id
    );
    let row = rows(&f.db, &sql).await;
    let (confirmed, last) = row[0].split_once('|').expect("two columns");
    assert!(!confirmed.is_empty() && !last.is_empty(), "{row:?}");
    let sql = format!(
        "SELECT code_hash FROM auth_recovery_codes WHERE user_id = {} AND used_at IS NULL",
        ada.id
    );
    let hashes = rows(&f.db, &sql).await;
    assert_eq!(hashes.len(), 10);
    for c in &codes {
        assert!(
            !hashes.iter().any(|h| h.contains(c.as_str())),
            "hashed, not {c}"
        );
    }
    assert_eq!(
        factors(&f, &ada).await,
        json!({ "totp": true, "recovery_codes_left": 10 })
    );
    let trail = audit(&f.db).await;
    assert_eq!(trail.len(), 1);
    assert!(trail[0].contains("|enable_mfa|"), "{trail:?}");

    // Enabled: no new enrolment, no second confirmation, nothing changed.
    let before = stored(&f.db).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp",
        Some(&ada.token),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("mfa_already_enabled"))
    );
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&ada.token),
        Some(json!({ "code": code_at(&secret, now() / 30 + 1) })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("mfa_already_enabled"))
    );
    assert_eq!(stored(&f.db).await, before);
}

#[tokio::test]
async fn confirming_without_an_enrolment_is_409() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let bob = sign_up(&f, "bob@example.com").await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&bob.token),
        Some(json!({ "code": "123456" })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("mfa_not_started"))
    );
    for (method, uri) in [
        ("DELETE", "/auth/mfa/totp"),
        ("POST", "/auth/mfa/recovery-codes"),
    ] {
        let (status, body) = send(
            &f.router,
            method,
            uri,
            Some(&bob.token),
            Some(json!({ "password": PASSWORD, "code": "123456" })),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::CONFLICT, Some("mfa_not_enabled")),
            "{method} {uri}"
        );
    }
    assert!(stored(&f.db).await.is_empty());
}

#[tokio::test]
async fn the_secret_is_not_stored_in_clear() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ada = sign_up(&f, "ada@example.com").await;
    let secret = enrol(&f, &ada).await;
    let raw = totp_rs::Secret::try_from_base32(&secret)
        .expect("base32")
        .as_bytes()
        .to_vec();
    assert_eq!(raw.len(), 20);
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
    let row = rows(
        &f.db,
        "SELECT user_id, secret, confirmed_at, last_step, created_at FROM auth_mfa_totp",
    )
    .await;
    assert_eq!(row.len(), 1);
    let text = row[0].to_lowercase();
    for clear in [secret.to_lowercase(), hex, b64.to_lowercase()] {
        assert!(!text.contains(&clear), "{clear} in {text}");
    }
    // The stored value is base64 of nonce ‖ ciphertext: its bytes do not hold the secret either.
    let stored = row[0].split('|').nth(1).expect("secret column");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .expect("base64");
    assert_eq!(bytes.len(), 12 + 20 + 16, "nonce, ciphertext, tag");
    assert!(!bytes.windows(raw.len()).any(|w| w == raw.as_slice()));
    assert!(!bytes.windows(8).any(|w| w == &raw[..8]));
    // Another key cannot read it: the confirmation fails as a server error, not a wrong code.
    let other = config_builder()
        .mfa(MfaSettings {
            key: std::array::from_fn(|i| i as u8),
            issuer: "Access Tests".into(),
        })
        .build()
        .expect("config");
    let router = AuthState::new(f.db.clone(), other).router();
    let (status, _) = send(
        &router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&ada.token),
        Some(json!({ "code": code_at(&secret, now() / 30) })),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        rows(
            &f.db,
            "SELECT user_id, secret, confirmed_at, last_step, created_at FROM auth_mfa_totp"
        )
        .await,
        row
    );
}

#[tokio::test]
async fn removing_totp_needs_the_password_and_a_code() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ada = sign_up(&f, "ada@example.com").await;
    let (secret, _codes) = enable(&f, &ada).await;
    let before = stored(&f.db).await;
    // Without the password, with a wrong one, with a wrong code: refused, nothing changed.
    let (status, _) = send(
        &f.router,
        "DELETE",
        "/auth/mfa/totp",
        Some(&ada.token),
        Some(json!({ "code": fresh_code(&f, &ada, &secret).await })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = send(
        &f.router,
        "DELETE",
        "/auth/mfa/totp",
        Some(&ada.token),
        Some(
            json!({ "password": "not the password", "code": fresh_code(&f, &ada, &secret).await }),
        ),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_password"))
    );
    // (Two: five code checks per 15 minutes, and the test spends three more.)
    for code in [wrong_code(&secret), "not-a-recovery-code".into()] {
        let (status, body) = send(
            &f.router,
            "DELETE",
            "/auth/mfa/totp",
            Some(&ada.token),
            Some(json!({ "password": PASSWORD, "code": code })),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("wrong_code")),
            "{code}"
        );
    }
    assert_eq!(stored(&f.db).await, before);
    // Without a token.
    let (status, _) = send(
        &f.router,
        "DELETE",
        "/auth/mfa/totp",
        None,
        Some(json!({ "password": PASSWORD, "code": "123456" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Right: TOTP and the recovery codes go.
    let code = fresh_code(&f, &ada, &secret).await;
    let (status, body) = send(
        &f.router,
        "DELETE",
        "/auth/mfa/totp",
        Some(&ada.token),
        Some(json!({ "password": PASSWORD, "code": code })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        rows(&f.db, "SELECT user_id FROM auth_mfa_totp").await.len(),
        0
    );
    assert_eq!(
        rows(&f.db, "SELECT id FROM auth_recovery_codes")
            .await
            .len(),
        0
    );
    assert_eq!(
        factors(&f, &ada).await,
        json!({ "totp": false, "recovery_codes_left": 0 })
    );
    let trail = audit(&f.db).await;
    assert!(
        trail.last().expect("audited").contains("|disable_mfa|"),
        "{trail:?}"
    );
    // A new enrolment may start.
    enable(&f, &ada).await;
}

#[tokio::test]
async fn a_code_is_accepted_once() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ada = sign_up(&f, "ada@example.com").await;
    let (secret, _) = enable(&f, &ada).await;
    // The step the confirmation spent is spent: its code again is refused.
    let sql = format!(
        "SELECT last_step FROM auth_mfa_totp WHERE user_id = {}",
        ada.id
    );
    let spent: i64 = rows(&f.db, &sql).await[0].parse().expect("a step");
    let before = stored(&f.db).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/recovery-codes",
        Some(&ada.token),
        Some(json!({ "password": PASSWORD, "code": code_at(&secret, spent) })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_code"))
    );
    assert_eq!(stored(&f.db).await, before);

    // A fresh code works once; the same code again within its step is refused.
    let code = fresh_code(&f, &ada, &secret).await;
    let body = json!({ "password": PASSWORD, "code": code });
    let (status, first) = send(
        &f.router,
        "POST",
        "/auth/mfa/recovery-codes",
        Some(&ada.token),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let after = stored(&f.db).await;
    let (status, again) = send(
        &f.router,
        "POST",
        "/auth/mfa/recovery-codes",
        Some(&ada.token),
        Some(body),
    )
    .await;
    assert_eq!(
        (status, again["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_code"))
    );
    assert_eq!(stored(&f.db).await, after);
    // So is a code of an earlier step than the last accepted one.
    let last: i64 = rows(&f.db, &sql).await[0].parse().expect("a step");
    assert!(last > spent);
    let (status, _) = send(
        &f.router,
        "DELETE",
        "/auth/mfa/totp",
        Some(&ada.token),
        Some(json!({ "password": PASSWORD, "code": code_at(&secret, last - 1) })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&f.db).await, after);
}

#[tokio::test]
async fn a_code_one_step_early_or_late_is_accepted_two_are_not() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ada = sign_up(&f, "ada@example.com").await;
    let secret = enrol(&f, &ada).await;
    // Away from a step's end, so "the previous step" stays the previous step for the request.
    if now().rem_euclid(30) > 25 {
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    }
    let cur = now() / 30;
    for step in [cur - 2, cur + 2] {
        let (status, _) = send(
            &f.router,
            "POST",
            "/auth/mfa/totp/confirm",
            Some(&ada.token),
            Some(json!({ "code": code_at(&secret, step) })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "step {step}");
    }
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&ada.token),
        Some(json!({ "code": code_at(&secret, cur - 1) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sql = format!(
        "SELECT last_step FROM auth_mfa_totp WHERE user_id = {}",
        ada.id
    );
    assert_eq!(rows(&f.db, &sql).await, [(cur - 1).to_string()]);
    // The next step's code (a fast clock) is accepted too, with spaces as apps show it.
    let code = code_at(&secret, cur + 1);
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/recovery-codes",
        Some(&ada.token),
        Some(json!({ "password": PASSWORD, "code": spaced })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(rows(&f.db, &sql).await, [(cur + 1).to_string()]);
}

#[tokio::test]
async fn regenerated_recovery_codes_replace_the_old_ones() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ada = sign_up(&f, "ada@example.com").await;
    let (_, old) = enable(&f, &ada).await;
    // A recovery code stands in for the app's code (a lost phone): used, audited.
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/recovery-codes",
        Some(&ada.token),
        Some(json!({ "password": PASSWORD, "code": old[0].to_uppercase() })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = recovery_codes(&body);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));
    let trail = audit(&f.db).await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|r| r.split('|').nth(2).expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "enable_mfa",
            "use_recovery_code",
            "regenerate_recovery_codes"
        ]
    );
    let used = &trail[1];
    assert!(
        used.starts_with(&format!("|{}|use_recovery_code|user:{}|", ada.id, ada.id)),
        "{used}"
    );
    assert!(
        used.contains(r#"{"recovery_codes_left":10}|{"recovery_codes_left":9}"#),
        "{used}"
    );
    assert_eq!(
        factors(&f, &ada).await,
        json!({ "totp": true, "recovery_codes_left": 10 })
    );
    let sql = format!(
        "SELECT id FROM auth_recovery_codes WHERE user_id = {}",
        ada.id
    );
    assert_eq!(rows(&f.db, &sql).await.len(), 10, "the old set is gone");

    // The old codes stop working; nothing changes.
    let before = stored(&f.db).await;
    for code in [&old[0], &old[1]] {
        let (status, body) = send(
            &f.router,
            "DELETE",
            "/auth/mfa/totp",
            Some(&ada.token),
            Some(json!({ "password": PASSWORD, "code": code })),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("wrong_code")),
            "{code}"
        );
    }
    assert_eq!(stored(&f.db).await, before);
    // A new one works.
    let (status, _) = send(
        &f.router,
        "DELETE",
        "/auth/mfa/totp",
        Some(&ada.token),
        Some(json!({ "password": PASSWORD, "code": new[3] })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_sixth_code_in_fifteen_minutes_is_429() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ada = sign_up(&f, "ada@example.com").await;
    let bob = sign_up(&f, "bob@example.com").await;
    let secret = enrol(&f, &ada).await;
    let pending = stored(&f.db).await;
    for _ in 0..5 {
        let (status, _) = send(
            &f.router,
            "POST",
            "/auth/mfa/totp/confirm",
            Some(&ada.token),
            Some(json!({ "code": wrong_code(&secret) })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right code: the budget is spent.
    let (status, headers, body) = send_full(
        &f.router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&ada.token),
        Some(json!({ "code": fresh_code(&f, &ada, &secret).await })),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(stored(&f.db).await, pending);
    // Per account: another one is not limited; its endpoints that take a code share its
    // budget.
    let (bob_secret, _) = enable(&f, &bob).await;
    let bob_before = stored(&f.db).await;
    for _ in 0..4 {
        let (status, _) = send(
            &f.router,
            "DELETE",
            "/auth/mfa/totp",
            Some(&bob.token),
            Some(json!({ "password": PASSWORD, "code": wrong_code(&bob_secret) })),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/mfa/recovery-codes",
        Some(&bob.token),
        Some(json!({ "password": PASSWORD, "code": fresh_code(&f, &bob, &bob_secret).await })),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(stored(&f.db).await, bob_before);
}

#[tokio::test]
async fn without_mfa_the_routes_are_not_mounted() {
    if skip() {
        return;
    }
    let f = fixture_with(backend::config()).await;
    let ada = sign_up(&f, "ada@example.com").await;
    for (method, uri) in [
        ("GET", "/auth/mfa"),
        ("POST", "/auth/mfa/totp"),
        ("POST", "/auth/mfa/totp/confirm"),
        ("POST", "/auth/mfa/recovery-codes"),
    ] {
        let (status, _) = send(
            &f.router,
            method,
            uri,
            Some(&ada.token),
            Some(json!({ "password": PASSWORD })),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri}");
    }
}

#[test]
fn mfa_key_comes_from_the_environment_at_32_bytes() {
    use std::collections::HashMap;
    let build = |vars: &[(&str, String)]| {
        let vars: HashMap<&str, String> = vars.iter().cloned().collect();
        config_builder().from_vars(|k| vars.get(k).cloned()).build()
    };
    // Off by default.
    assert!(build(&[]).expect("config").mfa().is_none());
    // 32 bytes, base64 or hex: on, with the issuer given or `access`.
    let raw = key();
    let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let c = build(&[("MFA_KEY", b64.clone())]).expect("config");
    assert_eq!(
        c.mfa().map(|m| (m.key, m.issuer.as_str())),
        Some((raw, "access"))
    );
    let c = build(&[("MFA_KEY", hex), ("MFA_ISSUER", "Example".into())]).expect("config");
    assert_eq!(
        c.mfa().map(|m| (m.key, m.issuer.as_str())),
        Some((raw, "Example"))
    );
    // The key never shows in the configuration's Debug.
    assert!(!format!("{c:?}").contains(&format!("{:?}", &raw[..4])));
    // Short, empty, not base64, one byte repeated: an error naming MFA_KEY, without the value.
    let short = base64::engine::general_purpose::STANDARD.encode(&raw[..16]);
    for bad in [
        short.clone(),
        String::new(),
        "!!not a key!!".into(),
        "AA".repeat(32),
    ] {
        let errors = build(&[("MFA_KEY", bad.clone())]).expect_err("refused");
        assert_eq!(errors.len(), 1, "{errors}");
        assert_eq!(errors[0].var(), Some("MFA_KEY"), "{errors}");
        if !bad.is_empty() {
            assert!(!errors.to_string().contains(&bad), "{errors}");
        }
    }
    let errors = build(&[("MFA_KEY", short)]).expect_err("refused");
    assert!(errors.to_string().contains("32 bytes"), "{errors}");
    assert!(errors.to_string().contains("16 bytes"), "{errors}");
    // An issuer without a key is missing the key; an issuer with `:` is refused.
    let errors = build(&[("MFA_ISSUER", "Example".into())]).expect_err("refused");
    assert_eq!(errors[0].var(), Some("MFA_KEY"));
    let errors = build(&[("MFA_KEY", b64), ("MFA_ISSUER", "a:b".into())]).expect_err("refused");
    assert_eq!(errors[0].var(), Some("MFA_ISSUER"));
    // Set on the builder, the key wins over the environment's.
    let c = config_builder()
        .mfa_key(raw)
        .mfa_issuer("Builder")
        .from_vars(|k| (k == "MFA_KEY").then(|| "short".to_owned()))
        .build()
        .expect("config");
    assert_eq!(c.mfa().map(|m| m.issuer.as_str()), Some("Builder"));
}
