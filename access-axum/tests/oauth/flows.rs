//! Sign-ins that succeed: a first one creates the user, the next finds it; GitHub and Discord
//! through their presets; a verified address joins its account; linking and unlinking; an
//! account without a password; the second factor after a provider; keys rotated.

use axum::http::StatusCode;
use serde_json::json;

use super::{
    Fixture, PUBLIC, at_provider, back, call, cookie, fixture, location, register, rows, sign_in,
    start, stored, through, user,
};

async fn count(f: &Fixture, sql: &str) -> usize {
    rows(&f.db, sql).await.len()
}

#[tokio::test]
async fn a_first_sign_in_creates_the_user_and_the_next_finds_it() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    f.idp.set_user(user("sub-ann", "Ann@Example.com", true));
    let (status, body) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["access_token"].is_string(),
        "the login's answer: {body}"
    );
    let id = body["user"]["id"].as_i64().expect("a user");
    assert_eq!(body["user"]["email"], "ann@example.com");
    assert_eq!(
        body["user"]["email_verified"], true,
        "the provider verified it"
    );
    assert_eq!(
        rows(
            &f.db,
            "SELECT provider, subject, user_id, email FROM auth_oauth_accounts"
        )
        .await,
        [format!("mock|sub-ann|{id}|ann@example.com")]
    );
    assert_eq!(
        rows(&f.db, "SELECT password_hash FROM auth_users").await,
        ["".to_owned()],
        "no password until the user sets one"
    );
    // Again: the same user, one more session, nothing else.
    let (status, body) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"].as_i64(), Some(id));
    assert_eq!(count(&f, "SELECT id FROM auth_users").await, 1);
    assert_eq!(count(&f, "SELECT id FROM auth_oauth_accounts").await, 1);
    assert_eq!(count(&f, "SELECT id FROM auth_sessions").await, 2);
    // The token works like a password login's.
    let token = body["access_token"].as_str().unwrap();
    let (status, _, me) = call(
        &f,
        "GET",
        "/auth/me",
        &[("authorization", &format!("Bearer {token}"))],
        None,
    )
    .await;
    assert_eq!((status, me["id"].as_i64()), (StatusCode::OK, Some(id)));
}

#[tokio::test]
async fn github_and_discord_sign_in_through_their_presets() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    f.idp.set_user(user("4242", "gus@example.com", true));
    let (status, body) = sign_in(&f, "github").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email"], "gus@example.com");
    assert_eq!(body["user"]["email_verified"], true);
    // Discord, an unverified address: a user whose address waits for verification.
    f.idp.set_user(user("777", "dee@example.com", false));
    let (status, body) = sign_in(&f, "discord").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email"], "dee@example.com");
    assert_eq!(body["user"]["email_verified"], false);
    let mut links = rows(
        &f.db,
        "SELECT provider, subject FROM auth_oauth_accounts ORDER BY provider",
    )
    .await;
    links.sort();
    assert_eq!(links, ["discord|777", "github|4242"]);
}

#[tokio::test]
async fn a_browser_is_sent_where_it_asked_with_the_token_cookies() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    for target in [
        "/projects?tab=mine",
        "https://admin.app.test/users",
        &format!("{PUBLIC}/home"),
    ] {
        let s = start(
            &f,
            "mock",
            &format!("?redirect={}", urlencode(target)),
            None,
        )
        .await;
        assert!(s.authorize.starts_with(&f.idp.issuer()), "{}", s.authorize);
        for param in [
            "code_challenge_method=S256",
            "code_challenge=",
            "state=",
            "nonce=",
        ] {
            assert!(s.authorize.contains(param), "{param} in {}", s.authorize);
        }
        let cb = at_provider(&s.authorize).await;
        let (status, h, body) = back(&f, &cb, Some(&s.browser), false).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(location(&h), target);
        assert!(cookie(&h, "access_token").is_some() && cookie(&h, "refresh_token").is_some());
        assert_eq!(
            cookie(&h, "oauth_flow"),
            None,
            "the binding cookie is cleared"
        );
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_verified_address_joins_the_account_that_verified_it() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    let (_, ann) = register(&f, "ann@example.com").await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &f.db,
        &format!("UPDATE auth_users SET email_verified = true WHERE id = {ann}"),
    )
    .await
    .expect("verified");
    f.idp.set_user(user("sub-ann", "ann@example.com", true));
    let (status, body) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"].as_i64(), Some(ann));
    assert_eq!(count(&f, "SELECT id FROM auth_users").await, 1);
    assert_eq!(
        rows(&f.db, "SELECT user_id FROM auth_oauth_accounts").await,
        [ann.to_string()]
    );
}

#[tokio::test]
async fn a_signed_in_user_links_lists_and_unlinks_providers() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    let (token, ann) = register(&f, "ann@example.com").await;
    f.idp.set_user(user("4242", "elsewhere@example.com", true));
    let (s, cb) = through(&f, "github", "?link=1&redirect=/settings", Some(&token)).await;
    let (status, h, _) = back(&f, &cb, Some(&s.browser), false).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&h), "/settings");
    assert_eq!(cookie(&h, "access_token"), None, "linking signs nobody in");
    assert_eq!(
        rows(
            &f.db,
            "SELECT provider, subject, user_id FROM auth_oauth_accounts"
        )
        .await,
        [format!("github|4242|{ann}")]
    );
    let bearer = format!("Bearer {token}");
    let (status, _, list) = call(
        &f,
        "GET",
        "/auth/oauth/accounts",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["provider"], "github");
    assert_eq!(list["items"][0]["email"], "elsewhere@example.com");
    assert_eq!(list["has_password"], true);
    // The link signs in as ann from now on.
    let (status, body) = sign_in(&f, "github").await;
    assert_eq!(
        (status, body["user"]["id"].as_i64()),
        (StatusCode::OK, Some(ann))
    );
    // ann has a password: the provider may go.
    let (status, _, _) = call(
        &f,
        "DELETE",
        "/auth/oauth/accounts/github",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(count(&f, "SELECT id FROM auth_oauth_accounts").await, 0);
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/auth/oauth/accounts/github",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _, providers) = call(&f, "GET", "/auth/oauth/providers", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        providers["items"][1],
        json!({ "name": "github", "label": "GitHub", "start": "/auth/oauth/github" })
    );
}

#[tokio::test]
async fn an_account_made_by_a_provider_sets_a_password_and_keeps_its_last_way_in() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    f.idp.set_user(user("sub-bo", "bo@example.com", true));
    let (_, body) = sign_in(&f, "mock").await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {token}");
    // No password to log in with: the same refusal as a wrong one.
    let (status, _, body) = call(
        &f,
        "POST",
        "/auth/login",
        &[],
        Some(json!({ "identifier": "bo@example.com", "password": "" })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials")),
        "{body}"
    );
    // The provider is the only way in: it stays.
    let before = stored(&f.db).await;
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/auth/oauth/accounts/mock",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "last_sign_in_method");
    assert_eq!(stored(&f.db).await, before);
    // A password, without a current one (the session is fresh), then the provider may go.
    let (status, _, body) = call(
        &f,
        "POST",
        "/auth/password",
        &[("authorization", &bearer)],
        Some(json!({ "new_password": "a brand new password" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bearer = format!("Bearer {}", body["access_token"].as_str().unwrap());
    let (status, _, _) = call(
        &f,
        "DELETE",
        "/auth/oauth/accounts/mock",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(
        &f,
        "POST",
        "/auth/login",
        &[],
        Some(json!({ "identifier": "bo@example.com", "password": "a brand new password" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_second_factor_is_still_asked_after_a_provider() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    f.idp.set_user(user("sub-mo", "mo@example.com", true));
    let (_, body) = sign_in(&f, "mock").await;
    let bearer = format!("Bearer {}", body["access_token"].as_str().unwrap());
    // Enrol TOTP (no password: the fresh sign-in stands for it).
    let (status, _, body) = call(
        &f,
        "POST",
        "/auth/mfa/totp",
        &[("authorization", &bearer)],
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let secret = totp_rs::Secret::try_from_base32(body["secret"].as_str().unwrap()).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (status, _, body) = call(
        &f,
        "POST",
        "/auth/mfa/totp/confirm",
        &[("authorization", &bearer)],
        Some(json!({ "code": totp.generate(now).to_string() })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sessions = count(&f, "SELECT id FROM auth_sessions").await;
    // A page: the challenge, no tokens.
    let (status, body) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["mfa_required"], true, "{body}");
    assert!(body.get("access_token").is_none());
    // A browser: sent back with the challenge in the fragment, no token cookies.
    let (s, cb) = through(&f, "mock", "?redirect=/home", None).await;
    let (status, h, _) = back(&f, &cb, Some(&s.browser), false).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = location(&h);
    assert!(
        to.starts_with("/home#mfa_challenge=") && to.ends_with("&methods=totp,recovery_code"),
        "{to}"
    );
    assert_eq!(cookie(&h, "access_token"), None);
    assert_eq!(
        count(&f, "SELECT id FROM auth_sessions").await,
        sessions,
        "no session before the factor"
    );
    // The challenge answered with a code signs in.
    let challenge = to
        .split("mfa_challenge=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let (status, _, body) = call(
        &f,
        "POST",
        "/auth/mfa/challenge",
        &[],
        Some(json!({ "challenge": challenge, "code": totp.generate(now + 30).to_string() })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn keys_the_provider_rotates_are_fetched_again_once() {
    if super::skip() {
        return;
    }
    let f = super::fixture_with(|c| {
        c.start_limit(1_000, std::time::Duration::from_secs(300))
            .jwks_refetch_after(std::time::Duration::ZERO)
    })
    .await;
    let (status, _) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(f.idp.jwks_fetches(), 1, "cached between sign-ins");
    f.idp.rotate_key();
    let (status, body) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        f.idp.jwks_fetches(),
        2,
        "the unknown kid fetched the keys again"
    );
}

#[tokio::test]
async fn deleting_the_account_removes_its_links() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    let (token, _) = register(&f, "cy@example.com").await;
    f.idp.set_user(user("sub-cy", "other@example.com", true));
    let (s, cb) = through(&f, "mock", "?link=1", Some(&token)).await;
    let (status, _, _) = back(&f, &cb, Some(&s.browser), true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count(&f, "SELECT id FROM auth_oauth_accounts").await, 1);
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/auth/me",
        &[("authorization", &format!("Bearer {token}"))],
        Some(json!({ "password": super::backend::PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(count(&f, "SELECT id FROM auth_oauth_accounts").await, 0);
    // The provider account is free again: it signs up anew.
    let (status, body) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_address_left_out_of_the_id_token_is_read_from_userinfo() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    f.idp.set_user(user("sub-ui", "ui@example.com", true));
    f.idp.twist_next(access_idp_mock::Twist::NoEmailInIdToken);
    let (status, body) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email"], "ui@example.com");
    assert_eq!(body["user"]["email_verified"], true);
}
