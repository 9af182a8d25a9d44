//! Dynamic mode: administrators change which roles grant which entitlements, and create tenant
//! custom roles, at run time through an admin API; the changes are stored in the database.
//!
//! In static mode (the default) the engine reads the model's compiled tables. With
//! [`Authz::dynamic`](crate::authz::Authz::dynamic) every request's `AccessContext` carries its tenant's
//! [`Grants`], built from the model and the stored changes, and the engine
//! reads the same bitsets from there. Every change stays inside the model: an entitlement, entity
//! type or role the model does not declare is a 400 naming the valid choices, and nothing is
//! stored.
//!
//! Changes are per tenant. A tenant's grants are cached in the process for
//! [`DynamicGrants::cache_ttl`] (default 2 s); a change made through this process is visible at
//! once, one made through another process sharing the database at the latest after the TTL.
//!
//! Routes of [`admin_router`] (mount them under a prefix with `Router::nest`), all for the
//! request's tenant and behind one entitlement of the model checked on the tenant's resource:
//!
//! | method and path | body | effect |
//! |---|---|---|
//! | `GET /grants` | | every entitlement with the roles it is given to and the roles that grant it; the custom roles |
//! | `PUT /grants/{entitlement}/{role}` | | gives the entitlement to the role |
//! | `DELETE /grants/{entitlement}/{role}` | | takes it back |
//! | `POST /roles` | `{"entity", "name", "entitlements": [..]}` | creates a custom role (201) |
//! | `DELETE /roles/{entity}/{name}` | | deletes a custom role |
//! | `PUT /assignments/{entity}/{id}/{role}/{user}` | | gives a user a role (model or custom) on a resource of the tenant |
//! | `DELETE /assignments/{entity}/{id}/{role}/{user}` | | takes it back |

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use access_core::model::ModelData;
use access_core::{AccessModel, GrantError, GrantErrorKind, Grants, Stores};
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::admin::{Admin, AdminOf};
use crate::error::ApiError;

/// Stored grant changes: one row per (tenant, entitlement, role), the last word wins.
pub mod role_grant {
    use sea_orm::entity::prelude::*;

    /// A grant (`granted`) or revocation of an entitlement to a role, in one tenant.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// use access_axum::dynamic::role_grant;
    /// use sea_orm::EntityTrait;
    ///
    /// let grants = DynamicGrants::new(&Model, db.clone());
    /// grants.grant("acme", "project:delete", "viewer", "42").await.unwrap();
    /// let row = role_grant::Entity::find().one(&db).await.unwrap().unwrap();
    /// assert_eq!((row.tenant.as_str(), row.entitlement.as_str(), row.role.as_str()), ("acme", "project:delete", "viewer"));
    /// assert!(row.granted);
    /// assert_eq!(row.changed_by, "42");
    /// # }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_role_grants")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The tenant.
        #[sea_orm(indexed)]
        pub tenant: String,
        /// The entitlement's name.
        pub entitlement: String,
        /// The role's name (of the entitlement's entity type; model or custom role).
        pub role: String,
        /// Given (`true`) or taken away (`false`).
        pub granted: bool,
        /// Who made the change.
        pub changed_by: String,
        /// When (Unix seconds).
        pub changed_at: i64,
    }

    /// No relations are navigated.
    ///
    /// # Examples
    ///
    /// ```
    /// use access_axum::dynamic::role_grant::Relation;
    /// use sea_orm::Iterable;
    /// assert_eq!(Relation::iter().count(), 0);
    /// ```
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Tenant custom roles. Deleted roles stay (marked) so their index is never reused.
pub mod custom_role {
    use sea_orm::entity::prelude::*;

    /// A custom role of one entity type in one tenant.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// use access_axum::dynamic::custom_role;
    /// use sea_orm::EntityTrait;
    ///
    /// let grants = DynamicGrants::new(&Model, db.clone());
    /// grants.create_role("acme", "project", "auditor", &["project:read"], "42").await.unwrap();
    /// let row = custom_role::Entity::find().one(&db).await.unwrap().unwrap();
    /// assert_eq!((row.entity.as_str(), row.name.as_str()), ("project", "auditor"));
    /// assert_eq!(row.idx, 2); // after the model's manager and viewer
    /// assert!(!row.deleted);
    /// # }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_custom_roles")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The tenant.
        #[sea_orm(indexed)]
        pub tenant: String,
        /// The entity type's name.
        pub entity: String,
        /// The role's index among the type's roles.
        pub idx: i32,
        /// The role's name.
        pub name: String,
        /// Deleted roles grant nothing; their index is not reused.
        pub deleted: bool,
        /// Who created it.
        pub created_by: String,
        /// When (Unix seconds).
        pub created_at: i64,
    }

    /// No relations are navigated.
    ///
    /// # Examples
    ///
    /// ```
    /// use access_axum::dynamic::custom_role::Relation;
    /// use sea_orm::Iterable;
    /// assert_eq!(Relation::iter().count(), 0);
    /// ```
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The unique keys of the grants tables, which their entities cannot declare.
pub(crate) const UNIQUE_KEYS: [&str; 2] = [
    "CREATE UNIQUE INDEX IF NOT EXISTS access_role_grants_key ON access_role_grants (tenant, entitlement, role)",
    "CREATE UNIQUE INDEX IF NOT EXISTS access_custom_roles_key ON access_custom_roles (tenant, entity, idx)",
];

const MAX_CACHED_TENANTS: usize = 10_000;

/// The grants of every tenant: loaded from the database, cached, changed through
/// [`admin_router`] or the methods here.
///
/// # Examples
///
/// ```
/// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
/// # use access_core::{AccessModel, EntitlementId, Grants};
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         entity organization { roles: [owner, member] }
/// #         entity project {
/// #             roles: [manager, viewer],
/// #             implies: { manager => viewer },
/// #             inherits: { organization:owner => manager, organization:member => viewer },
/// #         }
/// #         entitlements {
/// #             "organization:manage" on organization => roles [owner],
/// #             "project:read"   on project => roles [viewer],
/// #             "project:delete" on project => roles [manager],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement};
/// # /// The roles `entitlement` is given to in `g`.
/// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
/// #     let data = Model.data();
/// #     let id = EntitlementId::from(entitlement);
/// #     let entity = data.entitlements[id.0 as usize].entity;
/// #     g.role_names(data, entity, g.listed(id).unwrap())
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// access_axum::migrate(&db).await.unwrap();
/// let grants = DynamicGrants::new(&Model, db);
///
/// // Tenant acme gives `project:delete` to viewers; tenant globex keeps the model's grants.
/// grants.grant("acme", "project:delete", "viewer", "admin-1").await.unwrap();
/// let acme = grants.tenant("acme").await.unwrap();
/// assert_eq!(given_to(&acme, Entitlement::ProjectDelete), ["manager", "viewer"]);
/// let globex = grants.tenant("globex").await.unwrap();
/// assert_eq!(given_to(&globex, Entitlement::ProjectDelete), ["manager"]);
/// // Pass them to an `AccessContext` (`with_grants`), or let `Authz::dynamic` do it per request.
/// # }
/// ```
pub struct DynamicGrants {
    data: &'static ModelData,
    db: DatabaseConnection,
    ttl: Duration,
    cache: RwLock<HashMap<String, (Instant, Arc<Grants>)>>,
}

impl std::fmt::Debug for DynamicGrants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicGrants")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// A refused or failed change. As a response: 400 for an unknown or invalid name, 409 for a
/// name taken or no room left, 500 (without details) when the database failed.
///
/// # Examples
///
/// ```
/// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
/// # use access_core::{AccessModel, EntitlementId, Grants};
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         entity organization { roles: [owner, member] }
/// #         entity project {
/// #             roles: [manager, viewer],
/// #             implies: { manager => viewer },
/// #             inherits: { organization:owner => manager, organization:member => viewer },
/// #         }
/// #         entitlements {
/// #             "organization:manage" on organization => roles [owner],
/// #             "project:read"   on project => roles [viewer],
/// #             "project:delete" on project => roles [manager],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement};
/// # /// The roles `entitlement` is given to in `g`.
/// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
/// #     let data = Model.data();
/// #     let id = EntitlementId::from(entitlement);
/// #     let entity = data.entitlements[id.0 as usize].entity;
/// #     g.role_names(data, entity, g.listed(id).unwrap())
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// # access_axum::migrate(&db).await.unwrap();
/// use access_core::GrantErrorKind;
/// use axum::response::IntoResponse;
///
/// let grants = DynamicGrants::new(&Model, db);
/// let err = grants.grant("acme", "project:fly", "viewer", "1").await.unwrap_err();
/// assert!(matches!(&err, ChangeError::Refused(e) if e.kind == GrantErrorKind::Unknown));
/// assert_eq!(err.into_response().status(), 400);
/// # }
/// ```
#[derive(Debug)]
pub enum ChangeError {
    /// Refused: an unknown name, a name taken, ..
    Refused(GrantError),
    /// The database failed.
    Db(DbErr),
}

impl From<DbErr> for ChangeError {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

impl From<GrantError> for ChangeError {
    fn from(e: GrantError) -> Self {
        Self::Refused(e)
    }
}

impl IntoResponse for ChangeError {
    fn into_response(self) -> Response {
        match self {
            ChangeError::Refused(e) => {
                let (status, code) = match e.kind {
                    GrantErrorKind::Unknown => (StatusCode::BAD_REQUEST, "unknown_name"),
                    GrantErrorKind::Invalid => (StatusCode::BAD_REQUEST, "invalid"),
                    GrantErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
                    GrantErrorKind::Full => (StatusCode::CONFLICT, "too_many_roles"),
                };
                ApiError::new(status, code, e.message).into_response()
            }
            // Two changes to the same tenant at once: the loser's insert meets the winner's row.
            ChangeError::Db(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "another change to these grants was made at the same time; retry",
                )
                .into_response()
            }
            ChangeError::Db(e) => {
                tracing::error!(error = %e, "dynamic grants: database error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the change could not be stored",
                )
                .into_response()
            }
        }
    }
}

fn now() -> i64 {
    access_core::time::now()
}

impl DynamicGrants {
    /// Dynamic grants for `model`, stored in `db` (run [`migrate`] first).
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// let grants = DynamicGrants::new(&Model, db);
    /// // A tenant nobody changed has the model's grants.
    /// let g = grants.tenant("acme").await.unwrap();
    /// assert_eq!(*g, Grants::new(Model.data()));
    /// # }
    /// ```
    pub fn new<M: AccessModel>(model: &'static M, db: DatabaseConnection) -> Self {
        Self {
            data: model.data(),
            db,
            ttl: Duration::from_secs(2),
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// How long a tenant's grants are reused before they are read again (changes made through
    /// another process show after at most this long). Zero reads them at every request.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// use std::time::Duration;
    ///
    /// let here = DynamicGrants::new(&Model, db.clone()).cache_ttl(Duration::ZERO);
    /// let elsewhere = DynamicGrants::new(&Model, db.clone()); // another process, same database
    /// assert_eq!(given_to(&here.tenant("acme").await.unwrap(), Entitlement::ProjectDelete), ["manager"]);
    /// elsewhere.grant("acme", "project:delete", "viewer", "1").await.unwrap();
    /// // Without a cache, the change shows at once.
    /// assert_eq!(given_to(&here.tenant("acme").await.unwrap(), Entitlement::ProjectDelete), ["manager", "viewer"]);
    /// # }
    /// ```
    #[must_use]
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The tenant's grants (from the cache when fresh).
    ///
    /// # Errors
    /// The database failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// use std::sync::Arc;
    ///
    /// let grants = DynamicGrants::new(&Model, db);
    /// let first = grants.tenant("acme").await.unwrap();
    /// assert_eq!(given_to(&first, Entitlement::ProjectRead), ["viewer"]);
    /// // Within the cache TTL (2 s by default) the same grants come back, not read again.
    /// assert!(Arc::ptr_eq(&first, &grants.tenant("acme").await.unwrap()));
    /// # }
    /// ```
    pub async fn tenant(&self, tenant: &str) -> Result<Arc<Grants>, DbErr> {
        if let Ok(cache) = self.cache.read()
            && let Some((at, g)) = cache.get(tenant)
            && at.elapsed() < self.ttl
        {
            return Ok(g.clone());
        }
        let g = Arc::new(self.load(&self.db, tenant).await?);
        self.remember(tenant, g.clone());
        Ok(g)
    }

    fn remember(&self, tenant: &str, g: Arc<Grants>) {
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= MAX_CACHED_TENANTS {
                cache.clear();
            }
            cache.insert(tenant.to_owned(), (Instant::now(), g));
        }
    }

    /// Builds the tenant's grants from the model and the stored changes. A stored name the
    /// model no longer declares (the model changed since) is skipped with a warning.
    async fn load<C: ConnectionTrait>(&self, db: &C, tenant: &str) -> Result<Grants, DbErr> {
        let data = self.data;
        let mut g = Grants::new(data);
        let roles = custom_role::Entity::find()
            .filter(custom_role::Column::Tenant.eq(tenant))
            .order_by_asc(custom_role::Column::Idx)
            .all(db)
            .await?;
        for r in roles {
            let restored = match (data.entity_index(&r.entity), u16::try_from(r.idx)) {
                (Some(ty), Ok(idx)) => g.restore_role(data, ty, idx, &r.name, r.deleted),
                _ => Err(GrantError {
                    kind: GrantErrorKind::Unknown,
                    message: format!("unknown entity `{}`", r.entity),
                }),
            };
            if let Err(e) = restored {
                tracing::warn!(tenant, role = %r.name, error = %e, "stored custom role skipped");
            }
        }
        let grants = role_grant::Entity::find()
            .filter(role_grant::Column::Tenant.eq(tenant))
            .order_by_asc(role_grant::Column::Id)
            .all(db)
            .await?;
        for row in grants {
            let res = if row.granted {
                g.grant(data, &row.entitlement, &row.role)
            } else {
                g.revoke(data, &row.entitlement, &row.role)
            };
            if let Err(e) = res {
                tracing::warn!(tenant, entitlement = %row.entitlement, role = %row.role, error = %e, "stored grant skipped");
            }
        }
        Ok(g)
    }

    /// Runs `change` on the tenant's current grants (read in the transaction); when it is
    /// accepted, `store` writes it and the new grants replace the cached ones. A refused change
    /// writes nothing.
    async fn change<T>(
        &self,
        tenant: &str,
        change: impl FnOnce(&mut Grants) -> Result<T, GrantError>,
        store: impl AsyncFnOnce(&sea_orm::DatabaseTransaction, &T) -> Result<(), DbErr>,
    ) -> Result<(T, Arc<Grants>), ChangeError> {
        let txn = self.db.begin().await?;
        let mut g = self.load(&txn, tenant).await?;
        let out = change(&mut g)?;
        store(&txn, &out).await?;
        txn.commit().await?;
        let g = Arc::new(g);
        self.remember(tenant, g.clone());
        Ok((out, g))
    }

    async fn set(
        &self,
        tenant: &str,
        entitlement: &str,
        role: &str,
        granted: bool,
        by: &str,
    ) -> Result<Arc<Grants>, ChangeError> {
        let data = self.data;
        let (_, g) = self
            .change(
                tenant,
                |g| {
                    if granted {
                        g.grant(data, entitlement, role)
                    } else {
                        g.revoke(data, entitlement, role)
                    }
                },
                async |txn, _| {
                    role_grant::Entity::delete_many()
                        .filter(role_grant::Column::Tenant.eq(tenant))
                        .filter(role_grant::Column::Entitlement.eq(entitlement))
                        .filter(role_grant::Column::Role.eq(role))
                        .exec(txn)
                        .await?;
                    role_grant::ActiveModel {
                        tenant: Set(tenant.to_owned()),
                        entitlement: Set(entitlement.to_owned()),
                        role: Set(role.to_owned()),
                        granted: Set(granted),
                        changed_by: Set(by.to_owned()),
                        changed_at: Set(now()),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                    Ok(())
                },
            )
            .await?;
        tracing::info!(
            tenant,
            entitlement,
            role,
            granted,
            by,
            "access: grant changed"
        );
        Ok(g)
    }

    /// Gives `entitlement` to `role` in `tenant`, and returns the tenant's new grants. `by`
    /// (who made the change) is stored with it.
    ///
    /// # Errors
    /// An unknown name (nothing stored), or the database failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// let grants = DynamicGrants::new(&Model, db);
    /// let g = grants.grant("acme", "project:delete", "viewer", "user-1").await.unwrap();
    /// assert_eq!(given_to(&g, Entitlement::ProjectDelete), ["manager", "viewer"]);
    /// // A role of another entity type is refused.
    /// assert!(matches!(
    ///     grants.grant("acme", "project:delete", "owner", "user-1").await,
    ///     Err(ChangeError::Refused(_))
    /// ));
    /// # }
    /// ```
    pub async fn grant(
        &self,
        tenant: &str,
        entitlement: &str,
        role: &str,
        by: &str,
    ) -> Result<Arc<Grants>, ChangeError> {
        self.set(tenant, entitlement, role, true, by).await
    }

    /// Takes `entitlement` from `role` in `tenant`, and returns the tenant's new grants.
    ///
    /// # Errors
    /// An unknown name (nothing stored), or the database failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// let grants = DynamicGrants::new(&Model, db);
    /// // In tenant acme, nobody may delete projects any more.
    /// let g = grants.revoke("acme", "project:delete", "manager", "user-1").await.unwrap();
    /// assert!(given_to(&g, Entitlement::ProjectDelete).is_empty());
    /// assert_eq!(given_to(&grants.tenant("globex").await.unwrap(), Entitlement::ProjectDelete), ["manager"]);
    /// # }
    /// ```
    pub async fn revoke(
        &self,
        tenant: &str,
        entitlement: &str,
        role: &str,
        by: &str,
    ) -> Result<Arc<Grants>, ChangeError> {
        self.set(tenant, entitlement, role, false, by).await
    }

    /// Creates a custom role in `tenant` and returns its index.
    ///
    /// # Errors
    /// An unknown or mismatched name, a name taken, no room (nothing stored), or the database
    /// failed (also when another process took the same index at the same moment).
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// let grants = DynamicGrants::new(&Model, db);
    /// let idx = grants.create_role("acme", "project", "auditor", &["project:read"], "user-1").await.unwrap();
    /// assert_eq!(idx, 2); // after the model's roles of `project` (manager, viewer)
    /// let g = grants.tenant("acme").await.unwrap();
    /// assert_eq!(given_to(&g, Entitlement::ProjectRead), ["viewer", "auditor"]);
    /// // The name is taken now.
    /// let err = grants.create_role("acme", "project", "auditor", &[], "user-1").await.unwrap_err();
    /// assert!(matches!(err, ChangeError::Refused(e) if e.kind == access_core::GrantErrorKind::Conflict));
    /// # }
    /// ```
    pub async fn create_role(
        &self,
        tenant: &str,
        entity: &str,
        name: &str,
        entitlements: &[&str],
        by: &str,
    ) -> Result<u16, ChangeError> {
        let data = self.data;
        let (idx, _) = self
            .change(
                tenant,
                |g| g.create_role(data, entity, name, entitlements),
                async |txn, idx| {
                    custom_role::ActiveModel {
                        tenant: Set(tenant.to_owned()),
                        entity: Set(entity.to_owned()),
                        idx: Set(i32::from(*idx)),
                        name: Set(name.to_owned()),
                        deleted: Set(false),
                        created_by: Set(by.to_owned()),
                        created_at: Set(now()),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                    // Grants are stored by name; forget any left by an earlier role of that name.
                    role_grant::Entity::delete_many()
                        .filter(role_grant::Column::Tenant.eq(tenant))
                        .filter(role_grant::Column::Role.eq(name))
                        .filter(
                            role_grant::Column::Entitlement
                                .is_in(entitlements_of_type(data, entity)),
                        )
                        .exec(txn)
                        .await?;
                    for e in entitlements {
                        role_grant::ActiveModel {
                            tenant: Set(tenant.to_owned()),
                            entitlement: Set((*e).to_owned()),
                            role: Set(name.to_owned()),
                            granted: Set(true),
                            changed_by: Set(by.to_owned()),
                            changed_at: Set(now()),
                            ..Default::default()
                        }
                        .insert(txn)
                        .await?;
                    }
                    Ok(())
                },
            )
            .await?;
        tracing::info!(
            tenant,
            entity,
            role = name,
            index = idx,
            by,
            "access: custom role created"
        );
        Ok(idx)
    }

    /// Deletes custom role `name` of `entity` in `tenant`; it grants nothing from now on.
    ///
    /// # Errors
    /// An unknown role or a model role (nothing stored), or the database failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use access_axum::dynamic::{self, ChangeError, DynamicGrants};
    /// # use access_core::{AccessModel, EntitlementId, Grants};
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         entity organization { roles: [owner, member] }
    /// #         entity project {
    /// #             roles: [manager, viewer],
    /// #             implies: { manager => viewer },
    /// #             inherits: { organization:owner => manager, organization:member => viewer },
    /// #         }
    /// #         entitlements {
    /// #             "organization:manage" on organization => roles [owner],
    /// #             "project:read"   on project => roles [viewer],
    /// #             "project:delete" on project => roles [manager],
    /// #         }
    /// #     }
    /// # }
    /// # use model::{Access as Model, Entitlement};
    /// # /// The roles `entitlement` is given to in `g`.
    /// # fn given_to(g: &Grants, entitlement: Entitlement) -> Vec<String> {
    /// #     let data = Model.data();
    /// #     let id = EntitlementId::from(entitlement);
    /// #     let entity = data.entitlements[id.0 as usize].entity;
    /// #     g.role_names(data, entity, g.listed(id).unwrap())
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// # access_axum::migrate(&db).await.unwrap();
    /// let grants = DynamicGrants::new(&Model, db);
    /// grants.create_role("acme", "project", "auditor", &["project:read"], "user-1").await.unwrap();
    /// grants.delete_role("acme", "project", "auditor", "user-1").await.unwrap();
    /// let g = grants.tenant("acme").await.unwrap();
    /// assert_eq!(given_to(&g, Entitlement::ProjectRead), ["viewer"]);
    /// // The model's roles cannot be deleted.
    /// assert!(grants.delete_role("acme", "project", "viewer", "user-1").await.is_err());
    /// # }
    /// ```
    pub async fn delete_role(
        &self,
        tenant: &str,
        entity: &str,
        name: &str,
        by: &str,
    ) -> Result<(), ChangeError> {
        let data = self.data;
        self.change(
            tenant,
            |g| g.delete_role(data, entity, name),
            async |txn, idx| {
                custom_role::Entity::update_many()
                    .col_expr(custom_role::Column::Deleted, true.into())
                    .filter(custom_role::Column::Tenant.eq(tenant))
                    .filter(custom_role::Column::Entity.eq(entity))
                    .filter(custom_role::Column::Idx.eq(i32::from(*idx)))
                    .exec(txn)
                    .await?;
                role_grant::Entity::delete_many()
                    .filter(role_grant::Column::Tenant.eq(tenant))
                    .filter(role_grant::Column::Role.eq(name))
                    .filter(
                        role_grant::Column::Entitlement.is_in(entitlements_of_type(data, entity)),
                    )
                    .exec(txn)
                    .await?;
                Ok(())
            },
        )
        .await?;
        tracing::info!(
            tenant,
            entity,
            role = name,
            by,
            "access: custom role deleted"
        );
        Ok(())
    }
}

fn entitlements_of_type(data: &ModelData, entity: &str) -> Vec<String> {
    let ty = data.entity_index(entity);
    data.entitlements
        .iter()
        .filter(|e| Some(e.entity) == ty)
        .map(|e| e.name.to_string())
        .collect()
}

pub use crate::admin::admin_router;

fn grants_json(data: &ModelData, g: &Grants) -> serde_json::Value {
    let entitlements: Vec<serde_json::Value> = data
        .entitlements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let id = access_core::EntitlementId(i as u16);
            serde_json::json!({
                "entitlement": &*e.name,
                "entity": &*data.entities[e.entity as usize].name,
                "roles": g.role_names(data, e.entity, g.listed(id).unwrap_or_default()),
                "granted_by": g.role_names(data, e.entity, g.granting(id).unwrap_or_default()),
            })
        })
        .collect();
    let custom: Vec<serde_json::Value> = g
        .custom_roles()
        .iter()
        .filter(|c| !c.deleted)
        .map(|c| {
            serde_json::json!({
                "entity": &*data.entities[c.entity.0 as usize].name,
                "name": c.name,
                "index": c.index,
                "entitlements": g.entitlements_of(data, c.entity.0, c.index as usize),
            })
        })
        .collect();
    serde_json::json!({ "entitlements": entitlements, "custom_roles": custom })
}

macro_rules! dynamic_or_return {
    ($a:ident) => {
        match $a.dynamic() {
            Ok(d) => d,
            Err(r) => return r,
        }
    };
}

pub(crate) async fn list_grants<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
) -> Response {
    let dynamic = dynamic_or_return!(a);
    match dynamic.tenant(&a.tenant).await {
        Ok(g) => Json(grants_json(a.data(), &g)).into_response(),
        Err(e) => ChangeError::Db(e).into_response(),
    }
}

async fn set_grant<M: AccessModel, S: Stores + 'static>(
    a: Admin<M, S>,
    entitlement: String,
    role: String,
    on: bool,
) -> Response {
    let dynamic = dynamic_or_return!(a);
    let before = dynamic.tenant(&a.tenant).await.ok().and_then(|g| {
        let ei = a.data().entitlement_index(&entitlement)?;
        let e = &a.data().entitlements[ei as usize];
        Some(g.role_names(
            a.data(),
            e.entity,
            g.listed(access_core::EntitlementId(ei))?,
        ))
    });
    let res = if on {
        dynamic
            .grant(&a.tenant, &entitlement, &role, &a.actor)
            .await
    } else {
        dynamic
            .revoke(&a.tenant, &entitlement, &role, &a.actor)
            .await
    };
    match res {
        Ok(g) => {
            let ei = a.data().entitlement_index(&entitlement).unwrap_or_default();
            let e = &a.data().entitlements[ei as usize];
            let after = g.role_names(
                a.data(),
                e.entity,
                g.listed(access_core::EntitlementId(ei)).unwrap_or_default(),
            );
            a.record(
                if on { "grant" } else { "ungrant" },
                &format!("entitlement:{entitlement}"),
                serde_json::json!({ "roles": before }),
                serde_json::json!({ "roles": after }),
            )
            .await;
            Json(grants_json(a.data(), &g)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn grant<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entitlement, role)): Path<(String, String)>,
) -> Response {
    set_grant(a, entitlement, role, true).await
}

pub(crate) async fn revoke<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entitlement, role)): Path<(String, String)>,
) -> Response {
    set_grant(a, entitlement, role, false).await
}

/// Body of `POST /roles`.
///
/// # Examples
///
/// ```
/// use access_axum::dynamic::NewRole;
///
/// let body = r#"{"entity": "project", "name": "auditor", "entitlements": ["project:read"]}"#;
/// let role: NewRole = serde_json::from_str(body).unwrap();
/// assert_eq!((role.entity.as_str(), role.name.as_str()), ("project", "auditor"));
/// assert_eq!(role.entitlements, ["project:read"]);
/// // `entitlements` may be left out; unknown fields are refused.
/// let bare: NewRole = serde_json::from_str(r#"{"entity": "project", "name": "guest"}"#).unwrap();
/// assert!(bare.entitlements.is_empty());
/// assert!(serde_json::from_str::<NewRole>(r#"{"entity": "project", "name": "x", "color": 1}"#).is_err());
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// The entity type.
    pub entity: String,
    /// The role's name.
    pub name: String,
    /// Entitlements of that entity type.
    #[serde(default)]
    pub entitlements: Vec<String>,
}

pub(crate) async fn create_role<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    crate::error::JsonBody(body): crate::error::JsonBody<NewRole>,
) -> Response {
    let dynamic = dynamic_or_return!(a);
    let ents: Vec<&str> = body.entitlements.iter().map(String::as_str).collect();
    match dynamic
        .create_role(&a.tenant, &body.entity, &body.name, &ents, &a.actor)
        .await
    {
        Ok(index) => {
            let after = serde_json::json!({
                "entity": body.entity,
                "name": body.name,
                "index": index,
                "entitlements": body.entitlements,
            });
            a.record(
                "create_role",
                &format!("role:{}:{}", body.entity, body.name),
                serde_json::Value::Null,
                after.clone(),
            )
            .await;
            (StatusCode::CREATED, Json(after)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn delete_role<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, name)): Path<(String, String)>,
) -> Response {
    let dynamic = dynamic_or_return!(a);
    match dynamic
        .delete_role(&a.tenant, &entity, &name, &a.actor)
        .await
    {
        Ok(()) => {
            a.record(
                "delete_role",
                &format!("role:{entity}:{name}"),
                serde_json::json!({ "name": name }),
                serde_json::Value::Null,
            )
            .await;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_change_that_lost_a_race_is_a_conflict_not_a_500() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .await
            .unwrap();
        db.execute_unprepared("INSERT INTO t VALUES ('a')")
            .await
            .unwrap();
        let lost = db
            .execute_unprepared("INSERT INTO t VALUES ('a')")
            .await
            .unwrap_err();
        let r = ChangeError::Db(lost).into_response();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let other = ChangeError::Db(DbErr::Custom("disk on fire".into())).into_response();
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
