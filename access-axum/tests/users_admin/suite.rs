//! `GET /admin/users`, `GET|PATCH /admin/users/{id}` and `DELETE /admin/users/{id}/sessions`
//! through the whole HTTP stack of an [`App`], on SQLite (`users_admin_sqlite`) and PostgreSQL
//! (`users_admin_postgres`), with the database read directly after each change and each
//! refusal.

use access_axum::App;
use access_axum::db::{NewUser, UserChange, UsersTable};
use axum::Router;
use axum::http::StatusCode;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, support, user],
        default_role: user,
        entity organization { roles: [owner, member] }
        entitlements {
            "organization:manage" on organization => roles [owner],
            "organization:read" on organization => roles [owner, member],
        }
        tenant: organization { owner: owner, member: member },
    }
}

use model::{Access as Model, Entitlement};

#[path = "../common/backend.rs"]
mod backend;
use backend::{PASSWORD, config, rows, send, send_raw};

fn skip() -> bool {
    backend::skip("users_admin", super::BACKEND)
}

async fn database() -> DatabaseConnection {
    backend::database("users_admin", super::BACKEND).await
}

struct Fixture {
    router: Router,
    db: DatabaseConnection,
}

/// The app with the organizations and the admin API under `/admin` (opened by
/// `organization:manage`), reading the `active` flag at every request.
async fn fixture() -> Fixture {
    let db = database().await;
    let built = App::new(Model, db.clone())
        .config(config())
        .orgs()
        .admin("/admin", Entitlement::OrganizationManage)
        .authz(|a| a.active_ttl(std::time::Duration::ZERO))
        .build()
        .await
        .expect("the app builds");
    Fixture {
        router: built.into_router(),
        db,
    }
}

/// A signed-in user: tokens and id.
struct User {
    access: String,
    refresh: String,
    id: i64,
}

/// Registers `email` (which opens a session).
async fn sign_up(f: &Fixture, email: &str) -> User {
    let body = json!({ "email": email, "password": PASSWORD });
    let (status, body) = send(&f.router, "POST", "/auth/register", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let access = body["access_token"].as_str().expect("access").to_owned();
    let refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
    let (_, me) = send(&f.router, "GET", "/auth/me", Some(&access), None).await;
    let id = me["id"].as_i64().expect("id");
    User {
        access,
        refresh,
        id,
    }
}

/// Logs `email` in (another session): its status and body.
async fn login(f: &Fixture, email: &str) -> (StatusCode, Value) {
    let body = json!({ "identifier": email, "password": PASSWORD });
    send(&f.router, "POST", "/auth/login", None, Some(body)).await
}

/// Refreshes with `refresh`: the status.
async fn refresh(f: &Fixture, refresh: &str) -> StatusCode {
    let body = json!({ "refresh_token": refresh });
    send(&f.router, "POST", "/auth/refresh", None, Some(body))
        .await
        .0
}

/// Makes user `id` a superuser in the table (what an operator's script does).
async fn promote(f: &Fixture, id: i64) {
    UsersTable::default()
        .update(&f.db, id, UserChange::Superuser(true))
        .await
        .expect("promote");
}

/// What these routes write: the users, the sessions, the audit trail.
async fn stored(db: &DatabaseConnection) -> Vec<String> {
    let mut out = rows(
        db,
        "SELECT id, email, username, roles, superuser, active, email_verified FROM auth_users ORDER BY id",
    )
    .await;
    out.extend(
        rows(
            db,
            "SELECT id, user_id, revoked_at FROM auth_sessions ORDER BY id",
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

/// The live (unrevoked) sessions of user `id`.
async fn live_sessions(db: &DatabaseConnection, id: i64) -> usize {
    let sql = format!("SELECT id FROM auth_sessions WHERE user_id = {id} AND revoked_at IS NULL");
    rows(db, &sql).await.len()
}

/// The claims of an access token (its payload, read without checking: the server checked it).
fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// `uri`'s user as `GET /admin/users/{id}` answers, read by superuser `token`.
async fn shown(f: &Fixture, token: &str, id: i64) -> Value {
    let (status, body) = send(
        &f.router,
        "GET",
        &format!("/admin/users/{id}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn only_signed_in_active_superusers_get_in() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    promote(&f, ann.id).await;
    let bob = sign_up(&f, "bob@example.com").await;
    // cal owns organization acme and works in it: she holds the admin API's entitlement.
    let cal = sign_up(&f, "cal@example.com").await;
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&cal.access),
        Some(json!({ "name": "Acme", "id": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, tokens) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        Some(&cal.access),
        Some(json!({ "tenant": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let cal_in_acme = tokens["access_token"].as_str().expect("access").to_owned();
    let (status, body) = send(&f.router, "GET", "/admin/audit", Some(&cal_in_acme), None).await;
    assert_eq!(status, StatusCode::OK, "the tenant's admin: {body}");

    let routes = [
        ("GET", "/admin/users".to_owned(), None),
        ("GET", format!("/admin/users/{}", bob.id), None),
        (
            "PATCH",
            format!("/admin/users/{}", bob.id),
            Some(json!({ "superuser": true, "roles": ["admin"] })),
        ),
        ("DELETE", format!("/admin/users/{}/sessions", bob.id), None),
    ];
    let before = stored(&f.db).await;
    for (method, uri, body) in &routes {
        let (status, got) = send(&f.router, method, uri, None, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}: {got}");
        assert_eq!(got["error"], "unauthenticated");
        for token in [&bob.access, &cal.access, &cal_in_acme] {
            let (status, got) = send(&f.router, method, uri, Some(token), body.clone()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {got}");
            assert_eq!(got["error"], "superuser_required", "{got}");
        }
    }
    assert_eq!(stored(&f.db).await, before, "refusals change nothing");
    let (status, _) = send(&f.router, "GET", "/admin/users", Some(&ann.access), None).await;
    assert_eq!(status, StatusCode::OK);

    // The row decides, not the token: dan's token says superuser, his row no longer does.
    let dan = sign_up(&f, "dan@example.com").await;
    promote(&f, dan.id).await;
    let (status, body) = login(&f, "dan@example.com").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let dan_token = body["access_token"].as_str().expect("access").to_owned();
    assert_eq!(claims(&dan_token)["su"], true);
    let (status, _) = send(&f.router, "GET", "/admin/users", Some(&dan_token), None).await;
    assert_eq!(status, StatusCode::OK);
    UsersTable::default()
        .update(&f.db, dan.id, UserChange::Superuser(false))
        .await
        .expect("demote");
    let (status, got) = send(&f.router, "GET", "/admin/users", Some(&dan_token), None).await;
    assert_eq!(
        (status, got["error"].clone()),
        (StatusCode::FORBIDDEN, json!("superuser_required"))
    );
    // A superuser whose account is inactive is refused too.
    promote(&f, dan.id).await;
    UsersTable::default()
        .update(&f.db, dan.id, UserChange::Active(false))
        .await
        .expect("deactivate");
    let (status, _) = send(&f.router, "GET", "/admin/users", Some(&dan_token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Inserts a user straight into the table: its id.
async fn insert(f: &Fixture, email: &str, username: Option<&str>) -> i64 {
    let new = NewUser {
        email: Some(email.to_owned()),
        username: username.map(str::to_owned),
        password_hash: "$argon2id$unused".into(),
        now: 1_700_000_000,
    };
    UsersTable::default()
        .insert(&f.db, new)
        .await
        .expect("insert")
        .id
}

/// Every page of `GET /admin/users?{query}` from the start: the ids of each page.
async fn pages(f: &Fixture, token: &str, query: &str) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    let mut after: Option<i64> = None;
    loop {
        let uri = match after {
            Some(a) => format!("/admin/users?{query}&after={a}"),
            None => format!("/admin/users?{query}"),
        };
        let (status, body) = send(&f.router, "GET", &uri, Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        let ids: Vec<i64> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["id"].as_i64().expect("id"))
            .collect();
        assert_eq!(
            body["next"].as_i64(),
            body["next"].as_i64().and(ids.last().copied()),
            "{body}"
        );
        out.push(ids);
        match body["next"].as_i64() {
            Some(n) => after = Some(n),
            None => return out,
        }
        assert!(out.len() < 20, "pages never end");
    }
}

#[tokio::test]
async fn superusers_page_through_and_search_users() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    promote(&f, ann.id).await;
    let mut acme = Vec::new();
    for i in 0..4 {
        acme.push(insert(&f, &format!("u{i}@acme.test"), None).await);
    }
    let x_y = insert(&f, "x_y@globex.test", Some("grace")).await;
    let xzy = insert(&f, "xzy@globex.test", None).await;
    let pct = insert(&f, "100%@globex.test", None).await;
    let all: Vec<i64> = [vec![ann.id], acme.clone(), vec![x_y, xzy, pct]].concat();

    // Everybody, two at a time, in id order; the last page says there is no next.
    let got = pages(&f, &ann.access, "per_page=2").await;
    assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 2, 2]);
    assert_eq!(got.concat(), all);
    // A page that ends exactly at the last user has no next either.
    assert_eq!(
        pages(&f, &ann.access, "per_page=8").await,
        std::slice::from_ref(&all)
    );
    assert_eq!(
        pages(&f, &ann.access, "per_page=50").await,
        std::slice::from_ref(&all)
    );
    let (_, past) = send(
        &f.router,
        "GET",
        &format!("/admin/users?after={pct}"),
        Some(&ann.access),
        None,
    )
    .await;
    assert_eq!(past, json!({ "items": [], "next": null }));

    // An item in full.
    let (_, first) = send(
        &f.router,
        "GET",
        "/admin/users?per_page=1",
        Some(&ann.access),
        None,
    )
    .await;
    let created_at = first["items"][0]["created_at"]
        .as_i64()
        .expect("created_at");
    assert_eq!(
        first,
        json!({
            "items": [{ "id": ann.id, "email": "ann@example.com", "username": null, "roles": [],
                        "superuser": true, "active": true, "email_verified": false,
                        "created_at": created_at }],
            "next": ann.id,
        })
    );

    // Search: in the email or the username, case-insensitive, LIKE's wildcards taken literally.
    assert_eq!(
        pages(&f, &ann.access, "q=ACME&per_page=3").await,
        [acme[..3].to_vec(), acme[3..].to_vec()]
    );
    assert_eq!(pages(&f, &ann.access, "q=x_y").await, [vec![x_y]]);
    assert_eq!(pages(&f, &ann.access, "q=%25").await, [vec![pct]]);
    assert_eq!(pages(&f, &ann.access, "q=GRAC").await, [vec![x_y]]);
    assert_eq!(
        pages(&f, &ann.access, "q=nobody").await,
        [Vec::<i64>::new()]
    );
    // Blank text searches nothing out.
    assert_eq!(pages(&f, &ann.access, "q=%20&per_page=200").await, [all]);
}

#[tokio::test]
async fn bad_list_queries_are_422() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    promote(&f, ann.id).await;
    let long = "a".repeat(201);
    for query in [
        "per_page=0".to_owned(),
        "per_page=201".to_owned(),
        "per_page=-1".to_owned(),
        "per_page=abc".to_owned(),
        "per_page=99999999999999999999999".to_owned(),
        "after=x".to_owned(),
        "q=a%00b".to_owned(),
        format!("q={long}"),
    ] {
        let uri = format!("/admin/users?{query}");
        let (status, body) = send(&f.router, "GET", &uri, Some(&ann.access), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}: {body}");
        assert_eq!(body["error"], "invalid_query", "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    for ok in [
        "per_page=1",
        "per_page=200",
        "after=-5",
        &format!("q={}", &long[1..]),
    ] {
        let (status, body) = send(
            &f.router,
            "GET",
            &format!("/admin/users?{ok}"),
            Some(&ann.access),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{ok}: {body}");
    }
}

#[tokio::test]
async fn one_user_or_404() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    promote(&f, ann.id).await;
    let bob = sign_up(&f, "bob@example.com").await;
    let got = shown(&f, &ann.access, bob.id).await;
    let created_at = got["created_at"].as_i64().expect("created_at");
    assert_eq!(
        got,
        json!({ "id": bob.id, "email": "bob@example.com", "username": null, "roles": [],
                "superuser": false, "active": true, "email_verified": false,
                "created_at": created_at })
    );
    for uri in [
        "/admin/users/999999",
        "/admin/users/abc",
        "/admin/users/99999999999999999999",
    ] {
        let (status, body) = send(&f.router, "GET", uri, Some(&ann.access), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(body["error"], "not_found");
    }
}

#[tokio::test]
async fn a_patch_sets_roles_superuser_and_active_at_once() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    promote(&f, ann.id).await;
    let bob = sign_up(&f, "bob@example.com").await;
    let uri = format!("/admin/users/{}", bob.id);
    let target = format!("user:{}", bob.id);

    // Roles: each once, in the order given.
    let body = json!({ "roles": ["admin", "support", "admin"] });
    let (status, got) = send(&f.router, "PATCH", &uri, Some(&ann.access), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, shown(&f, &ann.access, bob.id).await);
    assert_eq!(
        (got["roles"].clone(), got["superuser"].clone()),
        (json!(["admin", "support"]), json!(false))
    );
    assert_eq!(
        rows(
            &f.db,
            &format!("SELECT roles FROM auth_users WHERE id = {}", bob.id)
        )
        .await,
        ["admin,support"]
    );
    let trail = audit(&f.db).await;
    assert_eq!(trail.len(), 1);
    let fields: Vec<&str> = trail[0].splitn(5, '|').collect();
    assert_eq!(fields[..4], ["", &ann.id.to_string(), "set_user", &target]);
    let (before, after) = fields[4].split_once("}|").expect("before|after");
    let before: Value = serde_json::from_str(&format!("{before}}}")).expect("before");
    let after: Value = serde_json::from_str(after).expect("after");
    assert_eq!(
        (before["roles"].clone(), after["roles"].clone()),
        (json!([]), json!(["admin", "support"]))
    );
    assert_eq!(after["sessions_revoked"], 0);
    // The roles are in bob's next tokens.
    let (_, again) = login(&f, "bob@example.com").await;
    let token = again["access_token"].as_str().expect("access");
    assert_eq!(claims(token)["roles"], json!(["admin", "support"]));

    // Superuser: bob gets in at once.
    let (status, got) = send(
        &f.router,
        "PATCH",
        &uri,
        Some(&ann.access),
        Some(json!({ "superuser": true })),
    )
    .await;
    assert_eq!(
        (status, got["superuser"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (status, _) = send(&f.router, "GET", "/admin/users", Some(&bob.access), None).await;
    assert_eq!(status, StatusCode::OK);

    // A patch that changes nothing is answered and leaves no trail.
    let before = stored(&f.db).await;
    for body in [
        json!({}),
        json!({ "superuser": true, "roles": ["admin", "support"], "active": true }),
    ] {
        let (status, got) = send(&f.router, "PATCH", &uri, Some(&ann.access), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{got}");
    }
    assert_eq!(stored(&f.db).await, before);

    // All three in one request, one entry.
    let body = json!({ "roles": [], "superuser": false, "active": false });
    let (status, got) = send(&f.router, "PATCH", &uri, Some(&ann.access), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(
        (
            got["roles"].clone(),
            got["superuser"].clone(),
            got["active"].clone()
        ),
        (json!([]), json!(false), json!(false))
    );
    assert_eq!(audit(&f.db).await.len(), 3);
    // And back: active again, no sessions to end.
    let (status, got) = send(
        &f.router,
        "PATCH",
        &uri,
        Some(&ann.access),
        Some(json!({ "active": true })),
    )
    .await;
    assert_eq!(
        (status, got["active"].clone()),
        (StatusCode::OK, json!(true))
    );
}

#[tokio::test]
async fn refused_changes_change_nothing() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    promote(&f, ann.id).await;
    let bob = sign_up(&f, "bob@example.com").await;
    let (ann_uri, bob_uri) = (
        format!("/admin/users/{}", ann.id),
        format!("/admin/users/{}", bob.id),
    );
    let before = stored(&f.db).await;
    let cases = [
        (
            &bob_uri,
            json!({ "roles": ["admn"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_role",
        ),
        (
            &bob_uri,
            json!({ "roles": ["admin", "owner"], "superuser": true }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_role",
        ),
        (
            &bob_uri,
            json!({ "roles": [""] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_role",
        ),
        (
            &bob_uri,
            json!({ "roles": "admin" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &bob_uri,
            json!({ "activ": false }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &bob_uri,
            json!({ "active": "no" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &bob_uri,
            json!({ "email": "x@example.com" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &bob_uri,
            json!(["admin"]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &"/admin/users/999999".to_owned(),
            json!({ "active": false }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &"/admin/users/abc".to_owned(),
            json!({ "active": false }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // ann is the last active superuser.
        (
            &ann_uri,
            json!({ "superuser": false }),
            StatusCode::CONFLICT,
            "last_superuser",
        ),
        (
            &ann_uri,
            json!({ "active": false }),
            StatusCode::CONFLICT,
            "last_superuser",
        ),
        (
            &ann_uri,
            json!({ "roles": ["admin"], "active": false }),
            StatusCode::CONFLICT,
            "last_superuser",
        ),
    ];
    for (uri, body, want, code) in cases {
        let (status, got) = send(
            &f.router,
            "PATCH",
            uri,
            Some(&ann.access),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, got["error"].as_str()),
            (want, Some(code)),
            "{uri} {body}: {got}"
        );
        assert_eq!(
            stored(&f.db).await,
            before,
            "{uri} {body} changed something"
        );
    }
    let (_, got) = send(
        &f.router,
        "PATCH",
        &bob_uri,
        Some(&ann.access),
        Some(json!({ "roles": ["admn"] })),
    )
    .await;
    assert_eq!(
        got["message"],
        "unknown global role `admn`, did you mean `admin`?"
    );
    for (content_type, raw, want, code) in [
        (
            "application/json",
            "{",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "text/plain",
            r#"{"active": false}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ] {
        let body = Some((content_type, raw.to_owned()));
        let (status, got) = send_raw(&f.router, "PATCH", &bob_uri, Some(&ann.access), body).await;
        assert_eq!(
            (status, got["error"].as_str()),
            (want, Some(code)),
            "{raw}: {got}"
        );
    }
    let (status, got) = send(
        &f.router,
        "DELETE",
        "/admin/users/999999/sessions",
        Some(&ann.access),
        None,
    )
    .await;
    assert_eq!(
        (status, got["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(stored(&f.db).await, before);

    // With bob a superuser too, ann may step down; then bob is the last one.
    let (status, _) = send(
        &f.router,
        "PATCH",
        &bob_uri,
        Some(&ann.access),
        Some(json!({ "superuser": true })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, got) = send(
        &f.router,
        "PATCH",
        &ann_uri,
        Some(&ann.access),
        Some(json!({ "superuser": false })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    let before = stored(&f.db).await;
    for body in [json!({ "superuser": false }), json!({ "active": false })] {
        let (status, got) = send(&f.router, "PATCH", &bob_uri, Some(&bob.access), Some(body)).await;
        assert_eq!(
            (status, got["error"].as_str()),
            (StatusCode::CONFLICT, Some("last_superuser"))
        );
    }
    assert_eq!(stored(&f.db).await, before);
    // An inactive superuser does not count: making one leaves bob the last active one.
    let (status, _) = send(
        &f.router,
        "PATCH",
        &ann_uri,
        Some(&bob.access),
        Some(json!({ "superuser": true, "active": false })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(
        &f.router,
        "PATCH",
        &bob_uri,
        Some(&bob.access),
        Some(json!({ "superuser": false })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn deactivating_ends_sessions_refresh_login_and_authorization() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    promote(&f, ann.id).await;
    let bob = sign_up(&f, "bob@example.com").await;
    let (status, body) = login(&f, "bob@example.com").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second_refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
    // bob owns acme and works in it: the tenant's admin API is his.
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&bob.access),
        Some(json!({ "name": "Acme", "id": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, tokens) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        Some(&bob.access),
        Some(json!({ "tenant": "acme" })),
    )
    .await;
    let in_acme = tokens["access_token"].as_str().expect("access").to_owned();
    let (status, _) = send(&f.router, "GET", "/admin/audit", Some(&in_acme), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(live_sessions(&f.db, bob.id).await, 2);
    assert_eq!(live_sessions(&f.db, ann.id).await, 1);

    let uri = format!("/admin/users/{}", bob.id);
    let (status, got) = send(
        &f.router,
        "PATCH",
        &uri,
        Some(&ann.access),
        Some(json!({ "active": false })),
    )
    .await;
    assert_eq!(
        (status, got["active"].clone()),
        (StatusCode::OK, json!(false)),
        "{got}"
    );
    assert_eq!(
        live_sessions(&f.db, bob.id).await,
        0,
        "every session of bob ended"
    );
    assert_eq!(live_sessions(&f.db, ann.id).await, 1, "nobody else's");
    let trail = audit(&f.db).await;
    let last = trail.last().expect("an entry");
    assert!(
        last.contains("|set_user|") && last.contains(r#""sessions_revoked":2"#),
        "{last}"
    );

    // Refresh and login refuse at once.
    for r in [&bob.refresh, &second_refresh] {
        assert_eq!(refresh(&f, r).await, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = login(&f, "bob@example.com").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
    // `me` reads the row: 401 at once.
    let (status, _) = send(&f.router, "GET", "/auth/me", Some(&bob.access), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Authorization reads the `active` flag (this app every time: `active_ttl` zero): his still
    // valid access token is refused with the reason.
    let (status, body) = send(&f.router, "GET", "/admin/audit", Some(&in_acme), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.to_string().contains("inactive_user"), "{body}");

    // Active again: he logs in anew; the ended sessions stay ended.
    let (status, _) = send(
        &f.router,
        "PATCH",
        &uri,
        Some(&ann.access),
        Some(json!({ "active": true })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = login(&f, "bob@example.com").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(refresh(&f, &second_refresh).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn ending_a_users_sessions() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    promote(&f, ann.id).await;
    let bob = sign_up(&f, "bob@example.com").await;
    let (_, body) = login(&f, "bob@example.com").await;
    let second_refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
    assert_eq!(live_sessions(&f.db, bob.id).await, 2);

    let uri = format!("/admin/users/{}/sessions", bob.id);
    let (status, body) = send(&f.router, "DELETE", &uri, Some(&ann.access), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, json!(""));
    assert_eq!(live_sessions(&f.db, bob.id).await, 0);
    assert_eq!(live_sessions(&f.db, ann.id).await, 1);
    for r in [&bob.refresh, &second_refresh] {
        assert_eq!(refresh(&f, r).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        audit(&f.db).await,
        [format!(
            r#"|{}|revoke_user_sessions|user:{}|{{"sessions":2}}|{{"sessions":0}}"#,
            ann.id, bob.id
        )]
    );
    // The account stays active: bob signs in again. Ending none is still answered (and audited).
    let (status, _) = login(&f, "bob@example.com").await;
    assert_eq!(status, StatusCode::OK);
    let carl = insert(&f, "carl@example.com", None).await;
    let uri = format!("/admin/users/{carl}/sessions");
    let (status, _) = send(&f.router, "DELETE", &uri, Some(&ann.access), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(audit(&f.db).await.len(), 2);
}

#[tokio::test]
async fn two_superusers_stepping_each_other_down_at_once_leave_one() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let ann = sign_up(&f, "ann@example.com").await;
    let bob = sign_up(&f, "bob@example.com").await;
    for round in 0..8 {
        promote(&f, ann.id).await;
        promote(&f, bob.id).await;
        // Round by round: each takes the other's superuser flag away, or deactivates them.
        let field = if round % 2 == 0 {
            "superuser"
        } else {
            "active"
        };
        let (ann_uri, bob_uri) = (
            format!("/admin/users/{}", ann.id),
            format!("/admin/users/{}", bob.id),
        );
        let body = json!({ field: false });
        let (a, b) = tokio::join!(
            send(
                &f.router,
                "PATCH",
                &bob_uri,
                Some(&ann.access),
                Some(body.clone())
            ),
            send(
                &f.router,
                "PATCH",
                &ann_uri,
                Some(&bob.access),
                Some(body.clone())
            ),
        );
        let ok = [&a, &b].iter().filter(|r| r.0 == StatusCode::OK).count();
        assert_eq!(ok, 1, "round {round}: {a:?} {b:?}");
        for (status, body) in [&a, &b] {
            assert!(
                *status == StatusCode::OK
                    || (*status == StatusCode::CONFLICT && body["error"] == "last_superuser")
                    || (*status == StatusCode::FORBIDDEN && body["error"] == "superuser_required"),
                "round {round}: {status} {body}"
            );
        }
        let left = rows(
            &f.db,
            &format!(
                "SELECT id FROM auth_users WHERE superuser = {t} AND active = {t}",
                t = if super::BACKEND == "sqlite" {
                    "1"
                } else {
                    "true"
                }
            ),
        )
        .await;
        assert_eq!(left.len(), 1, "round {round}: {left:?}");
        for id in [ann.id, bob.id] {
            UsersTable::default()
                .update(&f.db, id, UserChange::Active(true))
                .await
                .expect("reactivate");
        }
    }
}
