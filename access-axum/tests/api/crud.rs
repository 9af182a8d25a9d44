//! crud: the behaviour of `access_axum::crud`'s public items (moved out of their doc examples),
//! on one products table: editors and admins create, anyone reads, admins and the owning editor
//! update, admins delete; only admins set `cost`. The full router suite, on SQLite and
//! PostgreSQL, is `tests/crud/suite.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use access_axum::authz::Authz;
use access_axum::crud::{Crud, CrudModel, Hook, PageQuery, crud_router, guarded};
use access_axum::{ApiError, AuthState};
use access_core::sea::SeaStore;
use access_core::{
    AccessContext, Action, MemoryStore, Principal, Stores, TypedClosure, TypedRoles,
};
use axum::Router;
use axum::extract::{FromRef, Query};
use axum::http::StatusCode;
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait};
use serde_json::{Value, json};

use crate::harness::{config, db, send, token};

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor, user],
        entity product { roles: [owner] }
        entitlements {
            "product:read"  on product => roles [owner],
            "product:write" on product => roles [owner],
        }
    }
}
use model::{Access as Model, Entitlement, ProductRole, entitlement, resource};

/// Products: editors and admins create, anyone reads, admins and the owning editor update,
/// admins delete; only admins set `cost`.
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
        #[schema(permission(write = [admin]))]
        #[serde(default)]
        pub cost: Option<f64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The routes' state: auth and authz over stores `S`.
struct AppState<S: Stores + 'static = MemoryStore> {
    auth: AuthState,
    authz: Authz<Model, S>,
}

impl<S: Stores + 'static> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self {
            auth: self.auth.clone(),
            authz: self.authz.clone(),
        }
    }
}
impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState {
    fn from_ref(s: &AppState<S>) -> Self {
        s.auth.clone()
    }
}
impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> {
    fn from_ref(s: &AppState<S>) -> Self {
        s.authz.clone()
    }
}

/// A fresh in-memory database with every table of access-axum and `products`.
async fn products_db() -> DatabaseConnection {
    let db = db().await;
    let schema = sea_orm::Schema::new(db.get_database_backend());
    db.execute(&schema.create_table_from_entity(product::Entity))
        .await
        .expect("products");
    db
}

/// The state over a fresh database, with in-memory stores.
async fn state() -> AppState {
    AppState {
        auth: AuthState::new(products_db().await, config()),
        authz: Authz::new(Model, MemoryStore::new()),
    }
}

/// `products` nested at `/products`, with `state`.
fn app<S: Stores + 'static>(products: Router<AppState<S>>, state: AppState<S>) -> Router {
    Router::new().nest("/products", products).with_state(state)
}

/// The number of stored products.
async fn count(db: &DatabaseConnection) -> u64 {
    product::Entity::find().count(db).await.expect("count")
}

/// A state over [`SeaStore`] tables next to `products`: products 1 and 2 are resources too,
/// user 5 owns product 1.
async fn sea_state() -> AppState<SeaStore> {
    let db = products_db().await;
    let store = Arc::new(SeaStore::new(&Model, db.clone()));
    store.migrate().await.expect("store tables");
    db.execute_unprepared(
        "INSERT INTO products (id, owner_id, name, cost) VALUES (1, 0, 'Lamp', 1), (2, 0, 'Desk', 2)",
    )
    .await
    .expect("rows");
    for id in ["1", "2"] {
        let product = resource::Product::id(id);
        store.add_root(product).await.expect("resource");
    }
    let one = resource::Product::id("1");
    store
        .grant_role("5", one, ProductRole::Owner)
        .await
        .expect("owner");
    AppState {
        auth: AuthState::new(db, config()),
        authz: Authz::new(Model, store),
    }
}

/// The items of a list page.
fn items(page: &Value) -> &[Value] {
    page["items"].as_array().map_or(&[], Vec::as_slice)
}

// CrudModel
#[test]
fn crud_model_is_implemented_for_schema_models_and_rows_round_trip_as_json() {
    fn routes_for<E: EntityTrait>(rows: &[E::Model]) -> usize
    where
        E::Model: CrudModel<E>,
    {
        rows.len()
    }
    let lamp = product::Model {
        id: 1,
        owner_id: 2,
        name: "Lamp".into(),
        cost: Some(9.5),
    };
    assert_eq!(
        routes_for::<product::Entity>(std::slice::from_ref(&lamp)),
        1
    );
    let json = serde_json::to_value(&lamp).expect("json");
    assert_eq!(
        serde_json::from_value::<product::Model>(json).expect("row"),
        lamp
    );
}

// PageQuery
#[test]
fn page_query_reads_page_and_per_page() {
    let uri = "/products?page=3&per_page=50".parse().expect("uri");
    let Query(q) = Query::<PageQuery>::try_from_uri(&uri).expect("query");
    assert_eq!((q.page, q.per_page), (Some(3), Some(50)));
    let uri = "/products".parse().expect("uri");
    let Query(q) = Query::<PageQuery>::try_from_uri(&uri).expect("query");
    assert_eq!((q.page, q.per_page), (None, None));
}

// Hook
#[tokio::test]
async fn a_before_update_hook_sees_the_caller_the_id_the_stored_row_and_the_body() {
    type Seen = (
        Action,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<Value>,
    );
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let products = Crud::<product::Entity, Model, MemoryStore>::new()
        .before(
            [Action::Update],
            move |hook: Hook<product::Model, Model, MemoryStore>| {
                let log = log.clone();
                async move {
                    let user = hook.user.as_ref().map(|u| u.id);
                    let stored = hook.row.as_ref().map(|p| p.name.clone());
                    log.lock()
                        .expect("log")
                        .push((hook.action, user, hook.id, stored, hook.body));
                    Ok(())
                }
            },
        )
        .router::<AppState>();
    let app = app(products, state().await);
    let admin = token(1, &["admin"]);
    let lamp = json!({ "owner_id": 1, "name": "Lamp" });
    let (_, lamp) = send(&app, "POST", "/products", Some(&admin), Some(lamp)).await;
    let url = format!("/products/{}", lamp["id"]);
    let rename = json!({ "name": "Desk lamp" });
    let (status, _) = send(&app, "PATCH", &url, Some(&admin), Some(rename)).await;
    assert_eq!(status, StatusCode::OK);

    let seen = seen.lock().expect("log");
    let (action, user, id, stored, body) = &seen[0];
    assert_eq!((*action, *user), (Action::Update, Some(1)));
    assert_eq!(id.as_deref(), Some("1"));
    assert_eq!(stored.as_deref(), Some("Lamp")); // the row before the change
    assert_eq!(body.as_ref().expect("body")["name"], "Desk lamp");
}

// Crud
#[tokio::test]
async fn crud_hooks_refuse_with_their_own_status_and_run_after_writes() {
    let saved = Arc::new(AtomicUsize::new(0));
    let counter = saved.clone();
    let products = Crud::<product::Entity, Model, MemoryStore>::new()
        .before([Action::Delete], |hook| async move {
            if hook
                .row
                .as_ref()
                .is_some_and(|p| p.name.starts_with("locked"))
            {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "locked",
                    "the product is locked",
                ));
            }
            Ok(())
        })
        .after([Action::Create, Action::Update], move |_hook| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        })
        .router::<AppState>();
    let app = app(products, state().await);
    let admin = token(1, &["admin"]);
    let new = json!({ "owner_id": 1, "name": "locked lamp", "cost": 9.5 });
    let (status, lamp) = send(&app, "POST", "/products", Some(&admin), Some(new)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(saved.load(Ordering::Relaxed), 1);
    let url = format!("/products/{}", lamp["id"]);
    let (status, body) = send(&app, "DELETE", &url, Some(&admin), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "locked");
}

// Crud::new
#[test]
fn a_new_crud_has_no_hooks() {
    let crud = Crud::<product::Entity, Model, MemoryStore>::new();
    assert_eq!(format!("{crud:?}"), "Crud { before: 0, after: 0 }");
}

// Crud::before
#[tokio::test]
async fn a_before_hook_refusal_writes_nothing() {
    let products = Crud::<product::Entity, Model, MemoryStore>::new()
        .before([Action::Delete], |hook| async move {
            match hook.row {
                Some(p) if p.cost.is_some() => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "priced",
                    "unprice it first",
                )),
                _ => Ok(()),
            }
        })
        .router::<AppState>();
    let state = state().await;
    let db = state.auth.db.clone();
    let app = app(products, state);
    let admin = token(1, &["admin"]);
    let lamp = json!({ "owner_id": 1, "name": "Lamp", "cost": 9.5 });
    let (_, lamp) = send(&app, "POST", "/products", Some(&admin), Some(lamp)).await;
    let url = format!("/products/{}", lamp["id"]);
    let (status, _) = send(&app, "DELETE", &url, Some(&admin), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(count(&db).await, 1); // still there
}

// Crud::after
#[tokio::test]
async fn an_after_hook_refusal_rolls_the_write_back() {
    // At most one product per name, checked after the insert, in its transaction.
    let products = Crud::<product::Entity, Model, MemoryStore>::new()
        .after([Action::Create], |hook| async move {
            if hook.row.is_some_and(|p| p.name == "Lamp" && p.id > 1) {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "duplicate",
                    "one lamp is enough",
                ));
            }
            Ok(())
        })
        .router::<AppState>();
    let state = state().await;
    let db = state.auth.db.clone();
    let app = app(products, state);
    let admin = token(1, &["admin"]);
    let lamp = json!({ "owner_id": 1, "name": "Lamp" });
    let (status, _) = send(&app, "POST", "/products", Some(&admin), Some(lamp.clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = send(&app, "POST", "/products", Some(&admin), Some(lamp)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(count(&db).await, 1); // the second insert was rolled back
}

// Crud::list_accessible
#[tokio::test]
async fn list_accessible_lists_only_the_rows_the_caller_may_act_on() {
    let products = Crud::<product::Entity, Model, SeaStore>::new()
        .list_accessible(Entitlement::ProductRead)
        .router::<AppState<SeaStore>>();
    let app = app(products, sea_state().await);
    let (_, page) = send(&app, "GET", "/products", Some(&token(5, &[])), None).await;
    assert_eq!(items(&page).len(), 1);
    assert_eq!(page["items"][0]["name"], "Lamp");
    let (_, page) = send(&app, "GET", "/products", None, None).await; // anonymous
    assert!(items(&page).is_empty(), "{page}");
}

// Crud::row_access
#[tokio::test]
async fn row_access_adds_each_entitlement_on_each_rows_resource() {
    let products = Crud::<product::Entity, Model, SeaStore>::new()
        .row_access([Entitlement::ProductWrite])
        .router::<AppState<SeaStore>>();
    let app = app(products, sea_state().await);
    let (_, page) = send(&app, "GET", "/products", Some(&token(5, &[])), None).await;
    assert_eq!(page["items"][0]["name"], "Lamp");
    assert_eq!(page["items"][0]["__access"]["product:write"], true);
    assert_eq!(page["items"][1]["__access"]["product:write"], false); // the desk is not theirs
    let (_, desk) = send(&app, "GET", "/products/2", None, None).await; // anonymous
    assert_eq!(desk["__access"], json!({ "product:write": false }));
}

// Crud::row_actions
#[tokio::test]
async fn row_actions_adds_each_actions_rule_on_each_row() {
    let products = Crud::<product::Entity, Model, MemoryStore>::new()
        .row_actions([Action::Update, Action::Delete])
        .router::<AppState>();
    let app = app(products, state().await);
    let lamp = json!({ "owner_id": 2, "name": "Lamp" });
    let (status, _) = send(
        &app,
        "POST",
        "/products",
        Some(&token(2, &["editor"])),
        Some(lamp),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Its editor may update it but not delete it; another editor neither; an admin both.
    let access = |id: i64, role: &'static str| {
        let app = app.clone();
        async move {
            let (_, page) = send(&app, "GET", "/products", Some(&token(id, &[role])), None).await;
            page["items"][0]["__access"].clone()
        }
    };
    assert_eq!(
        access(2, "editor").await,
        json!({ "update": true, "delete": false })
    );
    assert_eq!(
        access(3, "editor").await,
        json!({ "update": false, "delete": false })
    );
    assert_eq!(
        access(1, "admin").await,
        json!({ "update": true, "delete": true })
    );
}

// Crud::rls
#[tokio::test]
async fn rls_on_sqlite_answers_as_without_it() {
    let products = Crud::<product::Entity, Model, MemoryStore>::new()
        .rls()
        .router::<AppState>();
    let app = app(products, state().await);
    let lamp = json!({ "owner_id": 1, "name": "Lamp" });
    let admin = token(1, &["admin"]);
    let (status, _) = send(&app, "POST", "/products", Some(&admin), Some(lamp)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, page) = send(&app, "GET", "/products", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"][0]["name"], "Lamp");
}

// Crud::router
#[tokio::test]
async fn the_router_enforces_the_schema_on_every_route() {
    let products = Crud::<product::Entity, Model, MemoryStore>::new().router::<AppState>();
    let app = app(products, state().await);
    let editor = token(2, &["editor"]);

    // Editors create products, but only admins set `cost`.
    let priced = json!({ "owner_id": 2, "name": "Lamp", "cost": 9.5 });
    let (status, body) = send(&app, "POST", "/products", Some(&editor), Some(priced)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden_field");
    assert_eq!(body["fields"][0], "cost");
    let lamp = json!({ "owner_id": 2, "name": "Lamp" });
    let (status, lamp) = send(&app, "POST", "/products", Some(&editor), Some(lamp)).await;
    assert_eq!(status, StatusCode::CREATED);
    let url = format!("/products/{}", lamp["id"]);

    // Anyone reads.
    assert_eq!(send(&app, "GET", &url, None, None).await.1["name"], "Lamp");
    // The owning editor updates; for another editor the row is not there.
    let rename = json!({ "name": "Desk lamp" });
    let (status, _) = send(&app, "PATCH", &url, Some(&editor), Some(rename.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let other = token(3, &["editor"]);
    let (status, _) = send(&app, "PATCH", &url, Some(&other), Some(rename)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Only admins delete.
    let (status, _) = send(&app, "DELETE", &url, Some(&editor), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&app, "DELETE", &url, Some(&token(1, &["admin"])), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

// crud_router
#[tokio::test]
async fn crud_router_serves_the_five_routes_with_filters_and_pages() {
    let products = crud_router::<product::Entity, Model, MemoryStore, AppState>();
    let app = app(products, state().await);
    let lamp = json!({ "owner_id": 1, "name": "Lamp" });
    let (status, _) = send(&app, "POST", "/products", None, Some(lamp.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let admin = token(1, &["admin"]);
    let (status, _) = send(&app, "POST", "/products", Some(&admin), Some(lamp)).await;
    assert_eq!(status, StatusCode::CREATED);
    let uri = "/products?name[contains]=am&per_page=10";
    let (status, page) = send(&app, "GET", uri, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (page["items"][0]["name"].as_str(), page["per_page"].as_u64()),
        (Some("Lamp"), Some(10))
    );
    // A field the schema does not have is a 400.
    let (status, _) = send(&app, "GET", "/products?colour=red", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// guarded (the module, insert, update, delete)
#[tokio::test]
async fn guarded_writes_take_the_proof_of_a_check() {
    let db = products_db().await;
    let stores = MemoryStore::new();
    let p1 = resource::Product::id("1");
    stores.add_root(p1).await.expect("resource");
    // User 5 owns product 1.
    stores
        .grant_role("5", p1, ProductRole::Owner)
        .await
        .expect("owner");
    let access = AccessContext::new(&Model, &stores, Principal::new("5"));

    // insert
    let proof = access
        .authorize_as::<entitlement::ProductWrite>(p1.into())
        .await
        .expect("granted");
    let lamp = product::ActiveModel {
        id: Set(1),
        owner_id: Set(5),
        name: Set("Lamp".into()),
        cost: Set(Some(9.5)),
    };
    let lamp = guarded::insert::<product::Entity, _>(&db, lamp, proof)
        .await
        .expect("insert");
    assert_eq!(lamp.name, "Lamp");
    // Another user gets no proof, so has nothing to call `insert` with.
    let other = AccessContext::new(&Model, &stores, Principal::new("6"));
    assert!(
        other
            .authorize_as::<entitlement::ProductWrite>(p1.into())
            .await
            .is_err()
    );

    // update: the name, then the cost, one proof each.
    let proof = access
        .authorize_as::<entitlement::ProductWrite>(p1.into())
        .await
        .expect("granted");
    let mut renamed = lamp.into_active_model();
    renamed.name = Set("Desk lamp".into());
    let row = guarded::update::<product::Entity, _>(&db, renamed, proof)
        .await
        .expect("update");
    assert_eq!(row.name, "Desk lamp");
    let proof = access
        .authorize_as::<entitlement::ProductWrite>(p1.into())
        .await
        .expect("granted");
    let mut cheaper = row.into_active_model();
    cheaper.cost = Set(Some(7.0));
    let row = guarded::update::<product::Entity, _>(&db, cheaper, proof)
        .await
        .expect("update");
    assert_eq!(row.cost, Some(7.0));
    let stored = product::Entity::find_by_id(1).one(&db).await.expect("read");
    assert_eq!(stored.as_ref().map(|p| p.name.as_str()), Some("Desk lamp"));

    // delete
    let proof = access
        .authorize_as::<entitlement::ProductWrite>(p1.into())
        .await
        .expect("granted");
    let res = guarded::delete::<product::Entity, _>(&db, row.into_active_model(), proof)
        .await
        .expect("delete");
    assert_eq!(res.rows_affected, 1);
    assert_eq!(count(&db).await, 0);
}
