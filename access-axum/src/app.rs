//! An application in one call: [`App`] takes the model and a database and builds a router with
//! the authentication endpoints, the authorization state and the CRUD routes, after running
//! every migration.
//!
//! ```no_run
//! # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user } }
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
use crate::authz::Authz;
use crate::crud::{Crud, CrudModel};
use crate::{AuthConfig, AuthState, ConfigErrors};

/// The state behind an [`App`]'s router. Handlers of the application's own routes take it as
/// `State<AppState<Access>>`, or take what it holds through extractors (`CurrentUser`,
/// `Access<Access, SeaStore>`) with no `FromRef` of their own.
///
/// # Examples
/// ```
/// use access_axum::{AppState, CurrentUser};
/// use axum::extract::State;
/// # mod model { access_core::define_access! { pub Access; roles: [admin] } }
/// # use model::Access;
///
/// async fn whoami(State(app): State<AppState<Access>>, user: CurrentUser) -> String {
///     format!("user {} of {} users", user.id, app.auth().config().issuer())
/// }
/// ```
pub struct AppState<M: AccessModel> {
    auth: AuthState,
    authz: Authz<M, SeaStore>,
}

impl<M: AccessModel> AppState<M> {
    /// The authentication state (database, configuration, mailer).
    pub fn auth(&self) -> &AuthState {
        &self.auth
    }

    /// The authorization state (model, stores).
    pub fn authz(&self) -> &Authz<M, SeaStore> {
        &self.authz
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
/// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user } }
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
    pub fn new(model: M, db: DatabaseConnection) -> Self {
        Self {
            model,
            db,
            config: None,
            auth: Vec::new(),
            authz: Vec::new(),
            routes: Vec::new(),
            tables: Vec::new(),
        }
    }

    /// Uses `config` instead of reading the environment.
    pub fn config(mut self, config: AuthConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Adjusts the authentication state, e.g. `.auth(|a| a.with_mailer(mailer))`.
    pub fn auth(mut self, f: impl FnOnce(AuthState) -> AuthState + Send + 'static) -> Self {
        self.auth.push(Box::new(f));
        self
    }

    /// Adjusts the authorization state, e.g. `.authz(|a| a.tenant_from(TenantFrom::Header(..)))`.
    pub fn authz(
        mut self,
        f: impl FnOnce(Authz<M, SeaStore>) -> Authz<M, SeaStore> + Send + 'static,
    ) -> Self {
        self.authz.push(Box::new(f));
        self
    }

    /// The CRUD routes of entity `E` under `path` (`GET /`, `POST /`, `GET|PATCH|DELETE /{id}`),
    /// with its schema's permissions; creates `E`'s table when missing.
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
                crate::migrate::table(db, &schema, E::default()).await
            }) as TableFuture<'_>
        }));
        self
    }

    /// The admin API (roles, assignments, plans, flags, audit) under `path`, for callers
    /// holding `entitlement` on their tenant.
    pub fn admin(mut self, path: &str, entitlement: M::Entitlement) -> Self {
        let path = path.to_owned();
        self.routes.push(Box::new(move |r: Router<AppState<M>>| {
            r.nest(&path, admin_router::<M, SeaStore, AppState<M>>(entitlement))
        }));
        self
    }

    /// The application's own routes, merged in; their handlers may take `State<AppState<M>>`
    /// and the crate's extractors.
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
    pub async fn build(self) -> Result<AppRouter<M>, AppError> {
        let config = match self.config {
            Some(c) => c,
            None => AuthConfig::from_env().map_err(AppError::Config)?,
        };
        crate::migrate(&self.db).await.map_err(AppError::Database)?;
        for table in &self.tables {
            table(&self.db).await.map_err(AppError::Database)?;
        }
        let store = SeaStore::new(&self.model, self.db.clone());
        let auth = self
            .auth
            .into_iter()
            .fold(AuthState::new(self.db, config), |a, f| f(a));
        let authz = self
            .authz
            .into_iter()
            .fold(Authz::new(self.model, Arc::new(store)), |a, f| f(a));
        let state = AppState {
            auth: auth.clone(),
            authz,
        };
        let router = self
            .routes
            .into_iter()
            .fold(Router::new(), |r, f| f(r))
            .with_state(state.clone())
            .merge(auth.router());
        Ok(AppRouter { router, state })
    }
}

/// The router an [`App`] built, with its state.
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
    /// limits of the authentication endpoints count by.
    pub fn into_make_service(self) -> IntoMakeServiceWithConnectInfo<Router, SocketAddr> {
        self.router
            .into_make_service_with_connect_info::<SocketAddr>()
    }

    /// The state, e.g. to seed users or assign roles before serving.
    pub fn state(&self) -> &AppState<M> {
        &self.state
    }

    /// The router, to nest or layer further (serve it with
    /// `into_make_service_with_connect_info::<SocketAddr>()` for per-client rate limits).
    pub fn into_router(self) -> Router {
        self.router
    }
}

/// Why [`App::build`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum AppError {
    /// The configuration is incomplete or wrong: each error names what to set.
    Config(ConfigErrors),
    /// A migration failed.
    Database(DbErr),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(errors) => write!(f, "{errors}"),
            Self::Database(e) => write!(f, "the database could not be migrated: {e}"),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(errors) => Some(errors),
            Self::Database(e) => Some(e),
        }
    }
}
