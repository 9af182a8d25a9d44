//! A user's roles on one resource set in one step that keeps a role held: what an
//! organization's member changes need (an organization keeps at least one owner, whatever
//! concurrent changes are made).

use sea_orm::{ConnectionTrait, DbBackend};

use super::store::SeaStore;
use super::tables::{backend, exec, get, not_found, query, s, storable};
use super::write::{begin_write, retry_writes};
use crate::model::RoleSet;
use crate::store::{Resource, StoreResult};
use crate::time;

/// What [`SeaStore::set_roles_keeping`] did.
///
/// # Examples
/// ```
/// use access_core::sea::RolesSet;
/// use access_core::RoleSet;
///
/// fn describe(r: RolesSet) -> String {
///     match r {
///         RolesSet::Done { before } => format!("set; held {} roles before", before.len()),
///         RolesSet::LastHolder => "refused: nobody else holds the kept role".to_owned(),
///     }
/// }
/// assert_eq!(describe(RolesSet::Done { before: RoleSet::single(0) }), "set; held 1 roles before");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolesSet {
    /// The roles are set; the user's direct roles on the resource before.
    Done {
        /// The roles held before.
        before: RoleSet,
    },
    /// Nothing changed: the user is the last holder of the kept role and would lose it.
    LastHolder,
}

impl SeaStore {
    /// Sets `user`'s direct roles on `resource` to `roles` (none: the user leaves it), unless the
    /// user holds role `keep` there and would be the last to lose it: then nothing changes
    /// ([`RolesSet::LastHolder`]). One transaction, serialized per resource (a writer from the
    /// start on SQLite, the resource's row locked on PostgreSQL), so two owners demoting each
    /// other at once cannot leave the organization without one. Time-bound assignments of the
    /// user on the resource are replaced too.
    ///
    /// # Errors
    /// An unknown role of the type (`InvalidRequest`), no such resource (`NotFound`), or the
    /// database failed.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::{RolesSet, SeaStore};
    /// use access_core::{Resource, RoleSet, StoreResult};
    ///
    /// /// `user` leaves `org` unless they are its last owner (role 0).
    /// async fn leave(store: &SeaStore, org: Resource<'_>, user: &str) -> StoreResult<bool> {
    ///     let r = store.set_roles_keeping(user, org, RoleSet::EMPTY, 0).await?;
    ///     Ok(matches!(r, RolesSet::Done { .. }))
    /// }
    /// ```
    pub async fn set_roles_keeping(
        &self,
        user: &str,
        resource: Resource<'_>,
        roles: RoleSet,
        keep: u16,
    ) -> StoreResult<RolesSet> {
        let _invalidate = self.invalidates();
        for r in roles.iter() {
            self.roles.check(resource, r as u16)?;
        }
        self.roles.check(resource, keep)?;
        let ty = self.names.entity(resource.ty)?;
        if !storable(resource.id) {
            return Err(not_found(resource, ty));
        }
        let txn = retry_writes(|| begin_write(&self.db))
            .await
            .map_err(backend)?;
        if !lock_resource(&txn, ty, resource.id).await? {
            return Err(not_found(resource, ty));
        }
        let now = time::now();
        let rows = query(
            &txn,
            "SELECT role FROM access_assignments WHERE user_id = ? AND res_ty = ? AND res_id = ? \
             AND (starts_at IS NULL OR starts_at <= ?) AND (expires_at IS NULL OR expires_at > ?)",
            vec![
                s(user),
                s(ty),
                s(resource.id),
                sea_orm::Value::from(now),
                sea_orm::Value::from(now),
            ],
        )
        .await?;
        let mut before = RoleSet::EMPTY;
        for r in rows {
            let name: String = get(&r, "role")?;
            if let Some(role) = self.names.role_of(resource.ty.0, &name) {
                before.insert(role as usize);
            }
        }
        let keep_name = self.names.role_name(resource.ty.0, keep);
        if before.contains(keep as usize)
            && !roles.contains(keep as usize)
            && !others_hold(&txn, ty, resource.id, &keep_name, user, now).await?
        {
            return Ok(RolesSet::LastHolder);
        }
        exec(
            &txn,
            "DELETE FROM access_assignments WHERE user_id = ? AND res_ty = ? AND res_id = ?",
            vec![s(user), s(ty), s(resource.id)],
        )
        .await?;
        for r in roles.iter() {
            let name = self.names.role_name(resource.ty.0, r as u16);
            exec(
                &txn,
                "INSERT INTO access_assignments (user_id, res_ty, res_id, role, starts_at, expires_at) \
                 VALUES (?, ?, ?, ?, NULL, NULL)",
                vec![s(user), s(ty), s(resource.id), s(&name)],
            )
            .await?;
        }
        txn.commit().await.map_err(backend)?;
        Ok(RolesSet::Done { before })
    }

    /// Removes every role assignment of `user`, in the caller's transaction `db`, unless the
    /// user is the last holder of role `keep` (`(entity type, role)`: an organization's owner)
    /// on a resource of that type: then nothing is removed and that resource's id is returned.
    /// On PostgreSQL the resources the user holds `keep` on are locked (`FOR UPDATE`) first, as
    /// [`Self::set_roles_keeping`] locks them, so a concurrent demotion cannot slip between.
    ///
    /// # Errors
    /// The database failed.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaStore;
    /// use access_core::{EntityTypeId, StoreResult};
    ///
    /// /// Deletes `user`'s memberships unless they are the last owner (role 0) of an organization (type 0).
    /// async fn forget(store: &SeaStore, txn: &sea_orm::DatabaseTransaction, user: &str) -> StoreResult<Option<String>> {
    ///     store.remove_user_in(txn, user, Some((EntityTypeId(0), 0))).await
    /// }
    /// ```
    pub async fn remove_user_in<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &str,
        keep: Option<(crate::model::EntityTypeId, u16)>,
    ) -> StoreResult<Option<String>> {
        let _invalidate = self.invalidates_in_caller_txn();
        if let Some((ty, role)) = keep {
            let ty_name = self.names.entity(ty)?;
            let role_name = self.names.role_name(ty.0, role);
            let now = time::now();
            let held = query(
                db,
                "SELECT res_id FROM access_assignments WHERE user_id = ? AND res_ty = ? AND role = ? \
                 AND (starts_at IS NULL OR starts_at <= ?) AND (expires_at IS NULL OR expires_at > ?) \
                 ORDER BY res_id",
                vec![
                    s(user),
                    s(ty_name),
                    s(&role_name),
                    sea_orm::Value::from(now),
                    sea_orm::Value::from(now),
                ],
            )
            .await?;
            for r in held {
                let id: String = get(&r, "res_id")?;
                lock_resource(db, ty_name, &id).await?;
                if !others_hold(db, ty_name, &id, &role_name, user, now).await? {
                    return Ok(Some(id));
                }
            }
        }
        exec(
            db,
            "DELETE FROM access_assignments WHERE user_id = ?",
            vec![s(user)],
        )
        .await?;
        Ok(None)
    }
}

/// Locks the row of resource `ty`:`id` for the rest of the transaction on PostgreSQL (changes to
/// one resource's holders wait their turn; SQLite's `BEGIN IMMEDIATE` serialized every writer
/// already): whether the resource exists.
async fn lock_resource<C: ConnectionTrait>(db: &C, ty: &str, id: &str) -> StoreResult<bool> {
    let lock = if db.get_database_backend() == DbBackend::Postgres {
        "SELECT 1 AS x FROM access_resources WHERE ty = ? AND id = ? FOR UPDATE"
    } else {
        "SELECT 1 AS x FROM access_resources WHERE ty = ? AND id = ?"
    };
    Ok(!query(db, lock, vec![s(ty), s(id)]).await?.is_empty())
}

/// Whether someone other than `user` holds `role` on resource `ty`:`id` at `now`.
async fn others_hold<C: ConnectionTrait>(
    db: &C,
    ty: &str,
    id: &str,
    role: &str,
    user: &str,
    now: crate::time::Timestamp,
) -> StoreResult<bool> {
    let rows = query(
        db,
        "SELECT 1 AS x FROM access_assignments WHERE res_ty = ? AND res_id = ? AND role = ? \
         AND user_id <> ? AND (starts_at IS NULL OR starts_at <= ?) \
         AND (expires_at IS NULL OR expires_at > ?) LIMIT 1",
        vec![
            s(ty),
            s(id),
            s(role),
            s(user),
            sea_orm::Value::from(now),
            sea_orm::Value::from(now),
        ],
    )
    .await?;
    Ok(!rows.is_empty())
}
