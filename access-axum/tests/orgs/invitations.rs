//! Invitations through the HTTP stack: sent (the token mailed, stored hashed), listed, accepted
//! once by the invited address, declined, revoked, replaced, expired; each refusal read back in
//! SQL; and the plan's monthly limit counted through `can_and_consume`.

use access_axum::orgs::OrgsConfig;
use access_core::TypedRoles as _;
use axum::http::StatusCode;
use sea_orm::ConnectionTrait as _;
use serde_json::json;

use super::{Fixture, Outbox, invite_fixture, model, rows, send, sign_up, stored};

/// Everything invitations write, beside what `stored` reads: the invitations and the wallets.
async fn all_stored(f: &Fixture) -> Vec<String> {
    let mut out = stored(&f.db).await;
    out.extend(
        rows(
            &f.db,
            "SELECT id, org, email, role, token_hash, invited_by, status, expires_at FROM access_invitations ORDER BY id",
        )
        .await,
    );
    out.extend(
        rows(
            &f.db,
            "SELECT tenant, limit_name, used FROM access_wallets ORDER BY tenant",
        )
        .await,
    );
    out.extend(
        rows(
            &f.db,
            "SELECT id, email FROM auth_users WHERE email_verified ORDER BY id",
        )
        .await,
    );
    out
}

/// ann owns acme (created through `POST /orgs`); her token.
async fn ann_owns_acme(f: &Fixture) -> (String, String) {
    let ann = sign_up(f, "ann@example.com").await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&ann.0),
        Some(json!({ "name": "Acme", "id": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    ann
}

/// `who` invites `email` to acme as `role`: the answer.
async fn invite(
    f: &Fixture,
    who: &str,
    email: &str,
    role: &str,
) -> (StatusCode, serde_json::Value) {
    send(
        &f.router,
        "POST",
        "/orgs/acme/invitations",
        Some(who),
        Some(json!({ "email": email, "role": role })),
    )
    .await
}

/// Verifies `email`'s address with the token registration mailed.
async fn verify(f: &Fixture, outbox: &Outbox, email: &str) {
    let token = outbox.last("verify", email, None).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/verify-email",
        None,
        Some(json!({ "token": token })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_invitation_is_mailed_accepted_once_and_grants_its_role() {
    if super::skip() {
        return;
    }
    let (f, outbox) = invite_fixture(OrgsConfig::default()).await;
    let (ann, ann_id) = ann_owns_acme(&f).await;

    let (status, sent) = invite(&f, &ann, " Dan@Example.com ", "admin").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["email"], "dan@example.com");
    assert_eq!(sent["role"], "admin");
    assert_eq!(sent["invited_by"], ann_id.as_str());
    assert!(
        sent.get("token").is_none(),
        "the token is only mailed: {sent}"
    );
    let token = outbox.last("invite", "dan@example.com", None).await;
    // Stored as its hash, never as itself; seven days to accept.
    let stored_rows = rows(
        &f.db,
        "SELECT token_hash, status, expires_at - created_at FROM access_invitations",
    )
    .await;
    assert_eq!(stored_rows.len(), 1);
    assert!(!stored_rows[0].contains(&token), "{stored_rows:?}");
    assert!(
        stored_rows[0].ends_with("|pending|604800"),
        "{stored_rows:?}"
    );

    // The managers see it pending.
    let (status, pending) =
        send(&f.router, "GET", "/orgs/acme/invitations", Some(&ann), None).await;
    assert_eq!(status, StatusCode::OK, "{pending}");
    assert_eq!(pending["items"].as_array().map(Vec::len), Some(1));

    // dan registers; before verifying, his list is refused; the mailed token proves the address.
    let (dan, dan_id) = sign_up(&f, "dan@example.com").await;
    let (status, body) = send(&f.router, "GET", "/invitations", Some(&dan), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("email_not_verified"))
    );
    let accept = format!("/invitations/{token}/accept");
    let (status, body) = send(&f.router, "POST", &accept, Some(&dan), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "org": "acme", "role": "admin" }));
    assert_eq!(
        rows(
            &f.db,
            &format!("SELECT res_id, role FROM access_assignments WHERE user_id = '{dan_id}'")
        )
        .await,
        ["acme|admin"]
    );
    assert_eq!(
        rows(&f.db, "SELECT status, accepted_by FROM access_invitations").await,
        [format!("accepted|{dan_id}")]
    );
    assert_eq!(
        rows(
            &f.db,
            &format!("SELECT email FROM auth_users WHERE id = {dan_id} AND email_verified")
        )
        .await,
        ["dan@example.com"]
    );
    assert!(
        rows(&f.db, "SELECT action FROM access_audit")
            .await
            .contains(&"accept_invitation".to_owned())
    );

    // Used: a second accept is refused and changes nothing.
    let before = all_stored(&f).await;
    let (status, body) = send(&f.router, "POST", &accept, Some(&dan), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GONE, Some("invitation_used")),
        "{body}"
    );
    assert_eq!(all_stored(&f).await, before);

    // dan is in: he switches to acme and lists its members.
    let (status, body) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        Some(&dan),
        Some(json!({ "tenant": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = send(&f.router, "GET", "/orgs/acme/members", Some(&dan), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_verified_invitee_lists_accepts_or_declines_by_id() {
    if super::skip() {
        return;
    }
    let (f, outbox) = invite_fixture(OrgsConfig::default()).await;
    let (ann, _) = ann_owns_acme(&f).await;
    let (dan, dan_id) = sign_up(&f, "dan@example.com").await;
    // Invited before verifying: the id does not open it yet (it names nothing for him).
    let (status, sent) = invite(&f, &ann, "dan@example.com", "member").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let id = sent["id"].as_i64().expect("id");
    let (status, _) = send(
        &f.router,
        "POST",
        &format!("/invitations/{id}/accept"),
        Some(&dan),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    verify(&f, &outbox, "dan@example.com").await;
    let (status, mine) = send(&f.router, "GET", "/invitations", Some(&dan), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["items"][0]["id"], id);
    assert_eq!(mine["items"][0]["name"], "Acme");
    assert_eq!(mine["items"][0]["role"], "member");

    // Declined: nothing granted, gone from the list, no longer acceptable.
    let (status, body) = send(
        &f.router,
        "POST",
        &format!("/invitations/{id}/decline"),
        Some(&dan),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, mine) = send(&f.router, "GET", "/invitations", Some(&dan), None).await;
    assert_eq!(mine, json!({ "items": [] }));
    let (status, body) = send(
        &f.router,
        "POST",
        &format!("/invitations/{id}/accept"),
        Some(&dan),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GONE, Some("invitation_used"))
    );
    assert!(
        rows(
            &f.db,
            &format!("SELECT role FROM access_assignments WHERE user_id = '{dan_id}'")
        )
        .await
        .is_empty()
    );

    // Invited again, accepted by id.
    let (_, sent) = invite(&f, &ann, "dan@example.com", "member").await;
    let id = sent["id"].as_i64().expect("id");
    let (status, body) = send(
        &f.router,
        "POST",
        &format!("/invitations/{id}/accept"),
        Some(&dan),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        rows(
            &f.db,
            &format!("SELECT role FROM access_assignments WHERE user_id = '{dan_id}'")
        )
        .await,
        ["member"]
    );
}

#[tokio::test]
async fn revoked_replaced_expired_and_foreign_invitations_grant_nothing() {
    if super::skip() {
        return;
    }
    let (f, outbox) = invite_fixture(OrgsConfig::default()).await;
    let (ann, _) = ann_owns_acme(&f).await;
    let (dan, _) = sign_up(&f, "dan@example.com").await;
    let (eve, _) = sign_up(&f, "eve@example.com").await;
    verify(&f, &outbox, "eve@example.com").await;

    // Another address's token: refused, nothing changes.
    invite(&f, &ann, "dan@example.com", "member").await;
    let first = outbox.last("invite", "dan@example.com", None).await;
    let before = all_stored(&f).await;
    let (status, body) = send(
        &f.router,
        "POST",
        &format!("/invitations/{first}/accept"),
        Some(&eve),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("invitation_for_another_address")
        ),
        "{body}"
    );
    let (status, _) = send(
        &f.router,
        "POST",
        &format!("/invitations/{first}/decline"),
        Some(&eve),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(all_stored(&f).await, before);
    // An unknown token, or no sign-in.
    let (status, _) = send(
        &f.router,
        "POST",
        "/invitations/not-a-token/accept",
        Some(&dan),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        &f.router,
        "POST",
        &format!("/invitations/{first}/accept"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(all_stored(&f).await, before);

    // Re-inviting replaces the first token.
    invite(&f, &ann, "dan@example.com", "admin").await;
    let second = outbox.last("invite", "dan@example.com", Some(&first)).await;
    let before = all_stored(&f).await;
    let (status, body) = send(
        &f.router,
        "POST",
        &format!("/invitations/{first}/accept"),
        Some(&dan),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GONE, Some("invitation_replaced")),
        "{body}"
    );
    assert_eq!(all_stored(&f).await, before);

    // Revoked by the owner: refused.
    let (_, pending) = send(&f.router, "GET", "/orgs/acme/invitations", Some(&ann), None).await;
    let id = pending["items"][0]["id"].as_i64().expect("id");
    let (status, _) = send(
        &f.router,
        "DELETE",
        &format!("/orgs/acme/invitations/{id}"),
        Some(&ann),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(
        &f.router,
        "DELETE",
        &format!("/orgs/acme/invitations/{id}"),
        Some(&ann),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let before = all_stored(&f).await;
    let (status, body) = send(
        &f.router,
        "POST",
        &format!("/invitations/{second}/accept"),
        Some(&dan),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GONE, Some("invitation_revoked")),
        "{body}"
    );
    assert_eq!(all_stored(&f).await, before);

    // Expired: refused.
    invite(&f, &ann, "dan@example.com", "member").await;
    let third = outbox
        .last("invite", "dan@example.com", Some(&second))
        .await;
    f.db.execute_unprepared(
        "UPDATE access_invitations SET expires_at = 1 WHERE status = 'pending'",
    )
    .await
    .expect("expire");
    let before = all_stored(&f).await;
    let (status, body) = send(
        &f.router,
        "POST",
        &format!("/invitations/{third}/accept"),
        Some(&dan),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GONE, Some("invitation_expired")),
        "{body}"
    );
    assert_eq!(all_stored(&f).await, before);
    assert!(
        rows(
            &f.db,
            "SELECT user_id FROM access_assignments WHERE role <> 'owner'"
        )
        .await
        .is_empty(),
        "nothing was granted"
    );
}

#[tokio::test]
async fn refused_invitations_send_and_store_nothing() {
    if super::skip() {
        return;
    }
    let (f, outbox) =
        invite_fixture(OrgsConfig::default().managed_by(model::Entitlement::OrganizationManage))
            .await;
    let (ann, _) = ann_owns_acme(&f).await;
    let (bob, bob_id) = sign_up(&f, "bob@example.com").await;
    let (ada, ada_id) = sign_up(&f, "ada@example.com").await;
    let (stranger, _) = sign_up(&f, "sam@example.com").await;
    let stores = f.app.authz().stores();
    stores
        .grant_role(
            &bob_id,
            model::resource::Organization::id("acme"),
            model::OrganizationRole::Member,
        )
        .await
        .expect("bob");
    stores
        .grant_role(
            &ada_id,
            model::resource::Organization::id("acme"),
            model::OrganizationRole::Admin,
        )
        .await
        .expect("ada");
    let mails = || {
        outbox
            .0
            .lock()
            .expect("outbox")
            .iter()
            .filter(|m| m.0 == "invite")
            .count()
    };

    let before = all_stored(&f).await;
    let cases: [(&str, &str, serde_json::Value, StatusCode, &str); 7] = [
        (
            &stranger,
            "/orgs/acme/invitations",
            json!({ "email": "x@example.com", "role": "member" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &bob,
            "/orgs/acme/invitations",
            json!({ "email": "x@example.com", "role": "member" }),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &ada,
            "/orgs/acme/invitations",
            json!({ "email": "x@example.com", "role": "owner" }),
            StatusCode::FORBIDDEN,
            "owners_only",
        ),
        (
            &ann,
            "/orgs/acme/invitations",
            json!({ "email": "x@example.com", "role": "ownr" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_role",
        ),
        (
            &ann,
            "/orgs/acme/invitations",
            json!({ "email": "not an address", "role": "member" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
        ),
        (
            &ann,
            "/orgs/acme/invitations",
            json!({ "email": "bob@example.com" }),
            StatusCode::CONFLICT,
            "already_member",
        ),
        (
            &ann,
            "/orgs/globex/invitations",
            json!({ "email": "x@example.com" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (who, path, body, want, code) in cases {
        let (status, got) = send(&f.router, "POST", path, Some(who), Some(body.clone())).await;
        assert_eq!(
            (status, got["error"].as_str()),
            (want, Some(code)),
            "{body} → {got}"
        );
    }
    // A member who does not manage sees no pending list.
    let (status, _) = send(&f.router, "GET", "/orgs/acme/invitations", Some(&bob), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An admin does not change an owner's roles, nor make an owner.
    let (_, ann_me) = send(&f.router, "GET", "/auth/me", Some(&ann), None).await;
    let ann_id = ann_me["id"].as_i64().expect("id");
    for (path, method, body) in [
        (
            format!("/orgs/acme/members/{ann_id}"),
            "PUT",
            Some(json!({ "role": "member" })),
        ),
        (format!("/orgs/acme/members/{ann_id}"), "DELETE", None),
        (
            format!("/orgs/acme/members/{bob_id}"),
            "PUT",
            Some(json!({ "role": "owner" })),
        ),
    ] {
        let (status, got) = send(&f.router, method, &path, Some(&ada), body).await;
        assert_eq!(
            (status, got["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("owners_only")),
            "{method} {path}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(mails(), 0);
    assert_eq!(all_stored(&f).await, before);

    // The admin invites a member: allowed by `organization:manage`.
    let (status, body) = invite(&f, &ada, "x@example.com", "member").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn the_sixth_invitation_of_the_month_on_the_free_plan_is_refused() {
    if super::skip() {
        return;
    }
    let cfg = OrgsConfig::default().invites_with(model::Entitlement::MembersInvite);
    let (f, outbox) = invite_fixture(cfg).await;
    let (ann, _) = ann_owns_acme(&f).await;
    // ann's token names no tenant: the units are acme's, the organization invited to.
    for n in 1..=5 {
        let (status, body) = invite(&f, &ann, &format!("guest{n}@example.com"), "member").await;
        assert_eq!(status, StatusCode::CREATED, "invitation {n}: {body}");
    }
    assert_eq!(
        rows(&f.db, "SELECT tenant, limit_name, used FROM access_wallets").await,
        ["acme|invites|5"]
    );
    let before = all_stored(&f).await;
    let (status, body) = invite(&f, &ann, "guest6@example.com", "member").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "limit_reached");
    assert_eq!(body["reasons"][0]["kind"], "limit_reached", "{body}");
    assert_eq!(all_stored(&f).await, before);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(
        outbox
            .0
            .lock()
            .expect("outbox")
            .iter()
            .filter(|m| m.0 == "invite")
            .count(),
        5
    );
}
