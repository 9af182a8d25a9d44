//! Account self-service through the HTTP stack of an app with organizations: the profile
//! (`PATCH /auth/me`), the password, the address (applied when verified), deleting the account
//! (refused while the last owner); each refusal read back in SQL.

use access_axum::orgs::OrgsConfig;
use axum::http::StatusCode;
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

use super::{Fixture, Outbox, invite_fixture, login, rows, send, sign_up};

const PASSWORD: &str = "correct horse battery";

/// What the account routes write: the users, profiles, sessions, tokens, memberships and
/// invitations.
async fn account_rows(f: &Fixture) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT id, email, username, password_hash, active, email_verified, roles, superuser, password_changed_at FROM auth_users ORDER BY id",
        "SELECT user_id, name, pending_email FROM auth_profiles ORDER BY user_id",
        "SELECT id, user_id, revoked_at FROM auth_sessions ORDER BY id",
        "SELECT session_id, token_hash, rotated_at FROM auth_refresh_tokens ORDER BY token_hash",
        "SELECT user_id, kind, used_at FROM auth_one_time_tokens ORDER BY id",
        "SELECT user_id, res_id, role FROM access_assignments ORDER BY user_id, res_id",
        "SELECT email, status FROM access_invitations ORDER BY id",
    ] {
        out.extend(rows(&f.db, sql).await);
    }
    out
}

async fn me(f: &Fixture, token: &str) -> Value {
    let (status, body) = send(&f.router, "GET", "/auth/me", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn the_profile_changes_and_privileges_never_do() {
    if super::skip() {
        return;
    }
    let (f, _) = invite_fixture(OrgsConfig::default()).await;
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    sign_up(&f, "bob@example.com").await;
    // Registered only: no login recorded yet.
    assert_eq!(me(&f, &ann).await["last_login_at"], Value::Null);

    let (status, body) = send(
        &f.router,
        "PATCH",
        "/auth/me",
        Some(&ann),
        Some(json!({ "name": " Ann Smith ", "username": "Ann.S" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["name"].as_str(), body["username"].as_str()),
        (Some("Ann Smith"), Some("ann.s"))
    );
    assert_eq!(me(&f, &ann).await["name"], "Ann Smith");

    // bob takes a username; ann cannot have it.
    let bob = login(&f, "bob@example.com").await;
    let bob = bob["access_token"].as_str().expect("token");
    let (status, _) = send(
        &f.router,
        "PATCH",
        "/auth/me",
        Some(bob),
        Some(json!({ "username": "bobby" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let before = account_rows(&f).await;
    let refused: [(Value, StatusCode, &str); 8] = [
        (
            json!({ "superuser": true }),
            StatusCode::FORBIDDEN,
            "forbidden_field",
        ),
        (
            json!({ "name": "x", "roles": "admin" }),
            StatusCode::FORBIDDEN,
            "forbidden_field",
        ),
        (
            json!({ "email_verified": true }),
            StatusCode::FORBIDDEN,
            "forbidden_field",
        ),
        (
            json!({ "email": "x@example.com" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "use_change_email",
        ),
        (
            json!({ "password": "another one here" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "use_change_password",
        ),
        (
            json!({ "nickname": "a" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
        ),
        (
            json!({ "username": "a b" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_username",
        ),
        (
            json!({ "username": "bobby" }),
            StatusCode::CONFLICT,
            "username_taken",
        ),
    ];
    for (body, want, code) in refused {
        let (status, got) = send(
            &f.router,
            "PATCH",
            "/auth/me",
            Some(&ann),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, got["error"].as_str()),
            (want, Some(code)),
            "{body} → {got}"
        );
    }
    assert_eq!(account_rows(&f).await, before);
    // A login is recorded.
    let fresh = login(&f, "ann@example.com").await;
    let at = me(&f, fresh["access_token"].as_str().expect("token")).await["last_login_at"].as_i64();
    assert!(at.is_some_and(|t| t > 1_700_000_000), "{at:?}");
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    if super::skip() {
        return;
    }
    let (f, _) = invite_fixture(OrgsConfig::default()).await;
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    let other = login(&f, "ann@example.com").await;
    let other_refresh = other["refresh_token"].as_str().expect("refresh").to_owned();

    let before = account_rows(&f).await;
    for (body, want, code) in [
        (
            json!({ "current_password": "wrong password here", "new_password": "a brand new passphrase" }),
            StatusCode::FORBIDDEN,
            "wrong_password",
        ),
        (
            json!({ "current_password": PASSWORD, "new_password": "short" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
        ),
        (
            json!({ "current_password": PASSWORD }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ] {
        let (status, got) = send(
            &f.router,
            "POST",
            "/auth/password",
            Some(&ann),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, got["error"].as_str()),
            (want, Some(code)),
            "{body} → {got}"
        );
    }
    assert_eq!(account_rows(&f).await, before);

    // A second passes: the sessions are older than the change (refresh refuses those).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/password",
        Some(&ann),
        Some(json!({ "current_password": PASSWORD, "new_password": "a brand new passphrase" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new_access = body["access_token"].as_str().expect("new access token");
    assert_eq!(me(&f, new_access).await["email"], "ann@example.com");
    // The other session is over; the old password no longer opens one.
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": other_refresh })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/login",
        None,
        Some(json!({ "identifier": "ann@example.com", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/login",
        None,
        Some(json!({ "identifier": "ann@example.com", "password": "a brand new passphrase" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // This session's refresh token from the change works.
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": body["refresh_token"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_new_address_applies_once_verified() {
    if super::skip() {
        return;
    }
    let (f, outbox) = invite_fixture(OrgsConfig::default()).await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    sign_up(&f, "bob@example.com").await;

    let before = account_rows(&f).await;
    for (body, want, code) in [
        (
            json!({ "email": "new@example.com", "password": "wrong password here" }),
            StatusCode::FORBIDDEN,
            "wrong_password",
        ),
        (
            json!({ "email": "bob@example.com", "password": PASSWORD }),
            StatusCode::CONFLICT,
            "email_taken",
        ),
        (
            json!({ "email": "ann@example.com", "password": PASSWORD }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "same_email",
        ),
        (
            json!({ "email": "not an address", "password": PASSWORD }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
        ),
    ] {
        let (status, got) = send(
            &f.router,
            "POST",
            "/auth/email",
            Some(&ann),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, got["error"].as_str()),
            (want, Some(code)),
            "{body} → {got}"
        );
    }
    assert_eq!(account_rows(&f).await, before);

    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/email",
        Some(&ann),
        Some(json!({ "email": "Ann.New@example.com", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let token = outbox_token(&outbox, "change_email", "ann.new@example.com").await;
    // The old address is told, with the new one.
    assert_eq!(
        outbox_token(&outbox, "email_changing", "ann@example.com").await,
        "ann.new@example.com"
    );
    // Nothing applies before the new address is verified.
    assert_eq!(me(&f, &ann).await["email"], "ann@example.com");

    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/email/confirm",
        None,
        Some(json!({ "token": token })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        rows(
            &f.db,
            &format!("SELECT email FROM auth_users WHERE id = {ann_id} AND email_verified")
        )
        .await,
        ["ann.new@example.com"]
    );
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/email/confirm",
        None,
        Some(json!({ "token": token })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "single use");
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/login",
        None,
        Some(json!({ "identifier": "ann.new@example.com", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// The newest mail of `kind` to `email`: its third part.
async fn outbox_token(outbox: &Outbox, kind: &str, email: &str) -> String {
    outbox.last(kind, email, None).await
}

#[tokio::test]
async fn deleting_the_account_waits_for_another_owner_and_takes_everything() {
    if super::skip() {
        return;
    }
    let (f, _) = invite_fixture(OrgsConfig::default()).await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    let (bob, bob_id) = sign_up(&f, "bob@example.com").await;
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&ann),
        Some(json!({ "name": "Acme", "id": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs/acme/invitations",
        Some(&ann),
        Some(json!({ "email": "bob@example.com", "role": "member" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // bob's account is to be deleted with the invitation pending for his address.
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&bob),
        Some(json!({ "name": "Bob's", "id": "bobs" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = send(
        &f.router,
        "PUT",
        &format!("/orgs/bobs/members/{ann_id}"),
        Some(&bob),
        Some(json!({ "role": "owner" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "ann is not in bobs yet");

    let before = account_rows(&f).await;
    let (status, body) = send(
        &f.router,
        "DELETE",
        "/auth/me",
        Some(&ann),
        Some(json!({ "password": "wrong password here" })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_password"))
    );
    let (status, body) = send(
        &f.router,
        "DELETE",
        "/auth/me",
        Some(&ann),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("last_owner")),
        "{body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("acme")),
        "{body}"
    );
    assert_eq!(account_rows(&f).await, before);

    // bob owns bobs alone and nothing else: his account goes, with his memberships, sessions
    // and the invitation for his address.
    let (status, body) = send(
        &f.router,
        "DELETE",
        "/auth/me",
        Some(&bob),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("last_owner")),
        "{body}"
    );
    let stores = f.app.authz().stores();
    use access_core::TypedRoles as _;
    stores
        .grant_role(
            &ann_id,
            super::model::resource::Organization::id("bobs"),
            super::model::OrganizationRole::Owner,
        )
        .await
        .expect("ann owns bobs too");
    let (status, body) = send(
        &f.router,
        "DELETE",
        "/auth/me",
        Some(&bob),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for sql in [
        format!("SELECT id FROM auth_users WHERE id = {bob_id}"),
        format!("SELECT id FROM auth_sessions WHERE user_id = {bob_id}"),
        format!("SELECT user_id FROM auth_one_time_tokens WHERE user_id = {bob_id}"),
        format!("SELECT role FROM access_assignments WHERE user_id = '{bob_id}'"),
        "SELECT id FROM access_invitations WHERE email = 'bob@example.com'".to_owned(),
    ] {
        assert!(rows(&f.db, &sql).await.is_empty(), "{sql}");
    }
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/login",
        None,
        Some(json!({ "identifier": "bob@example.com", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // ann's side is untouched.
    assert_eq!(
        rows(&f.db, &format!("SELECT res_id, role FROM access_assignments WHERE user_id = '{ann_id}' ORDER BY res_id")).await,
        ["acme|owner", "bobs|owner"]
    );

    // A role that has expired keeps nobody an owner: cal's lapsed ownership does not hold up
    // her account's deletion.
    let (cal, cal_id) = sign_up(&f, "cal@example.com").await;
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&cal),
        Some(json!({ "name": "Gone", "id": "gone" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    f.db.execute_unprepared(&format!(
        "UPDATE access_assignments SET expires_at = 1 WHERE user_id = '{cal_id}'"
    ))
    .await
    .expect("expire");
    let (status, body) = send(
        &f.router,
        "DELETE",
        "/auth/me",
        Some(&cal),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}
