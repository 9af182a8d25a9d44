//! An application in one call: [`App`] takes the model and a database and builds a router with
//! the authentication endpoints, the authorization state and the CRUD routes, after running
//! every migration.
//!
//! ```no_run
//! # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
//! # use model::Access;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let db = sea_orm::Database::connect("sqlite://app.db?mode=rwc").await?;
//! let app = access_axum::App::new(Access, db).build().await?; // reads JWT_SECRET and more
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app.into_make_service()).await?;
//! # Ok(()) }
//! ```
//!
//! Every piece stays usable alone ([`AuthState`], [`Authz`], [`Crud`], [`crate::migrate`]);
//! `App` only wires them the way most applications do.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use access_core::AccessModel;
use access_core::sea::SeaStore;
use axum::Router;
use axum::extract::FromRef;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait};
use sea_orm::{IntoActiveModel, TryIntoModel};

use crate::admin::admin_router;
use crate::auth::AuthState;
use crate::authz::Authz;
use crate::config::AuthConfig;
use crate::config::error::ConfigErrors;
use crate::crud::{Crud, CrudModel};
use crate::migrate;

/// The state behind an [`App`]'s router. Handlers of the application's own routes take it as
/// `State<AppState<Access>>`, or take what it holds through extractors (`CurrentUser`,
/// `Access<Access, SeaStore>`) with no `FromRef` of their own.
///
/// # Examples
/// ```
/// use access_axum::{AppState, CurrentUser};
/// use axum::extract::State;
/// # mod model { access_core::define_access! { pub Access; roles: [admin], entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
/// # use model::Access;
///
/// async fn whoami(State(app): State<AppState<Access>>, user: CurrentUser) -> String {
///     format!("user {} on {:?}", user.id, app.auth().db.get_database_backend())
/// }
/// ```
pub struct AppState<M: AccessModel> {
    auth: AuthState,
    authz: Authz<M, SeaStore>,
}

impl<M: AccessModel> AppState<M> {
    /// The authentication state (database, configuration, mailer).
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// use access_axum::AppState;
    /// async fn users(axum::extract::State(app): axum::extract::State<AppState<Access>>) -> String {
    ///     format!("{:?}", app.auth().db.get_database_backend())
    /// }
    /// ```
    pub fn auth(&self) -> &AuthState {
        &self.auth
    }

    /// The authorization state (model, stores).
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// use access_axum::AppState;
    /// use access_core::AccessModel as _;
    /// async fn model(axum::extract::State(app): axum::extract::State<AppState<Access>>) -> String {
    ///     app.authz().model().data().name.to_string()
    /// }
    /// ```
    pub fn authz(&self) -> &Authz<M, SeaStore> {
        &self.authz
    }

    /// The server-side API ([`Api`](crate::api::Api)): what the HTTP endpoints do (sign up,
    /// organizations, members, sessions, tokens), called from Rust with the same checks and
    /// writes, e.g. to seed or from a command-line tool.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(app: access_axum::AppRouter<Access>) -> Result<(), access_axum::ApiError> {
    /// let ann = app.state().api().sign_up_verified("ann@example.com", "correct horse battery").await?;
    /// println!("ann is user {}", ann.id);
    /// # Ok(()) }
    /// ```
    pub fn api(&self) -> crate::api::Api<'_, M> {
        crate::api::Api::new(&self.auth, &self.authz)
    }
}

impl<M: AccessModel> Clone for AppState<M> {
    fn clone(&self) -> Self {
        Self {
            auth: self.auth.clone(),
            authz: self.authz.clone(),
        }
    }
}

impl<M: AccessModel> std::fmt::Debug for AppState<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl<M: AccessModel> FromRef<AppState<M>> for AuthState {
    fn from_ref(app: &AppState<M>) -> Self {
        app.auth.clone()
    }
}

impl<M: AccessModel> FromRef<AppState<M>> for Authz<M, SeaStore> {
    fn from_ref(app: &AppState<M>) -> Self {
        app.authz.clone()
    }
}

type AuthzSetup<M> = Box<dyn FnOnce(Authz<M, SeaStore>) -> Authz<M, SeaStore> + Send>;
type Routes<M> = Box<dyn FnOnce(Router<AppState<M>>) -> Router<AppState<M>> + Send>;
type TableFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'a>>;
type Table = Box<dyn for<'a> Fn(&'a DatabaseConnection) -> TableFuture<'a> + Send>;

/// Builds an application: migrations, stores, authentication, authorization and CRUD routes.
///
/// # Examples
/// ```no_run
/// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
/// # use model::Access;
/// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), access_axum::AppError> {
/// let app = access_axum::App::new(Access, db)
///     .routes(axum::Router::new().route("/health", axum::routing::get(|| async { "ok" })))
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "an App does nothing until `build` is awaited"]
pub struct App<M: AccessModel> {
    model: M,
    db: DatabaseConnection,
    config: Option<AuthConfig>,
    auth: Vec<Box<dyn FnOnce(AuthState) -> AuthState + Send>>,
    authz: Vec<AuthzSetup<M>>,
    routes: Vec<Routes<M>>,
    tables: Vec<Table>,
    stores: Option<Arc<SeaStore>>,
    access_set_claims: bool,
    access_js: bool,
    orgs: Option<crate::orgs::OrgsConfig>,
    cleanup: Option<crate::cleanup::Cleanup>,
}

impl<M: AccessModel> std::fmt::Debug for App<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.routes.len())
            .field("tables", &self.tables.len())
            .finish_non_exhaustive()
    }
}

impl<M: AccessModel> App<M>
where
    M: Send + Sync + 'static,
    M::Entitlement: Send + Sync + 'static,
{
    /// An application over `model` and `db`, configured from the environment
    /// ([`AuthConfig::from_env`]) unless [`App::config`] gives a configuration.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let db = sea_orm::Database::connect("sqlite://app.db?mode=rwc").await?;
    /// let app = access_axum::App::new(Access, db).build().await?;
    /// # Ok(()) }
    /// ```
    pub fn new(model: M, db: DatabaseConnection) -> Self {
        Self {
            model,
            db,
            config: None,
            auth: Vec::new(),
            authz: Vec::new(),
            routes: Vec::new(),
            tables: Vec::new(),
            stores: None,
            access_set_claims: false,
            access_js: false,
            orgs: None,
            cleanup: None,
        }
    }

    /// Deletes what only accumulates (ended sessions, used tokens, ended invitations, old
    /// rate-limit windows, usage periods past a retention) in the background, now and then every
    /// [`Cleanup::every`](crate::cleanup::Cleanup::every): see [`crate::cleanup`]. Safe with
    /// several instances on one database.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// use access_axum::cleanup::Cleanup;
    /// fn with_cleanup(app: access_axum::App<Access>) -> access_axum::App<Access> {
    ///     app.cleanup(Cleanup::default()) // hourly
    /// }
    /// ```
    pub fn cleanup(mut self, config: crate::cleanup::Cleanup) -> Self {
        self.cleanup = Some(config);
        self
    }

    /// Uses `stores` instead of a new [`SeaStore`] over the app's database: the same instance
    /// the application keeps, e.g. for CRUD hooks that place rows in the hierarchy.
    ///
    /// Under load, give the store a pool of its own (a second `access_axum::db::connect` to the
    /// same URL): a CRUD request holds a transaction on the app's pool while its rules read the
    /// store, and with one shared pool those reads queue behind other requests' transactions
    /// (docs/deployment.md).
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// use std::sync::Arc;
    /// use access_core::sea::SeaStore;
    /// fn shared(app: access_axum::App<Access>, db: sea_orm::DatabaseConnection) -> access_axum::App<Access> {
    ///     let stores = Arc::new(SeaStore::new(&Access, db));
    ///     app.stores(stores.clone()) // keep `stores` for hooks
    /// }
    /// ```
    pub fn stores(mut self, stores: Arc<SeaStore>) -> Self {
        self.stores = Some(stores);
        self
    }

    /// Access tokens carry the user's access set (the `access` claim,
    /// [`Authz::access_set_claims`]), which a page decodes to show what the user may do.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// fn for_a_page(app: access_axum::App<Access>) -> access_axum::App<Access> {
    ///     app.access_set_claims().access_js() // and `/auth/access.js` to decode it
    /// }
    /// ```
    pub fn access_set_claims(mut self) -> Self {
        self.access_set_claims = true;
        self
    }

    /// Serves `/auth/access.js`, the decoder of the `access` claim for pages
    /// ([`Authz::access_js_route`]).
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// fn with_decoder(app: access_axum::App<Access>) -> access_axum::App<Access> {
    ///     app.access_js()
    /// }
    /// ```
    pub fn access_js(mut self) -> Self {
        self.access_js = true;
        self
    }

    /// Uses `config` instead of reading the environment.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # use access_axum::{App, AuthConfig, JwtKeys};
    /// fn configured(app: App<Access>, secret: &[u8]) -> Result<App<Access>, Box<dyn std::error::Error>> {
    ///     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, secret)?;
    ///     Ok(app.config(AuthConfig::builder().keys(keys).build()?))
    /// }
    /// ```
    pub fn config(mut self, config: AuthConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Adjusts the authentication state, e.g. `.auth(|a| a.with_mailer(mailer))`.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # use access_axum::{App, NoMailer};
    /// fn with_mail(app: App<Access>) -> App<Access> {
    ///     app.auth(|auth| auth.with_mailer(NoMailer)) // your provider's Mailer here
    /// }
    /// ```
    pub fn auth(mut self, f: impl FnOnce(AuthState) -> AuthState + Send + 'static) -> Self {
        self.auth.push(Box::new(f));
        self
    }

    /// Adjusts the authorization state, e.g. `.authz(|a| a.tenant_from(TenantFrom::Header(..)))`.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # use access_axum::App;
    /// fn fresher(app: App<Access>) -> App<Access> {
    ///     app.authz(|authz| authz.active_ttl(std::time::Duration::ZERO))
    /// }
    /// ```
    pub fn authz(
        mut self,
        f: impl FnOnce(Authz<M, SeaStore>) -> Authz<M, SeaStore> + Send + 'static,
    ) -> Self {
        self.authz.push(Box::new(f));
        self
    }

    /// The CRUD routes of entity `E` under `path` (`GET /`, `POST /`, `GET|PATCH|DELETE /{id}`),
    /// with its schema's permissions; creates `E`'s table when missing.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # mod note {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "notes")]
    /// #     #[schema(access = crate::model::Access, entity = Entity, permission(read = public, create = authenticated))]
    /// #     pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub body: String }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// fn notes(app: access_axum::App<Access>) -> access_axum::App<Access> {
    ///     app.crud::<note::Entity>("/notes")
    /// }
    /// ```
    pub fn crud<E>(self, path: &str) -> Self
    where
        E: EntityTrait + Default,
        E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
        E::ActiveModel: ActiveModelTrait<Entity = E>
            + ActiveModelBehavior
            + TryIntoModel<E::Model>
            + Send
            + Sync,
    {
        self.crud_with(path, Crud::<E, M, SeaStore>::new())
    }

    /// [`App::crud`] with a configured [`Crud`] (hooks, `row_access`, `list_accessible`, ..).
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # mod note {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "notes")]
    /// #     #[schema(access = crate::model::Access, entity = Entity, permission(read = public, create = authenticated))]
    /// #     pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub body: String }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// use access_axum::crud::Crud;
    /// fn notes(app: access_axum::App<Access>) -> access_axum::App<Access> {
    ///     let crud = Crud::new().after([access_core::Action::Create], |hook| async move {
    ///         tracing::info!(user = ?hook.user.map(|u| u.id), "note created");
    ///         Ok(())
    ///     });
    ///     app.crud_with::<note::Entity>("/notes", crud)
    /// }
    /// ```
    pub fn crud_with<E>(mut self, path: &str, crud: Crud<E, M, SeaStore>) -> Self
    where
        E: EntityTrait + Default,
        E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
        E::ActiveModel: ActiveModelTrait<Entity = E>
            + ActiveModelBehavior
            + TryIntoModel<E::Model>
            + Send
            + Sync,
    {
        let path = path.to_owned();
        self.routes.push(Box::new(move |r: Router<AppState<M>>| {
            r.nest(&path, crud.router())
        }));
        self.tables.push(Box::new(|db: &DatabaseConnection| {
            Box::pin(async move {
                let schema = sea_orm::Schema::new(db.get_database_backend());
                migrate::table(db, &schema, E::default()).await
            }) as TableFuture<'_>
        }));
        self
    }

    /// The admin API (roles, assignments, plans, flags, audit) under `path`, for callers
    /// holding `entitlement` on their tenant.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner] } entitlements { "org:manage" on organization => roles [owner] } } }
    /// # use model::{Access, Entitlement};
    /// fn with_admin(app: access_axum::App<Access>) -> access_axum::App<Access> {
    ///     app.admin("/admin", Entitlement::OrgManage)
    /// }
    /// ```
    pub fn admin(mut self, path: &str, entitlement: M::Entitlement) -> Self {
        let path = path.to_owned();
        self.routes.push(Box::new(move |r: Router<AppState<M>>| {
            r.nest(&path, admin_router::<M, SeaStore, AppState<M>>(entitlement))
        }));
        self
    }

    /// The organization routes (create, list, members, roles, leave; see [`crate::orgs`]) for
    /// the model's `tenant` entity, its owners managing the members. Building fails when the
    /// model declares no tenant.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner] } entitlements { "org:manage" on organization => roles [owner] } tenant: organization { owner: owner }, } }
    /// # use model::Access;
    /// fn with_orgs(app: access_axum::App<Access>) -> access_axum::App<Access> {
    ///     app.orgs()
    /// }
    /// ```
    pub fn orgs(self) -> Self {
        self.orgs_with(crate::orgs::OrgsConfig::default())
    }

    /// [`App::orgs`] with its configuration: who manages the members.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, admin] } entitlements { "organization:manage" on organization => roles [owner, admin] } tenant: organization { owner: owner }, } }
    /// # use model::{Access, Entitlement};
    /// use access_axum::orgs::OrgsConfig;
    /// fn with_orgs(app: access_axum::App<Access>) -> access_axum::App<Access> {
    ///     app.orgs_with(OrgsConfig::default().managed_by(Entitlement::OrganizationManage))
    /// }
    /// ```
    pub fn orgs_with(mut self, config: crate::orgs::OrgsConfig) -> Self {
        self.orgs = Some(config);
        self.routes.push(Box::new(move |r: Router<AppState<M>>| {
            r.merge(crate::orgs::orgs_router::<M, AppState<M>>(config))
        }));
        self
    }

    /// The application's own routes, merged in; their handlers may take `State<AppState<M>>`
    /// and the crate's extractors.
    ///
    /// ```
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// use access_axum::{App, CurrentUser};
    /// async fn hello(user: CurrentUser) -> String {
    ///     format!("hello, user {}", user.id)
    /// }
    /// fn with_hello(app: App<Access>) -> App<Access> {
    ///     app.routes(axum::Router::new().route("/hello", axum::routing::get(hello)))
    /// }
    /// ```
    pub fn routes(mut self, routes: Router<AppState<M>>) -> Self {
        self.routes
            .push(Box::new(move |r: Router<AppState<M>>| r.merge(routes)));
        self
    }

    /// Runs every migration (access-axum's and access-core's tables, then each CRUD entity's
    /// table when missing), reads the configuration and builds the router.
    ///
    /// # Errors
    /// [`AppError::Config`] names what to set; [`AppError::Database`] when a migration failed.
    ///
    /// # Examples
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(db: sea_orm::DatabaseConnection) {
    /// match access_axum::App::new(Access, db).build().await {
    ///     Ok(app) => { /* serve app.into_make_service() */ }
    ///     Err(e) => eprintln!("cannot start: {e}"), // e.g. "set JWT_SECRET (at least 32 bytes) .."
    /// }
    /// # }
    /// ```
    pub async fn build(self) -> Result<AppRouter<M>, AppError> {
        let tenant = self.model.data().tenant;
        if let Some(cfg) = &self.orgs {
            if tenant.is_none() {
                return Err(AppError::NoTenant);
            }
            if let Some((option, why)) = cfg.mismatch(&self.model) {
                return Err(AppError::OrgsEntitlement { option, why });
            }
        }
        let config = match self.config {
            Some(c) => c,
            None => AuthConfig::from_env().map_err(AppError::Config)?,
        };
        migrate::migrate(&self.db)
            .await
            .map_err(AppError::Database)?;
        for table in &self.tables {
            table(&self.db).await.map_err(AppError::Database)?;
        }
        if let Some(c) = self.cleanup {
            crate::cleanup::spawn_cleanup(self.db.clone(), self.model.data().clone(), c);
        }
        let stores = match self.stores {
            Some(s) => s,
            // Custom roles pass the store's check: the admin routes resolve every role by name
            // (the model's and the tenant's custom roles) before they write.
            None => Arc::new(SeaStore::new(&self.model, self.db.clone()).with_custom_roles()),
        };
        let authz = self
            .authz
            .into_iter()
            .fold(Authz::new(self.model, stores), |a, f| f(a));
        let mut auth = AuthState::new(self.db, config);
        if let (Some(_), Some(t)) = (self.orgs, tenant) {
            auth = auth
                .with_tenant_check(crate::orgs::membership_check(authz.clone(), t))
                .with_account_removal(crate::orgs::Memberships {
                    authz: authz.clone(),
                    tenant: t,
                });
        }
        if self.access_set_claims {
            auth = auth.with_async_claims(authz.access_set_claims());
        }
        let auth = self.auth.into_iter().fold(auth, |a, f| f(a));
        let mut router = self.routes.into_iter().fold(Router::new(), |r, f| f(r));
        if self.access_js {
            router = router.merge(authz.access_js_route());
        }
        let state = AppState {
            auth: auth.clone(),
            authz,
        };
        let router = router.with_state(state.clone()).merge(auth.router());
        Ok(AppRouter { router, state })
    }
}

/// The router an [`App`] built, with its state: serve it with
/// [`into_make_service`](AppRouter::into_make_service).
///
/// ```no_run
/// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
/// # use model::Access;
/// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
/// let app: access_axum::AppRouter<Access> = access_axum::App::new(Access, db).build().await?;
/// # Ok(()) }
/// ```
pub struct AppRouter<M: AccessModel> {
    router: Router,
    state: AppState<M>,
}

impl<M: AccessModel> std::fmt::Debug for AppRouter<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppRouter").finish_non_exhaustive()
    }
}

impl<M: AccessModel> AppRouter<M> {
    /// The service for `axum::serve`, with each connection's client address, which the rate
    /// limits of the authentication endpoints count by, and the request log
    /// ([`request_log`](crate::request_log)).
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
    /// let app = access_axum::App::new(Access, db).build().await?;
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// axum::serve(listener, app.into_make_service()).await?;
    /// # Ok(()) }
    /// ```
    pub fn into_make_service(self) -> IntoMakeServiceWithConnectInfo<Router, SocketAddr> {
        self.into_router()
            .into_make_service_with_connect_info::<SocketAddr>()
    }

    /// Routes that need nothing of the app's state, merged in after building.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
    /// let health = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
    /// let app = access_axum::App::new(Access, db).build().await?.merge(health);
    /// # Ok(()) }
    /// ```
    pub fn merge(mut self, router: Router) -> Self {
        self.router = self.router.merge(router);
        self
    }

    /// The state, e.g. to seed users or assign roles before serving.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
    /// let app = access_axum::App::new(Access, db).build().await?;
    /// let stores = app.state().authz().stores().clone(); // seed roles and resources with it
    /// # Ok(()) }
    /// ```
    pub fn state(&self) -> &AppState<M> {
        &self.state
    }

    /// The router with the request log ([`request_log`](crate::request_log)), to nest or layer
    /// further (serve it with `into_make_service_with_connect_info::<SocketAddr>()` for
    /// per-client rate limits).
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
    /// let app = access_axum::App::new(Access, db).build().await?;
    /// let router = axum::Router::new().nest("/api", app.into_router());
    /// # Ok(()) }
    /// ```
    pub fn into_router(self) -> Router {
        self.router.layer(crate::request_log())
    }
}

/// Why [`App::build`] failed.
///
/// ```
/// use access_axum::AppError;
/// fn exit_code(e: &AppError) -> i32 {
///     match e { AppError::Config(_) => 78, _ => 1 } // EX_CONFIG for a configuration mistake
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum AppError {
    /// The configuration is incomplete or wrong: each error names what to set.
    Config(ConfigErrors),
    /// A migration failed.
    Database(DbErr),
    /// [`App::orgs`] was asked for, and the model declares no `tenant`.
    NoTenant,
    /// An [`OrgsConfig`](crate::orgs::OrgsConfig) option names an entitlement that is not on
    /// the model's tenant entity (or a global role the model lacks).
    OrgsEntitlement {
        /// The option (`managed_by`, `invites_with`, ..).
        option: &'static str,
        /// Why it does not fit the model.
        why: String,
    },
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(errors) => write!(f, "{errors}"),
            Self::Database(e) => write!(f, "the database could not be migrated: {e}"),
            Self::NoTenant => write!(
                f,
                "organizations need the model's tenant: add `tenant: <entity> {{ owner: <role> }}` to `define_access!`"
            ),
            Self::OrgsEntitlement { option, why } => write!(
                f,
                "OrgsConfig::{option}: {why}; organization routes check entitlements declared on the tenant entity"
            ),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(errors) => Some(errors),
            Self::Database(e) => Some(e),
            Self::NoTenant | Self::OrgsEntitlement { .. } => None,
        }
    }
}
