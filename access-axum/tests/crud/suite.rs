//! `crud_router` end to end, on SQLite (`crud_sqlite`) and PostgreSQL (`crud_postgres`): the product example (editors and admins create, public
//! read, owner-or-admin update, admin delete, `supplier_email` hidden from plain users, `cost`
//! writable by admins only) and tenant isolation checked with direct SQL after each request.

use access_axum::ApiError;
use access_axum::authz::Authz;
use access_axum::config::Argon2Params;
use access_axum::crud::{Crud, crud_router};
use access_axum::db::user;
use access_axum::{AuthConfig, AuthState, JwtKeys};
use access_core::Action;
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
use std::sync::{Arc, Mutex};
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
        create = where(tenant = user.tenant_id),
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
    log: Arc<Mutex<Vec<String>>>,
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

fn test_config() -> AuthConfig {
    AuthConfig::builder()
        .keys(JwtKeys::hmac(Algorithm::HS256, b"crud-test-secret-crud-test-secret!!").unwrap())
        .argon2(Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        })
        .build()
        .unwrap()
}

async fn harness() -> Option<H> {
    let db = connect().await?;
    access_axum::migrate(&db).await.unwrap();
    let schema = sea_orm::Schema::new(db.get_database_backend());
    db.execute(&schema.create_table_from_entity(product::Entity))
        .await
        .unwrap();
    db.execute(&schema.create_table_from_entity(note::Entity))
        .await
        .unwrap();
    db.execute_unprepared("CREATE TABLE trail (what VARCHAR(200) NOT NULL)")
        .await
        .unwrap();
    let config = test_config();
    let auth = AuthState::new(db.clone(), config);
    let state = AppState {
        auth: auth.clone(),
        authz: Authz::new(model::Access, MemoryStore::new()),
    };
    // The same table with hooks: before/after each action, logged; some refuse.
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l1, l2) = (log.clone(), log.clone());
    let hooked = Crud::<product::Entity, model::Access, MemoryStore>::new()
        .before(
            [
                Action::List,
                Action::Read,
                Action::Create,
                Action::Update,
                Action::Delete,
            ],
            move |h| {
                let l = l1.clone();
                async move {
                    let who = h
                        .user
                        .as_ref()
                        .map_or("anonymous".to_owned(), |u| u.id.to_string());
                    let name = h.row.as_ref().map(|r| r.name.clone()).unwrap_or_default();
                    l.lock()
                        .unwrap()
                        .push(format!("before {:?} by {who} {name}", h.action));
                    if h.action == Action::Delete && name == "locked" {
                        return Err(ApiError::new(
                            StatusCode::CONFLICT,
                            "locked",
                            "the product is locked",
                        ));
                    }
                    if h.body
                        .as_ref()
                        .is_some_and(|b| b["name"] == "forbidden-name")
                    {
                        return Err(ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "bad_name",
                            "that name is not allowed",
                        ));
                    }
                    Ok(())
                }
            },
        )
        .after(
            [
                Action::List,
                Action::Read,
                Action::Create,
                Action::Update,
                Action::Delete,
            ],
            move |h| {
                let l = l2.clone();
                async move {
                    let name = h.row.as_ref().map(|r| r.name.clone()).unwrap_or_default();
                    l.lock().unwrap().push(format!(
                        "after {:?} {name} rows={}",
                        h.action,
                        h.rows.len()
                    ));
                    // Writes carry their transaction: the trail row commits or rolls back
                    // with the product (on this one-connection SQLite pool, another
                    // connection could not even be had).
                    let write =
                        matches!(h.action, Action::Create | Action::Update | Action::Delete);
                    assert_eq!(h.txn.is_some(), write, "{:?}", h.action);
                    if let Some(txn) = h.txn.as_deref() {
                        let what = format!("{:?} {name}", h.action);
                        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                            txn.get_database_backend(),
                            match txn.get_database_backend() {
                                sea_orm::DbBackend::Postgres => {
                                    "INSERT INTO trail (what) VALUES ($1)"
                                }
                                _ => "INSERT INTO trail (what) VALUES (?)",
                            },
                            [what.into()],
                        ))
                        .await
                        .map_err(|e| {
                            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "trail", e.to_string())
                        })?;
                    }
                    if name == "rollback" {
                        return Err(ApiError::new(
                            StatusCode::CONFLICT,
                            "rolled_back",
                            "refused after the write",
                        ));
                    }
                    Ok(())
                }
            },
        )
        .router::<AppState>();
    let router = Router::new()
        .nest(
            "/products",
            crud_router::<product::Entity, model::Access, MemoryStore, AppState>(),
        )
        .nest("/hooked", hooked)
        .nest(
            "/notes",
            crud_router::<note::Entity, model::Access, MemoryStore, AppState>(),
        )
        .with_state(state)
        .merge(auth.router());
    Some(H { router, db, log })
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
    /// What the after-hooks wrote in the writes' transactions, in order.
    async fn trail(&self) -> Vec<String> {
        self.db
            .query_all_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                "SELECT what FROM trail",
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "what").unwrap())
            .collect()
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

/// The rules hold for the row a write leaves behind, as PostgreSQL's `WITH CHECK` would have
/// them: no creating in another tenant, no moving a row out of one's own.
#[tokio::test]
async fn writes_cannot_put_rows_outside_the_rule() {
    let Some(h) = harness().await else {
        return;
    };
    let (acme, _) = h.user("a2@example.com", "user", "acme").await;
    let count =
        |db: DatabaseConnection| async move { note::Entity::find().all(&db).await.unwrap().len() };
    let before = count(h.db.clone()).await;
    for body in [
        json!({ "tenant": "globex", "body": "planted" }),
        json!({ "body": "no tenant given" }),
    ] {
        let (s, b) = h.call("POST", "/notes", Some(&acme), Some(body)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(b["reasons"][0]["kind"], "row_rule_failed", "{b}");
    }
    assert_eq!(count(h.db.clone()).await, before, "nothing was stored");
    let (s, b) = h
        .call(
            "POST",
            "/notes",
            None,
            Some(json!({ "tenant": "acme", "body": "x" })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");

    let (s, b) = h
        .call(
            "POST",
            "/notes",
            Some(&acme),
            Some(json!({ "tenant": "acme", "body": "mine" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    let (s, b) = h
        .call(
            "PATCH",
            &format!("/notes/{id}"),
            Some(&acme),
            Some(json!({ "tenant": "globex" })),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["reasons"][0]["kind"], "row_rule_failed", "{b}");
    let stored = note::Entity::find_by_id(id)
        .one(&h.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.tenant, "acme", "the update was rolled back");

    // A page past any offset SQL takes is a 400, not a crash.
    let (s, b) = h
        .call(
            "GET",
            &format!("/notes?page={}", u64::MAX),
            Some(&acme),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(b["error"], "invalid_query", "{b}");
}

#[tokio::test]
async fn list_filters_and_sorts_on_readable_fields_only() {
    let Some(h) = harness().await else {
        return;
    };
    let (admin, _) = h.user("admin@example.com", "admin", "acme").await;
    let (plain, _) = h.user("user@example.com", "user", "acme").await;
    for (name, cost, email) in [
        ("alpha", 1.0, "a@s.com"),
        ("beta", 3.5, "b@s.com"),
        ("gamma", 2.0, "a@s.com"),
        ("delta_x", 9.0, "d@s.com"),
    ] {
        let (s, b) = h
            .call(
                "POST",
                "/products",
                Some(&admin),
                Some(json!({ "owner_id": 1, "name": name, "supplier_email": email, "cost": cost })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let names = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (s, b) = h.call("GET", "/products?name=beta", None, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(names(&b), ["beta"]);
    let (_, b) = h
        .call("GET", "/products?cost[gte]=2&sort=-cost", None, None)
        .await;
    assert_eq!(names(&b), ["delta_x", "beta", "gamma"]);
    let (_, b) = h
        .call("GET", "/products?sort=name&per_page=2&page=2", None, None)
        .await;
    assert_eq!(names(&b), ["delta_x", "gamma"]);
    let (_, b) = h
        .call(
            "GET",
            "/products?name[in]=alpha,gamma,zeta&sort=-name",
            None,
            None,
        )
        .await;
    assert_eq!(names(&b), ["gamma", "alpha"]);
    // `contains` matches literally: `_` is not a wildcard.
    let (_, b) = h
        .call("GET", "/products?name[contains]=a_x", None, None)
        .await;
    assert_eq!(names(&b), ["delta_x"]);
    let (_, b) = h
        .call("GET", "/products?name[contains]=l_h", None, None)
        .await;
    assert!(names(&b).is_empty(), "{b}");
    let (_, b) = h
        .call(
            "GET",
            "/products?name[ne]=alpha&cost[lt]=3&sort=id",
            None,
            None,
        )
        .await;
    assert_eq!(names(&b), ["gamma"]);

    // A field the caller may not read cannot be filtered or sorted on.
    let (s, b) = h
        .call(
            "GET",
            "/products?supplier_email=a@s.com",
            Some(&plain),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"], "forbidden_field");
    let (s, _) = h
        .call("GET", "/products?sort=supplier_email", None, None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = h
        .call(
            "GET",
            "/products?supplier_email=a@s.com&sort=name",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(names(&b), ["alpha", "gamma"]);

    // Bad input: 400 with what is valid.
    let (s, b) = h.call("GET", "/products?nme=beta", None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["message"], "unknown field `nme`, did you mean `name`?");
    let (s, b) = h.call("GET", "/products?cost=cheap", None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["message"], "`cost` takes a number, not `cheap`");
    let (s, b) = h.call("GET", "/products?cost[gtee]=1", None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["message"], "unknown operator `gtee`, did you mean `gte`?");
    let (s, _) = h
        .call("GET", "/products?cost[contains]=1", None, None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = h.call("GET", "/products?page=-1", None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = h.call("GET", "/products?sort=a,b,c,d", None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // An access-token cookie that no longer verifies is a 401 (refresh), not an anonymous list.
    let req = Request::get("/products")
        .header(header::COOKIE, "__Host-access_token=expired.or.forged")
        .body(Body::empty())
        .unwrap();
    let r = h.router.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A NUL byte (which PostgreSQL refuses in text) is a 400, not a database error.
    let (s, b) = h.call("GET", "/products?name=a%00b", None, None).await;
    assert_eq!(
        (s, &b["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_filter"))
    );
    let (s, b) = h
        .call("GET", "/products?name[contains]=%00", None, None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    // A body with one: refused without a 500, nothing stored.
    let (s, b) = h
        .call(
            "POST",
            "/products",
            Some(&admin),
            Some(json!({ "owner_id": 1, "name": "nul\u{0}name", "supplier_email": "n@s.com", "cost": 1.0 })),
        )
        .await;
    assert!(
        s.is_success() || s == StatusCode::UNPROCESSABLE_ENTITY,
        "{s} {b}"
    );
}

#[tokio::test]
async fn filters_never_widen_the_row_rule() {
    let Some(h) = harness().await else {
        return;
    };
    let (acme, _) = h.user("a@acme.test", "user", "acme").await;
    let (globex, _) = h.user("g@globex.test", "user", "globex").await;
    for (tok, tenant) in [(&acme, "acme"), (&globex, "globex")] {
        let (s, b) = h
            .call(
                "POST",
                "/notes",
                Some(tok),
                Some(json!({ "tenant": tenant, "body": "secret" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, b) = h
        .call("GET", "/notes?tenant=globex", Some(&acme), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b["items"],
        json!([]),
        "acme asked for globex's notes and got none"
    );
    let (_, b) = h.call("GET", "/notes?body=secret", Some(&acme), None).await;
    assert_eq!(b["items"].as_array().unwrap().len(), 1);
    assert_eq!(b["items"][0]["tenant"], "acme");
}

#[tokio::test]
async fn hooks_run_around_each_action_and_can_refuse() {
    let Some(h) = harness().await else {
        return;
    };
    let (admin, admin_id) = h.user("admin@example.com", "admin", "acme").await;
    let (plain, _) = h.user("user@example.com", "user", "acme").await;
    let item = |name: &str| json!({ "owner_id": 1, "name": name, "supplier_email": "s@x.com", "cost": 1.0 });
    let take = || std::mem::take(&mut *h.log.lock().unwrap());

    // Hooks run only once the permission checks pass: a refused create never reaches them.
    let (s, _) = h
        .call("POST", "/hooked", Some(&plain), Some(item("x")))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(take().is_empty());

    let (s, b) = h
        .call("POST", "/hooked", Some(&admin), Some(item("locked")))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    assert_eq!(
        take(),
        [
            format!("before Create by {admin_id} "),
            "after Create locked rows=0".to_owned()
        ]
    );

    // A before-hook refusal is the response, and nothing is written.
    let (s, b) = h
        .call(
            "POST",
            "/hooked",
            Some(&admin),
            Some(item("forbidden-name")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["error"], "bad_name");
    let (s, b) = h
        .call("DELETE", &format!("/hooked/{id}"), Some(&admin), None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(b["message"], "the product is locked");
    assert_eq!(h.product_names().await, ["locked"]);

    // An after-hook refusal of a write rolls the write back.
    let (s, b) = h
        .call("POST", "/hooked", Some(&admin), Some(item("rollback")))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"], "rolled_back");
    assert_eq!(h.product_names().await, ["locked"]);
    let (s, _) = h
        .call(
            "PATCH",
            &format!("/hooked/{id}"),
            Some(&admin),
            Some(json!({ "name": "rollback" })),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        h.product_names().await,
        ["locked"],
        "the update was rolled back"
    );
    take();
    assert_eq!(
        h.trail().await,
        ["Create locked"],
        "what the refused writes' hooks wrote went with them"
    );

    // Read and list: the typed row(s) reach the hooks; anonymous callers are `None`.
    let (s, _) = h.call("GET", &format!("/hooked/{id}"), None, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = h.call("GET", "/hooked", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        take(),
        [
            "before Read by anonymous locked",
            "after Read locked rows=0",
            "before List by anonymous ",
            "after List  rows=1",
        ]
    );
    let (s, _) = h
        .call(
            "PATCH",
            &format!("/hooked/{id}"),
            Some(&admin),
            Some(json!({ "name": "free" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = h
        .call("DELETE", &format!("/hooked/{id}"), Some(&admin), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(h.product_names().await.is_empty());
    assert_eq!(
        h.trail().await,
        ["Create locked", "Update free", "Delete free"]
    );
    assert_eq!(
        take(),
        [
            format!("before Update by {admin_id} locked"),
            "after Update free rows=0".to_owned(),
            format!("before Delete by {admin_id} free"),
            "after Delete free rows=0".to_owned(),
        ]
    );
}

/// PostgreSQL only: with the generated policies on `notes` and the app connected as a role RLS
/// applies to, routes without `Crud::rls` see nothing (the policies find no claims), routes with
/// it see exactly the caller's tenant: the claims are set in each request's transaction.
#[tokio::test]
async fn rls_option_sets_the_claims_each_request_needs() {
    if super::BACKEND != "postgres" {
        return;
    }
    let Some(h) = harness().await else {
        return;
    };
    let (acme, _) = h.user("a@acme.test", "user", "acme").await;
    let (globex, _) = h.user("g@globex.test", "user", "globex").await;
    for (tok, tenant) in [(&acme, "acme"), (&globex, "globex")] {
        let (s, b) = h
            .call(
                "POST",
                "/notes",
                Some(tok),
                Some(json!({ "tenant": tenant, "body": "n" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let schema: String =
        h.db.query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT current_schema() AS s",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "s")
        .unwrap();
    let data = access_core::AccessModel::data(&model::Access);
    let mut setup = vec![
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'access_crud_app') THEN CREATE ROLE access_crud_app LOGIN; END IF; END $$".to_owned(),
        format!("GRANT USAGE ON SCHEMA {schema} TO access_crud_app"),
        format!("GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO access_crud_app"),
        format!("GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO access_crud_app"),
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY".to_owned(),
    ];
    setup.extend(access_core::sea::rls_policies::<note::Model>(data, "notes").unwrap());
    for sql in setup {
        h.db.execute_unprepared(&sql).await.unwrap();
    }
    // The application, connected as the plain role.
    let url = std::env::var("ACCESS_TEST_POSTGRES_URL").unwrap().replacen(
        "postgres@",
        "access_crud_app@",
        1,
    );
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(2).set_schema_search_path(schema);
    let app_db = Database::connect(opts).await.unwrap();
    assert!(access_core::sea::rls_applies(&app_db).await.unwrap());
    let auth = AuthState::new(app_db, test_config());
    let state = AppState {
        auth: auth.clone(),
        authz: Authz::new(model::Access, MemoryStore::new()),
    };
    let app = Router::new()
        .nest(
            "/plain",
            crud_router::<note::Entity, model::Access, MemoryStore, AppState>(),
        )
        .nest(
            "/walled",
            Crud::<note::Entity, model::Access, MemoryStore>::new()
                .rls()
                .router::<AppState>(),
        )
        .with_state(state);
    let get = |path: &'static str, token: String| {
        let app = app.clone();
        async move {
            let r = app
                .oneshot(
                    Request::get(path)
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let s = r.status();
            let b = r.into_body().collect().await.unwrap().to_bytes();
            (
                s,
                serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null),
            )
        }
    };
    let (s, b) = get("/plain", acme.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b["items"],
        json!([]),
        "without claims the policies let nothing through"
    );
    let (s, b) = get("/walled", acme.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let items = b["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{b}");
    assert_eq!(items[0]["tenant"], "acme");
    let (_, b) = get("/walled", globex).await;
    assert_eq!(b["items"][0]["tenant"], "globex");
}

#[tokio::test]
async fn an_update_does_not_write_the_key_it_leaves_as_it_was() {
    let Some(h) = harness().await else {
        return;
    };
    // A trigger on the key column: it fires when an UPDATE names the column, whatever the value
    // (`SET id = id` rewrites the key's index entry, a page write per update on SQLite).
    h.db.execute_unprepared("CREATE TABLE key_writes (id BIGINT NOT NULL)")
        .await
        .unwrap();
    let trigger = if super::BACKEND == "postgres" {
        "CREATE FUNCTION note_key_write() RETURNS trigger AS $$ \
           BEGIN INSERT INTO key_writes VALUES (OLD.id); RETURN NEW; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER key_written AFTER UPDATE OF id ON products \
           FOR EACH ROW EXECUTE FUNCTION note_key_write()"
    } else {
        "CREATE TRIGGER key_written AFTER UPDATE OF id ON products \
           BEGIN INSERT INTO key_writes VALUES (old.id); END"
    };
    h.db.execute_unprepared(trigger).await.unwrap();
    let (admin, owner) = h.user("admin@example.com", "admin", "acme").await;
    let body = json!({ "owner_id": owner, "name": "p1", "supplier_email": "s@x.com", "cost": 2.5 });
    let (s, b) = h.call("POST", "/products", Some(&admin), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    let (s, b) = h
        .call(
            "PATCH",
            &format!("/products/{id}"),
            Some(&admin),
            Some(json!({ "name": "renamed" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(h.product_names().await, ["renamed"]);
    let writes =
        h.db.query_all_raw(sea_orm::Statement::from_string(
            h.db.get_database_backend(),
            "SELECT id FROM key_writes",
        ))
        .await
        .unwrap();
    assert!(
        writes.is_empty(),
        "the update wrote the key {} time(s)",
        writes.len()
    );
}
