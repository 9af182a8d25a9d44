//! `POST /orgs`, `GET /orgs` and `GET /orgs/{id}/members` through the whole HTTP stack of an
//! [`App`], on SQLite (`orgs_sqlite`) and PostgreSQL (`orgs_postgres`), with the database read
//! directly after each change and each refusal.

use access_axum::{App, AppError};
use access_core::{RoleStore, TypedRoles as _};
use axum::Router;
use axum::http::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        default_role: user,
        entity organization { roles: [owner, admin, member] }
        entity workspace {
            roles: [viewer],
            inherits: { organization:member => viewer },
        }
        entitlements {
            "organization:manage" on organization => roles [owner, admin],
            "members:invite" on organization => roles [owner, admin],
            "members:read" on organization => roles [owner, admin],
            "workspace:read" on workspace => roles [viewer],
        }
        plans {
            free { group: main, features: ["members:invite"],
                   limits: { invites: "members:invite" per month max 5 } }
        }
        default_plan: free,
        tenant: organization { owner: owner, member: member },
    }
    pub mod plain {
        access_core::define_access! {
            pub Plain;
            entity organization { roles: [owner] }
            entitlements { "organization:manage" on organization => roles [owner] }
        }
    }
}

use model::{Access as Model, OrganizationRole, resource};

mod account;
mod gates;
mod invitations;

/// Notes that belong to a tenant: each reads only its tenant's (a row rule on `user.tenant_id`).
mod note {
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
    #[sea_orm(table_name = "tenant_notes")]
    #[schema(access = super::model::Access, entity = Entity, permission(
        create = blocked,
        list = where(tenant = user.tenant_id),
        read = where(tenant = user.tenant_id),
        update = blocked,
        delete = blocked,
    ))]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub tenant: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[path = "../common/backend.rs"]
mod backend;
use backend::{Outbox, config, rows, send};

fn skip() -> bool {
    backend::skip("orgs", super::BACKEND)
}

async fn database() -> DatabaseConnection {
    backend::database("orgs", super::BACKEND).await
}

struct Fixture {
    router: Router,
    db: DatabaseConnection,
    app: access_axum::AppState<Model>,
}

/// The app with the organization routes.
async fn fixture() -> Fixture {
    fixture_with(App::orgs).await
}

/// The app as `setup` makes it (which mounts the organization routes one way or another).
async fn fixture_with(setup: impl FnOnce(App<Model>) -> App<Model>) -> Fixture {
    let db = database().await;
    let built = setup(App::new(Model, db.clone()).config(config()))
        .build()
        .await
        .expect("the app builds");
    let app = built.state().clone();
    Fixture {
        router: built.into_router(),
        db,
        app,
    }
}

/// The app with the organization routes as `cfg` sets them, mailing into an outbox.
async fn invite_fixture(cfg: access_axum::orgs::OrgsConfig) -> (Fixture, Outbox) {
    let outbox = Outbox::default();
    let mail = outbox.clone();
    let f = fixture_with(move |app| app.orgs_with(cfg).auth(|a| a.with_mailer(mail))).await;
    (f, outbox)
}

/// Registers `email`; its access token and user id.
async fn sign_up(f: &Fixture, email: &str) -> (String, String) {
    let body = json!({ "email": email, "password": "correct horse battery" });
    let (status, body) = send(&f.router, "POST", "/auth/register", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (_, me) = send(&f.router, "GET", "/auth/me", Some(&token), None).await;
    (token, me["id"].as_i64().expect("id").to_string())
}

/// What the organization routes write: the organizations, the assignments, the audit trail.
async fn stored(db: &DatabaseConnection) -> Vec<String> {
    let mut out = rows(
        db,
        "SELECT id, name, created_by FROM access_orgs ORDER BY id",
    )
    .await;
    out.extend(
        rows(
            db,
            "SELECT user_id, res_ty, res_id, role FROM access_assignments ORDER BY user_id, res_id, role",
        )
        .await,
    );
    out.extend(
        rows(
            db,
            "SELECT tenant, actor, action, target FROM access_audit ORDER BY id",
        )
        .await,
    );
    out.extend(rows(db, "SELECT ty, id FROM access_resources ORDER BY ty, id").await);
    out
}

#[tokio::test]
async fn creating_an_organization_makes_its_creator_the_owner() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&ann),
        Some(json!({ "name": " Acme ", "id": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body,
        json!({ "id": "acme", "name": "Acme", "roles": ["owner"] })
    );
    assert_eq!(
        rows(&f.db, "SELECT id, name, created_by FROM access_orgs").await,
        [format!("acme|Acme|{ann_id}")]
    );
    assert_eq!(
        rows(
            &f.db,
            "SELECT user_id, res_ty, res_id, role FROM access_assignments"
        )
        .await,
        [format!("{ann_id}|organization|acme|owner")]
    );
    assert_eq!(
        rows(
            &f.db,
            "SELECT tenant, actor, action, target FROM access_audit"
        )
        .await,
        [format!("acme|{ann_id}|create_org|organization:acme")]
    );
    // The store answers for it at once: the owner holds `organization:manage` there.
    let owner = f
        .app
        .authz()
        .stores()
        .holders(resource::Organization::id("acme").into(), None, 10)
        .await
        .expect("holders");
    assert_eq!(owner.len(), 1);
    assert_eq!(owner[0].0, ann_id);

    // Listed with the caller's roles; another user has none.
    let (status, mine) = send(&f.router, "GET", "/orgs", Some(&ann), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(
        mine,
        json!({ "items": [{ "id": "acme", "name": "Acme", "roles": ["owner"] }] })
    );
    let (bob, _) = sign_up(&f, "bob@example.com").await;
    let (_, theirs) = send(&f.router, "GET", "/orgs", Some(&bob), None).await;
    assert_eq!(theirs, json!({ "items": [] }));

    // Without an id, one is made up: 16 lowercase letters and digits.
    let (status, made) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&bob),
        Some(json!({ "name": "Globex" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().expect("id");
    assert_eq!(id.len(), 16);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{id}"
    );
}

#[tokio::test]
async fn a_refused_organization_changes_nothing() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, _) = sign_up(&f, "ann@example.com").await;
    let (bob, _) = sign_up(&f, "bob@example.com").await;
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&ann),
        Some(json!({ "name": "Acme", "id": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let before = stored(&f.db).await;
    for (token, body, want, code) in [
        // The id is taken (by someone else's organization).
        (
            Some(&bob),
            json!({ "name": "Mine", "id": "acme" }),
            StatusCode::CONFLICT,
            "org_exists",
        ),
        (
            Some(&bob),
            json!({ "name": "", "id": "x1" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
        ),
        (
            Some(&bob),
            json!({ "name": "a\u{7}b" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
        ),
        (
            Some(&bob),
            json!({ "name": "n".repeat(101) }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
        ),
        (
            Some(&bob),
            json!({ "name": "Up", "id": "Acme" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_id",
        ),
        (
            Some(&bob),
            json!({ "name": "Up", "id": "-x" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_id",
        ),
        (
            Some(&bob),
            json!({ "name": "Up", "id": "a/b" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_id",
        ),
        (
            Some(&bob),
            json!({ "name": "Up", "plan": "pro" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            None,
            json!({ "name": "Anon" }),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
    ] {
        let (status, body) = send(
            &f.router,
            "POST",
            "/orgs",
            token.map(String::as_str),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, want, "{body}");
        assert_eq!(body["error"], code, "{body}");
    }
    assert_eq!(stored(&f.db).await, before, "a refusal wrote something");
}

#[tokio::test]
async fn members_see_the_members_a_page_at_a_time_and_nobody_else_learns_anything() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    let (bob, bob_id) = sign_up(&f, "bob@example.com").await;
    let (eve, _) = sign_up(&f, "eve@example.com").await;
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&ann),
        Some(json!({ "name": "Acme", "id": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let stores = f.app.authz().stores();
    let acme = resource::Organization::id("acme");
    stores
        .grant_role(&bob_id, acme, OrganizationRole::Member)
        .await
        .expect("member");
    stores
        .grant_role(&bob_id, acme, OrganizationRole::Admin)
        .await
        .expect("admin");

    let (status, all) = send(&f.router, "GET", "/orgs/acme/members", Some(&bob), None).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let mut want = vec![
        json!({ "user": ann_id, "email": "ann@example.com", "roles": ["owner"] }),
        json!({ "user": bob_id, "email": "bob@example.com", "roles": ["admin", "member"] }),
    ];
    want.sort_by_key(|v| v["user"].as_str().map(str::to_owned));
    assert_eq!(all, json!({ "items": want, "next": null }));

    // One at a time: `next` is the cursor, the last page has none.
    let (_, first) = send(
        &f.router,
        "GET",
        "/orgs/acme/members?per_page=1",
        Some(&ann),
        None,
    )
    .await;
    assert_eq!(first["items"], json!([want[0]]));
    let next = first["next"].as_str().expect("a next page").to_owned();
    let (_, second) = send(
        &f.router,
        "GET",
        &format!("/orgs/acme/members?per_page=1&after={next}"),
        Some(&ann),
        None,
    )
    .await;
    assert_eq!(second["items"], json!([want[1]]));
    let next = second["next"]
        .as_str()
        .expect("a cursor after a full page")
        .to_owned();
    let (_, last) = send(
        &f.router,
        "GET",
        &format!("/orgs/acme/members?per_page=1&after={next}"),
        Some(&ann),
        None,
    )
    .await;
    assert_eq!(last, json!({ "items": [], "next": null }));

    // A non-member gets the same 404 as for an organization that does not exist.
    let (status, hidden) = send(&f.router, "GET", "/orgs/acme/members", Some(&eve), None).await;
    let (missing_status, missing) =
        send(&f.router, "GET", "/orgs/nope/members", Some(&eve), None).await;
    assert_eq!(
        (status, missing_status),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(hidden, missing);

    for bad in ["per_page=0", "per_page=201", "per_page=x", "page=2"] {
        let (status, body) = send(
            &f.router,
            "GET",
            &format!("/orgs/acme/members?{bad}"),
            Some(&ann),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_query", "{body}");
    }
    let (status, _) = send(&f.router, "GET", "/orgs/acme/members", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn organizations_need_the_models_tenant() {
    if skip() {
        return;
    }
    let built = App::new(model::plain::Plain, database().await)
        .config(config())
        .orgs()
        .build()
        .await;
    let err = built.expect_err("no tenant, no organizations");
    assert!(matches!(err, AppError::NoTenant));
    assert!(
        err.to_string()
            .contains("tenant: <entity> { owner: <role> }"),
        "{err}"
    );
}

/// ann owns acme; bob and cal are members.
async fn acme(f: &Fixture) -> [(String, String); 3] {
    let ann = sign_up(f, "ann@example.com").await;
    let bob = sign_up(f, "bob@example.com").await;
    let cal = sign_up(f, "cal@example.com").await;
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&ann.0),
        Some(json!({ "name": "Acme", "id": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let stores = f.app.authz().stores();
    for who in [&bob.1, &cal.1] {
        stores
            .grant_role(
                who,
                resource::Organization::id("acme"),
                OrganizationRole::Member,
            )
            .await
            .expect("member");
    }
    [ann, bob, cal]
}

async fn roles_of(f: &Fixture, user: &str) -> Vec<String> {
    rows(
        &f.db,
        &format!("SELECT role FROM access_assignments WHERE user_id = '{user}' AND res_id = 'acme' ORDER BY role"),
    )
    .await
}

#[tokio::test]
async fn owners_change_roles_and_remove_members() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let [(ann, _), (_, bob_id), (_, cal_id)] = acme(&f).await;
    let put = |user: &str| format!("/orgs/acme/members/{user}");
    let (status, body) = send(
        &f.router,
        "PUT",
        &put(&bob_id),
        Some(&ann),
        Some(json!({ "role": "admin" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(roles_of(&f, &bob_id).await, ["admin"]);
    let (status, body) = send(&f.router, "DELETE", &put(&cal_id), Some(&ann), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(roles_of(&f, &cal_id).await.is_empty());
    // (Compared as JSON: the key order depends on serde_json's features in the build.)
    let trail: Vec<(String, Value, Value)> = rows(
        &f.db,
        "SELECT action, before, after FROM access_audit WHERE action <> 'create_org' ORDER BY id",
    )
    .await
    .into_iter()
    .map(|r| {
        let mut parts = r.splitn(3, '|');
        let action = parts.next().unwrap().to_owned();
        let before = serde_json::from_str(parts.next().unwrap()).unwrap();
        let after = serde_json::from_str(parts.next().unwrap()).unwrap();
        (action, before, after)
    })
    .collect();
    assert_eq!(
        trail,
        [
            (
                "set_member_role".to_owned(),
                json!({ "roles": ["member"], "user": bob_id }),
                json!({ "roles": ["admin"], "user": bob_id }),
            ),
            (
                "remove_member".to_owned(),
                json!({ "roles": ["member"], "user": cal_id }),
                json!({ "roles": [], "user": cal_id }),
            ),
        ]
    );
}

#[tokio::test]
async fn refused_member_changes_change_nothing() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let [(ann, ann_id), (bob, bob_id), (_, cal_id)] = acme(&f).await;
    let (eve, _) = sign_up(&f, "eve@example.com").await;
    let before = stored(&f.db).await;
    let member = |user: &str| format!("/orgs/acme/members/{user}");
    for (who, method, uri, body, want, code) in [
        // A member who is not an owner.
        (
            &bob,
            "PUT",
            member(&cal_id),
            Some(json!({ "role": "admin" })),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &bob,
            "DELETE",
            member(&cal_id),
            None,
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        // Someone outside: as if there were no organization.
        (
            &eve,
            "PUT",
            member(&cal_id),
            Some(json!({ "role": "admin" })),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &eve,
            "DELETE",
            member(&cal_id),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &eve,
            "POST",
            "/orgs/acme/leave".to_owned(),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &ann,
            "PUT",
            "/orgs/nope/members/1".to_owned(),
            Some(json!({ "role": "admin" })),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // No such member, no such role, a body that does not fit.
        (
            &ann,
            "PUT",
            member("999"),
            Some(json!({ "role": "admin" })),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &ann,
            "DELETE",
            member("999"),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &ann,
            "PUT",
            member(&bob_id),
            Some(json!({ "role": "ownr" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_role",
        ),
        (
            &ann,
            "PUT",
            member(&bob_id),
            Some(json!({ "role": "admin", "until": 5 })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        // The last owner can be neither removed, nor demoted, nor leave.
        (
            &ann,
            "DELETE",
            member(&ann_id),
            None,
            StatusCode::CONFLICT,
            "last_owner",
        ),
        (
            &ann,
            "PUT",
            member(&ann_id),
            Some(json!({ "role": "member" })),
            StatusCode::CONFLICT,
            "last_owner",
        ),
        (
            &ann,
            "POST",
            "/orgs/acme/leave".to_owned(),
            None,
            StatusCode::CONFLICT,
            "last_owner",
        ),
    ] {
        let (status, got) = send(&f.router, method, &uri, Some(who), body).await;
        assert_eq!(status, want, "{method} {uri}: {got}");
        assert_eq!(got["error"], code, "{method} {uri}: {got}");
        if code == "last_owner" {
            let why = got["message"].as_str().unwrap();
            assert!(why.contains("at least one owner"), "{why}");
        }
        if code == "unknown_role" {
            let why = got["message"].as_str().unwrap();
            assert!(why.contains("did you mean `owner`"), "{why}");
        }
    }
    assert_eq!(stored(&f.db).await, before, "a refusal wrote something");

    // Once bob owns it too, ann may leave; then acme is not hers to see.
    let (status, _) = send(
        &f.router,
        "PUT",
        &member(&bob_id),
        Some(&ann),
        Some(json!({ "role": "owner" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(&f.router, "POST", "/orgs/acme/leave", Some(&ann), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, mine) = send(&f.router, "GET", "/orgs", Some(&ann), None).await;
    assert_eq!(mine, json!({ "items": [] }));
    let (status, _) = send(&f.router, "GET", "/orgs/acme/members", Some(&ann), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_entitlement_can_open_member_management_to_more_roles() {
    if skip() {
        return;
    }
    let f = fixture_with(|app| {
        app.orgs_with(
            access_axum::orgs::OrgsConfig::default()
                .managed_by(model::Entitlement::OrganizationManage),
        )
    })
    .await;
    let [(ann, _), (bob, bob_id), (_, cal_id)] = acme(&f).await;
    // A member without `organization:manage`: 403 with the reasons of the check.
    let (status, body) = send(
        &f.router,
        "DELETE",
        &format!("/orgs/acme/members/{cal_id}"),
        Some(&bob),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["reasons"][0]["kind"], "role_required", "{body}");
    // An admin holds it.
    let (status, _) = send(
        &f.router,
        "PUT",
        &format!("/orgs/acme/members/{bob_id}"),
        Some(&ann),
        Some(json!({ "role": "admin" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(
        &f.router,
        "DELETE",
        &format!("/orgs/acme/members/{cal_id}"),
        Some(&bob),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(roles_of(&f, &cal_id).await.is_empty());
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

/// The state an access token's `access` claim gives `organization:manage`.
fn manage_state(token: &str) -> String {
    let c = claims(token);
    let set = access_core::AccessSet::decode(
        c["access"].as_str().expect("an access claim"),
        model::Entitlement::ALL.iter().map(|e| e.as_str()),
    )
    .expect("decodes");
    set.state("organization:manage")
        .expect("in the model")
        .as_str()
        .to_owned()
}

async fn login(f: &Fixture, email: &str) -> Value {
    let body = json!({ "identifier": email, "password": "correct horse battery" });
    let (status, body) = send(&f.router, "POST", "/auth/login", None, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn switching_tenant_gives_tokens_for_it_and_the_next_login_starts_there() {
    if skip() {
        return;
    }
    let f = fixture_with(|app| app.orgs().access_set_claims()).await;
    let [(ann, ann_id), (bob, bob_id), _] = acme(&f).await;
    // bob owns globex; ann is a member there.
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&bob),
        Some(json!({ "name": "Globex", "id": "globex" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    f.app
        .authz()
        .stores()
        .grant_role(
            &ann_id,
            resource::Organization::id("globex"),
            OrganizationRole::Member,
        )
        .await
        .expect("member");
    assert_eq!(claims(&ann)["tenant"], Value::Null);

    let (status, tokens) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        Some(&ann),
        Some(json!({ "tenant": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let in_acme = tokens["access_token"].as_str().expect("access").to_owned();
    assert_eq!(claims(&in_acme)["tenant"], "acme");
    assert_eq!(manage_state(&in_acme), "allowed", "she owns acme");
    // The tenant's routes see it: her organizations list is unchanged, `me` names it.
    let (_, me) = send(&f.router, "GET", "/auth/me", Some(&in_acme), None).await;
    assert_eq!(me["tenant"], "acme", "{me}");

    // To globex, where she is a member: the access set follows.
    let (status, tokens) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        Some(&in_acme),
        Some(json!({ "tenant": "globex" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let in_globex = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&in_globex)["tenant"], "globex");
    assert_eq!(manage_state(&in_globex), "role_required", "a member there");
    // A refresh keeps the session's tenant.
    let (status, refreshed) = send(
        &f.router,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": refresh })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(
        claims(refreshed["access_token"].as_str().unwrap())["tenant"],
        "globex"
    );
    // The next login starts where she left.
    let again = login(&f, "ann@example.com").await;
    assert_eq!(
        claims(again["access_token"].as_str().unwrap())["tenant"],
        "globex"
    );

    // Removed from globex: her next refresh carries no tenant.
    let (status, _) = send(
        &f.router,
        "DELETE",
        &format!("/orgs/globex/members/{ann_id}"),
        Some(&bob),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, after) = send(
        &f.router,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": refreshed["refresh_token"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        claims(after["access_token"].as_str().unwrap())["tenant"],
        Value::Null
    );
    let _ = bob_id;
}

#[tokio::test]
async fn nobody_switches_into_an_organization_they_are_not_in() {
    if skip() {
        return;
    }
    let f = fixture().await;
    let [(ann, _), _, _] = acme(&f).await;
    let (eve, _) = sign_up(&f, "eve@example.com").await;
    let sessions = "SELECT id, tenant FROM auth_sessions ORDER BY id";
    let users = "SELECT id, tenant FROM auth_users ORDER BY id";
    let before = (rows(&f.db, sessions).await, rows(&f.db, users).await);
    let (status, hidden) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        Some(&eve),
        Some(json!({ "tenant": "acme" })),
    )
    .await;
    let (missing_status, missing) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        Some(&eve),
        Some(json!({ "tenant": "nope" })),
    )
    .await;
    assert_eq!(
        (status, missing_status),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(hidden, missing, "a non-member learns nothing about acme");
    for (body, code) in [
        (json!({ "tenant": 5 }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "org": "acme" }), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, got) = send(&f.router, "POST", "/auth/tenant", Some(&ann), Some(body)).await;
        assert_eq!(status, code, "{got}");
    }
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        None,
        Some(json!({ "tenant": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (rows(&f.db, sessions).await, rows(&f.db, users).await),
        before
    );
}

/// A database from before sessions remembered a tenant gets the column, and keeps its rows.
#[tokio::test]
async fn migrate_adds_the_sessions_tenant_to_an_older_database() {
    if skip() {
        return;
    }
    let db = database().await;
    db.execute_unprepared(
        "CREATE TABLE auth_sessions (id VARCHAR(64) PRIMARY KEY, user_id BIGINT NOT NULL, device VARCHAR(255) NOT NULL, \
         ip VARCHAR(64) NOT NULL, created_at BIGINT NOT NULL, last_active_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT NULL)",
    )
    .await
    .expect("an old table");
    db.execute_unprepared("INSERT INTO auth_sessions VALUES ('s1', 1, 'd', 'ip', 1, 1, 2, NULL)")
        .await
        .expect("a row");
    access_axum::migrate(&db).await.expect("migrates");
    access_axum::migrate(&db)
        .await
        .expect("and again, changing nothing");
    assert_eq!(
        rows(&db, "SELECT id, tenant FROM auth_sessions").await,
        ["s1|"]
    );
}

/// Row rules on `user.tenant_id` follow the switch: the same user lists acme's notes, then
/// globex's.
#[tokio::test]
async fn row_rules_see_the_tenant_switched_to() {
    if skip() {
        return;
    }
    let f = fixture_with(|app| app.orgs().crud::<note::Entity>("/notes")).await;
    let [(ann, ann_id), (bob, _), _] = acme(&f).await;
    let (status, _) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&bob),
        Some(json!({ "name": "Globex", "id": "globex" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    f.app
        .authz()
        .stores()
        .grant_role(
            &ann_id,
            resource::Organization::id("globex"),
            OrganizationRole::Member,
        )
        .await
        .expect("member");
    f.db.execute_unprepared(
        "INSERT INTO tenant_notes (id, tenant) VALUES ('a1', 'acme'), ('a2', 'acme'), ('g1', 'globex')",
    )
    .await
    .expect("notes");
    let ids = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut token = ann.clone();
    for (tenant, want) in [
        ("acme", vec!["a1", "a2"]),
        ("globex", vec!["g1"]),
        ("acme", vec!["a1", "a2"]),
    ] {
        let (status, tokens) = send(
            &f.router,
            "POST",
            "/auth/tenant",
            Some(&token),
            Some(json!({ "tenant": tenant })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        token = tokens["access_token"].as_str().unwrap().to_owned();
        let (status, list) = send(&f.router, "GET", "/notes", Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(ids(&list), want, "in {tenant}");
        // Another tenant's row reads as missing.
        let other = if tenant == "acme" { "g1" } else { "a1" };
        let (status, _) = send(
            &f.router,
            "GET",
            &format!("/notes/{other}"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{other} from {tenant}");
    }
}
