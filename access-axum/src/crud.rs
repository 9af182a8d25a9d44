//! `crud_router::<E>()`: list, get, create, update (PATCH) and delete routes for a sea-orm
//! entity whose model derives `Schema` (with `entity = Entity`).
//!
//! Per request, in this order: authentication where the action is not public, the action's
//! permission, row rules in the SQL of every statement (UPDATE and DELETE included, so a row that
//! stops matching between load and write is not written), field redaction in every response,
//! field write checks on create and update. 404 for rows outside a row rule, 403 naming a
//! forbidden field, 422 for invalid bodies.
//!
//! `GET /` takes `page`, `per_page`, filters (`?name=x`, `?cost[gte]=2`, see [`query`]) and
//! `sort=name,-cost` on the fields the caller may read.
//!
//! [`Crud`] adds hooks that run before and after each action, once the permission checks have
//! passed; they receive a typed [`Hook`] (user, engine context, id, row, body) and can refuse
//! the request with any status. After-hooks of create, update and delete run inside the write's
//! transaction: a refusal rolls the write back.

pub mod query;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use access_core::schema::{Action, PermissionCtx, Schema};
use access_core::sea::{SeaOrmSchema, row_filter};
use access_core::{AccessContext, AccessModel, Stores};
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait, TryIntoModel,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::{AuthState, CurrentUser};
use crate::authz::Authz;
use crate::error::ApiError;

/// What the routes need from the model type and its entity: a sea-orm model that derives
/// `Schema` (with `entity = Entity`), `Serialize`, `Deserialize` and `Clone`. Implemented for
/// every such type.
///
/// # Examples
///
/// ```
/// # use access_axum::authz::Authz;
/// # use access_axum::crud::{Crud, crud_router};
/// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
/// # use access_core::{Action, MemoryStore, Stores};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, editor, user],
/// #         entity product { roles: [owner] }
/// #         entitlements {
/// #             "product:read"  on product => roles [owner],
/// #             "product:write" on product => roles [owner],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType};
/// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
/// # /// admins delete; only admins set `cost`.
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "products")]
/// #     #[schema(access = super::model::Access, entity = Entity, permission(
/// #         create = [admin, editor],
/// #         read   = public,
/// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
/// #         delete = [admin],
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         #[serde(default)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub name: String,
/// #         #[schema(permission(write = [admin]))]
/// #         #[serde(default)]
/// #         pub cost: Option<f64>,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
/// # impl<S: Stores + 'static> Clone for AppState<S> {
/// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
/// # }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// A fresh in-memory database with the auth tables and `products`.
/// # async fn products_db() -> DatabaseConnection {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let schema = sea_orm::Schema::new(db.get_database_backend());
/// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
/// #     db
/// # }
/// # /// The state over a fresh database, with in-memory stores.
/// # async fn state() -> AppState {
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
/// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
/// # }
/// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
/// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let body = match body {
/// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
/// #         None => Body::empty(),
/// #     };
/// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # fn main() {
/// use access_axum::crud::CrudModel;
///
/// fn routes_for<E: EntityTrait>(_rows: &[E::Model]) -> usize
/// where
///     E::Model: CrudModel<E>,
/// {
///     _rows.len()
/// }
/// let lamp = product::Model { id: 1, owner_id: 2, name: "Lamp".into(), cost: Some(9.5) };
/// assert_eq!(routes_for::<product::Entity>(&[lamp.clone()]), 1);
/// // The routes read and write rows as JSON.
/// let json = serde_json::to_value(&lamp).unwrap();
/// assert_eq!(serde_json::from_value::<product::Model>(json).unwrap(), lamp);
/// # }
/// ```
pub trait CrudModel<E: EntityTrait>:
    Schema + SeaOrmSchema<Entity = E> + serde::Serialize + DeserializeOwned + Send + Sync + Clone
{
}

impl<E: EntityTrait, T> CrudModel<E> for T where
    T: Schema
        + SeaOrmSchema<Entity = E>
        + serde::Serialize
        + DeserializeOwned
        + Send
        + Sync
        + Clone
{
}

/// Page parameters of `GET /`.
///
/// # Examples
///
/// ```
/// use access_axum::crud::PageQuery;
/// use axum::extract::Query;
///
/// let Query(q) = Query::<PageQuery>::try_from_uri(&"/products?page=3&per_page=50".parse().unwrap()).unwrap();
/// assert_eq!((q.page, q.per_page), (Some(3), Some(50)));
/// let Query(q) = Query::<PageQuery>::try_from_uri(&"/products".parse().unwrap()).unwrap();
/// assert_eq!((q.page, q.per_page), (None, None));
/// ```
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// 1-based page (default 1).
    pub page: Option<u64>,
    /// Rows per page (default 20, at most 100).
    pub per_page: Option<u64>,
}

/// What a hook receives: the action and everything the route knows at that point.
///
/// # Examples
///
/// ```
/// # use access_axum::authz::Authz;
/// # use access_axum::crud::{Crud, crud_router};
/// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
/// # use access_core::{Action, MemoryStore, Stores};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, editor, user],
/// #         entity product { roles: [owner] }
/// #         entitlements {
/// #             "product:read"  on product => roles [owner],
/// #             "product:write" on product => roles [owner],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType};
/// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
/// # /// admins delete; only admins set `cost`.
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "products")]
/// #     #[schema(access = super::model::Access, entity = Entity, permission(
/// #         create = [admin, editor],
/// #         read   = public,
/// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
/// #         delete = [admin],
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         #[serde(default)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub name: String,
/// #         #[schema(permission(write = [admin]))]
/// #         #[serde(default)]
/// #         pub cost: Option<f64>,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
/// # impl<S: Stores + 'static> Clone for AppState<S> {
/// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
/// # }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// A fresh in-memory database with the auth tables and `products`.
/// # async fn products_db() -> DatabaseConnection {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let schema = sea_orm::Schema::new(db.get_database_backend());
/// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
/// #     db
/// # }
/// # /// The state over a fresh database, with in-memory stores.
/// # async fn state() -> AppState {
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
/// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
/// # }
/// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
/// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let body = match body {
/// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
/// #         None => Body::empty(),
/// #     };
/// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use access_axum::crud::Hook;
/// use serde_json::json;
/// use std::sync::{Arc, Mutex};
///
/// type Seen = (Action, Option<i64>, Option<String>, Option<String>, Option<serde_json::Value>);
/// let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
/// let log = seen.clone();
/// let products = Crud::<product::Entity, Model, MemoryStore>::new()
///     .before([Action::Update], move |hook: Hook<product::Model, Model, MemoryStore>| {
///         let log = log.clone();
///         async move {
///             let user = hook.user.as_ref().map(|u| u.id);
///             let stored = hook.row.as_ref().map(|p| p.name.clone());
///             log.lock().unwrap().push((hook.action, user, hook.id, stored, hook.body));
///             Ok(())
///         }
///     })
///     .router::<AppState>();
/// let app = Router::new().nest("/products", products).with_state(state().await);
///
/// let admin = token(1, &["admin"]);
/// let (_, lamp) = call(&app, "POST", "/products", Some(&admin), Some(json!({ "owner_id": 1, "name": "Lamp" }))).await;
/// let url = format!("/products/{}", lamp["id"]);
/// call(&app, "PATCH", &url, Some(&admin), Some(json!({ "name": "Desk lamp" }))).await;
///
/// let seen = seen.lock().unwrap();
/// let (action, user, id, stored, body) = &seen[0];
/// assert_eq!((*action, *user), (Action::Update, Some(1)));
/// assert_eq!(id.as_deref(), Some("1"));
/// assert_eq!(stored.as_deref(), Some("Lamp")); // the row before the change
/// assert_eq!(body.as_ref().unwrap()["name"], "Desk lamp");
/// # }
/// ```
#[non_exhaustive]
pub struct Hook<T, M: AccessModel, S: Stores + 'static> {
    /// The action.
    pub action: Action,
    /// The caller (`None` for anonymous callers of public actions).
    pub user: Option<CurrentUser>,
    /// The engine for the caller, for extra checks (`hook.access.as_ref()?.can(..)`).
    pub access: Option<AccessContext<'static, M, S>>,
    /// The row id in the path (get, update, delete).
    pub id: Option<String>,
    /// Before update/delete: the stored row. After create/read/update: the row as stored.
    /// After delete: the deleted row.
    pub row: Option<T>,
    /// After list: the page's rows (before redaction).
    pub rows: Vec<T>,
    /// Create and update: the request body (its fields already checked).
    pub body: Option<serde_json::Value>,
    /// After create, update and delete: the write's transaction. Statements run on it
    /// (`hook.txn.as_deref()`) commit or roll back with the row, such as the hierarchy's
    /// [`SeaStore::create_resource_in`](access_core::sea::SeaStore::create_resource_in) for a row that
    /// is a resource too. On SQLite, a write through another connection would wait for this
    /// transaction, which holds the database, and fail. Do not keep it past the hook: the
    /// commit needs it back. A hook that keeps a copy gets a 500 for the request, and the write
    /// is then in the kept copy's hands (dropped, it rolls back; committed, it commits).
    pub txn: Option<Arc<sea_orm::DatabaseTransaction>>,
}

impl<T: std::fmt::Debug, M: AccessModel, S: Stores + 'static> std::fmt::Debug for Hook<T, M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("action", &self.action)
            .field("user", &self.user)
            .field("id", &self.id)
            .field("row", &self.row)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

type HookFuture = Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send>>;
type HookFn<T, M, S> = Arc<dyn Fn(Hook<T, M, S>) -> HookFuture + Send + Sync>;
/// Hooks of one stage, each with the actions it runs for.
type HookList<T, M, S> = Vec<(Vec<Action>, HookFn<T, M, S>)>;

/// Hooks per stage and action.
struct Hooks<T, M: AccessModel, S: Stores + 'static> {
    before: HookList<T, M, S>,
    after: HookList<T, M, S>,
    /// `GET /` lists only rows whose id the user may act on with this entitlement
    /// ([`Crud::list_accessible`]).
    listing: Option<access_core::EntitlementId>,
    /// Every statement runs in a transaction that first sets the caller's claims for
    /// row-level security ([`Crud::rls`]).
    rls: bool,
    /// `__access` on listed and read rows: these entitlements on each row's resource
    /// ([`Crud::row_access`]) ...
    row_access: Vec<access_core::EntitlementId>,
    /// ... and these actions' rules on each row ([`Crud::row_actions`]).
    row_actions: Vec<Action>,
}

impl<T, M: AccessModel, S: Stores + 'static> Default for Hooks<T, M, S> {
    fn default() -> Self {
        Self {
            before: Vec::new(),
            after: Vec::new(),
            listing: None,
            rls: false,
            row_access: Vec::new(),
            row_actions: Vec::new(),
        }
    }
}

impl<T: Clone, M: AccessModel, S: Stores + 'static> Hooks<T, M, S> {
    /// Runs the hooks of `stage` for `action` in the order they were added; the first refusal
    /// wins. `make` builds each hook's argument.
    async fn run(
        list: &HookList<T, M, S>,
        action: Action,
        make: impl Fn() -> Hook<T, M, S>,
    ) -> Result<(), Response> {
        for (actions, f) in list {
            if actions.contains(&action) {
                f(make()).await.map_err(IntoResponse::into_response)?;
            }
        }
        Ok(())
    }
}

/// A CRUD router with hooks. `crud_router::<E, M, S, St>()` is `Crud::new().router()`.
///
/// # Examples
///
/// ```
/// # use access_axum::authz::Authz;
/// # use access_axum::crud::{Crud, crud_router};
/// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
/// # use access_core::{Action, MemoryStore, Stores};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, editor, user],
/// #         entity product { roles: [owner] }
/// #         entitlements {
/// #             "product:read"  on product => roles [owner],
/// #             "product:write" on product => roles [owner],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType};
/// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
/// # /// admins delete; only admins set `cost`.
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "products")]
/// #     #[schema(access = super::model::Access, entity = Entity, permission(
/// #         create = [admin, editor],
/// #         read   = public,
/// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
/// #         delete = [admin],
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         #[serde(default)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub name: String,
/// #         #[schema(permission(write = [admin]))]
/// #         #[serde(default)]
/// #         pub cost: Option<f64>,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
/// # impl<S: Stores + 'static> Clone for AppState<S> {
/// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
/// # }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// A fresh in-memory database with the auth tables and `products`.
/// # async fn products_db() -> DatabaseConnection {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let schema = sea_orm::Schema::new(db.get_database_backend());
/// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
/// #     db
/// # }
/// # /// The state over a fresh database, with in-memory stores.
/// # async fn state() -> AppState {
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
/// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
/// # }
/// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
/// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let body = match body {
/// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
/// #         None => Body::empty(),
/// #     };
/// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use serde_json::json;
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let saved = Arc::new(AtomicUsize::new(0));
/// let counter = saved.clone();
/// let products = Crud::<product::Entity, Model, MemoryStore>::new()
///     .before([Action::Delete], |hook| async move {
///         if hook.row.as_ref().is_some_and(|p| p.name.starts_with("locked")) {
///             return Err(ApiError::new(StatusCode::CONFLICT, "locked", "the product is locked"));
///         }
///         Ok(())
///     })
///     .after([Action::Create, Action::Update], move |_hook| {
///         let counter = counter.clone();
///         async move {
///             counter.fetch_add(1, Ordering::Relaxed);
///             Ok(())
///         }
///     })
///     .router::<AppState>();
/// let app = Router::new().nest("/products", products).with_state(state().await);
///
/// let admin = token(1, &["admin"]);
/// let new = json!({ "owner_id": 1, "name": "locked lamp", "cost": 9.5 });
/// let (status, lamp) = call(&app, "POST", "/products", Some(&admin), Some(new)).await;
/// assert_eq!(status, StatusCode::CREATED);
/// assert_eq!(saved.load(Ordering::Relaxed), 1);
/// let (status, body) = call(&app, "DELETE", &format!("/products/{}", lamp["id"]), Some(&admin), None).await;
/// assert_eq!(status, StatusCode::CONFLICT);
/// assert_eq!(body["error"], "locked");
/// # }
/// ```
pub struct Crud<E: EntityTrait, M: AccessModel, S: Stores + 'static> {
    hooks: Hooks<E::Model, M, S>,
}

impl<E: EntityTrait, M: AccessModel, S: Stores + 'static> std::fmt::Debug for Crud<E, M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crud")
            .field("before", &self.hooks.before.len())
            .field("after", &self.hooks.after.len())
            .finish()
    }
}

impl<E: EntityTrait, M: AccessModel, S: Stores + 'static> Default for Crud<E, M, S> {
    fn default() -> Self {
        Self {
            hooks: Hooks::default(),
        }
    }
}

fn boxed<T, M: AccessModel, S: Stores + 'static, F, Fut>(f: F) -> HookFn<T, M, S>
where
    F: Fn(Hook<T, M, S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
{
    Arc::new(move |h| Box::pin(f(h)) as HookFuture)
}

impl<E, M, S> Crud<E, M, S>
where
    E: EntityTrait,
    E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel:
        ActiveModelTrait<Entity = E> + ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
    M: AccessModel,
    S: Stores + 'static,
{
    /// No hooks.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # fn main() {
    /// let crud = Crud::<product::Entity, Model, MemoryStore>::new();
    /// assert_eq!(format!("{crud:?}"), "Crud { before: 0, after: 0 }");
    /// # }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` before each of `actions`, after the permission checks (and, for update and
    /// delete, with the stored row). An `Err` is the response; nothing is written.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use serde_json::json;
    ///
    /// let products = Crud::<product::Entity, Model, MemoryStore>::new()
    ///     .before([Action::Delete], |hook| async move {
    ///         match hook.row {
    ///             Some(p) if p.cost.is_some() => Err(ApiError::new(StatusCode::CONFLICT, "priced", "unprice it first")),
    ///             _ => Ok(()),
    ///         }
    ///     })
    ///     .router::<AppState>();
    /// let state = state().await;
    /// let db = state.auth.db.clone();
    /// let app = Router::new().nest("/products", products).with_state(state);
    ///
    /// let admin = token(1, &["admin"]);
    /// let (_, lamp) = call(&app, "POST", "/products", Some(&admin), Some(json!({ "owner_id": 1, "name": "Lamp", "cost": 9.5 }))).await;
    /// let (status, _) = call(&app, "DELETE", &format!("/products/{}", lamp["id"]), Some(&admin), None).await;
    /// assert_eq!(status, StatusCode::CONFLICT);
    /// assert_eq!(product::Entity::find().count(&db).await.unwrap(), 1); // still there
    /// # }
    /// ```
    #[must_use]
    pub fn before<F, Fut>(mut self, actions: impl IntoIterator<Item = Action>, f: F) -> Self
    where
        F: Fn(Hook<E::Model, M, S>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
    {
        self.hooks
            .before
            .push((actions.into_iter().collect(), boxed(f)));
        self
    }

    /// Runs `f` after each of `actions` with the resulting row. For create, update and delete
    /// it runs inside the write's transaction: an `Err` rolls the write back and is the
    /// response.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use serde_json::json;
    ///
    /// // At most one product per name, checked after the insert, in its transaction.
    /// let products = Crud::<product::Entity, Model, MemoryStore>::new()
    ///     .after([Action::Create], |hook| async move {
    ///         if hook.row.is_some_and(|p| p.name == "Lamp" && p.id > 1) {
    ///             return Err(ApiError::new(StatusCode::CONFLICT, "duplicate", "one lamp is enough"));
    ///         }
    ///         Ok(())
    ///     })
    ///     .router::<AppState>();
    /// let state = state().await;
    /// let db = state.auth.db.clone();
    /// let app = Router::new().nest("/products", products).with_state(state);
    ///
    /// let admin = token(1, &["admin"]);
    /// let lamp = json!({ "owner_id": 1, "name": "Lamp" });
    /// assert_eq!(call(&app, "POST", "/products", Some(&admin), Some(lamp.clone())).await.0, StatusCode::CREATED);
    /// assert_eq!(call(&app, "POST", "/products", Some(&admin), Some(lamp)).await.0, StatusCode::CONFLICT);
    /// assert_eq!(product::Entity::find().count(&db).await.unwrap(), 1); // the second insert was rolled back
    /// # }
    /// ```
    #[must_use]
    pub fn after<F, Fut>(mut self, actions: impl IntoIterator<Item = Action>, f: F) -> Self
    where
        F: Fn(Hook<E::Model, M, S>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
    {
        self.hooks
            .after
            .push((actions.into_iter().collect(), boxed(f)));
        self
    }

    /// `GET /` lists only the rows whose id names a resource (of the entitlement's entity
    /// type) on which the caller may exercise `entitlement`, pushed into the SQL with
    /// [`access_core::sea::list_accessible`]: role assignments joined through the closure
    /// table, so pages stay full and sorting and filters still apply. Needs the
    /// [`access_core::sea::SeaStore`] tables in the same database as the entity's table, and the
    /// entity's ids equal to the resources' ids. Anonymous callers get an empty list. When the
    /// model's type graph makes the sub-query a superset (see `Accessible::exact`), rows are also
    /// checked with `can`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use access_core::sea::SeaStore;
    /// use access_core::{ClosureStore, Resource, RoleStore};
    /// use model::ProductRole;
    ///
    /// // The engine's tables next to `products`, in the same database.
    /// let AppState { auth, .. } = state().await;
    /// let store = SeaStore::new(&Model, auth.db.clone());
    /// store.migrate().await.unwrap();
    /// let stores: &'static SeaStore = Box::leak(Box::new(store));
    /// // Products 1 and 2 are resources too; user 5 owns product 1.
    /// auth.db.execute_unprepared("INSERT INTO products (id, owner_id, name, cost) VALUES (1, 0, 'Lamp', 1), (2, 0, 'Desk', 2)").await.unwrap();
    /// for id in ["1", "2"] {
    ///     stores.add_resource(Resource::new(EntityType::Product, id), &[]).await.unwrap();
    /// }
    /// stores.assign("5", Resource::new(EntityType::Product, "1"), ProductRole::Owner.index()).await.unwrap();
    ///
    /// let products = Crud::<product::Entity, Model, SeaStore>::new()
    ///     .list_accessible(Entitlement::ProductRead)
    ///     .router::<AppState<SeaStore>>();
    /// let state = AppState { auth, authz: Authz::new(&Model, stores) };
    /// let app = Router::new().nest("/products", products).with_state(state);
    ///
    /// let (_, page) = call(&app, "GET", "/products", Some(&token(5, &[])), None).await;
    /// assert_eq!(page["items"].as_array().unwrap().len(), 1);
    /// assert_eq!(page["items"][0]["name"], "Lamp");
    /// let (_, page) = call(&app, "GET", "/products", None, None).await; // anonymous
    /// assert!(page["items"].as_array().unwrap().is_empty());
    /// # }
    /// ```
    #[must_use]
    pub fn list_accessible(mut self, entitlement: M::Entitlement) -> Self {
        self.hooks.listing = Some(entitlement.into());
        self
    }

    /// Adds `__access` to every row `GET /` lists and to the row `GET /{id}` returns: for each
    /// entitlement, whether the caller may exercise it on the row's resource (the row's id on the
    /// entitlement's entity type), through all five layers — flags, roles, hierarchy, plan and
    /// the usage wallet — in one [`can_all`](access_core::AccessContext::can_all) per page
    /// (per 100 verdicts). Keys are the entitlements' names
    /// (`"__access": {"project:delete": false}`); anonymous callers get `false` throughout.
    /// A UI hint only: every action is checked again when it is asked for. Combine with
    /// [`Crud::row_actions`] for the schema's own rules.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use access_core::sea::SeaStore;
    /// use access_core::{ClosureStore, Resource, RoleStore};
    /// use model::ProductRole;
    ///
    /// let AppState { auth, .. } = state().await;
    /// let store = SeaStore::new(&Model, auth.db.clone());
    /// store.migrate().await.unwrap();
    /// let stores: &'static SeaStore = Box::leak(Box::new(store));
    /// // Products 1 and 2 are resources too; user 5 owns product 1.
    /// auth.db.execute_unprepared("INSERT INTO products (id, owner_id, name, cost) VALUES (1, 0, 'Lamp', 1), (2, 0, 'Desk', 2)").await.unwrap();
    /// for id in ["1", "2"] {
    ///     stores.add_resource(Resource::new(EntityType::Product, id), &[]).await.unwrap();
    /// }
    /// stores.assign("5", Resource::new(EntityType::Product, "1"), ProductRole::Owner.index()).await.unwrap();
    ///
    /// let products = Crud::<product::Entity, Model, SeaStore>::new()
    ///     .row_access([Entitlement::ProductWrite])
    ///     .router::<AppState<SeaStore>>();
    /// let state = AppState { auth, authz: Authz::new(&Model, stores) };
    /// let app = Router::new().nest("/products", products).with_state(state);
    ///
    /// let (_, page) = call(&app, "GET", "/products", Some(&token(5, &[])), None).await;
    /// assert_eq!(page["items"][0]["name"], "Lamp");
    /// assert_eq!(page["items"][0]["__access"]["product:write"], true);
    /// assert_eq!(page["items"][1]["__access"]["product:write"], false); // the desk is not theirs
    /// let (_, desk) = call(&app, "GET", "/products/2", None, None).await; // anonymous
    /// assert_eq!(desk["__access"], serde_json::json!({ "product:write": false }));
    /// # }
    /// ```
    #[must_use]
    pub fn row_access(mut self, entitlements: impl IntoIterator<Item = M::Entitlement>) -> Self {
        self.hooks
            .row_access
            .extend(entitlements.into_iter().map(Into::into));
        self
    }

    /// Adds `__access` to every row `GET /` lists and to the row `GET /{id}` returns: for each
    /// action, whether the schema's rule for it allows the caller on that row (`where` clauses,
    /// roles, `entitlement(..)` and dynamic checks, as the action's own route checks them, field
    /// permissions aside). Keys are the actions' names (`"__access": {"update": true,
    /// "delete": false}`), next to those of [`Crud::row_access`]. A UI hint only: every action
    /// is checked again when it is asked for.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let products = Crud::<product::Entity, Model, MemoryStore>::new()
    ///     .row_actions([Action::Update, Action::Delete])
    ///     .router::<AppState>();
    /// let app = Router::new().nest("/products", products).with_state(state().await);
    /// let lamp = serde_json::json!({ "owner_id": 2, "name": "Lamp" });
    /// call(&app, "POST", "/products", Some(&token(2, &["editor"])), Some(lamp)).await;
    ///
    /// // Its editor may update it but not delete it; another editor neither; an admin both.
    /// let access = |id: i64, role: &'static str| {
    ///     let app = app.clone();
    ///     async move { call(&app, "GET", "/products", Some(&token(id, &[role])), None).await.1["items"][0]["__access"].clone() }
    /// };
    /// assert_eq!(access(2, "editor").await, serde_json::json!({ "update": true, "delete": false }));
    /// assert_eq!(access(3, "editor").await, serde_json::json!({ "update": false, "delete": false }));
    /// assert_eq!(access(1, "admin").await, serde_json::json!({ "update": true, "delete": true }));
    /// # }
    /// ```
    #[must_use]
    pub fn row_actions(mut self, actions: impl IntoIterator<Item = Action>) -> Self {
        self.hooks.row_actions.extend(actions);
        self
    }

    /// PostgreSQL row-level security as a second wall: every request's statements run in one
    /// transaction that first sets the caller's claims as transaction-local settings
    /// ([`access_core::sea::set_claims`]: `access.sub`, `access.tenant_id`, `access.roles`,
    /// `access.superuser`), so the policies from [`access_core::sea::rls_policies`] see who is
    /// asking. Connect as a role RLS applies to ([`access_core::sea::rls_applies`]). On other
    /// databases the transaction is opened without claims.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use serde_json::json;
    ///
    /// let products = Crud::<product::Entity, Model, MemoryStore>::new().rls().router::<AppState>();
    /// let app = Router::new().nest("/products", products).with_state(state().await);
    /// // On SQLite (no row-level security) the routes answer as without `rls`.
    /// let lamp = json!({ "owner_id": 1, "name": "Lamp" });
    /// assert_eq!(call(&app, "POST", "/products", Some(&token(1, &["admin"])), Some(lamp)).await.0, StatusCode::CREATED);
    /// let (status, page) = call(&app, "GET", "/products", None, None).await;
    /// assert_eq!(status, StatusCode::OK);
    /// assert_eq!(page["items"][0]["name"], "Lamp");
    /// # }
    /// ```
    #[must_use]
    pub fn rls(mut self) -> Self {
        self.hooks.rls = true;
        self
    }

    /// The routes: `GET /`, `POST /`, `GET /{id}`, `PATCH /{id}`, `DELETE /{id}`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use serde_json::json;
    ///
    /// let products = Crud::<product::Entity, Model, MemoryStore>::new().router::<AppState>();
    /// let app = Router::new().nest("/products", products).with_state(state().await);
    /// let editor = token(2, &["editor"]);
    ///
    /// // Editors create products, but only admins set `cost`.
    /// let priced = json!({ "owner_id": 2, "name": "Lamp", "cost": 9.5 });
    /// let (status, body) = call(&app, "POST", "/products", Some(&editor), Some(priced)).await;
    /// assert_eq!(status, StatusCode::FORBIDDEN);
    /// assert_eq!(body["fields"][0], "cost");
    /// let (status, lamp) = call(&app, "POST", "/products", Some(&editor), Some(json!({ "owner_id": 2, "name": "Lamp" }))).await;
    /// assert_eq!(status, StatusCode::CREATED);
    /// let url = format!("/products/{}", lamp["id"]);
    ///
    /// // Anyone reads.
    /// assert_eq!(call(&app, "GET", &url, None, None).await.1["name"], "Lamp");
    /// // The owning editor updates; for another editor the row is not there.
    /// let rename = json!({ "name": "Desk lamp" });
    /// assert_eq!(call(&app, "PATCH", &url, Some(&editor), Some(rename.clone())).await.0, StatusCode::OK);
    /// assert_eq!(call(&app, "PATCH", &url, Some(&token(3, &["editor"])), Some(rename)).await.0, StatusCode::NOT_FOUND);
    /// // Only admins delete.
    /// assert_eq!(call(&app, "DELETE", &url, Some(&editor), None).await.0, StatusCode::FORBIDDEN);
    /// assert_eq!(call(&app, "DELETE", &url, Some(&token(1, &["admin"])), None).await.0, StatusCode::NO_CONTENT);
    /// # }
    /// ```
    pub fn router<St>(self) -> Router<St>
    where
        St: Clone + Send + Sync + 'static,
        AuthState: FromRef<St>,
        Authz<M, S>: FromRef<St>,
    {
        let hooks = Arc::new(self.hooks);
        Router::new()
            .route("/", get(list::<E, M, S, St>).post(create::<E, M, S, St>))
            .route(
                "/{id}",
                get(read::<E, M, S, St>)
                    .patch(update::<E, M, S, St>)
                    .delete(remove::<E, M, S, St>),
            )
            .layer(axum::Extension(HooksExt(hooks)))
    }
}

/// The hooks, as a request extension.
struct HooksExt<T, M: AccessModel, S: Stores + 'static>(Arc<Hooks<T, M, S>>);

impl<T, M: AccessModel, S: Stores + 'static> Clone for HooksExt<T, M, S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

fn unauthenticated() -> Response {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "valid credentials are required",
    )
    .into_response()
}

fn denial(d: &access_core::Denial, signed_in: bool) -> Response {
    if !signed_in
        && d.reasons
            .iter()
            .any(|r| r.kind == access_core::ReasonKind::AuthenticationRequired)
    {
        return unauthenticated();
    }
    let body = serde_json::json!({
        "error": "forbidden",
        "message": d.to_string(),
        "reasons": d.reasons,
    });
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

/// A request body as the row it proposes, for the `where` clauses of a create rule: numbers,
/// strings and booleans compare as the row's fields would; anything else (or a missing field)
/// is null, which no `where` clause on a value matches.
struct BodyRow(serde_json::Value);

impl access_core::schema::RowFields for BodyRow {
    fn field(&self, field: &str) -> access_core::schema::FieldValue<'_> {
        use access_core::schema::FieldValue;
        match self.0.get(field) {
            Some(serde_json::Value::Number(n)) => {
                n.as_i64().map_or(FieldValue::Null, FieldValue::Int)
            }
            Some(serde_json::Value::String(s)) => FieldValue::Str(s),
            Some(serde_json::Value::Bool(b)) => FieldValue::Bool(*b),
            _ => FieldValue::Null,
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn row_rule_failed(d: &access_core::Denial) -> bool {
    d.reasons
        .iter()
        .any(|r| r.kind == access_core::ReasonKind::RowRuleFailed)
}

/// The action on this row: a row rule that fails is a 404 (the row is not the caller's to see),
/// any other refusal a 401/403 with the reasons.
async fn authorize_row<T: Schema + Sync>(
    pctx: &PermissionCtx<'_>,
    row: &T,
    action: Action,
    signed_in: bool,
) -> Result<(), Response> {
    match T::authorize_action(&pctx.with_row(row), action).await {
        Ok(()) => Ok(()),
        Err(d) if row_rule_failed(&d) => Err(not_found()),
        Err(d) => Err(denial(&d, signed_in)),
    }
}

/// No row to act on: not found, unless the action itself is refused whatever the row. A rule
/// that needs the row to be decided (a `where` clause, an `entitlement(..)` on the row's
/// resource) is not a refusal of a row that does not exist.
async fn absent<T: Schema>(pctx: &PermissionCtx<'_>, action: Action, signed_in: bool) -> Response {
    match T::authorize_action(pctx, action).await {
        Err(d)
            if !row_rule_failed(&d)
                && !d
                    .reasons
                    .iter()
                    .all(|r| r.kind == access_core::ReasonKind::ResourceRequired) =>
        {
            denial(&d, signed_in)
        }
        _ => not_found(),
    }
}

fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such row").into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "crud: database error");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the request could not be completed",
    )
    .into_response()
}

/// The caller, if any, with a token that must be valid when present (an `Authorization`
/// header, or the access-token cookie where cookies are read): an expired one is a 401, so the
/// client refreshes instead of being served as anonymous.
async fn caller(parts: &mut Parts, auth: &AuthState) -> Result<Option<CurrentUser>, Response> {
    match <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(parts, auth).await {
        Ok(u) => Ok(Some(u)),
        Err(e) if e.status == StatusCode::UNAUTHORIZED && !has_credentials(parts, auth) => Ok(None),
        Err(e) => Err(e.into_response()),
    }
}

fn has_credentials(parts: &Parts, auth: &AuthState) -> bool {
    parts
        .headers
        .contains_key(axum::http::header::AUTHORIZATION)
        || crate::auth::token_cookie(&auth.config, &parts.headers, "access_token").is_some()
}

/// Routes for entity `E` under the router's path: `GET /`, `POST /`, `GET /{id}`,
/// `PATCH /{id}`, `DELETE /{id}`. Without hooks; see [`Crud`] for hooks.
///
/// # Examples
///
/// ```
/// # use access_axum::authz::Authz;
/// # use access_axum::crud::{Crud, crud_router};
/// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
/// # use access_core::{Action, MemoryStore, Stores};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, editor, user],
/// #         entity product { roles: [owner] }
/// #         entitlements {
/// #             "product:read"  on product => roles [owner],
/// #             "product:write" on product => roles [owner],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType};
/// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
/// # /// admins delete; only admins set `cost`.
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "products")]
/// #     #[schema(access = super::model::Access, entity = Entity, permission(
/// #         create = [admin, editor],
/// #         read   = public,
/// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
/// #         delete = [admin],
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         #[serde(default)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub name: String,
/// #         #[schema(permission(write = [admin]))]
/// #         #[serde(default)]
/// #         pub cost: Option<f64>,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
/// # impl<S: Stores + 'static> Clone for AppState<S> {
/// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
/// # }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// A fresh in-memory database with the auth tables and `products`.
/// # async fn products_db() -> DatabaseConnection {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let schema = sea_orm::Schema::new(db.get_database_backend());
/// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
/// #     db
/// # }
/// # /// The state over a fresh database, with in-memory stores.
/// # async fn state() -> AppState {
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
/// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
/// # }
/// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
/// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let body = match body {
/// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
/// #         None => Body::empty(),
/// #     };
/// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use serde_json::json;
///
/// let app = Router::new()
///     .nest("/products", crud_router::<product::Entity, Model, MemoryStore, AppState>())
///     .with_state(state().await);
///
/// let lamp = json!({ "owner_id": 1, "name": "Lamp" });
/// assert_eq!(call(&app, "POST", "/products", None, Some(lamp.clone())).await.0, StatusCode::UNAUTHORIZED);
/// assert_eq!(call(&app, "POST", "/products", Some(&token(1, &["admin"])), Some(lamp)).await.0, StatusCode::CREATED);
/// let (status, page) = call(&app, "GET", "/products?name[contains]=am&per_page=10", None, None).await;
/// assert_eq!(status, StatusCode::OK);
/// assert_eq!((page["items"][0]["name"].as_str(), page["per_page"].as_u64()), (Some("Lamp"), Some(10)));
/// // A field the schema does not have is a 400.
/// assert_eq!(call(&app, "GET", "/products?colour=red", None, None).await.0, StatusCode::BAD_REQUEST);
/// # }
/// ```
pub fn crud_router<E, M, S, St>() -> Router<St>
where
    E: EntityTrait,
    E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel:
        ActiveModelTrait<Entity = E> + ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
    M: AccessModel,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    Crud::<E, M, S>::new().router()
}

struct Ctx<M: AccessModel, S: Stores + 'static> {
    authz: Authz<M, S>,
    auth: AuthState,
    user: Option<CurrentUser>,
    principal: Option<access_core::Principal>,
    engine: Option<AccessContext<'static, M, S>>,
}

impl<M: AccessModel, S: Stores + 'static> Ctx<M, S> {
    async fn new<St>(parts: &mut Parts, state: &St) -> Result<Self, Response>
    where
        AuthState: FromRef<St>,
        Authz<M, S>: FromRef<St>,
    {
        let auth = AuthState::from_ref(state);
        let authz = Authz::<M, S>::from_ref(state);
        let user = caller(parts, &auth).await?;
        let principal = match &user {
            Some(u) => Some(
                authz
                    .principal(&auth, parts, u)
                    .await
                    .map_err(IntoResponse::into_response)?,
            ),
            None => None,
        };
        let engine = match &principal {
            Some(p) => Some(
                authz
                    .context_for(p.clone())
                    .await
                    .map_err(IntoResponse::into_response)?,
            ),
            None => None,
        };
        Ok(Self {
            authz,
            auth,
            user,
            principal,
            engine,
        })
    }
    /// A transaction for this request's statements; with `claims`, on PostgreSQL, it starts by
    /// setting the caller's claims for row-level security.
    async fn begin(&self, claims: bool) -> Result<sea_orm::DatabaseTransaction, Response> {
        let txn = self.auth.db.begin().await.map_err(internal)?;
        if claims && self.auth.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            access_core::sea::set_claims(&txn, self.authz.model.data(), self.principal.as_ref())
                .await
                .map_err(internal)?;
        }
        Ok(txn)
    }

    /// A hook argument for `action`.
    fn hook<T>(
        &self,
        action: Action,
        id: Option<&str>,
        row: Option<&T>,
        body: Option<&serde_json::Value>,
    ) -> Hook<T, M, S>
    where
        T: Clone,
    {
        Hook {
            action,
            user: self.user.clone(),
            access: self.engine.clone(),
            id: id.map(str::to_owned),
            row: row.cloned(),
            rows: Vec::new(),
            body: body.cloned(),
            txn: None,
        }
    }

    /// The schema context for the caller, answering `entitlement(..)` rules with the engine.
    fn permission_ctx(&self) -> PermissionCtx<'_> {
        let base = PermissionCtx::new(self.authz.model.data(), self.principal.as_ref());
        match &self.engine {
            Some(e) => base.with_entitlements(e),
            None => base,
        }
    }
}

fn id_condition<E: EntityTrait, T: SeaOrmSchema<Entity = E>>(id: &str) -> Option<Condition> {
    // No stored id holds a NUL (PostgreSQL refuses the comparison itself): a 404.
    if id.contains('\0') {
        return None;
    }
    let field = T::PERMISSIONS.id_field;
    let col = field.parse::<E::Column>().ok()?;
    let v = T::sql_value(field, id)?;
    Some(Condition::all().add(col.eq(v)))
}

/// Loads the row with the id and the action's row filter; `None` is a 404.
async fn load<E, T, C: sea_orm::ConnectionTrait>(
    db: &C,
    pctx: &PermissionCtx<'_>,
    action: Action,
    id: &str,
) -> Result<Option<T>, Response>
where
    E: EntityTrait<Model = T>,
    T: CrudModel<E>,
{
    let Some(by_id) = id_condition::<E, T>(id) else {
        return Ok(None);
    };
    let filter = row_filter::<T>(pctx, action);
    if filter.deny_all {
        return Ok(None);
    }
    let row = E::find()
        .filter(by_id)
        .filter(filter.condition)
        .one(db)
        .await
        .map_err(internal)?;
    Ok(row)
}

macro_rules! ctx_or_return {
    ($parts:ident, $state:ident) => {
        match Ctx::<M, S>::new(&mut $parts, &$state).await {
            Ok(c) => c,
            Err(r) => return r,
        }
    };
}

/// Bounds every handler shares.
macro_rules! handler {
    (async fn $name:ident($state:ident, $hooks:ident; $($arg:ident : $ty:ty),*) $body:block) => {
        async fn $name<E, M, S, St>(
            State($state): State<St>,
            axum::Extension(HooksExt($hooks)): axum::Extension<HooksExt<E::Model, M, S>>,
            $($arg: $ty,)*
        ) -> Response
        where
            E: EntityTrait,
            E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
            E::ActiveModel: ActiveModelTrait<Entity = E>
                + ActiveModelBehavior
                + TryIntoModel<E::Model>
                + Send
                + Sync,
            M: AccessModel,
            S: Stores + 'static,
            St: Clone + Send + Sync + 'static,
            AuthState: FromRef<St>,
            Authz<M, S>: FromRef<St>,
        $body
    };
}

macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

handler! {
async fn list(state, hooks; params: Query<BTreeMap<String, String>>, req: axum::extract::Request) {
    let Query(params) = params;
    let (mut parts, _) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    if let Err(d) = <E::Model as Schema>::authorize_action(&pctx, Action::List).await {
        // Row-dependent rules are checked per row below; others decide here.
        if !row_rule_failed(&d) {
            return denial(&d, c.user.is_some());
        }
    }
    let number = |k: &str| -> Result<Option<u64>, ApiError> {
        params
            .get(k)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_query",
                        format!("`{k}` takes a positive integer"),
                    )
                })
            })
            .transpose()
    };
    let (per_page, page) = match (number("per_page"), number("page")) {
        (Ok(pp), Ok(p)) => (pp.unwrap_or(20).clamp(1, 100), p.unwrap_or(1).max(1)),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    // An offset SQL cannot take (or that overflows) is the caller's mistake, not a crash.
    if (page - 1).checked_mul(per_page).is_none_or(|o| o > i64::MAX as u64) {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "`page` is out of range",
        )
        .into_response();
    }
    // Which fields may be queried matters only when the request filters or sorts.
    let queryable = if params.keys().any(|k| k != "page" && k != "per_page") {
        <E::Model as Schema>::queryable_fields(&pctx).await
    } else {
        Vec::new()
    };
    let all: Vec<&'static str> = <E::Model as Schema>::PERMISSIONS
        .fields
        .iter()
        .map(|f| f.name)
        .collect();
    let q = match query::parse::<E>(&params, &queryable, &all) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    try_response!(Hooks::run(&hooks.before, Action::List, || c.hook(Action::List, None, None, None)).await);
    let filter = row_filter::<E::Model>(&pctx, Action::List);
    let empty = || {
        Json(serde_json::json!({ "items": [], "page": page, "per_page": per_page }))
            .into_response()
    };
    if filter.deny_all {
        return empty();
    }
    let mut select = E::find().filter(filter.condition).filter(q.condition);
    let mut recheck_with = None;
    if let Some(ent) = hooks.listing {
        let Some(engine) = c.engine.as_ref() else {
            return empty();
        };
        let acc = match access_core::sea::list_accessible(engine, ent).await {
            Ok(a) => a,
            Err(e) => return internal(e),
        };
        let id_field = <E::Model as Schema>::PERMISSIONS.id_field;
        let Ok(col) = id_field.parse::<E::Column>() else {
            return internal("the schema's id field is not a column");
        };
        let int = matches!(
            col.def().get_column_type(),
            sea_orm::sea_query::ColumnType::Integer
                | sea_orm::sea_query::ColumnType::BigInteger
                | sea_orm::sea_query::ColumnType::SmallInteger
        );
        let cond = if int {
            acc.condition_int((E::default(), col))
        } else {
            acc.condition((E::default(), col))
        };
        if !acc.exact() {
            recheck_with = Some((engine, ent));
        }
        select = select.filter(cond);
    }
    for (field, order) in &q.order {
        if let Ok(col) = field.parse::<E::Column>() {
            select = select.order_by(col, order.clone());
        }
    }
    // A stable order for paging: the id last.
    if let Ok(col) = <E::Model as Schema>::PERMISSIONS.id_field.parse::<E::Column>() {
        select = select.order_by_asc(col);
    }
    let fetched = if hooks.rls {
        let txn = try_response!(c.begin(true).await);
        select.paginate(&txn, per_page).fetch_page(page - 1).await
    } else {
        select.paginate(&c.auth.db, per_page).fetch_page(page - 1).await
    };
    let rows = match fetched {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        // Rows that fail are skipped, not explained.
        let rctx = pctx.with_row(&row).verdicts_only();
        if filter.recheck
            && <E::Model as Schema>::authorize_action(&rctx, Action::List)
                .await
                .is_err()
        {
            continue;
        }
        if let Some((engine, ent)) = recheck_with {
            let data = c.authz.model.data();
            let ty = access_core::EntityTypeId(data.entitlements[ent.0 as usize].entity);
            let id = row_id::<E::Model>(&row);
            match engine.can_id(ent, access_core::Resource::new(ty, &id)).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => return internal(e),
            }
        }
        kept.push(row);
    }
    try_response!(
        Hooks::run(&hooks.after, Action::List, || {
            let mut h = c.hook::<E::Model>(Action::List, None, None, None);
            h.rows = kept.clone();
            h
        })
        .await
    );
    let mut items = Vec::with_capacity(kept.len());
    for row in &kept {
        match row.redact(&pctx).await {
            Ok(v) => items.push(v),
            Err(e) => return internal(e),
        }
    }
    try_response!(annotate(&hooks, c.engine.as_ref(), &pctx, &kept, &mut items).await);
    Json(serde_json::json!({ "items": items, "page": page, "per_page": per_page })).into_response()
}
}

handler! {
async fn read(state, hooks; id: Path<String>, req: axum::extract::Request) {
    let Path(id) = id;
    let (mut parts, _) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    let loaded = if hooks.rls {
        let txn = try_response!(c.begin(true).await);
        load::<E, E::Model, _>(&txn, &pctx, Action::Read, &id).await
    } else {
        load::<E, E::Model, _>(&c.auth.db, &pctx, Action::Read, &id).await
    };
    let row = match loaded {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(),
        Err(r) => return r,
    };
    if let Err(r) = authorize_row::<E::Model>(&pctx, &row, Action::Read, c.user.is_some()).await {
        return r;
    }
    try_response!(Hooks::run(&hooks.before, Action::Read, || c.hook(Action::Read, Some(&id), Some(&row), None)).await);
    try_response!(Hooks::run(&hooks.after, Action::Read, || c.hook(Action::Read, Some(&id), Some(&row), None)).await);
    let mut item = match row.redact(&pctx).await {
        Ok(v) => [v],
        Err(e) => return internal(e),
    };
    try_response!(annotate(&hooks, c.engine.as_ref(), &pctx, std::slice::from_ref(&row), &mut item).await);
    let [v] = item;
    Json(v).into_response()
}
}

/// The row's id as text (from its JSON form).
fn row_id<T: serde::Serialize + Schema>(row: &T) -> String {
    let id_field = <T as Schema>::PERMISSIONS.id_field;
    match serde_json::to_value(row)
        .ok()
        .and_then(|v| v.get(id_field).cloned())
    {
        Some(serde_json::Value::String(s)) => s,
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// Adds `__access` to each item (the rows' JSON, in the order of `rows`):
/// [`Crud::row_access`]'s entitlements through `can_all`, [`Crud::row_actions`]' rules per row.
async fn annotate<T, M, S>(
    hooks: &Hooks<T, M, S>,
    engine: Option<&AccessContext<'static, M, S>>,
    pctx: &PermissionCtx<'_>,
    rows: &[T],
    items: &mut [serde_json::Value],
) -> Result<(), Response>
where
    T: Schema + serde::Serialize + Sync,
    M: AccessModel,
    S: Stores + 'static,
{
    if hooks.row_access.is_empty() && hooks.row_actions.is_empty() {
        return Ok(());
    }
    let data = pctx.model;
    let n = hooks.row_access.len();
    let mut verdicts = vec![false; rows.len() * n];
    if let Some(engine) = engine.filter(|_| n > 0) {
        let ids: Vec<String> = rows.iter().map(row_id).collect();
        let pairs: Vec<(access_core::EntitlementId, access_core::Resource<'_>)> = ids
            .iter()
            .flat_map(|id| {
                hooks.row_access.iter().map(move |e| {
                    let ty = data
                        .entitlements
                        .get(e.0 as usize)
                        .map_or(u16::MAX, |d| d.entity);
                    (
                        *e,
                        access_core::Resource::new(access_core::EntityTypeId(ty), id),
                    )
                })
            })
            .collect();
        for (c, chunk) in pairs.chunks(access_core::MAX_BATCH).enumerate() {
            let answers = engine.can_all_id(chunk).await.map_err(internal)?;
            let at = c * access_core::MAX_BATCH;
            for (slot, ok) in verdicts[at..].iter_mut().zip(answers) {
                *slot = ok;
            }
        }
    }
    for (i, (row, item)) in rows.iter().zip(items.iter_mut()).enumerate() {
        let mut meta = serde_json::Map::new();
        for (k, e) in hooks.row_access.iter().enumerate() {
            if let Some(d) = data.entitlements.get(e.0 as usize) {
                meta.insert(d.name.to_string(), verdicts[i * n + k].into());
            }
        }
        if !hooks.row_actions.is_empty() {
            let rctx = pctx.with_row(row).verdicts_only();
            for a in &hooks.row_actions {
                let ok = T::authorize_action(&rctx, *a).await.is_ok();
                meta.insert(a.as_str().into(), ok.into());
            }
        }
        if let Some(obj) = item.as_object_mut() {
            obj.insert("__access".into(), meta.into());
        }
    }
    Ok(())
}

fn forbidden_fields(denied: &[access_core::FieldDenial]) -> Response {
    let fields: Vec<&str> = denied.iter().map(|d| d.field.as_str()).collect();
    let body = serde_json::json!({
        "error": "forbidden_field",
        "message": format!("you may not set {}", fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")),
        "fields": fields,
        "reasons": denied,
    });
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

fn invalid(msg: impl Into<String>) -> Response {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", msg).into_response()
}

/// Runs the after-hooks in the write's transaction, then commits; a refusal rolls back.
async fn finish<T: Clone, M: AccessModel, S: Stores + 'static>(
    txn: sea_orm::DatabaseTransaction,
    hooks: &Hooks<T, M, S>,
    action: Action,
    make: impl Fn() -> Hook<T, M, S>,
) -> Result<(), Response> {
    let shared = Arc::new(txn);
    let ran = Hooks::run(&hooks.after, action, || Hook {
        txn: Some(shared.clone()),
        ..make()
    })
    .await;
    let Ok(txn) = Arc::try_unwrap(shared) else {
        // Dropped by its last holder, it rolls back.
        return Err(internal("an after-hook kept the write's transaction"));
    };
    if let Err(r) = ran {
        txn.rollback().await.map_err(internal)?;
        return Err(r);
    }
    txn.commit().await.map_err(internal)
}

handler! {
async fn create(state, hooks; req: axum::extract::Request) {
    let (mut parts, body) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    // Refused whatever the row (no role, not signed in): answered before reading the body.
    // A rule with `where` clauses is then checked on the row the body describes.
    if let Err(d) = <E::Model as Schema>::authorize_action(&pctx, Action::Create).await
        && !row_rule_failed(&d)
    {
        return denial(&d, c.user.is_some());
    }
    let json: serde_json::Value =
        match crate::error::read_json(&parts.headers, body, c.auth.config.body_limit).await {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
    // The new row must satisfy the create rule (PostgreSQL's `WITH CHECK`): a member cannot
    // create a row in another tenant or in someone else's name.
    let proposed = BodyRow(json.clone());
    let mut bctx = pctx.clone();
    bctx.row = Some(&proposed);
    if let Err(d) = <E::Model as Schema>::authorize_action(&bctx, Action::Create).await {
        // Rows compared with the caller (`user.id`, `user.tenant_id`) need one: signing in is
        // what would change the answer.
        if c.user.is_none() {
            return unauthenticated();
        }
        return denial(&d, true);
    }
    let denied = <E::Model as Schema>::check_write(&json, None, &pctx).await;
    if !denied.is_empty() {
        return forbidden_fields(&denied);
    }
    try_response!(Hooks::run(&hooks.before, Action::Create, || c.hook::<E::Model>(Action::Create, None, None, Some(&json))).await);
    let am = match E::ActiveModel::from_json(json.clone()) {
        Ok(am) => am,
        Err(_) => return invalid("the body does not describe a row"),
    };
    let txn = try_response!(c.begin(hooks.rls).await);
    let row = match am.insert(&txn).await {
        Ok(row) => row,
        Err(e) => return write_failed(&e),
    };
    // As stored (with the database's defaults), the row still satisfies the rule; otherwise
    // the transaction is dropped, which rolls the insert back.
    if let Err(d) = <E::Model as Schema>::authorize_action(&pctx.with_row(&row), Action::Create).await {
        return denial(&d, c.user.is_some());
    }
    try_response!(finish(txn, &hooks, Action::Create, || c.hook(Action::Create, None, Some(&row), Some(&json))).await);
    match row.redact(&pctx).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => internal(e),
    }
}
}

/// A write the database refused. The statement's own failures (a constraint, a value the column
/// does not take) are the body's fault: 422 naming the kind, never the database's text, which
/// goes to the log. Anything else (no connection, a pool timeout) is a 500.
fn write_failed(e: &sea_orm::DbErr) -> Response {
    use sea_orm::{DbErr, SqlErr};
    let what = match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => "a unique value is taken",
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => "a referenced row is missing",
        Some(_) => "invalid values",
        None => match e {
            DbErr::Exec(_) | DbErr::Query(_) | DbErr::Type(_) | DbErr::Json(_) => {
                tracing::warn!(error = %e, "crud: the database refused a write");
                "invalid values"
            }
            _ => return internal(e),
        },
    };
    invalid(format!("the row could not be stored: {what}"))
}

handler! {
async fn update(state, hooks; id: Path<String>, req: axum::extract::Request) {
    let Path(id) = id;
    let (mut parts, body) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    // The body first: no transaction (and pooled connection) waits on a slow client.
    let patch: serde_json::Value =
        match crate::error::read_json(&parts.headers, body, c.auth.config.body_limit).await {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
    // Load and write in one transaction.
    let txn = try_response!(c.begin(hooks.rls).await);
    let row = match load::<E, E::Model, _>(&txn, &pctx, Action::Update, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return absent::<E::Model>(&pctx, Action::Update, c.user.is_some()).await,
        Err(r) => return r,
    };
    if let Err(r) = authorize_row::<E::Model>(&pctx, &row, Action::Update, c.user.is_some()).await {
        return r;
    }
    let denied = <E::Model as Schema>::check_write(&patch, Some(&row), &pctx).await;
    if !denied.is_empty() {
        return forbidden_fields(&denied);
    }
    let mut am = row.clone().into_active_model();
    if am.set_from_json(patch.clone()).is_err() {
        return invalid("the body does not fit the row");
    }
    try_response!(Hooks::run(&hooks.before, Action::Update, || c.hook(Action::Update, Some(&id), Some(&row), Some(&patch))).await);
    // The write carries the id and the row rule: a row that stopped matching is not written.
    let filter = row_filter::<E::Model>(&pctx, Action::Update);
    let Some(by_id) = id_condition::<E, E::Model>(&id) else {
        return not_found();
    };
    let res = E::update_many()
        .set(am)
        .filter(by_id.clone())
        .filter(filter.condition)
        .exec(&txn)
        .await;
    let updated = match res {
        Ok(r) if r.rows_affected == 0 => return not_found(),
        Ok(_) => match E::find().filter(by_id).one(&txn).await {
            Ok(Some(updated)) => updated,
            Ok(None) => return not_found(),
            Err(e) => return internal(e),
        },
        Err(e) => return write_failed(&e),
    };
    // The changed row must still satisfy the update rule (PostgreSQL's `WITH CHECK`): a row
    // cannot be moved out of the caller's reach, into another tenant say. Dropping the
    // transaction rolls the write back.
    if let Err(d) = <E::Model as Schema>::authorize_action(&pctx.with_row(&updated), Action::Update).await {
        return denial(&d, c.user.is_some());
    }
    try_response!(finish(txn, &hooks, Action::Update, || c.hook(Action::Update, Some(&id), Some(&updated), Some(&patch))).await);
    match updated.redact(&pctx).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => internal(e),
    }
}
}

handler! {
async fn remove(state, hooks; id: Path<String>, req: axum::extract::Request) {
    let Path(id) = id;
    let (mut parts, _) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    let txn = try_response!(c.begin(hooks.rls).await);
    let row = match load::<E, E::Model, _>(&txn, &pctx, Action::Delete, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return absent::<E::Model>(&pctx, Action::Delete, c.user.is_some()).await,
        Err(r) => return r,
    };
    if let Err(r) = authorize_row::<E::Model>(&pctx, &row, Action::Delete, c.user.is_some()).await {
        return r;
    }
    try_response!(Hooks::run(&hooks.before, Action::Delete, || c.hook(Action::Delete, Some(&id), Some(&row), None)).await);
    let filter = row_filter::<E::Model>(&pctx, Action::Delete);
    let Some(by_id) = id_condition::<E, E::Model>(&id) else {
        return not_found();
    };
    match E::delete_many()
        .filter(by_id)
        .filter(filter.condition)
        .exec(&txn)
        .await
    {
        Ok(r) if r.rows_affected == 0 => return not_found(),
        Ok(_) => {}
        Err(e) => return internal(e),
    }
    try_response!(finish(txn, &hooks, Action::Delete, || c.hook(Action::Delete, Some(&id), Some(&row), None)).await);
    StatusCode::NO_CONTENT.into_response()
}
}

/// Data-changing calls for the application's own code, each asking for the proof that an
/// entitlement was checked ([`access_core::Granted`], from
/// [`AccessContext::authorize_as`](access_core::AccessContext::authorize_as) or
/// [`consume_as`](access_core::AccessContext::consume_as)). A write without a check does not
/// compile; each call takes its proof, so one check pays for one write.
///
/// ```
/// # use access_axum::authz::Authz;
/// # use access_axum::crud::{Crud, crud_router};
/// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
/// # use access_core::{Action, MemoryStore, Stores};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, editor, user],
/// #         entity product { roles: [owner] }
/// #         entitlements {
/// #             "product:read"  on product => roles [owner],
/// #             "product:write" on product => roles [owner],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType};
/// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
/// # /// admins delete; only admins set `cost`.
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "products")]
/// #     #[schema(access = super::model::Access, entity = Entity, permission(
/// #         create = [admin, editor],
/// #         read   = public,
/// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
/// #         delete = [admin],
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         #[serde(default)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub name: String,
/// #         #[schema(permission(write = [admin]))]
/// #         #[serde(default)]
/// #         pub cost: Option<f64>,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
/// # impl<S: Stores + 'static> Clone for AppState<S> {
/// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
/// # }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
/// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// A fresh in-memory database with the auth tables and `products`.
/// # async fn products_db() -> DatabaseConnection {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let schema = sea_orm::Schema::new(db.get_database_backend());
/// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
/// #     db
/// # }
/// # /// The state over a fresh database, with in-memory stores.
/// # async fn state() -> AppState {
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
/// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
/// # }
/// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
/// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let body = match body {
/// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
/// #         None => Body::empty(),
/// #     };
/// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # use access_axum::crud::guarded;
/// # use access_core::{AccessContext, ClosureStore, Principal, Resource, RoleStore};
/// # use model::{ProductRole, entitlement};
/// # use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
/// # let db = products_db().await;
/// # let stores = MemoryStore::new();
/// # let p1 = Resource::new(EntityType::Product, "1");
/// # stores.add_resource(p1, &[]).await.unwrap();
/// # stores.assign("5", p1, ProductRole::Owner.index()).await.unwrap();
/// # let access = AccessContext::new(&Model, &stores, Principal::new("5"));
/// # let lamp = product::ActiveModel { id: Set(1), owner_id: Set(5), name: Set("Lamp".into()), cost: Set(Some(9.5)) }.insert(&db).await.unwrap();
/// let proof = access.authorize_as::<entitlement::ProductWrite>(p1).await.unwrap();
/// let mut renamed = lamp.into_active_model();
/// renamed.name = Set("Desk lamp".into());
/// let row = guarded::update::<product::Entity, _>(&db, renamed, proof).await.unwrap();
/// assert_eq!(row.name, "Desk lamp");
/// # }
/// ```
pub mod guarded {
    use access_core::{EntitlementMarker, Granted};
    use sea_orm::{
        ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DbErr, DeleteResult, EntityTrait,
        IntoActiveModel,
    };

    /// Inserts a row.
    ///
    /// # Errors
    /// The database refused it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use access_axum::crud::guarded;
    /// # use access_core::{AccessContext, ClosureStore, Principal, Resource, RoleStore};
    /// # use model::{ProductRole, entitlement};
    /// # use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    /// # let db = products_db().await;
    /// # let stores = MemoryStore::new();
    /// # let p1 = Resource::new(EntityType::Product, "1");
    /// # stores.add_resource(p1, &[]).await.unwrap();
    /// // User 5 owns product 1.
    /// # stores.assign("5", p1, ProductRole::Owner.index()).await.unwrap();
    /// let access = AccessContext::new(&Model, &stores, Principal::new("5"));
    /// let proof = access.authorize_as::<entitlement::ProductWrite>(p1).await.unwrap();
    /// let lamp = product::ActiveModel { id: Set(1), owner_id: Set(5), name: Set("Lamp".into()), cost: Set(Some(9.5)) };
    /// let row = guarded::insert::<product::Entity, _>(&db, lamp, proof).await.unwrap();
    /// assert_eq!(row.name, "Lamp");
    /// // Another user gets no proof, so has nothing to call `insert` with.
    /// let other = AccessContext::new(&Model, &stores, Principal::new("6"));
    /// assert!(other.authorize_as::<entitlement::ProductWrite>(p1).await.is_err());
    /// # }
    /// ```
    pub async fn insert<E, G>(
        db: &impl ConnectionTrait,
        row: E::ActiveModel,
        _proof: Granted<G>,
    ) -> Result<E::Model, DbErr>
    where
        E: EntityTrait,
        E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
        E::Model: IntoActiveModel<E::ActiveModel>,
        G: EntitlementMarker,
    {
        row.insert(db).await
    }

    /// Updates a row (by its primary key).
    ///
    /// # Errors
    /// The database refused it, or the row is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use access_axum::crud::guarded;
    /// # use access_core::{AccessContext, ClosureStore, Principal, Resource, RoleStore};
    /// # use model::{ProductRole, entitlement};
    /// # use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    /// # let db = products_db().await;
    /// # let stores = MemoryStore::new();
    /// # let p1 = Resource::new(EntityType::Product, "1");
    /// # stores.add_resource(p1, &[]).await.unwrap();
    /// // User 5 owns product 1.
    /// # stores.assign("5", p1, ProductRole::Owner.index()).await.unwrap();
    /// let access = AccessContext::new(&Model, &stores, Principal::new("5"));
    /// # let lamp = product::ActiveModel { id: Set(1), owner_id: Set(5), name: Set("Lamp".into()), cost: Set(Some(9.5)) }.insert(&db).await.unwrap();
    /// let proof = access.authorize_as::<entitlement::ProductWrite>(p1).await.unwrap();
    /// let mut cheaper = lamp.into_active_model();
    /// cheaper.cost = Set(Some(7.0));
    /// let row = guarded::update::<product::Entity, _>(&db, cheaper, proof).await.unwrap();
    /// assert_eq!(row.cost, Some(7.0));
    /// # }
    /// ```
    pub async fn update<E, G>(
        db: &impl ConnectionTrait,
        row: E::ActiveModel,
        _proof: Granted<G>,
    ) -> Result<E::Model, DbErr>
    where
        E: EntityTrait,
        E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
        E::Model: IntoActiveModel<E::ActiveModel>,
        G: EntitlementMarker,
    {
        row.update(db).await
    }

    /// Deletes a row (by its primary key).
    ///
    /// # Errors
    /// The database refused it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # use access_axum::crud::{Crud, crud_router};
    /// # use access_axum::{ApiError, AuthConfig, AuthState, JwtKeys};
    /// # use access_core::{Action, MemoryStore, Stores};
    /// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
    /// # use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
    /// # use tower::ServiceExt;
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin, editor, user],
    /// #         entity product { roles: [owner] }
    /// #         entitlements {
    /// #             "product:read"  on product => roles [owner],
    /// #             "product:write" on product => roles [owner],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement, EntityType};
    /// # /// Products: editors and admins create, anyone reads, admins and the owning editor update,
    /// # /// admins delete; only admins set `cost`.
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "products")]
    /// #     #[schema(access = super::model::Access, entity = Entity, permission(
    /// #         create = [admin, editor],
    /// #         read   = public,
    /// #         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    /// #         delete = [admin],
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         #[serde(default)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub name: String,
    /// #         #[schema(permission(write = [admin]))]
    /// #         #[serde(default)]
    /// #         pub cost: Option<f64>,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # struct AppState<S: Stores + 'static = MemoryStore> { auth: AuthState, authz: Authz<Model, S> }
    /// # impl<S: Stores + 'static> Clone for AppState<S> {
    /// #     fn clone(&self) -> Self { Self { auth: self.auth.clone(), authz: self.authz.clone() } }
    /// # }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for AuthState { fn from_ref(s: &AppState<S>) -> Self { s.auth.clone() } }
    /// # impl<S: Stores + 'static> FromRef<AppState<S>> for Authz<Model, S> { fn from_ref(s: &AppState<S>) -> Self { s.authz.clone() } }
    /// # // A literal secret, for the example only.
    /// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
    /// # /// A fresh in-memory database with the auth tables and `products`.
    /// # async fn products_db() -> DatabaseConnection {
    /// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// #     access_axum::migrate(&db).await.unwrap();
    /// #     let schema = sea_orm::Schema::new(db.get_database_backend());
    /// #     db.execute(&schema.create_table_from_entity(product::Entity)).await.unwrap();
    /// #     db
    /// # }
    /// # /// The state over a fresh database, with in-memory stores.
    /// # async fn state() -> AppState {
    /// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
    /// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
    /// #     let config = AuthConfig::builder().keys(keys).argon2(fast).build().unwrap();
    /// #     let stores: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
    /// #     AppState { auth: AuthState::new(products_db().await, config), authz: Authz::new(&Model, stores) }
    /// # }
    /// # /// An access token for user `id` with global `roles`, as `POST /auth/login` issues them.
    /// # fn token(id: i64, roles: &[&str]) -> String {
    /// #     let now = access_core::time::now();
    /// #     let claims = access_axum::Claims {
    /// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
    /// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
    /// #         roles: roles.iter().map(|r| r.to_string()).collect(),
    /// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
    /// #     };
    /// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    /// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
    /// # }
    /// # /// Sends a request (bearer token and JSON body when given); the status and the JSON body.
    /// # async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
    /// #     let mut req = Request::builder().method(method).uri(uri);
    /// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
    /// #     let body = match body {
    /// #         Some(b) => { req = req.header("content-type", "application/json"); Body::from(b.to_string()) }
    /// #         None => Body::empty(),
    /// #     };
    /// #     let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    /// #     let status = res.status();
    /// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    /// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use access_axum::crud::guarded;
    /// # use access_core::{AccessContext, ClosureStore, Principal, Resource, RoleStore};
    /// # use model::{ProductRole, entitlement};
    /// # use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    /// # let db = products_db().await;
    /// # let stores = MemoryStore::new();
    /// # let p1 = Resource::new(EntityType::Product, "1");
    /// # stores.add_resource(p1, &[]).await.unwrap();
    /// // User 5 owns product 1.
    /// # stores.assign("5", p1, ProductRole::Owner.index()).await.unwrap();
    /// let access = AccessContext::new(&Model, &stores, Principal::new("5"));
    /// # let lamp = product::ActiveModel { id: Set(1), owner_id: Set(5), name: Set("Lamp".into()), cost: Set(Some(9.5)) }.insert(&db).await.unwrap();
    /// let proof = access.authorize_as::<entitlement::ProductWrite>(p1).await.unwrap();
    /// let res = guarded::delete::<product::Entity, _>(&db, lamp.into_active_model(), proof).await.unwrap();
    /// assert_eq!(res.rows_affected, 1);
    /// assert_eq!(product::Entity::find().count(&db).await.unwrap(), 0);
    /// # }
    /// ```
    pub async fn delete<E, G>(
        db: &impl ConnectionTrait,
        row: E::ActiveModel,
        _proof: Granted<G>,
    ) -> Result<DeleteResult, DbErr>
    where
        E: EntityTrait,
        E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
        G: EntitlementMarker,
    {
        row.delete(db).await
    }
}
