//! Dynamic mode: administrators change which roles grant which entitlements, and create tenant
//! custom roles, at run time through an admin API; the changes are stored in the database.
//!
//! In static mode (the default) the engine reads the model's compiled tables. With
//! [`Authz::dynamic`] every request's `AccessContext` carries its tenant's
//! [`Grants`](access_core::Grants), built from the model and the stored changes, and the engine
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
use access_core::{
    AccessContext, AccessModel, GrantError, GrantErrorKind, Grants, Resource, Stores,
};
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Schema, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::{ApiError, AuthState};
use crate::authz::{Access, Authz, denied, store_failed};

/// Stored grant changes: one row per (tenant, entitlement, role), the last word wins.
pub mod role_grant {
    use sea_orm::entity::prelude::*;

    /// A grant (`granted`) or revocation of an entitlement to a role, in one tenant.
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
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Tenant custom roles. Deleted roles stay (marked) so their index is never reused.
pub mod custom_role {
    use sea_orm::entity::prelude::*;

    /// A custom role of one entity type in one tenant.
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
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates the tables of dynamic mode (and a unique index per tenant, entity type and role
/// index, so two processes cannot hand out one index twice). Safe to call at every startup.
///
/// # Errors
/// The database refused a statement.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let schema = Schema::new(db.get_database_backend());
    for mut stmt in [
        schema.create_table_from_entity(role_grant::Entity),
        schema.create_table_from_entity(custom_role::Entity),
    ] {
        stmt.if_not_exists();
        db.execute(&stmt).await?;
    }
    for mut idx in schema
        .create_index_from_entity(role_grant::Entity)
        .into_iter()
        .chain(schema.create_index_from_entity(custom_role::Entity))
    {
        idx.if_not_exists();
        db.execute(&idx).await?;
    }
    let unique = [
        "CREATE UNIQUE INDEX IF NOT EXISTS access_role_grants_key ON access_role_grants (tenant, entitlement, role)",
        "CREATE UNIQUE INDEX IF NOT EXISTS access_custom_roles_key ON access_custom_roles (tenant, entity, idx)",
    ];
    for sql in unique {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

const MAX_CACHED_TENANTS: usize = 10_000;

/// The grants of every tenant: loaded from the database, cached, changed through
/// [`admin_router`] or the methods here.
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

/// A refused or failed change.
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
    #[must_use]
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The tenant's grants (from the cache when fresh).
    ///
    /// # Errors
    /// The database failed.
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

    /// Gives `entitlement` to `role` in `tenant`.
    ///
    /// # Errors
    /// An unknown name (nothing stored), or the database failed.
    pub async fn grant(
        &self,
        tenant: &str,
        entitlement: &str,
        role: &str,
        by: &str,
    ) -> Result<Arc<Grants>, ChangeError> {
        self.set(tenant, entitlement, role, true, by).await
    }

    /// Takes `entitlement` from `role` in `tenant`.
    ///
    /// # Errors
    /// An unknown name (nothing stored), or the database failed.
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

/// What the admin routes need: the entitlement that opens them.
pub struct AdminConfig<M: AccessModel> {
    entitlement: M::Entitlement,
}

impl<M: AccessModel> std::fmt::Debug for AdminConfig<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminConfig").finish_non_exhaustive()
    }
}

impl<M: AccessModel> Clone for AdminConfig<M> {
    fn clone(&self) -> Self {
        Self {
            entitlement: self.entitlement,
        }
    }
}

/// The admin API of dynamic mode (see the module docs for the routes), for the request's
/// tenant. `entitlement` opens it: it is checked on the tenant's resource (a resource of the
/// entitlement's entity type whose id is the tenant), so `admin_router(Entitlement::OrgManageRoles)`
/// lets the organization's role managers administer that organization. Superusers pass.
///
/// Needs [`Authz::dynamic`] in the state.
pub fn admin_router<M, S, St>(entitlement: M::Entitlement) -> Router<St>
where
    M: AccessModel,
    M::Entitlement: Send + Sync + 'static,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    let cfg = AdminConfig::<M> { entitlement };
    Router::new()
        .route("/grants", get(list_grants::<M, S>))
        .route(
            "/grants/{entitlement}/{role}",
            put(grant::<M, S>).delete(revoke::<M, S>),
        )
        .route("/roles", axum::routing::post(create_role::<M, S>))
        .route("/roles/{entity}/{name}", delete(delete_role::<M, S>))
        .route(
            "/assignments/{entity}/{id}/{role}/{user}",
            put(assign::<M, S>).delete(unassign::<M, S>),
        )
        .layer(axum::Extension(cfg))
}

/// The admin's tenant, after checking the admin entitlement on it.
async fn admin<M: AccessModel, S: Stores + 'static>(
    access: &Access<M, S>,
    cfg: &AdminConfig<M>,
    authz: &Authz<M, S>,
) -> Result<(String, Arc<DynamicGrants>), Response> {
    let Some(dynamic) = authz.dynamic.clone() else {
        tracing::error!("admin_router is mounted but Authz is not in dynamic mode");
        return Err(
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "dynamic mode is off")
                .into_response(),
        );
    };
    let Some(tenant) = access.ctx.principal().tenant.as_deref().map(str::to_owned) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "tenant_required",
            "the request has no tenant",
        )
        .into_response());
    };
    let data = authz.model.data();
    let ei: access_core::EntitlementId = cfg.entitlement.into();
    let ty = data.entitlements[ei.0 as usize].entity;
    let on = Resource::new(access_core::EntityTypeId(ty), &tenant);
    match access.ctx.check(cfg.entitlement, on).await {
        Ok(d) if d.allowed => Ok((tenant, dynamic)),
        Ok(d) => Err(denied(&d)),
        Err(_) => Err(store_failed()),
    }
}

macro_rules! admin_or_return {
    ($access:ident, $cfg:ident, $authz:ident) => {
        match admin(&$access, &$cfg, &$authz).await {
            Ok(x) => x,
            Err(r) => return r,
        }
    };
}

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

type AdminState<M, S> = (
    Access<M, S>,
    axum::Extension<AdminConfig<M>>,
    State<Authz<M, S>>,
);

async fn list_grants<M: AccessModel, S: Stores + 'static>(
    access: Access<M, S>,
    axum::Extension(cfg): axum::Extension<AdminConfig<M>>,
    State(authz): State<Authz<M, S>>,
) -> Response {
    let (tenant, dynamic) = admin_or_return!(access, cfg, authz);
    match dynamic.tenant(&tenant).await {
        Ok(g) => Json(grants_json(authz.model.data(), &g)).into_response(),
        Err(e) => ChangeError::Db(e).into_response(),
    }
}

async fn grant<M: AccessModel, S: Stores + 'static>(
    access: Access<M, S>,
    axum::Extension(cfg): axum::Extension<AdminConfig<M>>,
    State(authz): State<Authz<M, S>>,
    Path((entitlement, role)): Path<(String, String)>,
) -> Response {
    let (tenant, dynamic) = admin_or_return!(access, cfg, authz);
    match dynamic
        .grant(&tenant, &entitlement, &role, &access.user.id.to_string())
        .await
    {
        Ok(g) => Json(grants_json(authz.model.data(), &g)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn revoke<M: AccessModel, S: Stores + 'static>(
    access: Access<M, S>,
    axum::Extension(cfg): axum::Extension<AdminConfig<M>>,
    State(authz): State<Authz<M, S>>,
    Path((entitlement, role)): Path<(String, String)>,
) -> Response {
    let (tenant, dynamic) = admin_or_return!(access, cfg, authz);
    match dynamic
        .revoke(&tenant, &entitlement, &role, &access.user.id.to_string())
        .await
    {
        Ok(g) => Json(grants_json(authz.model.data(), &g)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Body of `POST /roles`.
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

async fn create_role<M: AccessModel, S: Stores + 'static>(
    access: Access<M, S>,
    axum::Extension(cfg): axum::Extension<AdminConfig<M>>,
    State(authz): State<Authz<M, S>>,
    crate::auth::JsonBody(body): crate::auth::JsonBody<NewRole>,
) -> Response {
    let (tenant, dynamic) = admin_or_return!(access, cfg, authz);
    let ents: Vec<&str> = body.entitlements.iter().map(String::as_str).collect();
    match dynamic
        .create_role(
            &tenant,
            &body.entity,
            &body.name,
            &ents,
            &access.user.id.to_string(),
        )
        .await
    {
        Ok(index) => (
            StatusCode::CREATED,
            Json(serde_json::json!({
                "entity": body.entity,
                "name": body.name,
                "index": index,
                "entitlements": body.entitlements,
            })),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn delete_role<M: AccessModel, S: Stores + 'static>(
    access: Access<M, S>,
    axum::Extension(cfg): axum::Extension<AdminConfig<M>>,
    State(authz): State<Authz<M, S>>,
    Path((entity, name)): Path<(String, String)>,
) -> Response {
    let (tenant, dynamic) = admin_or_return!(access, cfg, authz);
    match dynamic
        .delete_role(&tenant, &entity, &name, &access.user.id.to_string())
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Resolves an assignment's resource and role, and checks the resource is in the tenant.
async fn assignment<M: AccessModel, S: Stores + 'static>(
    ctx: &AccessContext<'static, M, S>,
    authz: &Authz<M, S>,
    g: &Grants,
    tenant: &str,
    (entity, id, role): (&str, &str, &str),
    tenant_type: u16,
) -> Result<(access_core::EntityTypeId, u16), Response> {
    let data = authz.model.data();
    let refuse = |e: GrantError| ChangeError::Refused(e).into_response();
    let ty = Grants::entity(data, entity).map_err(refuse)?;
    let r = g.role(data, ty, role).map_err(refuse)?;
    let ty = access_core::EntityTypeId(ty);
    let in_tenant = if ty.0 == tenant_type && id == tenant {
        true
    } else {
        match ctx.stores().ancestors(Resource::new(ty, id)).await {
            Ok(anc) => anc
                .iter()
                .any(|(a, _)| a.ty.0 == tenant_type && &*a.id == tenant),
            Err(_) => return Err(store_failed()),
        }
    };
    if !in_tenant {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such resource in this tenant",
        )
        .into_response());
    }
    Ok((ty, r))
}

async fn assign_or_unassign<M: AccessModel, S: Stores + 'static>(
    (access, axum::Extension(cfg), State(authz)): AdminState<M, S>,
    (entity, id, role, user): (String, String, String, String),
    on: bool,
) -> Response {
    let (tenant, dynamic) = admin_or_return!(access, cfg, authz);
    let g = match dynamic.tenant(&tenant).await {
        Ok(g) => g,
        Err(e) => return ChangeError::Db(e).into_response(),
    };
    let ei: access_core::EntitlementId = cfg.entitlement.into();
    let tenant_type = authz.model.data().entitlements[ei.0 as usize].entity;
    let (ty, r) = match assignment(
        &access.ctx,
        &authz,
        &g,
        &tenant,
        (&entity, &id, &role),
        tenant_type,
    )
    .await
    {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let stores = access.ctx.stores();
    let res = if on {
        stores.assign(&user, Resource::new(ty, &id), r).await
    } else {
        stores.revoke(&user, Resource::new(ty, &id), r).await
    };
    match res {
        Ok(()) => {
            tracing::info!(tenant, entity, id, role, user, assigned = on, by = %access.user.id, "access: assignment changed");
            StatusCode::NO_CONTENT.into_response()
        }
        Err(_) => store_failed(),
    }
}

async fn assign<M: AccessModel, S: Stores + 'static>(
    access: Access<M, S>,
    cfg: axum::Extension<AdminConfig<M>>,
    authz: State<Authz<M, S>>,
    Path(p): Path<(String, String, String, String)>,
) -> Response {
    assign_or_unassign((access, cfg, authz), p, true).await
}

async fn unassign<M: AccessModel, S: Stores + 'static>(
    access: Access<M, S>,
    cfg: axum::Extension<AdminConfig<M>>,
    authz: State<Authz<M, S>>,
    Path(p): Path<(String, String, String, String)>,
) -> Response {
    assign_or_unassign((access, cfg, authz), p, false).await
}
