//! Dynamic mode: a tenant's administrators change which roles grant which entitlements, and
//! create custom roles, at run time; the changes are stored in the database.
//!
//! In static mode (the default) the engine reads the model's compiled tables. With
//! [`Authz::dynamic`](crate::authz::Authz::dynamic) every request's `AccessContext` carries its
//! tenant's [`Grants`], built from the model and the stored changes, and the engine reads the
//! same bitsets from there. Every change stays inside the model: an entitlement, entity type or
//! role the model does not declare is refused ([`ChangeError::Refused`]) and nothing is stored.
//!
//! Changes are per tenant. A tenant's grants are cached in the process for
//! [`DynamicGrants::cache_ttl`] (default 2 s); a change made through this process is visible at
//! once, one made through another process sharing the database at the latest after the TTL.
//! Over HTTP, the admin API ([`admin_router`](crate::admin::admin_router)) makes these changes.
//!
//! ```
//! use access_axum::dynamic::DynamicGrants;
//! use access_core::{AccessModel, Grants};
//!
//! mod model {
//!     access_core::define_access! {
//!         pub Access;
//!         entity project { roles: [manager, viewer], implies: { manager => viewer } }
//!         entitlements {
//!             "project:read"   on project => roles [viewer],
//!             "project:delete" on project => roles [manager],
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let db = sea_orm::Database::connect("sqlite::memory:").await?;
//! access_axum::migrate(&db).await?; // creates access_role_grants and access_custom_roles
//! let grants = DynamicGrants::new(&model::Access, db);
//!
//! // Tenant acme lets viewers delete projects; tenant globex keeps the model's grants.
//! grants.grant("acme", "project:delete", "viewer", "admin-1").await?;
//! let model_grants = Grants::new(model::Access.data());
//! assert_ne!(*grants.tenant("acme").await?, model_grants);
//! assert_eq!(*grants.tenant("globex").await?, model_grants);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use access_core::model::ModelData;
use access_core::sea::write::{begin_write, retry_writes};
use access_core::{AccessModel, GrantError, GrantErrorKind, Grants};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::error::ApiError;

/// Stored grant changes: one row per (tenant, entitlement, role), the last word wins.
pub mod role_grant {
    use sea_orm::entity::prelude::*;

    /// A grant (`granted`) or revocation of an entitlement to a role, in one tenant.
    ///
    /// ```no_run
    /// use access_axum::dynamic::role_grant;
    /// use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    ///
    /// // The stored changes of tenant acme's grants.
    /// async fn acme(db: &sea_orm::DatabaseConnection) -> Result<Vec<role_grant::Model>, sea_orm::DbErr> {
    ///     let rows = role_grant::Entity::find().filter(role_grant::Column::Tenant.eq("acme"));
    ///     rows.all(db).await
    /// }
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
    /// ```
    /// use sea_orm::Iterable;
    /// assert_eq!(access_axum::dynamic::role_grant::Relation::iter().count(), 0);
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
    /// ```no_run
    /// use access_axum::dynamic::custom_role;
    /// use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    ///
    /// // Tenant acme's custom roles that still grant.
    /// async fn acme(db: &sea_orm::DatabaseConnection) -> Result<Vec<custom_role::Model>, sea_orm::DbErr> {
    ///     let rows = custom_role::Entity::find().filter(custom_role::Column::Tenant.eq("acme"));
    ///     rows.filter(custom_role::Column::Deleted.eq(false)).all(db).await
    /// }
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
    /// ```
    /// use sea_orm::Iterable;
    /// assert_eq!(access_axum::dynamic::custom_role::Relation::iter().count(), 0);
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

/// The grants of every tenant: loaded from the database, cached, changed through the admin API
/// ([`admin_router`](crate::admin::admin_router)) or the methods here. See the module docs for
/// an example.
///
/// ```no_run
/// use access_axum::{authz::Authz, dynamic::DynamicGrants};
/// use access_core::MemoryStore;
/// # mod model { access_core::define_access! { pub Access; roles: [admin], entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
///
/// // Authorization that reads each tenant's grants, re-read at most every 10 s.
/// fn authz(db: sea_orm::DatabaseConnection) -> Authz<model::Access, MemoryStore> {
///     let grants = DynamicGrants::new(&model::Access, db).cache_ttl(std::time::Duration::from_secs(10));
///     Authz::new(model::Access, MemoryStore::new()).dynamic(grants)
/// }
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

/// A refused or failed change. As an [`ApiError`]: 400 `unknown_name` or `invalid` for an
/// unknown or invalid name, 409 `conflict` for a name taken (or a change that lost a race with
/// another), 409 `too_many_roles` when no room is left, 500 (without details) when the database
/// failed.
///
/// ```no_run
/// # use access_axum::dynamic::{ChangeError, DynamicGrants};
/// # async fn example(grants: &DynamicGrants) {
/// match grants.grant("acme", "project:fly", "viewer", "user-1").await {
///     Err(ChangeError::Refused(e)) => println!("refused: {e}"), // an unknown entitlement
///     Err(ChangeError::Db(e)) => println!("the database failed: {e}"),
///     Ok(_) => {}
/// }
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

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(e) => write!(f, "{e}"),
            Self::Db(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for ChangeError {}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Refused(e) => {
                let (status, code) = match e.kind {
                    GrantErrorKind::Unknown => (StatusCode::BAD_REQUEST, "unknown_name"),
                    GrantErrorKind::Invalid => (StatusCode::BAD_REQUEST, "invalid"),
                    GrantErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
                    GrantErrorKind::Full => (StatusCode::CONFLICT, "too_many_roles"),
                };
                ApiError::new(status, code, e.message)
            }
            // Two changes to the same tenant at once: the loser's insert meets the winner's row.
            ChangeError::Db(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                ApiError::conflict(
                    "another change to these grants was made at the same time; retry",
                )
            }
            // By its cause: busy or out of reach is a 503 with `Retry-After`, not a 500.
            ChangeError::Db(e) => ApiError::database(&e),
        }
    }
}

/// A refused change to a tenant's grants, as [`ChangeError::Refused`] answers it.
impl From<GrantError> for ApiError {
    fn from(e: GrantError) -> Self {
        ChangeError::Refused(e).into()
    }
}

impl IntoResponse for ChangeError {
    fn into_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}

fn now() -> i64 {
    access_core::time::now()
}

impl DynamicGrants {
    /// Dynamic grants for `model`, stored in `db` (run
    /// [`access_axum::migrate`](fn@crate::migrate) first).
    ///
    /// ```no_run
    /// # fn example(db: sea_orm::DatabaseConnection, model: &'static impl access_core::AccessModel) {
    /// use access_axum::dynamic::DynamicGrants;
    /// let grants = DynamicGrants::new(model, db); // `model`: your model, `&Access`
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
    /// ```no_run
    /// # fn example(grants: access_axum::dynamic::DynamicGrants) {
    /// let grants = grants.cache_ttl(std::time::Duration::from_secs(10));
    /// # }
    /// ```
    #[must_use]
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The tenant's grants (from the cache when fresh); fails when the database does. Hand them
    /// to an `AccessContext` (`with_grants`), or let `Authz::dynamic` do it per request.
    ///
    /// ```no_run
    /// # async fn example(grants: &access_axum::dynamic::DynamicGrants) -> Result<(), sea_orm::DbErr> {
    /// let acme: std::sync::Arc<access_core::Grants> = grants.tenant("acme").await?;
    /// # Ok(()) }
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
        // A writer from the start (SQLite: BEGIN IMMEDIATE, so the grants read are the ones
        // replaced; PostgreSQL: READ COMMITTED, two changes at once meet on the unique index
        // and the loser is a 409 to retry).
        let txn = retry_writes(|| begin_write(&self.db)).await?;
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
    /// (who made the change) is stored with it. Fails for an unknown name or a role of another
    /// entity type (nothing stored), or when the database does.
    ///
    /// ```no_run
    /// # async fn example(grants: &access_axum::dynamic::DynamicGrants) -> Result<(), access_axum::dynamic::ChangeError> {
    /// // In tenant acme, viewers may delete projects too.
    /// let acme = grants.grant("acme", "project:delete", "viewer", "user-1").await?;
    /// # Ok(()) }
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

    /// Takes `entitlement` from `role` in `tenant`, and returns the tenant's new grants. Fails
    /// for an unknown name (nothing stored), or when the database does.
    ///
    /// ```no_run
    /// # async fn example(grants: &access_axum::dynamic::DynamicGrants) -> Result<(), access_axum::dynamic::ChangeError> {
    /// // In tenant acme, nobody may delete projects any more.
    /// let acme = grants.revoke("acme", "project:delete", "manager", "user-1").await?;
    /// # Ok(()) }
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

    /// Creates a custom role in `tenant` made of `entitlements` (of its entity type) and returns
    /// its index, after the model's roles of that type. Fails for an unknown or mismatched name,
    /// a name taken, no room (nothing stored), or when the database does (also when another
    /// process took the same index at the same moment).
    ///
    /// ```no_run
    /// # async fn example(grants: &access_axum::dynamic::DynamicGrants) -> Result<(), access_axum::dynamic::ChangeError> {
    /// let index = grants.create_role("acme", "project", "auditor", &["project:read"], "user-1").await?;
    /// # Ok(()) }
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

    /// Deletes custom role `name` of `entity` in `tenant`; it grants nothing from now on (its
    /// index is not reused). Fails for an unknown role or a model role (nothing stored), or when
    /// the database does.
    ///
    /// ```no_run
    /// # async fn example(grants: &access_axum::dynamic::DynamicGrants) -> Result<(), access_axum::dynamic::ChangeError> {
    /// grants.delete_role("acme", "project", "auditor", "user-1").await?;
    /// # Ok(()) }
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
        let r = ApiError::from(ChangeError::Db(lost));
        assert_eq!((r.status, r.code), (StatusCode::CONFLICT, "conflict"));
        let other = ApiError::from(ChangeError::Db(DbErr::Custom("disk on fire".into())));
        assert_eq!(
            (other.status, other.code),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        );
        assert!(!other.message.contains("disk"));
    }
}
