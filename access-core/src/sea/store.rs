//! Every store in the database through sea-orm (SQLite or PostgreSQL): role assignments with
//! optional validity windows, the resource hierarchy as parent links plus a closure table,
//! subscriptions, flags and usage wallets. This file holds [`SeaStore`] and its plan, flag and
//! wallet stores; the role store (ancestries) is in `ancestry.rs`, the closure-table upkeep in
//! `closure.rs`, the tables in `tables.rs`.

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr, Value};

use super::names::Names;
use super::tables::{backend, exec, get, migrate, query, s};
use super::wallet::SeaWallet;
use super::write::{begin_write, retry_writes};
use crate::model::{AccessModel, FlagId, LimitId, PlanId, RoleSet};
use crate::store::{
    Charge, FlagStore, RoleCheck, StoreError, StoreErrorKind, StoreResult, Subscription,
    SubscriptionStore, TenantPlans, WalletStore,
};
use crate::time::Timestamp;

/// Every store in the database. Create the tables with [`SeaStore::migrate`].
///
/// * `ancestry` is **one query**: the closure rows of the resource joined with the parent links
///   and the user's assignments valid now; `ancestries` (for `can_all`) is one query for any
///   number of resources.
/// * The closure table is kept by `add_resource`, `set_parents` (the moved resource's
///   descendants move with it, in the same transaction; a move that would make a resource its
///   own ancestor is refused) and `remove_resource`.
/// * Wallets are [`SeaWallet`]: one conditional statement per unit.
/// * Subscriptions, overrides and flags are read at every check: a change counts at the next one.
/// * Names, not indices, are stored (entity types, roles, plans, flags, limits), so adding or
///   reordering declarations in the model keeps the data meaningful. Custom roles of dynamic
///   mode, which have no name in the model, are stored as `#<index>`.
///
/// # Examples
/// ```
/// use access_core::sea::SeaStore;
/// use access_core::{AccessContext, ClosureStore, Principal, Resource, RoleStore};
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [owner] }
///     entitlements { "project:edit" on project => roles [owner] }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// let store = SeaStore::new(&Access, db);
/// store.migrate().await.unwrap();
/// let p1 = Resource::new(EntityType::Project, "p1");
/// store.add_resource(p1, &[]).await.unwrap();
/// store.assign("ann", p1, 0).await.unwrap();
///
/// let ann = AccessContext::new(&Access, &store, Principal::new("ann"));
/// assert!(ann.can(Entitlement::ProjectEdit, p1).await.unwrap());
/// let bob = AccessContext::new(&Access, &store, Principal::new("bob"));
/// assert!(!bob.can(Entitlement::ProjectEdit, p1).await.unwrap());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SeaStore {
    pub(super) db: DatabaseConnection,
    pub(super) names: Arc<Names>,
    pub(super) roles: RoleCheck,
    wallet: SeaWallet,
    /// Ancestries and tenant state remembered across requests ([`SeaStore::with_read_cache`]).
    pub(super) read_cache: Option<Arc<super::read_cache::ReadCache>>,
}

impl SeaStore {
    /// Stores for `model` in `db`.
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessModel;
    /// use access_core::sea::SeaStore;
    /// use sea_orm::{Database, DbErr};
    ///
    /// async fn open<M: AccessModel>(model: &M, url: &str) -> Result<SeaStore, DbErr> {
    ///     let store = SeaStore::new(model, Database::connect(url).await?);
    ///     store.migrate().await?;
    ///     Ok(store)
    /// }
    /// ```
    pub fn new<M: AccessModel>(model: &M, db: DatabaseConnection) -> Self {
        let data = Arc::new(model.data().clone());
        Self {
            // One copy of the model's tables, shared by the names and the role check.
            names: Arc::new(Names::new(Arc::clone(&data))),
            roles: RoleCheck::model(data),
            wallet: SeaWallet::new(model, db.clone()),
            db,
            read_cache: None,
        }
    }

    /// Remembers, for at most `ttl`, what `can` reads on every request: each resource's
    /// ancestry with the user's roles on it, and each tenant's flags and plans. A warm request
    /// then sends no statement for them (a guarded read sends only its own row's).
    ///
    /// What stays exact: every write through this store or its clones drops every entry when
    /// it ends, and a read under way across a write is not kept; after a write in the caller's
    /// transaction (`create_resource_in`, `remove_resource_in`), nothing is kept for `ttl`
    /// (it commits later). What may lag by up to `ttl`: writes this process does not make
    /// (another app instance on the same database, SQL by hand: call
    /// [`SeaStore::clear_read_cache`] after those), and timed assignments opening or closing.
    /// At most 100,000 entries of each kind; a full cache starts over. Without this call
    /// nothing is cached and every check reads the database.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use access_core::AccessModel;
    /// use access_core::sea::SeaStore;
    /// use sea_orm::DatabaseConnection;
    ///
    /// fn store<M: AccessModel>(model: &M, db: DatabaseConnection) -> SeaStore {
    ///     // One instance, or several that tolerate a revocation taking effect 1 s late.
    ///     SeaStore::new(model, db).with_read_cache(Duration::from_secs(1))
    /// }
    /// ```
    #[must_use]
    pub fn with_read_cache(self, ttl: std::time::Duration) -> Self {
        Self {
            read_cache: Some(Arc::new(super::read_cache::ReadCache::new(ttl))),
            ..self
        }
    }

    /// A guard that drops the read cache's entries when the write it is held across ends
    /// (after its commit).
    pub(super) fn invalidates(&self) -> InvalidateOnDrop<'_> {
        InvalidateOnDrop {
            store: self,
            hold: false,
        }
    }

    /// [`SeaStore::invalidates`] for a write in the caller's transaction: nothing is cached
    /// for the cache's time to live after it either.
    pub(super) fn invalidates_in_caller_txn(&self) -> InvalidateOnDrop<'_> {
        InvalidateOnDrop {
            store: self,
            hold: true,
        }
    }

    /// Drops what [`SeaStore::with_read_cache`] remembers: call it after writing the access
    /// tables some other way. Does nothing without a read cache.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    ///
    /// fn after_an_import(store: &SeaStore) {
    ///     store.clear_read_cache();
    /// }
    /// ```
    pub fn clear_read_cache(&self) {
        if let Some(c) = &self.read_cache {
            c.invalidate();
        }
    }

    /// Lets role indices past the model's roles (up to 63) through `assign`, `assign_during` and
    /// `revoke`: custom roles, created at run time, take them (stored as `#index`). Without it
    /// an index that is not a role of the resource's entity type is refused
    /// ([`StoreErrorKind::InvalidRequest`](crate::StoreErrorKind::InvalidRequest)), the error
    /// naming the valid roles.
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessModel;
    /// use access_core::sea::SeaStore;
    /// use sea_orm::DatabaseConnection;
    ///
    /// fn with_custom_roles<M: AccessModel>(model: &M, db: DatabaseConnection) -> SeaStore {
    ///     SeaStore::new(model, db).with_custom_roles() // for access-axum's custom roles
    /// }
    /// ```
    #[must_use]
    pub fn with_custom_roles(self) -> Self {
        Self {
            roles: self.roles.with_custom_roles(),
            ..self
        }
    }

    /// Creates the tables and indexes that do not exist yet. Safe at every startup.
    ///
    /// # Errors
    /// The database refused a statement.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    /// use sea_orm::DbErr;
    ///
    /// async fn startup(store: &SeaStore) -> Result<(), DbErr> {
    ///     store.migrate().await // the tables that are missing; nothing else changes
    /// }
    /// ```
    pub async fn migrate(&self) -> Result<(), DbErr> {
        migrate(&self.db).await
    }

    /// The database connection.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    /// use sea_orm::{ConnectionTrait, DbErr, Statement};
    ///
    /// // Your own queries, on the same database.
    /// async fn resources(store: &SeaStore) -> Result<i64, DbErr> {
    ///     let db = store.db();
    ///     let sql = "SELECT COUNT(*) AS n FROM access_resources";
    ///     let stmt = Statement::from_string(db.get_database_backend(), sql);
    ///     let row = db.query_one_raw(stmt).await?;
    ///     row.map_or(Ok(0), |r| r.try_get("", "n"))
    /// }
    /// ```
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

impl SubscriptionStore for SeaStore {
    async fn tenant_plans(&self, tenant: &str) -> StoreResult<TenantPlans> {
        let rows = query(
            &self.db,
            "SELECT plan, grp, started_at, ends_at FROM access_subscriptions WHERE tenant = ? ORDER BY started_at, plan",
            vec![s(tenant)],
        )
        .await?;
        let mut out = TenantPlans::default();
        for r in rows {
            let name: String = get(&r, "plan")?;
            let Some(i) = self.names.data.plan_index(&name) else {
                continue;
            };
            let sub = Subscription {
                plan: PlanId(i),
                started_at: get(&r, "started_at")?,
                ends_at: get(&r, "ends_at")?,
            };
            if get::<Option<String>>(&r, "grp")?.is_some() {
                out.base.push(sub);
            } else {
                out.add_ons.push(sub);
            }
        }
        let rows = query(
            &self.db,
            "SELECT limit_name, max_units FROM access_overrides WHERE tenant = ? ORDER BY limit_name",
            vec![s(tenant)],
        )
        .await?;
        for r in rows {
            let name: String = get(&r, "limit_name")?;
            if let Some(i) = self.names.data.limit_index(&name) {
                let max: i64 = get(&r, "max_units")?;
                out.overrides
                    .push((LimitId(i), u64::try_from(max).unwrap_or(0)));
            }
        }
        Ok(out)
    }

    /// Flags, subscriptions and overrides in one statement (`UNION ALL`, one row kind each).
    async fn tenant_state(&self, tenant: &str) -> StoreResult<(RoleSet, TenantPlans)> {
        let generation = match &self.read_cache {
            Some(c) => {
                if let Some(v) = c.tenant(tenant) {
                    return Ok(v);
                }
                Some(c.generation())
            }
            None => None,
        };
        let v = self.tenant_state_uncached(tenant).await?;
        if let (Some(c), Some(g)) = (&self.read_cache, generation) {
            c.put_tenant(tenant, g, &v);
        }
        Ok(v)
    }

    async fn set_base_plan(&self, tenant: &str, group: u16, sub: Subscription) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        let plan = self.names.plan(sub.plan)?;
        let grp: &str = self.names.data.groups.get(group as usize).ok_or_else(|| {
            StoreError::new(
                StoreErrorKind::InvalidRequest,
                "plan group is not in the model",
            )
        })?;
        if self.names.plan_group(sub.plan) != Some(grp) {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!("plan `{plan}` is not a base plan of group `{grp}`"),
            ));
        }
        let txn = retry_writes(|| begin_write(&self.db))
            .await
            .map_err(backend)?;
        exec(
            &txn,
            "DELETE FROM access_subscriptions WHERE tenant = ? AND grp = ?",
            vec![s(tenant), s(grp)],
        )
        .await?;
        exec(
            &txn,
            "INSERT INTO access_subscriptions (tenant, plan, grp, started_at, ends_at) VALUES (?, ?, ?, ?, ?)",
            vec![s(tenant), s(plan), s(grp), Value::from(sub.started_at), Value::from(sub.ends_at)],
        )
        .await?;
        txn.commit().await.map_err(backend)
    }

    async fn add_add_on(&self, tenant: &str, sub: Subscription) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        let plan = self.names.plan(sub.plan)?;
        if self.names.plan_group(sub.plan).is_some() {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!("plan `{plan}` is a base plan, not an add-on"),
            ));
        }
        exec(
            &self.db,
            "INSERT INTO access_subscriptions (tenant, plan, grp, started_at, ends_at) VALUES (?, ?, NULL, ?, ?) \
             ON CONFLICT (tenant, plan) DO UPDATE SET started_at = excluded.started_at, ends_at = excluded.ends_at",
            vec![s(tenant), s(plan), Value::from(sub.started_at), Value::from(sub.ends_at)],
        )
        .await?;
        Ok(())
    }

    async fn remove_add_on(&self, tenant: &str, plan: PlanId) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        let Ok(name) = self.names.plan(plan) else {
            return Ok(());
        };
        exec(
            &self.db,
            "DELETE FROM access_subscriptions WHERE tenant = ? AND plan = ? AND grp IS NULL",
            vec![s(tenant), s(name)],
        )
        .await?;
        Ok(())
    }

    async fn set_override(
        &self,
        tenant: &str,
        limit: LimitId,
        max: Option<u64>,
    ) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        let name = self
            .names
            .data
            .limits
            .get(limit.0 as usize)
            .map(|l| &l.name)
            .ok_or_else(|| {
                StoreError::new(StoreErrorKind::InvalidRequest, "limit is not in the model")
            })?;
        match max {
            None => {
                exec(
                    &self.db,
                    "DELETE FROM access_overrides WHERE tenant = ? AND limit_name = ?",
                    vec![s(tenant), s(name)],
                )
                .await?;
            }
            Some(m) => {
                exec(
                    &self.db,
                    "INSERT INTO access_overrides (tenant, limit_name, max_units) VALUES (?, ?, ?) \
                     ON CONFLICT (tenant, limit_name) DO UPDATE SET max_units = excluded.max_units",
                    vec![
                        s(tenant),
                        s(name),
                        Value::from(i64::try_from(m).unwrap_or(i64::MAX)),
                    ],
                )
                .await?;
            }
        }
        Ok(())
    }
}

impl FlagStore for SeaStore {
    async fn tenant_flags(&self, tenant: &str) -> StoreResult<RoleSet> {
        let rows = query(
            &self.db,
            "SELECT flag FROM access_flags WHERE tenant = ?",
            vec![s(tenant)],
        )
        .await?;
        let mut set = RoleSet::EMPTY;
        for r in rows {
            let name: String = get(&r, "flag")?;
            if let Some(i) = self.names.data.flag_index(&name) {
                set.insert(i as usize);
            }
        }
        Ok(set)
    }

    async fn set_flag(&self, tenant: &str, flag: FlagId, on: bool) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        let name = self.names.data.flags.get(flag.0 as usize).ok_or_else(|| {
            StoreError::new(StoreErrorKind::InvalidRequest, "flag is not in the model")
        })?;
        let sql = if on {
            "INSERT INTO access_flags (tenant, flag) VALUES (?, ?) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM access_flags WHERE tenant = ? AND flag = ?"
        };
        exec(&self.db, sql, vec![s(tenant), s(name)]).await?;
        Ok(())
    }
}

impl WalletStore for SeaStore {
    async fn used(
        &self,
        tenant: &str,
        limit: LimitId,
        period_start: Timestamp,
    ) -> StoreResult<u64> {
        self.wallet.used(tenant, limit, period_start).await
    }
    async fn consume(&self, tenant: &str, charges: &[Charge]) -> StoreResult<bool> {
        self.wallet.consume(tenant, charges).await
    }
    async fn unconsume(&self, tenant: &str, charges: &[Charge]) -> StoreResult<()> {
        self.wallet.unconsume(tenant, charges).await
    }
}

impl SeaStore {
    async fn tenant_state_uncached(&self, tenant: &str) -> StoreResult<(RoleSet, TenantPlans)> {
        let rows = query(
            &self.db,
            // Typed NULLs: PostgreSQL resolves a UNION's column types branch by branch.
            "SELECT 'f' AS kind, flag AS name, CAST(NULL AS VARCHAR(64)) AS grp, \
               CAST(NULL AS BIGINT) AS started_at, CAST(NULL AS BIGINT) AS ends_at, \
               CAST(NULL AS BIGINT) AS max_units FROM access_flags WHERE tenant = ? \
             UNION ALL SELECT 's', plan, grp, started_at, ends_at, CAST(NULL AS BIGINT) \
               FROM access_subscriptions WHERE tenant = ? \
             UNION ALL SELECT 'o', limit_name, CAST(NULL AS VARCHAR(64)), CAST(NULL AS BIGINT), \
               CAST(NULL AS BIGINT), max_units \
               FROM access_overrides WHERE tenant = ? \
             ORDER BY kind, started_at, name",
            vec![s(tenant), s(tenant), s(tenant)],
        )
        .await?;
        let (mut flags, mut plans) = (RoleSet::EMPTY, TenantPlans::default());
        for r in rows {
            let name: String = get(&r, "name")?;
            match get::<String>(&r, "kind")?.as_str() {
                "f" => {
                    if let Some(i) = self.names.data.flag_index(&name) {
                        flags.insert(i as usize);
                    }
                }
                "s" => {
                    let Some(i) = self.names.data.plan_index(&name) else {
                        continue;
                    };
                    let sub = Subscription {
                        plan: PlanId(i),
                        started_at: get::<Option<Timestamp>>(&r, "started_at")?.unwrap_or(0),
                        ends_at: get(&r, "ends_at")?,
                    };
                    if get::<Option<String>>(&r, "grp")?.is_some() {
                        plans.base.push(sub);
                    } else {
                        plans.add_ons.push(sub);
                    }
                }
                _ => {
                    if let Some(i) = self.names.data.limit_index(&name) {
                        let max = get::<Option<i64>>(&r, "max_units")?.unwrap_or(0);
                        plans
                            .overrides
                            .push((LimitId(i), u64::try_from(max).unwrap_or(0)));
                    }
                }
            }
        }
        Ok((flags, plans))
    }
}

/// See [`SeaStore::invalidates`].
pub(super) struct InvalidateOnDrop<'a> {
    store: &'a SeaStore,
    hold: bool,
}

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(c) = &self.store.read_cache {
            if self.hold {
                c.invalidate_and_hold();
            } else {
                c.invalidate();
            }
        }
    }
}
