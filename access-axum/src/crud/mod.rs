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
//! transaction: a refusal rolls the write back. A write that meets contention (a busy SQLite
//! database, a PostgreSQL deadlock) runs again from `BEGIN`, hooks included, at most 4 times
//! ([`retry_writes`](access_core::sea::write::retry_writes)), then answers 503 with
//! `Retry-After`: what a hook writes through `hook.txn` rolls back with a failed attempt, other
//! side effects (a mail sent) would repeat. See `docs/crud.md` for the whole story.
//!
//! # Examples
//!
//! ```
//! use access_axum::authz::Authz;
//! use access_axum::crud::{Crud, crud_router};
//! use access_axum::{ApiError, AuthState};
//! use access_core::{Action, MemoryStore};
//! use axum::{Router, extract::FromRef};
//!
//! access_core::define_access! {
//!     pub Access;
//!     roles: [admin, editor],
//!     entity product { roles: [owner] }
//!     entitlements { "product:write" on product => roles [owner] }
//! }
//!
//! mod product {
//!     use sea_orm::entity::prelude::*;
//!
//!     /// Editors and admins create, anyone reads, admins and the owning editor update, admins
//!     /// delete; only admins set `cost`.
//!     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
//!     #[derive(serde::Serialize, serde::Deserialize)]
//!     #[sea_orm(table_name = "products")]
//!     #[schema(access = super::Access, entity = Entity, permission(
//!         create = [admin, editor],
//!         read   = public,
//!         update = any(role(admin), all(role(editor), where(owner_id = user.id))),
//!         delete = [admin],
//!     ))]
//!     pub struct Model {
//!         #[sea_orm(primary_key)]
//!         #[serde(default)]
//!         pub id: i64,
//!         pub owner_id: i64,
//!         pub name: String,
//!         #[schema(permission(write = [admin]))]
//!         #[serde(default)]
//!         pub cost: Option<f64>,
//!     }
//!
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//!
//! /// What the routes take from the application's state.
//! #[derive(Clone)]
//! struct AppState {
//!     auth: AuthState,
//!     authz: Authz<Access, MemoryStore>,
//! }
//! impl FromRef<AppState> for AuthState {
//!     fn from_ref(s: &AppState) -> Self { s.auth.clone() }
//! }
//! impl FromRef<AppState> for Authz<Access, MemoryStore> {
//!     fn from_ref(s: &AppState) -> Self { s.authz.clone() }
//! }
//!
//! fn routes() -> Router<AppState> {
//!     let catalogue = Crud::<product::Entity, Access, MemoryStore>::new()
//!         // A priced product is not deleted.
//!         .before([Action::Delete], |hook| async move {
//!             match hook.row {
//!                 Some(p) if p.cost.is_some() => Err(ApiError::conflict("unprice it first")),
//!                 _ => Ok(()),
//!             }
//!         });
//!     Router::new()
//!         // The five routes, as the schema allows them.
//!         .nest("/products", crud_router::<product::Entity, Access, MemoryStore, AppState>())
//!         // The same table, with a hook.
//!         .nest("/catalogue", catalogue.router())
//! }
//! # fn main() { let _ = routes; }
//! ```

mod context;
pub mod guarded;
mod hooks;
mod list;
pub mod query;
mod read;
mod respond;
mod rows;
mod table;
mod write;

use std::future::Future;
use std::sync::Arc;

use access_core::schema::Action;
use access_core::{AccessModel, Stores};
use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, EntityTrait, IntoActiveModel, TryIntoModel};

pub use hooks::Hook;
pub use list::PageQuery;
pub use table::CrudModel;

use crate::auth::AuthState;
use crate::authz::Authz;
use crate::error::ApiError;
use hooks::{Hooks, HooksExt};

/// A CRUD router with hooks and options. `crud_router::<E, M, S, St>()` is
/// `Crud::new().router()`; see the [module example](self).
///
/// # Examples
///
/// ```
/// use access_axum::crud::Crud;
/// use access_core::{AccessModel, Action, Stores};
/// use sea_orm::EntityTrait;
///
/// /// Lists with `__access.update` and `__access.delete` on each row, for the UI.
/// fn with_buttons<E: EntityTrait, M: AccessModel, S: Stores>(crud: Crud<E, M, S>) -> Crud<E, M, S> {
///     crud.row_actions([Action::Update, Action::Delete])
/// }
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

impl<E: EntityTrait, M: AccessModel, S: Stores + 'static> Crud<E, M, S> {
    /// No hooks, no options.
    ///
    /// ```
    /// # use access_axum::crud::Crud;
    /// # use access_core::{AccessModel, Stores};
    /// fn plain<E: sea_orm::EntityTrait, M: AccessModel, S: Stores>() -> Crud<E, M, S> {
    ///     Crud::new() // what `crud_router` serves
    /// }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` before each of `actions`, after the permission checks (and, for update and
    /// delete, with the stored row). An `Err` is the response; nothing is written.
    ///
    /// ```
    /// # use access_axum::{ApiError, crud::Crud};
    /// # use access_core::{AccessModel, Action, Stores};
    /// fn signed_in_reads<E: sea_orm::EntityTrait, M: AccessModel, S: Stores>(crud: Crud<E, M, S>) -> Crud<E, M, S> {
    ///     crud.before([Action::List, Action::Read], |hook| async move {
    ///         if hook.user.is_some() { Ok(()) } else { Err(ApiError::unauthenticated()) }
    ///     })
    /// }
    /// ```
    #[must_use]
    pub fn before<F, Fut>(mut self, actions: impl IntoIterator<Item = Action>, f: F) -> Self
    where
        F: Fn(Hook<E::Model, M, S>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
    {
        self.hooks.before.push(actions, f);
        self
    }

    /// Runs `f` after each of `actions` with the resulting row. For create, update and delete
    /// it runs inside the write's transaction (`hook.txn`): an `Err` rolls the write back and
    /// is the response.
    ///
    /// ```
    /// # use access_axum::crud::Crud;
    /// # use access_core::{AccessModel, Action, Stores};
    /// fn logged<E: sea_orm::EntityTrait, M: AccessModel, S: Stores>(crud: Crud<E, M, S>) -> Crud<E, M, S> {
    ///     crud.after([Action::Create, Action::Delete], |hook| async move {
    ///         tracing::info!(action = hook.action.as_str(), id = ?hook.id, "written");
    ///         Ok(())
    ///     })
    /// }
    /// ```
    #[must_use]
    pub fn after<F, Fut>(mut self, actions: impl IntoIterator<Item = Action>, f: F) -> Self
    where
        F: Fn(Hook<E::Model, M, S>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
    {
        self.hooks.after.push(actions, f);
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
    /// ```
    /// # use access_axum::crud::Crud;
    /// # use access_core::{AccessModel, Stores};
    /// fn mine<E: sea_orm::EntityTrait, M: AccessModel, S: Stores>(crud: Crud<E, M, S>, read: M::Entitlement) -> Crud<E, M, S> {
    ///     crud.list_accessible(read) // `Entitlement::ProjectRead`, say
    /// }
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
    /// ```
    /// # use access_axum::crud::Crud;
    /// # use access_core::{AccessModel, Stores};
    /// fn with_delete<E: sea_orm::EntityTrait, M: AccessModel, S: Stores>(crud: Crud<E, M, S>, delete: M::Entitlement) -> Crud<E, M, S> {
    ///     crud.row_access([delete]) // `"__access": {"project:delete": true}`
    /// }
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
    /// ```
    /// use access_axum::crud::Crud;
    /// use access_core::{AccessModel, Action, Stores};
    ///
    /// /// `"__access": {"update": true, "delete": false, "project:share": true}` on each row.
    /// fn buttons<E: sea_orm::EntityTrait, M: AccessModel, S: Stores>(
    ///     crud: Crud<E, M, S>,
    ///     share: M::Entitlement,
    /// ) -> Crud<E, M, S> {
    ///     crud.row_actions([Action::Update, Action::Delete]).row_access([share])
    /// }
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
    /// ```
    /// # use access_axum::crud::Crud;
    /// # use access_core::{AccessModel, Stores};
    /// fn walled<E: sea_orm::EntityTrait, M: AccessModel, S: Stores>(crud: Crud<E, M, S>) -> Crud<E, M, S> {
    ///     crud.rls()
    /// }
    /// ```
    #[must_use]
    pub fn rls(mut self) -> Self {
        self.hooks.rls = true;
        self
    }
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
    /// The routes: `GET /`, `POST /`, `GET /{id}`, `PATCH /{id}`, `DELETE /{id}`, for a state
    /// that gives [`AuthState`] and [`Authz`] (the [module example](self) shows a state of its
    /// own).
    ///
    /// ```
    /// # mod app { access_core::define_access! { pub Access; roles: [admin], entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } pub mod note { use sea_orm::entity::prelude::*; #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)] #[sea_orm(table_name = "notes")] #[schema(access = super::Access, entity = Entity, permission(read = public, create = authenticated, update = [admin], delete = [admin]))] pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub body: String } #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {} impl ActiveModelBehavior for ActiveModel {} } }
    /// use access_axum::{AppState, crud::Crud};
    /// use access_core::{Action, sea::SeaStore};
    /// use app::{Access, note};
    ///
    /// fn routes() -> axum::Router<AppState<Access>> {
    ///     let notes = Crud::<note::Entity, Access, SeaStore>::new().row_actions([Action::Delete]);
    ///     axum::Router::new().nest("/notes", notes.router())
    /// }
    /// ```
    pub fn router<St>(self) -> Router<St>
    where
        St: Clone + Send + Sync + 'static,
        AuthState: FromRef<St>,
        Authz<M, S>: FromRef<St>,
    {
        let hooks = Arc::new(self.hooks);
        Router::new()
            .route(
                "/",
                get(list::list::<E, M, S>).post(write::create::<E, M, S>),
            )
            .route(
                "/{id}",
                get(read::read::<E, M, S>)
                    .patch(write::update::<E, M, S>)
                    .delete(write::remove::<E, M, S>),
            )
            .layer(axum::Extension(HooksExt(hooks)))
    }
}

/// Routes for entity `E` under the router's path: `GET /`, `POST /`, `GET /{id}`,
/// `PATCH /{id}`, `DELETE /{id}`. Without hooks; see [`Crud`] for hooks and the
/// [module example](self) for a whole application.
///
/// ```
/// # mod app { access_core::define_access! { pub Access; roles: [admin], entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } pub mod note { use sea_orm::entity::prelude::*; #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)] #[sea_orm(table_name = "notes")] #[schema(access = super::Access, entity = Entity, permission(read = public, create = authenticated, update = [admin], delete = [admin]))] pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub body: String } #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {} impl ActiveModelBehavior for ActiveModel {} } }
/// use access_axum::{AppState, crud::crud_router};
/// use access_core::sea::SeaStore;
/// use app::{Access, note};
///
/// fn routes() -> axum::Router<AppState<Access>> {
///     axum::Router::new().nest("/notes", crud_router::<note::Entity, Access, SeaStore, _>())
/// }
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
