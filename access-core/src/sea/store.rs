//! Every store in the database through sea-orm (SQLite or PostgreSQL): role assignments with
//! optional validity windows, the resource hierarchy as parent links plus a closure table,
//! subscriptions, flags and usage wallets.
//!
//! Names, not indices, are stored (entity types, roles, plans, flags, limits), so adding or
//! reordering declarations in the model keeps the data meaningful. Custom roles of dynamic mode,
//! which have no name in the model, are stored as `#<index>`.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement,
    TransactionSession, TransactionTrait, Value,
};

use super::wallet::SeaWallet;
use crate::model::{AccessModel, EntityTypeId, FlagId, LimitId, ModelData, PlanId, RoleSet};
use crate::store::{
    Ancestry, AncestryNode, Charge, ClosureStore, FlagStore, Resource, ResourceRef, RoleStore,
    StoreError, StoreErrorKind, StoreResult, Subscription, SubscriptionStore, TenantPlans,
    WalletStore,
};
use crate::time::{self, Timestamp};

/// Most nodes an ancestry may hold (as `MemoryStore`).
const MAX_ANCESTRY: usize = crate::memory::MAX_ANCESTRY;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS access_resources (ty VARCHAR(64) NOT NULL, id VARCHAR(255) NOT NULL, PRIMARY KEY (ty, id))",
    "CREATE TABLE IF NOT EXISTS access_parents (child_ty VARCHAR(64) NOT NULL, child_id VARCHAR(255) NOT NULL, parent_ty VARCHAR(64) NOT NULL, parent_id VARCHAR(255) NOT NULL, PRIMARY KEY (child_ty, child_id, parent_ty, parent_id))",
    "CREATE INDEX IF NOT EXISTS access_parents_parent ON access_parents (parent_ty, parent_id)",
    "CREATE TABLE IF NOT EXISTS access_closure (desc_ty VARCHAR(64) NOT NULL, desc_id VARCHAR(255) NOT NULL, anc_ty VARCHAR(64) NOT NULL, anc_id VARCHAR(255) NOT NULL, depth INTEGER NOT NULL, PRIMARY KEY (desc_ty, desc_id, anc_ty, anc_id))",
    "CREATE INDEX IF NOT EXISTS access_closure_anc ON access_closure (anc_ty, anc_id, desc_ty)",
    "CREATE TABLE IF NOT EXISTS access_assignments (user_id VARCHAR(255) NOT NULL, res_ty VARCHAR(64) NOT NULL, res_id VARCHAR(255) NOT NULL, role VARCHAR(64) NOT NULL, starts_at BIGINT NULL, expires_at BIGINT NULL, PRIMARY KEY (user_id, res_ty, res_id, role))",
    "CREATE INDEX IF NOT EXISTS access_assignments_res ON access_assignments (res_ty, res_id)",
    "CREATE TABLE IF NOT EXISTS access_user_roles (user_id VARCHAR(255) NOT NULL, role VARCHAR(64) NOT NULL, PRIMARY KEY (user_id, role))",
    "CREATE TABLE IF NOT EXISTS access_subscriptions (tenant VARCHAR(255) NOT NULL, plan VARCHAR(64) NOT NULL, grp VARCHAR(64) NULL, started_at BIGINT NOT NULL, ends_at BIGINT NULL, PRIMARY KEY (tenant, plan))",
    "CREATE TABLE IF NOT EXISTS access_overrides (tenant VARCHAR(255) NOT NULL, limit_name VARCHAR(64) NOT NULL, max_units BIGINT NOT NULL, PRIMARY KEY (tenant, limit_name))",
    "CREATE TABLE IF NOT EXISTS access_flags (tenant VARCHAR(255) NOT NULL, flag VARCHAR(64) NOT NULL, PRIMARY KEY (tenant, flag))",
];

fn backend(e: DbErr) -> StoreError {
    StoreError::new(StoreErrorKind::Backend, e.to_string())
}

fn not_found(r: Resource<'_>, ty: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::NotFound,
        format!("resource {ty}:{} not found", r.id),
    )
}

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
    db: DatabaseConnection,
    names: Arc<Names>,
    wallet: SeaWallet,
}

/// The model's tables, with hash maps for the names the hot path looks up (entity types and
/// roles); everything else is looked up in [`ModelData`] itself.
#[derive(Debug)]
struct Names {
    data: ModelData,
    entity_index: HashMap<String, u16>,
    role_index: Vec<HashMap<String, u16>>,
}

impl Names {
    fn new(d: &ModelData) -> Self {
        Self {
            entity_index: d
                .entities
                .iter()
                .enumerate()
                .map(|(i, e)| (e.name.to_string(), i as u16))
                .collect(),
            role_index: d
                .entities
                .iter()
                .map(|e| {
                    e.roles
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (r.to_string(), i as u16))
                        .collect()
                })
                .collect(),
            data: d.clone(),
        }
    }

    fn plan(&self, p: PlanId) -> StoreResult<&str> {
        self.data
            .plans
            .get(p.0 as usize)
            .map(|p| &*p.name)
            .ok_or_else(|| {
                StoreError::new(StoreErrorKind::InvalidRequest, "plan is not in the model")
            })
    }

    /// The group name of plan `p` (`None` for add-ons).
    fn plan_group(&self, p: PlanId) -> Option<&str> {
        let g = self.data.plans.get(p.0 as usize)?.group?;
        self.data.groups.get(g as usize).map(|g| &**g)
    }

    fn entity(&self, ty: EntityTypeId) -> StoreResult<&str> {
        self.data
            .entities
            .get(ty.0 as usize)
            .map(|e| &*e.name)
            .ok_or_else(|| {
                StoreError::new(
                    StoreErrorKind::InvalidRequest,
                    format!("entity type #{} is not in the model", ty.0),
                )
            })
    }

    fn role_name(&self, ty: u16, role: u16) -> String {
        self.data
            .entities
            .get(ty as usize)
            .and_then(|e| e.roles.get(role as usize))
            .map_or_else(|| format!("#{role}"), |r| r.to_string())
    }

    fn role_of(&self, ty: u16, name: &str) -> Option<u16> {
        if let Some(i) = self.role_index.get(ty as usize)?.get(name) {
            return Some(*i);
        }
        // A custom role is stored as `#index`, its index after the model's roles. An index the
        // model has since given to a role of its own is not read as that role: an assignment
        // of an old custom role never turns into a model role.
        let model_roles = self.data.entities.get(ty as usize)?.roles.len();
        name.strip_prefix('#')?
            .parse::<u16>()
            .ok()
            .filter(|i| usize::from(*i) >= model_roles && *i < 64)
    }
}

/// `?` placeholders, numbered for PostgreSQL.
fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        Statement::from_sql_and_values(backend, out, values)
    } else {
        Statement::from_sql_and_values(backend, sql, values)
    }
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> StoreResult<T> {
    row.try_get::<T>("", col).map_err(backend)
}

/// One row of an ancestry query: node type, node id, one parent (type, id), one role.
type AncestryRow = (String, String, Option<(String, String)>, Option<String>);

/// Whether an id can be stored: PostgreSQL text cannot hold NUL, so such an id names no
/// resource (reads) and is refused (writes) on every backend alike.
fn storable(id: &str) -> bool {
    !id.contains('\0')
}

fn s(v: &str) -> Value {
    Value::from(v.to_owned())
}

impl SeaStore {
    /// Stores for `model` in `db`.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    /// use access_core::{ClosureStore, Resource, StoreErrorKind};
    ///
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// let store = SeaStore::new(&Access, db);
    /// store.migrate().await.unwrap();
    /// store.add_resource(Resource::new(EntityType::Project, "p1"), &[]).await.unwrap();
    /// // Entity types are stored by name: one the model lacks is refused.
    /// let err = store
    ///     .add_resource(Resource::new(access_core::EntityTypeId(9), "x"), &[])
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.kind, StoreErrorKind::InvalidRequest);
    /// # }
    /// ```
    pub fn new<M: AccessModel>(model: &M, db: DatabaseConnection) -> Self {
        Self {
            names: Arc::new(Names::new(model.data())),
            wallet: SeaWallet::new(model, db.clone()),
            db,
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
    /// use sea_orm::{ConnectionTrait, DbBackend, Statement};
    ///
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// let store = SeaStore::new(&Access, db);
    /// store.migrate().await.unwrap();
    /// store.migrate().await.unwrap(); // again at the next startup: nothing changes
    /// let tables = store
    ///     .db()
    ///     .query_all_raw(Statement::from_string(
    ///         DbBackend::Sqlite,
    ///         "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'access_%'",
    ///     ))
    ///     .await
    ///     .unwrap();
    /// assert!(tables.len() >= 8);
    /// # }
    /// ```
    pub async fn migrate(&self) -> Result<(), DbErr> {
        migrate(&self.db).await
    }

    /// The database connection.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    /// use access_core::{ClosureStore, Resource};
    /// use sea_orm::{ConnectionTrait, DbBackend, Statement};
    ///
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// let store = SeaStore::new(&Access, db);
    /// store.migrate().await.unwrap();
    /// store.add_resource(Resource::new(EntityType::Project, "p1"), &[]).await.unwrap();
    /// // Your own queries, on the same database.
    /// let row = store
    ///     .db()
    ///     .query_one_raw(Statement::from_string(
    ///         DbBackend::Sqlite,
    ///         "SELECT ty, id FROM access_resources",
    ///     ))
    ///     .await
    ///     .unwrap()
    ///     .unwrap();
    /// assert_eq!(row.try_get::<String>("", "ty").unwrap(), "project");
    /// assert_eq!(row.try_get::<String>("", "id").unwrap(), "p1");
    /// # }
    /// ```
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Creates `resource` under `parents` through `db`: a transaction of the application's (the
    /// statements run in a savepoint of it and commit or roll back with it) or another
    /// connection. For a resource created with a row of the application's own, in the row's
    /// transaction (on SQLite a second connection could not write while that transaction holds
    /// the database). Unlike [`ClosureStore::add_resource`], which moves an existing resource
    /// under the new parents, an existing resource is refused: creating a row must not take
    /// over a resource someone else placed.
    ///
    /// # Errors
    /// [`StoreErrorKind::AlreadyExists`] when the resource exists; otherwise as
    /// [`ClosureStore::add_resource`] (an unknown parent is `NotFound`).
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    /// use access_core::{ClosureStore, Resource, StoreErrorKind};
    /// use sea_orm::TransactionTrait;
    ///
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin] }
    /// #     entity project { roles: [owner], inherits: { workspace:admin => owner } }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// let store = SeaStore::new(&Access, db.clone());
    /// store.migrate().await.unwrap();
    /// let (ws1, ws2) = (Resource::new(EntityType::Workspace, "ws1"), Resource::new(EntityType::Workspace, "ws2"));
    /// let (p1, p2) = (Resource::new(EntityType::Project, "p1"), Resource::new(EntityType::Project, "p2"));
    /// store.add_resource(ws1, &[]).await.unwrap();
    /// store.add_resource(ws2, &[]).await.unwrap();
    ///
    /// // Rolled back with the transaction it was written in.
    /// let txn = db.begin().await.unwrap();
    /// store.create_resource_in(&txn, p1, &[ws1]).await.unwrap();
    /// txn.rollback().await.unwrap();
    /// assert!(store.ancestors(p1).await.is_err());
    /// // Committed with it.
    /// let txn = db.begin().await.unwrap();
    /// store.create_resource_in(&txn, p2, &[ws1]).await.unwrap();
    /// txn.commit().await.unwrap();
    /// assert_eq!(&*store.ancestors(p2).await.unwrap()[0].0.id, "ws1");
    /// // Once it exists, it is not created again (nor moved).
    /// let err = store.create_resource_in(&db, p2, &[ws2]).await.unwrap_err();
    /// assert_eq!(err.kind, StoreErrorKind::AlreadyExists);
    /// assert_eq!(&*store.ancestors(p2).await.unwrap()[0].0.id, "ws1");
    /// # }
    /// ```
    pub async fn create_resource_in<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> StoreResult<()> {
        self.put_resource_in(db, resource, parents, true).await
    }

    /// Adds `resource` under `parents`; an existing one moves there unless `create_only`.
    async fn put_resource_in<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
        create_only: bool,
    ) -> StoreResult<()> {
        let ty = self.names.entity(resource.ty)?;
        if !storable(resource.id) {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                "a resource id cannot contain NUL",
            ));
        }
        let txn = db.begin().await.map_err(backend)?;
        for p in parents {
            let pt = self.names.entity(p.ty)?;
            if !Self::exists(&txn, pt, p.id).await? {
                return Err(not_found(*p, pt));
            }
        }
        if Self::exists(&txn, ty, resource.id).await? {
            if create_only {
                return Err(StoreError::new(
                    StoreErrorKind::AlreadyExists,
                    format!("{ty}:{} exists already", resource.id),
                ));
            }
            self.set_parents_in(&txn, resource, parents).await?;
        } else {
            Self::exec(
                &txn,
                "INSERT INTO access_resources (ty, id) VALUES (?, ?)",
                vec![s(ty), s(resource.id)],
            )
            .await?;
            Self::exec(
                &txn,
                "INSERT INTO access_closure (desc_ty, desc_id, anc_ty, anc_id, depth) VALUES (?, ?, ?, ?, 0)",
                vec![s(ty), s(resource.id), s(ty), s(resource.id)],
            )
            .await?;
            for p in parents {
                let pt = self.names.entity(p.ty)?;
                Self::exec(
                    &txn,
                    "INSERT INTO access_parents (child_ty, child_id, parent_ty, parent_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    vec![s(ty), s(resource.id), s(pt), s(p.id)],
                )
                .await?;
            }
            Self::link(&txn, ty, resource.id).await?;
        }
        txn.commit().await.map_err(backend)
    }

    /// [`ClosureStore::remove_resource`] through `db` (see [`SeaStore::create_resource_in`]).
    ///
    /// # Errors
    /// As [`ClosureStore::remove_resource`].
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    /// use access_core::{ClosureStore, Resource};
    /// use sea_orm::TransactionTrait;
    ///
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// let store = SeaStore::new(&Access, db.clone());
    /// store.migrate().await.unwrap();
    /// let p1 = Resource::new(EntityType::Project, "p1");
    /// store.add_resource(p1, &[]).await.unwrap();
    /// let txn = db.begin().await.unwrap();
    /// store.remove_resource_in(&txn, p1).await.unwrap();
    /// txn.commit().await.unwrap();
    /// assert!(store.ancestors(p1).await.is_err());
    /// # }
    /// ```
    pub async fn remove_resource_in<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        resource: Resource<'_>,
    ) -> StoreResult<()> {
        let ty = self.names.entity(resource.ty)?;
        let txn = db.begin().await.map_err(backend)?;
        if !Self::exists(&txn, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        let below = Self::descendants(&txn, ty, resource.id).await?;
        let key = || vec![s(ty), s(resource.id)];
        for sql in [
            "DELETE FROM access_parents WHERE child_ty = ? AND child_id = ?",
            "DELETE FROM access_parents WHERE parent_ty = ? AND parent_id = ?",
            "DELETE FROM access_closure WHERE desc_ty = ? AND desc_id = ?",
            "DELETE FROM access_closure WHERE anc_ty = ? AND anc_id = ?",
            "DELETE FROM access_assignments WHERE res_ty = ? AND res_id = ?",
            "DELETE FROM access_resources WHERE ty = ? AND id = ?",
        ] {
            Self::exec(&txn, sql, key()).await?;
        }
        Self::rebuild(&txn, &below).await?;
        txn.commit().await.map_err(backend)
    }

    async fn query<C: ConnectionTrait>(
        db: &C,
        sql: &str,
        values: Vec<Value>,
    ) -> StoreResult<Vec<QueryResult>> {
        db.query_all_raw(stmt(db.get_database_backend(), sql, values))
            .await
            .map_err(backend)
    }

    async fn exec<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> StoreResult<u64> {
        db.execute_raw(stmt(db.get_database_backend(), sql, values))
            .await
            .map(|r| r.rows_affected())
            .map_err(backend)
    }

    async fn exists<C: ConnectionTrait>(db: &C, ty: &str, id: &str) -> StoreResult<bool> {
        if !storable(id) {
            return Ok(false);
        }
        Ok(!Self::query(
            db,
            "SELECT 1 AS x FROM access_resources WHERE ty = ? AND id = ?",
            vec![s(ty), s(id)],
        )
        .await?
        .is_empty())
    }

    /// Builds an ancestry from `(node type, node id, parent type, parent id, role)` rows.
    fn build(
        &self,
        start: Resource<'_>,
        rows: &[AncestryRow],
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        out.clear();
        if rows.is_empty() {
            out.nodes.push(AncestryNode {
                ty: start.ty,
                id: out.want_ids.then(|| Arc::from(start.id)),
                roles: RoleSet::EMPTY,
                parents: (0, 0),
            });
            return Ok(());
        }
        out.found = true;
        // Nodes by key, with their parent keys and roles.
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        let mut nodes: Vec<(u16, &str, Vec<usize>, RoleSet)> = Vec::new();
        for (ty, id, _, _) in rows {
            if !index.contains_key(&(ty.as_str(), id.as_str())) {
                let Some(&t) = self.names.entity_index.get(ty) else {
                    continue;
                };
                index.insert((ty, id), nodes.len());
                nodes.push((t, id, Vec::new(), RoleSet::EMPTY));
            }
        }
        if nodes.len() > MAX_ANCESTRY {
            return Err(StoreError::new(
                StoreErrorKind::InvalidAncestry,
                format!("ancestry larger than {MAX_ANCESTRY} resources"),
            ));
        }
        for (ty, id, parent, role) in rows {
            let Some(&n) = index.get(&(ty.as_str(), id.as_str())) else {
                continue;
            };
            if let Some((pt, pi)) = parent
                && let Some(&p) = index.get(&(pt.as_str(), pi.as_str()))
                && !nodes[n].2.contains(&p)
            {
                nodes[n].2.push(p);
            }
            if let Some(r) = role
                && let Some(i) = self.names.role_of(nodes[n].0, r)
            {
                nodes[n].3.insert(i as usize);
            }
        }
        let Some(&root) = index.get(&(self.names.entity(start.ty)?, start.id)) else {
            return Err(StoreError::new(
                StoreErrorKind::InvalidAncestry,
                "the closure table has no row for the resource itself",
            ));
        };
        // Depth-first over parents from the resource; reversed post-order puts every parent
        // after its children.
        let mut order: Vec<usize> = Vec::with_capacity(nodes.len());
        let mut seen = vec![false; nodes.len()];
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        seen[root] = true;
        while let Some((n, next)) = stack.last_mut() {
            if let Some(&p) = nodes[*n].2.get(*next) {
                *next += 1;
                if !seen[p] {
                    seen[p] = true;
                    stack.push((p, 0));
                }
            } else {
                order.push(*n);
                stack.pop();
            }
        }
        order.reverse();
        let mut pos = vec![u32::MAX; nodes.len()];
        for (i, &n) in order.iter().enumerate() {
            pos[n] = i as u32;
        }
        for &n in &order {
            let (ty, id, parents, roles) = &nodes[n];
            let start = out.parents.len() as u32;
            for &p in parents {
                if pos[p] != u32::MAX {
                    out.parents.push(pos[p]);
                }
            }
            out.nodes.push(AncestryNode {
                ty: EntityTypeId(*ty),
                id: out.want_ids.then(|| Arc::from(*id)),
                roles: *roles,
                parents: (start, out.parents.len() as u32 - start),
            });
        }
        Ok(())
    }

    /// Recomputes the closure rows of `ids` (a set closed under descendants, given parents
    /// first) from their parent links.
    async fn rebuild<C: ConnectionTrait>(db: &C, nodes: &[(String, String)]) -> StoreResult<()> {
        for (ty, id) in nodes {
            Self::exec(
                db,
                "DELETE FROM access_closure WHERE desc_ty = ? AND desc_id = ? AND depth > 0",
                vec![s(ty), s(id)],
            )
            .await?;
        }
        for (ty, id) in nodes {
            Self::link(db, ty, id).await?;
        }
        Ok(())
    }

    /// Inserts the closure rows of `(ty, id)` from its parents' rows (parents must be up to date).
    async fn link<C: ConnectionTrait>(db: &C, ty: &str, id: &str) -> StoreResult<()> {
        Self::exec(
            db,
            "INSERT INTO access_closure (desc_ty, desc_id, anc_ty, anc_id, depth) \
             SELECT ?, ?, c.anc_ty, c.anc_id, MIN(c.depth) + 1 FROM access_parents p \
             JOIN access_closure c ON c.desc_ty = p.parent_ty AND c.desc_id = p.parent_id \
             WHERE p.child_ty = ? AND p.child_id = ? GROUP BY c.anc_ty, c.anc_id",
            vec![s(ty), s(id), s(ty), s(id)],
        )
        .await?;
        Ok(())
    }

    /// The descendants of `(ty, id)` (not itself), parents before children.
    async fn descendants<C: ConnectionTrait>(
        db: &C,
        ty: &str,
        id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        let rows = Self::query(
            db,
            "SELECT c.desc_ty, c.desc_id FROM access_closure c \
             WHERE c.anc_ty = ? AND c.anc_id = ? AND c.depth > 0",
            vec![s(ty), s(id)],
        )
        .await?;
        let set: Vec<(String, String)> = rows
            .iter()
            .map(|r| Ok((get(r, "desc_ty")?, get(r, "desc_id")?)))
            .collect::<StoreResult<_>>()?;
        if set.is_empty() {
            return Ok(set);
        }
        // Order them: parents (within the set) first, by the links among them.
        let mut parents: HashMap<(String, String), Vec<(String, String)>> = HashMap::new();
        for chunk in set.chunks(200) {
            let mut sql = String::from(
                "SELECT child_ty, child_id, parent_ty, parent_id FROM access_parents WHERE (child_ty, child_id) IN (",
            );
            let mut vals = Vec::new();
            for (i, (t, d)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str("(?, ?)");
                vals.push(s(t));
                vals.push(s(d));
            }
            sql.push(')');
            for r in Self::query(db, &sql, vals).await? {
                parents
                    .entry((get(&r, "child_ty")?, get(&r, "child_id")?))
                    .or_default()
                    .push((get(&r, "parent_ty")?, get(&r, "parent_id")?));
            }
        }
        let in_set: std::collections::HashSet<&(String, String)> = set.iter().collect();
        let mut done: std::collections::HashSet<(String, String)> =
            std::collections::HashSet::new();
        let mut out = Vec::with_capacity(set.len());
        // Kahn-like passes; the hierarchy is acyclic, so each pass makes progress.
        while out.len() < set.len() {
            let before = out.len();
            for n in &set {
                if done.contains(n) {
                    continue;
                }
                let ready = parents
                    .get(n)
                    .is_none_or(|ps| ps.iter().all(|p| !in_set.contains(p) || done.contains(p)));
                if ready {
                    done.insert(n.clone());
                    out.push(n.clone());
                }
            }
            if out.len() == before {
                return Err(StoreError::new(
                    StoreErrorKind::InvalidAncestry,
                    "the hierarchy has a cycle",
                ));
            }
        }
        Ok(out)
    }

    async fn set_parents_in<C: ConnectionTrait>(
        &self,
        db: &C,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> StoreResult<()> {
        let ty = self.names.entity(resource.ty)?.to_owned();
        let mut ps: Vec<(String, String)> = Vec::new();
        for p in parents {
            let pt = self.names.entity(p.ty)?;
            if !Self::exists(db, pt, p.id).await? {
                return Err(not_found(*p, pt));
            }
            // A cycle: the new parent is the resource or one of its descendants.
            let below = Self::query(
                db,
                "SELECT 1 AS x FROM access_closure WHERE anc_ty = ? AND anc_id = ? AND desc_ty = ? AND desc_id = ?",
                vec![s(&ty), s(resource.id), s(pt), s(p.id)],
            )
            .await?;
            if !below.is_empty() {
                return Err(StoreError::new(
                    StoreErrorKind::Cycle,
                    format!(
                        "{ty}:{} cannot be placed under {pt}:{}: it would become its own ancestor",
                        resource.id, p.id
                    ),
                ));
            }
            if !ps.iter().any(|(a, b)| a == pt && b == p.id) {
                ps.push((pt.to_owned(), p.id.to_owned()));
            }
        }
        Self::exec(
            db,
            "DELETE FROM access_parents WHERE child_ty = ? AND child_id = ?",
            vec![s(&ty), s(resource.id)],
        )
        .await?;
        for (pt, pi) in &ps {
            Self::exec(
                db,
                "INSERT INTO access_parents (child_ty, child_id, parent_ty, parent_id) VALUES (?, ?, ?, ?)",
                vec![s(&ty), s(resource.id), s(pt), s(pi)],
            )
            .await?;
        }
        let mut nodes = vec![(ty.clone(), resource.id.to_owned())];
        nodes.extend(Self::descendants(db, &ty, resource.id).await?);
        Self::rebuild(db, &nodes).await
    }

    /// The resources' ancestries in one query.
    async fn fetch(
        &self,
        user: &str,
        resources: &[Resource<'_>],
        at: Option<Timestamp>,
    ) -> StoreResult<Vec<Vec<AncestryRow>>> {
        let now = at.unwrap_or_else(time::now);
        if !storable(user) {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                "a user id cannot contain NUL",
            ));
        }
        let all = resources;
        // Ids that cannot be stored name no resource: they get no rows.
        let resources: Vec<Resource<'_>> = all.iter().copied().filter(|r| storable(r.id)).collect();
        if resources.is_empty() {
            return Ok(vec![Vec::new(); all.len()]);
        }
        let resources = &resources[..];
        let mut sql = String::from(
            "SELECT c.desc_ty, c.desc_id, c.anc_ty, c.anc_id, p.parent_ty, p.parent_id, a.role \
             FROM access_closure c \
             LEFT JOIN access_parents p ON p.child_ty = c.anc_ty AND p.child_id = c.anc_id \
             LEFT JOIN access_assignments a ON a.res_ty = c.anc_ty AND a.res_id = c.anc_id \
               AND a.user_id = ? AND (a.starts_at IS NULL OR a.starts_at <= ?) \
               AND (a.expires_at IS NULL OR a.expires_at > ?) \
             WHERE ",
        );
        let mut vals = vec![s(user), Value::from(now), Value::from(now)];
        if let [r] = resources {
            sql.push_str("c.desc_ty = ? AND c.desc_id = ?");
            vals.push(s(self.names.entity(r.ty)?));
            vals.push(s(r.id));
        } else {
            sql.push_str("(c.desc_ty, c.desc_id) IN (");
            for (i, r) in resources.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str("(?, ?)");
                vals.push(s(self.names.entity(r.ty)?));
                vals.push(s(r.id));
            }
            sql.push(')');
        }
        let rows = Self::query(&self.db, &sql, vals).await?;
        let mut out = vec![Vec::new(); all.len()];
        let mut which: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, r) in all.iter().enumerate().filter(|(_, r)| storable(r.id)) {
            which
                .entry((self.names.entity(r.ty)?.to_owned(), r.id.to_owned()))
                .or_default()
                .push(i);
        }
        for r in rows {
            let key: (String, String) = (get(&r, "desc_ty")?, get(&r, "desc_id")?);
            let parent = match (
                get::<Option<String>>(&r, "parent_ty")?,
                get::<Option<String>>(&r, "parent_id")?,
            ) {
                (Some(t), Some(i)) => Some((t, i)),
                _ => None,
            };
            let row = (
                get::<String>(&r, "anc_ty")?,
                get::<String>(&r, "anc_id")?,
                parent,
                get::<Option<String>>(&r, "role")?,
            );
            if let Some(is) = which.get(&key) {
                for &i in is {
                    out[i].push(row.clone());
                }
            }
        }
        Ok(out)
    }
}

impl RoleStore for SeaStore {
    async fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        let rows = self.fetch(user, &[resource], out.at).await?;
        self.build(resource, &rows[0], out)
    }

    async fn ancestries(
        &self,
        user: &str,
        resources: &[Resource<'_>],
        out: &mut Vec<Ancestry>,
    ) -> StoreResult<()> {
        out.resize_with(resources.len(), Ancestry::default);
        if resources.is_empty() {
            return Ok(());
        }
        let at = out.first().and_then(|a| a.at);
        let rows = self.fetch(user, resources, at).await?;
        for ((r, rows), a) in resources.iter().zip(&rows).zip(out.iter_mut()) {
            self.build(*r, rows, a)?;
        }
        Ok(())
    }

    async fn assignments(&self, user: &str) -> StoreResult<Vec<(ResourceRef, RoleSet)>> {
        let now = time::now();
        let rows = Self::query(
            &self.db,
            "SELECT res_ty, res_id, role FROM access_assignments WHERE user_id = ? \
             AND (starts_at IS NULL OR starts_at <= ?) AND (expires_at IS NULL OR expires_at > ?)",
            vec![s(user), Value::from(now), Value::from(now)],
        )
        .await?;
        let mut by: HashMap<(u16, String), RoleSet> = HashMap::new();
        for r in rows {
            let ty: String = get(&r, "res_ty")?;
            let Some(&t) = self.names.entity_index.get(&ty) else {
                continue;
            };
            if let Some(role) = self.names.role_of(t, &get::<String>(&r, "role")?) {
                by.entry((t, get(&r, "res_id")?))
                    .or_default()
                    .insert(role as usize);
            }
        }
        let mut v: Vec<(ResourceRef, RoleSet)> = by
            .into_iter()
            .map(|((t, id), roles)| (ResourceRef::new(EntityTypeId(t), id), roles))
            .collect();
        v.sort();
        Ok(v)
    }

    async fn global_roles(&self, user: &str) -> StoreResult<RoleSet> {
        let rows = Self::query(
            &self.db,
            "SELECT role FROM access_user_roles WHERE user_id = ?",
            vec![s(user)],
        )
        .await?;
        let mut set = RoleSet::EMPTY;
        for r in rows {
            let name: String = get(&r, "role")?;
            if let Some(i) = self.names.data.global_role_index(&name) {
                set.insert(i as usize);
            }
        }
        Ok(set)
    }

    async fn assign(&self, user: &str, resource: Resource<'_>, role: u16) -> StoreResult<()> {
        self.assign_during(user, resource, role, None, None).await
    }

    async fn assign_during(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> StoreResult<()> {
        if role >= 64 {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!("role index {role} out of range"),
            ));
        }
        let ty = self.names.entity(resource.ty)?;
        if !Self::exists(&self.db, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        let role = self.names.role_name(resource.ty.0, role);
        let vals = vec![
            s(user),
            s(ty),
            s(resource.id),
            s(&role),
            Value::from(from),
            Value::from(until),
        ];
        Self::exec(
            &self.db,
            "INSERT INTO access_assignments (user_id, res_ty, res_id, role, starts_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, res_ty, res_id, role) \
             DO UPDATE SET starts_at = excluded.starts_at, expires_at = excluded.expires_at",
            vals,
        )
        .await?;
        Ok(())
    }

    async fn revoke(&self, user: &str, resource: Resource<'_>, role: u16) -> StoreResult<()> {
        let ty = self.names.entity(resource.ty)?;
        let role = self.names.role_name(resource.ty.0, role);
        Self::exec(
            &self.db,
            "DELETE FROM access_assignments WHERE user_id = ? AND res_ty = ? AND res_id = ? AND role = ?",
            vec![s(user), s(ty), s(resource.id), s(&role)],
        )
        .await?;
        Ok(())
    }

    async fn set_global_roles(&self, user: &str, roles: RoleSet) -> StoreResult<()> {
        let txn = self.db.begin().await.map_err(backend)?;
        Self::exec(
            &txn,
            "DELETE FROM access_user_roles WHERE user_id = ?",
            vec![s(user)],
        )
        .await?;
        for r in roles.iter() {
            if let Some(name) = self.names.data.global_roles.get(r) {
                Self::exec(
                    &txn,
                    "INSERT INTO access_user_roles (user_id, role) VALUES (?, ?)",
                    vec![s(user), s(name)],
                )
                .await?;
            }
        }
        txn.commit().await.map_err(backend)
    }
}

impl ClosureStore for SeaStore {
    async fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> StoreResult<()> {
        self.put_resource_in(&self.db, resource, parents, false)
            .await
    }

    async fn set_parents(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> StoreResult<()> {
        let ty = self.names.entity(resource.ty)?;
        let txn = self.db.begin().await.map_err(backend)?;
        if !Self::exists(&txn, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        self.set_parents_in(&txn, resource, parents).await?;
        txn.commit().await.map_err(backend)
    }

    async fn remove_resource(&self, resource: Resource<'_>) -> StoreResult<()> {
        self.remove_resource_in(&self.db, resource).await
    }

    async fn ancestors(&self, resource: Resource<'_>) -> StoreResult<Vec<(ResourceRef, u32)>> {
        let ty = self.names.entity(resource.ty)?;
        if !Self::exists(&self.db, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        let rows = Self::query(
            &self.db,
            "SELECT anc_ty, anc_id, depth FROM access_closure WHERE desc_ty = ? AND desc_id = ? AND depth > 0 ORDER BY depth, anc_ty, anc_id",
            vec![s(ty), s(resource.id)],
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let t: String = get(&r, "anc_ty")?;
            let Some(&ti) = self.names.entity_index.get(&t) else {
                continue;
            };
            let depth: i32 = get(&r, "depth")?;
            out.push((
                ResourceRef::new(EntityTypeId(ti), get::<String>(&r, "anc_id")?),
                u32::try_from(depth).unwrap_or(0),
            ));
        }
        Ok(out)
    }
}

impl SubscriptionStore for SeaStore {
    async fn tenant_plans(&self, tenant: &str) -> StoreResult<TenantPlans> {
        let rows = Self::query(
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
        let rows = Self::query(
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

    async fn set_base_plan(&self, tenant: &str, group: u16, sub: Subscription) -> StoreResult<()> {
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
        let txn = self.db.begin().await.map_err(backend)?;
        Self::exec(
            &txn,
            "DELETE FROM access_subscriptions WHERE tenant = ? AND grp = ?",
            vec![s(tenant), s(grp)],
        )
        .await?;
        Self::exec(
            &txn,
            "INSERT INTO access_subscriptions (tenant, plan, grp, started_at, ends_at) VALUES (?, ?, ?, ?, ?)",
            vec![s(tenant), s(plan), s(grp), Value::from(sub.started_at), Value::from(sub.ends_at)],
        )
        .await?;
        txn.commit().await.map_err(backend)
    }

    async fn add_add_on(&self, tenant: &str, sub: Subscription) -> StoreResult<()> {
        let plan = self.names.plan(sub.plan)?;
        if self.names.plan_group(sub.plan).is_some() {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!("plan `{plan}` is a base plan, not an add-on"),
            ));
        }
        Self::exec(
            &self.db,
            "INSERT INTO access_subscriptions (tenant, plan, grp, started_at, ends_at) VALUES (?, ?, NULL, ?, ?) \
             ON CONFLICT (tenant, plan) DO UPDATE SET started_at = excluded.started_at, ends_at = excluded.ends_at",
            vec![s(tenant), s(plan), Value::from(sub.started_at), Value::from(sub.ends_at)],
        )
        .await?;
        Ok(())
    }

    async fn remove_add_on(&self, tenant: &str, plan: PlanId) -> StoreResult<()> {
        let Ok(name) = self.names.plan(plan) else {
            return Ok(());
        };
        Self::exec(
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
                Self::exec(
                    &self.db,
                    "DELETE FROM access_overrides WHERE tenant = ? AND limit_name = ?",
                    vec![s(tenant), s(name)],
                )
                .await?;
            }
            Some(m) => {
                Self::exec(
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
        let rows = Self::query(
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
        let name = self.names.data.flags.get(flag.0 as usize).ok_or_else(|| {
            StoreError::new(StoreErrorKind::InvalidRequest, "flag is not in the model")
        })?;
        let sql = if on {
            "INSERT INTO access_flags (tenant, flag) VALUES (?, ?) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM access_flags WHERE tenant = ? AND flag = ?"
        };
        Self::exec(&self.db, sql, vec![s(tenant), s(name)]).await?;
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

/// Creates every table of [`SeaStore`] and its wallet when missing, in `db` (what
/// [`SeaStore::migrate`] runs; the tables do not depend on the model).
///
/// # Errors
/// The database refused a statement.
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// access_core::sea::migrate(&db).await.unwrap();
/// access_core::sea::migrate(&db).await.unwrap(); // again: nothing changes
/// # }
/// ```
pub async fn migrate(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    for sql in SCHEMA {
        db.execute_unprepared(sql).await?;
    }
    super::wallet::migrate(db).await
}
