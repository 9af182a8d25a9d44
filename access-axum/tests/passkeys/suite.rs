//! Passkeys through the whole HTTP stack of an [`AuthState`] with a [`PasskeyConfig`], on SQLite
//! (`passkeys_sqlite`) and PostgreSQL (`passkeys_postgres`): real WebAuthn ceremonies answered
//! by a software authenticator, with the stored passkeys and sessions read in SQL before and
//! after every refusal.

use access_axum::AuthState;
use access_axum::auth::PasskeyConfig;
use axum::Router;
use axum::http::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

#[path = "../common/backend.rs"]
mod backend;
use backend::{PASSWORD, config, rows, send, send_raw};

mod authenticator;
use authenticator::Device;

/// Where the pages are served from, and the relying party.
const ORIGIN: &str = "https://app.example.com";
const RP_ID: &str = "example.com";

fn skip() -> bool {
    backend::skip("passkeys", super::BACKEND)
}

struct Fixture {
    router: Router,
    db: DatabaseConnection,
}

async fn fixture() -> Fixture {
    // Why each refusal was made: `RUST_LOG=access::auth=debug`.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let db = backend::database("passkeys", super::BACKEND).await;
    access_axum::migrate(&db).await.expect("migrate");
    let passkeys = PasskeyConfig::new(RP_ID, "Example", ORIGIN).expect("passkey config");
    let state = AuthState::new(db.clone(), config()).with_passkeys(passkeys);
    Fixture {
        router: state.router(),
        db,
    }
}

/// Registers `email`: its access token and user id.
async fn sign_up(f: &Fixture, email: &str) -> (String, i64) {
    let body = json!({ "email": email, "password": PASSWORD });
    let (status, body) = send(&f.router, "POST", "/auth/register", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (_, me) = send(&f.router, "GET", "/auth/me", Some(&token), None).await;
    (token, me["id"].as_i64().expect("id"))
}

/// Starts a registration: the ceremony id and the options.
async fn register_start(f: &Fixture, token: &str) -> (String, Value) {
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/passkeys/register/start",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["ceremony"].as_str().expect("ceremony").to_owned(),
        body["options"].clone(),
    )
}

/// Registers a passkey of `device` (named `name`, if given): the finish's answer.
async fn register(
    f: &Fixture,
    token: &str,
    device: &mut Device,
    name: Option<&str>,
) -> (StatusCode, Value) {
    let (ceremony, options) = register_start(f, token).await;
    let credential = device.register(ORIGIN, &options);
    let mut body = json!({ "ceremony": ceremony, "credential": credential });
    if let Some(n) = name {
        body["name"] = n.into();
    }
    send(
        &f.router,
        "POST",
        "/auth/passkeys/register/finish",
        Some(token),
        Some(body),
    )
    .await
}

/// Starts a discoverable sign-in: the ceremony id and the options.
async fn login_start(f: &Fixture) -> (String, Value) {
    let (status, body) = send(&f.router, "POST", "/auth/passkeys/login/start", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["ceremony"].as_str().expect("ceremony").to_owned(),
        body["options"].clone(),
    )
}

/// The finish body of a sign-in by `device` signing for `origin`.
async fn signed_login(f: &Fixture, device: &mut Device, origin: &str) -> Value {
    let (ceremony, options) = login_start(f).await;
    json!({ "ceremony": ceremony, "credential": device.sign_in(origin, &options) })
}

async fn login_finish(f: &Fixture, body: &Value) -> (StatusCode, Value) {
    send(
        &f.router,
        "POST",
        "/auth/passkeys/login/finish",
        None,
        Some(body.clone()),
    )
    .await
}

/// The `mfa` claim of an access token (when the session last passed a second factor).
fn mfa_claim(token: &str) -> Option<i64> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    let claims: Value = serde_json::from_slice(&bytes).expect("claims");
    claims["mfa"].as_i64()
}

/// Whether the account of `token` lists a passkey.
async fn has_passkey(f: &Fixture, token: &str) -> bool {
    let (status, body) = send(&f.router, "GET", "/auth/passkeys", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["passkeys"]
        .as_array()
        .is_some_and(|items| !items.is_empty())
}

/// Starts a step-up with a passkey for the account of `token`: the ceremony and the options.
async fn step_up_start(f: &Fixture, token: &str) -> (String, Value) {
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/mfa/step-up/passkey",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["ceremony"].as_str().expect("ceremony").to_owned(),
        body["options"].clone(),
    )
}

/// Answers a step-up with `credential`: whether it passed (200), or not (401 `wrong_code`).
async fn step_up_finish(f: &Fixture, token: &str, ceremony: &str, credential: &Value) -> bool {
    let body = json!({ "passkey": { "ceremony": ceremony, "credential": credential } });
    let (status, answer) = send(
        &f.router,
        "POST",
        "/auth/mfa/step-up",
        Some(token),
        Some(body),
    )
    .await;
    match status {
        StatusCode::OK => {
            assert!(answer["access_token"].is_string(), "{answer}");
            true
        }
        StatusCode::UNAUTHORIZED => {
            assert_eq!(answer["error"], "wrong_code", "{answer}");
            false
        }
        _ => panic!("a step-up answered {status}: {answer}"),
    }
}

/// The stored passkeys and sessions, every column.
async fn stored(db: &DatabaseConnection) -> Vec<String> {
    let mut out = rows(
        db,
        "SELECT id, user_id, credential_id, user_handle, passkey, name, created_at, last_used_at FROM auth_passkeys ORDER BY id",
    )
    .await;
    out.extend(
        rows(
            db,
            "SELECT id, user_id, created_at, expires_at, revoked_at FROM auth_sessions ORDER BY id",
        )
        .await,
    );
    out
}

/// The signature counter stored with passkey `id`.
async fn counter(db: &DatabaseConnection, id: i64) -> u64 {
    let row = rows(
        db,
        &format!("SELECT passkey FROM auth_passkeys WHERE id = {id}"),
    )
    .await;
    let key: Value = serde_json::from_str(&row[0]).expect("stored passkey");
    key["cred"]["counter"].as_u64().expect("counter")
}

fn assert_refused(status: StatusCode, body: &Value, code: &str) {
    let expected = match code {
        "invalid_ceremony" => StatusCode::BAD_REQUEST,
        "passkey_rejected" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    assert_eq!(
        (status, body["error"].as_str()),
        (expected, Some(code)),
        "{body}"
    );
}

#[tokio::test]
async fn registering_listing_and_deleting_passkeys() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    assert!(!has_passkey(&f, &ann).await);

    let (_, options) = register_start(&f, &ann).await;
    let sel = &options["publicKey"]["authenticatorSelection"];
    assert_eq!(sel["residentKey"], "required", "{options}");
    assert_eq!(sel["requireResidentKey"], true);
    assert_eq!(sel["userVerification"], "required");
    assert_eq!(options["publicKey"]["rp"]["id"], RP_ID);

    let mut phone = Device::new();
    let (status, first) = register(&f, &ann, &mut phone, Some(" Phone ")).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["name"], "Phone");
    assert!(first["created_at"].as_i64().is_some());
    let mut key = Device::new();
    let (status, second) = register(&f, &ann, &mut key, None).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["name"], "Passkey 2");
    assert!(has_passkey(&f, &ann).await);

    // Stored: the owner, one credential id each, the user handle they share.
    let stored_rows = rows(
        &f.db,
        "SELECT user_id, credential_id, user_handle, name, last_used_at FROM auth_passkeys ORDER BY id",
    )
    .await;
    assert_eq!(stored_rows.len(), 2);
    let fields: Vec<Vec<&str>> = stored_rows.iter().map(|r| r.split('|').collect()).collect();
    assert_eq!(fields[0][0], ann_id.to_string());
    assert_ne!(fields[0][1], fields[1][1]);
    assert_eq!(fields[0][2], fields[1][2]);
    assert_eq!((fields[0][3], fields[0][4]), ("Phone", ""));

    let (status, list) = send(&f.router, "GET", "/auth/passkeys", Some(&ann), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list,
        json!({ "passkeys": [
            { "id": first["id"], "name": "Phone", "created_at": first["created_at"], "last_used_at": null },
            { "id": second["id"], "name": "Passkey 2", "created_at": second["created_at"], "last_used_at": null },
        ] })
    );

    // A new registration excludes the credentials the account has.
    let (_, options) = register_start(&f, &ann).await;
    let excluded = options["publicKey"]["excludeCredentials"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(excluded, 2);

    let uri = format!("/auth/passkeys/{}", first["id"]);
    let (status, _) = send(&f.router, "DELETE", &uri, Some(&ann), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(&f.router, "DELETE", &uri, Some(&ann), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = send(&f.router, "DELETE", "/auth/passkeys/x", Some(&ann), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = send(&f.router, "GET", "/auth/passkeys", Some(&ann), None).await;
    assert_eq!(list["passkeys"].as_array().map(Vec::len), Some(1));

    // Signed out: nothing.
    let (status, _) = send(&f.router, "GET", "/auth/passkeys", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/passkeys/register/start",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Deleting the account takes its passkeys along.
    let (status, body) = send(
        &f.router,
        "DELETE",
        "/auth/me",
        Some(&ann),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    assert!(rows(&f.db, "SELECT id FROM auth_passkeys").await.is_empty());
}

#[tokio::test]
async fn signing_in_with_a_passkey_issues_the_tokens_of_a_login() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    let mut phone = Device::new();
    let (status, reg) = register(&f, &ann, &mut phone, Some("Phone")).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let id = reg["id"].as_i64().expect("id");

    let (_, options) = login_start(&f).await;
    // Discoverable: no credential listed, user verification required, the page picks mediation.
    let allowed = options["publicKey"]["allowCredentials"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(allowed, 0, "{options}");
    assert_eq!(options["publicKey"]["userVerification"], "required");
    assert!(options.get("mediation").is_none());

    let sessions_before = rows(&f.db, "SELECT id FROM auth_sessions").await.len();
    let body = signed_login(&f, &mut phone, ORIGIN).await;
    let (status, tokens) = login_finish(&f, &body).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["user"]["id"], ann_id);
    assert!(tokens["refresh_token"].as_str().is_some());
    let access = tokens["access_token"].as_str().expect("access token");
    let (status, me) = send(&f.router, "GET", "/auth/me", Some(access), None).await;
    assert_eq!((status, me["id"].as_i64()), (StatusCode::OK, Some(ann_id)));
    // A passkey with user verification is two factors: the session counts as verified.
    assert!(
        mfa_claim(access).is_some(),
        "a passkey sign-in carries the mfa claim"
    );
    assert_eq!(
        rows(&f.db, "SELECT id FROM auth_sessions").await.len(),
        sessions_before + 1
    );
    let session = tokens["session_id"].as_str().expect("session");
    assert_eq!(
        rows(
            &f.db,
            &format!("SELECT user_id FROM auth_sessions WHERE id = '{session}'")
        )
        .await,
        [ann_id.to_string()]
    );

    // The counter and the last use are recorded, and move on with each sign-in.
    assert_eq!(counter(&f.db, id).await, 1);
    let (_, list) = send(&f.router, "GET", "/auth/passkeys", Some(access), None).await;
    assert!(
        list["passkeys"][0]["last_used_at"].as_i64().is_some(),
        "{list}"
    );
    let body = signed_login(&f, &mut phone, ORIGIN).await;
    let (status, _) = login_finish(&f, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counter(&f.db, id).await, 2);
}

#[tokio::test]
async fn an_assertion_for_another_origin_is_refused() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    let mut phone = Device::new();

    // Registration signed on another page of the same domain: nothing stored.
    let (ceremony, options) = register_start(&f, &ann).await;
    let credential = phone.register("https://other.example.com", &options);
    let before = stored(&f.db).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/passkeys/register/finish",
        Some(&ann),
        Some(json!({ "ceremony": ceremony, "credential": credential })),
    )
    .await;
    assert_refused(status, &body, "passkey_rejected");
    assert_eq!(stored(&f.db).await, before);

    let mut phone = Device::new();
    let (status, _) = register(&f, &ann, &mut phone, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = stored(&f.db).await;
    let (ceremony, options) = login_start(&f).await;
    let phished = json!({
        "ceremony": ceremony,
        "credential": phone.sign_in("https://login.example.com", &options),
    });
    let (status, body) = login_finish(&f, &phished).await;
    assert_refused(status, &body, "passkey_rejected");
    assert_eq!(stored(&f.db).await, before);
    // The refusal used the ceremony up: a good answer to it no longer counts.
    let good = json!({ "ceremony": ceremony, "credential": phone.sign_in(ORIGIN, &options) });
    let (status, body) = login_finish(&f, &good).await;
    assert_refused(status, &body, "invalid_ceremony");
    assert_eq!(stored(&f.db).await, before);
}

#[tokio::test]
async fn a_replayed_assertion_is_refused() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    let mut phone = Device::new();
    let (status, _) = register(&f, &ann, &mut phone, None).await;
    assert_eq!(status, StatusCode::CREATED);

    let body = signed_login(&f, &mut phone, ORIGIN).await;
    let (status, _) = login_finish(&f, &body).await;
    assert_eq!(status, StatusCode::OK);
    let before = stored(&f.db).await;
    let (status, again) = login_finish(&f, &body).await;
    assert_refused(status, &again, "invalid_ceremony");
    assert_eq!(stored(&f.db).await, before);

    // The same assertion on a new ceremony: signed over another challenge.
    let (ceremony, _) = login_start(&f).await;
    let moved = json!({ "ceremony": ceremony, "credential": body["credential"] });
    let (status, again) = login_finish(&f, &moved).await;
    assert_refused(status, &again, "passkey_rejected");
    assert_eq!(stored(&f.db).await, before);

    // A registration's finish, twice.
    let mut key = Device::new();
    let (ceremony, options) = register_start(&f, &ann).await;
    let finish = json!({ "ceremony": ceremony, "credential": key.register(ORIGIN, &options) });
    let uri = "/auth/passkeys/register/finish";
    let (status, _) = send(&f.router, "POST", uri, Some(&ann), Some(finish.clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = stored(&f.db).await;
    let (status, again) = send(&f.router, "POST", uri, Some(&ann), Some(finish)).await;
    assert_refused(status, &again, "invalid_ceremony");
    assert_eq!(stored(&f.db).await, before);
}

#[tokio::test]
async fn a_cloned_authenticator_is_refused() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    let mut phone = Device::new();
    let (status, reg) = register(&f, &ann, &mut phone, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = reg["id"].as_i64().expect("id");
    let mut clone = phone.clone_keys();

    let body = signed_login(&f, &mut phone, ORIGIN).await;
    let (status, _) = login_finish(&f, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counter(&f.db, id).await, 1);

    // The copy signs with the counter the original had: not above the stored one.
    let before = stored(&f.db).await;
    let body = signed_login(&f, &mut clone, ORIGIN).await;
    let (status, refused) = login_finish(&f, &body).await;
    assert_refused(status, &refused, "passkey_rejected");
    assert_eq!(stored(&f.db).await, before);

    // The original goes on; the copy, a step behind again, fails as a second factor too.
    let body = signed_login(&f, &mut phone, ORIGIN).await;
    let (status, _) = login_finish(&f, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counter(&f.db, id).await, 2);
    let before = stored(&f.db).await;
    let (ceremony, options) = step_up_start(&f, &ann).await;
    let credential = clone.sign_in(ORIGIN, &options);
    let passed = step_up_finish(&f, &ann, &ceremony, &credential).await;
    assert!(!passed);
    assert_eq!(stored(&f.db).await, before);
    let credential = phone.sign_in(ORIGIN, &options);
    let passed = step_up_finish(&f, &ann, &ceremony, &credential).await;
    assert!(passed);
    assert_eq!(counter(&f.db, id).await, 3);
}

#[tokio::test]
async fn another_users_credential_is_not_theirs() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    let (bob, _) = sign_up(&f, "bob@example.com").await;
    let mut ann_phone = Device::new();
    let mut bob_phone = Device::new();
    let (status, ann_key) = register(&f, &ann, &mut ann_phone, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = register(&f, &bob, &mut bob_phone, None).await;
    assert_eq!(status, StatusCode::CREATED);

    // Ann's second factor, answered by Bob's passkey over the same challenge.
    let (ceremony, options) = step_up_start(&f, &ann).await;
    let listed = options["publicKey"]["allowCredentials"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(listed, 1, "Ann's credentials only: {options}");
    let mut any = options.clone();
    any["publicKey"]["allowCredentials"] = json!([]);
    let bobs = bob_phone.sign_in(ORIGIN, &any);
    let ceremonies = "SELECT id, kind, user_id, used_at FROM auth_webauthn_ceremonies ORDER BY id";
    let before = (stored(&f.db).await, rows(&f.db, ceremonies).await);
    let passed = step_up_finish(&f, &ann, &ceremony, &bobs).await;
    assert!(!passed);
    // Bob's own ceremony does not take it either.
    let passed = step_up_finish(&f, &bob, &ceremony, &bobs).await;
    assert!(!passed);
    // Nothing written, the ceremony still open.
    assert_eq!((stored(&f.db).await, rows(&f.db, ceremonies).await), before);
    assert!(!step_up_finish(&f, &ann, &ceremony, &json!({ "id": "garbage" })).await);

    // Ann's own answer passes, once.
    let hers = ann_phone.sign_in(ORIGIN, &options);
    assert!(step_up_finish(&f, &ann, &ceremony, &hers).await);
    let after = stored(&f.db).await;
    assert!(!step_up_finish(&f, &ann, &ceremony, &hers).await);
    assert_eq!(stored(&f.db).await, after);
    // A login ceremony is not a second factor's.
    let (login, login_options) = login_start(&f).await;
    let signed = ann_phone.sign_in(ORIGIN, &login_options);
    assert!(!step_up_finish(&f, &ann, &login, &signed).await);

    // Bob may not delete Ann's passkey: it is not found.
    let uri = format!("/auth/passkeys/{}", ann_key["id"]);
    let before = stored(&f.db).await;
    let (status, body) = send(&f.router, "DELETE", &uri, Some(&bob), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(stored(&f.db).await, before);
    // Nor finish Ann's registration.
    let (ceremony, options) = register_start(&f, &ann).await;
    let credential = Device::new().register(ORIGIN, &options);
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/passkeys/register/finish",
        Some(&bob),
        Some(json!({ "ceremony": ceremony, "credential": credential })),
    )
    .await;
    assert_refused(status, &body, "invalid_ceremony");
    assert_eq!(stored(&f.db).await, before);

    // Bob's credential presented as Ann's (her user handle): refused.
    let mut body = signed_login(&f, &mut bob_phone, ORIGIN).await;
    let ann_handle = rows(
        &f.db,
        &format!("SELECT user_handle FROM auth_passkeys WHERE user_id = {ann_id}"),
    )
    .await[0]
        .clone();
    let handle = webauthn_rs::prelude::Uuid::parse_str(&ann_handle).expect("uuid");
    body["credential"]["response"]["userHandle"] = serde_json::to_value(
        webauthn_rs::prelude::Base64UrlSafeData::from(handle.as_bytes().to_vec()),
    )
    .expect("handle");
    let (status, refused) = login_finish(&f, &body).await;
    assert_refused(status, &refused, "passkey_rejected");
    assert_eq!(stored(&f.db).await, before);
}

#[tokio::test]
async fn an_expired_ceremony_is_refused() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    let mut phone = Device::new();
    let expire = "UPDATE auth_webauthn_ceremonies SET expires_at = 0";

    let (ceremony, options) = register_start(&f, &ann).await;
    let credential = phone.register(ORIGIN, &options);
    f.db.execute_unprepared(expire).await.expect("expire");
    let before = stored(&f.db).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/passkeys/register/finish",
        Some(&ann),
        Some(json!({ "ceremony": ceremony, "credential": credential })),
    )
    .await;
    assert_refused(status, &body, "invalid_ceremony");
    assert_eq!(stored(&f.db).await, before);

    let mut phone = Device::new();
    let (status, _) = register(&f, &ann, &mut phone, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let body = signed_login(&f, &mut phone, ORIGIN).await;
    f.db.execute_unprepared(expire).await.expect("expire");
    let before = stored(&f.db).await;
    let (status, refused) = login_finish(&f, &body).await;
    assert_refused(status, &refused, "invalid_ceremony");
    assert_eq!(stored(&f.db).await, before);
    // An unknown one answers the same.
    let unknown = json!({ "ceremony": "nope", "credential": body["credential"] });
    let (status, refused) = login_finish(&f, &unknown).await;
    assert_refused(status, &refused, "invalid_ceremony");
}

#[tokio::test]
async fn a_removed_passkey_or_an_inactive_account_does_not_sign_in() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    let mut phone = Device::new();
    let (status, reg) = register(&f, &ann, &mut phone, None).await;
    assert_eq!(status, StatusCode::CREATED);

    f.db.execute_unprepared(&format!(
        "UPDATE auth_users SET active = false WHERE id = {ann_id}"
    ))
    .await
    .expect("deactivate");
    let before = stored(&f.db).await;
    let body = signed_login(&f, &mut phone, ORIGIN).await;
    let (status, refused) = login_finish(&f, &body).await;
    assert_refused(status, &refused, "passkey_rejected");
    assert_eq!(stored(&f.db).await, before);
    f.db.execute_unprepared(&format!(
        "UPDATE auth_users SET active = true WHERE id = {ann_id}"
    ))
    .await
    .expect("activate");

    // A credential registered to no one (deleted here).
    let uri = format!("/auth/passkeys/{}", reg["id"]);
    let (status, _) = send(&f.router, "DELETE", &uri, Some(&ann), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let before = stored(&f.db).await;
    let body = signed_login(&f, &mut phone, ORIGIN).await;
    let (status, refused) = login_finish(&f, &body).await;
    assert_refused(status, &refused, "passkey_rejected");
    assert_eq!(stored(&f.db).await, before);
}

#[tokio::test]
async fn malformed_bodies_are_refused_in_json() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    let before = stored(&f.db).await;
    let (ceremony, _) = login_start(&f).await;
    for credential in [json!({ "id": 1 }), json!("text"), json!(null)] {
        let body = json!({ "ceremony": ceremony, "credential": credential });
        let (status, refused) = login_finish(&f, &body).await;
        assert_refused(status, &refused, "invalid_credential");
    }
    let (status, refused) = login_finish(&f, &json!({ "credential": {} })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["error"].is_string());
    let (status, refused) = send_raw(
        &f.router,
        "POST",
        "/auth/passkeys/login/finish",
        None,
        Some(("application/json", "{ not json".into())),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    assert!(refused["error"].is_string(), "{refused}");

    let (ceremony, _) = register_start(&f, &ann).await;
    let uri = "/auth/passkeys/register/finish";
    let body = json!({ "ceremony": ceremony, "credential": { "rawId": [] } });
    let (status, refused) = send(&f.router, "POST", uri, Some(&ann), Some(body)).await;
    assert_refused(status, &refused, "invalid_credential");
    let long = "x".repeat(65);
    let body = json!({ "ceremony": ceremony, "name": long, "credential": {} });
    let (status, refused) = send(&f.router, "POST", uri, Some(&ann), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(stored(&f.db).await, before);
}

#[tokio::test]
async fn signing_in_is_rate_limited() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let body = json!({ "ceremony": "nope", "credential": {} });
    for _ in 0..10 {
        let (status, _) = login_finish(&f, &body).await;
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    let (status, refused) = login_finish(&f, &body).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}");
    assert_eq!(refused["error"], "rate_limited");
}

#[tokio::test]
async fn without_a_passkey_config_there_are_no_passkey_routes() {
    if skip() {
        return;
    }
    let db = backend::database("passkeys", super::BACKEND).await;
    access_axum::migrate(&db).await.expect("migrate");
    let router: Router = AuthState::new(db, config()).router();
    let (status, _) = send(&router, "POST", "/auth/passkeys/login/start", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The code of the base32 `secret` at time step `step` (SHA-1, 6 digits, 30 s).
fn totp_code(secret: &str, step: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    let t = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("totp");
    t.generate(u64::try_from(step * 30).expect("after 1970"))
        .to_string()
}

#[tokio::test]
async fn a_passkey_answers_a_login_challenge() {
    if skip() {
        return;
    }
    let db = backend::database("passkeys", super::BACKEND).await;
    access_axum::migrate(&db).await.expect("migrate");
    let config = backend::config_builder()
        .mfa(access_axum::config::MfaSettings {
            key: std::array::from_fn(|i| (i as u8).wrapping_mul(29).wrapping_add(11)),
            issuer: "Tests".into(),
        })
        .build()
        .expect("config");
    let passkeys = PasskeyConfig::new(RP_ID, "Example", ORIGIN).expect("passkey config");
    let state = AuthState::new(db.clone(), config).with_passkeys(passkeys);
    let f = Fixture {
        router: state.router(),
        db,
    };
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    let mut phone = Device::new();
    let (status, _) = register(&f, &ann, &mut phone, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let (bob, _) = sign_up(&f, "bob@example.com").await;
    let mut bob_phone = Device::new();
    let (status, _) = register(&f, &bob, &mut bob_phone, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, started) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp",
        Some(&ann),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let secret = started["secret"].as_str().expect("secret");
    let now = access_core::time::now() / 30;
    let (status, done) = send(
        &f.router,
        "POST",
        "/auth/mfa/totp/confirm",
        Some(&ann),
        Some(json!({ "code": totp_code(secret, now) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");

    // The password opens a challenge that a passkey answers.
    let login = json!({ "identifier": "ann@example.com", "password": PASSWORD });
    let (status, body) = send(&f.router, "POST", "/auth/login", None, Some(login)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["methods"], json!(["totp", "recovery_code", "passkey"]));
    let challenge = body["challenge"].as_str().expect("challenge");
    let (status, started) = send(
        &f.router,
        "POST",
        "/auth/mfa/challenge/passkey",
        None,
        Some(json!({ "challenge": challenge })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let ceremony = started["ceremony"].as_str().expect("ceremony");
    // Another device's answer is not hers: refused, the challenge still open.
    let mut any = started["options"].clone();
    any["publicKey"]["allowCredentials"] = json!([]);
    let foreign = bob_phone.sign_in(ORIGIN, &any);
    let wrong = json!({ "challenge": challenge, "passkey": { "ceremony": ceremony, "credential": foreign } });
    let before = stored(&f.db).await;
    let (status, body) = send(&f.router, "POST", "/auth/mfa/challenge", None, Some(wrong)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wrong_code")),
        "{body}"
    );
    assert_eq!(stored(&f.db).await, before);
    let credential = phone.sign_in(ORIGIN, &started["options"]);
    let answer = json!({ "challenge": challenge, "passkey": { "ceremony": ceremony, "credential": credential } });
    let (status, tokens) = send(&f.router, "POST", "/auth/mfa/challenge", None, Some(answer)).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().expect("access token");
    assert!(mfa_claim(access).is_some());
}
