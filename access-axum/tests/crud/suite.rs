//! `crud_router` end to end, on SQLite (`crud_sqlite`) and PostgreSQL (`crud_postgres`): the product example (editors and admins create, public
//! read, owner-or-admin update, admin delete, `supplier_email` hidden from plain users, `cost`
//! writable by admins only) and tenant isolation checked with direct SQL after each request.

use access_axum::authz::Authz;
use access_axum::config::Argon2Params;
use access_axum::crud::crud_router;
use access_axum::db::{self, user};
use access_axum::{AuthConfig, AuthState, JwtKeys};
use access_core::MemoryStore;
use axum::Router;
use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jsonwebtoken::Algorithm;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde_json::{Value, json};
use tower::ServiceExt;

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor, user],
        entity product { roles: [owner] }
        entitlements { "product:read" on product => roles [owner] }
    }
}

mod product {
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
    #[sea_orm(table_name = "products")]
    #[schema(access = super::model::Access, entity = Entity, permission(
        create = [admin, editor],
        read   = public,
        update = any(role(admin), all(role(editor), where(owner_id = user.id))),
        delete = [admin],
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[serde(default)]
        pub id: i64,
        pub owner_id: i64,
        pub name: String,
        #[schema(permission(read = [admin, editor]))]
        pub supplier_email: String,
        #[schema(permission(write = [admin]))]
        pub cost: f64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

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
    #[sea_orm(table_name = "notes")]
    #[schema(access = super::model::Access, entity = Entity, permission(
        create = authenticated,
        read   = where(tenant = user.tenant_id),
        update = where(tenant = user.tenant_id),
        delete = where(tenant = user.tenant_id),
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[serde(default)]
        pub id: i64,
        pub tenant: String,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone)]
struct AppState {
    auth: AuthState,
    authz: Authz<model::Access, MemoryStore>,
}

impl FromRef<AppState> for AuthState {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}
impl FromRef<AppState> for Authz<model::Access, MemoryStore> {
    fn from_ref(s: &AppState) -> Self {
        s.authz.clone()
    }
}

struct H {
    router: Router,
    db: DatabaseConnection,
}

async fn connect() -> Option<DatabaseConnection> {
    if super::BACKEND == "postgres" {
        let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "crud_postgres: skipped, set ACCESS_TEST_POSTGRES_URL"
            );
            return None;
        };
        // A fresh schema per test.
        let db = Database::connect(url.clone()).await.unwrap();
        let schema = format!(
            "crud{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        db.execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(4).set_schema_search_path(schema);
        return Some(Database::connect(opts).await.unwrap());
    }
    let mut opts = ConnectOptions::new("sqlite::memory:");
    opts.max_connections(1);
    Some(Database::connect(opts).await.unwrap())
}

async fn harness() -> Option<H> {
    let db = connect().await?;
    db::migrate(&db).await.unwrap();
    let schema = sea_orm::Schema::new(db.get_database_backend());
    db.execute(&schema.create_table_from_entity(product::Entity))
        .await
        .unwrap();
    db.execute(&schema.create_table_from_entity(note::Entity))
        .await
        .unwrap();
    let config = AuthConfig::builder()
        .keys(JwtKeys::hmac(Algorithm::HS256, b"crud-test-secret-crud-test-secret!!").unwrap())
        .argon2(Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        })
        .build()
        .unwrap();
    let auth = AuthState::new(db.clone(), config);
    let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    let state = AppState {
        auth: auth.clone(),
        authz: Authz::new(&model::Access, stores),
    };
    let router = Router::new()
        .nest(
            "/products",
            crud_router::<product::Entity, model::Access, MemoryStore, AppState>(),
        )
        .nest(
            "/notes",
            crud_router::<note::Entity, model::Access, MemoryStore, AppState>(),
        )
        .with_state(state)
        .merge(auth.router());
    Some(H { router, db })
}

impl H {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let r = self.router.clone().oneshot(req).await.unwrap();
        let s = r.status();
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
    /// A user with these global roles and tenant; returns (token, id).
    async fn user(&self, email: &str, roles: &str, tenant: &str) -> (String, i64) {
        let (s, b) = self
            .call(
                "POST",
                "/auth/register",
                None,
                Some(json!({ "email": email, "password": "correct horse battery" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let id = b["user"]["id"].as_i64().unwrap();
        user::Entity::update_many()
            .col_expr(user::Column::Roles, Expr::value(roles))
            .col_expr(user::Column::Tenant, Expr::value(tenant))
            .filter(user::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .unwrap();
        let (s, b) = self
            .call(
                "POST",
                "/auth/login",
                None,
                Some(json!({ "identifier": email, "password": "correct horse battery" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        (b["access_token"].as_str().unwrap().to_owned(), id)
    }
    async fn product_names(&self) -> Vec<String> {
        let mut v: Vec<String> = product::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        v.sort();
        v
    }
}

#[tokio::test]
async fn the_product_example() {
    let Some(h) = harness().await else {
        return;
    };
    let (admin, _) = h.user("admin@example.com", "admin", "acme").await;
    let (editor, editor_id) = h.user("editor@example.com", "editor", "acme").await;
    let (plain, _) = h.user("user@example.com", "user", "acme").await;
    let item = |owner: i64, name: &str| json!({ "owner_id": owner, "name": name, "supplier_email": "s@x.com", "cost": 2.5 });

    // Create: editors and admins; an editor may not set `cost`.
    let (s, b) = h
        .call("POST", "/products", Some(&plain), Some(item(1, "p0")))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = h
        .call(
            "POST",
            "/products",
            Some(&editor),
            Some(item(editor_id, "p1")),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["fields"], json!(["cost"]));
    assert!(h.product_names().await.is_empty(), "nothing written");
    let (s, b) = h
        .call(
            "POST",
            "/products",
            Some(&admin),
            Some(item(editor_id, "p1")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    let (s, _) = h
        .call("POST", "/products", Some(&admin), Some(item(999, "p2")))
        .await;
    assert_eq!(s, StatusCode::CREATED);

    // Read: public; `supplier_email` hidden from plain users and anonymous callers.
    let (s, b) = h.call("GET", &format!("/products/{id}"), None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(b.get("supplier_email").is_none(), "{b}");
    let (_, b) = h
        .call("GET", &format!("/products/{id}"), Some(&plain), None)
        .await;
    assert!(b.get("supplier_email").is_none());
    let (_, b) = h
        .call("GET", &format!("/products/{id}"), Some(&editor), None)
        .await;
    assert_eq!(b["supplier_email"], "s@x.com");
    let (s, b) = h.call("GET", "/products", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["items"].as_array().unwrap().len(), 2);

    // Update: the owning editor yes (not `cost`), another product no (404), admins always.
    let (s, b) = h
        .call(
            "PATCH",
            &format!("/products/{id}"),
            Some(&editor),
            Some(json!({ "name": "renamed" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["name"], "renamed");
    let (s, _) = h
        .call(
            "PATCH",
            &format!("/products/{id}"),
            Some(&editor),
            Some(json!({ "cost": 9.0 })),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = h
        .call(
            "PATCH",
            &format!("/products/{}", id + 1),
            Some(&editor),
            Some(json!({ "name": "x" })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(h.product_names().await, ["p2", "renamed"]);
    let (s, _) = h
        .call(
            "PATCH",
            &format!("/products/{id}"),
            Some(&admin),
            Some(json!({ "cost": 9.0 })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Delete: admins only.
    let (s, _) = h
        .call("DELETE", &format!("/products/{id}"), Some(&editor), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = h
        .call("DELETE", &format!("/products/{id}"), None, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = h
        .call("DELETE", &format!("/products/{id}"), Some(&admin), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(h.product_names().await, ["p2"]);

    // Bad bodies: 415, 400, 422; nothing written.
    let (s, _) = h
        .call(
            "POST",
            "/products",
            Some(&admin),
            Some(json!({ "name": 5 })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(h.product_names().await, ["p2"]);
}

#[tokio::test]
async fn one_tenant_never_sees_updates_or_deletes_another_tenants_rows() {
    let Some(h) = harness().await else {
        return;
    };
    let (acme, _) = h.user("a@example.com", "user", "acme").await;
    let (globex, _) = h.user("g@example.com", "user", "globex").await;
    let (s, b) = h
        .call(
            "POST",
            "/notes",
            Some(&acme),
            Some(json!({ "tenant": "acme", "body": "secret" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    let body_in_db = |db: DatabaseConnection| async move {
        note::Entity::find_by_id(id)
            .one(&db)
            .await
            .unwrap()
            .map(|n| n.body)
    };
    let (s, b) = h.call("GET", "/notes", Some(&globex), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(b["items"].as_array().unwrap().is_empty());
    assert_eq!(
        h.call("GET", &format!("/notes/{id}"), Some(&globex), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.call(
            "PATCH",
            &format!("/notes/{id}"),
            Some(&globex),
            Some(json!({ "body": "pwned" }))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(body_in_db(h.db.clone()).await.as_deref(), Some("secret"));
    assert_eq!(
        h.call("DELETE", &format!("/notes/{id}"), Some(&globex), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(body_in_db(h.db.clone()).await.as_deref(), Some("secret"));
    // The owner tenant sees and changes it.
    let (_, b) = h.call("GET", "/notes", Some(&acme), None).await;
    assert_eq!(b["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        h.call(
            "PATCH",
            &format!("/notes/{id}"),
            Some(&acme),
            Some(json!({ "body": "edited" }))
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(body_in_db(h.db.clone()).await.as_deref(), Some("edited"));
    assert_eq!(
        h.call("DELETE", &format!("/notes/{id}"), Some(&acme), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(body_in_db(h.db.clone()).await, None);
}
