//! What opens each organization route ([`OrgsConfig`]): global roles for creating, the model's
//! entitlements on the organization for listing, seeing the members and leaving; who counts as
//! a member (a role directly on the organization, not below it); and the configurations
//! `App::build` refuses. Each refusal is read back in SQL.

use access_axum::AppError;
use access_axum::orgs::OrgsConfig;
use access_core::{TypedClosure as _, TypedRoles as _};
use axum::http::StatusCode;
use serde_json::json;

use super::model::{self, Access as Model, Entitlement, WorkspaceRole, resource};
use super::{Fixture, acme, fixture_with, login, rows, send, sign_up, skip, stored};

async fn with(cfg: OrgsConfig) -> Fixture {
    fixture_with(move |app| app.orgs_with(cfg)).await
}

fn ids(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn only_the_configured_global_roles_create_organizations() {
    if skip() {
        return;
    }
    let f = with(OrgsConfig::default().created_by([Model::admin])).await;
    let (ann, ann_id) = sign_up(&f, "ann@example.com").await;
    let before = stored(&f.db).await;
    let body = json!({ "name": "Acme", "id": "acme" });
    let (status, refused) = send(&f.router, "POST", "/orgs", Some(&ann), Some(body.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"], "forbidden");
    assert!(
        refused["message"].as_str().unwrap().contains("`admin`"),
        "the answer names the roles that may: {refused}"
    );
    assert_eq!(
        stored(&f.db).await,
        before,
        "a refused creation writes nothing"
    );
    // An admin (a global role, in the token after the next sign-in) creates it.
    sea_orm::ConnectionTrait::execute_unprepared(
        &f.db,
        &format!("UPDATE auth_users SET roles = 'admin' WHERE id = {ann_id}"),
    )
    .await
    .expect("role");
    let token = login(&f, "ann@example.com").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let (status, created) = send(&f.router, "POST", "/orgs", Some(&token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["roles"], json!(["owner"]));
}

#[tokio::test]
async fn the_member_list_and_leaving_can_need_an_entitlement() {
    if skip() {
        return;
    }
    let cfg = OrgsConfig::default()
        .members_seen_with(Entitlement::MembersRead)
        .leaves_with(Entitlement::OrganizationManage);
    let f = with(cfg).await;
    let [(ann, _), (bob, _), _] = acme(&f).await;
    // The owner holds `members:read`; a member does not: 403 with the reasons.
    let (status, _) = send(&f.router, "GET", "/orgs/acme/members", Some(&ann), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(&f.router, "GET", "/orgs/acme/members", Some(&bob), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["reasons"][0]["kind"], "role_required", "{body}");
    // A member without `organization:manage` stays; the database is as it was.
    let before = stored(&f.db).await;
    let (status, body) = send(&f.router, "POST", "/orgs/acme/leave", Some(&bob), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["reasons"][0]["kind"], "role_required", "{body}");
    assert_eq!(stored(&f.db).await, before);
    // Someone outside learns nothing, whatever is configured: 404 as before.
    let (eve, _) = sign_up(&f, "eve@example.com").await;
    for (method, path) in [("GET", "/orgs/acme/members"), ("POST", "/orgs/acme/leave")] {
        let (status, _) = send(&f.router, method, path, Some(&eve), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
}

#[tokio::test]
async fn the_organization_list_can_show_only_those_where_an_entitlement_is_held() {
    if skip() {
        return;
    }
    let f = with(OrgsConfig::default().listed_with(Entitlement::OrganizationManage)).await;
    let [(ann, _), (bob, _), _] = acme(&f).await;
    let (status, body) = send(
        &f.router,
        "POST",
        "/orgs",
        Some(&bob),
        Some(json!({ "name": "Globex", "id": "globex" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // bob owns globex and is a plain member of acme: only globex is listed for him.
    let (status, body) = send(&f.router, "GET", "/orgs", Some(&bob), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), ["globex"]);
    let (_, body) = send(&f.router, "GET", "/orgs", Some(&ann), None).await;
    assert_eq!(ids(&body), ["acme"]);
    // Without the option, both.
    let plain = with(OrgsConfig::default()).await;
    let [_, (bob, _), _] = acme(&plain).await;
    send(
        &plain.router,
        "POST",
        "/orgs",
        Some(&bob),
        Some(json!({ "name": "Globex", "id": "globex" })),
    )
    .await;
    let (_, body) = send(&plain.router, "GET", "/orgs", Some(&bob), None).await;
    let mut listed = ids(&body);
    listed.sort();
    assert_eq!(listed, ["acme", "globex"]);
}

#[tokio::test]
async fn a_guest_below_an_organization_is_not_its_member() {
    if skip() {
        return;
    }
    let f = with(OrgsConfig::default()).await;
    let [(ann, _), _, _] = acme(&f).await;
    let (dan, dan_id) = sign_up(&f, "dan@example.com").await;
    let stores = f.app.authz().stores();
    let (org, ws) = (
        resource::Organization::id("acme"),
        resource::Workspace::id("w1"),
    );
    stores.add_child(ws, org).await.expect("workspace");
    stores
        .grant_role(&dan_id, ws, WorkspaceRole::Viewer)
        .await
        .expect("guest");
    let sessions = "SELECT id, tenant FROM auth_sessions ORDER BY id";
    let before = (stored(&f.db).await, rows(&f.db, sessions).await);
    // Neither switching in (whose row rules would then show the tenant's rows) nor its pages.
    let (status, _) = send(
        &f.router,
        "POST",
        "/auth/tenant",
        Some(&dan),
        Some(json!({ "tenant": "acme" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&f.router, "GET", "/orgs/acme/members", Some(&dan), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!((stored(&f.db).await, rows(&f.db, sessions).await), before);
    // The owner lists dan nowhere among the members either.
    let (_, body) = send(&f.router, "GET", "/orgs/acme/members", Some(&ann), None).await;
    let members: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"].as_str().unwrap())
        .collect();
    assert!(!members.contains(&dan_id.as_str()), "{body}");
}

#[tokio::test]
async fn an_entitlement_on_another_entity_is_refused_when_the_app_is_built() {
    if skip() {
        return;
    }
    let db = super::database().await;
    for cfg in [
        OrgsConfig::default().managed_by(Entitlement::WorkspaceRead),
        OrgsConfig::default().members_seen_with(Entitlement::WorkspaceRead),
        OrgsConfig::default().leaves_with(Entitlement::WorkspaceRead),
    ] {
        let built = access_axum::App::new(model::Access, db.clone())
            .config(super::backend::config())
            .orgs_with(cfg)
            .build()
            .await;
        let err = built.expect_err("an entitlement on workspace opens no organization route");
        assert!(matches!(err, AppError::OrgsEntitlement { .. }), "{err}");
        assert!(
            err.to_string().contains(
                "`workspace:read` is declared on `workspace`, not on the tenant `organization`"
            ),
            "{err}"
        );
    }
}
