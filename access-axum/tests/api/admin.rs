//! admin and dynamic: the admin API through HTTP, the audit trail, the request bodies, and
//! `DynamicGrants` (behaviour moved out of the doc examples of `access_axum::admin` and
//! `access_axum::dynamic`).

use std::sync::Arc;
use std::time::Duration;

use access_axum::admin::{
    AddOnBody, AdminConfig, NewRole, OverrideBody, Placement, PlanBody, ResourceBody, Window,
    admin_router, audit,
};
use access_axum::authz::Authz;
use access_axum::dynamic::{ChangeError, DynamicGrants, custom_role, role_grant};
use access_axum::{ApiError, AuthState};
use access_core::{
    AccessContext, AccessModel, EntitlementId, GrantErrorKind, Grants, MemoryStore, Principal,
    TypedClosure, TypedRoles,
};
use axum::Router;
use axum::extract::{FromRef, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use sea_orm::{EntityTrait, Iterable};
use serde_json::json;

use crate::harness::*;

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity organization { roles: [owner, member] }
        entity project {
            roles: [manager, viewer],
            implies: { manager => viewer },
            inherits: { organization:owner => manager, organization:member => viewer },
        }
        entitlements {
            "organization:manage" on organization => roles [owner],
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
        }
    }
}

use model::{Access as Model, Entitlement, OrganizationRole, entitlement, resource};

#[derive(Clone)]
struct AppState {
    auth: AuthState,
    authz: Authz<Model, MemoryStore>,
}

impl FromRef<AppState> for AuthState {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}

impl FromRef<AppState> for Authz<Model, MemoryStore> {
    fn from_ref(s: &AppState) -> Self {
        s.authz.clone()
    }
}

/// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
async fn stores() -> Arc<MemoryStore> {
    let s = Arc::new(MemoryStore::new());
    let acme = resource::Organization::id("acme");
    s.add_root(acme).await.unwrap();
    s.add_child(resource::Project::id("p1"), acme)
        .await
        .unwrap();
    s.grant_role("1", acme, OrganizationRole::Owner)
        .await
        .unwrap();
    s.grant_role("2", acme, OrganizationRole::Member)
        .await
        .unwrap();
    s
}

/// The admin API under `/admin`, opened by `organization:manage`, in static mode.
async fn admin_app(stores: Arc<MemoryStore>) -> Router {
    let state = AppState {
        auth: auth_state().await,
        authz: Authz::new(Model, stores),
    };
    Router::new()
        .nest(
            "/admin",
            admin_router::<Model, MemoryStore, AppState>(Entitlement::OrganizationManage),
        )
        .with_state(state)
}

/// The roles `entitlement` is given to in `g`.
fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    let data = Model.data();
    let id = EntitlementId::from(entitlement);
    let entity = data.entitlements[id.0 as usize].entity;
    g.role_names(data, entity, g.listed(id).unwrap())
}

// ---- admin_router -------------------------------------------------------------------------

/// Was the `admin_router` doc example.
#[tokio::test]
async fn an_owner_assigns_a_role_and_the_change_is_audited() {
    let stores = stores().await;
    let app = admin_app(stores.clone()).await;
    // User 1 owns organization acme, their token's tenant: they make user 7 a viewer of p1.
    let owner = token(1, &[]);
    let uri = "/admin/assignments/project/p1/viewer/7";
    let (status, _) = send(&app, "PUT", uri, Some(&owner), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let seven = AccessContext::new(&Model, &*stores, Principal::new("7"));
    assert!(seven.can(entitlement::ProjectRead, "p1").await.unwrap());

    // The change is in the audit trail.
    let (status, audit) = send(&app, "GET", "/admin/audit", Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audit["items"][0]["action"], "assign");
    assert_eq!(audit["items"][0]["target"], "project:p1");
}

#[tokio::test]
async fn the_admin_api_refuses_non_admins_unknown_names_and_grants_outside_dynamic_mode() {
    let app = admin_app(stores().await).await;
    let owner = token(1, &[]);
    // A member of acme does not hold `organization:manage`: 403 with the reasons.
    let uri = "/admin/assignments/project/p1/viewer/7";
    let (status, body) = send(&app, "PUT", uri, Some(&token(2, &[])), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    assert_eq!(body["entitlement"], "organization:manage");
    assert!(!body["reasons"].as_array().unwrap().is_empty());
    // Without a token: 401.
    assert_eq!(
        send(&app, "PUT", uri, None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A role the model does not declare is a 400.
    let uri = "/admin/assignments/project/p1/editor/7";
    let (status, body) = send(&app, "PUT", uri, Some(&owner), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unknown_name");
    // The grants and roles routes answer 404 outside dynamic mode.
    let (status, body) = send(&app, "GET", "/admin/grants", Some(&owner), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    let role = json!({ "entity": "project", "name": "auditor" });
    let (status, _) = send(&app, "POST", "/admin/roles", Some(&owner), Some(role)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_token_without_a_tenant_is_a_400() {
    let app = admin_app(stores().await).await;
    let no_tenant = token_in(1, &[], None);
    let (status, body) = send(&app, "GET", "/admin/audit", Some(&no_tenant), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "tenant_required");
}

#[tokio::test]
async fn assignment_bodies_are_optional_and_checked() {
    let app = admin_app(stores().await).await;
    let owner = token(1, &[]);
    let uri = "/admin/assignments/project/p1/viewer/7";
    // A window whose start is not before its end.
    let body = json!({ "from": 20, "until": 10 });
    let (status, b) = send(&app, "PUT", uri, Some(&owner), Some(body)).await;
    assert_eq!(
        (status, b["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );
    // A body of the wrong shape, and one that is not JSON.
    let (status, b) = send(&app, "PUT", uri, Some(&owner), Some(json!({ "to": 1 }))).await;
    assert_eq!(
        (status, b["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body"))
    );
    let req = axum::http::Request::builder()
        .method("PUT")
        .uri(uri)
        .header("authorization", format!("Bearer {owner}"))
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    let (status, b) = call(&app, req).await;
    assert_eq!(
        (status, b["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    // A resource outside the tenant is a 404.
    let uri = "/admin/assignments/project/p9/viewer/7";
    let (status, b) = send(&app, "PUT", uri, Some(&owner), None).await;
    assert_eq!(
        (status, b["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn a_request_outside_admin_router_has_no_admin_config() {
    // Was the `AdminConfig` doc example.
    let req = axum::http::Request::new(());
    assert!(req.extensions().get::<AdminConfig<Model>>().is_none());
}

// ---- the audit trail ----------------------------------------------------------------------

/// Was the `audit::Model` and `admin::record` doc examples.
#[tokio::test]
async fn record_writes_one_row_with_json_before_and_after() {
    let db = db().await;
    let on = json!({ "on": true });
    audit::record(&db, "acme", "7", "flag", "flag:beta", json!(null), on).await;
    let row: audit::Model = audit::Entity::find().one(&db).await.unwrap().unwrap();
    let who = (row.tenant.as_str(), row.actor.as_str(), row.action.as_str());
    assert_eq!(who, ("acme", "7", "flag"));
    assert_eq!(
        (row.before.as_str(), row.after.as_str()),
        ("null", r#"{"on":true}"#)
    );

    // The application's own admin change, in the same trail as the admin API's.
    let (before, after) = (json!({ "name": "old" }), json!({ "name": "new" }));
    audit::record(&db, "acme", "7", "rename", "project:p1", before, after).await;
    let rows = audit::Entity::find().all(&db).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].target, "project:p1");
    assert_eq!(rows[1].after, r#"{"name":"new"}"#);
}

#[tokio::test]
async fn record_without_its_table_loses_the_row_and_does_not_fail() {
    let bare = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    audit::record(&bare, "acme", "7", "rename", "p1", json!(null), json!(null)).await;
}

#[test]
fn the_entities_navigate_no_relations() {
    assert_eq!(audit::Relation::iter().count(), 0);
    assert_eq!(role_grant::Relation::iter().count(), 0);
    assert_eq!(custom_role::Relation::iter().count(), 0);
}

#[test]
fn audit_page_reads_page_and_per_page() {
    let uri = "/audit?page=2&per_page=10".parse().unwrap();
    let Query(p) = Query::<audit::AuditPage>::try_from_uri(&uri).unwrap();
    assert_eq!((p.page, p.per_page), (Some(2), Some(10)));
    let Query(d) = Query::<audit::AuditPage>::try_from_uri(&"/audit".parse().unwrap()).unwrap();
    assert!(d.page.is_none() && d.per_page.is_none());
}

// ---- request bodies -----------------------------------------------------------------------

#[test]
fn window_bounds_are_optional_and_unknown_fields_refused() {
    let w: Window = serde_json::from_str(r#"{"from": 1700000000, "until": 1800000000}"#).unwrap();
    assert_eq!(
        (w.from, w.until),
        (Some(1_700_000_000), Some(1_800_000_000))
    );
    let open: Window = serde_json::from_str(r#"{"until": 1800000000}"#).unwrap();
    assert_eq!(open.from, None);
    assert!(serde_json::from_str::<Window>(r#"{"to": 1}"#).is_err());
}

#[test]
fn resource_bodies_need_every_field() {
    let r: ResourceBody = serde_json::from_str(r#"{"entity": "workspace", "id": "ws1"}"#).unwrap();
    assert_eq!((r.entity.as_str(), r.id.as_str()), ("workspace", "ws1"));
    assert!(serde_json::from_str::<ResourceBody>(r#"{"entity": "workspace"}"#).is_err());
    let body = r#"{"parents": [{"entity": "organization", "id": "acme"}]}"#;
    let p: Placement = serde_json::from_str(body).unwrap();
    assert_eq!(p.parents.len(), 1);
    assert_eq!(p.parents[0].id, "acme");
    assert!(serde_json::from_str::<Placement>("{}").is_err()); // `parents` is required
}

#[test]
fn plan_bodies_read_their_dates_and_limits() {
    let b: PlanBody = serde_json::from_str(r#"{"plan": "pro", "ends_at": 1800000000}"#).unwrap();
    assert_eq!(b.plan, "pro");
    assert_eq!((b.started_at, b.ends_at), (None, Some(1_800_000_000)));
    let b: AddOnBody = serde_json::from_str(r#"{"started_at": 1700000000}"#).unwrap();
    assert_eq!((b.started_at, b.ends_at), (Some(1_700_000_000), None));
    let d = AddOnBody::default();
    assert!(d.started_at.is_none() && d.ends_at.is_none());
    let b: OverrideBody = serde_json::from_str(r#"{"max": 500}"#).unwrap();
    assert_eq!(b.max, 500);
    assert!(serde_json::from_str::<OverrideBody>(r#"{"max": -1}"#).is_err());
}

#[test]
fn new_role_entitlements_are_optional_and_unknown_fields_refused() {
    let body = r#"{"entity": "project", "name": "auditor", "entitlements": ["project:read"]}"#;
    let role: NewRole = serde_json::from_str(body).unwrap();
    assert_eq!(
        (role.entity.as_str(), role.name.as_str()),
        ("project", "auditor")
    );
    assert_eq!(role.entitlements, ["project:read"]);
    let bare: NewRole = serde_json::from_str(r#"{"entity": "project", "name": "guest"}"#).unwrap();
    assert!(bare.entitlements.is_empty());
    let colored = r#"{"entity": "project", "name": "x", "color": 1}"#;
    assert!(serde_json::from_str::<NewRole>(colored).is_err());
}

// ---- DynamicGrants ------------------------------------------------------------------------

/// Was the `DynamicGrants` and `DynamicGrants::new` doc examples.
#[tokio::test]
async fn each_tenant_has_its_own_grants_starting_from_the_model() {
    let grants = DynamicGrants::new(&Model, db().await);
    // A tenant nobody changed has the model's grants.
    assert_eq!(
        *grants.tenant("acme").await.unwrap(),
        Grants::new(Model.data())
    );
    // Tenant acme gives `project:delete` to viewers; tenant globex keeps the model's grants.
    grants
        .grant("acme", "project:delete", "viewer", "admin-1")
        .await
        .unwrap();
    let acme = grants.tenant("acme").await.unwrap();
    assert_eq!(
        given_to(&acme, Entitlement::ProjectDelete),
        ["manager", "viewer"]
    );
    let globex = grants.tenant("globex").await.unwrap();
    assert_eq!(given_to(&globex, Entitlement::ProjectDelete), ["manager"]);
}

/// Was the `DynamicGrants::cache_ttl` and `DynamicGrants::tenant` doc examples.
#[tokio::test]
async fn the_cache_returns_the_same_grants_within_its_ttl_and_none_at_zero() {
    let db = db().await;
    let grants = DynamicGrants::new(&Model, db.clone());
    let first = grants.tenant("acme").await.unwrap();
    assert_eq!(given_to(&first, Entitlement::ProjectRead), ["viewer"]);
    // Within the cache TTL (2 s by default) the same grants come back, not read again.
    assert!(Arc::ptr_eq(&first, &grants.tenant("acme").await.unwrap()));

    let here = DynamicGrants::new(&Model, db.clone()).cache_ttl(Duration::ZERO);
    let elsewhere = DynamicGrants::new(&Model, db.clone()); // another process, same database
    let delete = |g: &Grants| given_to(g, Entitlement::ProjectDelete);
    assert_eq!(delete(&here.tenant("acme").await.unwrap()), ["manager"]);
    elsewhere
        .grant("acme", "project:delete", "viewer", "1")
        .await
        .unwrap();
    // Without a cache, the change shows at once.
    let now = here.tenant("acme").await.unwrap();
    assert_eq!(delete(&now), ["manager", "viewer"]);
}

/// Was the `DynamicGrants::grant`, `revoke` and `role_grant::Model` doc examples.
#[tokio::test]
async fn grant_and_revoke_store_one_row_and_refuse_foreign_roles() {
    let db = db().await;
    let grants = DynamicGrants::new(&Model, db.clone());
    let g = grants
        .grant("acme", "project:delete", "viewer", "42")
        .await
        .unwrap();
    assert_eq!(
        given_to(&g, Entitlement::ProjectDelete),
        ["manager", "viewer"]
    );
    let row = role_grant::Entity::find().one(&db).await.unwrap().unwrap();
    let what = (
        row.tenant.as_str(),
        row.entitlement.as_str(),
        row.role.as_str(),
    );
    assert_eq!(what, ("acme", "project:delete", "viewer"));
    assert!(row.granted);
    assert_eq!(row.changed_by, "42");
    // A role of another entity type is refused.
    assert!(matches!(
        grants.grant("acme", "project:delete", "owner", "42").await,
        Err(ChangeError::Refused(_))
    ));

    // In tenant globex, nobody may delete projects any more; acme is untouched by that.
    let g = grants
        .revoke("globex", "project:delete", "manager", "42")
        .await
        .unwrap();
    assert!(given_to(&g, Entitlement::ProjectDelete).is_empty());
    let other = grants.tenant("initech").await.unwrap();
    assert_eq!(given_to(&other, Entitlement::ProjectDelete), ["manager"]);
}

/// Was the `ChangeError` doc example.
#[tokio::test]
async fn an_unknown_name_is_refused_as_a_400() {
    let grants = DynamicGrants::new(&Model, db().await);
    let err = grants
        .grant("acme", "project:fly", "viewer", "1")
        .await
        .unwrap_err();
    assert!(matches!(&err, ChangeError::Refused(e) if e.kind == GrantErrorKind::Unknown));
    assert!(err.to_string().contains("project:fly"));
    assert_eq!(err.into_response().status(), StatusCode::BAD_REQUEST);
    let err = grants
        .grant("acme", "project:fly", "viewer", "1")
        .await
        .unwrap_err();
    let api = ApiError::from(err);
    assert_eq!(
        (api.status, api.code),
        (StatusCode::BAD_REQUEST, "unknown_name")
    );
}

/// Was the `create_role`, `delete_role` and `custom_role::Model` doc examples.
#[tokio::test]
async fn custom_roles_take_the_next_index_and_grant_nothing_once_deleted() {
    let db = db().await;
    let grants = DynamicGrants::new(&Model, db.clone());
    let idx = grants
        .create_role("acme", "project", "auditor", &["project:read"], "42")
        .await
        .unwrap();
    assert_eq!(idx, 2); // after the model's roles of `project` (manager, viewer)
    let row = custom_role::Entity::find().one(&db).await.unwrap().unwrap();
    assert_eq!(
        (row.entity.as_str(), row.name.as_str()),
        ("project", "auditor")
    );
    assert_eq!(row.idx, 2);
    assert!(!row.deleted);
    let g = grants.tenant("acme").await.unwrap();
    assert_eq!(
        given_to(&g, Entitlement::ProjectRead),
        ["viewer", "auditor"]
    );
    // The name is taken now.
    let err = grants
        .create_role("acme", "project", "auditor", &[], "42")
        .await
        .unwrap_err();
    assert!(matches!(err, ChangeError::Refused(e) if e.kind == GrantErrorKind::Conflict));

    grants
        .delete_role("acme", "project", "auditor", "42")
        .await
        .unwrap();
    let g = grants.tenant("acme").await.unwrap();
    assert_eq!(given_to(&g, Entitlement::ProjectRead), ["viewer"]);
    // The model's roles cannot be deleted.
    assert!(
        grants
            .delete_role("acme", "project", "viewer", "42")
            .await
            .is_err()
    );
}

/// The admin API in dynamic mode, over the same grants.
#[tokio::test]
async fn in_dynamic_mode_the_grants_routes_change_the_tenant() {
    let db = db().await;
    let state = AppState {
        auth: AuthState::new(db.clone(), config()),
        authz: Authz::new(Model, stores().await).dynamic(DynamicGrants::new(&Model, db)),
    };
    let app = Router::new()
        .nest(
            "/admin",
            admin_router::<Model, MemoryStore, AppState>(Entitlement::OrganizationManage),
        )
        .with_state(state);
    let owner = token(1, &[]);
    let uri = "/admin/grants/project:delete/viewer";
    let (status, body) = send(&app, "PUT", uri, Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let delete = &body["entitlements"][2];
    assert_eq!(delete["entitlement"], "project:delete");
    assert_eq!(delete["roles"], json!(["manager", "viewer"]));
    let (status, body) = send(
        &app,
        "PUT",
        "/admin/grants/project:fly/viewer",
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_name"))
    );
    let (_, audit) = send(&app, "GET", "/admin/audit", Some(&owner), None).await;
    assert_eq!(audit["items"][0]["action"], "grant");
    assert_eq!(audit["items"][0]["before"], r#"{"roles":["manager"]}"#);
}
