//! The resource hierarchy of [`SeaStore`]: parent links in `access_parents` and the closure
//! table `access_closure` (one row per ancestor, with its depth, the resource itself at depth
//! 0), kept when a resource is added, moved (its descendants move with it, in the same
//! transaction; a move that would make a resource its own ancestor is refused) or removed.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, DbBackend, TransactionSession, TransactionTrait};

use super::store::SeaStore;
use super::tables::{backend, exec, exists, get, not_found, query, s, storable};
use super::write::{begin_write, retry_writes};
use crate::model::EntityTypeId;
use crate::store::{ClosureStore, Resource, ResourceRef, StoreError, StoreErrorKind, StoreResult};

/// The key of the PostgreSQL advisory lock that serializes hierarchy changes ("access" in
/// ASCII).
const HIERARCHY_LOCK: i64 = 0x6163_6365_7373;

/// A transaction for a hierarchy change: [`begin_write`] (`BEGIN IMMEDIATE` on SQLite, which
/// serializes writers already), and on PostgreSQL a transaction advisory lock held to the
/// commit. Closure rows are computed from other resources' closure rows: under `READ
/// COMMITTED` two concurrent moves could each compute from the other's old ancestry, and under
/// `SERIALIZABLE` one would fail; the lock makes them wait their turn instead.
async fn begin_hierarchy<C: ConnectionTrait + TransactionTrait>(
    db: &C,
) -> StoreResult<C::Transaction> {
    let txn = retry_writes(|| begin_write(db)).await.map_err(backend)?;
    if txn.get_database_backend() == DbBackend::Postgres {
        let lock = format!("SELECT pg_advisory_xact_lock({HIERARCHY_LOCK})");
        txn.execute_unprepared(&lock).await.map_err(backend)?;
    }
    Ok(txn)
}

impl SeaStore {
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
    /// use access_core::Resource;
    /// use access_core::sea::SeaStore;
    /// use access_core::sea::write::begin_write;
    /// use sea_orm::DatabaseConnection;
    ///
    /// /// A project row and its resource, committed (or rolled back) together.
    /// async fn create_project(
    ///     db: &DatabaseConnection,
    ///     store: &SeaStore,
    ///     project: Resource<'_>,
    ///     workspace: Resource<'_>,
    /// ) -> Result<(), Box<dyn std::error::Error>> {
    ///     let txn = begin_write(db).await?; // a writer from the start (SQLite: BEGIN IMMEDIATE)
    ///     // .. insert the application's row through `txn` ..
    ///     store.create_resource_in(&txn, project, &[workspace]).await?;
    ///     txn.commit().await?;
    ///     Ok(())
    /// }
    /// ```
    pub async fn create_resource_in<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> StoreResult<()> {
        let _invalidate = self.invalidates_in_caller_txn();
        self.put_resource_in(db, resource, parents, true).await
    }

    /// Gives `user` the role with index `role` on `resource` in the caller's transaction `db`
    /// (commit it to keep the grant): an organization created with its owner in one write.
    ///
    /// # Errors
    /// The role is not one of the type's, the resource does not exist (`NotFound`), or the
    /// database refused.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    /// use access_core::sea::write::begin_write;
    /// use access_core::Resource;
    ///
    /// async fn found(store: &SeaStore, org: Resource<'_>, owner: u16) -> Result<(), Box<dyn std::error::Error>> {
    ///     let txn = begin_write(store.db()).await?;
    ///     store.create_resource_in(&txn, org, &[]).await?;
    ///     store.assign_in(&txn, "ann", org, owner).await?;
    ///     txn.commit().await?;
    ///     Ok(())
    /// }
    /// ```
    pub async fn assign_in<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> StoreResult<()> {
        let _invalidate = self.invalidates_in_caller_txn();
        self.assign_during_in(db, user, resource, role, None, None)
            .await
    }

    /// Gives `user` `role` on `resource` from `from` until `until` (open ends: `None`) on `db`,
    /// replacing the bounds of an assignment it has; the caller invalidates the read cache.
    pub(super) async fn assign_during_in<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<crate::time::Timestamp>,
        until: Option<crate::time::Timestamp>,
    ) -> StoreResult<()> {
        self.roles.check(resource, role)?;
        let ty = self.names.entity(resource.ty)?;
        if !exists(db, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        let role = self.names.role_name(resource.ty.0, role);
        let vals = vec![
            s(user),
            s(ty),
            s(resource.id),
            s(&role),
            sea_orm::Value::from(from),
            sea_orm::Value::from(until),
        ];
        exec(
            db,
            "INSERT INTO access_assignments (user_id, res_ty, res_id, role, starts_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, res_ty, res_id, role) \
             DO UPDATE SET starts_at = excluded.starts_at, expires_at = excluded.expires_at",
            vals,
        )
        .await?;
        Ok(())
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
        let txn = begin_hierarchy(db).await?;
        for p in parents {
            let pt = self.names.entity(p.ty)?;
            if !exists(&txn, pt, p.id).await? {
                return Err(not_found(*p, pt));
            }
        }
        if exists(&txn, ty, resource.id).await? {
            if create_only {
                return Err(StoreError::new(
                    StoreErrorKind::AlreadyExists,
                    format!("{ty}:{} exists already", resource.id),
                ));
            }
            self.set_parents_in(&txn, resource, parents).await?;
        } else {
            exec(
                &txn,
                "INSERT INTO access_resources (ty, id) VALUES (?, ?)",
                vec![s(ty), s(resource.id)],
            )
            .await?;
            exec(
                &txn,
                "INSERT INTO access_closure (desc_ty, desc_id, anc_ty, anc_id, depth) VALUES (?, ?, ?, ?, 0)",
                vec![s(ty), s(resource.id), s(ty), s(resource.id)],
            )
            .await?;
            for p in parents {
                let pt = self.names.entity(p.ty)?;
                exec(
                    &txn,
                    "INSERT INTO access_parents (child_ty, child_id, parent_ty, parent_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    vec![s(ty), s(resource.id), s(pt), s(p.id)],
                )
                .await?;
            }
            link(&txn, ty, resource.id).await?;
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
    /// use access_core::Resource;
    /// use access_core::sea::SeaStore;
    /// use access_core::sea::write::begin_write;
    /// use sea_orm::DatabaseConnection;
    ///
    /// /// A project row and its resource (assignments and closure rows too), deleted together.
    /// async fn delete_project(
    ///     db: &DatabaseConnection,
    ///     store: &SeaStore,
    ///     project: Resource<'_>,
    /// ) -> Result<(), Box<dyn std::error::Error>> {
    ///     let txn = begin_write(db).await?; // a writer from the start (SQLite: BEGIN IMMEDIATE)
    ///     // .. delete the application's row through `txn` ..
    ///     store.remove_resource_in(&txn, project).await?;
    ///     txn.commit().await?;
    ///     Ok(())
    /// }
    /// ```
    pub async fn remove_resource_in<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        resource: Resource<'_>,
    ) -> StoreResult<()> {
        let _invalidate = self.invalidates_in_caller_txn();
        self.remove_resource_on(db, resource).await
    }

    /// `remove_resource_in` without its cache guard (the caller holds one).
    async fn remove_resource_on<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        resource: Resource<'_>,
    ) -> StoreResult<()> {
        let ty = self.names.entity(resource.ty)?;
        let txn = begin_hierarchy(db).await?;
        if !exists(&txn, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        let below = descendants(&txn, ty, resource.id).await?;
        let key = || vec![s(ty), s(resource.id)];
        for sql in [
            "DELETE FROM access_parents WHERE child_ty = ? AND child_id = ?",
            "DELETE FROM access_parents WHERE parent_ty = ? AND parent_id = ?",
            "DELETE FROM access_closure WHERE desc_ty = ? AND desc_id = ?",
            "DELETE FROM access_closure WHERE anc_ty = ? AND anc_id = ?",
            "DELETE FROM access_assignments WHERE res_ty = ? AND res_id = ?",
            "DELETE FROM access_resources WHERE ty = ? AND id = ?",
        ] {
            exec(&txn, sql, key()).await?;
        }
        rebuild(&txn, &below).await?;
        txn.commit().await.map_err(backend)
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
            if !exists(db, pt, p.id).await? {
                return Err(not_found(*p, pt));
            }
            // A cycle: the new parent is the resource or one of its descendants.
            let below = query(
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
        exec(
            db,
            "DELETE FROM access_parents WHERE child_ty = ? AND child_id = ?",
            vec![s(&ty), s(resource.id)],
        )
        .await?;
        for (pt, pi) in &ps {
            exec(
                db,
                "INSERT INTO access_parents (child_ty, child_id, parent_ty, parent_id) VALUES (?, ?, ?, ?)",
                vec![s(&ty), s(resource.id), s(pt), s(pi)],
            )
            .await?;
        }
        let mut nodes = vec![(ty.clone(), resource.id.to_owned())];
        nodes.extend(descendants(db, &ty, resource.id).await?);
        rebuild(db, &nodes).await
    }
}

/// Recomputes the closure rows of `ids` (a set closed under descendants, given parents
/// first) from their parent links.
async fn rebuild<C: ConnectionTrait>(db: &C, nodes: &[(String, String)]) -> StoreResult<()> {
    for (ty, id) in nodes {
        exec(
            db,
            "DELETE FROM access_closure WHERE desc_ty = ? AND desc_id = ? AND depth > 0",
            vec![s(ty), s(id)],
        )
        .await?;
    }
    for (ty, id) in nodes {
        link(db, ty, id).await?;
    }
    Ok(())
}

/// Inserts the closure rows of `(ty, id)` from its parents' rows (parents must be up to date).
async fn link<C: ConnectionTrait>(db: &C, ty: &str, id: &str) -> StoreResult<()> {
    exec(
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
    let rows = query(
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
        for r in query(db, &sql, vals).await? {
            parents
                .entry((get(&r, "child_ty")?, get(&r, "child_id")?))
                .or_default()
                .push((get(&r, "parent_ty")?, get(&r, "parent_id")?));
        }
    }
    let in_set: HashSet<&(String, String)> = set.iter().collect();
    let mut done: HashSet<(String, String)> = HashSet::new();
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

impl ClosureStore for SeaStore {
    async fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        self.put_resource_in(&self.db, resource, parents, false)
            .await
    }

    async fn set_parents(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        let ty = self.names.entity(resource.ty)?;
        let txn = begin_hierarchy(&self.db).await?;
        if !exists(&txn, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        self.set_parents_in(&txn, resource, parents).await?;
        txn.commit().await.map_err(backend)
    }

    async fn remove_resource(&self, resource: Resource<'_>) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        self.remove_resource_on(&self.db, resource).await
    }

    async fn ancestors(&self, resource: Resource<'_>) -> StoreResult<Vec<(ResourceRef, u32)>> {
        let ty = self.names.entity(resource.ty)?;
        if !exists(&self.db, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        let rows = query(
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
