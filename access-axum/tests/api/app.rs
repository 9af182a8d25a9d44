//! app: `App` builds a working application from a model and a database: migrations, the
//! authentication routes, CRUD routes whose tables it creates, the application's own routes
//! over `AppState` with the crate's extractors, the access-set claim and `access.js`.

use access_axum::authz::Access;
use access_axum::{App, AppError, AppState, CurrentUser};
use access_core::sea::SeaStore;
use access_core::{AccessModel as _, TypedClosure as _, TypedRoles as _};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use serde_json::json;

use crate::harness::*;

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        default_role: user,
        entity organization { roles: [owner, member], implies: { owner => member } }
        entitlements {
            "organization:read"   on organization => roles [member],
            "organization:manage" on organization => roles [owner],
        }
    }
}
use model::{Access as Model, Entitlement, OrganizationRole, entitlement, resource};

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
    #[sea_orm(table_name = "app_notes")]
    #[schema(access = crate::app::model::Access, entity = Entity, permission(
        create = where(author = user.id),
        list = where(author = user.id),
        read = where(author = user.id),
        update = where(author = user.id),
        delete = where(author = user.id),
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[serde(default)]
        pub id: i64,
        pub author: i64,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A bare in-memory database: `App::build` migrates it.
async fn bare_db() -> DatabaseConnection {
    let mut opts = ConnectOptions::new("sqlite::memory:");
    opts.max_connections(1);
    Database::connect(opts).await.expect("sqlite")
}

async fn whoami(user: CurrentUser) -> String {
    format!("user {}", user.id)
}

async fn model_name(State(app): State<AppState<Model>>) -> String {
    app.authz().model().data().name.to_string()
}

async fn read_org(access: Access<Model, SeaStore>) -> StatusCode {
    match access.can(entitlement::OrganizationRead, "acme").await {
        Ok(true) => StatusCode::OK,
        Ok(false) => StatusCode::FORBIDDEN,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn app() -> access_axum::AppRouter<Model> {
    let routes = axum::Router::new()
        .route("/whoami", get(whoami))
        .route("/model", get(model_name))
        .route("/orgs/acme", get(read_org));
    App::new(Model, bare_db().await)
        .config(config())
        .routes(routes)
        .crud::<note::Entity>("/notes")
        .admin("/admin", Entitlement::OrganizationManage)
        .access_set_claims()
        .access_js()
        .build()
        .await
        .expect("the app builds")
}

#[tokio::test]
async fn an_app_serves_auth_crud_and_its_own_routes() {
    let built = app().await;
    let stores = built.state().authz().stores().clone();
    let router = built.into_router();
    let token = sign_up(&router, "ada@example.com").await;
    let (status, me) = send(&router, "GET", "/auth/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let id = me["id"].as_i64().expect("id");

    // The application's own routes take CurrentUser, State<AppState<_>> and Access.
    let (status, body) = send(&router, "GET", "/whoami", Some(&token), None).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, Some(&*format!("user {id}")))
    );
    let (status, _) = send(&router, "GET", "/whoami", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, body) = send(&router, "GET", "/model", None, None).await;
    assert_eq!(body.as_str(), Some("Access"));
    let (status, _) = send(&router, "GET", "/orgs/acme", Some(&token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let acme = resource::Organization::id("acme");
    stores.add_root(acme).await.unwrap();
    let member = OrganizationRole::Member;
    stores
        .grant_role(&id.to_string(), acme, member)
        .await
        .unwrap();
    let (status, _) = send(&router, "GET", "/orgs/acme", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "the route reads the app's stores");

    // The CRUD routes, on the table the app created.
    let note = json!({ "author": id, "body": "first" });
    let (status, created) = send(&router, "POST", "/notes", Some(&token), Some(note)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, page) = send(&router, "GET", "/notes", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"][0]["body"], "first", "{page}");

    // The admin API is mounted: it needs a tenant, which a new account has not.
    let (status, body) = send(&router, "GET", "/admin/audit", Some(&token), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("tenant_required"))
    );

    // access.js, and tokens that carry the access set.
    let (status, js) = send(&router, "GET", "/auth/access.js", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        js.as_str().is_some_and(|s| s.contains("organization:read")),
        "{js}"
    );
    let claims = token.split('.').nth(1).expect("payload");
    let claims = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims)
        .expect("base64url");
    let claims: serde_json::Value = serde_json::from_slice(&claims).expect("json");
    assert!(
        claims["access"]
            .as_str()
            .is_some_and(|a| a.starts_with("a1.")),
        "{claims}"
    );
}

#[tokio::test]
async fn without_a_secret_the_app_says_what_to_set() {
    // A configuration from variables without a key: the same check `App::new(..).build()` runs
    // on the environment.
    let errors = access_axum::AuthConfig::builder()
        .from_vars(|_| None)
        .build()
        .unwrap_err();
    let e = AppError::Config(errors);
    let text = e.to_string();
    assert!(text.contains("JWT_SECRET"), "{text}");
    assert!(std::error::Error::source(&e).is_some());
}
