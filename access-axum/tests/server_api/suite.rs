//! The server-side API (`AppState::api`) on SQLite (`server_api_sqlite`) and PostgreSQL
//! (`server_api_postgres`): each call's result is checked over the HTTP stack of the same app
//! (a user it made logs in, its tokens open `GET /auth/me`, its organization answers
//! `GET /orgs`), and each refusal leaves the database as it was.

use access_axum::App;
use access_axum::api::Superuser;
use axum::Router;
use axum::http::StatusCode;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        default_role: user,
        entity organization { roles: [owner, admin, member] }
        entitlements {
            "organization:manage" on organization => roles [owner, admin],
            "organization:read" on organization => roles [owner, admin, member],
        }
        tenant: organization { owner: owner, member: member },
    }
}

use model::Access as Model;

#[path = "../common/backend.rs"]
mod backend;
use backend::{Outbox, PASSWORD, config, rows, send};

fn skip() -> bool {
    backend::skip("server_api", super::BACKEND)
}

async fn database() -> DatabaseConnection {
    backend::database("server_api", super::BACKEND).await
}

struct Fixture {
    router: Router,
    db: DatabaseConnection,
    app: access_axum::AppState<Model>,
    outbox: Outbox,
}

/// The app with the organization routes, mailing into an outbox.
async fn fixture() -> Fixture {
    let db = database().await;
    let outbox = Outbox::default();
    let mail = outbox.clone();
    let built = App::new(Model, db.clone())
        .config(config())
        .auth(move |a| a.with_mailer(mail))
        .orgs()
        .build()
        .await
        .expect("the app builds");
    let app = built.state().clone();
    Fixture {
        router: built.into_router(),
        db,
        app,
        outbox,
    }
}

/// Logs in over HTTP: the status and the answer.
async fn login(f: &Fixture, email: &str, password: &str) -> (StatusCode, Value) {
    let body = json!({ "identifier": email, "password": password });
    send(&f.router, "POST", "/auth/login", None, Some(body)).await
}

/// Everything the API writes: users, sessions, tokens, organizations, assignments, audit.
async fn stored(db: &DatabaseConnection) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT id, email, password_hash, email_verified, superuser FROM auth_users ORDER BY id",
        "SELECT id, user_id, revoked_at FROM auth_sessions ORDER BY id",
        "SELECT user_id, kind FROM auth_one_time_tokens ORDER BY id",
        "SELECT id, name, created_by FROM access_orgs ORDER BY id",
        "SELECT user_id, res_ty, res_id, role FROM access_assignments ORDER BY user_id, res_id, role",
        "SELECT tenant, actor, action, target FROM access_audit ORDER BY id",
        "SELECT ty, id FROM access_resources ORDER BY ty, id",
    ] {
        out.push(sql.to_owned());
        out.extend(rows(db, sql).await);
    }
    out
}

#[tokio::test]
async fn a_signed_up_user_logs_in_over_http() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let api = f.app.api();
    let ann = api
        .sign_up(" Ann@Example.COM ", PASSWORD)
        .await
        .expect("signed up");
    assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
    assert!(ann.active && !ann.email_verified && !ann.superuser);
    assert!(ann.password_hash.starts_with("$argon2id$"));
    // As registration does: the verification token is mailed, and taking it verifies.
    let sent = f.outbox.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].0.as_str(), sent[0].1.as_str()),
        ("verify", "ann@example.com")
    );
    let (status, body) = login(&f, "ann@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], ann.id);
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (status, me) = send(&f.router, "GET", "/auth/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (me["email"].clone(), me["email_verified"].clone()),
        (json!("ann@example.com"), json!(false))
    );
    let verify = json!({ "token": sent[0].2 });
    let (status, body) = send(&f.router, "POST", "/auth/verify-email", None, Some(verify)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found = api
        .find_user("ann@example.com")
        .await
        .expect("found")
        .expect("ann");
    assert!(found.email_verified);

    // Verified at once: nothing mailed.
    let bob = api
        .sign_up_verified("bob@example.com", PASSWORD)
        .await
        .expect("signed up");
    assert!(bob.email_verified);
    assert_eq!(f.outbox.sent().len(), 1);
    let (status, body) = login(&f, "bob@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email_verified"], true);

    // An account made over HTTP is refused to the API and the other way round.
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/register",
        None,
        Some(json!({ "email": "BOB@example.com", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn bad_sign_ups_are_refused_and_store_nothing() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let api = f.app.api();
    api.sign_up("ann@example.com", PASSWORD).await.expect("ann");
    let before = stored(&f.db).await;
    let mails = f.outbox.sent().len();
    for (email, password, status, code) in [
        ("not an address", PASSWORD, 422, "invalid_email"),
        ("", PASSWORD, 422, "invalid_email"),
        ("carl@example.com", "short", 422, "weak_password"),
        ("ANN@example.com", PASSWORD, 409, "already_registered"),
    ] {
        for verified in [false, true] {
            let e = if verified {
                api.sign_up_verified(email, password).await
            } else {
                api.sign_up(email, password).await
            }
            .expect_err(email);
            assert_eq!(
                (e.status.as_u16(), e.code),
                (status, code),
                "{email}: {}",
                e.message
            );
        }
    }
    assert_eq!(stored(&f.db).await, before);
    assert_eq!(f.outbox.sent().len(), mails, "nothing mailed");
    let (status, _) = login(&f, "carl@example.com", "short").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn find_user_normalizes_the_address() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let api = f.app.api();
    let ann = api.sign_up("ann@example.com", PASSWORD).await.expect("ann");
    let found = api.find_user("  ANN@example.com ").await.expect("query");
    assert_eq!(found.map(|u| u.id), Some(ann.id));
    assert!(
        api.find_user("bob@example.com")
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        api.find_user("not an address")
            .await
            .expect("query")
            .is_none()
    );
    assert!(api.find_user("").await.expect("query").is_none());
}

#[tokio::test]
async fn create_superuser_creates_or_promotes() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let api = f.app.api();
    // A new account: verified, superuser, the given password.
    let done = api
        .create_superuser("Root@Example.com", PASSWORD)
        .await
        .expect("created");
    let Superuser::Created(root) = &done else {
        panic!("{done:?}");
    };
    assert!(root.superuser && root.email_verified && root.active);
    assert!(f.outbox.sent().is_empty(), "nothing mailed");
    let (status, body) = login(&f, "root@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["superuser"], true);
    let token = body["access_token"].as_str().expect("token");
    let (_, me) = send(&f.router, "GET", "/auth/me", Some(token), None).await;
    assert_eq!(me["superuser"], true, "{me}");

    // Again: nothing changes.
    let before = stored(&f.db).await;
    let again = api
        .create_superuser("root@example.com", "another password 1234")
        .await
        .expect("again");
    assert!(
        matches!(&again, Superuser::Already(u) if u.id == root.id),
        "{again:?}"
    );
    assert_eq!(stored(&f.db).await, before);

    // An existing account is promoted, its password unchanged.
    let ann = api.sign_up("ann@example.com", PASSWORD).await.expect("ann");
    let done = api
        .create_superuser("ann@example.com", "a brand new password")
        .await
        .expect("promoted");
    let Superuser::Promoted(promoted) = &done else {
        panic!("{done:?}");
    };
    assert_eq!(promoted.id, ann.id);
    assert!(promoted.superuser);
    assert_eq!(promoted.password_hash, ann.password_hash);
    let (status, body) = login(&f, "ann@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["superuser"], true);
    let (status, _) = login(&f, "ann@example.com", "a brand new password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Bad input: refused, nothing written.
    let before = stored(&f.db).await;
    let e = api
        .create_superuser("nobody", PASSWORD)
        .await
        .expect_err("email");
    assert_eq!((e.status.as_u16(), e.code), (422, "invalid_email"));
    let e = api
        .create_superuser("new@example.com", "short")
        .await
        .expect_err("policy");
    assert_eq!((e.status.as_u16(), e.code), (422, "weak_password"));
    assert_eq!(stored(&f.db).await, before);
}

#[tokio::test]
async fn create_org_answers_as_post_orgs_would() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let api = f.app.api();
    let ann = api
        .sign_up_verified("ann@example.com", PASSWORD)
        .await
        .expect("ann");
    let bob = api
        .sign_up_verified("bob@example.com", PASSWORD)
        .await
        .expect("bob");
    let made = api
        .create_org(ann.id, Some("acme"), " Acme ")
        .await
        .expect("created");
    // The body POST /orgs answers with, and the same rows.
    let bob_token = api.issue_tokens(bob.id).await.expect("tokens").access_token;
    let (status, over_http) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&bob_token),
        Some(json!({ "name": " Globex ", "id": "globex" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{over_http}");
    assert_eq!(
        serde_json::to_value(&made).expect("json"),
        json!({ "id": "acme", "name": "Acme", "roles": ["owner"] })
    );
    assert_eq!(
        over_http,
        json!({ "id": "globex", "name": "Globex", "roles": ["owner"] })
    );
    assert_eq!(
        rows(
            &f.db,
            "SELECT id, name, created_by FROM access_orgs ORDER BY id"
        )
        .await,
        [
            format!("acme|Acme|{}", ann.id),
            format!("globex|Globex|{}", bob.id)
        ]
    );
    assert_eq!(
        rows(
            &f.db,
            "SELECT tenant, actor, action, target FROM access_audit ORDER BY id"
        )
        .await,
        [
            format!("acme|{}|create_org|organization:acme", ann.id),
            format!("globex|{}|create_org|organization:globex", bob.id),
        ]
    );
    // Its owner sees it over HTTP.
    let ann_token = api.issue_tokens(ann.id).await.expect("tokens").access_token;
    let (status, mine) = send(&f.router, "GET", "/orgs", Some(&ann_token), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(
        mine,
        json!({ "items": [{ "id": "acme", "name": "Acme", "roles": ["owner"] }] })
    );
    // Without an id, one is made up.
    let other = api
        .create_org(ann.id, None, "Initech")
        .await
        .expect("made up");
    assert_eq!(other.id.len(), 16);

    // Refusals: the taken ids (either way), bad names and ids, an unknown owner.
    let before = stored(&f.db).await;
    for (owner, id, name, status, code) in [
        (ann.id, Some("acme"), "Again", 409, "org_exists"),
        (bob.id, Some("acme"), "Again", 409, "org_exists"),
        (ann.id, Some("globex"), "Again", 409, "org_exists"),
        (ann.id, Some("Not Valid"), "Name", 422, "invalid_id"),
        (ann.id, Some(""), "Name", 422, "invalid_id"),
        (ann.id, Some("fine"), "  ", 422, "invalid_name"),
        (ann.id, Some("fine"), "bad\u{7}name", 422, "invalid_name"),
        (ann.id + 1000, Some("fine"), "Name", 404, "not_found"),
    ] {
        let e = api.create_org(owner, id, name).await.expect_err(name);
        assert_eq!(
            (e.status.as_u16(), e.code),
            (status, code),
            "{id:?}: {}",
            e.message
        );
    }
    let (status, body) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&bob_token),
        Some(json!({ "name": "Acme", "id": "acme" })),
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::CONFLICT, json!("org_exists"))
    );
    assert_eq!(stored(&f.db).await, before);
}

#[tokio::test]
async fn add_member_grants_the_tenant_role() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let api = f.app.api();
    let ann = api
        .sign_up_verified("ann@example.com", PASSWORD)
        .await
        .expect("ann");
    let bob = api
        .sign_up_verified("bob@example.com", PASSWORD)
        .await
        .expect("bob");
    api.create_org(ann.id, Some("acme"), "Acme")
        .await
        .expect("acme");

    let before = stored(&f.db).await;
    for (org, user, role, status, code) in [
        ("acme", bob.id, "mebmer", 422, "unknown_role"),
        ("acme", bob.id + 1000, "member", 404, "not_found"),
        ("nowhere", bob.id, "member", 404, "not_found"),
    ] {
        let e = api.add_member(org, user, role).await.expect_err(role);
        assert_eq!(
            (e.status.as_u16(), e.code),
            (status, code),
            "{org} {role}: {}",
            e.message
        );
    }
    assert_eq!(stored(&f.db).await, before);

    let roles = api
        .add_member("acme", bob.id, "member")
        .await
        .expect("member");
    assert_eq!(roles, ["member"]);
    let roles = api
        .add_member("acme", bob.id, "admin")
        .await
        .expect("admin");
    assert_eq!(roles, ["admin", "member"], "the roles held stay");
    let roles = api
        .add_member("acme", bob.id, "admin")
        .await
        .expect("again");
    assert_eq!(roles, ["admin", "member"]);
    let bob_id = bob.id.to_string();
    assert_eq!(
        rows(&f.db, "SELECT tenant, actor, action, target FROM access_audit WHERE action = 'add_member' ORDER BY id").await,
        vec!["acme|server|add_member|organization:acme".to_owned(); 3]
    );
    // Over HTTP: bob is a member with both roles, and manages the members (admin).
    let bob_token = api.issue_tokens(bob.id).await.expect("tokens").access_token;
    let (status, mine) = send(&f.router, "GET", "/orgs", Some(&bob_token), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(
        mine,
        json!({ "items": [{ "id": "acme", "name": "Acme", "roles": ["admin", "member"] }] })
    );
    let (status, members) = send(
        &f.router,
        "GET",
        "/orgs/acme/members",
        Some(&bob_token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{members}");
    let users: Vec<&str> = members["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|m| m["user"].as_str())
        .collect();
    assert!(users.contains(&bob_id.as_str()), "{members}");
}

#[tokio::test]
async fn issued_tokens_work_and_sessions_are_listed_and_revoked() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let api = f.app.api();
    let ann = api
        .sign_up_verified("ann@example.com", PASSWORD)
        .await
        .expect("ann");
    assert!(api.sessions(ann.id).await.expect("none").is_empty());

    let tokens = api.issue_tokens(ann.id).await.expect("tokens");
    assert!(
        !format!("{tokens:?}").contains(&tokens.access_token),
        "Debug hides the tokens"
    );
    let (status, me) = send(
        &f.router,
        "GET",
        "/auth/me",
        Some(&tokens.access_token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["id"], ann.id);
    // The refresh token works as a login's does.
    let (status, refreshed) = send(
        &f.router,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": tokens.refresh_token })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let refresh = refreshed["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();

    // A login over HTTP is a second session; both listed.
    let (status, _) = login(&f, "ann@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let live = api.sessions(ann.id).await.expect("sessions");
    assert_eq!(live.len(), 2, "{live:?}");
    assert!(
        live.iter()
            .any(|s| s.id == tokens.session_id && s.device == "server api")
    );
    let (_, listed) = send(
        &f.router,
        "GET",
        "/auth/sessions",
        Some(&tokens.access_token),
        None,
    )
    .await;
    assert_eq!(
        listed["sessions"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );

    // Revoked: none left, and the refresh token is refused.
    assert_eq!(api.revoke_sessions(ann.id).await.expect("revoked"), 2);
    assert!(api.sessions(ann.id).await.expect("none").is_empty());
    assert_eq!(api.revoke_sessions(ann.id).await.expect("again"), 0);
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": refresh })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Unknown users: refused, nothing written.
    let before = stored(&f.db).await;
    let e = api.issue_tokens(ann.id + 1000).await.expect_err("unknown");
    assert_eq!(e.status, StatusCode::NOT_FOUND);
    assert!(api.sessions(ann.id + 1000).await.expect("none").is_empty());
    assert_eq!(api.revoke_sessions(ann.id + 1000).await.expect("none"), 0);
    assert_eq!(stored(&f.db).await, before);
}
