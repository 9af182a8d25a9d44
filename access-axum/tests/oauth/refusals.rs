//! Sign-ins that are refused, and how: each creates no user, no link and no session (read back
//! in SQL), and answers a status and a code that say what happened without the provider's words.

use std::time::Duration;

use access_idp_mock::Twist;
use axum::http::StatusCode;

use super::{
    Fixture, at_provider, back, call, fixture, fixture_with, register, sign_in, start, stored,
    through, user,
};

/// The callback's refusal for the flow `s` and the callback `cb`, with `browser`; asserts that
/// nothing was written.
async fn refused(f: &Fixture, cb: &str, browser: Option<&str>) -> (StatusCode, String) {
    let before = stored(&f.db).await;
    let (status, _, body) = back(f, cb, browser, true).await;
    assert_eq!(
        stored(&f.db).await,
        before,
        "a refusal writes nothing: {body}"
    );
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// `cb` with its `state` parameter replaced by `state` (or removed).
fn with_state(cb: &str, state: Option<&str>) -> String {
    let (path, query) = cb.split_once('?').expect("a query");
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.starts_with("state="))
        .map(str::to_owned)
        .collect();
    if let Some(s) = state {
        parts.push(format!("state={s}"));
    }
    format!("{path}?{}", parts.join("&"))
}

#[tokio::test]
async fn a_state_missing_wrong_reused_or_from_another_browser_is_refused() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    let (s, cb) = through(&f, "mock", "", None).await;
    let bad_state = "invalid_state".to_owned();
    for (what, uri, browser) in [
        ("missing", with_state(&cb, None), Some(s.browser.as_str())),
        (
            "wrong",
            with_state(&cb, Some("not-the-state")),
            Some(s.browser.as_str()),
        ),
        ("no browser cookie", cb.clone(), None),
    ] {
        assert_eq!(
            refused(&f, &uri, browser).await,
            (StatusCode::BAD_REQUEST, bad_state.clone()),
            "{what}"
        );
    }
    // The cookie-less attempt used the flow up: even the right browser cannot finish it now.
    assert_eq!(
        refused(&f, &cb, Some(&s.browser)).await,
        (StatusCode::BAD_REQUEST, bad_state.clone()),
        "used"
    );
    // Another browser's cookie; then a finished flow's callback again.
    let s = start(&f, "mock", "", None).await;
    let other = start(&f, "mock", "", None).await;
    let cb = at_provider(&s.authorize).await;
    assert_eq!(
        refused(&f, &cb, Some(&other.browser)).await,
        (StatusCode::BAD_REQUEST, bad_state.clone())
    );
    let (s, cb) = through(&f, "mock", "", None).await;
    let (status, _, _) = back(&f, &cb, Some(&s.browser), true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        refused(&f, &cb, Some(&s.browser)).await,
        (StatusCode::BAD_REQUEST, bad_state)
    );
}

#[tokio::test]
async fn a_code_used_once_is_refused_the_second_time() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    let s = start(&f, "mock", "", None).await;
    let first = at_provider(&s.authorize).await;
    let (status, _, _) = back(&f, &first, Some(&s.browser), true).await;
    assert_eq!(status, StatusCode::OK);
    // A new flow, the old code: the provider refuses it.
    let s2 = start(&f, "mock", "", None).await;
    let state2 = s2
        .authorize
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let replay = with_state(&first, Some(&state2));
    assert_eq!(
        refused(&f, &replay, Some(&s2.browser)).await,
        (StatusCode::BAD_REQUEST, "oauth_failed".to_owned())
    );
}

#[tokio::test]
async fn an_id_token_that_does_not_verify_signs_nobody_in() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    // Warm the key cache: a made-up key id must not fetch the keys again within the interval.
    let (status, _) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK);
    let fetched = f.idp.jwks_fetches();
    let before = stored(&f.db).await;
    for twist in [
        Twist::WrongAud,
        Twist::WrongIss,
        Twist::Expired,
        Twist::AlgNone,
        Twist::OtherKey,
        Twist::OtherKeySameKid,
        Twist::WrongNonce,
        Twist::NoIdToken,
    ] {
        f.idp.twist_next(twist);
        let (s, cb) = through(&f, "mock", "", None).await;
        let (status, _, body) = back(&f, &cb, Some(&s.browser), true).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_id_token")),
            "{twist:?}: {body}"
        );
        let message = body["message"].as_str().unwrap();
        assert!(
            !message.contains("aud") && !message.contains("nonce"),
            "no verifier internals: {message}"
        );
    }
    assert_eq!(stored(&f.db).await, before);
    assert_eq!(
        f.idp.jwks_fetches(),
        fetched,
        "made-up key ids fetch nothing within 10 s"
    );
}

#[tokio::test]
async fn a_provider_that_refuses_or_fails_signs_nobody_in() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    f.idp.deny_next();
    let (s, cb) = through(&f, "mock", "", None).await;
    assert!(cb.contains("error=access_denied"), "{cb}");
    assert_eq!(
        refused(&f, &cb, Some(&s.browser)).await,
        (StatusCode::FORBIDDEN, "access_denied".to_owned())
    );
    f.idp.fail_next_token();
    let (s, cb) = through(&f, "github", "", None).await;
    assert_eq!(
        refused(&f, &cb, Some(&s.browser)).await,
        (StatusCode::BAD_REQUEST, "oauth_failed".to_owned())
    );
}

#[tokio::test]
async fn an_address_is_linked_only_when_both_sides_verified_it() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    // ann's own address is not verified: the provider's word does not take her account.
    let (_, ann) = register(&f, "ann@example.com").await;
    f.idp.set_user(user("sub-x", "ann@example.com", true));
    let (s, cb) = through(&f, "mock", "", None).await;
    let (status, code) = refused(&f, &cb, Some(&s.browser)).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "link_required")
    );
    // Verified here, unverified there: refused too.
    sea_orm::ConnectionTrait::execute_unprepared(
        &f.db,
        &format!("UPDATE auth_users SET email_verified = true WHERE id = {ann}"),
    )
    .await
    .expect("verified");
    f.idp.set_user(user("sub-x", "ann@example.com", false));
    let (s, cb) = through(&f, "discord", "", None).await;
    let (status, code) = refused(&f, &cb, Some(&s.browser)).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "link_required")
    );
}

#[tokio::test]
async fn a_provider_account_links_to_one_user_only() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    f.idp.set_user(user("sub-z", "zed@example.com", true));
    let (status, _) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK);
    let (token, _) = register(&f, "amy@example.com").await;
    let (s, cb) = through(&f, "mock", "?link=1", Some(&token)).await;
    let (status, code) = refused(&f, &cb, Some(&s.browser)).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "linked_elsewhere")
    );
}

#[tokio::test]
async fn the_start_refuses_open_redirects_strangers_and_floods() {
    if super::skip() {
        return;
    }
    let f = fixture_with(|c| c.start_limit(10, Duration::from_secs(300))).await;
    let before = stored(&f.db).await;
    for target in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://app.test.evil.example/",
    ] {
        let (status, _, body) = call(
            &f,
            "GET",
            &format!("/auth/oauth/mock?redirect={}", target.replace('\\', "%5C")),
            &[],
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_redirect")),
            "{target}: {body}"
        );
    }
    let (status, _, body) = call(&f, "GET", "/auth/oauth/nope", &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["message"].as_str().unwrap().contains("github"),
        "{body}"
    );
    let (status, _, _) = call(&f, "GET", "/auth/oauth/mock?link=1", &[], None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "linking needs a signed-in user"
    );
    assert_eq!(stored(&f.db).await, before);
    // Ten starts per five minutes from one address (the refusals above counted too).
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(call(&f, "GET", "/auth/oauth/mock", &[], None).await.0);
    }
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        limited >= 2 && statuses[0] != StatusCode::TOO_MANY_REQUESTS,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_disabled_account_is_not_signed_in_nor_linked() {
    if super::skip() {
        return;
    }
    let f = fixture().await;
    f.idp.set_user(user("sub-off", "off@example.com", true));
    let (status, body) = sign_in(&f, "mock").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A verified local account, disabled, and a new provider account with its address.
    let (_, kim) = register(&f, "kim@example.com").await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &f.db,
        &format!("UPDATE auth_users SET active = false; UPDATE auth_users SET email_verified = true WHERE id = {kim}"),
    )
    .await
    .expect("disabled");
    for who in ["sub-off", "sub-kim"] {
        let email = if who == "sub-off" {
            "off@example.com"
        } else {
            "kim@example.com"
        };
        f.idp.set_user(user(who, email, true));
        let (s, cb) = through(&f, "mock", "", None).await;
        let (status, code) = refused(&f, &cb, Some(&s.browser)).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "account_inactive"),
            "{who}"
        );
    }
}
